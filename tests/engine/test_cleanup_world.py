"""A cleanup plan on the simulator's world equals a plain reading of the rules.

The engine's plan_cleanup is written for speed (see the README's plan time); the
reference here is written for reading: every candidate's usage, protections and
score through the engine's per-title functions, ranked by (value, key), greedy to
the need, then the most valuable picks the need does not take dropped. The world
(with seasons, a second copy of some movies for exact ties, streams and requests)
is seeded, so the plan is fixed; the two must give the same titles in the same
order with the same scores, reasons and usage, and the same protected titles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from copy import replace
from datetime import timedelta
import math

import pytest

from bench.cleanup_plan import NOW, snapshot
from custom_components.smartplex.engine.cleanup import (
    GB,
    SHARE_SLACK,
    CleanupCandidate,
    CleanupPlan,
    CleanupPolicy,
    Protection,
    plan_cleanup,
    protections,
    reasons,
    rewatch_score,
)
from custom_components.smartplex.engine.cleanup_usage import (
    TitleUsage,
    UsageKey,
    title_usage,
    usage_of,
)
from custom_components.smartplex.engine.models import Identity, LibraryEntry, Score
from simulator.world import World

type Row = tuple[float, str, CleanupCandidate, TitleUsage]


def world_candidates(world: World) -> list[CleanupCandidate]:
    """Return the bench's movies and series, each series' seasons, and 4K copies of some movies."""
    candidates, _, _ = snapshot(world)
    by_series: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for episode in world.episodes.values():
        by_series[episode[1]][episode[2]] += episode[6]
    seasons = []
    for candidate in candidates:
        sizes = by_series.get(candidate.item_id) if candidate.season is None else None
        if candidate.entry.identity.media_type != "tv" or not sizes or len(sizes) < 2:
            continue
        seasons += [
            replace(candidate, season=number, size=size, share=1 / len(sizes))
            for number, size in sorted(sizes.items())
        ]
    copies = [
        replace(candidate, entry=replace(candidate.entry, instance="radarr-4k"))
        for candidate in candidates[::7]
        if candidate.entry.identity.media_type == "movie"
    ]
    return candidates + seasons + copies + shorts()


def shorts() -> list[CleanupCandidate]:
    """Return ten small old shorts nobody watched and a 20 GB film watched 40 days ago.

    On their own root folder, the shorts rank first, the film covers the need alone,
    so the plan drops the shorts again.
    """
    return [
        CleanupCandidate(
            entry=LibraryEntry(
                identity=Identity("movie", -number),
                instance="radarr-shorts",
                title=f"Short {number}",
                year=1990,
                root_folder="/shorts",
                added=NOW - timedelta(days=4000),
            ),
            item_id=number,
            size=20 * GB if number == 100 else 6 * GB // 10,
            rating=2.0,
        )
        for number in range(90, 101)
    ]


type PlanRow = tuple[str, TitleUsage, Score, tuple[str, ...]]


def reference_ranking(
    candidates: Sequence[CleanupCandidate],
    usage: Mapping[UsageKey, TitleUsage],
    needed: Mapping[str, int],
    policy: CleanupPolicy,
) -> tuple[dict[str, list[Row]], list[tuple[str, tuple[Protection, ...]]]]:
    """Return each root folder's removable titles by (value, key), and the protected ones by key."""
    ranked: dict[str, list[Row]] = defaultdict(list)
    protected: list[tuple[str, tuple[Protection, ...]]] = []
    for candidate in candidates:
        root = candidate.entry.root_folder
        if root is None or root not in needed or candidate.size <= 0:
            continue
        found = usage_of(usage, candidate.entry.identity, candidate.season)
        if kept := protections(candidate, found, NOW, policy):
            protected.append((candidate.key, kept))
            continue
        features = rewatch_score(candidate, found, NOW).features
        value = math.sumprod([f.value for f in features], [f.weight for f in features])
        ranked[root].append((value, candidate.key, candidate, found))
    for rows in ranked.values():
        rows.sort(key=lambda row: (row[0], row[1]))
    return ranked, sorted(protected)


def reference_plan(
    candidates: Sequence[CleanupCandidate],
    usage: Mapping[UsageKey, TitleUsage],
    needed: Mapping[str, int],
    policy: CleanupPolicy,
    sizes: Mapping[tuple[str, str], int],
) -> tuple[list[PlanRow], list[tuple[str, tuple[Protection, ...]]], int]:
    """Return the plan's (key, usage, score, reasons), its protected (key, protections), drops."""
    ranked, protected = reference_ranking(candidates, usage, needed, policy)
    caps = {
        library: count * policy.max_library_share for library, count in sizes.items()
    }
    taken: dict[tuple[str, str], float] = defaultdict(float)
    rows: list[PlanRow] = []
    dropped = 0
    for root in sorted(needed):
        picks: list[Row] = []
        total = 0
        titles: set[str] = set()
        seasons_of: set[str] = set()
        for row in ranked[root]:
            candidate = row[2]
            if total >= needed[root] or len(rows) + len(picks) >= policy.max_items:
                break
            whole = candidate.title_key
            if whole in titles or (candidate.season is None and whole in seasons_of):
                continue
            if taken[candidate.library] + candidate.share > (
                caps.get(candidate.library, 0) + SHARE_SLACK
            ):
                continue
            taken[candidate.library] += candidate.share
            picks.append(row)
            total += candidate.size
            (titles if candidate.season is None else seasons_of).add(whole)
        for row in sorted(picks, key=lambda row: -row[0]):
            if total - row[2].size >= needed[root]:
                taken[row[2].library] -= row[2].share
                total -= row[2].size
                picks.remove(row)
                dropped += 1
        rows += [
            (
                candidate.key,
                found,
                rewatch_score(candidate, found, NOW),
                reasons(candidate, found, NOW),
            )
            for _, _, candidate, found in picks
        ]
    return rows, protected, dropped


@pytest.mark.parametrize(
    ("max_items", "disk_share"), [(5000, 0.1), (50, 0.1), (5000, 0.02)]
)
def test_plan_on_the_simulated_world_is_the_plain_reading(
    max_items: int, disk_share: float
) -> None:
    """The engine's plan equals the reference's: titles, order, scores, reasons, protections."""
    world = World("home", seed=1, now=NOW)
    candidates = world_candidates(world)
    _, plays, requests = snapshot(world)
    streamed = next(c.entry.identity for c in candidates if c.season is not None)
    streaming = {streamed: ["7"], Identity("movie", -1): ["8"]}
    policy = CleanupPolicy(max_items=max_items)
    usage = title_usage(plays, requests, streaming, NOW, policy.in_progress_days)
    usage[(Identity("movie", -100), None)] = TitleUsage(
        last_watched=NOW - timedelta(days=40),
        last_watched_by="1",
        plays=3,
        watchers=2,
        completion=1.0,
    )
    needed = {path: int(disk.total * disk_share) for path, disk in world.disks.items()}
    needed["/shorts"] = 10 * GB
    sizes = {
        ("radarr-shorts", "movie"): 200,
        ("radarr", "movie"): len(world.movies),
        ("radarr-4k", "movie"): len(world.movies) // 7,
        ("sonarr", "tv"): len(world.series),
    }

    plan: CleanupPlan = plan_cleanup(candidates, usage, needed, NOW, policy, sizes)
    rows, protected, dropped = reference_plan(candidates, usage, needed, policy, sizes)

    assert [
        (item.candidate.key, item.usage, item.score, item.reasons)
        for item in plan.items
    ] == rows
    assert [
        (item.candidate.key, item.protections) for item in plan.protected
    ] == protected
    assert plan.freed == {
        root: sum(
            item.candidate.size
            for item in plan.items
            if item.candidate.entry.root_folder == root
        )
        for root in needed
    }
    # The world reaches every path: seasons and ties planned, protections of each kind.
    assert any(item.candidate.season is not None for item in plan.items)
    assert any(item.candidate.entry.instance == "radarr-4k" for item in plan.items)
    assert 0 < len(plan.items) <= max_items
    assert dropped
    kinds = {kind for _, found in protected for kind in found}
    assert {
        Protection.RECENTLY_WATCHED,
        Protection.IN_PROGRESS,
        Protection.STREAMING,
        Protection.KEEP_TAG,
        Protection.DOWNLOADING,
    } <= kinds
