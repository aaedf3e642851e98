"""Every Sonarr series and Radarr movie of every instance, as the library index has it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
import json
import sqlite3

from custom_components.smartplex.engine.models import Identity, LibraryEntry
from custom_components.smartplex.library import LibraryItem, normalize_title

UPSERT_TITLE = (
    "INSERT OR REPLACE INTO library (instance, item_id, media_type, tmdb_id, "
    "tvdb_id, imdb_id, title, title_key, year, season_count, episode_count, "
    "episode_file_count, size_on_disk, monitored, has_file, tags, genres, "
    "quality_profile_id, cutoff_met, file_quality, root_folder, added, updated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def library_row(instance: str, item: LibraryItem, now: int) -> tuple[object, ...]:
    """Return the database row of one title."""
    return (
        instance,
        item.id,
        item.media_type,
        item.tmdb_id,
        item.tvdb_id,
        item.imdb_id,
        item.title,
        normalize_title(item.title),
        item.year,
        item.season_count,
        item.episode_count,
        item.episode_file_count,
        item.size_on_disk,
        int(item.monitored),
        int(item.has_file),
        json.dumps(item.tags),
        json.dumps(item.genres),
        item.quality_profile_id,
        None if item.cutoff_met is None else int(item.cutoff_met),
        item.file_quality,
        item.root_folder,
        None if item.added is None else int(item.added.timestamp()),
        now,
    )


def write_titles(
    connection: sqlite3.Connection,
    instance: str,
    changed: Iterable[LibraryItem],
    removed: Iterable[int],
    now: int,
) -> None:
    """Store new and changed titles and forget removed ones."""
    connection.executemany(
        UPSERT_TITLE, (library_row(instance, item, now) for item in changed)
    )
    connection.executemany(
        "DELETE FROM library WHERE instance = ? AND item_id = ?",
        ((instance, item_id) for item_id in removed),
    )


def stored_ids(connection: sqlite3.Connection, instance: str) -> set[int]:
    """Return the ids of an instance's stored titles."""
    return {
        item_id
        for (item_id,) in connection.execute(
            "SELECT item_id FROM library WHERE instance = ?", (instance,)
        )
    }


def delete_instance(connection: sqlite3.Connection, instance: str) -> None:
    """Forget an instance's titles."""
    connection.execute("DELETE FROM library WHERE instance = ?", (instance,))


def find_by_title(
    connection: sqlite3.Connection, media_type: str, title: str, year: int | None
) -> tuple[int | None, int | None, str | None] | None:
    """Return the (TMDB, TVDB, IMDb) ids of the one title of that name and year."""
    rows = connection.execute(
        "SELECT DISTINCT tmdb_id, tvdb_id, imdb_id FROM library WHERE title_key = ?"
        " AND media_type = ? AND (? IS NULL OR year = ?) LIMIT 2",
        (normalize_title(title), media_type, year, year),
    ).fetchall()
    return rows[0] if len(rows) == 1 else None


def find_tmdb(
    connection: sqlite3.Connection,
    media_type: str,
    tvdb_id: int | None,
    imdb_id: str | None,
) -> int | None:
    """Return the TMDB id the library gives a title known by its TVDB or IMDb id."""
    row = connection.execute(
        "SELECT tmdb_id FROM library WHERE media_type = ? AND tmdb_id IS NOT NULL"
        " AND (tvdb_id = ? OR imdb_id = ?) LIMIT 1",
        (media_type, tvdb_id, imdb_id),
    ).fetchone()
    return None if row is None else row[0]


def load_library(connection: sqlite3.Connection) -> list[LibraryEntry]:
    """Return every title with a TMDB id as engine snapshots."""
    fromtimestamp = datetime.fromtimestamp
    return [
        LibraryEntry(
            identity=Identity(media_type, tmdb_id),
            instance=instance,
            title=title,
            year=year,
            size_bytes=size,
            monitored=bool(monitored),
            has_file=bool(has_file),
            tags=tuple(str(tag) for tag in json.loads(tags)),
            quality_profile=None if profile is None else str(profile),
            cutoff_met=None if cutoff_met is None else bool(cutoff_met),
            root_folder=root_folder,
            added=None if added is None else fromtimestamp(added, UTC),
            tvdb_id=tvdb_id,
            imdb_id=imdb_id,
            genres=tuple(str(genre) for genre in json.loads(genres)),
        )
        for (
            instance,
            media_type,
            tmdb_id,
            tvdb_id,
            imdb_id,
            title,
            year,
            size,
            monitored,
            has_file,
            tags,
            genres,
            profile,
            cutoff_met,
            root_folder,
            added,
        ) in connection.execute(
            "SELECT instance, media_type, tmdb_id, tvdb_id, imdb_id, title, year,"
            " size_on_disk, monitored, has_file, tags, genres, quality_profile_id,"
            " cutoff_met, root_folder, added FROM library WHERE tmdb_id IS NOT NULL"
            " ORDER BY instance, item_id"
        )
    ]
