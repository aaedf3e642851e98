"""Tautulli API v2 client (its models: tautulli_models.py, tautulli_history.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from .base import ApiClient, QueryValue, major_version, off_the_loop
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
from .parse import JsonDict, as_dict, dict_list, opt_int, to_int, to_str
from .tautulli_history import HistoryPage, HistoryRow, ItemIds, StreamData
from .tautulli_models import (
    Activity,
    GeoIpInfo,
    GraphData,
    HomeStat,
    Library,
    LibraryMediaPage,
    Notifier,
    PlexServerInfo,
    TautulliInfo,
    TautulliUser,
    WatchTimeStat,
)

MIN_TAUTULLI_VERSION = 2
WEBHOOK_AGENT_ID = 25
HISTORY_PAGE_SIZE = 100
# A poll usually finds no new play or a few: ask for a few rows first, a page after that.
HISTORY_FIRST_PAGE = 5


def _envelope_message(payload: Any) -> str:
    """Return the message of a Tautulli response envelope ("" when there is none)."""
    return to_str(as_dict(as_dict(payload).get("response")).get("message"))


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

        Decoded and parsed in the executor, the collector held back (as for a library):
        a full sync reads pages of thousands of rows.
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

        return await off_the_loop(decode_and_parse)

    async def item_ids(self, rating_key: int) -> ItemIds | None:
        """Return a title's external ids from its Plex metadata (None if Plex lost it)."""
        data = await self._command_dict("get_metadata", rating_key=rating_key)
        return ItemIds.from_metadata(data) if data else None

    async def stream_data(self, row_id: int) -> StreamData | None:
        """Return how a history row was streamed (None if Tautulli has no details)."""
        data = await self._command_dict("get_stream_data", row_id=row_id)
        return StreamData.from_dict(data) if data else None

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
