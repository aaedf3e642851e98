"""Reads the synced plays and requests for statistics, and caches where WAN addresses are.

Call everything through the executor. The plays are kept as columns between calls
and extended with the rows synced since (a full reload only when rows went away or
new addresses were located), so a statistics call costs the engine's counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import json
import sqlite3
import threading
import time
from typing import Any

from custom_components.smartplex.engine.play_columns import (
    ColumnsBuilder,
    PlayColumns,
    PlayRow,
)
from custom_components.smartplex.engine.request_statistics import RequestFacts

# Overseerr request status codes.
_REQUEST_STATUS = {1: "pending", 2: "approved", 3: "declined"}
# Overseerr media status: 5 = available.
_AVAILABLE = 5

_PLAYS = """
    SELECT p.instance, p.row_id, p.started, p.stopped, p.play_duration,
           coalesce(p.friendly_name, p.user), p.media_type, p.identity_type, p.tmdb_id,
           p.rating_key, p.grandparent_rating_key, p.title, p.grandparent_title, p.year,
           p.watched_status, p.transcode_decision, p.video_decision, p.audio_decision,
           p.player, p.stream_resolution, p.bandwidth, p.location, g.country, g.city
    FROM plays AS p LEFT JOIN geoip AS g ON g.ip_address = p.ip_address
"""


class PlaysCache:
    """The plays as columns, refreshed from the database on demand."""

    def __init__(self) -> None:
        """Start empty; the first refresh loads every play."""
        self._lock = threading.Lock()
        self._builder = ColumnsBuilder()
        self._columns: PlayColumns | None = None
        self._stale = False
        self._count = 0
        self._located = -1
        self._newest: dict[str, int] = {}
        self._requests: tuple[tuple[Any, ...], list[RequestFacts]] | None = None
        self._located_for = -1

    def unlocated(
        self, connection: sqlite3.Connection, limit: int
    ) -> tuple[int, list[str]]:
        """Return the plays count and WAN addresses not looked up yet (none if no play is new)."""
        count: int = connection.execute("SELECT count(*) FROM plays").fetchone()[0]
        if count == self._located_for:
            return count, []
        return count, unlocated_addresses(connection, limit)

    def located(self, count: int) -> None:
        """Remember every address of this many plays was looked up."""
        self._located_for = count

    def requests(self, connection: sqlite3.Connection) -> list[RequestFacts]:
        """Return the request facts, read again only when requests, links or plays changed."""
        with self._lock:
            key = (
                *connection.execute(
                    "SELECT count(*), max(updated), max(available), sum(status)"
                    " FROM requests"
                ).fetchone(),
                *connection.execute(
                    "SELECT count(overseerr_user_id), sum(overseerr_user_id) FROM users"
                ).fetchone(),
                *connection.execute(
                    "SELECT count(*), max(fetched) FROM tmdb_titles"
                ).fetchone(),
                self._count,
                max(self._newest.values(), default=0),
            )
            if self._requests is None or self._requests[0] != key:
                self._requests = (key, request_facts(connection))
            return self._requests[1]

    def invalidate(self) -> None:
        """Read every play again next time (plays were matched to other titles).

        Called from the event loop: it takes no lock, which a refresh in the executor
        may hold for seconds; the refresh sees the flag when it starts.
        """
        self._stale = True

    def refresh(self, connection: sqlite3.Connection) -> PlayColumns:
        """Return every play, reading only the rows synced since the last call."""
        with self._lock:
            if self._stale:
                self._stale = False
                self._columns = None
            count = connection.execute("SELECT count(*) FROM plays").fetchone()[0]
            located = connection.execute("SELECT count(*) FROM geoip").fetchone()[0]
            if self._columns is not None and (count, located) == (
                self._count,
                self._located,
            ):
                return self._columns
            newest = dict(
                connection.execute(
                    "SELECT instance, max(row_id) FROM plays GROUP BY instance"
                ).fetchall()
            )
            added = count - self._count
            if (
                self._columns is None
                or located != self._located
                or added < 0
                or any(newest.get(name, -1) < top for name, top in self._newest.items())
            ):
                self._builder = ColumnsBuilder()
                rows: Iterable[tuple[Any, ...]] = connection.execute(_PLAYS)
            else:
                rows = _newer_plays(connection, self._newest, newest)
            columns = self._builder.extend(_play_rows(rows))
            if self._columns is not None and len(columns) != count:
                # Rows changed under an unchanged count: read everything again.
                self._builder = ColumnsBuilder()
                columns = self._builder.extend(_play_rows(connection.execute(_PLAYS)))
            self._columns, self._count, self._located = columns, count, located
            self._newest = newest
            return columns


def _newer_plays(
    connection: sqlite3.Connection, known: dict[str, int], newest: dict[str, int]
) -> Iterator[tuple[Any, ...]]:
    """Yield the plays each instance synced after the newest row already loaded."""
    for instance in newest:
        yield from connection.execute(
            _PLAYS + " WHERE p.instance = ? AND p.row_id > ?",
            (instance, known.get(instance, -1)),
        )


def _play_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[PlayRow]:
    """Turn database rows into the engine's plays."""
    for (
        instance,
        _,
        started,
        stopped,
        seconds,
        user,
        media_type,
        identity_type,
        tmdb_id,
        rating_key,
        grandparent_key,
        title,
        grandparent_title,
        year,
        watched,
        decision,
        video,
        audio,
        player,
        resolution,
        bandwidth,
        location,
        country,
        city,
    ) in rows:
        episode = media_type == "episode"
        if tmdb_id is not None:
            title_key = f"{identity_type}:{tmdb_id}"
        else:
            title_key = f"{instance}:{grandparent_key if episode else rating_key}"
        name = str(grandparent_title if episode and grandparent_title else title)
        if not episode and year:
            name = f"{name} ({year})"
        yield PlayRow(
            started=int(started or 0),
            stopped=int(stopped or started or 0),
            seconds=int(seconds or 0),
            user=str(user),
            media_type=str(media_type),
            library="TV" if episode else "Movies" if media_type == "movie" else "Other",
            title_key=title_key,
            title=name,
            item=f"{instance}:{rating_key}",
            watched=float(watched or 0) >= 1,
            decision=decision,
            video_decision=video,
            audio_decision=audio,
            player=str(player or "unknown"),
            resolution=resolution,
            bandwidth=bandwidth,
            place="lan"
            if location != "wan"
            else (str(country), str(city))
            if country is not None
            else None,
        )


def unlocated_addresses(connection: sqlite3.Connection, limit: int) -> list[str]:
    """Return WAN addresses of plays that have not been looked up yet."""
    return [
        address
        for (address,) in connection.execute(
            """
            SELECT DISTINCT p.ip_address FROM plays AS p
            WHERE p.location = 'wan' AND p.ip_address IS NOT NULL AND p.ip_address != ''
              AND NOT EXISTS (SELECT 1 FROM geoip AS g WHERE g.ip_address = p.ip_address)
            LIMIT ?
            """,
            (limit,),
        )
    ]


def save_locations(
    connection: sqlite3.Connection, locations: dict[str, tuple[str, str]]
) -> None:
    """Remember where addresses are (country, city); "unknown" when the lookup had none."""
    now = int(time.time())
    connection.executemany(
        "INSERT OR REPLACE INTO geoip (ip_address, country, city, looked_up)"
        " VALUES (?, ?, ?, ?)",
        [
            (address, country, city, now)
            for address, (country, city) in locations.items()
        ],
    )


def request_facts(connection: sqlite3.Connection) -> list[RequestFacts]:
    """Return every request with its requester's name and what they watched of it since."""
    facts = []
    for (
        status,
        media_status,
        created,
        updated,
        available,
        name,
        genres,
        plays,
        finished,
        user_id,
    ) in connection.execute(
        """
        WITH linked AS (
            SELECT overseerr_user_id, min(user_id) AS user_id,
                   min(coalesce(friendly_name, username)) AS name
            FROM users WHERE overseerr_user_id IS NOT NULL GROUP BY overseerr_user_id
        )
        SELECT r.status, r.media_status, r.created, r.updated,
               r.available,
               coalesce(
                   k.name, o.display_name, o.username, CAST(r.requested_by AS TEXT)
               ),
               coalesce(
                   (SELECT nullif(l.genres, '[]') FROM library AS l
                    WHERE l.media_type = r.media_type AND l.tmdb_id = r.tmdb_id
                    LIMIT 1),
                   (SELECT json_extract(t.data, '$.genres') FROM tmdb_titles AS t
                    WHERE t.media_type = r.media_type AND t.tmdb_id = r.tmdb_id)
               ),
               (SELECT count(*) FROM plays AS p
                WHERE p.identity_type = r.media_type AND p.tmdb_id = r.tmdb_id
                  AND +p.user_id = k.user_id AND p.started >= r.created),
               (SELECT count(*) FROM plays AS p
                WHERE p.identity_type = r.media_type AND p.tmdb_id = r.tmdb_id
                  AND +p.user_id = k.user_id AND p.started >= r.created
                  AND p.watched_status >= 1),
               k.user_id
        FROM requests AS r
        LEFT JOIN overseerr_users AS o
          ON o.instance = r.instance AND o.user_id = r.requested_by
        LEFT JOIN linked AS k ON k.overseerr_user_id = r.requested_by
        """
    ):
        state = _REQUEST_STATUS.get(status, "failed")
        if state == "approved" and media_status == _AVAILABLE:
            state = "available"
        facts.append(
            RequestFacts(
                user=str(name),
                created=int(created or 0),
                status=state,
                decided=None if state == "pending" else updated,
                available=available,
                genres=tuple(json.loads(genres)) if genres else (),
                plays=int(plays),
                finished=bool(finished),
                user_id=user_id,
            )
        )
    return facts
