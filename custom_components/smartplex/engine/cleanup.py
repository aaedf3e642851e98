"""Cleanup plans: what to remove to reach a disk target, ranked by re-watch value per GB.

Pure and deterministic on a snapshot (titles, plays, requests, streams); no I/O.
The value is a sum of named features in log space (so a score's total is the log
of the re-watch value per GB). Days since anyone last watched dominates (recency is
what predicts a re-watch: Anderson et al., WWW 2014, and the regret benchmark in
the README); play count, distinct watchers, completion, rating, release year and
the household's genre activity (its genres watched more or less this past year
than over all time) move it within that. The added date never lowers a value: it
only protects new titles ("oldest added first" is worse than random on MovieLens).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
import math
from operator import itemgetter
from typing import NamedTuple

from .cleanup_usage import UNUSED, TitleUsage, UsageKey, usage_of
from .models import Feature, LibraryEntry, Score

GB = 1_000_000_000
# A title nobody ever watched counts as last watched this long ago.
NEVER_WATCHED_DAYS = 3650.0
RECENCY_SCALE_DAYS = 30.0
# A size floor so that tiny titles (a 50 MB short) do not get a huge value per GB.
MIN_SIZE_GB = 0.5
# Sums of season shares (1/3 + 1/3 + 1/3) may miss a whole cap by a rounding error.
SHARE_SLACK = 1e-9


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
    # The part of a title it is, for the library-share cap (a season: 1 / seasons on disk).
    share: float = 1.0

    @property
    def key(self) -> str:
        """Return the title's stable key within the hub."""
        # Spelled out rather than through title_key and Identity.__str__: a plan
        # asks for the key of every title it ranks or protects.
        identity = self.entry.identity
        base = f"{self.entry.instance}/{identity.media_type}:{identity.tmdb_id}"
        return base if self.season is None else f"{base}/{self.season}"

    @property
    def title_key(self) -> str:
        """Return the key of the whole title (a season's series)."""
        return f"{self.entry.instance}/{self.entry.identity}"

    @property
    def library(self) -> tuple[str, str]:
        """Return the library it belongs to (instance, media type)."""
        return (self.entry.instance, self.entry.identity.media_type)


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


class PlanItem(NamedTuple):
    """One title in a plan, with why it is there."""

    candidate: CleanupCandidate
    usage: TitleUsage
    score: Score
    reasons: tuple[str, ...]


class ProtectedItem(NamedTuple):
    """A title left alone, with every protection that applies.

    A named tuple, not a frozen dataclass: a plan at `large` protects 9,000 titles.
    """

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


def days_between(earlier: datetime | None, later: datetime) -> float | None:
    """Return the days from earlier to later (never negative), None without a date."""
    if earlier is None:
        return None
    return max((later - earlier).total_seconds() / 86400.0, 0.0)


# The features of the re-watch value and their weights, in the order rewatch_values gives them.
FEATURES = (
    ("days_since_watched", 1.0),
    ("plays", 0.15),
    ("watchers", 0.1),
    ("completion", 0.2),
    ("rating", 0.2),
    ("release_age", 0.25),
    # Chosen on other MovieLens cut-offs than the regret table's (README, Library care).
    ("genre_activity", 0.5),
    ("size", 1.0),
)
# A genre activity this low is named among a plan item's reasons.
QUIET_GENRE = -0.1


class GenreActivity(NamedTuple):
    """How much more a title's most watched genre was watched lately than over all time."""

    # Log of the genre's share of the last year's plays over its share of all plays.
    value: float = 0.0
    genre: str | None = None


NO_ACTIVITY = GenreActivity()


def genre_activity(
    titles: Iterable[tuple[tuple[str, ...], TitleUsage]],
) -> dict[str, float]:
    """Return per genre the log of its share of the last year's plays over its share of all.

    Every title counts its plays toward each of its genres; one play more on each
    side keeps a genre nobody watched lately finite. Empty without a play in the
    last year (nothing to compare).
    """
    lately: Counter[str] = Counter()
    ever: Counter[str] = Counter()
    for genres, usage in titles:
        if usage.plays:
            for genre in genres:
                lately[genre] += usage.plays_last_year
                ever[genre] += usage.plays
    lately_total, ever_total = lately.total(), ever.total()
    if not lately_total:
        return {}
    return {
        genre: math.log((lately[genre] + 1) / (lately_total + 1))
        - math.log((count + 1) / (ever_total + 1))
        for genre, count in ever.items()
    }


def title_activity(
    genres: tuple[str, ...], activity: Mapping[str, float]
) -> GenreActivity:
    """Return the activity of a title's most watched genre lately (none without genres)."""
    known = [(activity[genre], genre) for genre in genres if genre in activity]
    return GenreActivity(*max(known)) if known else NO_ACTIVITY


def rewatch_values(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    activity: GenreActivity = NO_ACTIVITY,
) -> tuple[float, ...]:
    """Return the unweighted features of a title's log re-watch value per GB (FEATURES order)."""
    last = usage.last_watched
    days_since = (
        NEVER_WATCHED_DAYS
        if last is None
        else max((now - last).total_seconds() / 86400.0, 0.0)
    )
    year = candidate.entry.year
    age = max(now.year - year, 0) if year else 30
    return (
        -math.log1p(days_since / RECENCY_SCALE_DAYS),
        math.log1p(usage.plays),
        math.log(max(usage.watchers, 1)),
        min(max(usage.completion, 0.0), 1.0),
        (candidate.rating or 5.0) / 10.0 - 0.5,
        -math.log1p(age / 5.0),
        activity.value,
        -math.log(max(candidate.size / GB, MIN_SIZE_GB)),
    )


WEIGHTS = tuple(weight for _, weight in FEATURES)


def rewatch_value(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    activity: GenreActivity = NO_ACTIVITY,
) -> float:
    """Return the log re-watch value per GB of a title (the total of its score)."""
    return math.sumprod(rewatch_values(candidate, usage, now, activity), WEIGHTS)


def rewatch_score(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    activity: GenreActivity = NO_ACTIVITY,
) -> Score:
    """Return the log re-watch value per GB of a title, as named features."""
    return Score(
        tuple(
            Feature(name, value, weight)
            for value, (name, weight) in zip(
                rewatch_values(candidate, usage, now, activity), FEATURES, strict=True
            )
        )
    )


def protections(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    policy: CleanupPolicy,
) -> tuple[Protection, ...]:
    """Return every protection that keeps a title (empty when it may be removed)."""
    return _protections(candidate, usage, *_windows(now, policy))


def _windows(now: datetime, policy: CleanupPolicy) -> tuple[datetime, datetime, str]:
    """Return since when a watch and an addition protect, and the keep tag as compared."""
    return (
        now - timedelta(days=policy.recently_watched_days),
        now - timedelta(days=policy.recently_added_days),
        policy.keep_tag.strip().casefold(),
    )


def _protections(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    watched_since: datetime,
    added_since: datetime,
    keep: str,
) -> tuple[Protection, ...]:
    """Return every protection of a title, the dates and keep tag worked out once per plan."""
    found: list[Protection] = []
    if (last := usage.last_watched) is not None and last >= watched_since:
        found.append(Protection.RECENTLY_WATCHED)
    if usage.in_progress:
        found.append(Protection.IN_PROGRESS)
    if usage.streaming:
        found.append(Protection.STREAMING)
    if usage.requesters_not_watched:
        found.append(Protection.REQUESTED_NOT_WATCHED)
    if keep and (tags := candidate.entry.tags) and _tagged(tags, keep):
        found.append(Protection.KEEP_TAG)
    if candidate.downloading:
        found.append(Protection.DOWNLOADING)
    if candidate.seeding:
        found.append(Protection.SEEDING)
    if candidate.airing and usage.followers:
        found.append(Protection.AIRING_FOLLOWED)
    added = candidate.entry.added
    # An unknown added date protects too (fail closed).
    if added is None or added >= added_since:
        found.append(Protection.RECENTLY_ADDED)
    return tuple(found)


@lru_cache(maxsize=4096)
def _tagged(tags: tuple[str, ...], keep: str) -> bool:
    """Return whether tags hold the keep tag (a library shares a few tag sets)."""
    return any(tag.strip().casefold() == keep for tag in tags)


def reasons(
    candidate: CleanupCandidate,
    usage: TitleUsage,
    now: datetime,
    activity: GenreActivity = NO_ACTIVITY,
) -> tuple[str, ...]:
    """Return why a title is in the plan, most telling first."""
    days = days_between(usage.last_watched, now)
    if days is None:
        found = ["never watched"]
    else:
        found = [f"last watched {int(days)} days ago by {usage.last_watched_by}"]
    people = usage.watchers
    found.append(
        f"{usage.plays} play{'' if usage.plays == 1 else 's'} by "
        f"{people} {'person' if people == 1 else 'people'}"
    )
    if activity.genre is not None and activity.value <= QUIET_GENRE:
        found.append(f"{activity.genre} watched less this past year")
    found.append(f"frees {candidate.size / GB:.1f} GB")
    return tuple(found)


type Ranked = tuple[float, CleanupCandidate, TitleUsage]
VALUE = itemgetter(0)


def _by_value_then_key(ranked: list[Ranked]) -> Iterator[Ranked]:
    """Yield titles by least value, equal values by key (so a plan does not depend on input order).

    Sorting floats alone is a fraction of sorting (value, key) pairs, and keys are
    made only for the equal values a plan gets to.
    """
    ranked.sort(key=VALUE)
    index, end = 0, len(ranked)
    while index < end:
        value = ranked[index][0]
        stop = index + 1
        while stop < end and ranked[stop][0] == value:
            stop += 1
        if stop == index + 1:
            yield ranked[index]
        else:
            yield from sorted(ranked[index:stop], key=lambda item: item[1].key)
        index = stop


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
    (instance, media type); an unknown library allows nothing). Scores and reasons
    are spelled out only for the titles picked.
    """
    candidates = list(candidates)
    # Every whole title, protected or not: the recent plays are mostly on protected ones.
    activity = genre_activity(
        (candidate.entry.genres, usage.get((candidate.entry.identity, None), UNUSED))
        for candidate in candidates
        if candidate.season is None
    )
    # A library repeats a few hundred genre lists (shared tuples from the index).
    by_genres: dict[tuple[str, ...], GenreActivity] = {}

    def activity_of(genres: tuple[str, ...]) -> GenreActivity:
        found = by_genres.get(genres)
        if found is None:
            found = by_genres[genres] = title_activity(genres, activity)
        return found

    ranked: dict[str, list[Ranked]] = defaultdict(list)
    protected: list[ProtectedItem] = []
    watched_since, added_since, keep = _windows(now, policy)
    for candidate in candidates:
        entry = candidate.entry
        root = entry.root_folder
        if root is None or root not in needed or candidate.size <= 0:
            continue
        found_usage = usage.get((entry.identity, candidate.season))
        if found_usage is None:
            found_usage = usage_of(usage, entry.identity, candidate.season)
        if found := _protections(
            candidate, found_usage, watched_since, added_since, keep
        ):
            protected.append(ProtectedItem(candidate, found))
            continue
        ranked[root].append(
            (
                rewatch_value(candidate, found_usage, now, activity_of(entry.genres)),
                candidate,
                found_usage,
            )
        )
    caps = {
        library: count * policy.max_library_share
        for library, count in library_sizes.items()
    }
    chosen: list[PlanItem] = []
    taken: dict[tuple[str, str], float] = defaultdict(float)
    freed: dict[str, int] = {}
    short: dict[str, str] = {}
    for root in sorted(needed):
        picks, why = _pick(
            ranked.get(root, []), needed[root], caps, taken, len(chosen), policy
        )
        chosen.extend(
            PlanItem(
                candidate,
                found_usage,
                rewatch_score(
                    candidate, found_usage, now, activity_of(candidate.entry.genres)
                ),
                reasons(
                    candidate, found_usage, now, activity_of(candidate.entry.genres)
                ),
            )
            for _, candidate, found_usage in picks
        )
        freed[root] = sum(pick[1].size for pick in picks)
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
    ranked: list[Ranked],
    need: int,
    caps: dict[tuple[str, str], float],
    taken: dict[tuple[str, str], float],
    already: int,
    policy: CleanupPolicy,
) -> tuple[list[Ranked], str | None]:
    """Pick one root folder's titles; return them and why the need is not met (or None).

    taken counts the titles picked per library so far (across root folders), a
    season as its share of a title.
    """
    picks: list[Ranked] = []
    total = 0
    why = "not_enough_unprotected"
    # A series and its seasons overlap: once one is picked, the other is not.
    whole: set[str] = set()
    parts: set[str] = set()
    for item in _by_value_then_key(ranked):
        if total >= need:
            break
        if already + len(picks) >= policy.max_items:
            why = "max_items"
            break
        candidate = item[1]
        if candidate.title_key in whole or (
            candidate.season is None and candidate.title_key in parts
        ):
            continue
        library = candidate.library
        if taken[library] + candidate.share > caps.get(library, 0) + SHARE_SLACK:
            why = "library_share"
            continue
        taken[library] += candidate.share
        picks.append(item)
        total += candidate.size
        (whole if candidate.season is None else parts).add(candidate.title_key)
    # picks are in plan order; drop the most valuable ones the need does not take.
    dropped: set[int] = set()
    for index in sorted(range(len(picks)), key=lambda index: -picks[index][0]):
        candidate = picks[index][1]
        if total - candidate.size >= need:
            taken[candidate.library] -= candidate.share
            total -= candidate.size
            dropped.add(index)
    kept = [item for index, item in enumerate(picks) if index not in dropped]
    return kept, None if total >= need else why


def bytes_needed(total: int, free: int, target_used_percent: float) -> int:
    """Return the bytes to free so a disk is used at most target_used_percent."""
    allowed_used = total * target_used_percent / 100.0
    return max(math.ceil((total - free) - allowed_used), 0)
