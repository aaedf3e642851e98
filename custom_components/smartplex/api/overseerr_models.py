"""Overseerr API v1 models (also Jellyseerr and Seerr, which share the API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum

from .parse import (
    JsonDict,
    as_dict,
    dict_list,
    int_tuple,
    opt_date,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    str_tuple,
    to_bool,
    to_int,
    to_str,
)

# Directors and the leading cast say most about taste; the long tail is extras.
MAX_PEOPLE = 8


class RequestStatus(IntEnum):
    """MediaRequest.status values."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


class MediaStatus(IntEnum):
    """Media.status values."""

    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6
    DELETED = 7


@dataclass(frozen=True, slots=True)
class OverseerrStatus:
    """Unauthenticated /status."""

    version: str
    commit_tag: str | None
    update_available: bool
    commits_behind: int
    restart_required: bool

    @classmethod
    def from_dict(cls, data: JsonDict) -> OverseerrStatus:
        """Build from the API object."""
        return cls(
            version=to_str(data.get("version")),
            commit_tag=opt_str(data.get("commitTag")),
            update_available=to_bool(data.get("updateAvailable")),
            commits_behind=to_int(data.get("commitsBehind")),
            restart_required=to_bool(data.get("restartRequired")),
        )


@dataclass(frozen=True, slots=True)
class OverseerrUser:
    """A user."""

    id: int
    display_name: str
    email: str | None
    username: str | None
    plex_username: str | None
    plex_id: int | None
    user_type: int | None
    permissions: int
    request_count: int
    avatar: str | None
    created_at: datetime | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> OverseerrUser:
        """Build from the API object."""
        username = opt_str(data.get("username"))
        plex_username = opt_str(data.get("plexUsername"))
        email = opt_str(data.get("email"))
        return cls(
            id=to_int(data.get("id")),
            display_name=to_str(data.get("displayName"))
            or username
            or plex_username
            or email
            or "",
            email=email,
            username=username,
            plex_username=plex_username,
            plex_id=opt_int(data.get("plexId")),
            user_type=opt_int(data.get("userType")),
            permissions=to_int(data.get("permissions")),
            request_count=to_int(data.get("requestCount")),
            avatar=opt_str(data.get("avatar")),
            created_at=opt_datetime(data.get("createdAt")),
        )


@dataclass(frozen=True, slots=True)
class OverseerrMedia:
    """What Overseerr knows about a title (availability and external ids)."""

    id: int
    media_type: str
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    status: int
    status_4k: int
    rating_key: str | None
    created_at: datetime | None
    media_added_at: datetime | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> OverseerrMedia:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            media_type=to_str(data.get("mediaType")),
            tmdb_id=opt_int(data.get("tmdbId")),
            tvdb_id=opt_int(data.get("tvdbId")),
            imdb_id=opt_str(data.get("imdbId")),
            status=to_int(data.get("status"), MediaStatus.UNKNOWN),
            status_4k=to_int(data.get("status4k"), MediaStatus.UNKNOWN),
            rating_key=opt_str(data.get("ratingKey")),
            created_at=opt_datetime(data.get("createdAt")),
            media_added_at=opt_datetime(data.get("mediaAddedAt")),
        )


@dataclass(frozen=True, slots=True)
class OverseerrRequest:
    """A media request."""

    id: int
    status: int
    media_type: str
    is_4k: bool
    created_at: datetime | None
    updated_at: datetime | None
    media: OverseerrMedia | None
    requested_by: OverseerrUser | None
    modified_by: OverseerrUser | None
    seasons: tuple[int, ...]
    profile_id: int | None
    root_folder: str | None
    tags: tuple[int, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> OverseerrRequest:
        """Build from the API object."""
        media = data.get("media")
        requested_by = data.get("requestedBy")
        modified_by = data.get("modifiedBy")
        media_type = opt_str(data.get("type")) or to_str(
            as_dict(media).get("mediaType")
        )
        return cls(
            id=to_int(data.get("id")),
            status=to_int(data.get("status")),
            media_type=media_type,
            is_4k=to_bool(data.get("is4k")),
            created_at=opt_datetime(data.get("createdAt")),
            updated_at=opt_datetime(data.get("updatedAt")),
            media=OverseerrMedia.from_dict(media) if isinstance(media, dict) else None,
            requested_by=OverseerrUser.from_dict(requested_by)
            if isinstance(requested_by, dict)
            else None,
            modified_by=OverseerrUser.from_dict(modified_by)
            if isinstance(modified_by, dict)
            else None,
            seasons=tuple(
                to_int(season.get("seasonNumber"))
                for season in dict_list(data.get("seasons"))
            ),
            profile_id=opt_int(data.get("profileId")),
            root_folder=opt_str(data.get("rootFolder")),
            tags=int_tuple(data.get("tags")),
        )


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """Request totals by type and status (`completed` only on Jellyseerr/Seerr)."""

    total: int
    movie: int
    tv: int
    pending: int
    approved: int
    declined: int
    processing: int
    available: int
    completed: int | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> RequestCounts:
        """Build from the API object."""
        return cls(
            total=to_int(data.get("total")),
            movie=to_int(data.get("movie")),
            tv=to_int(data.get("tv")),
            pending=to_int(data.get("pending")),
            approved=to_int(data.get("approved")),
            declined=to_int(data.get("declined")),
            processing=to_int(data.get("processing")),
            available=to_int(data.get("available")),
            completed=opt_int(data.get("completed")),
        )


@dataclass(frozen=True, slots=True)
class IssueCounts:
    """Issue totals by type and state."""

    total: int
    video: int
    audio: int
    subtitles: int
    others: int
    open: int
    closed: int

    @classmethod
    def from_dict(cls, data: JsonDict) -> IssueCounts:
        """Build from the API object."""
        return cls(
            total=to_int(data.get("total")),
            video=to_int(data.get("video")),
            audio=to_int(data.get("audio")),
            subtitles=to_int(data.get("subtitles")),
            others=to_int(data.get("others")),
            open=to_int(data.get("open")),
            closed=to_int(data.get("closed")),
        )


@dataclass(frozen=True, slots=True)
class WatchData:
    """A user's play count and recently watched media (needs Plex + Tautulli in Overseerr)."""

    play_count: int
    recently_watched: tuple[OverseerrMedia, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> WatchData:
        """Build from the API object."""
        return cls(
            play_count=to_int(data.get("playCount")),
            recently_watched=tuple(
                OverseerrMedia.from_dict(item)
                for item in dict_list(data.get("recentlyWatched"))
            ),
        )


@dataclass(frozen=True, slots=True)
class Quota:
    """A user's request quota: movies (requests) or series (seasons) in the last days.

    `used` counts every request not declined, the pending ones too; limit 0 is none.
    """

    limit: int
    used: int
    days: int

    @classmethod
    def from_dict(cls, data: JsonDict) -> Quota:
        """Build from the API object (limit 0 or missing: no quota)."""
        return cls(
            limit=to_int(data.get("limit")),
            used=to_int(data.get("used")),
            days=to_int(data.get("days")),
        )


@dataclass(frozen=True, slots=True)
class UserQuota:
    """A user's movie and series quotas (/user/{id}/quota)."""

    movie: Quota
    tv: Quota

    @classmethod
    def from_dict(cls, data: JsonDict) -> UserQuota:
        """Build from the API object."""
        return cls(
            movie=Quota.from_dict(as_dict(data.get("movie"))),
            tv=Quota.from_dict(as_dict(data.get("tv"))),
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A search hit (movie, tv or person) with Overseerr's media info if known."""

    id: int
    media_type: str
    title: str
    release_date: str | None
    overview: str | None
    poster_path: str | None
    popularity: float | None
    vote_average: float | None
    media_info: OverseerrMedia | None

    @property
    def year(self) -> int | None:
        """Return the release year."""
        day = opt_date(self.release_date)
        return day.year if day else None

    @classmethod
    def from_dict(cls, data: JsonDict) -> SearchResult:
        """Build from the API object."""
        media_info = data.get("mediaInfo")
        return cls(
            id=to_int(data.get("id")),
            media_type=to_str(data.get("mediaType")),
            title=to_str(data.get("title") or data.get("name")),
            release_date=opt_str(data.get("releaseDate") or data.get("firstAirDate")),
            overview=opt_str(data.get("overview")),
            poster_path=opt_str(data.get("posterPath") or data.get("profilePath")),
            popularity=opt_float(data.get("popularity")),
            vote_average=opt_float(data.get("voteAverage")),
            media_info=OverseerrMedia.from_dict(media_info)
            if isinstance(media_info, dict)
            else None,
        )


@dataclass(frozen=True, slots=True)
class OverseerrTitle:
    """A movie's or series' details as Overseerr has them from TMDB."""

    tmdb_id: int
    title: str
    release_date: date | None
    poster_path: str | None
    genres: tuple[str, ...]
    vote_average: float = 0.0
    vote_count: int = 0
    language: str | None = None
    keywords: tuple[str, ...] = ()
    # Directors or creators first, then the leading cast.
    people: tuple[str, ...] = ()

    @property
    def year(self) -> int | None:
        """Return the release (or first air) year."""
        return self.release_date.year if self.release_date else None

    @classmethod
    def from_dict(cls, data: JsonDict) -> OverseerrTitle:
        """Build from MovieDetails or TvDetails."""
        credit_list = as_dict(data.get("credits"))
        makers = [
            person.get("name")
            for person in dict_list(credit_list.get("crew"))
            if person.get("job") == "Director"
        ] + [person.get("name") for person in dict_list(data.get("createdBy"))]
        cast = [person.get("name") for person in dict_list(credit_list.get("cast"))]
        return cls(
            tmdb_id=to_int(data.get("id")),
            title=to_str(data.get("title") or data.get("name")),
            release_date=opt_date(data.get("releaseDate") or data.get("firstAirDate")),
            poster_path=opt_str(data.get("posterPath")),
            genres=str_tuple(
                [genre.get("name") for genre in dict_list(data.get("genres"))]
            ),
            vote_average=opt_float(data.get("voteAverage")) or 0.0,
            vote_count=to_int(data.get("voteCount")),
            language=opt_str(data.get("originalLanguage")),
            keywords=str_tuple(
                [keyword.get("name") for keyword in dict_list(data.get("keywords"))]
            ),
            people=str_tuple([*makers, *cast])[:MAX_PEOPLE],
        )


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """The webhook notification agent (types is a bit mask of notification types)."""

    enabled: bool
    types: int
    webhook_url: str | None
    json_payload: str | None
    authorization_header: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> WebhookSettings:
        """Build from the API object."""
        options = as_dict(data.get("options"))
        return cls(
            enabled=to_bool(data.get("enabled")),
            types=to_int(data.get("types")),
            webhook_url=opt_str(options.get("webhookUrl")),
            json_payload=opt_str(options.get("jsonPayload")),
            authorization_header=opt_str(options.get("authHeader")),
        )
