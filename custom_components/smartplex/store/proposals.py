"""Proposals of the AI helper: writes an ask proposed, kept until confirmed or expired.

These functions run in the executor on the store's connection, each in one transaction.
Taking a proposal moves it from `proposed` to `confirmed` in one statement, so of two
confirmations exactly one gets it; a proposal past its expiry is marked `expired`.
Either change writes its audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
import json
import sqlite3
from typing import Any

from . import audit
from .audit import AuditRecord, AuditStatus

# Confirmed and expired proposals older than this are deleted when a new one is stored.
KEEP_DAYS = 90
SOURCE_EXPIRY = "expiry"
SELECT_PROPOSAL = (
    "SELECT id, entry_id, user_id, question, actions, created, expires, status"
    " FROM proposals"
)


class ProposalStatus(StrEnum):
    """Where a proposal stands."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ProposedAction:
    """One write the LLM proposed: the action, its checked arguments and what it does."""

    action: str
    arguments: dict[str, Any]
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """Writes proposed by one ask, waiting for the user who asked to confirm them."""

    id: str
    entry_id: str
    user_id: str | None
    question: str
    actions: list[ProposedAction]
    created: datetime
    expires: datetime
    status: ProposalStatus = ProposalStatus.PROPOSED

    def audit_record(
        self, action: str, source: str, user_id: str | None, now: datetime
    ) -> AuditRecord:
        """Return the audit row of this proposal's confirmation or expiry."""
        return AuditRecord(
            time=now,
            action=action,
            target="; ".join(proposed.summary for proposed in self.actions),
            details={
                "proposal_id": self.id,
                "question": self.question,
                "actions": [
                    {"action": p.action, "arguments": p.arguments} for p in self.actions
                ],
            },
            source=source,
            user_id=user_id,
            status=AuditStatus.DONE,
        )


def _seconds(moment: datetime) -> int:
    """Return Unix seconds."""
    return int(moment.timestamp())


def save_proposal(connection: sqlite3.Connection, proposal: Proposal) -> None:
    """Store a new proposal and drop finished ones past KEEP_DAYS."""
    connection.execute(
        "DELETE FROM proposals WHERE status != ? AND created < ?",
        (ProposalStatus.PROPOSED, _seconds(proposal.created) - KEEP_DAYS * 86400),
    )
    connection.execute(
        "INSERT INTO proposals (id, entry_id, user_id, question, actions, created,"
        " expires, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            proposal.id,
            proposal.entry_id,
            proposal.user_id,
            proposal.question,
            json.dumps(
                [
                    {"action": p.action, "arguments": p.arguments, "summary": p.summary}
                    for p in proposal.actions
                ],
                sort_keys=True,
            ),
            _seconds(proposal.created),
            _seconds(proposal.expires),
            proposal.status,
        ),
    )


def take_proposal(
    connection: sqlite3.Connection,
    *,
    proposal_id: str,
    entry_id: str,
    user_id: str | None,
    source: str,
    now: datetime,
) -> Proposal | None:
    """Mark a live proposal of this user confirmed (audited) and return it, else None."""
    cursor = connection.execute(
        "UPDATE proposals SET status = ?, finished = ? WHERE id = ? AND entry_id = ?"
        " AND user_id IS ? AND status = ? AND expires > ?",
        (
            ProposalStatus.CONFIRMED,
            _seconds(now),
            proposal_id,
            entry_id,
            user_id,
            ProposalStatus.PROPOSED,
            _seconds(now),
        ),
    )
    if cursor.rowcount != 1:
        return None
    [proposal] = _proposals(
        connection.execute(f"{SELECT_PROPOSAL} WHERE id = ?", (proposal_id,))
    )
    audit.begin(
        connection, proposal.audit_record("proposal_confirmed", source, user_id, now)
    )
    return proposal


def latest_proposal(
    connection: sqlite3.Connection,
    *,
    entry_id: str,
    user_id: str | None,
    now: datetime,
) -> str | None:
    """Return the id of this user's newest live proposal."""
    row = connection.execute(
        "SELECT id FROM proposals WHERE entry_id = ? AND user_id IS ? AND status = ?"
        " AND expires > ? ORDER BY created DESC, id DESC LIMIT 1",
        (entry_id, user_id, ProposalStatus.PROPOSED, _seconds(now)),
    ).fetchone()
    return row[0] if row else None


def expire_proposals(connection: sqlite3.Connection, now: datetime) -> list[Proposal]:
    """Mark every proposal past its expiry expired (audited) and return them."""
    expired = _proposals(
        connection.execute(
            f"{SELECT_PROPOSAL} WHERE status = ? AND expires <= ? ORDER BY created",
            (ProposalStatus.PROPOSED, _seconds(now)),
        )
    )
    for proposal in expired:
        connection.execute(
            "UPDATE proposals SET status = ?, finished = ? WHERE id = ?",
            (ProposalStatus.EXPIRED, _seconds(now), proposal.id),
        )
        audit.begin(
            connection,
            proposal.audit_record(
                "proposal_expired", SOURCE_EXPIRY, proposal.user_id, now
            ),
        )
    return expired


def _proposals(cursor: sqlite3.Cursor) -> list[Proposal]:
    """Return proposal rows as proposals."""
    when = datetime.fromtimestamp
    return [
        Proposal(
            id=row_id,
            entry_id=entry_id,
            user_id=user_id,
            question=question,
            actions=[ProposedAction(**action) for action in json.loads(actions)],
            created=when(created, UTC),
            expires=when(expires, UTC),
            status=ProposalStatus(status),
        )
        for (
            row_id,
            entry_id,
            user_id,
            question,
            actions,
            created,
            expires,
            status,
        ) in cursor.fetchall()
    ]
