"""Every statistic of a period: watch, stream, geography and requests (modules beside this one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .geography_statistics import geography_statistics
from .play_columns import Buckets, PlayColumns, period_slice
from .request_statistics import RequestFacts, request_statistics
from .stream_statistics import quality_statistics
from .watch_statistics import watch_statistics


def report(
    columns: PlayColumns,
    requests: Sequence[RequestFacts],
    buckets: Buckets,
    *,
    user: str | None,
    limit: int,
) -> dict[str, Any]:
    """Return every statistic of a period, for one user (by name) or the household."""
    start, end = int(buckets.days[0]), int(buckets.days[-1])
    plays = period_slice(columns, start, end)
    if user is not None:
        code = columns.users.index(user) if user in columns.users else -1
        plays = plays.select(plays.user == code)
        requests = [request for request in requests if request.user == user]
    return {
        "watch": watch_statistics(plays, buckets, limit),
        "quality": quality_statistics(plays, buckets),
        "geography": geography_statistics(plays, limit),
        "requests": request_statistics(requests, start, end, limit),
    }
