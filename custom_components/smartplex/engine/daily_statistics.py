"""What a dashboard shows of one day, and the daily series kept as long-term statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .play_columns import TRANSCODE, Buckets, PlayColumns, period_slice
from .stream_statistics import concurrency


@dataclass(frozen=True, slots=True)
class DayTotals:
    """The plays that started in one local day, added up."""

    start: int  # the day's first second (Unix)
    plays: int
    watch_seconds: int
    transcodes: int
    peak_concurrent_streams: int

    @property
    def transcode_share(self) -> float | None:
        """Return the percentage of plays transcoded (None without plays)."""
        return round(100 * self.transcodes / self.plays, 1) if self.plays else None


def daily_totals(columns: PlayColumns, buckets: Buckets) -> list[DayTotals]:
    """Return the totals of each local day of the buckets, in order."""
    days = np.asarray(buckets.days, dtype=np.int64)
    plays = period_slice(columns, int(days[0]), int(days[-1]))
    slots = len(days) - 1
    day = np.searchsorted(days, plays.started, side="right") - 1
    counts = np.bincount(day, minlength=slots)[:slots]
    seconds = np.bincount(day, weights=plays.seconds, minlength=slots)[:slots]
    transcodes = np.bincount(day[plays.decision == TRANSCODE], minlength=slots)[:slots]
    peaks = concurrency(plays, buckets)["concurrent_peaks_by_day"]
    return [
        DayTotals(
            start=int(days[index]),
            plays=int(counts[index]),
            watch_seconds=int(seconds[index]),
            transcodes=int(transcodes[index]),
            peak_concurrent_streams=peaks[index]["streams"],
        )
        for index in range(slots)
    ]
