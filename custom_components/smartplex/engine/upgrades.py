"""Quality upgrades for what is watched, downgrades for what is not.

Pure and deterministic. Demand is recency-weighted plays plus distinct watchers
over the last year: a title the household keeps returning to earns its better
copy first. An upgrade's size is a rough estimate (UPGRADE_FACTOR times today's
file) set against the free space of the title's root folder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
import math
import statistics

from .models import Feature, Identity, LibraryEntry, Play, Score

# A cutoff-quality file is roughly this many times today's (720p -> 1080p Bluray).
UPGRADE_FACTOR = 2.0
# A downgrade to a smaller profile roughly halves a file.
DOWNGRADE_SAVING = 0.5
DEMAND_HALF_LIFE_DAYS = 90.0
DEMAND_WINDOW_DAYS = 365
# A title at least this many times its library's median size is "on a large profile".
LARGE_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An upgrade or downgrade of one title, with its demand and rough size change."""

    entry: LibraryEntry
    demand: Score
    # Bytes the change would take (upgrade, > 0) or free (downgrade, < 0).
    size_change: int
    # For upgrades: whether it fits the root folder's free space after those before it.
    fits: bool
    reason: str


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    """Upgrades, most wanted first, and downgrades, largest first."""

    upgrades: tuple[Suggestion, ...]
    downgrades: tuple[Suggestion, ...]


def demand(plays: Iterable[Play], now: datetime) -> Score:
    """Return how much a title is watched: recency-weighted plays and distinct watchers."""
    weight = 0.0
    watchers: set[str] = set()
    for play in plays:
        days = max((now - play.started).total_seconds() / 86400.0, 0.0)
        if days > DEMAND_WINDOW_DAYS:
            continue
        weight += 0.5 ** (days / DEMAND_HALF_LIFE_DAYS)
        watchers.add(play.user_id)
    return Score(
        (
            Feature("recent_plays", round(weight, 4)),
            Feature("watchers", float(len(watchers)), 0.5),
        )
    )


def suggest_upgrades(
    entries: Iterable[LibraryEntry],
    plays: Iterable[Play],
    free: Mapping[str, int],
    now: datetime,
    limit: int = 20,
) -> UpgradeReport:
    """Rank titles below their cutoff by demand, and large rarely watched ones to shrink."""
    by_title: dict[Identity, list[Play]] = defaultdict(list)
    for play in plays:
        if play.identity is not None:
            by_title[play.identity].append(play)
    library = [entry for entry in entries if entry.has_file and entry.size_bytes > 0]
    upgrades: list[Suggestion] = []
    wanted = sorted(
        (
            (demand(by_title.get(entry.identity, ()), now), entry)
            for entry in library
            if entry.cutoff_met is False
        ),
        key=lambda pair: (-pair[0].total, str(pair[1].identity)),
    )
    left = dict(free)
    for score, entry in wanted:
        if score.total <= 0 or len(upgrades) >= limit:
            break
        extra = math.ceil(entry.size_bytes * (UPGRADE_FACTOR - 1.0))
        root = entry.root_folder or ""
        fits = left.get(root, 0) >= extra
        if fits:
            left[root] -= extra
        upgrades.append(
            Suggestion(
                entry, score, extra, fits, _watched_reason(score, "below its cutoff")
            )
        )
    medians = {
        media_type: statistics.median(
            entry.size_bytes
            for entry in library
            if entry.identity.media_type == media_type
        )
        for media_type in {entry.identity.media_type for entry in library}
    }
    downgrades = [
        Suggestion(
            entry,
            score,
            -math.floor(entry.size_bytes * DOWNGRADE_SAVING),
            True,
            f"{entry.size_bytes / 1e9:.1f} GB, "
            f"{entry.size_bytes / medians[entry.identity.media_type]:.1f}x the median, "
            + _watched_reason(score, "on a large profile"),
        )
        for entry in library
        if entry.size_bytes >= LARGE_FACTOR * medians[entry.identity.media_type]
        and (score := demand(by_title.get(entry.identity, ()), now)).total == 0
    ]
    downgrades.sort(key=lambda s: (-s.entry.size_bytes, str(s.entry.identity)))
    return UpgradeReport(tuple(upgrades), tuple(downgrades[:limit]))


def _watched_reason(score: Score, quality: str) -> str:
    """Return one line on how much a title is watched."""
    watchers = int(score.features[1].value)
    if watchers == 0:
        return f"not watched in a year, {quality}"
    return (
        f"watched by {watchers} {'person' if watchers == 1 else 'people'} in the last "
        f"year ({score.features[0].value:.1f} recent plays), {quality}"
    )
