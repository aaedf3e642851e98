"""Request analytics: pending age, approvals by policy and by hand, what auto-approvals became."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.smartplex.engine.models import (
    Identity,
    RequestRecord,
    RequestStatus,
)
from custom_components.smartplex.engine.triage_analytics import (
    DecisionRecord,
    auto_approvals,
    request_analytics,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def request(
    request_id: int, status: RequestStatus, days_ago: float, user: str = "1"
) -> RequestRecord:
    """Return a request of movie <request_id> made some days ago."""
    return RequestRecord(
        request_id=request_id,
        identity=Identity("movie", request_id),
        requested_by=user,
        created=NOW - timedelta(days=days_ago),
        status=status,
    )


def decided(
    request_id: int, outcome: str, policy: str = "score_approve", user: str = "1"
) -> DecisionRecord:
    """Return an applied decision on request <request_id>."""
    return DecisionRecord(
        request_id=request_id,
        identity=Identity("movie", request_id),
        requested_by=user,
        action="approve" if outcome == "approved" else "hold",
        policy=policy,
        score=8.5,
        features={"quality": 8.0},
        reason="Approved: it scores 8.5 for you.",
        source="autopilot",
        decided=NOW - timedelta(days=request_id),
        outcome=outcome,
    )


def test_pending_age_and_approvals_by_policy_and_by_hand() -> None:
    """Pending requests' ages; approvals SmartPlex applied versus the rest, by rule."""
    requests = [
        request(1, RequestStatus.PENDING, 1),
        request(2, RequestStatus.PENDING, 4),
        request(3, RequestStatus.PENDING, 10),
        request(4, RequestStatus.APPROVED, 5),
        request(5, RequestStatus.AVAILABLE, 20),
        request(6, RequestStatus.AVAILABLE, 30),
        request(7, RequestStatus.DECLINED, 2),
    ]
    decisions = [
        decided(4, "approved"),
        decided(5, "approved", policy="favourite_genre"),
        decided(7, "declined", policy="score_decline"),
        decided(1, "held", policy="score_hold"),
    ]
    result = request_analytics(requests, decisions, {}, NOW)
    assert result["pending"] == {"count": 3, "oldest_days": 10.0, "median_days": 4.0}
    assert result["approvals"] == {
        "by_policy": 2,
        "by_hand": 1,
        "by_rule": {"favourite_genre": 1, "score_approve": 1},
    }
    assert result["declines_by_policy"] == 1


def test_auto_approved_requests_then_watched() -> None:
    """Of auto-approved requests now available, how many their requesters played and finished."""
    requests = [
        request(1, RequestStatus.AVAILABLE, 10),
        request(2, RequestStatus.AVAILABLE, 10),
        request(3, RequestStatus.AVAILABLE, 10, user="2"),
        request(4, RequestStatus.APPROVED, 10),
    ]
    decisions = [
        decided(1, "approved"),
        decided(2, "approved"),
        decided(3, "approved", user="2"),
        decided(4, "approved"),
    ]
    played = {
        "1": {Identity("movie", 1): True, Identity("movie", 2): False},
        # Someone else watching it does not count for the requester.
        "3": {Identity("movie", 3): True},
    }
    result = request_analytics(requests, decisions, played, NOW)
    assert result["auto_approved_then"] == {
        "available": 3,
        "watched": 2,
        "finished": 1,
        "watch_ratio": 0.667,
    }


def test_nothing_yet() -> None:
    """No requests and no decisions: counts of zero, no ages or ratios."""
    result = request_analytics([], [], {}, NOW)
    assert result["pending"] == {"count": 0, "oldest_days": None, "median_days": None}
    assert result["auto_approved_then"]["watch_ratio"] is None


def test_auto_approvals_are_the_approved_outcomes_per_person() -> None:
    """Caps count only what SmartPlex did approve, per requester."""
    decisions = [
        decided(1, "approved"),
        decided(2, "held"),
        decided(3, "approved", user="2"),
        decided(4, "untouched"),
    ]
    assert auto_approvals(decisions) == {
        "1": [NOW - timedelta(days=1)],
        "2": [NOW - timedelta(days=3)],
    }
