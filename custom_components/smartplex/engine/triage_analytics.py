"""Request triage, the analytics: how long requests wait, who approves them, and whether it works.

Approvals by policy are the triage decisions SmartPlex applied; every other approved request was
approved by hand (in Overseerr, or through `approve_request`). An automatically approved request
counts as watched once its requester played it after it was decided. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import statistics

from .models import Identity, RequestRecord, RequestStatus

DAY_SECONDS = 86_400
APPROVED = "approved"
DECLINED = "declined"


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """A triage decision that was applied, kept with its features and reason, and its outcome."""

    request_id: int
    identity: Identity
    requested_by: str
    action: str
    policy: str
    score: float
    features: Mapping[str, float]
    reason: str
    source: str
    decided: datetime
    outcome: str  # approved, declined, held, skipped: ..., untouched


def auto_approvals(decisions: Iterable[DecisionRecord]) -> dict[str, list[datetime]]:
    """Return when SmartPlex approved each person's requests (the caps count these)."""
    approved: dict[str, list[datetime]] = {}
    for decision in decisions:
        if decision.outcome == APPROVED:
            approved.setdefault(decision.requested_by, []).append(decision.decided)
    return approved


def request_analytics(
    requests: Sequence[RequestRecord],
    decisions: Sequence[DecisionRecord],
    played: Mapping[str, Mapping[Identity, bool]],
    now: datetime,
) -> dict[str, object]:
    """Return pending age, approvals by policy and by hand, and what auto-approvals became.

    `played` is each person's titles played (True: finished), as of now.
    """
    pending_days = sorted(
        (now - request.created).total_seconds() / DAY_SECONDS
        for request in requests
        if request.status is RequestStatus.PENDING
    )
    latest = {decision.request_id: decision for decision in decisions}
    by_policy = [
        decision for decision in latest.values() if decision.outcome == APPROVED
    ]
    policy_ids = {decision.request_id for decision in by_policy}
    approved = [
        request
        for request in requests
        if request.status in (RequestStatus.APPROVED, RequestStatus.AVAILABLE)
    ]
    status = {request.request_id: request.status for request in requests}
    available = [
        decision
        for decision in by_policy
        if status.get(decision.request_id) is RequestStatus.AVAILABLE
    ]
    watched = [
        decision
        for decision in available
        if decision.identity in played.get(decision.requested_by, {})
    ]
    finished = [
        decision
        for decision in watched
        if played[decision.requested_by][decision.identity]
    ]
    return {
        "pending": {
            "count": len(pending_days),
            "oldest_days": round(pending_days[-1], 1) if pending_days else None,
            "median_days": round(statistics.median(pending_days), 1)
            if pending_days
            else None,
        },
        "approvals": {
            "by_policy": len(by_policy),
            "by_hand": sum(
                request.request_id not in policy_ids for request in approved
            ),
            "by_rule": dict(sorted(Counter(d.policy for d in by_policy).items())),
        },
        "declines_by_policy": sum(
            decision.outcome == DECLINED for decision in latest.values()
        ),
        "auto_approved_then": {
            "available": len(available),
            "watched": len(watched),
            "finished": len(finished),
            "watch_ratio": round(len(watched) / len(available), 3)
            if available
            else None,
        },
    }
