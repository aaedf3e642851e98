"""Taste profiles weigh seeds by recency and completion and explain each facet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math

import pytest

from custom_components.smartplex.engine.models import Identity, Play, TitleInfo
from custom_components.smartplex.engine.profile import (
    RECENCY_DAYS,
    build_profile,
    decade,
    profiles_by_user,
    recency,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WIRE = Identity("tv", 1438)
PILOT = Identity("tv", 999)
HEAT = Identity("movie", 949)
OLD = Identity("movie", 11)
TITLES = {
    WIRE: TitleInfo(
        identity=WIRE,
        title="The Wire",
        year=2002,
        genres=("Crime", "Drama"),
        keywords=("baltimore", "police"),
        people=("Dominic West", "David Simon"),
        language="en",
    ),
    PILOT: TitleInfo(identity=PILOT, title="Pilot", year=2020, genres=("Comedy",)),
    HEAT: TitleInfo(
        identity=HEAT,
        title="Heat",
        year=1995,
        genres=("Crime", "Thriller"),
        keywords=("police",),
        people=("Al Pacino",),
        language="en",
    ),
    OLD: TitleInfo(identity=OLD, title="Old", year=1977, genres=("Adventure",)),
}


def play(
    user: str, identity: Identity | None, days_ago: float, percent: int = 100
) -> Play:
    """Return a play `days_ago` before NOW."""
    return Play(
        user_id=user,
        identity=identity,
        started=NOW - timedelta(days=days_ago),
        watched_seconds=60 * percent,
        percent_complete=percent,
    )


def test_a_finished_binge_outweighs_an_abandoned_pilot() -> None:
    """Ten finished episodes beat one abandoned pilot; a series sums under a square root."""
    plays = [play("anna", WIRE, 8 + index) for index in range(10)]
    plays.append(play("anna", PILOT, 1, percent=20))

    profile = build_profile(plays, TITLES, now=NOW)

    wire, pilot = profile.seeds
    assert (wire.identity, pilot.identity) == (WIRE, PILOT)
    expected = math.sqrt(sum(recency((8 + index) * 86_400) for index in range(10)))
    assert wire.weight == pytest.approx(expected)
    assert (wire.plays, wire.finished, wire.completion) == (10, True, 1.0)
    assert wire.last_played == NOW - timedelta(days=8)
    assert pilot.weight == pytest.approx(math.sqrt(0.2 * recency(86_400)))
    assert not pilot.finished
    assert profile.users == ("anna",)


def test_recency_and_rewatches() -> None:
    """A play 90 days old counts 1/e; a re-watch adds; later plays and unmatched ones are ignored."""
    plays = [
        play("bob", HEAT, 0),
        play("bob", HEAT, RECENCY_DAYS),
        play("bob", OLD, RECENCY_DAYS),
        play("bob", None, 1),
        play("bob", OLD, -3),  # after now
    ]

    profile = build_profile(plays, TITLES, now=NOW)

    heat = profile.seed(HEAT)
    old = profile.seed(OLD)
    assert heat is not None
    assert old is not None
    assert heat.weight == pytest.approx(1 + math.exp(-1))
    assert heat.plays == 2
    assert old.weight == pytest.approx(math.exp(-1))
    assert old.plays == 1
    assert profile.seed(WIRE) is None
    assert recency(-5) == 1.0


def test_facets_are_shares_with_evidence() -> None:
    """Each facet value holds its seeds' share of all weight, heaviest seeds as evidence."""
    plays = [play("anna", HEAT, 0), play("anna", OLD, 0)]

    profile = build_profile(plays, TITLES, now=NOW)

    crime = profile.genres[0]
    assert [a.name for a in profile.genres] == ["Adventure", "Crime", "Thriller"]
    assert crime.share == pytest.approx(0.5)
    assert crime.evidence in ((HEAT,), (OLD,))
    assert profile.share("keywords", "police") == pytest.approx(0.5)
    assert profile.share("people", "Al Pacino") == pytest.approx(0.5)
    assert [a.name for a in profile.decades] == ["1970s", "1990s"]
    assert profile.share("languages", "en") == pytest.approx(0.5)
    assert profile.share("genres", "Comedy") == 0.0


def test_match_scores_a_title_against_the_taste() -> None:
    """A title sharing genres, keywords, people, decade and language scores on each."""
    profile = build_profile(
        [play("anna", WIRE, 1), play("anna", HEAT, 1)], TITLES, now=NOW
    )
    candidate = TitleInfo(
        identity=Identity("tv", 1),
        title="The Shield",
        year=2002,
        genres=("Crime", "Western"),
        keywords=("police", "baltimore"),
        people=("Dominic West",),
        language="en",
    )

    match = profile.match(candidate)

    assert match["genres"] == pytest.approx(0.5)  # Crime: all of it; Western: none
    assert match["keywords"] == 1.0  # capped
    assert 0 < match["people"] < 1
    assert match["decades"] > 0
    assert match["languages"] == pytest.approx(1.0)
    bare = profile.match(TitleInfo(identity=Identity("movie", 2), title="Bare"))
    assert bare == dict.fromkeys(bare, 0.0)


def test_household_and_per_user_profiles() -> None:
    """The household sums its users; per-user profiles keep each apart."""
    unknown = Identity("movie", 5)  # no metadata yet: a seed without facets
    plays = [
        play("anna", WIRE, 2),
        play("bob", WIRE, 3),
        play("bob", HEAT, 1),
        play("bob", unknown, 1),
    ]

    household = build_profile(plays, TITLES, now=NOW)
    by_user = profiles_by_user(plays, TITLES, now=NOW)
    only_anna = build_profile(plays, TITLES, now=NOW, users=["anna", "carl"])

    assert household.users == ("anna", "bob")
    wire = household.seed(WIRE)
    assert wire is not None
    assert wire.users == ("anna", "bob")
    assert list(by_user) == ["anna", "bob"]
    assert by_user["anna"].seed(HEAT) is None
    assert household.seed(unknown) is not None
    weights = {seed.identity: seed.weight for seed in household.seeds}
    assert household.share("genres", "Crime") == pytest.approx(
        (weights[WIRE] + weights[HEAT]) / sum(weights.values())
    )
    assert only_anna.users == ("anna", "carl")
    assert [seed.identity for seed in only_anna.seeds] == [WIRE]
    empty = build_profile([], TITLES, now=NOW)
    assert empty.empty
    assert not household.empty
    assert decade(1999) == "1990s"
    assert decade(None) == ""
