"""Keep the SmartPlex database in step with the services.

- Library: written from each Sonarr/Radarr's library index whenever it changes (no
  upstream request of its own).
- Play history: the first time every Tautulli history row, page by page in the
  background (oldest first, each page in one transaction with the sync's position, so
  a kill loses and duplicates nothing); then the rows after the newest stored one,
  fetched only when the history coordinator's own poll saw newer rows.
- Titles of plays: stored first with what is known (a cached rating key, a legacy
  agent's guid, else the library's one title of that name and year, else none); then
  each new rating key's get_metadata guids (an episode's: its series'), looked up in
  batches after the pages and cached, map its plays. A library change matches the
  plays without guids to titles again.

All SQLite work runs in the executor; parsing of history pages too.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback

from .arr_coordinator import ArrCoordinators
from .const import DOMAIN
from .daily_statistics import DailyStatistics
from .overseerr_coordinator import OverseerrCoordinators
from .store import SmartPlexStore, sync_log
from .store.sync_log import SyncLogEntry
from .sync_base import KIND_HISTORY, KIND_LIBRARY, KIND_REQUESTS
from .sync_history import HistoryDatabaseSync
from .sync_library import LibraryDatabaseSync
from .sync_people import UsersDatabaseSync
from .sync_requests import RequestsDatabaseSync
from .tautulli_coordinator import TautulliCoordinators

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry


class DatabaseSync:
    """The database syncs of every service of one hub entry."""

    def __init__(
        self, hass: HomeAssistant, entry: SmartPlexConfigEntry, store: SmartPlexStore
    ) -> None:
        """Create the syncs of the entry's services."""
        self.hass = hass
        self.entry = entry
        self.store = store
        self.libraries: dict[str, LibraryDatabaseSync] = {}
        self.histories: dict[str, HistoryDatabaseSync] = {}
        self.users: dict[str, UsersDatabaseSync] = {}
        self.requests: dict[str, RequestsDatabaseSync] = {}
        services = entry.runtime_data.services.values()
        for service in services:
            if isinstance(service.coordinators, ArrCoordinators):
                self.libraries[service.subentry_id] = LibraryDatabaseSync(
                    hass, store, service
                )
        for service in services:
            if isinstance(service.coordinators, TautulliCoordinators):
                history_sync = HistoryDatabaseSync(
                    hass, store, service, list(self.libraries.values())
                )
                self.histories[service.subentry_id] = history_sync
                for library_sync in self.libraries.values():
                    library_sync.on_change.append(
                        partial(self._rematch_later, history_sync)
                    )
                self.users[service.subentry_id] = UsersDatabaseSync(
                    hass, store, service
                )
            elif isinstance(service.coordinators, OverseerrCoordinators):
                self.requests[service.subentry_id] = RequestsDatabaseSync(
                    hass, store, service
                )
        self.daily = DailyStatistics(
            hass, entry, list(self.histories.values()), requests=bool(self.requests)
        )

    @callback
    def _rematch_later(self, history_sync: HistoryDatabaseSync) -> None:
        """Match a history's plays to the library's titles again, in the background."""
        self.entry.async_create_background_task(
            self.hass, history_sync.async_rematch(), f"{DOMAIN} plays to titles"
        )

    async def async_start(self) -> None:
        """Start following the services."""
        self.daily.async_start()
        for sync in self.libraries.values():
            sync.async_start(self.entry)
        for users_sync in self.users.values():
            users_sync.async_start(self.entry)
        for history_sync in self.histories.values():
            await history_sync.async_start(self.entry)
        for requests_sync in self.requests.values():
            await requests_sync.async_start(self.entry)

    async def async_read_log(
        self, instance: str | None, kind: str | None, limit: int
    ) -> list[SyncLogEntry]:
        """Return the newest sync runs first, of one instance or kind if given."""
        return await self.hass.async_add_executor_job(
            self.store.run,
            partial(sync_log.read_log, instance=instance, kind=kind, limit=limit),
        )

    async def async_rebuild(self, instance: str) -> list[str]:
        """Forget what the database holds of one service and sync it again from scratch.

        Return the kinds of data that start over (the first full syncs run in the
        background).
        """
        rebuilt: list[str] = []
        if (library_sync := self.libraries.get(instance)) is not None:
            await library_sync.async_rebuild()
            rebuilt.append(KIND_LIBRARY)
        if (history_sync := self.histories.get(instance)) is not None:
            await history_sync.async_rebuild(self.entry)
            rebuilt.append(KIND_HISTORY)
        if (requests_sync := self.requests.get(instance)) is not None:
            await requests_sync.async_rebuild(self.entry)
            rebuilt.append(KIND_REQUESTS)
        return rebuilt
