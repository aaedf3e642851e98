"""Which missing or below-cutoff items to search for first, and what to prefetch.

Pure and deterministic. Demand is people waiting: someone who requested the
title, people in the middle of the series (watched it in the last 30 days), the
person whose next episode this is, and people whose pace says they get there
within a week. Searches are rate-capped; the cap is applied by the caller with
searches_allowed() over the times of the searches already made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import Feature, Identity, Play, RequestRecord, RequestStatus, Score

ACTIVE_DAYS = 30
# Episodes a week: someone who watched this many of a series in the last 7 days
# is predicted to reach the next ones within a week.
PACE_EPISODES = 2
# A user this close to the end of a season gets the next one fetched ahead.
PREFETCH_EPISODES_LEFT = 2
SEARCHES_PER_HOUR = 20
WAITING_STATUSES = frozenset({RequestStatus.PENDING, RequestStatus.APPROVED})


@dataclass(frozen=True, slots=True, kw_only=True)
class WantedItem:
    """A missing or below-cutoff movie or episode an *arr could search for."""

    instance: str
    identity: Identity
    # The movie id (Radarr) or episode id (Sonarr) a search command takes.
    item_id: int
    title: str
    kind: str  # "missing" or "cutoff_unmet"
    season: int | None = None
    episode: int | None = None
    aired: datetime | None = None

    @property
    def key(self) -> str:
        """Return the item's stable key within the hub."""
        return f"{self.instance}/{self.identity}/{self.item_id}"


@dataclass(frozen=True, slots=True)
class Prioritized:
    """A wanted item with its demand and the people behind it."""

    item: WantedItem
    score: Score
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prefetch:
    """A next season to fetch because someone is about to finish the current one."""

    identity: Identity
    season: int
    users: tuple[str, ...]
    reason: str


def _latest_by_user(plays: Iterable[Play]) -> dict[Identity, dict[str, Play]]:
    """Return each user's latest episode play per series (by season, episode)."""
    latest: dict[Identity, dict[str, Play]] = defaultdict(dict)
    for play in plays:
        if play.identity is None or play.season is None or play.episode is None:
            continue
        known = latest[play.identity].get(play.user_id)
        if known is None or (play.season, play.episode, play.started) > (
            known.season or 0,
            known.episode or 0,
            known.started,
        ):
            latest[play.identity][play.user_id] = play
    return latest


def prioritize(
    wanted: Iterable[WantedItem],
    plays: Iterable[Play],
    requests: Iterable[RequestRecord],
    now: datetime,
) -> list[Prioritized]:
    """Order wanted items by the people waiting for them (ties: missing first, then oldest)."""
    plays = list(plays)
    requesters: dict[Identity, set[str]] = defaultdict(set)
    for request in requests:
        if request.status in WAITING_STATUSES:
            requesters[request.identity].add(request.requested_by)
    active: dict[Identity, set[str]] = defaultdict(set)
    pace: dict[tuple[Identity, str], int] = defaultdict(int)
    for play in plays:
        if play.identity is None:
            continue
        age = now - play.started
        if age <= timedelta(days=ACTIVE_DAYS):
            active[play.identity].add(play.user_id)
        if age <= timedelta(days=7):
            pace[(play.identity, play.user_id)] += 1
    latest = _latest_by_user(plays)
    ranked: list[Prioritized] = []
    for item in wanted:
        asked = requesters.get(item.identity, set())
        watching = active.get(item.identity, set())
        next_for = {
            user
            for user, play in latest.get(item.identity, {}).items()
            if item.season == play.season
            and item.episode == (play.episode or 0) + 1
            and user in watching
        }
        soon = {
            user
            for user in watching - next_for
            if pace[(item.identity, user)] >= PACE_EPISODES
        }
        score = Score(
            (
                Feature("requested", float(len(asked)), 4.0),
                Feature("next_episode", float(len(next_for)), 2.0),
                Feature("watching_soon", float(len(soon)), 1.5),
                Feature("watching_series", float(len(watching)), 1.0),
                Feature("missing", 1.0 if item.kind == "missing" else 0.0, 0.25),
            )
        )
        reasons = [
            *(f"requested by {user}" for user in sorted(asked)),
            *(f"next episode for {user}" for user in sorted(next_for)),
            *(f"{user} gets there within a week" for user in sorted(soon)),
        ]
        if watching and not next_for and not soon:
            reasons.append(f"{len(watching)} watching the series")
        ranked.append(Prioritized(item, score, tuple(reasons) or ("nobody waiting",)))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    ranked.sort(key=lambda p: (-p.score.total, p.item.aired or epoch, p.item.key))
    return ranked


def searches_allowed(
    searched_at: Iterable[datetime], now: datetime, per_hour: int = SEARCHES_PER_HOUR
) -> int:
    """Return how many more searches the hourly cap allows now."""
    recent = sum(1 for when in searched_at if now - when < timedelta(hours=1))
    return max(per_hour - recent, 0)


def prefetch(
    plays: Iterable[Play],
    episodes_per_season: Mapping[Identity, Mapping[int, int]],
    seasons_on_disk: Mapping[Identity, Iterable[int]],
    now: datetime,
) -> list[Prefetch]:
    """Return next seasons to fetch for people within 2 episodes of a season's end."""
    wanted: dict[tuple[Identity, int], set[str]] = defaultdict(set)
    for identity, users in _latest_by_user(plays).items():
        counts = episodes_per_season.get(identity, {})
        have = set(seasons_on_disk.get(identity, ()))
        for user, play in users.items():
            season = play.season or 0
            if now - play.started > timedelta(days=ACTIVE_DAYS) or season not in counts:
                continue
            if counts[season] - (play.episode or 0) > PREFETCH_EPISODES_LEFT:
                continue
            if season + 1 in counts and season + 1 not in have:
                wanted[(identity, season + 1)].add(user)
    return [
        Prefetch(
            identity,
            season,
            tuple(sorted(users)),
            f"{', '.join(sorted(users))} near the end of season {season - 1}",
        )
        for (identity, season), users in sorted(wanted.items())
    ]
