"""Tests for the SQL play tallies of library care: the same usage as the engine's from plays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import random
import sqlite3

from custom_components.smartplex.engine.cleanup import CleanupPolicy
from custom_components.smartplex.engine.cleanup_usage import (
    FOLLOW_DAYS,
    LAST_YEAR_DAYS,
    title_usage,
    usage_from_tallies,
)
from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.history import load_plays
from custom_components.smartplex.store.requests import load_requests
from custom_components.smartplex.store.usage import load_tallies

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
POLICY = CleanupPolicy()
DAY = 86400


def fill(connection: sqlite3.Connection, seed: int) -> None:
    """Write plays (some unmatched, some of seasons), people and requests."""
    rng = random.Random(seed)
    now = int(NOW.timestamp())
    starts = rng.sample(range(now - 400 * DAY, now), 3000)
    rows = []
    for row_id, started in enumerate(starts):
        series = rng.random() < 0.4
        rows.append(
            (
                row_id,
                rng.choice([1, 2, 3, 4, 5, None]),
                f"guest{rng.randrange(3)}",
                "episode" if series else "movie",
                started,
                rng.choice([10, 50, 84, 85, 100, 120]),
                "tv" if series else "movie",
                rng.randrange(1, 40),
                rng.choice([1, 2, 3]) if series else None,
                None if rng.random() < 0.05 else "guid",
            )
        )
    # Two people finishing one title in the same second: the larger person is last.
    rows += [
        (5000, 1, "a", "movie", now - DAY, 100, "movie", 999, None, "guid"),
        (5001, 2, "b", "movie", now - DAY, 100, "movie", 999, None, "guid"),
    ]
    connection.executemany(
        "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
        " full_title, started, play_duration, paused_counter, percent_complete,"
        " watched_status, identity_type, tmdb_id, season, matched_by) VALUES"
        " ('t', ?, ?, ?, ?, 'x', 'x', ?, 60, 0, ?, 1, ?, ?, ?, ?)",
        rows,
    )
    connection.executemany(
        "INSERT INTO users (instance, user_id, username, friendly_name, is_active,"
        " is_admin, overseerr_user_id, updated) VALUES ('t', ?, ?, ?, 1, 0, ?, 0)",
        [(user, f"u{user}", f"U{user}", 100 + user) for user in (1, 2, 3)],
    )
    connection.executemany(
        "INSERT INTO requests (instance, request_id, media_type, tmdb_id, status,"
        " is_4k, seasons, requested_by, created) VALUES ('o', ?, ?, ?, 2, 0, '[]', ?, ?)",
        [
            (
                request_id,
                rng.choice(["movie", "tv"]),
                rng.randrange(1, 40),
                rng.choice([101, 102, 103, 104]),
                now - rng.randrange(400) * DAY,
            )
            for request_id in range(150)
        ],
    )
    connection.execute(
        "INSERT INTO request_history (instance, request_id, state, time)"
        " SELECT 'o', request_id, 'approved', created FROM requests"
    )


def test_sql_tallies_give_the_engines_usage(tmp_path: Path) -> None:
    """Usage from the SQL tallies equals the engine's usage from every play."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    try:
        for seed in range(3):
            store.run(lambda connection: connection.execute("DELETE FROM plays"))
            store.run(lambda connection: connection.execute("DELETE FROM users"))
            store.run(lambda connection: connection.execute("DELETE FROM requests"))
            store.run(
                lambda connection: connection.execute("DELETE FROM request_history")
            )
            store.run(lambda connection, seed=seed: fill(connection, seed))
            plays = store.run(load_plays)
            requests = store.run(load_requests)
            streaming = {Identity("tv", 3): ["5"]}
            recent = NOW - timedelta(days=max(POLICY.in_progress_days, FOLLOW_DAYS))
            tallies, latest = store.run(
                lambda connection, since=recent: load_tallies(
                    connection, since, NOW - timedelta(days=LAST_YEAR_DAYS)
                )
            )
            expected = title_usage(
                plays, requests, streaming, NOW, POLICY.in_progress_days
            )
            assert (
                usage_from_tallies(
                    tallies, latest, requests, streaming, NOW, POLICY.in_progress_days
                )
                == expected
            )
            # The data reaches every branch: seasons, requesters, ties, in progress.
            assert any(key[1] is not None for key in expected)
            assert any(usage.requesters_not_watched for usage in expected.values())
            assert any(usage.in_progress for usage in expected.values())
            assert any(0 < u.plays_last_year < u.plays for u in expected.values())
            assert expected[(Identity("movie", 999), None)].last_watched_by == "2"
            assert len(latest) < len(plays)
    finally:
        store.close()
