"""Tautulli API v2 models: server, activity, libraries, users, statistics, notifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .parse import (
    JsonDict,
    dict_list,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    to_bool,
    to_int,
    to_str,
)


def _shared_libraries(value: object) -> tuple[str, ...]:
    """Accept both the old ";"-separated string and the newer list form."""
    if isinstance(value, str):
        return tuple(part for part in value.split(";") if part)
    if isinstance(value, list):
        return tuple(str(part) for part in value if part not in (None, ""))
    return ()


@dataclass(frozen=True, slots=True)
class TautulliInfo:
    """get_tautulli_info: the Tautulli install itself."""

    version: str
    branch: str | None
    install_type: str | None
    platform: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> TautulliInfo:
        """Build from the API object."""
        return cls(
            version=to_str(data.get("tautulli_version")),
            branch=opt_str(data.get("tautulli_branch")),
            install_type=opt_str(data.get("tautulli_install_type")),
            platform=opt_str(data.get("tautulli_platform")),
        )


@dataclass(frozen=True, slots=True)
class PlexServerInfo:
    """get_server_info: the Plex Media Server Tautulli monitors."""

    identifier: str | None
    name: str | None
    version: str | None
    platform: str | None
    url: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> PlexServerInfo:
        """Build from the API object."""
        return cls(
            identifier=opt_str(data.get("pms_identifier")),
            name=opt_str(data.get("pms_name")),
            version=opt_str(data.get("pms_version")),
            platform=opt_str(data.get("pms_platform")),
            url=opt_str(data.get("pms_url")),
        )


@dataclass(frozen=True, slots=True)
class StreamSession:
    """One live stream from get_activity."""

    session_key: str
    session_id: str | None
    user: str
    user_id: int | None
    friendly_name: str | None
    title: str
    full_title: str
    grandparent_title: str | None
    media_type: str
    rating_key: str | None
    grandparent_rating_key: str | None
    year: int | None
    state: str | None
    progress_percent: int
    view_offset: int
    duration: int
    transcode_decision: str | None
    video_decision: str | None
    audio_decision: str | None
    quality_profile: str | None
    video_resolution: str | None
    stream_video_resolution: str | None
    bandwidth: int
    location: str | None
    local: bool
    ip_address: str | None
    player: str | None
    platform: str | None
    product: str | None
    library_name: str | None
    section_id: int | None
    guid: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> StreamSession:
        """Build from the API object."""
        return cls(
            session_key=to_str(data.get("session_key")),
            session_id=opt_str(data.get("session_id")),
            user=to_str(data.get("user") or data.get("username")),
            user_id=opt_int(data.get("user_id")),
            friendly_name=opt_str(data.get("friendly_name")),
            title=to_str(data.get("title")),
            full_title=to_str(data.get("full_title") or data.get("title")),
            grandparent_title=opt_str(data.get("grandparent_title")),
            media_type=to_str(data.get("media_type")),
            rating_key=opt_str(data.get("rating_key")),
            grandparent_rating_key=opt_str(data.get("grandparent_rating_key")),
            year=opt_int(data.get("year")),
            state=opt_str(data.get("state")),
            progress_percent=to_int(data.get("progress_percent")),
            view_offset=to_int(data.get("view_offset")),
            duration=to_int(data.get("duration")),
            transcode_decision=opt_str(data.get("transcode_decision")),
            video_decision=opt_str(data.get("video_decision")),
            audio_decision=opt_str(data.get("audio_decision")),
            quality_profile=opt_str(data.get("quality_profile")),
            video_resolution=opt_str(data.get("video_full_resolution")),
            stream_video_resolution=opt_str(data.get("stream_video_full_resolution")),
            bandwidth=to_int(data.get("bandwidth")),
            location=opt_str(data.get("location")),
            local=to_bool(data.get("local")),
            ip_address=opt_str(data.get("ip_address")),
            player=opt_str(data.get("player")),
            platform=opt_str(data.get("platform")),
            product=opt_str(data.get("product")),
            library_name=opt_str(data.get("library_name")),
            section_id=opt_int(data.get("section_id")),
            guid=opt_str(data.get("guid")),
        )


@dataclass(frozen=True, slots=True)
class Activity:
    """get_activity: live streams and bandwidth (kbps)."""

    stream_count: int
    stream_count_direct_play: int
    stream_count_direct_stream: int
    stream_count_transcode: int
    total_bandwidth: int
    lan_bandwidth: int
    wan_bandwidth: int
    sessions: tuple[StreamSession, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> Activity:
        """Build from the API object."""
        return cls(
            stream_count=to_int(data.get("stream_count")),
            stream_count_direct_play=to_int(data.get("stream_count_direct_play")),
            stream_count_direct_stream=to_int(data.get("stream_count_direct_stream")),
            stream_count_transcode=to_int(data.get("stream_count_transcode")),
            total_bandwidth=to_int(data.get("total_bandwidth")),
            lan_bandwidth=to_int(data.get("lan_bandwidth")),
            wan_bandwidth=to_int(data.get("wan_bandwidth")),
            sessions=tuple(
                StreamSession.from_dict(item)
                for item in dict_list(data.get("sessions"))
            ),
        )


@dataclass(frozen=True, slots=True)
class HomeStatRow:
    """One row of a home statistic (which fields are set depends on the stat)."""

    title: str | None
    year: int | None
    media_type: str | None
    rating_key: int | None
    grandparent_rating_key: int | None
    total_plays: int
    total_duration: int
    users_watched: int | None
    last_play: datetime | None
    user: str | None
    user_id: int | None
    friendly_name: str | None
    platform: str | None
    section_id: int | None
    count: int | None
    guid: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> HomeStatRow:
        """Build from the API object."""
        return cls(
            title=opt_str(data.get("title") or data.get("section_name")),
            year=opt_int(data.get("year")),
            media_type=opt_str(data.get("media_type") or data.get("section_type")),
            rating_key=opt_int(data.get("rating_key")),
            grandparent_rating_key=opt_int(data.get("grandparent_rating_key")),
            total_plays=to_int(data.get("total_plays")),
            total_duration=to_int(data.get("total_duration")),
            users_watched=opt_int(data.get("users_watched")),
            last_play=opt_datetime(data.get("last_play") or data.get("last_watch")),
            user=opt_str(data.get("user")),
            user_id=opt_int(data.get("user_id")),
            friendly_name=opt_str(data.get("friendly_name")),
            platform=opt_str(data.get("platform")),
            section_id=opt_int(data.get("section_id")),
            count=opt_int(data.get("count")),
            guid=opt_str(data.get("guid")),
        )


@dataclass(frozen=True, slots=True)
class HomeStat:
    """One home statistic (top_movies, popular_tv, top_users, most_concurrent, ...)."""

    stat_id: str
    stat_type: str | None
    stat_title: str | None
    rows: tuple[HomeStatRow, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> HomeStat:
        """Build from the API object."""
        return cls(
            stat_id=to_str(data.get("stat_id")),
            stat_type=opt_str(data.get("stat_type")),
            stat_title=opt_str(data.get("stat_title")),
            rows=tuple(
                HomeStatRow.from_dict(item) for item in dict_list(data.get("rows"))
            ),
        )


@dataclass(frozen=True, slots=True)
class Library:
    """A Plex library section."""

    section_id: int
    section_name: str
    section_type: str
    count: int
    parent_count: int
    child_count: int
    is_active: bool

    @classmethod
    def from_dict(cls, data: JsonDict) -> Library:
        """Build from the API object."""
        return cls(
            section_id=to_int(data.get("section_id")),
            section_name=to_str(data.get("section_name")),
            section_type=to_str(data.get("section_type")),
            count=to_int(data.get("count")),
            parent_count=to_int(data.get("parent_count")),
            child_count=to_int(data.get("child_count")),
            is_active=to_bool(data.get("is_active", 1)),
        )


@dataclass(frozen=True, slots=True)
class LibraryMediaItem:
    """One title of a library with its size and play statistics."""

    rating_key: int | None
    title: str
    sort_title: str | None
    year: int | None
    media_type: str
    section_id: int | None
    file_size: int
    play_count: int
    last_played: datetime | None
    added_at: datetime | None
    video_resolution: str | None
    container: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> LibraryMediaItem:
        """Build from the API object."""
        return cls(
            rating_key=opt_int(data.get("rating_key")),
            title=to_str(data.get("title")),
            sort_title=opt_str(data.get("sort_title")),
            year=opt_int(data.get("year")),
            media_type=to_str(data.get("media_type")),
            section_id=opt_int(data.get("section_id")),
            file_size=to_int(data.get("file_size")),
            play_count=to_int(data.get("play_count")),
            last_played=opt_datetime(data.get("last_played")),
            added_at=opt_datetime(data.get("added_at")),
            video_resolution=opt_str(data.get("video_resolution")),
            container=opt_str(data.get("container")),
        )


@dataclass(frozen=True, slots=True)
class LibraryMediaPage:
    """A slice of get_library_media_info with library totals."""

    records_total: int
    records_filtered: int
    total_file_size: int
    items: tuple[LibraryMediaItem, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> LibraryMediaPage:
        """Build from the API object."""
        return cls(
            records_total=to_int(data.get("recordsTotal")),
            records_filtered=to_int(data.get("recordsFiltered")),
            total_file_size=to_int(data.get("total_file_size")),
            items=tuple(
                LibraryMediaItem.from_dict(item) for item in dict_list(data.get("data"))
            ),
        )


@dataclass(frozen=True, slots=True)
class TautulliUser:
    """A Plex user known to Tautulli."""

    user_id: int
    username: str
    friendly_name: str
    email: str | None
    thumb: str | None
    is_active: bool
    is_admin: bool
    is_home_user: bool
    keep_history: bool
    shared_libraries: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> TautulliUser:
        """Build from the API object."""
        username = to_str(data.get("username"))
        return cls(
            user_id=to_int(data.get("user_id")),
            username=username,
            friendly_name=to_str(data.get("friendly_name")) or username,
            email=opt_str(data.get("email")),
            thumb=opt_str(data.get("thumb")),
            is_active=to_bool(data.get("is_active", 1)),
            is_admin=to_bool(data.get("is_admin")),
            is_home_user=to_bool(data.get("is_home_user")),
            keep_history=to_bool(data.get("keep_history", 1)),
            shared_libraries=_shared_libraries(data.get("shared_libraries")),
        )


@dataclass(frozen=True, slots=True)
class WatchTimeStat:
    """Plays and watch time (seconds) over the last query_days days (0 = all time)."""

    query_days: int
    total_plays: int
    total_time: int

    @classmethod
    def from_dict(cls, data: JsonDict) -> WatchTimeStat:
        """Build from the API object."""
        return cls(
            query_days=to_int(data.get("query_days")),
            total_plays=to_int(data.get("total_plays")),
            total_time=to_int(data.get("total_time")),
        )


@dataclass(frozen=True, slots=True)
class GraphSeries:
    """One named series of a graph."""

    name: str
    data: tuple[int, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> GraphSeries:
        """Build from the API object."""
        values = data.get("data")
        return cls(
            name=to_str(data.get("name")),
            data=tuple(to_int(value) for value in values)
            if isinstance(values, list)
            else (),
        )


@dataclass(frozen=True, slots=True)
class GraphData:
    """Graph categories (dates, platforms, ...) and one value series per name."""

    categories: tuple[str, ...]
    series: tuple[GraphSeries, ...]

    def by_name(self) -> dict[str, dict[str, int]]:
        """Return {series name: {category: value}}."""
        return {
            item.name: dict(zip(self.categories, item.data, strict=False))
            for item in self.series
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> GraphData:
        """Build from the API object."""
        categories = data.get("categories")
        return cls(
            categories=tuple(str(item) for item in categories)
            if isinstance(categories, list)
            else (),
            series=tuple(
                GraphSeries.from_dict(item) for item in dict_list(data.get("series"))
            ),
        )


@dataclass(frozen=True, slots=True)
class GeoIpInfo:
    """Geolocation of an IP address."""

    city: str | None
    region: str | None
    country: str | None
    code: str | None
    continent: str | None
    latitude: float | None
    longitude: float | None
    timezone: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> GeoIpInfo:
        """Build from the API object."""
        return cls(
            city=opt_str(data.get("city")),
            region=opt_str(data.get("region")),
            country=opt_str(data.get("country")),
            code=opt_str(data.get("code")),
            continent=opt_str(data.get("continent")),
            latitude=opt_float(data.get("latitude")),
            longitude=opt_float(data.get("longitude")),
            timezone=opt_str(data.get("timezone")),
        )


@dataclass(frozen=True, slots=True)
class Notifier:
    """A configured notification agent."""

    id: int
    agent_id: int
    agent_name: str
    friendly_name: str | None
    active: bool

    @classmethod
    def from_dict(cls, data: JsonDict) -> Notifier:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            agent_id=to_int(data.get("agent_id")),
            agent_name=to_str(data.get("agent_name")),
            friendly_name=opt_str(data.get("friendly_name")),
            active=to_bool(data.get("active")),
        )
