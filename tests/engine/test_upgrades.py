"""Tests for upgrade and downgrade suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.smartplex.engine.models import Identity, LibraryEntry, Play
from custom_components.smartplex.engine.upgrades import demand, suggest_upgrades

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
GB = 1_000_000_000


def entry(
    tmdb_id: int, size_gb: float, cutoff_met: bool | None = False
) -> LibraryEntry:
    """Return a movie with a file."""
    return LibraryEntry(
        identity=Identity("movie", tmdb_id),
        instance="radarr-1",
        title=f"Movie {tmdb_id}",
        size_bytes=int(size_gb * GB),
        has_file=True,
        cutoff_met=cutoff_met,
        root_folder="/movies",
    )


def plays(tmdb_id: int, days_ago: list[float], users: list[str]) -> list[Play]:
    """Return plays of one movie."""
    return [
        Play(
            user_id=user,
            identity=Identity("movie", tmdb_id),
            started=NOW - timedelta(days=days),
            watched_seconds=3600,
            percent_complete=100,
        )
        for days, user in zip(days_ago, users, strict=True)
    ]


def test_demand_weights_recent_plays_and_watchers() -> None:
    """Recent plays count more; plays older than a year count nothing."""
    recent = demand(plays(1, [1, 2], ["a", "b"]), NOW)
    older = demand(plays(1, [200, 300], ["a", "a"]), NOW)
    ancient = demand(plays(1, [400], ["a"]), NOW)
    assert recent.total > older.total > ancient.total == 0
    assert recent.as_dict()["watchers"] == 1.0


def test_upgrades_ranked_by_demand_against_free_space() -> None:
    """Below-cutoff titles come most watched first; each says whether it still fits."""
    library = [
        entry(1, 10),
        entry(2, 10),
        entry(3, 10),
        entry(4, 10, cutoff_met=True),
        entry(5, 10),
    ]
    history = [
        *plays(1, [5, 6, 7], ["a", "b", "c"]),
        *plays(2, [10], ["a"]),
        *plays(3, [100], ["a"]),
        *plays(4, [1, 2], ["a", "b"]),
        Play(
            user_id="x",
            identity=None,
            started=NOW,
            watched_seconds=1,
            percent_complete=5,
        ),
    ]
    report = suggest_upgrades(library, history, {"/movies": 25 * GB}, NOW)
    assert [s.entry.identity.tmdb_id for s in report.upgrades] == [1, 2, 3]
    assert [s.size_change for s in report.upgrades] == [10 * GB] * 3
    assert [s.fits for s in report.upgrades] == [True, True, False]
    assert report.upgrades[0].reason.startswith("watched by 3 people in the last year")
    assert report.upgrades[0].reason.endswith("below its cutoff")
    limited = suggest_upgrades(library, history, {}, NOW, limit=1)
    assert [s.fits for s in limited.upgrades] == [False]


def test_downgrades_are_large_and_unwatched() -> None:
    """Titles at twice the median size that nobody watched in a year come largest first."""
    library = [entry(i, 5, cutoff_met=True) for i in range(1, 6)]
    library += [entry(10, 40, True), entry(11, 60, True), entry(12, 80, True)]
    history = plays(12, [3], ["a"])
    report = suggest_upgrades(library, history, {"/movies": 0}, NOW)
    assert report.upgrades == ()
    assert [s.entry.identity.tmdb_id for s in report.downgrades] == [11, 10]
    assert report.downgrades[0].size_change == -30 * GB
    assert report.downgrades[0].reason == (
        "60.0 GB, 12.0x the median, not watched in a year, on a large profile"
    )
