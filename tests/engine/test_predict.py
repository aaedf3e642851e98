"""Next-week prediction: the next episode of each series in progress, most likely first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.smartplex.engine.models import Identity, Play
from custom_components.smartplex.engine.predict import (
    continuations,
    likelihood,
    next_episode,
)

NOW = datetime(2026, 6, 1, 20, tzinfo=UTC)
WIRE = Identity("tv", 1438)
FARGO = Identity("tv", 60622)
OLD = Identity("tv", 1396)


def play(
    user: str,
    identity: Identity,
    season: int,
    episode: int,
    days: float,
    percent: int = 100,
) -> Play:
    """Return an episode play `days` before NOW."""
    return Play(
        user_id=user,
        identity=identity,
        started=NOW - timedelta(days=days),
        watched_seconds=3000,
        percent_complete=percent,
        season=season,
        episode=episode,
    )


def test_next_episode_resume_next_season_and_caught_up() -> None:
    """The episode after the furthest, that one again when unfinished, or the next season."""
    episodes = [(0, 1), (1, 1), (1, 2), (2, 1), (2, 2)]
    assert next_episode((1, 1), True, episodes) == (1, 2)
    assert next_episode((1, 2), True, episodes) == (2, 1)
    assert next_episode((1, 2), False, episodes) == (1, 2)
    assert next_episode((2, 2), True, episodes) is None
    assert next_episode((3, 4), True, None) == (3, 5)


def test_a_binge_comes_before_a_series_left_aside() -> None:
    """Four episodes this week outrank one three weeks ago; plays over 30 days are ignored."""
    plays = [
        *(play("anna", WIRE, 1, number, days=7 - number) for number in range(1, 5)),
        play("anna", FARGO, 2, 3, days=20, percent=40),
        play("ben", OLD, 1, 1, days=45),
        play("ben", WIRE, 1, 1, days=1),
    ]
    found = continuations(plays, {WIRE: [(1, n) for n in range(1, 9)]}, now=NOW)
    assert [(c.user_id, c.identity, c.season, c.episode) for c in found] == [
        ("anna", WIRE, 1, 5),
        ("ben", WIRE, 1, 2),
        ("anna", FARGO, 2, 3),
    ]
    anna_wire, ben_wire, fargo = found
    assert anna_wire.recent_episodes == 4
    assert anna_wire.likelihood == likelihood(4, 3)
    assert fargo.resume and not fargo.next_season
    assert fargo.recent_episodes == 0 and fargo.likelihood == 0.0
    assert ben_wire.likelihood < anna_wire.likelihood
    only_ben = continuations(plays, {}, now=NOW, users=["ben"])
    assert [(c.identity, c.episode) for c in only_ben] == [(WIRE, 2)]


def test_likelihood_grows_with_the_binge_and_fades_with_time() -> None:
    """More recent episodes raise it, days since the last one lower it."""
    assert likelihood(0, 0) == 0
    assert likelihood(1, 0) < likelihood(3, 0) < 1
    assert likelihood(3, 10) < likelihood(3, 1)
