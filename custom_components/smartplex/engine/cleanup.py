"""Cleanup plans: what to remove to reach a disk target, ranked by re-watch value per GB.

Pure and deterministic on a snapshot (titles, plays, requests, streams); no I/O.
The value is a sum of named features in log space (so a score's total is the log
of the re-watch value per GB). Days since anyone last watched dominates (recency is
what predicts a re-watch: Anderson et al., WWW 2014, and the regret benchmark in
the README); play count, distinct watchers, completion, rating and release year
move it within that. The added date never lowers a value: it only protects new
titles ("oldest added first" is worse than random on MovieLens).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math

from .models import (
    Feature,
    Identity,
    LibraryEntry,
    Play,
    RequestRecord,
    RequestStatus,
    Score,
)

GB = 1_000_000_000
# A title nobody ever watched counts as last watched this long ago.
NEVER_WATCHED_DAYS = 3650.0
RECENCY_SCALE_DAYS = 30.0
# A size floor so that tiny titles (a 50 MB short) do not get a huge value per GB.
MIN_SIZE_GB = 0.5
# Requests whose title never came (declined, failed) protect nothing.
LIVE_REQUESTS = frozenset(
    {RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.AVAILABLE}
)
FINISHED_PERCENT = 85


class Protection(StrEnum):
    """Why a title may not be removed (each one named in the plan)."""

    RECENTLY_WATCHED = "recently_watched"
    IN_PROGRESS = "in_progress"
    STREAMING = "streaming"
    REQUESTED_NOT_WATCHED = "requested_not_watched"
    KEEP_TAG = "keep_tag"
    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    AIRING_FOLLOWED = "airing_followed"
    RECENTLY_ADDED = "recently_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupCandidate:
    """A title that could be removed: a movie, a whole series or one season of it."""

    entry: LibraryEntry
    # The title's id in its Sonarr/Radarr.
    item_id: int
    season: int | None = None
    # The bytes removing it frees (a season: its episode files).
    size: int
    # TMDB vote average (0-10), if known.
    rating: float | None = None
    downloading: bool = False
    seeding: bool = False
    # Episodes of it are still to air (a continuing series or its current season).
    airing: bool = False

    @property
    def key(self) -> str:
        """Return the title's stable key within the hub."""
        base = f"{self.entry.instance}/{self.entry.identity}"
        return base if self.season is None else f"{base}/{self.season}"

    @property
    def library(self) -> tuple[str, str]:
        """Return the library it belongs to (instance, media type)."""
        return (self.entry.instance, self.entry.identity.media_type)


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleUsage:
    """What people did with one title (or one season), from plays, requests and streams."""

    last_watched: datetime | None = None
    last_watched_by: str | None = None
    plays: int = 0
    watchers: frozenset[str] = frozenset()
    # Mean share of the title each play covered (0-1).
    completion: float = 0.0
    # People part-way through it (a movie not finished, a series they are watching).
    in_progress: frozenset[str] = frozenset()
    streaming: frozenset[str] = frozenset()
    # People who watched it recently enough to count as following an airing series.
    followers: frozenset[str] = frozenset()
    # Requesters who have not watched it since they asked for it.
    requesters_not_watched: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupPolicy:
    """The user's cleanup settings."""

    recently_watched_days: int = 30
    recently_added_days: int = 30
    # A play this recent that did not finish (or a series episode) means in progress.
    in_progress_days: int = 90
    keep_tag: str = "keep"
    max_items: int = 50
    # No plan may take more than this share of one library's titles.
    max_library_share: float = 0.10


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One title in a plan, with why it is there."""

    candidate: CleanupCandidate
    usage: TitleUsage
    score: Score
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProtectedItem:
    """A title left alone, with every protection that applies."""

    candidate: CleanupCandidate
    protections: tuple[Protection, ...]


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """What to remove (in order) to free what each root folder needs."""

    items: tuple[PlanItem, ...]
    protected: tuple[ProtectedItem, ...]
    freed: Mapping[str, int]
    needed: Mapping[str, int]
    # Root folders whose need the plan does not cover, and why.
    short: Mapping[str, str] = field(default_factory=dict)

    @property
    def target_met(self) -> bool:
        """Return whether every root folder gets what it needs."""
        return all(
            self.freed.get(root, 0) >= need for root, need in self.needed.items()
        )


type UsageKey = tuple[Identity, int | None]


def days_between(earlier: datetime | None, later: datetime) -> float | None:
    """Return the days from earlier to later (never negative), None without a date."""
    if earlier is None:
        return None
    return max((later - earlier).total_seconds() / 86400.0, 0.0)


def title_usage(
    plays: Iterable[Play],
    requests: Iterable[RequestRecord],
    streaming: Mapping[Identity, Iterable[str]],
    now: datetime,
    policy: CleanupPolicy,
    follow_days: int = 60,
) -> dict[UsageKey, TitleUsage]:
    """Aggregate plays, requests and live streams per title and per season.

    A season's usage carries its series' in-progress people, streams, followers and
    requesters, so a series someone is part-way through protects each season.
    """
    by_key: dict[UsageKey, list[Play]] = defaultdict(list)
    for play in plays:
        if play.identity is None:
            continue
        by_key[(play.identity, None)].append(play)
        if play.season is not None:
            by_key[(play.identity, play.season)].append(play)
    waiting: dict[Identity, set[str]] = defaultdict(set)
    for request in requests:
        if request.status not in LIVE_REQUESTS:
            continue
        watched_since = any(
            play.user_id == request.requested_by and play.started >= request.created
            for play in by_key.get((request.identity, None), ())
        )
        if not watched_since:
            waiting[request.identity].add(request.requested_by)
    follow_since = now - timedelta(days=follow_days)
    # What a title's seasons share with it: who is in it, watching, waiting.
    shared: dict[Identity, tuple[frozenset[str], ...]] = {}
    for identity in {key[0] for key in by_key} | set(waiting) | set(streaming):
        title_plays = by_key.get((identity, None), [])
        shared[identity] = (
            _in_progress(identity, title_plays, now, policy),
            frozenset(streaming.get(identity, ())),
            frozenset(p.user_id for p in title_plays if p.started >= follow_since),
            frozenset(waiting.get(identity, ())),
        )
    usage: dict[UsageKey, TitleUsage] = {}
    for identity, (in_progress, streams, followers, requesters) in shared.items():
        usage[(identity, None)] = TitleUsage(
            in_progress=in_progress,
            streaming=streams,
            followers=followers,
            requesters_not_watched=requesters,
        )
    for key, key_plays in by_key.items():
        last = max(key_plays, key=lambda play: (play.started, play.user_id))
        in_progress, streams, followers, requesters = shared[key[0]]
        usage[key] = TitleUsage(
            last_watched=last.started,
            last_watched_by=last.user_id,
            plays=len(key_plays),
            watchers=frozenset(play.user_id for play in key_plays),
            completion=sum(min(play.percent_complete, 100) for play in key_plays)
            / (100.0 * len(key_plays)),
            in_progress=in_progress,
            streaming=streams,
            followers=followers,
            requesters_not_watched=requesters,
        )
    return usage


def _in_progress(
    identity: Identity, plays: Iterable[Play], now: datetime, policy: CleanupPolicy
) -> frozenset[str]:
    """Return who is part-way through a title.

    A movie: the person's latest play of it is recent and unfinished. A series: the
    person watched an episode recently (binge-watchers come back; the recently-watched
    window is shorter than this one).
    """
    latest: dict[str, Play] = {}
    for play in plays:
        if play.user_id not in latest or play.started > latest[play.user_id].started:
            latest[play.user_id] = play
    return frozenset(
        user
        for user, play in latest.items()
        if (days_between(play.started, now) or 0.0) <= policy.in_progress_days
        and (identity.media_type == "tv" or play.percent_complete < FINISHED_PERCENT)
    )


def rewatch_score(
    candidate: CleanupCandidate, usage: TitleUsage, now: datetime
) -> Score:
    """Return the log re-watch value per GB of a title, as named features."""
    days = days_between(usage.last_watched, now)
    days_since = NEVER_WATCHED_DAYS if days is None else days
    size_gb = max(candidate.size / GB, MIN_SIZE_GB)
    year = candidate.entry.year
    age = max(now.year - year, 0) if year else 30
    features = [
        Feature("days_since_watched", -math.log1p(days_since / RECENCY_SCALE_DAYS)),
        Feature("plays", math.log1p(usage.plays), 0.15),
        Feature("watchers", math.log(max(len(usage.watchers), 1)), 0.1),
        Feature("completion", min(max(usage.completion, 0.0), 1.0), 0.2),
        Feature("rating", (candidate.rating or 5.0) / 10.0 - 0.5, 0.2),
        Feature("release_age", -math.log1p(age / 5.0), 0.25),
        Feature("size", -math.log(size_gb)),
    ]
    return Score(tuple(features))


def protections(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    policy: CleanupPolicy,
) -> tuple[Protection, ...]:
    """Return every protection that keeps a title (empty when it may be removed)."""
    found: list[Protection] = []
    days = days_between(usage.last_watched, now)
    if days is not None and days <= policy.recently_watched_days:
        found.append(Protection.RECENTLY_WATCHED)
    if usage.in_progress:
        found.append(Protection.IN_PROGRESS)
    if usage.streaming:
        found.append(Protection.STREAMING)
    if usage.requesters_not_watched:
        found.append(Protection.REQUESTED_NOT_WATCHED)
    keep = policy.keep_tag.strip().casefold()
    if keep and any(tag.strip().casefold() == keep for tag in candidate.entry.tags):
        found.append(Protection.KEEP_TAG)
    if candidate.downloading:
        found.append(Protection.DOWNLOADING)
    if candidate.seeding:
        found.append(Protection.SEEDING)
    if candidate.airing and usage.followers:
        found.append(Protection.AIRING_FOLLOWED)
    added_days = days_between(candidate.entry.added, now)
    # An unknown added date protects too (fail closed).
    if added_days is None or added_days <= policy.recently_added_days:
        found.append(Protection.RECENTLY_ADDED)
    return tuple(found)


def reasons(
    candidate: CleanupCandidate, usage: TitleUsage, now: datetime
) -> tuple[str, ...]:
    """Return why a title is in the plan, most telling first."""
    days = days_between(usage.last_watched, now)
    if days is None:
        found = ["never watched"]
    else:
        found = [f"last watched {int(days)} days ago by {usage.last_watched_by}"]
    people = len(usage.watchers)
    found.append(
        f"{usage.plays} play{'' if usage.plays == 1 else 's'} by "
        f"{people} {'person' if people == 1 else 'people'}"
    )
    found.append(f"frees {candidate.size / GB:.1f} GB")
    return tuple(found)


def plan_cleanup(
    candidates: Iterable[CleanupCandidate],
    usage: Mapping[UsageKey, TitleUsage],
    needed: Mapping[str, int],
    now: datetime,
    policy: CleanupPolicy,
    library_sizes: Mapping[tuple[str, str], int],
) -> CleanupPlan:
    """Pick the titles of least re-watch value per GB until each root folder has what it needs.

    Greedy on value per GB (the fractional-knapsack order), then a pass that drops
    the most valuable picks the target does not need, so small titles are not
    removed when a larger one already covers the need. Caps: policy.max_items per
    plan and policy.max_library_share of each library (library_sizes: titles per
    (instance, media type); an unknown library allows nothing).
    """
    ranked: dict[str, list[PlanItem]] = defaultdict(list)
    protected: list[ProtectedItem] = []
    for candidate in candidates:
        root = candidate.entry.root_folder
        if root is None or root not in needed or candidate.size <= 0:
            continue
        found_usage = usage.get(
            (candidate.entry.identity, candidate.season), TitleUsage()
        )
        if found := protections(candidate, found_usage, now, policy):
            protected.append(ProtectedItem(candidate, found))
            continue
        ranked[root].append(
            PlanItem(
                candidate,
                found_usage,
                rewatch_score(candidate, found_usage, now),
                reasons(candidate, found_usage, now),
            )
        )
    caps = {
        library: int(count * policy.max_library_share)
        for library, count in library_sizes.items()
    }
    chosen: list[PlanItem] = []
    taken: dict[tuple[str, str], int] = defaultdict(int)
    freed: dict[str, int] = {}
    short: dict[str, str] = {}
    for root in sorted(needed):
        picks, why = _pick(
            ranked.get(root, []), needed[root], caps, taken, len(chosen), policy
        )
        chosen.extend(picks)
        freed[root] = sum(item.candidate.size for item in picks)
        if why:
            short[root] = why
    return CleanupPlan(
        items=tuple(chosen),
        protected=tuple(sorted(protected, key=lambda p: p.candidate.key)),
        freed=freed,
        needed=dict(needed),
        short=short,
    )


def _pick(
    ranked: list[PlanItem],
    need: int,
    caps: dict[tuple[str, str], int],
    taken: dict[tuple[str, str], int],
    already: int,
    policy: CleanupPolicy,
) -> tuple[list[PlanItem], str | None]:
    """Pick one root folder's titles; return them and why the need is not met (or None).

    taken counts the titles picked per library so far (across root folders).
    """
    picks: list[PlanItem] = []
    total = 0
    why = "not_enough_unprotected"
    for item in sorted(ranked, key=lambda item: (item.score.total, item.candidate.key)):
        if total >= need:
            break
        if already + len(picks) >= policy.max_items:
            why = "max_items"
            break
        library = item.candidate.library
        if taken[library] >= caps.get(library, 0):
            why = "library_share"
            continue
        taken[library] += 1
        picks.append(item)
        total += item.candidate.size
    kept: list[PlanItem] = []
    for item in sorted(picks, key=lambda item: -item.score.total):
        if total - item.candidate.size >= need:
            taken[item.candidate.library] -= 1
            total -= item.candidate.size
        else:
            kept.append(item)
    kept.sort(key=lambda item: (item.score.total, item.candidate.key))
    return kept, None if total >= need else why


def bytes_needed(total: int, free: int, target_used_percent: float) -> int:
    """Return the bytes to free so a disk is used at most target_used_percent."""
    allowed_used = total * target_used_percent / 100.0
    return max(math.ceil((total - free) - allowed_used), 0)
