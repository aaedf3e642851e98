"""Overseerr requests as they are now, and when each reached each state.

A state's time is what Overseerr shows when SmartPlex first sees it: `created` is the
request's creation, `approved`/`declined`/`failed` its last update (the moment of the
decision when SmartPlex polls in between, as it does every 5 minutes; for requests
decided before SmartPlex was installed, possibly a later update), `available` the
media's added date when Overseerr has one. The first time seen is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
import json
import sqlite3

from custom_components.smartplex.api.overseerr_models import (
    MediaStatus,
    OverseerrRequest,
    RequestStatus as OverseerrStatus,
)
from custom_components.smartplex.engine.models import (
    Identity,
    RequestRecord,
    RequestStatus,
)

STATE_CREATED = "created"
DECISIONS = {
    OverseerrStatus.APPROVED: RequestStatus.APPROVED,
    OverseerrStatus.DECLINED: RequestStatus.DECLINED,
    OverseerrStatus.FAILED: RequestStatus.FAILED,
    # Jellyseerr/Seerr: approved, then completed.
    OverseerrStatus.COMPLETED: RequestStatus.APPROVED,
}
AVAILABLE_MEDIA = (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE)


def _seconds(moment: datetime | None) -> int | None:
    """Return a time as Unix seconds."""
    return None if moment is None else int(moment.timestamp())


def _available(request: OverseerrRequest) -> int | None:
    """Return when the requested title became available (None: not yet)."""
    media = request.media
    if media is None:
        return None
    status = media.status_4k if request.is_4k else media.status
    if status not in AVAILABLE_MEDIA:
        return None
    return _seconds(media.media_added_at or request.updated_at)


def write_requests(
    connection: sqlite3.Connection,
    instance: str,
    requests: Iterable[OverseerrRequest],
) -> tuple[int, int]:
    """Store requests and their new states; return (new requests, changed ones)."""
    added = changed = 0
    for request in requests:
        media = request.media
        available = _available(request)
        row = (
            instance,
            request.id,
            request.media_type,
            media.tmdb_id if media else None,
            media.tvdb_id if media else None,
            media.imdb_id if media else None,
            int(request.status),
            media.status if media else None,
            int(request.is_4k),
            json.dumps(request.seasons),
            request.requested_by.id if request.requested_by else None,
            request.modified_by.id if request.modified_by else None,
            _seconds(request.created_at),
            _seconds(request.updated_at),
            available,
        )
        previous = connection.execute(
            "SELECT updated, status, media_status FROM requests"
            " WHERE instance = ? AND request_id = ?",
            (instance, request.id),
        ).fetchone()
        if previous is None:
            added += 1
        elif previous != (row[13], row[6], row[7]):
            changed += 1
        else:
            continue
        connection.execute(
            "INSERT OR REPLACE INTO requests (instance, request_id, media_type,"
            " tmdb_id, tvdb_id, imdb_id, status, media_status, is_4k, seasons,"
            " requested_by, modified_by, created, updated, available)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        states: list[tuple[str, int | None, int | None]] = [
            (STATE_CREATED, row[12], row[10])
        ]
        if decision := DECISIONS.get(OverseerrStatus(request.status)):
            states.append((decision, row[13], row[11]))
        if available is not None:
            states.append((RequestStatus.AVAILABLE, available, None))
        connection.executemany(
            "INSERT OR IGNORE INTO request_history (instance, request_id, state, time,"
            " by_user) VALUES (?, ?, ?, ?, ?)",
            [(instance, request.id, *state) for state in states],
        )
    return added, changed


def delete_instance(connection: sqlite3.Connection, instance: str) -> None:
    """Forget an instance's requests."""
    connection.execute("DELETE FROM requests WHERE instance = ?", (instance,))
    connection.execute("DELETE FROM request_history WHERE instance = ?", (instance,))


def requester_ids(connection: sqlite3.Connection) -> set[int]:
    """Return the Overseerr ids of everyone who made a stored request."""
    return {
        user_id
        for (user_id,) in connection.execute(
            "SELECT DISTINCT requested_by FROM requests WHERE requested_by IS NOT NULL"
        )
    }


def load_requests(connection: sqlite3.Connection) -> list[RequestRecord]:
    """Return every request with a TMDB id as engine snapshots, oldest first.

    `requested_by` is the linked Tautulli user id (the `user_id` of plays) when the
    requester is linked, else `overseerr:<id>`.
    """
    states: dict[tuple[str, int], dict[str, tuple[int | None, int | None]]] = {}
    for instance, request_id, state, time, by_user in connection.execute(
        "SELECT instance, request_id, state, time, by_user FROM request_history"
    ):
        states.setdefault((instance, request_id), {})[state] = (time, by_user)
    records = []
    for (
        instance,
        request_id,
        media_type,
        tmdb_id,
        status,
        seasons,
        requested_by,
        created,
        linked,
    ) in connection.execute(
        "SELECT requests.instance, request_id, media_type, tmdb_id, status, seasons,"
        " requested_by, created, (SELECT MIN(users.user_id) FROM users"
        " WHERE users.overseerr_user_id = requests.requested_by)"
        " FROM requests WHERE tmdb_id IS NOT NULL AND created IS NOT NULL"
        " ORDER BY created, request_id"
    ):
        history = states.get((instance, request_id), {})
        decision = DECISIONS.get(OverseerrStatus(status))
        decided_time, decided_by = (
            history.get(decision, (None, None)) if decision else (None, None)
        )
        available = history.get(RequestStatus.AVAILABLE, (None, None))[0]
        if available is not None:
            current = RequestStatus.AVAILABLE
        elif decision is not None:
            current = decision
        else:
            current = RequestStatus.PENDING
        records.append(
            RequestRecord(
                request_id=request_id,
                identity=Identity(media_type, tmdb_id),
                requested_by=str(linked)
                if linked is not None
                else f"overseerr:{requested_by}",
                created=datetime.fromtimestamp(created, UTC),
                status=current,
                decided=None
                if decided_time is None
                else datetime.fromtimestamp(decided_time, UTC),
                decided_by=None if decided_by is None else f"overseerr:{decided_by}",
                available=None
                if available is None
                else datetime.fromtimestamp(available, UTC),
                seasons=tuple(json.loads(seasons)),
            )
        )
    return records
