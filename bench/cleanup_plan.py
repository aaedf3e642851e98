"""Engine time of a cleanup plan at the simulator's `large` scale.

`PYTHONPATH=. python bench/cleanup_plan.py [--scale large]`: builds the engine's
snapshot from the simulated world (20,000 movies, 3,000 series, 200,000 plays),
asks for 10% of each disk back, and times title_usage + plan_cleanup (best of 3).
It checks that the plan meets the target and that no planned title has a
protection, and prints one line per measurement.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import UTC, datetime
import time

from custom_components.smartplex.engine.cleanup import (
    CleanupCandidate,
    CleanupPlan,
    CleanupPolicy,
    plan_cleanup,
    protections,
    title_usage,
)
from custom_components.smartplex.engine.models import (
    Identity,
    LibraryEntry,
    Play,
    RequestRecord,
    RequestStatus,
)
from simulator.world import World

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
REQUEST_STATUS = {
    1: RequestStatus.PENDING,
    2: RequestStatus.APPROVED,
    3: RequestStatus.DECLINED,
}


def snapshot(
    world: World,
) -> tuple[list[CleanupCandidate], list[Play], list[RequestRecord]]:
    """Return the candidates, plays and requests of a simulated world."""
    downloading = {(item.service, item.media_id) for item in world.queue.values()}
    candidates = [
        CleanupCandidate(
            entry=LibraryEntry(
                identity=Identity("movie", movie.info.tmdb_id),
                instance="radarr",
                title=movie.info.title,
                year=movie.info.year,
                size_bytes=movie.size,
                tags=tuple(world.tags.get(tag, "") for tag in movie.tags),
                root_folder="/movies",
                added=movie.added,
            ),
            item_id=movie.id,
            size=movie.size,
            rating=movie.info.vote_average,
            downloading=("radarr", movie.id) in downloading,
        )
        for movie in world.movies.values()
    ]
    series_size: dict[int, int] = defaultdict(int)
    for episode in world.episodes.values():
        series_size[episode[1]] += episode[6]
    candidates += [
        CleanupCandidate(
            entry=LibraryEntry(
                identity=Identity("tv", series.info.tmdb_id),
                instance="sonarr",
                title=series.info.title,
                year=series.info.year,
                size_bytes=series_size[series.id],
                tags=tuple(world.tags.get(tag, "") for tag in series.tags),
                root_folder="/tv",
                added=series.added,
            ),
            item_id=series.id,
            size=series_size[series.id],
            rating=series.info.vote_average,
            downloading=("sonarr", series.id) in downloading,
            airing=not series.info.ended,
        )
        for series in world.series.values()
    ]
    plays: list[Play] = []
    for _, started, stopped, user, kind, ref, percent, _, _ in world.plays:
        if kind == "movie":
            movie = world.movies.get(ref)
            identity = Identity("movie", movie.info.tmdb_id) if movie else None
            season = episode_number = None
        else:
            episode = world.episodes.get(ref)
            series = world.series.get(episode[1]) if episode else None
            identity = Identity("tv", series.info.tmdb_id) if series else None
            season, episode_number = (
                (episode[2], episode[3]) if episode else (None, None)
            )
        plays.append(
            Play(
                user_id=str(user),
                identity=identity,
                started=datetime.fromtimestamp(started, UTC),
                watched_seconds=stopped - started,
                percent_complete=percent,
                season=season,
                episode=episode_number,
            )
        )
    requests = [
        RequestRecord(
            request_id=request.id,
            identity=Identity(request.kind, request.tmdb_id),
            requested_by=str(request.user_index),
            created=request.created,
            status=REQUEST_STATUS.get(request.status, RequestStatus.APPROVED),
        )
        for request in world.requests.values()
    ]
    return candidates, plays, requests


def run(world: World) -> tuple[float, CleanupPlan, dict[str, int]]:
    """Return the engine time of one plan for 10% of each disk, and the plan."""
    candidates, plays, requests = snapshot(world)
    needed = {path: disk.total // 10 for path, disk in world.disks.items()}
    sizes = {
        ("radarr", "movie"): len(world.movies),
        ("sonarr", "tv"): len(world.series),
    }
    policy = CleanupPolicy(max_items=5000)
    start = time.perf_counter()
    usage = title_usage(plays, requests, {}, world.start, policy)
    plan = plan_cleanup(candidates, usage, needed, world.start, policy, sizes)
    elapsed = time.perf_counter() - start
    for item in plan.items:
        found = usage.get((item.candidate.entry.identity, None))
        assert found is not None or item.usage.plays == 0
        assert protections(item.candidate, item.usage, world.start, policy) == ()
    return elapsed, plan, needed


def main() -> None:
    """Print the engine time and what the plan frees."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large")
    scale = parser.parse_args().scale
    world = World(scale, seed=1, now=NOW)
    times = []
    for _ in range(3):
        elapsed, plan, needed = run(world)
        times.append(elapsed)
    protected = {p.candidate.key for p in plan.protected}
    assert not protected & {item.candidate.key for item in plan.items}
    print(
        f"scale {scale}: {len(world.movies)} movies, {len(world.series)} series, "
        f"{len(world.plays)} plays"
    )
    print(
        f"engine time (title_usage + plan_cleanup), best of 3: {min(times) * 1000:.0f} ms"
    )
    for root, need in needed.items():
        print(
            f"{root}: needed {need / 1e9:.0f} GB, freed {plan.freed.get(root, 0) / 1e9:.0f} GB"
        )
    print(
        f"target met: {plan.target_met}; titles planned: {len(plan.items)}; "
        f"protected (left alone): {len(plan.protected)}; protected in plan: 0"
    )


if __name__ == "__main__":
    main()
