"""Watch, stream and geography statistics over plays held as columns (numpy), and request statistics.

A year at the large scale is 200,000 plays: per-row Python or one SQL GROUP BY per
statistic is 0.1-0.3 s each on a 2-core machine, so plays are loaded once into
columns (codes into label tables) and every statistic is a vectorised count over the
period's slice. Times are Unix seconds; the caller gives the local bucket boundaries
(days, hours) so the engine never needs a time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
import itertools
from statistics import median
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

# Index of each decision in PlayColumns.decision.
DECISIONS = ("direct play", "copy", "transcode", "unknown")
DIRECT_PLAY, DIRECT_STREAM, TRANSCODE, UNKNOWN_DECISION = range(4)
MEDIA_TYPES = ("movie", "episode", "other")
# Place codes beside the looked-up (country, city) pairs.
HOME, UNKNOWN_PLACE = 0, 1
# Episodes of one series by one user, each starting within this many seconds of the
# previous one's end, are watched in a row; this many in a row is a binge.
BINGE_GAP = 1800
BINGE_EPISODES = 3


class PlayRow(NamedTuple):
    """One play as the store reads it (labels as text; the builder turns them into codes)."""

    started: int
    stopped: int
    seconds: int
    user: str
    media_type: str
    library: str
    title_key: str  # one per movie or series (its identity or rating key)
    title: str
    item: str  # the movie or episode played
    watched: bool
    decision: str | None
    video_decision: str | None
    audio_decision: str | None
    player: str
    resolution: str | None
    bandwidth: int | None
    # "lan", or the (country, city) of a WAN address, or None when not looked up yet.
    place: str | tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class PlayColumns:
    """Plays sorted by start time as parallel arrays, with the label tables their codes index."""

    started: NDArray[np.int64]
    stopped: NDArray[np.int64]
    seconds: NDArray[np.int64]
    user: NDArray[np.int32]
    media: NDArray[np.int8]
    library: NDArray[np.int32]
    title: NDArray[np.int32]
    item: NDArray[np.int32]
    watched: NDArray[np.bool_]
    decision: NDArray[np.int8]
    video_transcode: NDArray[np.bool_]
    audio_transcode: NDArray[np.bool_]
    player: NDArray[np.int32]
    resolution: NDArray[np.int32]
    bandwidth: NDArray[np.int64]
    place: NDArray[np.int32]
    users: tuple[str, ...]
    libraries: tuple[str, ...]
    titles: tuple[str, ...]
    items: int
    players: tuple[str, ...]
    resolutions: tuple[str, ...]
    places: tuple[tuple[str, str], ...]

    def __len__(self) -> int:
        """Return the number of plays."""
        return len(self.started)

    def select(self, rows: slice | NDArray[np.bool_] | NDArray[np.intp]) -> PlayColumns:
        """Return the chosen plays with the same label tables."""
        return PlayColumns(
            **{name: getattr(self, name)[rows] for name in _ARRAYS},
            **{name: getattr(self, name) for name in _LABELS},
        )


_ARRAYS = (
    "started",
    "stopped",
    "seconds",
    "user",
    "media",
    "library",
    "title",
    "item",
    "watched",
    "decision",
    "video_transcode",
    "audio_transcode",
    "player",
    "resolution",
    "bandwidth",
    "place",
)
_LABELS = (
    "users",
    "libraries",
    "titles",
    "items",
    "players",
    "resolutions",
    "places",
)
_DTYPES: dict[str, type[np.generic]] = {
    "started": np.int64,
    "stopped": np.int64,
    "seconds": np.int64,
    "user": np.int32,
    "media": np.int8,
    "library": np.int32,
    "title": np.int32,
    "item": np.int32,
    "watched": np.bool_,
    "decision": np.int8,
    "video_transcode": np.bool_,
    "audio_transcode": np.bool_,
    "player": np.int32,
    "resolution": np.int32,
    "bandwidth": np.int64,
    "place": np.int32,
}


@dataclass(slots=True)
class _Labels:
    """Text labels interned to codes in first-seen order."""

    codes: dict[Any, int] = field(default_factory=dict)

    def code(self, label: Any) -> int:
        """Return the label's code, giving it the next one when new."""
        code = self.codes.get(label)
        if code is None:
            code = self.codes[label] = len(self.codes)
        return code

    def labels(self) -> tuple[Any, ...]:
        """Return the labels in code order."""
        return tuple(self.codes)


class ColumnsBuilder:
    """Turns plays into columns and keeps its label tables, so later plays extend them."""

    def __init__(self) -> None:
        """Start with no plays."""
        self._users, self._libraries, self._titles = _Labels(), _Labels(), _Labels()
        self._items, self._players, self._resolutions = _Labels(), _Labels(), _Labels()
        self._places = _Labels()
        self._places.code(("home", "home"))
        self._places.code(("unknown", "unknown"))
        self._title_names: dict[str, str] = {}
        self._arrays = {
            name: np.zeros(0, dtype=dtype) for name, dtype in _DTYPES.items()
        }

    def extend(self, rows: Iterable[PlayRow]) -> PlayColumns:
        """Add plays in any order and return all plays so far, sorted by start."""
        values: dict[str, list[Any]] = {name: [] for name in _ARRAYS}
        decisions = {name: code for code, name in enumerate(DECISIONS)}
        media_types = {name: code for code, name in enumerate(MEDIA_TYPES)}
        for row in rows:
            values["started"].append(row.started)
            values["stopped"].append(row.stopped)
            values["seconds"].append(row.seconds)
            values["user"].append(self._users.code(row.user))
            values["media"].append(media_types.get(row.media_type, 2))
            values["library"].append(self._libraries.code(row.library))
            values["title"].append(self._titles.code(row.title_key))
            self._title_names.setdefault(row.title_key, row.title)
            values["item"].append(self._items.code(row.item))
            values["watched"].append(row.watched)
            values["decision"].append(
                decisions.get(row.decision or "", UNKNOWN_DECISION)
            )
            values["video_transcode"].append(row.video_decision == "transcode")
            values["audio_transcode"].append(row.audio_decision == "transcode")
            values["player"].append(self._players.code(row.player))
            values["resolution"].append(
                self._resolutions.code(row.resolution or "unknown")
            )
            values["bandwidth"].append(row.bandwidth or 0)
            place = row.place
            values["place"].append(
                HOME
                if place == "lan"
                else UNKNOWN_PLACE
                if place is None or isinstance(place, str)
                else self._places.code(place)
            )
        arrays = {
            name: np.concatenate(
                (self._arrays[name], np.asarray(values[name], dtype=_DTYPES[name]))
            )
            for name in _ARRAYS
        }
        started = arrays["started"]
        if len(started) and not bool(np.all(started[1:] >= started[:-1])):
            order = np.argsort(started, kind="stable")
            arrays = {name: array[order] for name, array in arrays.items()}
        self._arrays = arrays
        return PlayColumns(
            **arrays,
            users=self._users.labels(),
            libraries=self._libraries.labels(),
            titles=tuple(self._title_names[key] for key in self._titles.labels()),
            items=len(self._items.codes),
            players=self._players.labels(),
            resolutions=self._resolutions.labels(),
            places=self._places.labels(),
        )


def columns_from_rows(rows: Iterable[PlayRow]) -> PlayColumns:
    """Return plays in any order as columns sorted by start."""
    return ColumnsBuilder().extend(rows)


@dataclass(frozen=True, slots=True, kw_only=True)
class Buckets:
    """Local time boundaries of a period: the caller works them out in its time zone."""

    # Start of each series bucket (day, week or month) and the period's end, ascending.
    series: Sequence[int]
    # Start of each local day of the period and the period's end.
    days: Sequence[int]
    # Start of each local hour of the period (and the end), with its hour of the day.
    hours: Sequence[int]
    hour_of_day: Sequence[int]
    labels: Sequence[str]  # one per series bucket
    day_labels: Sequence[str]  # one per day


GROUPINGS = ("day", "week", "month")


def make_buckets(start: date, end: date, group_by: str, zone: tzinfo) -> Buckets:
    """Return the local boundaries of the days start..end (inclusive) in a time zone."""
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 2)]
    midnights = [int(datetime.combine(day, time(), zone).timestamp()) for day in days]
    firsts = [
        index
        for index, day in enumerate(days[:-1])
        if index == 0
        or group_by == "day"
        or (group_by == "week" and day.weekday() == 0)
        or (group_by == "month" and day.day == 1)
    ]
    hours: list[int] = []
    hour_of_day: list[int] = []
    for midnight, following in itertools.pairwise(midnights):
        day_hours = range(midnight, following, 3600)
        hours.extend(day_hours)
        # Only the two daylight-saving days are not 0..23.
        hour_of_day.extend(
            range(24)
            if len(day_hours) == 24
            else (datetime.fromtimestamp(moment, zone).hour for moment in day_hours)
        )
    return Buckets(
        series=[midnights[index] for index in firsts] + [midnights[-1]],
        labels=[days[index].isoformat() for index in firsts],
        days=midnights,
        day_labels=[day.isoformat() for day in days[:-1]],
        hours=[*hours, midnights[-1]],
        hour_of_day=[*hour_of_day, 0],
    )


def _share(part: float, whole: float) -> float | None:
    """Return part / whole rounded for reading, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


def _hours(seconds: float) -> float:
    """Return seconds as hours (two decimals, so a short day still shows)."""
    return round(seconds / 3600, 2)


def period_slice(columns: PlayColumns, start: int, end: int) -> PlayColumns:
    """Return the plays that started in [start, end)."""
    low, high = np.searchsorted(columns.started, (start, end), side="left")
    return columns.select(slice(int(low), int(high)))


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
        "watch_hours": _hours(float(seconds.sum())),
        "completion_rate": _share(int(plays.watched.sum()), count),
        "series": [
            {
                "start": label,
                "plays": int(per_plays[index]),
                "watch_hours": _hours(float(per_seconds[index])),
                "transcode_share": _share(
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
            "watch_hours": _hours(float(seconds[code])),
            "completion_rate": _share(int(watched[code]), int(counts[code])),
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
            "watch_hours": _hours(float(seconds[code])),
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


def quality_statistics(plays: PlayColumns, buckets: Buckets) -> dict[str, Any]:
    """Return direct play / direct stream / transcode shares, reasons, bandwidth and concurrency."""
    count = len(plays)
    decisions = np.bincount(plays.decision, minlength=len(DECISIONS))
    transcodes = plays.decision == TRANSCODE
    peaks = concurrency(plays, buckets)
    return {
        "plays": count,
        "direct_play_share": _share(int(decisions[DIRECT_PLAY]), count),
        "direct_stream_share": _share(int(decisions[DIRECT_STREAM]), count),
        "transcode_share": _share(int(decisions[TRANSCODE]), count),
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
                "direct_play_share": _share(int(table[code, DIRECT_PLAY]), total),
                "direct_stream_share": _share(int(table[code, DIRECT_STREAM]), total),
                "transcode_share": _share(int(table[code, TRANSCODE]), total),
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


def geography_statistics(plays: PlayColumns, limit: int) -> dict[str, Any]:
    """Return plays at home and away, by country and by city (looked-up WAN addresses only)."""
    counts = np.bincount(plays.place, minlength=len(plays.places))
    countries: dict[str, int] = {}
    cities: list[dict[str, Any]] = []
    for code in np.flatnonzero(counts[2:]) + 2:
        country, city = plays.places[code]
        countries[country] = countries.get(country, 0) + int(counts[code])
        cities.append({"country": country, "city": city, "plays": int(counts[code])})
    cities.sort(key=lambda row: (-row["plays"], row["country"], row["city"]))
    return {
        "home_plays": int(counts[HOME]),
        "away_plays": int(counts[2:].sum()),
        "not_located": int(counts[UNKNOWN_PLACE]),
        "by_country": [
            {"country": country, "plays": plays_count}
            for country, plays_count in sorted(
                countries.items(), key=lambda item: (-item[1], item[0])
            )
        ][:limit],
        "by_city": cities[:limit],
    }


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
        "approval_rate": _share(approved, approved + declined),
        "decline_rate": _share(declined, approved + declined),
        "available": len(available),
        "watched": len(watched),
        "finished": sum(request.finished for request in watched),
        "request_to_watch_ratio": _share(len(watched), len(available)),
    }


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
