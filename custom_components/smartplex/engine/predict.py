"""What people will watch next week: the series they are in the middle of come first.

A series someone played within the last 30 days is in progress; the next episode is the one
after the furthest they reached (that one again if they stopped before its end), or the
first of the next season. How likely they watch it within the horizon grows with how many
episodes they played in the last 14 days (a binge continues) and fades with the days since
the last one, exp(-days / 7). Pure and deterministic: `now` is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import math

from .models import Identity, Play

IN_PROGRESS_DAYS = 30
BINGE_DAYS = 14
FADE_DAYS = 7.0

type EpisodeKey = tuple[int, int]  # (season, episode)


@dataclass(frozen=True, slots=True, kw_only=True)
class Continuation:
    """The next episode of a series someone is watching, and how likely they watch it soon."""

    user_id: str
    identity: Identity
    season: int
    episode: int
    resume: bool  # they stopped inside this episode
    next_season: bool
    last_played: datetime
    recent_episodes: int
    likelihood: float


def likelihood(recent_episodes: int, days_since: float) -> float:
    """Return the chance of watching on within the horizon (0..1)."""
    binge = 1 - math.exp(-recent_episodes / 2)
    return binge * math.exp(-max(days_since, 0.0) / FADE_DAYS)


def next_episode(
    reached: EpisodeKey, finished: bool, episodes: Sequence[EpisodeKey] | None
) -> EpisodeKey | None:
    """Return the episode to watch next (None: nothing after it is known)."""
    if not finished:
        return reached
    if episodes is None:  # not in Sonarr: assume the season goes on
        return (reached[0], reached[1] + 1)
    later = [key for key in episodes if key > reached and key[0] > 0]
    return min(later) if later else None


def continuations(
    plays: Iterable[Play],
    episodes: Mapping[Identity, Sequence[EpisodeKey]],
    *,
    now: datetime,
    users: Iterable[str] | None = None,
) -> list[Continuation]:
    """Return the next episode of every series in progress, most likely first.

    `episodes` lists the (season, episode) numbers Sonarr knows of each series it has.
    """
    wanted = None if users is None else set(users)
    since = now - timedelta(days=IN_PROGRESS_DAYS)
    binge_since = now - timedelta(days=BINGE_DAYS)
    furthest: dict[tuple[str, Identity], EpisodeKey] = {}
    finished: dict[tuple[str, Identity], set[EpisodeKey]] = defaultdict(set)
    last: dict[tuple[str, Identity], datetime] = {}
    recent: dict[tuple[str, Identity], int] = defaultdict(int)
    for play in plays:
        if (
            play.identity is None
            or play.identity.media_type != "tv"
            or play.season is None
            or play.episode is None
            or not since <= play.started <= now
            or (wanted is not None and play.user_id not in wanted)
        ):
            continue
        key = (play.user_id, play.identity)
        reached = (play.season, play.episode)
        furthest[key] = max(furthest.get(key, reached), reached)
        if play.finished:
            finished[key].add(reached)
        last[key] = max(last.get(key, play.started), play.started)
        if play.started >= binge_since:
            recent[key] += 1
    found = []
    for (user, identity), reached in furthest.items():
        key = (user, identity)
        following = next_episode(
            reached, reached in finished[key], episodes.get(identity)
        )
        if following is None:
            continue
        days = (now - last[key]).total_seconds() / 86_400
        found.append(
            Continuation(
                user_id=user,
                identity=identity,
                season=following[0],
                episode=following[1],
                resume=following == reached,
                next_season=following[0] > reached[0],
                last_played=last[key],
                recent_episodes=recent[key],
                likelihood=likelihood(recent[key], days),
            )
        )
    return sorted(found, key=lambda c: (-c.likelihood, c.user_id, c.identity))
