"""Tests for search priorities, the hourly cap and next-season prefetch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
)
from custom_components.smartplex.engine.priorities import (
    WantedItem,
    prefetch,
    prioritize,
    searches_allowed,
)

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
SHOW = Identity("tv", 100)
OTHER = Identity("tv", 200)
FILM = Identity("movie", 300)
QUIET = Identity("movie", 400)


def episode_play(user: str, season: int, episode: int, days_ago: float) -> Play:
    """Return a play of an episode of SHOW."""
    return Play(
        user_id=user,
        identity=SHOW,
        started=NOW - timedelta(days=days_ago),
        watched_seconds=1800,
        percent_complete=100,
        season=season,
        episode=episode,
    )


def wanted(identity: Identity, item_id: int, **fields: object) -> WantedItem:
    """Return a wanted item."""
    return WantedItem(
        instance="x",
        identity=identity,
        item_id=item_id,
        title=str(identity),
        kind=str(fields.pop("kind", "missing")),
        **fields,  # type: ignore[arg-type]
    )


def test_prioritize_by_people_waiting() -> None:
    """Requests, the next episode, people about to get there, then the rest."""
    history = [
        episode_play("anna", 1, 4, 1),
        episode_play("ben", 1, 1, 3),
        episode_play("ben", 1, 2, 2),
        episode_play("cleo", 1, 1, 40),
        Play(
            user_id="x",
            identity=None,
            started=NOW,
            watched_seconds=1,
            percent_complete=1,
        ),
        Play(
            user_id="dan",
            identity=OTHER,
            started=NOW,
            watched_seconds=1,
            percent_complete=1,
        ),
    ]
    requests = [
        RequestRecord(
            request_id=1,
            identity=FILM,
            requested_by="eve",
            created=NOW,
            status=RequestStatus.APPROVED,
        ),
        RequestRecord(
            request_id=2,
            identity=QUIET,
            requested_by="eve",
            created=NOW,
            status=RequestStatus.DECLINED,
        ),
    ]
    items = [
        wanted(QUIET, 1, aired=NOW - timedelta(days=50)),
        wanted(QUIET, 2, kind="cutoff_unmet"),
        wanted(SHOW, 15, season=1, episode=5),
        wanted(SHOW, 20, season=2, episode=1),
        wanted(FILM, 3, kind="cutoff_unmet"),
        wanted(OTHER, 4, season=1, episode=9),
        wanted(QUIET, 5, aired=NOW - timedelta(days=60)),
    ]
    ranked = prioritize(items, history, requests, NOW)
    assert [p.item.item_id for p in ranked] == [15, 3, 20, 4, 5, 1, 2]
    assert ranked[0].reasons == (
        "next episode for anna",
        "ben gets there within a week",
    )
    assert ranked[1].reasons == ("requested by eve",)
    assert ranked[3].reasons == ("1 watching the series",)
    assert ranked[-1].reasons == ("nobody waiting",)
    assert ranked[0].score.as_dict()["next_episode"] == 2.0


def test_searches_allowed_per_hour() -> None:
    """The cap counts the searches of the last hour only."""
    times = [NOW - timedelta(minutes=m) for m in (1, 30, 59, 61, 120)]
    assert searches_allowed(times, NOW, per_hour=5) == 2
    assert searches_allowed(times, NOW, per_hour=2) == 0
    assert searches_allowed([], NOW) == 20


def test_prefetch_within_two_episodes_of_the_season_end() -> None:
    """Someone 2 episodes from the end gets the next season; 3 away, or stale, does not."""
    counts = {SHOW: {1: 10, 2: 8, 3: 8}, OTHER: {1: 6}}
    history = [
        episode_play("anna", 1, 8, 1),
        episode_play("ben", 1, 7, 1),
        episode_play("cleo", 2, 8, 40),
        episode_play("dan", 2, 8, 2),
        episode_play("dan", 2, 6, 1),
        Play(
            user_id="eve",
            identity=OTHER,
            started=NOW,
            watched_seconds=1,
            percent_complete=100,
            season=1,
            episode=6,
        ),
        Play(
            user_id="fay",
            identity=Identity("tv", 999),
            started=NOW,
            watched_seconds=1,
            percent_complete=100,
            season=1,
            episode=6,
        ),
    ]
    found = prefetch(history, counts, {SHOW: [1, 2]}, NOW)
    assert [(p.identity, p.season, p.users) for p in found] == [(SHOW, 3, ("dan",))]
    assert found[0].reason == "dan near the end of season 2"
    assert [p.season for p in prefetch(history, counts, {SHOW: [1]}, NOW)] == [2, 3]
