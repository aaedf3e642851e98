"""Keep the SmartPlex database in step with the services.

- Library: written from each Sonarr/Radarr's library index whenever it changes (no
  upstream request of its own).
- Play history: the first time every Tautulli history row, page by page in the
  background (oldest first, each page in one transaction with the sync's position, so
  a kill loses and duplicates nothing); then the rows after the newest stored one,
  fetched only when the history coordinator's own poll saw newer rows.
- Titles of plays: each rating key's get_metadata guids (an episode's: its series'),
  cached in the database; else the library's one title of that name and year; else
  the play is kept unmatched.

All SQLite work runs in the executor; parsing of history pages too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from functools import partial
import logging
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .api import SmartPlexError, SmartPlexNotFoundError
from .api.overseerr import OverseerrClient, OverseerrRequest, OverseerrUser
from .api.parse import JsonDict
from .api.tautulli import HistoryRow, TautulliClient, TautulliUser, external_ids
from .arr_coordinator import ArrCoordinators
from .const import CONF_USER_LINKS, DOMAIN
from .library import LibraryItem
from .overseerr_coordinator import OverseerrCoordinators
from .store import (
    SmartPlexStore,
    StoreError,
    history,
    library,
    requests,
    sync_log,
    users as people,
)
from .store.history import MATCHED_BY_GUID, MATCHED_BY_TITLE, PlayRow, TitleIds
from .store.sync_log import SyncLogEntry, SyncState
from .tautulli_coordinator import TautulliCoordinators

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry, SmartPlexService

_LOGGER = logging.getLogger(__name__)

KIND_LIBRARY = "library"
KIND_HISTORY = "history"
KIND_USERS = "users"
KIND_REQUESTS = "requests"
# Requests and Overseerr users per page of a full listing.
REQUESTS_PAGE = 100
USERS_PAGE = 100
# Rows per history page of the first sync: big enough that requests are few, small
# enough that one page parses in the executor and commits in well under a second.
HISTORY_PAGE = 2000
# Metadata lookups in flight at once (the client bounds its requests to 4 as well).
METADATA_CONCURRENCY = 4
# Seconds the first history sync waits for the libraries to be written, checking
# this often.
LIBRARY_WAIT = 120
LIBRARY_CHECK = 0.2
# Consecutive failures of one sync before a repair says so.
FAILURES_FOR_REPAIR = 3
# Seconds between attempts of a failing first sync (growing up to the maximum).
RETRY_DELAY = 60
MAX_RETRY_DELAY = 900
ISSUE_SYNC_FAILING = "sync_failing"
EVENT_HISTORY_SYNCED = f"{DOMAIN}_history_synced"
SIGNAL_HISTORY_PROGRESS = f"{DOMAIN}_history_progress_{{}}"


def _now() -> int:
    """Return the time as Unix seconds."""
    return int(dt_util.utcnow().timestamp())


class ServiceSync:
    """The database sync of one kind of data of one service instance."""

    kind: str

    def __init__(
        self, hass: HomeAssistant, store: SmartPlexStore, service: SmartPlexService
    ) -> None:
        """Remember the service; nothing runs until started."""
        self.hass = hass
        self.store = store
        self.service = service
        self.instance = service.subentry_id
        self._failures = 0

    async def _async_db[ResultT](
        self, job: Callable[[sqlite3.Connection], ResultT]
    ) -> ResultT:
        """Run a job in one transaction in the executor."""
        return await self.hass.async_add_executor_job(self.store.transaction, job)

    async def _async_log(
        self,
        started: datetime,
        *,
        added: int = 0,
        changed: int = 0,
        error: str | None = None,
    ) -> None:
        """Record a run in the sync log, and raise or clear the repair for failures."""
        entry = SyncLogEntry(
            instance=self.instance,
            service=self.service.title,
            kind=self.kind,
            started=started,
            finished=dt_util.utcnow(),
            added=added,
            changed=changed,
            status="failed" if error else "done",
            error=error,
        )
        issue_id = f"{ISSUE_SYNC_FAILING}_{self.instance}_{self.kind}"
        if error is None:
            self._failures = 0
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        else:
            self._failures += 1
            _LOGGER.warning(
                "Could not sync %s of %s: %s", self.kind, self.service.title, error
            )
            if self._failures >= FAILURES_FOR_REPAIR:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=ISSUE_SYNC_FAILING,
                    translation_placeholders={
                        "service": self.service.title,
                        "kind": self.kind,
                        "failures": str(self._failures),
                        "error": error,
                    },
                )
        try:
            await self._async_db(partial(sync_log.add_log, entry=entry))
        except StoreError as err:
            _LOGGER.error("Could not write the sync log: %s", err)


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
        if added or changed:
            await self._async_log(started, added=added, changed=changed)

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
        library.write_titles(connection, self.instance, changed, removed, _now())
        self._written = current
        added = sum(1 for item in changed if item.id not in stored)
        return added, len(changed) - added + len(removed)


class HistoryDatabaseSync(ServiceSync):
    """Copy a Tautulli's play history into the database, then keep it current."""

    kind = KIND_HISTORY

    def __init__(
        self,
        hass: HomeAssistant,
        store: SmartPlexStore,
        service: SmartPlexService,
        libraries: list[LibraryDatabaseSync],
    ) -> None:
        """Start before reading where the sync stands."""
        super().__init__(hass, store, service)
        self._libraries = libraries
        self.state = SyncState()
        self._lock = asyncio.Lock()
        self._retry: Callable[[], None] | None = None

    @property
    def client(self) -> TautulliClient:
        """Return the Tautulli client."""
        client = self.service.client
        assert isinstance(client, TautulliClient)
        return client

    @property
    def progress(self) -> float | None:
        """Return how much of the first full sync is done, in percent."""
        state = self.state
        if state.full_done:
            return 100.0
        if not state.total:
            return None
        return round(min(100.0, 100 * state.done / state.total), 1)

    async def async_start(self, entry: SmartPlexConfigEntry) -> None:
        """Read where the sync stands, start the first full sync, then follow the polls."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, TautulliCoordinators)
        coordinator = coordinators.history
        try:
            self.state = await self._async_db(
                partial(sync_log.get_state, instance=self.instance, kind=self.kind)
            )
        except StoreError as err:
            _LOGGER.error("Cannot read the history sync state: %s", err)
            return

        @callback
        def polled() -> None:
            if self.state.full_done and coordinator.newest_row_id > (
                self.state.cursor or 0
            ):
                entry.async_create_background_task(
                    self.hass, self.async_sync(), f"{DOMAIN} history to database"
                )

        entry.async_on_unload(coordinator.async_add_listener(polled))
        entry.async_on_unload(self._cancel_retry)
        if not self.state.full_done:
            # Not waiting for a poll: a coordinator that keeps failing calls no listener.
            entry.async_create_background_task(
                self.hass, self.async_sync(), f"{DOMAIN} history to database"
            )

    async def async_rebuild(self, entry: SmartPlexConfigEntry) -> None:
        """Delete the stored plays and rating keys and read the whole history again."""
        async with self._lock:
            self._cancel_retry()

            def delete(connection: sqlite3.Connection) -> None:
                history.delete_instance(connection, self.instance)
                sync_log.delete_state(connection, self.instance, self.kind)

            await self._async_db(delete)
            self.state = SyncState()
        async_dispatcher_send(self.hass, SIGNAL_HISTORY_PROGRESS.format(self.instance))
        entry.async_create_background_task(
            self.hass, self.async_sync(), f"{DOMAIN} history to database (rebuild)"
        )

    def _cancel_retry(self) -> None:
        """Cancel a scheduled retry."""
        if self._retry is not None:
            self._retry()
            self._retry = None

    async def async_sync(self) -> None:
        """Run the first full sync to its end, or fetch the rows after the newest stored."""
        if self._lock.locked():
            return
        async with self._lock:
            self._cancel_retry()
            started = dt_util.utcnow()
            full = not self.state.full_done
            try:
                added = await (
                    self._async_full_sync() if full else self._async_catch_up()
                )
            except (SmartPlexError, StoreError) as err:
                await self._async_log(started, error=str(err))
                if full:
                    self._schedule_retry()
                return
            await self._async_log(started, added=added)
            if full:
                total, unmatched = await self._async_db(
                    partial(history.counts, instance=self.instance)
                )
                self.hass.bus.async_fire(
                    EVENT_HISTORY_SYNCED,
                    {
                        "instance": self.service.title,
                        "plays": total,
                        "unmatched": unmatched,
                    },
                )
                # Rows that arrived while the pages were read.
                await self._async_catch_up()

    def _schedule_retry(self) -> None:
        """Try the first full sync again later (sooner after fewer failures)."""
        delay = min(RETRY_DELAY * 2 ** max(self._failures - 1, 0), MAX_RETRY_DELAY)

        @callback
        def retry(_: datetime) -> None:
            self._retry = None
            self.hass.async_create_background_task(
                self.async_sync(), f"{DOMAIN} history to database (retry)"
            )

        self._retry = async_call_later(self.hass, delay, retry)

    async def _async_full_sync(self) -> int:
        """Read every history row page by page, oldest first; return the rows added."""
        # Plays without external ids match by title against the library: wait for it
        # (a while at most: a Sonarr or Radarr that is down must not hold history up).
        with suppress(TimeoutError):
            async with asyncio.timeout(LIBRARY_WAIT):
                # Settled is a state of three objects (written, failing, unsupported).
                while not all(sync.settled for sync in self._libraries):  # noqa: ASYNC110
                    await asyncio.sleep(LIBRARY_CHECK)
        added = 0
        while not self.state.full_done:
            total, rows = await self.client.history_parsed(
                _parse_rows, start=self.state.done, length=HISTORY_PAGE
            )
            done = self.state.done + len(rows)
            state = replace(
                self.state,
                cursor=max([self.state.cursor or 0, *(row.row_id for row in rows)]),
                done=done,
                total=max(total, done),
                full_done=len(rows) < HISTORY_PAGE,
            )
            added += await self._async_store(rows, state)
        return added

    async def _async_catch_up(self) -> int:
        """Store the rows after the newest stored one; return how many were new."""
        rows = await self.client.history_since(self.state.cursor or 0)
        if not rows:
            return 0
        state = replace(self.state, cursor=max(self.state.cursor or 0, rows[-1].row_id))
        return await self._async_store(rows, state)

    async def _async_store(self, rows: list[HistoryRow], state: SyncState) -> int:
        """Map rows to titles and store them with the sync's new state, atomically."""
        wanted = {
            key
            for row in rows
            if _legacy_ids(row) is None and (key := history.lookup_key(row))
        }
        known = await self._async_db(
            partial(history.cached_keys, instance=self.instance, keys=wanted)
        )
        found = await self._async_lookup(wanted - known)
        added = await self._async_db(
            partial(self._write, rows=rows, found=found, state=state)
        )
        self.state = state
        async_dispatcher_send(self.hass, SIGNAL_HISTORY_PROGRESS.format(self.instance))
        return added

    async def _async_lookup(self, keys: Iterable[int]) -> dict[int, TitleIds | None]:
        """Ask get_metadata for the title of each rating key, a few at a time."""
        semaphore = asyncio.Semaphore(METADATA_CONCURRENCY)

        async def lookup(rating_key: int) -> TitleIds | None:
            async with semaphore:
                try:
                    ids = await self.client.item_ids(rating_key)
                except SmartPlexNotFoundError:
                    return None
            if ids is None:
                return None
            return TitleIds(
                ids.media_type, ids.tmdb_id, ids.tvdb_id, ids.imdb_id, MATCHED_BY_GUID
            )

        wanted = sorted(keys)
        results = await asyncio.gather(*(lookup(key) for key in wanted))
        return dict(zip(wanted, results, strict=True))

    def _write(
        self,
        connection: sqlite3.Connection,
        rows: list[HistoryRow],
        found: dict[int, TitleIds | None],
        state: SyncState,
    ) -> int:
        """Store looked-up rating keys, the plays and the sync state in one transaction."""
        history.save_rating_keys(connection, self.instance, found, _now())
        cached = history.rating_keys_of(
            connection,
            self.instance,
            {key for row in rows if (key := history.lookup_key(row))},
        )
        fallback: dict[tuple[str, str, int | None], TitleIds | None] = {}
        play_rows: list[PlayRow] = []
        for row in rows:
            ids = _legacy_ids(row)
            if ids is None and (key := history.lookup_key(row)):
                ids = cached.get(key)
            if (
                ids is not None
                and ids.media_type
                and ids.tmdb_id is None
                and (ids.tvdb_id or ids.imdb_id)
            ):
                tmdb_id = library.find_tmdb(
                    connection, ids.media_type, ids.tvdb_id, ids.imdb_id
                )
                ids = replace(ids, tmdb_id=tmdb_id)
            if ids is None or ids.tmdb_id is None:
                ids = _by_title(connection, row, fallback) or ids
            play_rows.append(history.play_row(self.instance, row, ids))
        added = history.insert_plays(connection, play_rows)
        sync_log.set_state(connection, self.instance, self.kind, state, _now())
        return added


def user_link_overrides(entry: SmartPlexConfigEntry) -> dict[int, int]:
    """Return the links set in the hub's options: Tautulli user id -> Overseerr id (0: none)."""
    links = entry.options.get(CONF_USER_LINKS) or {}
    return {int(user_id): int(overseerr_id) for user_id, overseerr_id in links.items()}


class UsersDatabaseSync(ServiceSync):
    """Store Tautulli's users from its users coordinator and link them to Overseerr's."""

    kind = KIND_USERS

    @callback
    def async_start(self, entry: SmartPlexConfigEntry) -> None:
        """Follow the users coordinator."""
        coordinators = self.service.coordinators
        assert isinstance(coordinators, TautulliCoordinators)
        coordinator = coordinators.users

        @callback
        def polled() -> None:
            if coordinator.last_update_success and coordinator.data is not None:
                entry.async_create_background_task(
                    self.hass,
                    self.async_write(entry, coordinator.data),
                    f"{DOMAIN} users to database",
                )

        entry.async_on_unload(coordinator.async_add_listener(polled))

    async def async_write(
        self, entry: SmartPlexConfigEntry, users: list[TautulliUser]
    ) -> None:
        """Store the users and link them again."""
        started = dt_util.utcnow()
        overrides = user_link_overrides(entry)

        def write(connection: sqlite3.Connection) -> int:
            added = people.write_tautulli_users(
                connection, self.instance, users, _now()
            )
            people.link_users(connection, overrides)
            return added

        try:
            added = await self._async_db(write)
        except StoreError as err:
            await self._async_log(started, error=str(err))
            return
        if added:
            await self._async_log(started, added=added)


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
            sync_log.set_state(connection, self.instance, self.kind, state, _now())
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
            people.write_overseerr_users(connection, self.instance, users, _now())
            people.link_users(connection, overrides)

        await self._async_db(write)


def _parse_rows(total: int, rows: list[JsonDict]) -> tuple[int, list[HistoryRow]]:
    """Parse a history page (in the executor)."""
    return total, [HistoryRow.from_dict(row) for row in rows]


def _legacy_ids(row: HistoryRow) -> TitleIds | None:
    """Return the ids a legacy agent's guid carries in the row itself, if any."""
    if not row.guid or row.guid.startswith(("plex://", "local://")):
        return None
    tmdb_id, tvdb_id, imdb_id = external_ids([row.guid])
    if tmdb_id is None and tvdb_id is None and imdb_id is None:
        return None
    media_type = "movie" if row.media_type == "movie" else "tv"
    return TitleIds(media_type, tmdb_id, tvdb_id, imdb_id, MATCHED_BY_GUID)


def _by_title(
    connection: sqlite3.Connection,
    row: HistoryRow,
    memo: dict[tuple[str, str, int | None], TitleIds | None],
) -> TitleIds | None:
    """Return the library's one title of the play's name (and year, for movies)."""
    if row.media_type == "movie":
        key = ("movie", row.title, row.year)
    elif row.media_type == "episode" and row.grandparent_title:
        key = ("tv", row.grandparent_title, None)
    else:
        return None
    if key not in memo:
        found = library.find_by_title(connection, *key)
        memo[key] = (
            TitleIds(key[0], *found, MATCHED_BY_TITLE)
            if found and found[0] is not None
            else None
        )
    return memo[key]


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
                self.histories[service.subentry_id] = HistoryDatabaseSync(
                    hass, store, service, list(self.libraries.values())
                )
                self.users[service.subentry_id] = UsersDatabaseSync(
                    hass, store, service
                )
            elif isinstance(service.coordinators, OverseerrCoordinators):
                self.requests[service.subentry_id] = RequestsDatabaseSync(
                    hass, store, service
                )

    async def async_start(self) -> None:
        """Start following the services."""
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
