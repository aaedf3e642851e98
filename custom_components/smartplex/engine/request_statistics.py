"""Request statistics: counts, approval and decline rates, time to available, watch ratios, genres."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from .play_columns import share_of


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFacts:
    """One request, who made it and what came of it (watched by its requester after it was made)."""

    user: str  # the requester's name
    created: int
    status: str  # pending, approved, declined, available, failed
    decided: int | None
    available: int | None
    genres: tuple[str, ...]
    plays: int  # by the requester, after the request
    finished: bool  # one of those plays watched to the end
    user_id: int | None = None  # the requester's Tautulli user, when linked


def request_statistics(
    requests: Sequence[RequestFacts], start: int, end: int, limit: int
) -> dict[str, Any]:
    """Return requests per user, approval and decline rates, time to available, watch ratios, genres."""
    made = [request for request in requests if start <= request.created < end]
    per_user: dict[str, list[RequestFacts]] = {}
    for request in made:
        per_user.setdefault(request.user, []).append(request)
    hours = [
        (request.available - request.created) / 3600
        for request in made
        if request.available is not None and request.available >= request.created
    ]
    users = [
        {"name": name, **_request_counts(own)}
        for name, own in sorted(
            per_user.items(), key=lambda item: (-len(item[1]), item[0])
        )
    ]
    length = end - start
    before = Counter(
        genre
        for request in requests
        if start - length <= request.created < start
        for genre in request.genres
    )
    now = Counter(genre for request in made for genre in request.genres)
    return {
        **_request_counts(made),
        "median_hours_to_available": round(median(hours), 1) if hours else None,
        "by_user": users,
        "trending_genres": [
            {"genre": genre, "requests": count, "before": before.get(genre, 0)}
            for genre, count in sorted(
                now.items(),
                key=lambda item: (
                    -(item[1] - before.get(item[0], 0)),
                    -item[1],
                    item[0],
                ),
            )[:limit]
        ],
    }


def watch_ratios(requests: Sequence[RequestFacts]) -> dict[int, float]:
    """Return, per linked Tautulli user, the percent of their available requests they played."""
    available: Counter[int] = Counter()
    watched: Counter[int] = Counter()
    for request in requests:
        if request.user_id is not None and request.available is not None:
            available[request.user_id] += 1
            watched[request.user_id] += bool(request.plays)
    return {
        user_id: round(100 * watched[user_id] / count, 1)
        for user_id, count in available.items()
    }


def _request_counts(requests: Sequence[RequestFacts]) -> dict[str, Any]:
    """Return counts, approval and decline rates and the request-to-watch ratio of some requests."""
    statuses = Counter(request.status for request in requests)
    approved = statuses.get("approved", 0) + statuses.get("available", 0)
    declined = statuses.get("declined", 0)
    available = [request for request in requests if request.available is not None]
    watched = [request for request in available if request.plays]
    return {
        "requests": len(requests),
        "pending": statuses.get("pending", 0),
        "approved": approved,
        "declined": declined,
        "approval_rate": share_of(approved, approved + declined),
        "decline_rate": share_of(declined, approved + declined),
        "available": len(available),
        "watched": len(watched),
        "finished": sum(request.finished for request in watched),
        "request_to_watch_ratio": share_of(len(watched), len(available)),
    }
