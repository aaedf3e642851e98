"""Tests for the SQL taste tallies: the same profile as the engine's from every play."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
import math
from pathlib import Path
import sqlite3
from typing import Any

import pytest

from bench.recommend import snapshot, write_plays
from custom_components.smartplex.engine.models import Identity, Play, TitleInfo
from custom_components.smartplex.engine.profile import (
    build_profile,
    profile_from_tallies,
    tally_plays,
)
from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.history import load_plays
from custom_components.smartplex.store.taste import (
    history_fingerprint,
    load_title_tallies,
)
from simulator.world import World

from .test_store_usage import fill

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def by_key(tallies: list[Any]) -> dict[tuple[tuple[str, ...], Identity], Any]:
    """Return tallies by people and title."""
    return {(tally.users, tally.identity): tally for tally in tallies}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    """Return an open database holding plays, some unmatched, some in the future."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    store.run(lambda connection: fill(connection, 1))
    store.run(
        lambda connection: connection.execute(
            "UPDATE plays SET started = ? WHERE row_id = 7",
            (int(NOW.timestamp()) + 3600,),
        )
    )
    yield store
    store.close()


def test_sql_tallies_give_the_engines_tallies(store: SmartPlexStore) -> None:
    """Every person's tally per title from SQL equals the engine's from the plays."""
    plays = store.run(load_plays)
    expected = by_key(tally_plays(plays, now=NOW))
    found = by_key(store.run(lambda connection: load_title_tallies(connection, NOW)))

    assert found.keys() == expected.keys()
    for key, tally in expected.items():
        assert found[key].engagement == pytest.approx(tally.engagement)
        assert (found[key].plays, found[key].best, found[key].last) == (
            tally.plays,
            tally.best,
            tally.last,
        )
    # Unmatched and future plays are left out; people without a user id keep their name.
    assert len(found) < len({(p.user_id, p.identity) for p in plays})
    assert any(users[0].startswith("guest") for users, _ in found)
    titles = {
        identity: TitleInfo(
            identity=identity, title="x", genres=(str(identity.tmdb_id % 3),)
        )
        for _, identity in found
    }
    household = profile_from_tallies(found.values(), titles, now=NOW)
    engines = build_profile(plays, titles, now=NOW)
    assert {seed.identity: seed.weight for seed in household.seeds} == pytest.approx(
        {seed.identity: seed.weight for seed in engines.seeds}
    )
    assert [seed.users for seed in household.seeds] == [
        engines.seed(seed.identity).users  # type: ignore[union-attr]
        for seed in household.seeds
    ]
    assert household.genres[0].share == pytest.approx(engines.genres[0].share)
    # SQLite's own tally per title over everyone gives the same household.
    per_title = store.run(
        lambda connection: load_title_tallies(connection, NOW, per_person=False)
    )
    assert len(per_title) == len(household.seeds)
    summed = profile_from_tallies(per_title, titles, now=NOW)
    assert [(s.identity, s.users, s.plays, s.last_played) for s in summed.seeds] == [
        (s.identity, s.users, s.plays, s.last_played) for s in household.seeds
    ]
    assert [s.weight for s in summed.seeds] == pytest.approx(
        [s.weight for s in household.seeds]
    )
    assert summed.users == household.users


def test_sql_tallies_of_some_people(store: SmartPlexStore) -> None:
    """Asking for some people reads only their plays."""
    found = store.run(
        lambda connection: load_title_tallies(connection, NOW, users=["1", "guest2"])
    )

    assert {tally.users for tally in found} == {("1",), ("guest2",)}
    assert (
        store.run(lambda connection: load_title_tallies(connection, NOW, users=[]))
        == []
    )


def added_up_play_by_play(
    plays: Iterable[Play], *, per_person: bool
) -> dict[tuple[tuple[str, ...], Identity], tuple[float, int, float, float]]:
    """Add up each play before NOW the plain way: engagement, plays, best and last start."""
    people: dict[tuple[str, Identity], set[str]] = {}
    sums: dict[tuple[str, Identity], tuple[float, int, float, float]] = {}
    for play in plays:
        if play.identity is None or play.started > NOW:
            continue
        completion = min(max(play.percent_complete, 0), 100) / 100
        decay = math.exp((play.started - NOW).total_seconds() / (90 * 86_400))
        key = (play.user_id if per_person else "", play.identity)
        engagement, count, best, last = sums.get(key, (0.0, 0, 0.0, 0.0))
        sums[key] = (
            engagement + completion * decay,
            count + 1,
            max(best, completion),
            max(last, play.started.timestamp()),
        )
        people.setdefault(key, set()).add(play.user_id)
    return {(tuple(sorted(people[key])), key[1]): sums[key] for key in sums}


def test_sql_tallies_give_each_plays_sum_on_the_simulators_world(
    tmp_path: Path,
) -> None:
    """Per title and per person, SQLite's tallies are the plays added up one by one.

    The simulator's household at home scale, with some completions out of range, an
    unmatched play and a future one: a faster query cannot change a tally unnoticed.
    """
    plays, _ = snapshot(World("home", seed=1, now=NOW))
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    try:
        write_plays(store, plays)
        store.run(
            lambda connection: connection.executescript(
                "UPDATE plays SET percent_complete = 130 WHERE row_id % 97 = 0;"
                " UPDATE plays SET percent_complete = -5 WHERE row_id % 89 = 0;"
                " UPDATE plays SET matched_by = NULL WHERE row_id % 83 = 0;"
            )
        )
        store.run(
            lambda connection: connection.execute(
                "UPDATE plays SET started = ? WHERE row_id % 79 = 0",
                (int(NOW.timestamp()) + 60,),
            )
        )
        written = store.run(load_plays)
        per_title, per_person = store.run(
            lambda connection: (
                load_title_tallies(connection, NOW, per_person=False),
                load_title_tallies(connection, NOW),
            )
        )
    finally:
        store.close()

    assert {play.percent_complete for play in written} >= {130, -5}
    for found, expected in (
        (per_title, added_up_play_by_play(written, per_person=False)),
        (per_person, added_up_play_by_play(written, per_person=True)),
    ):
        assert len(found) == len(expected) > 100
        for tally in found:
            engagement, count, best, last = expected[tally.users, tally.identity]
            assert tally.engagement == pytest.approx(engagement, rel=1e-9)
            assert (tally.plays, tally.best, tally.last) == (count, best, last)
    assert any(len(tally.users) > 1 for tally in per_title)


class NoMathFunctions:
    """A connection to an SQLite built without its math functions."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wrap a real connection."""
        self.connection = connection
        self.created: list[str] = []

    def execute(self, query: str, *args: Any) -> Any:
        """Refuse exp() until it is created."""
        if "exp(" in query and "exp" not in self.created:
            raise sqlite3.OperationalError("no such function: exp")
        return self.connection.execute(query, *args)

    def create_function(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Create the function on the real connection."""
        self.created.append(name)
        self.connection.create_function(name, *args, **kwargs)


def test_sql_tallies_without_sqlite_math(store: SmartPlexStore) -> None:
    """Without SQLite's exp() the tallies use Python's, with the same result."""
    found = store.run(lambda connection: load_title_tallies(connection, NOW))
    fallback = store.run(
        lambda connection: load_title_tallies(NoMathFunctions(connection), NOW)  # type: ignore[arg-type]
    )

    assert by_key(fallback).keys() == by_key(found).keys()
    assert [t.engagement for t in fallback] == pytest.approx(
        [t.engagement for t in found]
    )


def test_history_fingerprint_follows_each_persons_plays(store: SmartPlexStore) -> None:
    """A new or newly matched play changes the fingerprint of its person and everyone's."""

    def fingerprints() -> tuple[tuple[object, ...], ...]:
        return store.run(
            lambda c: (
                history_fingerprint(c),
                history_fingerprint(c, ["1"]),
                history_fingerprint(c, ["2"]),
            )
        )

    before = fingerprints()
    assert fingerprints() == before
    store.run(
        lambda c: c.execute(
            "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
            " full_title, started, play_duration, paused_counter, percent_complete,"
            " watched_status, identity_type, tmdb_id, matched_by) VALUES ('t', 9000,"
            " 1, 'a', 'movie', 'x', 'x', 1, 60, 0, 100, 1, NULL, NULL, NULL)"
        )
    )
    added = fingerprints()
    assert added[0] != before[0]
    assert added[1] != before[1]
    assert added[2] == before[2]
    store.run(
        lambda c: c.execute(
            "UPDATE plays SET identity_type = 'movie', tmdb_id = 5, matched_by = 'guid'"
            " WHERE row_id = 9000"
        )
    )
    matched = fingerprints()
    assert matched[1] != added[1]
    assert matched[2] == before[2]
