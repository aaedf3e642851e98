"""Tautulli API v2 client and models (numbers may arrive as strings)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .base import ApiClient, QueryValue, major_version
from .errors import (
    SmartPlexApiDisabledError,
    SmartPlexAuthError,
    SmartPlexError,
    SmartPlexNotFoundError,
    SmartPlexRequestError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
)
from .models import ServerInfo
from .parse import (
    JsonDict,
    as_dict,
    dict_list,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    to_bool,
    to_int,
    to_str,
)

MIN_TAUTULLI_VERSION = 2
WEBHOOK_AGENT_ID = 25
HISTORY_PAGE_SIZE = 100
# A poll usually finds no new play or a few: ask for a few rows first, a page after that.
HISTORY_FIRST_PAGE = 5


def _shared_libraries(value: object) -> tuple[str, ...]:
    """Accept both the old ";"-separated string and the newer list form."""
    if isinstance(value, str):
        return tuple(part for part in value.split(";") if part)
    if isinstance(value, list):
        return tuple(str(part) for part in value if part not in (None, ""))
    return ()


def _envelope_message(payload: Any) -> str:
    """Return the message of a Tautulli response envelope ("" when there is none)."""
    return to_str(as_dict(as_dict(payload).get("response")).get("message"))


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
class HistoryRow:
    """One play from get_history (times in UTC, durations in seconds)."""

    row_id: int
    reference_id: int | None
    date: datetime | None
    started: datetime | None
    stopped: datetime | None
    play_duration: int
    paused_counter: int
    user: str
    user_id: int | None
    friendly_name: str | None
    title: str
    full_title: str
    grandparent_title: str | None
    media_type: str
    rating_key: int | None
    parent_rating_key: int | None
    grandparent_rating_key: int | None
    media_index: int | None
    parent_media_index: int | None
    year: int | None
    percent_complete: int
    watched_status: float
    transcode_decision: str | None
    platform: str | None
    player: str | None
    ip_address: str | None
    location: str | None
    guid: str | None
    product: str | None = None

    @classmethod
    def from_dict(cls, data: JsonDict) -> HistoryRow:
        """Build from the API object."""
        return cls(
            row_id=to_int(data.get("row_id", data.get("id"))),
            reference_id=opt_int(data.get("reference_id")),
            date=opt_datetime(data.get("date")),
            started=opt_datetime(data.get("started")),
            stopped=opt_datetime(data.get("stopped")),
            play_duration=to_int(data.get("play_duration", data.get("duration"))),
            paused_counter=to_int(data.get("paused_counter")),
            user=to_str(data.get("user")),
            user_id=opt_int(data.get("user_id")),
            friendly_name=opt_str(data.get("friendly_name")),
            title=to_str(data.get("title")),
            full_title=to_str(data.get("full_title") or data.get("title")),
            grandparent_title=opt_str(data.get("grandparent_title")),
            media_type=to_str(data.get("media_type")),
            rating_key=opt_int(data.get("rating_key")),
            parent_rating_key=opt_int(data.get("parent_rating_key")),
            grandparent_rating_key=opt_int(data.get("grandparent_rating_key")),
            media_index=opt_int(data.get("media_index")),
            parent_media_index=opt_int(data.get("parent_media_index")),
            year=opt_int(data.get("year")),
            percent_complete=to_int(data.get("percent_complete")),
            watched_status=opt_float(data.get("watched_status")) or 0.0,
            transcode_decision=opt_str(data.get("transcode_decision")),
            platform=opt_str(data.get("platform")),
            player=opt_str(data.get("player")),
            ip_address=opt_str(data.get("ip_address")),
            location=opt_str(data.get("location")),
            guid=opt_str(data.get("guid")),
            product=opt_str(data.get("product")),
        )


def external_ids(guids: Iterable[str]) -> tuple[int | None, int | None, str | None]:
    """Return (TMDB, TVDB, IMDb) ids from Plex guids such as `tmdb://1399`.

    Understands the new agents' guids and the legacy agents' ones
    (`com.plexapp.agents.thetvdb://121361/6/1?lang=en`).
    """
    tmdb_id = tvdb_id = None
    imdb_id = None
    for guid in guids:
        scheme, _, rest = guid.partition("://")
        value = rest.split("/", 1)[0].split("?", 1)[0]
        scheme = scheme.rpartition(".")[2]
        if scheme in ("tmdb", "themoviedb") and value.isdigit():
            tmdb_id = int(value)
        elif scheme in ("tvdb", "thetvdb") and value.isdigit():
            tvdb_id = int(value)
        elif scheme == "imdb" and value.startswith("tt"):
            imdb_id = value
    return tmdb_id, tvdb_id, imdb_id


@dataclass(frozen=True, slots=True)
class ItemIds:
    """The title a Plex item belongs to (an episode's: its series) and its external ids."""

    media_type: str
    title: str
    year: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None

    @classmethod
    def from_metadata(cls, data: JsonDict) -> ItemIds:
        """Build from get_metadata, taking a season's or episode's series ids."""
        media_type = to_str(data.get("media_type"))
        if media_type in ("episode", "season"):
            guids = data.get("grandparent_guids")
            title = to_str(data.get("grandparent_title"))
            year = opt_int(data.get("grandparent_year"))
        else:
            guids = data.get("guids")
            title = to_str(data.get("title"))
            year = opt_int(data.get("year"))
        tmdb_id, tvdb_id, imdb_id = external_ids(
            guid for guid in guids or () if isinstance(guid, str)
        )
        return cls(
            media_type="movie" if media_type == "movie" else "tv",
            title=title,
            year=year or None,
            tmdb_id=tmdb_id,
            tvdb_id=tvdb_id,
            imdb_id=imdb_id,
        )


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A DataTables-style slice of history."""

    records_total: int
    records_filtered: int
    rows: tuple[HistoryRow, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> HistoryPage:
        """Build from the API object."""
        return cls(
            records_total=to_int(data.get("recordsTotal")),
            records_filtered=to_int(data.get("recordsFiltered")),
            rows=tuple(
                HistoryRow.from_dict(item) for item in dict_list(data.get("data"))
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


class TautulliClient(ApiClient):
    """Async client for Tautulli API v2 (the key can only travel as the apikey query parameter)."""

    service = "Tautulli"

    def _auth_headers(self) -> dict[str, str]:
        """Tautulli ignores headers; the key goes in the query."""
        return {}

    def _auth_query(self) -> list[tuple[str, str]]:
        """Return the apikey query parameter."""
        return [("apikey", self._api_key)]

    def _status_error(self, status: int, payload: Any) -> SmartPlexError:
        """Map Tautulli's envelope errors (invalid key, unknown command, API disabled)."""
        message = _envelope_message(payload)
        return self._envelope_error(message) or super()._status_error(status, payload)

    def _envelope_error(self, message: str) -> SmartPlexError | None:
        """Return a specific error for the well-known Tautulli error messages."""
        lowered = message.lower()
        if "apikey" in lowered or "api key" in lowered:
            return SmartPlexAuthError(
                self.service, f"the API key was rejected: {self._clean(message)}"
            )
        if "api not enabled" in lowered:
            return SmartPlexApiDisabledError(
                self.service, "the API is disabled in Tautulli's settings"
            )
        if "unknown command" in lowered:
            command = self._clean(message.split(".", maxsplit=1)[0])
            return SmartPlexUnsupportedVersionError(
                self.service, f"this Tautulli is too old ({command})", version=""
            )
        return None

    def _upstream_message(self, payload: Any) -> str:
        """Read the message out of the response envelope (or a proxy's plain JSON error)."""
        message = _envelope_message(payload)
        return self._clean(message) if message else super()._upstream_message(payload)

    async def _command(self, cmd: str, **params: QueryValue) -> Any:
        """Run an API command and return the envelope's data."""
        payload = await self._request("GET", "/api/v2", params={"cmd": cmd, **params})
        return self._envelope_data(cmd, payload)

    def _envelope_data(self, cmd: str, payload: Any) -> Any:
        """Return the data of a command's envelope, raising the error it reports."""
        response = as_dict(payload).get("response")
        if not isinstance(response, dict) or "result" not in response:
            raise SmartPlexWrongServiceError(
                self.service,
                "the URL does not answer like Tautulli (no API v2 envelope)",
            )
        if response.get("result") != "success":
            message = to_str(response.get("message"))
            raise self._envelope_error(message) or SmartPlexRequestError(
                self.service,
                f"{cmd} failed: {self._clean(message) or 'no reason given'}",
            )
        return response.get("data")

    async def _command_dict(self, cmd: str, **params: QueryValue) -> JsonDict:
        """Run a command whose data is an object."""
        return self._expect_dict(await self._command(cmd, **params), cmd)

    async def _command_list(self, cmd: str, **params: QueryValue) -> list[JsonDict]:
        """Run a command whose data is a list of objects."""
        return self._expect_list(await self._command(cmd, **params), cmd)

    async def status(self) -> None:
        """Check that Tautulli answers and accepts the key (raises otherwise)."""
        await self._command("status")

    async def tautulli_info(self) -> TautulliInfo:
        """Return Tautulli's own version and platform."""
        return TautulliInfo.from_dict(await self._command_dict("get_tautulli_info"))

    async def server_info(self) -> PlexServerInfo:
        """Return the monitored Plex server's identity."""
        return PlexServerInfo.from_dict(await self._command_dict("get_server_info"))

    async def validate(self) -> ServerInfo:
        """Check identity, key and version; instance_id is the Plex server identifier."""
        try:
            info = await self.tautulli_info()
        except SmartPlexNotFoundError:
            raise SmartPlexWrongServiceError(
                self.service, "no Tautulli API at this URL (check the base path)"
            ) from None
        major = major_version(info.version)
        if major is None or major < MIN_TAUTULLI_VERSION:
            raise SmartPlexUnsupportedVersionError(
                self.service,
                f"version {info.version or 'unknown'} is not supported (need 2 or newer)",
                version=info.version,
            )
        server = await self.server_info()
        return ServerInfo(
            service=self.service,
            name=self.service,
            version=info.version,
            instance_id=server.identifier,
        )

    async def activity(self) -> Activity:
        """Return current streams and bandwidth."""
        return Activity.from_dict(await self._command_dict("get_activity"))

    async def history(
        self,
        *,
        start: int = 0,
        length: int = 25,
        order_column: str = "date",
        order_dir: Literal["asc", "desc"] = "desc",
        user_id: int | None = None,
        section_id: int | None = None,
        media_type: str | None = None,
        after: str | None = None,
        grouping: bool = False,
    ) -> HistoryPage:
        """Return a slice of play history (after is YYYY-MM-DD, inclusive)."""
        return HistoryPage.from_dict(
            await self._command_dict(
                "get_history",
                start=start,
                length=length,
                order_column=order_column,
                order_dir=order_dir,
                user_id=user_id,
                section_id=section_id,
                media_type=media_type,
                after=after,
                grouping=int(grouping),
            )
        )

    async def history_parsed[ParsedT](
        self,
        parse: Callable[[int, list[JsonDict]], ParsedT],
        *,
        start: int,
        length: int,
    ) -> ParsedT:
        """Return a slice of history, oldest first, as `parse(records_filtered, rows)` builds it.

        Decoded and parsed in the executor: a full sync reads pages of thousands of rows.
        """
        params: dict[str, QueryValue] = {
            "cmd": "get_history",
            "start": start,
            "length": length,
            "order_column": "stopped",
            "order_dir": "asc",
            "grouping": 0,
        }
        status, headers, body = await self._exchange("GET", "/api/v2", params, None)

        def decode_and_parse() -> ParsedT:
            data = self._expect_dict(
                self._envelope_data("get_history", self._decode(status, headers, body)),
                "get_history",
            )
            return parse(
                to_int(data.get("recordsFiltered")), dict_list(data.get("data"))
            )

        return await asyncio.get_running_loop().run_in_executor(None, decode_and_parse)

    async def item_ids(self, rating_key: int) -> ItemIds | None:
        """Return a title's external ids from its Plex metadata (None if Plex lost it)."""
        data = await self._command_dict("get_metadata", rating_key=rating_key)
        return ItemIds.from_metadata(data) if data else None

    async def history_since(
        self,
        last_row_id: int,
        *,
        page_size: int = HISTORY_PAGE_SIZE,
        max_rows: int = 10000,
    ) -> list[HistoryRow]:
        """Return plays with row_id > last_row_id, oldest first, paging back until reaching it."""
        # Rows are written when a play stops, so newest-stopped-first follows row_id order.
        new_rows: dict[int, HistoryRow] = {}
        start = 0
        length = min(HISTORY_FIRST_PAGE, page_size)
        while len(new_rows) < max_rows:
            page = await self.history(
                start=start, length=length, order_column="stopped", order_dir="desc"
            )
            new_rows.update(
                (row.row_id, row) for row in page.rows if row.row_id > last_row_id
            )
            reached = any(row.row_id <= last_row_id for row in page.rows)
            start += length
            if reached or len(page.rows) < length or start >= page.records_filtered:
                break
            length = page_size
        return [new_rows[row_id] for row_id in sorted(new_rows)][:max_rows]

    async def home_stats(
        self,
        *,
        time_range: int = 30,
        stats_type: Literal["plays", "duration"] = "plays",
        stats_count: int = 10,
        stat_id: str | None = None,
    ) -> list[HomeStat]:
        """Return the home statistics (top/popular titles, users, platforms, ...)."""
        return [
            HomeStat.from_dict(item)
            for item in await self._command_list(
                "get_home_stats",
                time_range=time_range,
                stats_type=stats_type,
                stats_count=stats_count,
                stat_id=stat_id,
            )
        ]

    async def libraries(self) -> list[Library]:
        """Return the Plex libraries."""
        return [
            Library.from_dict(item)
            for item in await self._command_list("get_libraries")
        ]

    async def library_media_info(
        self,
        section_id: int,
        *,
        start: int = 0,
        length: int = 100,
        order_column: str = "play_count",
        order_dir: Literal["asc", "desc"] = "desc",
    ) -> LibraryMediaPage:
        """Return titles of a library with file size, play count and last played."""
        return LibraryMediaPage.from_dict(
            await self._command_dict(
                "get_library_media_info",
                section_id=section_id,
                start=start,
                length=length,
                order_column=order_column,
                order_dir=order_dir,
            )
        )

    async def users(self) -> list[TautulliUser]:
        """Return every user with access to the server."""
        return [
            TautulliUser.from_dict(item)
            for item in await self._command_list("get_users")
        ]

    async def user_watch_time_stats(
        self, user_id: int, *, query_days: Iterable[int] = (1, 7, 30, 0)
    ) -> list[WatchTimeStat]:
        """Return a user's plays and watch time per period."""
        return [
            WatchTimeStat.from_dict(item)
            for item in await self._command_list(
                "get_user_watch_time_stats",
                user_id=user_id,
                query_days=",".join(str(days) for days in query_days),
            )
        ]

    async def plays_by_date(
        self,
        *,
        time_range: int = 30,
        y_axis: Literal["plays", "duration"] = "plays",
        user_id: int | None = None,
    ) -> GraphData:
        """Return plays per day and media type."""
        return GraphData.from_dict(
            await self._command_dict(
                "get_plays_by_date",
                time_range=time_range,
                y_axis=y_axis,
                user_id=user_id,
            )
        )

    async def plays_by_stream_type(
        self,
        *,
        time_range: int = 30,
        y_axis: Literal["plays", "duration"] = "plays",
        user_id: int | None = None,
    ) -> GraphData:
        """Return plays per day split into direct play, direct stream and transcode."""
        return GraphData.from_dict(
            await self._command_dict(
                "get_plays_by_stream_type",
                time_range=time_range,
                y_axis=y_axis,
                user_id=user_id,
            )
        )

    async def geoip_lookup(self, ip_address: str) -> GeoIpInfo:
        """Return the geolocation of an IP address."""
        return GeoIpInfo.from_dict(
            await self._command_dict("get_geoip_lookup", ip_address=ip_address)
        )

    async def notifiers(self) -> list[Notifier]:
        """Return the configured notification agents."""
        return [
            Notifier.from_dict(item)
            for item in await self._command_list("get_notifiers")
        ]

    async def add_notifier(self, agent_id: int) -> int:
        """Create an (unconfigured) notification agent and return its notifier id."""
        data = await self._command_dict("add_notifier_config", agent_id=agent_id)
        notifier_id = opt_int(data.get("notifier_id"))
        if notifier_id is None:
            raise SmartPlexRequestError(
                self.service, "add_notifier_config returned no notifier_id"
            )
        return notifier_id

    async def set_notifier_config(
        self, notifier_id: int, agent_id: int, config: Mapping[str, str | int]
    ) -> None:
        """Configure a notification agent (config keys as in Tautulli, e.g. webhook_hook)."""
        await self._command(
            "set_notifier_config", notifier_id=notifier_id, agent_id=agent_id, **config
        )

    async def add_webhook_notifier(
        self,
        url: str,
        *,
        friendly_name: str,
        triggers: Iterable[str] = ("on_play", "on_stop", "on_watched", "on_created"),
        json_body: str = "",
    ) -> int:
        """Create a webhook agent POSTing json_body to url for the given on_* triggers."""
        notifier_id = await self.add_notifier(WEBHOOK_AGENT_ID)
        config: dict[str, str | int] = {
            "friendly_name": friendly_name,
            "webhook_hook": url,
            "webhook_method": "POST",
        }
        for trigger in triggers:
            config[trigger] = 1
            if json_body:
                config[f"{trigger}_body"] = json_body
        await self.set_notifier_config(notifier_id, WEBHOOK_AGENT_ID, config)
        return notifier_id

    async def notify(self, notifier_id: int, *, subject: str, body: str) -> None:
        """Send a notification through one notification agent (a webhook posts body)."""
        await self._command(
            "notify", notifier_id=notifier_id, subject=subject, body=body
        )

    async def delete_notifier(self, notifier_id: int) -> None:
        """Delete a notification agent."""
        await self._command("delete_notifier", notifier_id=notifier_id)
