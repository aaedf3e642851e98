"""Where each sync stands (sync_state) and what each run did (sync_log).

A sync's state is written in the same transaction as the rows it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import sqlite3

# A log row is kept this long, and at most this many rows in all.
LOG_RETENTION_DAYS = 30
LOG_MAX_ROWS = 2000


@dataclass(frozen=True, slots=True)
class SyncState:
    """Where one kind of sync of one service stands."""

    cursor: int | None = None
    full_done: bool = False
    total: int | None = None
    done: int = 0
    failures: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class SyncLogEntry:
    """One sync run: what ran, when, rows added or changed, and its error."""

    instance: str
    service: str
    kind: str
    started: datetime
    finished: datetime
    added: int
    changed: int
    status: str
    error: str | None = None


def get_state(connection: sqlite3.Connection, instance: str, kind: str) -> SyncState:
    """Return where a sync stands (a new one when it never ran)."""
    row = connection.execute(
        "SELECT cursor, full_done, total, done, failures, last_error FROM sync_state"
        " WHERE instance = ? AND kind = ?",
        (instance, kind),
    ).fetchone()
    if row is None:
        return SyncState()
    cursor, full_done, total, done, failures, last_error = row
    return SyncState(cursor, bool(full_done), total, done, failures, last_error)


def set_state(
    connection: sqlite3.Connection,
    instance: str,
    kind: str,
    state: SyncState,
    now: int,
) -> None:
    """Record where a sync stands."""
    connection.execute(
        "INSERT OR REPLACE INTO sync_state (instance, kind, cursor, full_done, total,"
        " done, failures, last_error, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            instance,
            kind,
            state.cursor,
            int(state.full_done),
            state.total,
            state.done,
            state.failures,
            state.last_error,
            now,
        ),
    )


def delete_state(connection: sqlite3.Connection, instance: str, kind: str) -> None:
    """Forget where one sync stands (a rebuild starts over)."""
    connection.execute(
        "DELETE FROM sync_state WHERE instance = ? AND kind = ?", (instance, kind)
    )


def add_log(connection: sqlite3.Connection, entry: SyncLogEntry) -> None:
    """Record a sync run and drop the rows past retention."""
    connection.execute(
        "INSERT INTO sync_log (instance, service, kind, started, finished, added,"
        " changed, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.instance,
            entry.service,
            entry.kind,
            int(entry.started.timestamp()),
            int(entry.finished.timestamp()),
            entry.added,
            entry.changed,
            entry.status,
            entry.error,
        ),
    )
    oldest = int(entry.finished.timestamp()) - LOG_RETENTION_DAYS * 86_400
    connection.execute(
        "DELETE FROM sync_log WHERE started < ? OR id <= (SELECT MAX(id) FROM sync_log)"
        " - ?",
        (oldest, LOG_MAX_ROWS),
    )


def read_log(
    connection: sqlite3.Connection,
    *,
    instance: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[SyncLogEntry]:
    """Return the newest sync runs first, of one instance or kind if given."""
    fromtimestamp = datetime.fromtimestamp
    return [
        SyncLogEntry(
            instance=row_instance,
            service=service,
            kind=row_kind,
            started=fromtimestamp(started, UTC),
            finished=fromtimestamp(finished, UTC),
            added=added,
            changed=changed,
            status=status,
            error=error,
        )
        for (
            row_instance,
            service,
            row_kind,
            started,
            finished,
            added,
            changed,
            status,
            error,
        ) in connection.execute(
            "SELECT instance, service, kind, started, finished, added, changed,"
            " status, error FROM sync_log WHERE (? IS NULL OR instance = ?)"
            " AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?",
            (instance, instance, kind, kind, limit),
        )
    ]
