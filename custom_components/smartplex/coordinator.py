"""Coordinators that poll each SmartPlex service, one per service instance and data kind."""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
import logging
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    OverseerrClient,
    RadarrClient,
    ServerInfo,
    SmartPlexApiDisabledError,
    SmartPlexAuthError,
    SmartPlexError,
    SmartPlexRateLimitError,
    SmartPlexUnsupportedVersionError,
    SonarrClient,
    TautulliClient,
    TmdbClient,
)
from .api.arr import DiskSpace, HealthCheck, RootFolder
from .api.overseerr import (
    IssueCounts,
    MediaStatus,
    OverseerrRequest,
    RequestCounts,
    RequestStatus,
)
from .api.radarr import Movie
from .api.sonarr import Episode
from .api.tautulli import Activity, HistoryRow, TautulliUser
from .const import (
    CONF_SUBENTRY_ID,
    CONF_UPCOMING_DAYS,
    DEFAULT_TMDB_URL,
    DEFAULT_UPCOMING_DAYS,
    DOMAIN,
    INTERVAL_ACTIVITY,
    INTERVAL_CALENDAR,
    INTERVAL_HISTORY,
    INTERVAL_LIBRARY,
    INTERVAL_LIBRARY_RESYNC,
    INTERVAL_QUEUE,
    INTERVAL_REQUESTS,
    INTERVAL_STATUS,
    INTERVAL_SYSTEM,
    INTERVAL_TMDB,
    INTERVAL_USERS,
    INTERVAL_WANTED,
    LOGGER,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)
from .library import LibraryIndex, LibraryItem, LibrarySync
from .models import SmartPlexConfigEntry, SmartPlexService

type ArrClient = SonarrClient | RadarrClient
type ServiceClient = ArrClient | OverseerrClient | TautulliClient | TmdbClient
type CalendarItem = Episode | Movie

# The queue's downloads are recounted at least this often even when it looks unchanged.
QUEUE_RECOUNT = timedelta(minutes=15)
# A failing service is retried sooner than a slow interval, so it recovers quickly.
RETRY_INTERVAL = timedelta(minutes=2)
# A burst of push notifications or writes refreshes a coordinator at once, then at
# most once per this window (Home Assistant's default waits 10 s).
REFRESH_COOLDOWN = 2.0
# LAN services answer within a second; 10 s still tolerates a busy NAS waking its disks.
REQUEST_TIMEOUT = 10.0
RECENT_REQUESTS = 20
# A day of plays on a big server fits in one page; later polls are incremental.
HISTORY_DAY_LIMIT = 1000
STATUS_EVENTS: dict[int, str] = {
    RequestStatus.APPROVED: "approved",
    RequestStatus.DECLINED: "declined",
    RequestStatus.FAILED: "failed",
}


# The coordinators' own per-poll failure and recovery lines: SmartPlex logs once per
# service instead (a Sonarr has five coordinators, and all fail together).
COORDINATOR_STATUS_MESSAGES = frozenset(
    {
        "Error fetching %s data: %s",
        "Authentication failed while fetching %s data: %s",
        "Fetching %s data recovered",
    }
)


class _PerServiceLogFilter(logging.Filter):
    """Drop the coordinators' per-poll status lines; unexpected errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether the record is logged."""
        return record.msg not in COORDINATOR_STATUS_MESSAGES


POLL_LOGGER = LOGGER.getChild("poll")
POLL_LOGGER.addFilter(_PerServiceLogFilter())


def create_client(
    hass: HomeAssistant, service_type: str, data: Mapping[str, Any]
) -> ServiceClient:
    """Return a client for a service, on Home Assistant's shared HTTP session."""
    session = async_get_clientsession(hass, verify_ssl=data[CONF_VERIFY_SSL])
    url: str = data[CONF_URL]
    api_key: str = data[CONF_API_KEY]
    verify_ssl: bool = data[CONF_VERIFY_SSL]
    if service_type == SERVICE_TMDB:
        return TmdbClient(
            session,
            api_key,
            url=url or DEFAULT_TMDB_URL,
            verify_ssl=verify_ssl,
            timeout=REQUEST_TIMEOUT,
        )
    client_types: dict[str, type[ArrClient | OverseerrClient | TautulliClient]] = {
        SERVICE_SONARR: SonarrClient,
        SERVICE_RADARR: RadarrClient,
        SERVICE_OVERSEERR: OverseerrClient,
        SERVICE_TAUTULLI: TautulliClient,
    }
    client_type = client_types[service_type]
    return client_type(
        session, url, api_key, verify_ssl=verify_ssl, timeout=REQUEST_TIMEOUT
    )


class SmartPlexCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Poll one kind of data from one service and map its errors."""

    config_entry: SmartPlexConfigEntry
    kind: str
    interval: timedelta

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
    ) -> None:
        """Set up polling at the interval that fits this kind of data."""
        super().__init__(
            hass,
            POLL_LOGGER,
            config_entry=entry,
            name=f"{service.title} {self.kind}",
            update_interval=self.interval,
            request_refresh_debouncer=Debouncer(
                hass, POLL_LOGGER, cooldown=REFRESH_COOLDOWN, immediate=True
            ),
        )
        self.service = service
        # Unavailable until the first fetch succeeds: setup does not wait for it.
        self.last_update_success = False

    async def _async_update_data(self) -> DataT:
        """Fetch the data, turning client errors into coordinator errors."""
        try:
            self._check_version()
            # A task of the entry, so that unloading cancels a request still running.
            data = await self.config_entry.async_create_background_task(
                self.hass, self._async_fetch(), f"{self.name} fetch"
            )
        except SmartPlexError as err:
            self._report_failure(err)
            raise self._coordinator_error(err) from err
        self._report_success()
        self.service.last_success = dt_util.utcnow()
        return data

    def _check_version(self) -> None:
        """Refuse to fetch while the service runs an unsupported version."""
        if (version := self.service.unsupported_version) is not None:
            raise SmartPlexUnsupportedVersionError(
                self.service.title,
                f"version {version} is not supported",
                version=version,
            )

    def _report_failure(self, err: SmartPlexError) -> None:
        """Log once when the first coordinator of a working service fails."""
        if not self.service.failing:
            LOGGER.info("%s is unavailable: %s", self.service.title, err)
        self.service.failing.add(self.kind)

    def _report_success(self) -> None:
        """Close a stale reauth flow, and log when the last failing coordinator recovers."""
        service = self.service
        if service.key_rejected:
            service.key_rejected = False
            self._abort_reauth()
        if self.kind not in service.failing:
            return
        service.failing.discard(self.kind)
        if service.failing:
            return
        LOGGER.info("%s is available again", service.title)
        ir.async_delete_issue(self.hass, DOMAIN, f"api_disabled_{service.subentry_id}")

    def _abort_reauth(self) -> None:
        """Close the reauth flow of this service: its key works (again)."""
        flows = self.hass.config_entries.flow
        subentry_id = self.service.subentry_id
        for flow in flows.async_progress_by_init_data_type(
            dict, lambda data: data.get(CONF_SUBENTRY_ID) == subentry_id
        ):
            if (
                flow["handler"] == DOMAIN
                and flow["context"].get("entry_id") == self.config_entry.entry_id
            ):
                flows.async_abort(flow["flow_id"])

    def _coordinator_error(self, err: SmartPlexError) -> UpdateFailed:
        """Return the coordinator error for a client error, starting reauth or a repair."""
        service = self.service
        placeholders = {"service": service.title}
        translation_key = "update_failed"
        if isinstance(err, SmartPlexAuthError):
            # Only this service asks for a key; its polls go on, so a key that works
            # again by itself closes the flow (see _report_success).
            service.key_rejected = True
            translation_key = "auth_failed"
            self.config_entry.async_start_reauth(
                self.hass,
                context={"title_placeholders": {"name": service.title}},
                data={CONF_SUBENTRY_ID: service.subentry_id},
            )
        elif isinstance(err, SmartPlexApiDisabledError):
            # A new key would not help: the user has to switch the API back on.
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"api_disabled_{service.subentry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="api_disabled",
                translation_placeholders=placeholders,
            )
        retry_after = (
            err.retry_after
            if isinstance(err, SmartPlexRateLimitError) and err.retry_after
            else min(self.interval, RETRY_INTERVAL).total_seconds()
        )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={**placeholders, "error": str(err)},
            retry_after=retry_after,
        )

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Fetch this coordinator's data from the service."""


class ArrCoordinator[DataT](SmartPlexCoordinator[DataT]):
    """A coordinator for Sonarr or Radarr."""

    @property
    def client(self) -> ArrClient:
        """Return the Sonarr or Radarr client."""
        client = self.service.client
        assert isinstance(client, SonarrClient | RadarrClient)
        return client


class ArrQueueCoordinator(ArrCoordinator[int]):
    """Count the downloads in the queue."""

    kind = "queue"
    interval = INTERVAL_QUEUE

    _listed: tuple[int, int | None] | None = None
    _listed_at: datetime | None = None

    async def _async_fetch(self) -> int:
        """Return the number of downloads; the records of a season pack count once.

        Counting downloads needs every record, so the queue is listed only when its first
        record or its length changed, or the last listing is older than QUEUE_RECOUNT;
        otherwise a poll is one record (a full listing every minute was most of the
        traffic of a large server).
        """
        head = await self.client.queue(page_size=1, include_media=False)
        shape = (head.total_records, head.records[0].id if head.records else None)
        now = dt_util.utcnow()
        if (
            shape == self._listed
            and self._listed_at is not None
            and now - self._listed_at < QUEUE_RECOUNT
            and self.data is not None
        ):
            return self.data
        if head.total_records <= 1:
            downloads = head.total_records
        else:
            records = await self.client.queue_all(include_media=False)
            downloads = len({record.download_id or record.id for record in records})
        self._listed, self._listed_at = shape, now
        return downloads


class ArrHealthCoordinator(ArrCoordinator[list[HealthCheck]]):
    """Fetch the health checks."""

    kind = "health"
    interval = INTERVAL_SYSTEM

    async def _async_fetch(self) -> list[HealthCheck]:
        """Return the current health problems."""
        return await self.client.health()


class ArrRootFolderCoordinator(ArrCoordinator[list[RootFolder]]):
    """Fetch the root folders and raise repairs for missing ones."""

    kind = "root_folders"
    interval = INTERVAL_SYSTEM

    # The mounts (free and total space) the root folders live on, from the same poll.
    disks: list[DiskSpace]

    async def _async_fetch(self) -> list[RootFolder]:
        """Return the root folders (and keep the disks they are on)."""
        folders, self.disks = await asyncio.gather(
            self.client.root_folders(), self.client.disk_space()
        )
        self._update_root_folder_issues(folders)
        return folders

    def used_percent(self, folder: RootFolder) -> float | None:
        """Return how full the disk of a root folder is (None when unknown)."""
        disk = disk_of(folder.path, getattr(self, "disks", []))
        if disk is None:
            return None
        return round((disk.total_space - disk.free_space) * 100 / disk.total_space, 1)

    def _update_root_folder_issues(self, folders: list[RootFolder]) -> None:
        """Create a repair issue per inaccessible root folder and drop fixed ones."""
        prefix = f"root_folder_{self.service.subentry_id}_"
        wanted = {
            f"{prefix}{folder.id}": folder
            for folder in folders
            if not folder.accessible
        }
        registry = ir.async_get(self.hass)
        for issue_id, _domain in list(registry.issues):
            if (
                _domain == DOMAIN
                and issue_id.startswith(prefix)
                and issue_id not in wanted
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        for issue_id, folder in wanted.items():
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="root_folder_missing",
                translation_placeholders={
                    "service": self.service.title,
                    "path": folder.path,
                },
            )


def disk_of(path: str, disks: Iterable[DiskSpace]) -> DiskSpace | None:
    """Return the mount a path lives on (the longest mount path it starts with)."""
    return max(
        (
            disk
            for disk in disks
            if disk.total_space > 0
            and (path == disk.path or path.startswith(disk.path.rstrip("/") + "/"))
        ),
        key=lambda disk: len(disk.path),
        default=None,
    )


@dataclass(frozen=True, kw_only=True)
class ArrLibrary:
    """Size of a Sonarr or Radarr library."""

    count: int
    size_on_disk: int


class ArrLibraryCoordinator(ArrCoordinator[ArrLibrary]):
    """Own the instance's library index: a full listing now and then, changes in between."""

    kind = "library"
    interval = INTERVAL_LIBRARY
    _resynced_at: datetime | None = None

    @cached_property
    def sync(self) -> LibrarySync:
        """Return what fills and updates the index (it starts empty)."""
        return LibrarySync(self.client)

    @property
    def index(self) -> LibraryIndex:
        """Return the library index (check `loaded` before trusting it)."""
        return self.sync.index

    async def _async_fetch(self) -> ArrLibrary:
        """Apply what changed since the last poll, or list everything when due."""
        now = dt_util.utcnow()
        if (
            self._resynced_at is None
            or not self.index.loaded
            or now - self._resynced_at >= INTERVAL_LIBRARY_RESYNC
        ):
            await self.sync.async_resync()
            self._resynced_at = now
        else:
            await self.sync.async_apply_changes()
        return self._snapshot()

    def _snapshot(self) -> ArrLibrary:
        """Return the numbers the entities show."""
        return ArrLibrary(count=len(self.index), size_on_disk=self.index.size_on_disk)

    async def async_title_changed(self, item_ids: Iterable[int]) -> None:
        """Re-read titles named by a push notification or our own write, and publish."""
        try:
            await self.sync.async_titles_changed(item_ids)
        except SmartPlexError as err:
            # The next poll of the change feed catches up.
            LOGGER.debug("Could not re-read %s titles: %s", self.service.title, err)
            return
        self.async_set_updated_data(self._snapshot())

    def async_title_added(self, item: LibraryItem) -> None:
        """Put a title SmartPlex itself just added into the index at once."""
        self.index.upsert(item)
        if self.index.loaded:
            self.async_set_updated_data(self._snapshot())


class ArrWantedCoordinator(ArrCoordinator[int]):
    """Count the monitored items that have no file."""

    kind = "wanted"
    interval = INTERVAL_WANTED

    async def _async_fetch(self) -> int:
        """Return the total; one record per page is enough for the count."""
        return (await self.client.wanted_missing(page_size=1)).total_records


class ArrCutoffUnmetCoordinator(ArrCoordinator[int]):
    """Count the items whose file is below the quality cutoff."""

    kind = "cutoff_unmet"
    interval = INTERVAL_WANTED

    async def _async_fetch(self) -> int:
        """Return the total; one record per page is enough for the count."""
        return (await self.client.cutoff_unmet(page_size=1)).total_records


class ArrCalendarCoordinator(ArrCoordinator[list[CalendarItem]]):
    """Fetch what airs or is released in the upcoming window."""

    kind = "calendar"
    interval = INTERVAL_CALENDAR

    async def _async_fetch(self) -> list[CalendarItem]:
        """Return the episodes or movies of the next days."""
        days = self.config_entry.options.get(CONF_UPCOMING_DAYS, DEFAULT_UPCOMING_DAYS)
        start = dt_util.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return await self.async_get_range(start, start + timedelta(days=days))

    async def async_get_range(
        self, start: datetime, end: datetime
    ) -> list[CalendarItem]:
        """Return the calendar items between two times."""
        return list(await self.client.calendar(start, end))


@dataclass(frozen=True, kw_only=True)
class RequestEvent:
    """A change of an Overseerr request seen between two polls."""

    event_type: str
    request: OverseerrRequest


class OverseerrCoordinator[DataT](SmartPlexCoordinator[DataT]):
    """A coordinator for Overseerr, Jellyseerr or Seerr."""

    @property
    def client(self) -> OverseerrClient:
        """Return the Overseerr client."""
        client = self.service.client
        assert isinstance(client, OverseerrClient)
        return client


class OverseerrRequestCountsCoordinator(OverseerrCoordinator[RequestCounts]):
    """Poll the request totals by status."""

    kind = "requests"
    interval = INTERVAL_REQUESTS

    async def _async_fetch(self) -> RequestCounts:
        """Return the request totals."""
        return await self.client.request_counts()


class OverseerrIssueCountsCoordinator(OverseerrCoordinator[IssueCounts]):
    """Poll the issue totals."""

    kind = "issues"
    interval = INTERVAL_REQUESTS

    async def _async_fetch(self) -> IssueCounts:
        """Return the issue totals."""
        return await self.client.issue_counts()


class OverseerrRequestEventsCoordinator(OverseerrCoordinator[list[RequestEvent]]):
    """Detect request changes for the event entity."""

    kind = "request_events"
    interval = INTERVAL_REQUESTS

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
    ) -> None:
        """Start without knowledge of earlier requests."""
        super().__init__(hass, entry, service)
        self._seen: dict[int, tuple[int, int | None]] | None = None
        self.recent: list[OverseerrRequest] = []
        # Request ids only grow, so an id above every one seen before is a new
        # request; unlike timestamps this does not depend on the two clocks agreeing.
        self._newest_id = 0

    async def _async_fetch(self) -> list[RequestEvent]:
        """Return the events derived from recently modified requests."""
        recent = await self.client.requests(take=RECENT_REQUESTS, sort="modified")
        # The database sync stores these as they are (no request of its own).
        self.recent = list(recent.records)
        return self._diff(self.recent)

    def _diff(self, requests: list[OverseerrRequest]) -> list[RequestEvent]:
        """Compare requests with the previous poll and return what changed, oldest first."""
        previous = self._seen
        self._seen = {
            request.id: (
                request.status,
                request.media.status if request.media else None,
            )
            for request in requests
        }
        newest_before = self._newest_id
        self._newest_id = max([newest_before, *self._seen])
        if previous is None:
            # The first poll only learns the current state; it is not news.
            return []
        events = []
        for request in reversed(requests):
            state = self._seen[request.id]
            if previous.get(request.id) == state:
                continue
            if event_type := self._event_type(request, newest_before):
                events.append(RequestEvent(event_type=event_type, request=request))
        return events

    @staticmethod
    def _event_type(request: OverseerrRequest, newest_before: int) -> str | None:
        """Name what happened to a request that is new or changed."""
        if request.id > newest_before:
            return "created"
        if request.media is not None and request.media.status == MediaStatus.AVAILABLE:
            return "available"
        return STATUS_EVENTS.get(request.status)


class TautulliCoordinator[DataT](SmartPlexCoordinator[DataT]):
    """A coordinator for Tautulli."""

    @property
    def client(self) -> TautulliClient:
        """Return the Tautulli client."""
        client = self.service.client
        assert isinstance(client, TautulliClient)
        return client


class TautulliActivityCoordinator(TautulliCoordinator[Activity]):
    """Poll the live streams."""

    kind = "activity"
    interval = INTERVAL_ACTIVITY

    async def _async_fetch(self) -> Activity:
        """Return the current activity."""
        return await self.client.activity()


class TautulliHistoryCoordinator(TautulliCoordinator[list[HistoryRow]]):
    """Keep today's plays, fetching only rows newer than the last one seen."""

    kind = "history"
    interval = INTERVAL_HISTORY

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
    ) -> None:
        """Start without history."""
        super().__init__(hass, entry, service)
        self._rows: dict[int, HistoryRow] = {}
        self._last_row_id: int | None = None

    @property
    def newest_row_id(self) -> int:
        """Return the newest history row id seen (0 before the first poll)."""
        return self._last_row_id or 0

    async def _async_fetch(self) -> list[HistoryRow]:
        """Return the plays that started today (local time)."""
        today = dt_util.start_of_local_day()
        if self._last_row_id is None:
            latest, todays = await asyncio.gather(
                self.client.history(length=1, order_column="stopped"),
                self.client.history(
                    after=today.date().isoformat(), length=HISTORY_DAY_LIMIT
                ),
            )
            rows = [*latest.rows, *todays.rows]
        else:
            rows = await self.client.history_since(self._last_row_id)
        self._rows.update((row.row_id, row) for row in rows)
        self._last_row_id = max(self._rows, default=self._last_row_id or 0)
        self._rows = {
            row_id: row
            for row_id, row in self._rows.items()
            if row.date is not None and row.date >= today
        }
        return sorted(self._rows.values(), key=lambda row: row.row_id)


class TautulliUsersCoordinator(TautulliCoordinator[list[TautulliUser]]):
    """Fetch the users Tautulli knows, for the per-user sensors."""

    kind = "users"
    interval = INTERVAL_USERS

    async def _async_fetch(self) -> list[TautulliUser]:
        """Return the active users."""
        return [user for user in await self.client.users() if user.is_active]


class ServiceStatusCoordinator(SmartPlexCoordinator[ServerInfo]):
    """Identify the service and check its version; its other data waits while unsupported."""

    kind = "status"
    interval = INTERVAL_STATUS

    def _check_version(self) -> None:
        """Always ask: this is the coordinator that finds out."""

    async def _async_fetch(self) -> ServerInfo:
        """Return the service's identity, raising a repair for an unsupported version."""
        service = self.service
        issue_id = f"unsupported_version_{service.subentry_id}"
        was_unsupported = service.unsupported_version is not None
        try:
            info = await service.client.validate()
        except SmartPlexUnsupportedVersionError as err:
            service.unsupported_version = err.version
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="unsupported_version",
                translation_placeholders={
                    "service": service.title,
                    "version": err.version,
                },
            )
            if not was_unsupported:
                self._refresh_data()
            raise
        ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        service.unsupported_version = None
        if was_unsupported:
            self._refresh_data()
        if info != service.info:
            service.info = info
            self._update_device(info)
        return info

    def _refresh_data(self) -> None:
        """Poll the service's other data now: it just became usable or unusable."""
        for coordinator in data_coordinators(self.service):
            self.config_entry.async_create_background_task(
                self.hass, coordinator.async_refresh(), f"{coordinator.name} refresh"
            )

    def _update_device(self, info: ServerInfo) -> None:
        """Show the service's current name and version on its device."""
        registry = dr.async_get(self.hass)
        # Looked up within the entry: HA 2026.10 deprecates the global identifier lookup.
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if (DOMAIN, self.service.subentry_id) in device.identifiers:
                registry.async_update_device(
                    device.id, model=info.name, sw_version=info.version
                )


class TmdbStatusCoordinator(ServiceStatusCoordinator):
    """Check that TMDB is reachable and the key still works."""

    interval = INTERVAL_TMDB


@dataclass(kw_only=True)
class BaseCoordinators:
    """The coordinator every service has."""

    status: ServiceStatusCoordinator


@dataclass(kw_only=True)
class ArrCoordinators(BaseCoordinators):
    """The coordinators of a Sonarr or Radarr."""

    queue: ArrQueueCoordinator
    health: ArrHealthCoordinator
    root_folders: ArrRootFolderCoordinator
    library: ArrLibraryCoordinator
    wanted: ArrWantedCoordinator
    cutoff_unmet: ArrCutoffUnmetCoordinator
    calendar: ArrCalendarCoordinator


@dataclass(kw_only=True)
class OverseerrCoordinators(BaseCoordinators):
    """The coordinators of an Overseerr, Jellyseerr or Seerr."""

    requests: OverseerrRequestCountsCoordinator
    issues: OverseerrIssueCountsCoordinator
    request_events: OverseerrRequestEventsCoordinator


@dataclass(kw_only=True)
class TautulliCoordinators(BaseCoordinators):
    """The coordinators of a Tautulli."""

    activity: TautulliActivityCoordinator
    history: TautulliHistoryCoordinator
    users: TautulliUsersCoordinator


type ServiceCoordinators = (
    ArrCoordinators | OverseerrCoordinators | TautulliCoordinators | BaseCoordinators
)


def all_coordinators(service: SmartPlexService) -> list[SmartPlexCoordinator[Any]]:
    """Return every coordinator of a service."""
    return list(vars(service.coordinators).values())


def data_coordinators(service: SmartPlexService) -> list[SmartPlexCoordinator[Any]]:
    """Return the coordinators of a service except its status check."""
    status = service.coordinators.status
    return [
        coordinator
        for coordinator in all_coordinators(service)
        if coordinator is not status
    ]


def create_service(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, subentry: ConfigSubentry
) -> SmartPlexService:
    """Create the client and coordinators of one configured service."""
    service = SmartPlexService(
        subentry=subentry,
        client=create_client(hass, subentry.subentry_type, subentry.data),
    )
    coordinators: ServiceCoordinators
    status_type = (
        TmdbStatusCoordinator
        if subentry.subentry_type == SERVICE_TMDB
        else ServiceStatusCoordinator
    )
    status = status_type(hass, entry, service)
    if subentry.subentry_type in (SERVICE_SONARR, SERVICE_RADARR):
        coordinators = ArrCoordinators(
            status=status,
            queue=ArrQueueCoordinator(hass, entry, service),
            health=ArrHealthCoordinator(hass, entry, service),
            root_folders=ArrRootFolderCoordinator(hass, entry, service),
            library=ArrLibraryCoordinator(hass, entry, service),
            wanted=ArrWantedCoordinator(hass, entry, service),
            cutoff_unmet=ArrCutoffUnmetCoordinator(hass, entry, service),
            calendar=ArrCalendarCoordinator(hass, entry, service),
        )
    elif subentry.subentry_type == SERVICE_OVERSEERR:
        coordinators = OverseerrCoordinators(
            status=status,
            requests=OverseerrRequestCountsCoordinator(hass, entry, service),
            issues=OverseerrIssueCountsCoordinator(hass, entry, service),
            request_events=OverseerrRequestEventsCoordinator(hass, entry, service),
        )
    elif subentry.subentry_type == SERVICE_TAUTULLI:
        coordinators = TautulliCoordinators(
            status=status,
            activity=TautulliActivityCoordinator(hass, entry, service),
            history=TautulliHistoryCoordinator(hass, entry, service),
            users=TautulliUsersCoordinator(hass, entry, service),
        )
    else:
        coordinators = BaseCoordinators(status=status)
    service.coordinators = coordinators
    return service


async def async_start_service(service: SmartPlexService) -> None:
    """Identify a service, then fetch its data; until then its entities are unavailable.

    Setup runs this in the background, so a slow service holds up nothing else.
    """
    await service.coordinators.status.async_refresh()
    if service.unsupported_version is None:
        await asyncio.gather(
            *(coordinator.async_refresh() for coordinator in data_coordinators(service))
        )
