"""Plain snapshots the engine decides on: no I/O, no Home Assistant, frozen and hashable.

The store builds these from the database; the benchmarks build them from MovieLens;
tests build them by hand. Every engine function takes and returns only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

type MediaType = Literal["movie", "tv"]


@dataclass(frozen=True, slots=True, order=True)
class Identity:
    """A title across services: TMDB id per media type (TVDB and IMDb ids ride beside it)."""

    media_type: MediaType
    tmdb_id: int

    def __hash__(self) -> int:
        """Return the TMDB id: one int, where the generated hash builds and hashes a tuple.

        Identities key the engine's dicts (a cleanup plan hashes 100,000); a movie and
        a series with the same TMDB id only share a bucket, equality tells them apart.
        """
        return self.tmdb_id

    def __str__(self) -> str:
        """Return the compact form used as a key in responses and the database."""
        return f"{self.media_type}:{self.tmdb_id}"

    @classmethod
    def parse(cls, text: str) -> Identity:
        """Read the compact form back; ValueError when it is not one."""
        media_type, _, tmdb_id = text.partition(":")
        if media_type not in ("movie", "tv") or not tmdb_id.isdigit():
            raise ValueError(f"not a title identity: {text!r}")
        return cls(media_type, int(tmdb_id))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True)
class Play:
    """One playback from the watch history (an episode for series: `identity` is the series)."""

    user_id: str
    identity: (
        Identity | None
    )  # None: the play could not be matched to a title; it still counts
    started: datetime
    watched_seconds: int
    percent_complete: int
    season: int | None = None
    episode: int | None = None

    @property
    def finished(self) -> bool:
        """Return whether the play got to the end (Tautulli's own watched threshold is 85%)."""
        return self.percent_complete >= 85


@dataclass(frozen=True, slots=True, kw_only=True)
class TitleInfo:
    """What the outside world (TMDB) knows of a title."""

    identity: Identity
    title: str
    year: int | None = None
    release_date: datetime | None = None
    overview: str = ""
    poster_url: str | None = None
    genres: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # cast, directors and creators, most prominent first
    language: str | None = None
    vote_average: float = 0.0
    vote_count: int = 0
    popularity: float = 0.0
    tvdb_id: int | None = None
    imdb_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryEntry:
    """A movie or series as one Sonarr/Radarr instance holds it."""

    identity: Identity
    instance: str  # the service's subentry id
    title: str
    year: int | None = None
    size_bytes: int = 0
    monitored: bool = True
    has_file: bool = False
    tags: tuple[str, ...] = ()
    quality_profile: str | None = None
    cutoff_met: bool | None = None
    root_folder: str | None = None
    added: datetime | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    # As Sonarr/Radarr list them (TMDB's names).
    genres: tuple[str, ...] = ()


class RequestStatus(StrEnum):
    """Where an Overseerr request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    AVAILABLE = "available"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestRecord:
    """An Overseerr request and what became of it."""

    request_id: int
    identity: Identity
    requested_by: str  # the SmartPlex user id (linked person), or the Overseerr user id
    created: datetime
    status: RequestStatus
    decided: datetime | None = None
    decided_by: str | None = None
    available: datetime | None = None
    seasons: tuple[int, ...] = ()


class Feature(NamedTuple):
    """One named, weighted part of a score, as a person reads it.

    A named tuple, not a frozen dataclass: a cleanup plan at `large` explains 2,000
    titles with 7 features each, and a tuple is made in a fraction of the time.
    """

    name: str
    value: float
    weight: float = 1.0

    @property
    def contribution(self) -> float:
        """Return what this feature adds to the score."""
        return self.value * self.weight


@dataclass(frozen=True, slots=True)
class Score:
    """A score and the named features it is the sum of."""

    features: tuple[Feature, ...]

    @property
    def total(self) -> float:
        """Return the sum of the contributions."""
        return sum(feature.contribution for feature in self.features)

    def as_dict(self) -> dict[str, float]:
        """Return the contributions by feature name, for responses."""
        return {
            feature.name: round(feature.contribution, 4) for feature in self.features
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision[ActionT: str]:
    """What the engine decided about one title, why, and on what evidence."""

    identity: Identity
    action: ActionT
    score: Score
    reason: str  # one line a person can read
    evidence: tuple[str, ...] = field(default=())
