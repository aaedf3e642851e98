"""Write each Sonarr/Radarr library index to the database whenever it changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .arr_coordinator import ArrCoordinators
from .const import DOMAIN
from .library import LibraryItem
from .store import SmartPlexStore, StoreError, library
from .sync_base import KIND_LIBRARY, ServiceSync, now_seconds

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry, SmartPlexService


class LibraryDatabaseSync(ServiceSync):
    """Write a Sonarr/Radarr's library index to the database whenever it changes."""

    kind = KIND_LIBRARY

    def __init__(
        self, hass: HomeAssistant, store: SmartPlexStore, service: SmartPlexService
    ) -> None:
        """Start knowing nothing of what is stored."""
        super().__init__(hass, store, service)
        # What the database holds, by title id (None until read once).
        self._written: dict[int, LibraryItem] | None = None
        self._lock = asyncio.Lock()
        self._dirty = False
        # Whether the library was written (or could not be): plays match titles by it.
        self._written_once = False
        # Set once the library was written (or could not be): wakes the history sync.
        self.written = asyncio.Event()
        # Called after a write that changed titles (plays match titles again).
        self.on_change: list[Callable[[], None]] = []

    @property
    def settled(self) -> bool:
        """Return whether the library was written or cannot be for now."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, ArrCoordinators)
        return (
            self._written_once
            or coordinators.library.last_exception is not None
            or self.service.unsupported_version is not None
        )

    @callback
    def async_start(self, entry: SmartPlexConfigEntry) -> None:
        """Follow the library coordinator."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, ArrCoordinators)
        coordinator = coordinators.library

        @callback
        def changed() -> None:
            if coordinator.index.loaded:
                entry.async_create_background_task(
                    self.hass, self.async_write(), f"{DOMAIN} library to database"
                )

        entry.async_on_unload(coordinator.async_add_listener(changed))

    async def async_rebuild(self) -> None:
        """Delete the stored titles and write the whole index again."""
        async with self._lock:
            await self._async_db(
                partial(library.delete_instance, instance=self.instance)
            )
            self._written = None
        await self.async_write()

    async def async_write(self) -> None:
        """Store what changed in the index since the last write (one run at a time)."""
        if self._lock.locked():
            self._dirty = True
            return
        async with self._lock:
            self._dirty = True
            while self._dirty:
                self._dirty = False
                await self._async_write_once()

    async def _async_write_once(self) -> None:
        """Diff the index against what is stored and write the difference."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, ArrCoordinators)
        # A list of frozen items: the executor never sees the index change under it.
        items = list(coordinators.library.index)
        started = dt_util.utcnow()
        try:
            added, changed = await self._async_db(partial(self._write, items=items))
        except StoreError as err:
            await self._async_log(started, error=str(err))
            return
        finally:
            self._written_once = True
            self.written.set()
        if added or changed:
            await self._async_log(started, added=added, changed=changed)
            for notify in self.on_change:
                notify()

    def _write(
        self, connection: sqlite3.Connection, items: list[LibraryItem]
    ) -> tuple[int, int]:
        """Write new, changed and removed titles; return (added, changed or removed)."""
        written = self._written
        if written is None:
            stored = library.stored_ids(connection, self.instance)
            written = {}
        else:
            stored = set(written)
        current = {item.id: item for item in items}
        # Unchanged titles are the very objects written before: `is` settles most.
        changed = [
            item
            for item in items
            if (before := written.get(item.id)) is not item and before != item
        ]
        removed = stored - current.keys()
        library.write_titles(connection, self.instance, changed, removed, now_seconds())
        self._written = current
        added = sum(1 for item in changed if item.id not in stored)
        return added, len(changed) - added + len(removed)
