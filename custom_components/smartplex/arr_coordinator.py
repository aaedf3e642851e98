"""Coordinators that poll a Sonarr or Radarr."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api import RadarrClient, SmartPlexError, SonarrClient
from .api.arr_models import DiskSpace, HealthCheck, RootFolder
from .api.radarr import Movie
from .api.sonarr import Episode
from .const import (
    CONF_UPCOMING_DAYS,
    DEFAULT_UPCOMING_DAYS,
    DOMAIN,
    INTERVAL_CALENDAR,
    INTERVAL_LIBRARY,
    INTERVAL_LIBRARY_RESYNC,
    INTERVAL_QUEUE,
    INTERVAL_SYSTEM,
    INTERVAL_WANTED,
    LOGGER,
)
from .coordinator import ArrClient, BaseCoordinators, SmartPlexCoordinator
from .library import LibraryIndex, LibraryItem, LibrarySync

type CalendarItem = Episode | Movie

# The queue's downloads are recounted at least this often even when it looks unchanged.
QUEUE_RECOUNT = timedelta(minutes=15)


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
