"""Watch statistics: plays, watch time, completion, binges, most watched and re-watched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .play_columns import (
    MEDIA_TYPES,
    TRANSCODE,
    Buckets,
    PlayColumns,
    as_hours,
    share_of,
)

# Episodes of one series by one user, each starting within this many seconds of the
# previous one's end, are watched in a row; this many in a row is a binge.
BINGE_GAP = 1800
BINGE_EPISODES = 3


def watch_statistics(
    plays: PlayColumns, buckets: Buckets, limit: int
) -> dict[str, Any]:
    """Return plays, watch time and completion per bucket, user, library and media type."""
    count = len(plays)
    seconds = plays.seconds.astype(np.float64)
    edges = np.asarray(buckets.series, dtype=np.int64)
    bucket = np.searchsorted(edges, plays.started, side="right") - 1
    slots = len(buckets.labels)
    per_plays = np.bincount(bucket, minlength=slots)[:slots]
    per_seconds = np.bincount(bucket, weights=seconds, minlength=slots)[:slots]
    per_transcodes = np.bincount(bucket[plays.decision == TRANSCODE], minlength=slots)[
        :slots
    ]
    return {
        "plays": count,
        "watch_hours": as_hours(float(seconds.sum())),
        "completion_rate": share_of(int(plays.watched.sum()), count),
        "series": [
            {
                "start": label,
                "plays": int(per_plays[index]),
                "watch_hours": as_hours(float(per_seconds[index])),
                "transcode_share": share_of(
                    int(per_transcodes[index]), int(per_plays[index])
                ),
            }
            for index, label in enumerate(buckets.labels)
        ],
        "by_user": _grouped(plays, plays.user, plays.users),
        "by_library": _grouped(plays, plays.library, plays.libraries),
        "by_media_type": _grouped(plays, plays.media.astype(np.int32), MEDIA_TYPES),
        "binges": _binges(plays, limit),
        "most_watched": _most_watched(plays, limit),
        "most_rewatched": _most_rewatched(plays, limit),
    }


def _grouped(
    plays: PlayColumns,
    codes: NDArray[np.int32],
    labels: Sequence[str],
) -> list[dict[str, Any]]:
    """Return plays, watch hours and completion rate per label, most plays first."""
    size = len(labels)
    counts = np.bincount(codes, minlength=size)
    seconds = np.bincount(
        codes, weights=plays.seconds.astype(np.float64), minlength=size
    )
    watched = np.bincount(codes[plays.watched], minlength=size)
    rows = [
        {
            "name": labels[code],
            "plays": int(counts[code]),
            "watch_hours": as_hours(float(seconds[code])),
            "completion_rate": share_of(int(watched[code]), int(counts[code])),
        }
        for code in np.flatnonzero(counts)
    ]
    rows.sort(key=lambda row: (-row["plays"], row["name"]))
    return rows


def _binge_runs(
    plays: PlayColumns,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """Return the first play and length of each run of one series in a row, and the order.

    A user's plays in start order: an episode continues the run when the previous
    play was an episode of the same series that ended at most BINGE_GAP before it.
    """
    # The plays are in start order, so a stable sort by user orders by (user, start).
    users = plays.user.astype(np.int16) if len(plays.users) < 2**15 else plays.user
    order = np.argsort(users, kind="stable")
    if not len(order):
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, order
    user, title = plays.user[order], plays.title[order]
    episode = plays.media[order] == 1
    gap = plays.started[order][1:] - plays.stopped[order][:-1]
    continues = (
        episode[1:]
        & episode[:-1]
        & (user[1:] == user[:-1])
        & (title[1:] == title[:-1])
        & (gap <= BINGE_GAP)
    )
    starts = np.flatnonzero(np.concatenate(([True], ~continues)))
    lengths = np.diff(np.append(starts, len(order)))
    # Runs of movies are never binges: drop runs that start with one.
    keep = episode[starts]
    return starts[keep], lengths[keep], order


def _binges(plays: PlayColumns, limit: int) -> dict[str, Any]:
    """Return binges: runs of BINGE_EPISODES or more episodes of one series in a row."""
    starts, lengths, order = _binge_runs(plays)
    binge = lengths >= BINGE_EPISODES
    first = order[starts[binge]]
    lengths = lengths[binge]
    by_user = np.bincount(plays.user[first], minlength=len(plays.users))
    by_title = np.bincount(plays.title[first], minlength=len(plays.titles))
    episodes_by_title = np.bincount(
        plays.title[first], weights=lengths, minlength=len(plays.titles)
    )
    top = _top(by_title, plays.titles, limit)
    return {
        "count": int(binge.sum()),
        "episodes": int(lengths.sum()),
        "longest": int(lengths.max()) if len(lengths) else 0,
        "by_user": sorted(
            (
                {"name": plays.users[code], "binges": int(by_user[code])}
                for code in np.flatnonzero(by_user)
            ),
            key=lambda row: (-row["binges"], row["name"]),
        ),
        "top_series": [
            {
                "title": plays.titles[code],
                "binges": int(by_title[code]),
                "episodes": int(episodes_by_title[code]),
            }
            for code in top
        ],
    }


def _top(values: NDArray[Any], labels: Sequence[str], limit: int) -> list[int]:
    """Return the codes of the largest positive values, ties by label, without sorting them all."""
    if not len(values) or limit <= 0:
        return []
    threshold = max(np.partition(values, -min(limit, len(values)))[-limit:].min(), 1)
    candidates = np.flatnonzero(values >= threshold)
    ranked = sorted(
        (int(code) for code in candidates),
        key=lambda code: (-values[code], labels[code]),
    )
    return ranked[:limit]


def _distinct(codes: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the distinct codes and how often each occurs (sorting: faster than np.unique's hash)."""
    ordered = np.sort(codes)
    if not len(ordered):
        return ordered, ordered
    firsts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[firsts], np.diff(np.append(firsts, len(ordered)))


def _most_watched(plays: PlayColumns, limit: int) -> list[dict[str, Any]]:
    """Return the titles with the most plays (a series counts its episodes' plays)."""
    size, users = len(plays.titles), max(1, len(plays.users))
    counts = np.bincount(plays.title, minlength=size)
    seconds = np.bincount(
        plays.title, weights=plays.seconds.astype(np.float64), minlength=size
    )
    pairs, _ = _distinct(plays.title.astype(np.int64) * users + plays.user)
    viewers = np.bincount(pairs // users, minlength=size)
    return [
        {
            "title": plays.titles[code],
            "plays": int(counts[code]),
            "viewers": int(viewers[code]),
            "watch_hours": as_hours(float(seconds[code])),
        }
        for code in _top(counts, plays.titles, limit)
    ]


def _most_rewatched(plays: PlayColumns, limit: int) -> list[dict[str, Any]]:
    """Return the titles most played again by someone who had played that movie or episode."""
    size, users = len(plays.titles), max(1, len(plays.users))
    items = max(1, plays.items)
    # (title, item, user) in one code: an item belongs to one title.
    code = (plays.title.astype(np.int64) * items + plays.item) * users + plays.user
    pairs, counts = _distinct(code)
    again = counts > 1
    titles = pairs[again] // (items * users)
    extra = np.bincount(titles, weights=counts[again] - 1, minlength=size)
    rewatchers, _ = _distinct(titles * users + pairs[again] % users)
    by_title = np.bincount(rewatchers // users, minlength=size)
    return [
        {
            "title": plays.titles[code],
            "rewatches": int(extra[code]),
            "rewatchers": int(by_title[code]),
        }
        for code in _top(extra, plays.titles, limit)
    ]
