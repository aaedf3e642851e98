"""What the simulated world holds: titles, library items, users, requests, queue, disks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Kind = Literal["movie", "tv"]


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """Sizes of a generated world."""

    movies: int
    series: int
    users: int
    plays: int
    extra_movies: int
    extra_series: int
    requests: int
    people: int
    history_days: int
    queue: int


SCALES: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec(20, 5, 3, 150, 30, 10, 6, 80, 60, 2),
    "home": ScaleSpec(300, 60, 5, 4_000, 400, 80, 25, 800, 365, 4),
    "large": ScaleSpec(20_000, 3_000, 30, 200_000, 10_000, 1_500, 400, 20_000, 365, 25),
}


@dataclass(slots=True)
class Title:
    """A title TMDB knows about (in the library or not)."""

    kind: Kind
    tmdb_id: int
    imdb_id: str
    tvdb_id: int
    title: str
    year: int
    release: datetime
    genre_ids: tuple[int, ...]
    cast: tuple[int, ...]
    crew: tuple[int, ...]
    keywords: tuple[int, ...]
    vote_average: float
    vote_count: int
    popularity: float
    runtime: int
    studio: str
    certification: str
    seasons: tuple[int, ...] = ()
    ended: bool = True

    @property
    def overview(self) -> str:
        """Return a deterministic synopsis."""
        return f"A {self.year} story of {self.title.lower()}."

    @property
    def slug(self) -> str:
        """Return the *arr title slug."""
        return f"{self.title.lower().replace(' ', '-')}-{self.tmdb_id}"


@dataclass(slots=True)
class Movie:
    """A movie in Radarr's library."""

    id: int
    info: Title
    monitored: bool
    has_file: bool
    size: int
    quality_id: int
    added: datetime
    tags: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Return the movie folder."""
        return f"/movies/{self.info.title} ({self.info.year})"

    @property
    def rating_key(self) -> int:
        """Return the Plex rating key."""
        return 50_000 + self.id


@dataclass(slots=True)
class Series:
    """A series in Sonarr's library; its episodes live in World.episodes."""

    id: int
    info: Title
    monitored: bool
    added: datetime
    episode_ids: list[int]
    quality_id: int
    tags: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Return the series folder."""
        return f"/tv/{self.info.title}"

    @property
    def rating_key(self) -> int:
        """Return the Plex rating key of the show."""
        return 900_000 + self.id


# Episode row: (id, series_id, season, number, air_time, has_file, size, monitored)
Episode = tuple[int, int, int, int, datetime, bool, int, bool]

# Play row: (row_id, started_ts, stopped_ts, user_index, kind, ref_id, percent, paused, platform)
Play = tuple[int, int, int, int, str, int, int, int, int]

# Plex resolution names and the bitrate (kbit/s) the simulator gives each.
BITRATES = {"480": 1_500, "720": 4_000, "1080": 10_000, "4k": 40_000}

LOWER_RESOLUTION = {"4k": "1080", "1080": "720", "720": "480", "480": "480"}


@dataclass(frozen=True, slots=True)
class Stream:
    """How one play was streamed and from where (Tautulli's stream data of a history row)."""

    decision: str  # "direct play", "copy" (direct stream) or "transcode"
    video_decision: str
    audio_decision: str
    subtitle_decision: str  # "burn" or ""
    source_resolution: str
    stream_resolution: str
    bitrate: int
    stream_bitrate: int
    location: str  # "lan" or "wan"
    ip_address: str


@dataclass(slots=True)
class User:
    """A Plex user known to Tautulli and Overseerr."""

    index: int
    plex_id: int
    username: str
    email: str
    taste: dict[int, float]
    overseerr_id: int
    ip: str
    # Overseerr request quotas (None: the server default, no limit): movies per days,
    # seasons per days.
    movie_quota_limit: int | None = None
    movie_quota_days: int | None = None
    tv_quota_limit: int | None = None
    tv_quota_days: int | None = None

    @property
    def overseerr_local(self) -> int:
        """Return how the user signs in to Overseerr: 0 Plex, 1 local, 2 local under another name."""
        return self.index % 3

    @property
    def overseerr_username(self) -> str:
        """Return the user's Overseerr username (its display name: Overseerr's first choice)."""
        return f"{self.username}.home" if self.overseerr_local == 2 else self.username


@dataclass(slots=True)
class Request:
    """An Overseerr media request."""

    id: int
    user_index: int
    kind: Kind
    tmdb_id: int
    status: int  # 1 pending, 2 approved, 3 declined
    created: datetime
    updated: datetime
    modified_by: int | None = None


@dataclass(slots=True)
class QueueItem:
    """A download in the Sonarr or Radarr queue."""

    id: int
    service: Literal["sonarr", "radarr"]
    media_id: int
    episode_id: int | None
    title: str
    size: int
    sizeleft: int
    added: datetime
    quality_id: int
    download_id: str
    # Records sharing the download (a season pack has one per episode, each with its size).
    records: int = 1
    protocol: Literal["usenet", "torrent"] = "usenet"
    # A finished torrent its client still seeds: listed as completed, never imported again.
    seeding: bool = False


@dataclass(slots=True)
class HistoryEvent:
    """An entry of Sonarr's or Radarr's history (their change feed)."""

    id: int
    event_type: str
    media_id: int
    episode_id: int | None
    date: datetime
    source_title: str
    download_id: str
    quality_id: int


@dataclass(slots=True)
class Disk:
    """A mounted disk holding one root folder."""

    path: str
    total: int
    other_used: int
