"""Stream statistics: direct play and transcode shares, bandwidth and concurrent streams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .play_columns import (
    DECISIONS,
    DIRECT_PLAY,
    DIRECT_STREAM,
    TRANSCODE,
    UNKNOWN_DECISION,
    Buckets,
    PlayColumns,
    share_of,
)


def quality_statistics(plays: PlayColumns, buckets: Buckets) -> dict[str, Any]:
    """Return direct play / direct stream / transcode shares, reasons, bandwidth and concurrency."""
    count = len(plays)
    decisions = np.bincount(plays.decision, minlength=len(DECISIONS))
    transcodes = plays.decision == TRANSCODE
    peaks = concurrency(plays, buckets)
    return {
        "plays": count,
        "direct_play_share": share_of(int(decisions[DIRECT_PLAY]), count),
        "direct_stream_share": share_of(int(decisions[DIRECT_STREAM]), count),
        "transcode_share": share_of(int(decisions[TRANSCODE]), count),
        "unknown": int(decisions[UNKNOWN_DECISION]),
        "by_user": _decisions_by(plays, plays.user, plays.users),
        "by_player": _decisions_by(plays, plays.player, plays.players),
        "by_resolution": _decisions_by(plays, plays.resolution, plays.resolutions),
        "transcode_reasons": {
            "video": int((transcodes & plays.video_transcode).sum()),
            "audio": int((transcodes & plays.audio_transcode).sum()),
            "video_and_audio": int(
                (transcodes & plays.video_transcode & plays.audio_transcode).sum()
            ),
        },
        **peaks,
    }


def _decisions_by(
    plays: PlayColumns, codes: NDArray[np.int32], labels: Sequence[str]
) -> list[dict[str, Any]]:
    """Return plays and decision shares per label, most plays first."""
    width = len(DECISIONS)
    table = np.bincount(
        codes.astype(np.int64) * width + plays.decision, minlength=len(labels) * width
    ).reshape(-1, width)
    rows = []
    for code in np.flatnonzero(table.sum(axis=1)):
        total = int(table[code].sum())
        rows.append(
            {
                "name": labels[code],
                "plays": total,
                "direct_play_share": share_of(int(table[code, DIRECT_PLAY]), total),
                "direct_stream_share": share_of(int(table[code, DIRECT_STREAM]), total),
                "transcode_share": share_of(int(table[code, TRANSCODE]), total),
            }
        )
    rows.sort(key=lambda row: (-row["plays"], row["name"]))
    return rows


def concurrency(plays: PlayColumns, buckets: Buckets) -> dict[str, Any]:
    """Return peak concurrent streams and bandwidth, overall, per local day and per hour of day.

    A stream ending in the second another starts is not counted as two at once.
    """
    count = len(plays)
    if not count:
        return {
            "peak_concurrent_streams": 0,
            "peak_bandwidth_mbps": 0.0,
            "concurrent_peaks_by_day": [
                {"date": label, "streams": 0} for label in buckets.day_labels
            ],
            "concurrent_peaks_by_hour": [0] * 24,
        }
    # Plays are in start order: the streams running as play i starts are the i + 1
    # started so far less those stopped by then (a stop at that very second included).
    at = plays.started
    stops = np.maximum(plays.stopped, at)
    stop_order = np.argsort(stops)
    ended = np.searchsorted(stops[stop_order], at, side="right")
    running = np.arange(1, count + 1) - ended
    ended_rate = np.concatenate(([0], np.cumsum(plays.bandwidth[stop_order])))
    bandwidth = np.cumsum(plays.bandwidth) - ended_rate[ended]
    by_day = _segment_max(running, at, buckets.days)
    by_hour = np.zeros(24, np.int64)
    np.maximum.at(
        by_hour,
        np.asarray(buckets.hour_of_day[:-1], np.int64),
        _segment_max(running, at, buckets.hours),
    )
    return {
        "peak_concurrent_streams": int(running.max()),
        "peak_bandwidth_mbps": round(float(bandwidth.max()) / 1000, 1),
        "concurrent_peaks_by_day": [
            {"date": label, "streams": int(by_day[index])}
            for index, label in enumerate(buckets.day_labels)
        ],
        "concurrent_peaks_by_hour": [int(value) for value in by_hour],
    }


def _segment_max(
    values: NDArray[np.int64], at: NDArray[np.int64], edges: Sequence[int]
) -> NDArray[np.int64]:
    """Return the largest value in each [edge, next edge) of times sorted ascending (0 if none)."""
    bounds = np.searchsorted(at, np.asarray(edges, np.int64))
    firsts, ends = bounds[:-1], bounds[1:]
    result = np.zeros(len(firsts), np.int64)
    full = firsts < ends
    if full.any():
        result[full] = np.maximum.reduceat(values, firsts[full])[: int(full.sum())]
    return result
