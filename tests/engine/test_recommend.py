"""Recommendations come from the item graph of weighted seeds, filtered and explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.smartplex.engine.models import Identity, Play, TitleInfo
from custom_components.smartplex.engine.profile import build_profile
from custom_components.smartplex.engine.recommend import (
    MappingGraph,
    RecommendOptions,
    ranked_edges,
    recommend,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WIRE, SHIELD, JUSTIFIED, SOPRANOS, CARTOON, FUTURE, OBSCURE = (
    Identity("tv", n) for n in (1438, 1414, 37680, 1398, 100, 200, 300)
)
HEAT = Identity("movie", 949)


def info(identity: Identity, title: str, **extra: object) -> TitleInfo:
    """Return details with a passing quality floor unless told otherwise."""
    fields: dict[str, object] = {"vote_count": 500, "vote_average": 8.0, "year": 2005}
    fields.update(extra)
    return TitleInfo(identity=identity, title=title, **fields)  # type: ignore[arg-type]


TITLES = {
    WIRE: info(WIRE, "The Wire", genres=("Crime", "Drama")),
    SHIELD: info(SHIELD, "The Shield", genres=("Crime", "Drama")),
    JUSTIFIED: info(JUSTIFIED, "Justified", genres=("Crime", "Western")),
    SOPRANOS: info(SOPRANOS, "The Sopranos", genres=("Crime", "Drama")),
    CARTOON: info(CARTOON, "Cartoon", genres=("Animation",)),
    FUTURE: info(
        FUTURE,
        "Future",
        genres=("Crime",),
        release_date=NOW + timedelta(days=30),
    ),
    OBSCURE: info(OBSCURE, "Obscure", genres=("Crime",), vote_count=3),
    HEAT: info(HEAT, "Heat", genres=("Crime",)),
}
GRAPH = MappingGraph(
    {
        WIRE: ranked_edges([SHIELD, JUSTIFIED, FUTURE, OBSCURE, CARTOON]),
        HEAT: ranked_edges([SOPRANOS, WIRE]),
    }
)


def anna_finished_the_wire() -> list[Play]:
    """Return Anna's binge of The Wire, finished 8 days ago."""
    return [
        Play(
            user_id="anna",
            identity=WIRE,
            started=NOW - timedelta(days=8 + episode),
            watched_seconds=3600,
            percent_complete=100,
            season=1,
            episode=episode,
        )
        for episode in range(10)
    ]


def test_candidates_from_the_seed_with_a_reason() -> None:
    """The Wire's neighbours come first, with named features and one line of why."""
    profile = build_profile(anna_finished_the_wire(), TITLES, now=NOW)

    results = recommend(
        profile, GRAPH, TITLES, RecommendOptions(count=5), names={"anna": "Anna"}
    )

    assert [r.identity for r in results] == [SHIELD, JUSTIFIED, CARTOON]
    first = results[0]
    assert first.action == "recommend"
    assert first.reason == "Because Anna finished The Wire 8 days ago and watches crime"
    assert first.evidence == (str(WIRE),)
    assert set(first.score.as_dict()) == {
        "similar_to_watched",
        "taste",
        "quality",
        "popularity",
    }
    assert first.score.total > results[1].score.total > results[2].score.total
    assert "watches" not in results[2].reason  # no shared genre with the taste


def test_filters_drop_owned_unreleased_low_quality_and_other_genres() -> None:
    """Owned, dismissed, unreleased and below-floor titles never show; genre narrows."""
    profile = build_profile(anna_finished_the_wire(), TITLES, now=NOW)

    owned = recommend(profile, GRAPH, TITLES, RecommendOptions(exclude={SHIELD}))
    unreleased = recommend(
        profile, GRAPH, TITLES, RecommendOptions(include_unreleased=True)
    )
    floor_off = recommend(
        profile, GRAPH, TITLES, RecommendOptions(min_votes=0, min_rating=0)
    )
    western = recommend(profile, GRAPH, TITLES, RecommendOptions(genre="western"))
    movies = recommend(profile, GRAPH, TITLES, RecommendOptions(media_type="movie"))
    one = recommend(profile, GRAPH, TITLES, RecommendOptions(count=1))

    assert [r.identity for r in owned] == [JUSTIFIED, CARTOON]
    assert FUTURE in [r.identity for r in unreleased]
    assert OBSCURE in [r.identity for r in floor_off]
    assert OBSCURE not in [r.identity for r in unreleased]
    assert [r.identity for r in western] == [JUSTIFIED]
    assert movies == []
    assert [r.identity for r in one] == [SHIELD]


def test_like_a_title_and_unknown_details() -> None:
    """`like` makes one title the only seed; titles without details pass only without a floor."""
    profile = build_profile(anna_finished_the_wire(), TITLES, now=NOW)
    unknown = Identity("tv", 999)
    graph = MappingGraph({HEAT: ranked_edges([SOPRANOS, WIRE, unknown])})

    results = recommend(profile, graph, TITLES, RecommendOptions(like=HEAT))
    no_floor = recommend(
        profile, graph, TITLES, RecommendOptions(like=HEAT, min_votes=0, min_rating=0)
    )
    genre = recommend(
        profile,
        graph,
        TITLES,
        RecommendOptions(like=HEAT, min_votes=0, min_rating=0, genre="Crime"),
    )

    # The Wire was watched, so it is left out; so is the liked title itself.
    assert [r.identity for r in results] == [SOPRANOS]
    assert results[0].reason == (
        "Because you asked for titles like Heat and watch crime"
    )
    assert [r.identity for r in no_floor] == [SOPRANOS, unknown]
    assert [r.identity for r in genre] == [SOPRANOS]


def test_cold_start_falls_back_to_trending() -> None:
    """With no history, trending titles are recommended, in trending order."""
    profile = build_profile([], TITLES, now=NOW)

    results = recommend(
        profile,
        GRAPH,
        TITLES,
        RecommendOptions(),
        trending=[SOPRANOS, SHIELD, SOPRANOS],
        popularity={SHIELD: 0.9},
    )

    assert [r.identity for r in results] == [SOPRANOS, SHIELD]
    assert results[0].reason == "Trending now"
    assert results[0].score.as_dict()["trending"] == pytest.approx(0.5)
    assert results[1].score.as_dict()["popularity"] == pytest.approx(0.045)
    series_only = recommend(
        profile,
        GRAPH,
        TITLES,
        RecommendOptions(media_type="tv"),
        trending=[HEAT, SHIELD],
    )
    assert [r.identity for r in series_only] == [SHIELD]


@pytest.mark.parametrize(
    ("days", "users", "expected"),
    [
        (0, ["anna"], "Because Anna finished The Wire today"),
        (1, ["anna", "bob"], "Because Anna and bob finished The Wire yesterday"),
        (
            30,
            ["anna", "bob", "carl"],
            "Because Anna and 2 others finished The Wire 4 weeks ago",
        ),
        (95, ["anna"], "Because Anna finished The Wire 3 months ago"),
    ],
)
def test_reason_says_who_and_when(days: int, users: list[str], expected: str) -> None:
    """The reason names who watched the seed and how long ago."""
    plays = [
        Play(
            user_id=user,
            identity=WIRE,
            started=NOW - timedelta(days=days),
            watched_seconds=3600,
            percent_complete=100,
        )
        for user in users
    ]
    titles = {WIRE: TITLES[WIRE], CARTOON: TITLES[CARTOON]}
    profile = build_profile(plays, titles, now=NOW)

    [result] = recommend(
        profile,
        MappingGraph({WIRE: ranked_edges([CARTOON])}),
        titles,
        RecommendOptions(),
        names={"anna": "Anna"},
    )

    assert result.reason == expected


def test_ranked_edges_weigh_by_rank_and_drop_duplicates() -> None:
    """A ranked list weighs 1, 1/sqrt(2), ... and keeps a title's first place."""
    assert ranked_edges([SHIELD, JUSTIFIED, SHIELD]) == (
        (SHIELD, 1.0),
        (JUSTIFIED, pytest.approx(2**-0.5)),
    )
