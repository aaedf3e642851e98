"""Play history from Tautulli: every row once, with the title it maps to.

Rows are written with the sync's cursor in one transaction (see sync_state.py), so
a sync killed half-way leaves either both or neither; `(instance, row_id)` is the key,
so rows read twice are written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import sqlite3

from custom_components.smartplex.api.tautulli_history import HistoryRow, StreamData
from custom_components.smartplex.engine.models import Identity, Play

INSERT_PLAY = (
    "INSERT OR IGNORE INTO plays (instance, row_id, reference_id, user_id, user, "
    "friendly_name, media_type, rating_key, parent_rating_key, "
    "grandparent_rating_key, title, full_title, grandparent_title, year, season, "
    "episode, started, stopped, play_duration, paused_counter, percent_complete, "
    "watched_status, transcode_decision, platform, product, player, location, "
    "ip_address, identity_type, tmdb_id, tvdb_id, imdb_id, matched_by) VALUES (?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?)"
)
# How a play was tied to its title.
MATCHED_BY_GUID = "guid"
MATCHED_BY_TITLE = "title"

type PlayRow = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class TitleIds:
    """The title a rating key belongs to, as far as it is known."""

    media_type: str | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    matched_by: str


def lookup_key(row: HistoryRow) -> int | None:
    """Return the rating key whose metadata names a play's title (an episode's series)."""
    if row.media_type == "episode" and row.grandparent_rating_key:
        return row.grandparent_rating_key
    return row.rating_key


def _seconds(moment: datetime | None) -> int | None:
    """Return a time as Unix seconds."""
    return None if moment is None else int(moment.timestamp())


def play_row(instance: str, row: HistoryRow, ids: TitleIds | None) -> PlayRow:
    """Return the database row of one history row and the title it maps to."""
    episode = row.media_type == "episode"
    matched = ids if ids is not None and ids.tmdb_id is not None else None
    return (
        instance,
        row.row_id,
        row.reference_id,
        row.user_id,
        row.user,
        row.friendly_name,
        row.media_type,
        row.rating_key,
        row.parent_rating_key,
        row.grandparent_rating_key,
        row.title,
        row.full_title,
        row.grandparent_title,
        row.year,
        row.parent_media_index if episode else None,
        row.media_index if episode else None,
        _seconds(row.started),
        _seconds(row.stopped),
        row.play_duration,
        row.paused_counter,
        row.percent_complete,
        row.watched_status,
        row.transcode_decision,
        row.platform,
        row.product,
        row.player,
        row.location,
        row.ip_address,
        matched.media_type if matched else None,
        ids.tmdb_id if ids else None,
        ids.tvdb_id if ids else None,
        ids.imdb_id if ids else None,
        matched.matched_by if matched else None,
    )


def insert_plays(connection: sqlite3.Connection, rows: Iterable[PlayRow]) -> int:
    """Insert plays not already stored; return how many were new."""
    before = connection.total_changes
    connection.executemany(INSERT_PLAY, rows)
    return connection.total_changes - before


def rating_keys_of(
    connection: sqlite3.Connection, instance: str, keys: Iterable[int]
) -> dict[int, TitleIds]:
    """Return the cached titles of rating keys (no media type: Plex had no such item)."""
    return {
        rating_key: TitleIds(media_type, tmdb_id, tvdb_id, imdb_id, MATCHED_BY_GUID)
        for rating_key, media_type, tmdb_id, tvdb_id, imdb_id in connection.execute(
            "SELECT rating_key, media_type, tmdb_id, tvdb_id, imdb_id FROM rating_keys"
            " WHERE instance = ? AND rating_key IN (SELECT value FROM json_each(?))",
            (instance, json.dumps(sorted(keys))),
        )
    }


def save_rating_keys(
    connection: sqlite3.Connection,
    instance: str,
    found: dict[int, TitleIds | None],
    now: int,
) -> None:
    """Cache what get_metadata said about rating keys (None: the item is gone)."""
    connection.executemany(
        "INSERT OR REPLACE INTO rating_keys (instance, rating_key, media_type,"
        " tmdb_id, tvdb_id, imdb_id, fetched) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                instance,
                rating_key,
                ids.media_type if ids else None,
                ids.tmdb_id if ids else None,
                ids.tvdb_id if ids else None,
                ids.imdb_id if ids else None,
                now,
            )
            for rating_key, ids in found.items()
        ],
    )


# SQL below repeats two expressions (literal, so nothing is ever built into a query):
# lookup_key() of a play (an episode's: its series' key), and "plays a guid lookup may
# still map": matched by title, or not at all and without the ids a legacy agent's
# guid gives in the row itself.


def keys_to_look_up(connection: sqlite3.Connection, instance: str) -> list[int]:
    """Return rating keys of plays not matched by guid whose metadata was never asked."""
    return [
        rating_key
        for (rating_key,) in connection.execute(
            "SELECT DISTINCT CASE WHEN media_type = 'episode' AND grandparent_rating_key"
            " THEN grandparent_rating_key ELSE rating_key END AS lookup FROM plays"
            " WHERE instance = ? AND (matched_by = 'title' OR (matched_by IS NULL"
            " AND tvdb_id IS NULL AND imdb_id IS NULL)) AND lookup IS NOT NULL"
            " AND lookup NOT IN (SELECT rating_key FROM rating_keys WHERE instance = ?)"
            " ORDER BY lookup",
            (instance, instance),
        )
    ]


def match_by_rating_keys(
    connection: sqlite3.Connection, instance: str, keys: Iterable[int]
) -> int:
    """Map plays not matched by guid to the titles these looked-up keys name.

    A key with only TVDB/IMDb ids gets the TMDB id the library gives that title.
    Return how many plays changed.
    """
    before = connection.total_changes
    connection.execute(
        "UPDATE plays SET identity_type = k.media_type, tmdb_id = k.resolved,"
        " tvdb_id = k.tvdb_id, imdb_id = k.imdb_id, matched_by = ? FROM ("
        " SELECT rating_key, media_type, tvdb_id, imdb_id, COALESCE(tmdb_id, ("
        "  SELECT l.tmdb_id FROM library AS l WHERE l.media_type = r.media_type"
        "  AND l.tmdb_id IS NOT NULL AND (l.tvdb_id = r.tvdb_id OR l.imdb_id = r.imdb_id)"
        "  LIMIT 1)) AS resolved"
        " FROM rating_keys AS r WHERE r.instance = ? AND r.media_type IS NOT NULL"
        " AND r.rating_key IN (SELECT value FROM json_each(?))"
        ") AS k WHERE plays.instance = ? AND (plays.matched_by = 'title'"
        " OR (plays.matched_by IS NULL AND plays.tvdb_id IS NULL"
        " AND plays.imdb_id IS NULL)) AND k.resolved IS NOT NULL"
        " AND k.rating_key = CASE WHEN plays.media_type = 'episode'"
        " AND plays.grandparent_rating_key THEN plays.grandparent_rating_key"
        " ELSE plays.rating_key END",
        (MATCHED_BY_GUID, instance, json.dumps(sorted(keys)), instance),
    )
    return connection.total_changes - before


def plays_not_matched_by_guid(
    connection: sqlite3.Connection, instance: str
) -> list[tuple[int, str, str, int | None, str | None, int | None]]:
    """Return (row id, media type, title, year, series title, TMDB id) of plays a title matched or none did."""
    return connection.execute(
        "SELECT row_id, media_type, title, year, grandparent_title, tmdb_id FROM plays"
        " WHERE instance = ? AND (matched_by IS NULL OR matched_by = ?)",
        (instance, MATCHED_BY_TITLE),
    ).fetchall()


def set_titles(
    connection: sqlite3.Connection,
    instance: str,
    matched: Iterable[tuple[int, TitleIds | None]],
) -> int:
    """Set the title each play (by row id) maps to, None for no title; return how many."""
    before = connection.total_changes
    connection.executemany(
        "UPDATE plays SET identity_type = ?, tmdb_id = ?, tvdb_id = ?, imdb_id = ?,"
        " matched_by = ? WHERE instance = ? AND row_id = ?",
        [
            (
                ids.media_type if ids else None,
                ids.tmdb_id if ids else None,
                ids.tvdb_id if ids else None,
                ids.imdb_id if ids else None,
                ids.matched_by if ids else None,
                instance,
                row_id,
            )
            for row_id, ids in matched
        ],
    )
    return connection.total_changes - before


def plays_without_stream_details(
    connection: sqlite3.Connection,
    instance: str,
    limit: int,
    *,
    since: int = 0,
    below: int | None = None,
) -> list[int]:
    """Return row ids of plays never asked for details, newest first.

    Only plays started since a time, and below a row id (any, for None).
    """
    return [
        row_id
        for (row_id,) in connection.execute(
            "SELECT row_id FROM plays WHERE instance = ? AND row_id < ?"
            " AND COALESCE(started, 0) >= ? AND video_decision IS NULL"
            " ORDER BY row_id DESC LIMIT ?",
            (instance, (1 << 63) - 1 if below is None else below, since, limit),
        )
    ]


def save_stream_details(
    connection: sqlite3.Connection,
    instance: str,
    details: dict[int, StreamData | None],
) -> None:
    """Store how plays were streamed ('' for a play Tautulli has no details of)."""
    connection.executemany(
        "UPDATE plays SET video_decision = ?, audio_decision = ?,"
        " source_resolution = ?, stream_resolution = ?, bandwidth = ?"
        " WHERE instance = ? AND row_id = ?",
        [
            (
                (data.video_decision or "") if data else "",
                data.audio_decision if data else None,
                data.source_resolution if data else None,
                data.stream_resolution if data else None,
                data.bandwidth if data else None,
                instance,
                row_id,
            )
            for row_id, data in details.items()
        ],
    )


def newest_row_id(connection: sqlite3.Connection, instance: str) -> int:
    """Return the newest stored Tautulli row id of an instance (0 when none)."""
    row_id: int | None = connection.execute(
        "SELECT MAX(row_id) FROM plays WHERE instance = ?", (instance,)
    ).fetchone()[0]
    return row_id or 0


def counts(connection: sqlite3.Connection, instance: str) -> tuple[int, int]:
    """Return (plays, plays not matched to a title) of an instance."""
    total, unmatched = connection.execute(
        "SELECT COUNT(*), COUNT(*) - COUNT(matched_by) FROM plays WHERE instance = ?",
        (instance,),
    ).fetchone()
    return total, unmatched


def delete_instance(connection: sqlite3.Connection, instance: str) -> None:
    """Forget an instance's plays and rating keys (a rebuild starts over)."""
    connection.execute("DELETE FROM plays WHERE instance = ?", (instance,))
    connection.execute("DELETE FROM rating_keys WHERE instance = ?", (instance,))


def load_plays(
    connection: sqlite3.Connection, since: datetime | None = None
) -> list[Play]:
    """Return every play (from `since` on) as engine snapshots, oldest first.

    A play's user is the Tautulli user id as text (the person a request links to).
    """
    start = 0 if since is None else int(since.timestamp())
    fromtimestamp = datetime.fromtimestamp
    return [
        Play(
            user_id=user,
            identity=None if tmdb_id is None else Identity(identity_type, tmdb_id),
            started=fromtimestamp(started, UTC),
            watched_seconds=duration,
            percent_complete=percent,
            season=season,
            episode=episode,
        )
        for (
            user,
            identity_type,
            tmdb_id,
            started,
            duration,
            percent,
            season,
            episode,
        ) in connection.execute(
            "SELECT COALESCE(CAST(user_id AS TEXT), user), identity_type,"
            " CASE WHEN matched_by IS NULL THEN NULL ELSE tmdb_id END, started,"
            " play_duration, percent_complete, season, episode FROM plays"
            " WHERE started >= ? ORDER BY started, row_id",
            (start,),
        )
    ]
