"""Plays held as columns (numpy) for the statistics, and the time buckets they count in.

A year at the large scale is 200,000 plays: per-row Python or one SQL GROUP BY per
statistic is 0.1-0.3 s each on a 2-core machine, so plays are loaded once into
columns (codes into label tables) and every statistic is a vectorised count over the
period's slice. Times are Unix seconds; the caller gives the local bucket boundaries
(days, hours) so the engine never needs a time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
import itertools
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

# Index of each decision in PlayColumns.decision.
DECISIONS = ("direct play", "copy", "transcode", "unknown")
DIRECT_PLAY, DIRECT_STREAM, TRANSCODE, UNKNOWN_DECISION = range(4)
MEDIA_TYPES = ("movie", "episode", "other")
# Place codes beside the looked-up (country, city) pairs.
HOME, UNKNOWN_PLACE = 0, 1


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


def share_of(part: float, whole: float) -> float | None:
    """Return part / whole rounded for reading, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


def as_hours(seconds: float) -> float:
    """Return seconds as hours (two decimals, so a short day still shows)."""
    return round(seconds / 3600, 2)


def period_slice(columns: PlayColumns, start: int, end: int) -> PlayColumns:
    """Return the plays that started in [start, end)."""
    low, high = np.searchsorted(columns.started, (start, end), side="left")
    return columns.select(slice(int(low), int(high)))
