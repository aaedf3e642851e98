"""Time get_statistics over a year of plays at the large scale (200,000 plays, 30 users).

The database is filled straight from the simulator's world, as the history, user and
request syncs leave it (this measures the statistics, not the sync), in a temporary
file. Then, as the action does in the executor: the first call loads the plays into
columns, later calls only check for new rows and count.

    PYTHONPATH=. python bench/get_statistics.py [--scale large] [--samples 5]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path
import sqlite3
import statistics
import tempfile
import time

from custom_components.smartplex.engine.play_columns import make_buckets
from custom_components.smartplex.engine.statistics import report
from custom_components.smartplex.store.schema import MIGRATIONS
from custom_components.smartplex.store.statistics import PlaysCache
from simulator.tautulli_stats import locate
from simulator.vocabulary import MOVIE_GENRES, TV_GENRES
from simulator.world import World

TAUTULLI, OVERSEERR = "tautulli-1", "overseerr-1"
PLAYERS = ("Living Room Roku", "SHIELD Android TV", "iPhone", "Chrome", "Desktop-PC")


def create_schema(connection: sqlite3.Connection) -> None:
    """Apply every migration."""
    for number, statements in enumerate(MIGRATIONS, 1):
        for statement in statements:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")


def fill_database(
    connection: sqlite3.Connection, world: World, *, locate_all: bool
) -> None:
    """Write the world's library, users, plays and requests as the syncs store them."""
    now = int(world.start.timestamp())
    connection.execute("BEGIN")
    for kind, instance, items in (
        ("movie", "radarr-1", world.movies.values()),
        ("tv", "sonarr-1", world.series.values()),
    ):
        names = MOVIE_GENRES if kind == "movie" else TV_GENRES
        connection.executemany(
            "INSERT INTO library (instance, item_id, media_type, tmdb_id, tvdb_id, imdb_id,"
            " title, title_key, year, size_on_disk, monitored, has_file, tags, genres,"
            " added, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, 1, '[]', ?, ?, ?)",
            [
                (
                    instance,
                    item.id,
                    kind,
                    item.info.tmdb_id,
                    item.info.tvdb_id or None,
                    item.info.imdb_id,
                    item.info.title,
                    item.info.title.lower(),
                    item.info.year,
                    json.dumps([names[genre] for genre in item.info.genre_ids]),
                    int(item.added.timestamp()),
                    now,
                )
                for item in items
            ],
        )
    connection.executemany(
        "INSERT INTO users (instance, user_id, username, friendly_name, email, is_active,"
        " is_admin, overseerr_user_id, linked_by, updated) VALUES (?, ?, ?, ?, ?, 1, ?, ?,"
        " 'plex_id', ?)",
        [
            (
                TAUTULLI,
                user.plex_id,
                user.username,
                user.username,
                user.email,
                int(user.index == 0),
                user.overseerr_id,
                now,
            )
            for user in world.users
        ],
    )
    connection.executemany(
        "INSERT INTO overseerr_users (instance, user_id, display_name, username,"
        " plex_username, plex_id, email, request_count, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
        [
            (
                OVERSEERR,
                user.overseerr_id,
                user.username,
                user.username,
                user.username,
                user.plex_id,
                user.email,
                now,
            )
            for user in world.users
        ],
    )
    connection.executemany(
        "INSERT INTO plays (instance, row_id, user_id, user, friendly_name, media_type,"
        " rating_key, grandparent_rating_key, title, full_title, grandparent_title, year,"
        " started, stopped, play_duration, paused_counter, percent_complete,"
        " watched_status, transcode_decision, video_decision, audio_decision,"
        " source_resolution, stream_resolution, bandwidth, player, location, ip_address,"
        " identity_type, tmdb_id, matched_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?, 'guid')",
        (_play_values(world, play) for play in world.plays),
    )
    connection.executemany(
        "INSERT INTO requests (instance, request_id, media_type, tmdb_id, status,"
        " media_status, is_4k, seasons, requested_by, created, updated, available)"
        " VALUES (?, ?, ?, ?, ?, ?, 0, '[]', ?, ?, ?, ?)",
        [
            (
                OVERSEERR,
                request.id,
                request.kind,
                request.tmdb_id,
                request.status,
                status := world.media_status(request.kind, request.tmdb_id),
                world.users[request.user_index].overseerr_id,
                int(request.created.timestamp()),
                int(request.updated.timestamp()),
                _added(world, request.kind, request.tmdb_id) if status == 5 else None,
            )
            for request in world.requests.values()
        ],
    )
    if locate_all:
        addresses = {
            address
            for (address,) in connection.execute(
                "SELECT DISTINCT ip_address FROM plays WHERE location = 'wan'"
            )
        }
        for address in addresses:
            found = locate(address) or {}
            connection.execute(
                "INSERT INTO geoip VALUES (?, ?, ?, ?)",
                (address, found.get("country"), found.get("city"), now),
            )
    connection.execute("COMMIT")


def _added(world: World, kind: str, tmdb_id: int) -> int | None:
    """Return when a library title was added."""
    item = (
        world.movie_by_tmdb(tmdb_id)
        if kind == "movie"
        else world.series_by_tmdb(tmdb_id)
    )
    return None if item is None else int(item.added.timestamp())


def _play_values(
    world: World, play: tuple[int, int, int, int, str, int, int, int, int]
) -> tuple[object, ...]:
    """Return one plays row of a world's play."""
    row_id, started, stopped, user_index, kind, ref_id, percent, paused, platform = play
    user = world.users[user_index]
    stream = world.stream(play)
    if kind == "movie":
        movie = world.movies[ref_id]
        info, rating_key, grandparent_key, title = (
            movie.info,
            movie.rating_key,
            None,
            movie.info.title,
        )
    else:
        episode = world.episodes[ref_id]
        series = world.series[episode[1]]
        info, rating_key, grandparent_key = (
            series.info,
            2_000_000 + ref_id,
            series.rating_key,
        )
        title = f"Episode {episode[3]}"
    return (
        TAUTULLI,
        row_id,
        user.plex_id,
        user.username,
        user.username,
        kind,
        rating_key,
        grandparent_key,
        title,
        title if kind == "movie" else f"{info.title} - {title}",
        None if kind == "movie" else info.title,
        info.year,
        started,
        stopped,
        stopped - started - paused,
        paused,
        percent,
        1 if percent >= 90 else 0.5 if percent >= 50 else 0,
        stream.decision,
        stream.video_decision,
        stream.audio_decision,
        stream.source_resolution,
        stream.stream_resolution,
        stream.stream_bitrate,
        PLAYERS[platform % len(PLAYERS)],
        stream.location,
        stream.ip_address,
        "movie" if kind == "movie" else "tv",
        info.tmdb_id,
    )


def year_report(
    cache: PlaysCache, connection: sqlite3.Connection, world: World
) -> dict[str, object]:
    """Return the statistics of the year up to the world's day, as get_statistics does."""
    end = world.start.date()
    buckets = make_buckets(end - timedelta(days=364), end, "day", UTC)
    return report(
        cache.refresh(connection),
        cache.requests(connection),
        buckets,
        user=None,
        limit=10,
    )


def main() -> None:
    """Fill a database at a scale and time the first and later get_statistics calls."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    world = World(args.scale, 1, datetime(2026, 6, 1, 12, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "smartplex.db"
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        create_schema(connection)
        fill_database(connection, world, locate_all=True)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = os.path.getsize(path)
        cache = PlaysCache()
        started = time.perf_counter()
        result = year_report(cache, connection, world)
        first = time.perf_counter() - started
        walls, cpus = [], []
        for _ in range(args.samples):
            wall, cpu = time.perf_counter(), time.process_time()
            year_report(cache, connection, world)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        connection.close()
    plays = result["watch"]["plays"]  # type: ignore[index]
    print(
        f"{args.scale}: {len(world.plays)} plays, {len(world.users)} users, database"
        f" {size / 1e6:.1f} MB; a year ({plays} plays): first call {first * 1000:.0f} ms"
        f" (loads the plays), then median {statistics.median(walls) * 1000:.0f} ms wall,"
        f" {statistics.median(cpus) * 1000:.0f} ms CPU (best {min(walls) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
