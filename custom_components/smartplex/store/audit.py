"""The audit trail: every write SmartPlex makes upstream, in two steps.

A pending row is written before the write, its outcome after. These functions run
in the executor on the store's connection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
import json
import sqlite3
from typing import Any

from homeassistant.util import dt as dt_util

SELECT_AUDIT = (
    "SELECT id, time, action, target, details, source, user_id, status, error,"
    " finished FROM audit"
)


class AuditStatus(StrEnum):
    """Where an audited write stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    # Cancelled or killed while the upstream write was in flight: check the service.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One write SmartPlex made or tried, who asked for it and through which surface."""

    time: datetime
    action: str
    target: str
    details: dict[str, Any]
    source: str
    user_id: str | None
    status: AuditStatus = AuditStatus.PENDING
    error: str | None = None
    finished: datetime | None = None
    id: int | None = None


def reconcile(connection: sqlite3.Connection) -> list[AuditRecord]:
    """Mark writes left pending by a killed process as unknown and return them."""
    pending = _records(
        connection.execute(
            f"{SELECT_AUDIT} WHERE status = ? ORDER BY id", (AuditStatus.PENDING,)
        )
    )
    if pending:
        connection.execute(
            "UPDATE audit SET status = ?, finished = ? WHERE status = ?",
            (AuditStatus.UNKNOWN, dt_util.utcnow().isoformat(), AuditStatus.PENDING),
        )
    return [replace(record, status=AuditStatus.UNKNOWN) for record in pending]


def begin(connection: sqlite3.Connection, record: AuditRecord) -> int:
    """Record a write about to be made (pending) and return its id."""
    cursor = connection.execute(
        "INSERT INTO audit (time, action, target, details, source, user_id,"
        " status) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record.time.isoformat(),
            record.action,
            record.target,
            _json(record.details),
            record.source,
            record.user_id,
            record.status,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def finish(
    connection: sqlite3.Connection,
    audit_id: int,
    status: AuditStatus,
    details: dict[str, Any] | None,
    error: str | None,
) -> None:
    """Record the outcome of a write (and its final details)."""
    connection.execute(
        "UPDATE audit SET status = ?, error = ?, finished = ?,"
        " details = COALESCE(?, details) WHERE id = ?",
        (
            status,
            error,
            dt_util.utcnow().isoformat(),
            None if details is None else _json(details),
            audit_id,
        ),
    )


def newest(connection: sqlite3.Connection, limit: int) -> list[AuditRecord]:
    """Return the newest audit records first."""
    return _records(
        connection.execute(f"{SELECT_AUDIT} ORDER BY id DESC LIMIT ?", (limit,))
    )


def page(
    connection: sqlite3.Connection,
    limit: int,
    offset: int = 0,
    actions: tuple[str, ...] = (),
) -> tuple[list[AuditRecord], int]:
    """Return a page of the newest records (of some actions only) and how many there are."""
    where = f" WHERE action IN ({', '.join('?' * len(actions))})" if actions else ""
    total: int = connection.execute(
        f"SELECT COUNT(*) FROM audit{where}",  # noqa: S608
        actions,
    ).fetchone()[0]
    records = _records(
        connection.execute(
            f"{SELECT_AUDIT}{where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*actions, limit, offset),
        )
    )
    return records, total


def _json(details: dict[str, Any]) -> str:
    """Return details as JSON (datetimes and other values as text)."""
    return json.dumps(details, sort_keys=True, default=str)


def _records(cursor: sqlite3.Cursor) -> list[AuditRecord]:
    """Return audit rows as records."""
    return [
        AuditRecord(
            id=row_id,
            time=datetime.fromisoformat(time),
            action=action,
            target=target,
            details=json.loads(details),
            source=source,
            user_id=user_id,
            status=AuditStatus(status),
            error=error,
            finished=datetime.fromisoformat(finished) if finished else None,
        )
        for (
            row_id,
            time,
            action,
            target,
            details,
            source,
            user_id,
            status,
            error,
            finished,
        ) in cursor.fetchall()
    ]


def count_since(
    connection: sqlite3.Connection,
    action: str,
    source: str,
    since: datetime,
) -> int:
    """Return how many writes of an action from one source succeeded since a time."""
    row = connection.execute(
        "SELECT COUNT(*) FROM audit WHERE action = ? AND source = ? AND status = ?"
        " AND time >= ?",
        (action, source, AuditStatus.DONE, since.isoformat()),
    ).fetchone()
    return int(row[0])


def count_all_since(
    connection: sqlite3.Connection, action: str, since: datetime
) -> int:
    """Return how many writes of an action succeeded since a time, whoever made them."""
    row = connection.execute(
        "SELECT COUNT(*) FROM audit WHERE action = ? AND status = ? AND time >= ?",
        (action, AuditStatus.DONE, since.isoformat()),
    ).fetchone()
    return int(row[0])


def done_since(
    connection: sqlite3.Connection,
    action: str,
    source: str,
    since: datetime,
) -> list[AuditRecord]:
    """Return the writes of an action from one source that succeeded since a time, newest first."""
    return _records(
        connection.execute(
            f"{SELECT_AUDIT} WHERE action = ? AND source = ? AND status = ?"
            " AND time >= ? ORDER BY id DESC",
            (action, source, AuditStatus.DONE, since.isoformat()),
        )
    )
