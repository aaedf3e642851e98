"""Cleanup plans: stored when made, claimed once for execution, closed with their result.

These functions run in the executor on the store's connection. A plan's items are
kept as JSON with a SHA-256 digest of them, so a plan edited after it was made is
refused. Claiming moves a plan from `planned` to `executing` in one statement, so
of several executions of one plan exactly one proceeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
import hashlib
import json
import sqlite3
from typing import Any

# Plans older than this are deleted when a new one is stored.
KEEP_DAYS = 90


class PlanStatus(StrEnum):
    """Where a cleanup plan stands."""

    PLANNED = "planned"
    EXECUTING = "executing"
    EXECUTED = "executed"
    # Part of it was removed before a failure or a changed title stopped the rest.
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPlan:
    """A cleanup plan as stored."""

    id: str
    entry_id: str
    created: datetime
    not_before: datetime
    expires: datetime
    status: PlanStatus
    items: list[dict[str, Any]]
    digest: str
    result: dict[str, Any] | None = None

    @property
    def intact(self) -> bool:
        """Return whether the items are still those the plan was made with."""
        return digest(self.items) == self.digest


def digest(items: list[dict[str, Any]]) -> str:
    """Return the SHA-256 of the items' canonical JSON."""
    text = json.dumps(items, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _seconds(moment: datetime) -> int:
    """Return Unix seconds."""
    return int(moment.timestamp())


def save_plan(connection: sqlite3.Connection, plan: StoredPlan) -> None:
    """Store a new plan and drop plans past KEEP_DAYS."""
    connection.execute(
        "DELETE FROM cleanup_plans WHERE created < ?",
        (_seconds(plan.created) - KEEP_DAYS * 86400,),
    )
    connection.execute(
        "INSERT INTO cleanup_plans (id, entry_id, created, not_before, expires, status,"
        " items, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            plan.id,
            plan.entry_id,
            _seconds(plan.created),
            _seconds(plan.not_before),
            _seconds(plan.expires),
            plan.status,
            json.dumps(plan.items, sort_keys=True),
            plan.digest,
        ),
    )


def load_plan(connection: sqlite3.Connection, plan_id: str) -> StoredPlan | None:
    """Return a stored plan, None if there is no such plan."""
    row = connection.execute(
        "SELECT id, entry_id, created, not_before, expires, status, items, digest,"
        " result FROM cleanup_plans WHERE id = ?",
        (plan_id,),
    ).fetchone()
    return None if row is None else _plan(row)


def plans_in_grace(
    connection: sqlite3.Connection, entry_id: str, now: datetime
) -> list[StoredPlan]:
    """Return a hub's plans still in their grace period (their titles leave soon), soonest first."""
    rows = connection.execute(
        "SELECT id, entry_id, created, not_before, expires, status, items, digest,"
        " result FROM cleanup_plans WHERE entry_id = ? AND status = ? AND not_before > ?"
        " ORDER BY not_before",
        (entry_id, PlanStatus.PLANNED, _seconds(now)),
    ).fetchall()
    return [_plan(row) for row in rows]


def _plan(row: tuple[Any, ...]) -> StoredPlan:
    """Return a plan from its row."""
    when = datetime.fromtimestamp
    return StoredPlan(
        id=row[0],
        entry_id=row[1],
        created=when(row[2], UTC),
        not_before=when(row[3], UTC),
        expires=when(row[4], UTC),
        status=PlanStatus(row[5]),
        items=json.loads(row[6]),
        digest=row[7],
        result=json.loads(row[8]) if row[8] else None,
    )


def claim_plan(connection: sqlite3.Connection, plan_id: str) -> bool:
    """Move a planned plan to executing; False when another execution has it."""
    cursor = connection.execute(
        "UPDATE cleanup_plans SET status = ? WHERE id = ? AND status = ?",
        (PlanStatus.EXECUTING, plan_id, PlanStatus.PLANNED),
    )
    return cursor.rowcount == 1


def finish_plan(
    connection: sqlite3.Connection,
    plan_id: str,
    status: PlanStatus,
    result: dict[str, Any],
    finished: datetime,
) -> None:
    """Record how an execution ended."""
    connection.execute(
        "UPDATE cleanup_plans SET status = ?, result = ?, finished = ? WHERE id = ?",
        (status, json.dumps(result, sort_keys=True), _seconds(finished), plan_id),
    )
