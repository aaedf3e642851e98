"""Every triage decision SmartPlex applied: what it decided, why, on which features, what came of it.

The caps count the automatic approvals kept here, and the request analytics read them. A dry
run decides nothing, so it keeps nothing. These functions run in the executor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
import json
import sqlite3

from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.engine.triage_analytics import DecisionRecord


def record_decisions(
    connection: sqlite3.Connection, instance: str, decisions: Iterable[DecisionRecord]
) -> None:
    """Keep applied decisions of one Overseerr instance."""
    connection.executemany(
        "INSERT INTO triage_decisions (instance, request_id, media_type, tmdb_id,"
        " requested_by, action, policy, score, features, reason, source, decided,"
        " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                instance,
                decision.request_id,
                decision.identity.media_type,
                decision.identity.tmdb_id,
                decision.requested_by,
                decision.action,
                decision.policy,
                decision.score,
                json.dumps(dict(decision.features), separators=(",", ":")),
                decision.reason,
                decision.source,
                int(decision.decided.timestamp()),
                decision.outcome,
            )
            for decision in decisions
        ],
    )


def load_decisions(
    connection: sqlite3.Connection, instance: str, since: datetime | None = None
) -> list[DecisionRecord]:
    """Return an instance's decisions (from `since` on), oldest first."""
    return [
        DecisionRecord(
            request_id=request_id,
            identity=Identity(media_type, tmdb_id),
            requested_by=requested_by,
            action=action,
            policy=policy,
            score=score,
            features=json.loads(features),
            reason=reason,
            source=source,
            decided=datetime.fromtimestamp(decided, UTC),
            outcome=outcome,
        )
        for (
            request_id,
            media_type,
            tmdb_id,
            requested_by,
            action,
            policy,
            score,
            features,
            reason,
            source,
            decided,
            outcome,
        ) in connection.execute(
            "SELECT request_id, media_type, tmdb_id, requested_by, action, policy,"
            " score, features, reason, source, decided, outcome FROM triage_decisions"
            " WHERE instance = ? AND decided >= ? ORDER BY decided, id",
            (instance, 0 if since is None else int(since.timestamp())),
        )
    ]
