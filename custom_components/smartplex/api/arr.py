"""Shared Sonarr/Radarr (API v3) client base."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from .arr_models import (
    Command,
    DiskSpace,
    HealthCheck,
    HistoryEvent,
    Notification,
    QualityProfile,
    RootFolder,
    SystemStatus,
    Tag,
)
from .base import ApiClient, QueryValue, major_version
from .errors import (
    SmartPlexError,
    SmartPlexNotFoundError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
)
from .listing import ListedTitle, listing_decoder
from .models import Page, ServerInfo
from .parse import JsonDict, as_dict, dict_list, opt_str, to_int, to_str

MIN_ARR_VERSION = 3
QUEUE_PAGE_SIZE = 100
# Fields only one service's naming config has. Their system status is alike field for
# field, so they tell Sonarr from Radarr when a build leaves appName out.
NAMING_FIELDS = {
    "Radarr": ("standardMovieFormat", "movieFolderFormat"),
    "Sonarr": ("standardEpisodeFormat", "seriesFolderFormat"),
}
# Downloads in flight at once; a queue longer than this is a stuck client, not a library.
QUEUE_DOWNLOADS_LIMIT = 1000


class ArrClient[QueueT](ApiClient):
    """Endpoints Sonarr and Radarr share under /api/v3."""

    media_param: ClassVar[str]
    library_path: ClassVar[str]
    # What the library index reads of each listed title.
    listed_type: ClassVar[type[ListedTitle]]

    @property
    def _media_key(self) -> str:
        """Return the field naming the movie or series of a record: movieId or seriesId."""
        return f"{self.media_param.lower()}Id"

    async def library[ParsedT](
        self, parse: Callable[[list[ListedTitle] | list[JsonDict]], ParsedT]
    ) -> ParsedT:
        """Return every movie or series as `parse` builds it, decoded and parsed off the loop.

        parse gets the listed fields of each title, or whole objects when the reply is
        not a plain list of them.
        """
        return await self._get_list_parsed(
            self.library_path, parse, decoder=listing_decoder(self.listed_type)
        )

    async def library_item(self, item_id: int) -> JsonDict:
        """Return one movie or series as its API object."""
        return await self._get_dict(f"{self.library_path}/{item_id}")

    async def poster(self, item_id: int) -> tuple[bytes, str]:
        """Return the small poster of a movie or series (bytes and content type)."""
        return await self._get_image(f"/api/v3/mediacover/{item_id}/poster-250.jpg")

    async def latest_history_event(self) -> HistoryEvent | None:
        """Return the newest history entry, if any."""
        params: dict[str, QueryValue] = {
            "page": 1,
            "pageSize": 1,
            "sortKey": "date",
            "sortDirection": "descending",
        }
        page = Page.from_arr(
            await self._get_dict("/api/v3/history", params),
            lambda data: HistoryEvent.from_dict(data, self._media_key),
        )
        return page.records[0] if page.records else None

    async def history_since(self, since: datetime) -> list[HistoryEvent]:
        """Return the history entries from a time on (the change feed)."""
        return await self._get_list_parsed(
            "/api/v3/history/since",
            lambda items: [
                HistoryEvent.from_dict(item, self._media_key) for item in items
            ],
            {"date": since.isoformat()},
        )

    async def queued_downloads(self) -> list[tuple[int, str]]:
        """Return (movie or series id, download id) of every queue record, without embedding."""
        params: dict[str, QueryValue] = {
            "page": 1,
            "pageSize": QUEUE_DOWNLOADS_LIMIT,
            f"include{self.media_param}": False,
        }
        data = await self._get_dict("/api/v3/queue", params)
        return [
            (media_id, download_id)
            for record in dict_list(data.get("records"))
            if (media_id := to_int(record.get(self._media_key)))
            and (download_id := opt_str(record.get("downloadId")))
        ]

    def _parse_queue_item(self, data: JsonDict) -> QueueT:
        """Build a service-specific queue record."""
        raise NotImplementedError

    async def system_status(self) -> SystemStatus:
        """Return /system/status."""
        return SystemStatus.from_dict(await self._get_dict("/api/v3/system/status"))

    async def validate(self) -> ServerInfo:
        """Check that this is the expected *arr at API v3 with a valid key."""
        try:
            status = await self.system_status()
        except SmartPlexNotFoundError:
            raise await self._legacy_or_wrong_service() from None
        # Older and nightly builds leave appName out of their status.
        app_name = status.app_name or await self._app_name_from_naming()
        if app_name.lower() != self.service.lower():
            raise SmartPlexWrongServiceError(
                self.service,
                f"the URL answers as {app_name or 'something else'}, not {self.service}",
            )
        major = major_version(status.version)
        if major is None or major < MIN_ARR_VERSION:
            raise self._unsupported_version(status.version)
        return ServerInfo(
            service=self.service,
            name=status.instance_name or app_name,
            version=status.version,
            instance_id=None,
        )

    async def _app_name_from_naming(self) -> str:
        """Name the service by its naming config's fields ("" when they fit neither)."""
        try:
            naming = await self._get_dict("/api/v3/config/naming")
        except SmartPlexNotFoundError:
            return ""
        return next(
            (
                app_name
                for app_name, fields in NAMING_FIELDS.items()
                if any(field in naming for field in fields)
            ),
            "",
        )

    async def _legacy_or_wrong_service(self) -> SmartPlexError:
        """Tell a pre-v3 server (only /api/system/status) from a wrong URL or base path."""
        wrong = SmartPlexWrongServiceError(
            self.service,
            f"no {self.service} API v3 at this URL (check the base path, e.g. /{self.service.lower()})",
        )
        try:
            legacy = await self._request("GET", "/api/system/status")
        except SmartPlexError:
            return wrong
        version = to_str(as_dict(legacy).get("version"))
        if not version:
            return wrong
        return self._unsupported_version(version)

    def _unsupported_version(self, version: str) -> SmartPlexUnsupportedVersionError:
        """Return the error for a version below MIN_ARR_VERSION (or none at all)."""
        return SmartPlexUnsupportedVersionError(
            self.service,
            f"version {version} is not supported (need {MIN_ARR_VERSION} or newer)",
            version=version,
        )

    async def disk_space(self) -> list[DiskSpace]:
        """Return free/total space per mount."""
        return [
            DiskSpace.from_dict(item)
            for item in await self._get_list("/api/v3/diskspace")
        ]

    async def root_folders(self) -> list[RootFolder]:
        """Return the library root folders."""
        return [
            RootFolder.from_dict(item)
            for item in await self._get_list("/api/v3/rootfolder")
        ]

    async def quality_profiles(self) -> list[QualityProfile]:
        """Return the quality profiles."""
        return [
            QualityProfile.from_dict(item)
            for item in await self._get_list("/api/v3/qualityprofile")
        ]

    async def tags(self) -> list[Tag]:
        """Return all tags."""
        return [Tag.from_dict(item) for item in await self._get_list("/api/v3/tag")]

    async def create_tag(self, label: str) -> Tag:
        """Create a tag and return it."""
        return Tag.from_dict(await self._post_dict("/api/v3/tag", {"label": label}))

    async def health(self) -> list[HealthCheck]:
        """Return current health problems."""
        return [
            HealthCheck.from_dict(item)
            for item in await self._get_list("/api/v3/health")
        ]

    async def queue(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        include_unknown: bool = False,
        include_media: bool = True,
    ) -> Page[QueueT]:
        """Return one page of the download queue, by default with the series/movie embedded."""
        params: dict[str, QueryValue] = {
            "page": page,
            "pageSize": page_size,
            f"includeUnknown{self.media_param}Items": include_unknown,
            f"include{self.media_param}": include_media,
        }
        if include_media:
            params.update(self._queue_extra_params())
        data = await self._get_dict("/api/v3/queue", params)
        return Page.from_arr(data, self._parse_queue_item)

    def _queue_extra_params(self) -> dict[str, QueryValue]:
        """Return service-specific parameters that embed more media."""
        return {}

    async def queue_all(
        self, *, max_pages: int = 50, include_media: bool = True
    ) -> list[QueueT]:
        """Return every queue record, following pages (bounded by max_pages)."""
        records: list[QueueT] = []
        page = 1
        while page <= max_pages:
            result: Page[QueueT] = await self.queue(
                page=page, page_size=QUEUE_PAGE_SIZE, include_media=include_media
            )
            records.extend(result.records)
            if page >= result.total_pages or not result.records:
                break
            page += 1
        return records

    async def remove_queue_items(
        self,
        queue_ids: Iterable[int],
        *,
        remove_from_client: bool = True,
        blocklist: bool = False,
    ) -> None:
        """Remove queue records in one request, optionally from the download client and blocklisting."""
        await self._request(
            "DELETE",
            "/api/v3/queue/bulk",
            params={"removeFromClient": remove_from_client, "blocklist": blocklist},
            json_body={"ids": sorted(queue_ids)},
        )

    async def command(self, name: str, **body: Any) -> Command:
        """Start a command (e.g. a search) and return its initial state."""
        return Command.from_dict(
            await self._post_dict("/api/v3/command", {"name": name, **body})
        )

    async def command_status(self, command_id: int) -> Command:
        """Return the state of a command."""
        return Command.from_dict(await self._get_dict(f"/api/v3/command/{command_id}"))

    async def notifications(self) -> list[Notification]:
        """Return the configured notification connections."""
        return [
            Notification.from_dict(item)
            for item in await self._get_list("/api/v3/notification")
        ]

    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Iterable[str],
        *,
        tags: Iterable[int] = (),
    ) -> Notification:
        """Create a webhook connection (POST JSON to url) for the given on* events."""
        return Notification.from_dict(
            await self._post_dict(
                "/api/v3/notification", _webhook_body(name, url, events, tags)
            )
        )

    async def test_webhook(self, name: str, url: str) -> None:
        """Make the service send its Test notification to a webhook URL."""
        await self._request(
            "POST",
            "/api/v3/notification/test",
            json_body=_webhook_body(name, url, (), ()),
        )

    async def delete_notification(self, notification_id: int) -> None:
        """Delete a notification connection."""
        await self._request("DELETE", f"/api/v3/notification/{notification_id}")

    def _calendar_params(
        self, start: datetime, end: datetime, unmonitored: bool
    ) -> dict[str, QueryValue]:
        """Return the calendar window parameters in ISO 8601."""
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "unmonitored": unmonitored,
        }


def _webhook_body(
    name: str, url: str, events: Iterable[str], tags: Iterable[int]
) -> dict[str, Any]:
    """Return a Webhook NotificationResource (POST JSON to url) for the given on* events."""
    body: dict[str, Any] = {
        "name": name,
        "implementation": "Webhook",
        "configContract": "WebhookSettings",
        "fields": [
            {"name": "url", "value": url},
            {"name": "method", "value": 1},
        ],
        "tags": list(tags),
    }
    body.update(dict.fromkeys(events, True))
    return body
