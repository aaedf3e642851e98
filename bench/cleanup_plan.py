"""Time of a cleanup plan at the simulator's `large` scale, the way the action makes it.

`PYTHONPATH=. python bench/cleanup_plan.py [--scale large]`: writes the simulated
world's plays, people and requests (200,000 plays at `large`) into a SmartPlex
database in a temporary directory, builds the candidates (20,000 movies, 3,000
series), asks for 10% of each disk back, and times, best of 3:
store: the SQL play tallies (store/usage.py) and the requests (store/requests.py);
engine: usage_from_tallies + plan_cleanup. For comparison it also times the
engine's own tally of every Play snapshot (title_usage, what plans did before).
It checks that the plan and the per-play path agree, that no planned title has a
protection, and prints one line per measurement.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
import sqlite3
import tempfile
import time

from custom_components.smartplex.api.base import gc_paused
from custom_components.smartplex.engine.cleanup import (
    CleanupCandidate,
    CleanupPlan,
    CleanupPolicy,
    plan_cleanup,
    protections,
)
from custom_components.smartplex.engine.cleanup_usage import (
    FOLLOW_DAYS,
    LAST_YEAR_DAYS,
    title_usage,
    usage_from_tallies,
)
from custom_components.smartplex.engine.models import (
    Identity,
    LibraryEntry,
    Play,
    RequestRecord,
    RequestStatus,
)
from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.requests import load_requests
from custom_components.smartplex.store.usage import load_tallies
from simulator.vocabulary import MOVIE_GENRES, TV_GENRES
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
                genres=tuple(MOVIE_GENRES[genre] for genre in movie.info.genre_ids),
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
                genres=tuple(TV_GENRES[genre] for genre in series.info.genre_ids),
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


def write_world(connection: sqlite3.Connection, world: World) -> None:
    """Write the world's plays, people and requests as the database sync would."""
    _, plays, requests = snapshot(world)
    connection.executemany(
        "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
        " full_title, started, play_duration, paused_counter, percent_complete,"
        " watched_status, identity_type, tmdb_id, season, episode, matched_by)"
        " VALUES ('t', ?, ?, ?, ?, 'x', 'x', ?, ?, 0, ?, 1, ?, ?, ?, ?, ?)",
        (
            (
                row_id,
                int(play.user_id),
                play.user_id,
                "movie" if play.season is None else "episode",
                int(play.started.timestamp()),
                play.watched_seconds,
                play.percent_complete,
                play.identity.media_type if play.identity else None,
                play.identity.tmdb_id if play.identity else None,
                play.season,
                play.episode,
                "guid" if play.identity else None,
            )
            for row_id, play in enumerate(plays)
        ),
    )
    people = {int(play.user_id) for play in plays} | {
        int(request.requested_by) for request in requests
    }
    connection.executemany(
        "INSERT INTO users (instance, user_id, username, friendly_name, is_active,"
        " is_admin, overseerr_user_id, updated) VALUES ('t', ?, ?, ?, 1, 0, ?, 0)",
        ((person, f"u{person}", f"U{person}", person) for person in people),
    )
    connection.executemany(
        "INSERT INTO requests (instance, request_id, media_type, tmdb_id, status,"
        " is_4k, seasons, requested_by, created) VALUES ('o', ?, ?, ?, ?, 0, '[]', ?, ?)",
        (
            (
                request.request_id,
                request.identity.media_type,
                request.identity.tmdb_id,
                {RequestStatus.APPROVED: 2, RequestStatus.DECLINED: 3}.get(
                    request.status, 1
                ),
                int(request.requested_by),
                int(request.created.timestamp()),
            )
            for request in requests
        ),
    )
    connection.executemany(
        "INSERT INTO request_history (instance, request_id, state, time)"
        " VALUES ('o', ?, ?, ?)",
        (
            (request.request_id, request.status, int(request.created.timestamp()))
            for request in requests
            if request.status in (RequestStatus.APPROVED, RequestStatus.DECLINED)
        ),
    )


def clock() -> tuple[float, float]:
    """Return the wall and this process's CPU clocks (CPU: what a shared machine hides)."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    """Return the wall and CPU seconds since start."""
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def run(
    world: World, store: SmartPlexStore
) -> tuple[
    tuple[float, float],
    tuple[float, float],
    tuple[float, float],
    CleanupPlan,
    dict[str, int],
]:
    """Return the store, engine and per-play (wall, CPU) times of one plan for 10% of each disk."""
    candidates, plays, requests = snapshot(world)
    needed = {path: disk.total // 10 for path, disk in world.disks.items()}
    sizes = {
        ("radarr", "movie"): len(world.movies),
        ("sonarr", "tv"): len(world.series),
    }
    policy = CleanupPolicy(max_items=5000)
    now = world.start
    recent = now - timedelta(days=max(policy.in_progress_days, FOLLOW_DAYS))
    start = clock()
    year_ago = now - timedelta(days=LAST_YEAR_DAYS)
    tallies, latest = store.run(
        lambda connection: load_tallies(connection, recent, year_ago)
    )
    stored_requests = store.run(load_requests)
    store_time = since(start)
    start = clock()
    # As plan_cleanup's action runs them: in the executor, the collector held back.
    with gc_paused():
        usage = usage_from_tallies(
            tallies, latest, stored_requests, {}, now, policy.in_progress_days
        )
        plan = plan_cleanup(candidates, usage, needed, now, policy, sizes)
    engine_time = since(start)
    start = clock()
    per_play = title_usage(plays, requests, {}, now, policy.in_progress_days)
    per_play_time = since(start)
    assert usage == per_play
    for item in plan.items:
        assert protections(item.candidate, item.usage, now, policy) == ()
    return store_time, engine_time, per_play_time, plan, needed


def main() -> None:
    """Print the engine time and what the plan frees."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="large")
    scale = parser.parse_args().scale
    world = World(scale, seed=1, now=NOW)
    times = []
    with tempfile.TemporaryDirectory() as folder:
        store = SmartPlexStore(str(Path(folder) / "smartplex.db"))
        store.open()
        store.run(lambda connection: write_world(connection, world))
        for _ in range(3):
            *elapsed, plan, needed = run(world, store)
            times.append(elapsed)
        store.close()
    store_ms, engine_ms, per_play_ms = (
        " / ".join(
            f"{min(measured[part][clock_index] for measured in times) * 1000:.0f}"
            for clock_index in (0, 1)
        )
        for part in range(3)
    )
    protected = {p.candidate.key for p in plan.protected}
    assert not protected & {item.candidate.key for item in plan.items}
    print(
        f"scale {scale}: {len(world.movies)} movies, {len(world.series)} series, "
        f"{len(world.plays)} plays"
    )
    print("best of 3, wall / CPU ms:")
    print(f"store (SQL play tallies + requests): {store_ms}")
    print(f"engine (usage_from_tallies + plan_cleanup): {engine_ms}")
    print(f"for comparison, title_usage over every Play: {per_play_ms}")
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
