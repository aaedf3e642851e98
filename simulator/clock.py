"""Simulated time: starts at the world's reference time and moves only when told."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache


# Listings format the same release and added dates over and over (strftime was most of
# the time to build a large Radarr's listing).
@lru_cache(maxsize=100_000)
def iso(value: datetime) -> str:
    """Format a datetime as .NET does in JSON (UTC, Z suffix)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """A monotonic simulated clock."""

    def __init__(self, start: datetime) -> None:
        """Start the clock at a reference time."""
        self.start = start
        self.elapsed = 0.0

    def now(self) -> datetime:
        """Return the current simulated time."""
        return self.start + timedelta(seconds=self.elapsed)

    def timestamp(self) -> int:
        """Return the current simulated time as Unix seconds."""
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> None:
        """Move simulated time forward."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.elapsed += seconds
