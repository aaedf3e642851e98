"""Store every Overseerr request with its history, then the recently modified ones."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
import logging
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .api import SmartPlexError
from .api.overseerr import OverseerrClient
from .api.overseerr_models import OverseerrRequest, OverseerrUser
from .const import DOMAIN
from .overseerr_coordinator import OverseerrCoordinators
from .store import SmartPlexStore, StoreError, requests, sync_log, users as people
from .store.sync_log import SyncState
from .sync_base import KIND_REQUESTS, ServiceSync, now_seconds
from .sync_people import user_link_overrides

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry, SmartPlexService

_LOGGER = logging.getLogger(__name__)

# Requests and Overseerr users per page of a full listing.
REQUESTS_PAGE = 100
USERS_PAGE = 100
SIGNAL_REQUESTS_STORED = f"{DOMAIN}_requests_stored"


class RequestsDatabaseSync(ServiceSync):
    """Store every Overseerr request once in full, then the recently modified ones."""

    kind = KIND_REQUESTS

    def __init__(
        self, hass: HomeAssistant, store: SmartPlexStore, service: SmartPlexService
    ) -> None:
        """Start before reading where the sync stands."""
        super().__init__(hass, store, service)
        self.state = SyncState()
        self._lock = asyncio.Lock()

    @property
    def client(self) -> OverseerrClient:
        """Return the Overseerr client."""
        client = self.service.client
        assert isinstance(client, OverseerrClient)
        return client

    async def async_start(self, entry: SmartPlexConfigEntry) -> None:
        """Read where the sync stands, list everything once, then follow the polls."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, OverseerrCoordinators)
        coordinator = coordinators.request_events
        try:
            self.state = await self._async_db(
                partial(sync_log.get_state, instance=self.instance, kind=self.kind)
            )
        except StoreError as err:
            _LOGGER.error("Cannot read the request sync state: %s", err)
            return

        @callback
        def polled() -> None:
            if coordinator.last_update_success:
                entry.async_create_background_task(
                    self.hass,
                    self.async_sync(entry, list(coordinator.recent)),
                    f"{DOMAIN} requests to database",
                )

        entry.async_on_unload(coordinator.async_add_listener(polled))
        if not self.state.full_done:
            entry.async_create_background_task(
                self.hass, self.async_sync(entry), f"{DOMAIN} requests to database"
            )

    async def async_rebuild(self, entry: SmartPlexConfigEntry) -> None:
        """Delete the stored requests and list them all again."""
        async with self._lock:

            def delete(connection: sqlite3.Connection) -> None:
                requests.delete_instance(connection, self.instance)
                sync_log.delete_state(connection, self.instance, self.kind)

            await self._async_db(delete)
            self.state = SyncState()
        entry.async_create_background_task(
            self.hass,
            self.async_sync(entry),
            f"{DOMAIN} requests to database (rebuild)",
        )

    async def async_sync(
        self,
        entry: SmartPlexConfigEntry,
        recent: list[OverseerrRequest] | None = None,
    ) -> None:
        """List every request (the first time), else store the recent ones."""
        async with self._lock:
            started = dt_util.utcnow()
            try:
                if not self.state.full_done:
                    added, changed = await self._async_full_sync()
                else:
                    added, changed = await self._async_store(recent or [], self.state)
                await self._async_sync_users(entry)
            except (SmartPlexError, StoreError) as err:
                await self._async_log(started, error=str(err))
                return
            if added or changed:
                await self._async_log(started, added=added, changed=changed)
                async_dispatcher_send(self.hass, SIGNAL_REQUESTS_STORED)

    async def _async_full_sync(self) -> tuple[int, int]:
        """Store every request, a page at a time, each with the sync's position."""
        added = changed = 0
        while not self.state.full_done:
            page = await self.client.requests(
                take=REQUESTS_PAGE, skip=self.state.done, sort="added"
            )
            done = self.state.done + len(page.records)
            state = replace(
                self.state,
                done=done,
                total=max(page.total_records, done),
                full_done=len(page.records) < REQUESTS_PAGE,
            )
            page_added, page_changed = await self._async_store(
                list(page.records), state
            )
            added += page_added
            changed += page_changed
        return added, changed

    async def _async_store(
        self, recent: list[OverseerrRequest], state: SyncState
    ) -> tuple[int, int]:
        """Store requests with the sync's state in one transaction."""

        def write(connection: sqlite3.Connection) -> tuple[int, int]:
            counts = requests.write_requests(connection, self.instance, recent)
            sync_log.set_state(
                connection, self.instance, self.kind, state, now_seconds()
            )
            return counts

        counts = await self._async_db(write)
        self.state = state
        return counts

    async def _async_sync_users(self, entry: SmartPlexConfigEntry) -> None:
        """List Overseerr's users when a requester is not known yet, and link them."""

        def unknown(connection: sqlite3.Connection) -> bool:
            return bool(
                requests.requester_ids(connection) - people.overseerr_ids(connection)
            )

        if not await self._async_db(unknown):
            return
        users: list[OverseerrUser] = []
        while True:
            page = await self.client.users(take=USERS_PAGE, skip=len(users))
            users.extend(page.records)
            if len(page.records) < USERS_PAGE:
                break
        overrides = user_link_overrides(entry)

        def write(connection: sqlite3.Connection) -> None:
            people.write_overseerr_users(
                connection, self.instance, users, now_seconds()
            )
            people.link_users(connection, overrides)

        await self._async_db(write)
