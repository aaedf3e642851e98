"""Copy a Tautulli play history into the database, then keep it current."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from functools import partial
import logging
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .actions.statistics import plays_cache
from .api import SmartPlexError, SmartPlexNotFoundError
from .api.parse import JsonDict
from .api.tautulli_history import HistoryRow, external_ids
from .const import DOMAIN
from .store import SmartPlexStore, StoreError, history, library, sync_log
from .store.history import MATCHED_BY_GUID, MATCHED_BY_TITLE, PlayRow, TitleIds
from .store.sync_log import SyncState
from .sync_base import KIND_HISTORY, TautulliSync, async_each_bounded, now_seconds
from .sync_library import LibraryDatabaseSync
from .sync_stream_details import StreamDetailsBackfill, async_stream_data
from .tautulli_coordinator import TautulliCoordinators

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry, SmartPlexService

_LOGGER = logging.getLogger(__name__)

# Rows per history page of the first sync: big enough that requests are few, small
# enough that one page parses in the executor and commits in well under a second.
HISTORY_PAGE = 2000

# Metadata lookups in flight at once (the client bounds its requests to 4 as well),
# and rating keys a failed lookup left, looked up per transaction at the end (which
# maps their plays: one pass over the plays not matched by guid, so batches are large).
METADATA_CONCURRENCY = 4
LOOKUP_BATCH = 2500
# Stream details (get_stream_data: one request per play) of the plays of this many
# recent days are fetched by each sync, newest first, this many per transaction; the
# older plays' come later, slowly, in the background (sync_stream_details.py).
STREAM_DETAILS_DAYS = 30
STREAM_DETAILS_BATCH = 500

# Seconds the first history sync waits for the libraries to be written, checking
# this often.
LIBRARY_WAIT = 120
LIBRARY_CHECK = 0.2

# Seconds between attempts of a failing first sync (growing up to the maximum).
RETRY_DELAY = 60
MAX_RETRY_DELAY = 900

EVENT_HISTORY_SYNCED = f"{DOMAIN}_history_synced"
SIGNAL_HISTORY_PROGRESS = f"{DOMAIN}_history_progress_{{}}"


class HistoryDatabaseSync(TautulliSync):
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
        # Set when a lookup failed this run: the rest of the keys wait for the end.
        self._lookup_error: SmartPlexError | None = None
        self.details = StreamDetailsBackfill(hass, store, service)
        # The first full sync stored every page; the event waits for the lookups.
        self._announce = False
        # Set when a poll saw newer rows while another run held the lock.
        self._again = False

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
        await self.details.async_start(entry)
        if self.state.full_done:
            self.details.async_schedule()
        else:
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
                sync_log.delete_state(connection, self.instance, self.details.kind)

            await self._async_db(delete)
            self.state = SyncState()
            self.details.async_reset()
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
        """Run the first full sync to its end, or fetch the rows after the newest stored.

        Each page's rating keys never asked are looked up before it is stored, so a
        play is written once with its title. If get_metadata fails, the pages go on
        being stored, matched by what is known (cached keys, a legacy agent's guid,
        the library's title), and the keys left are looked up at the end (and by
        the retries), which maps their plays.
        """
        if self._lock.locked():
            # A poll saw newer rows while the lock was held: run again when it frees.
            self._again = True
            return
        async with self._lock:
            self._again = False
            await self._async_sync_locked()
        await self._async_sync_if_asked()

    async def _async_sync_if_asked(self) -> None:
        """Sync once more if a poll asked for it while the lock was held."""
        if self._again:
            await self.async_sync()

    async def _async_sync_locked(self) -> None:
        """Run the sync; the lock is held."""
        self._cancel_retry()
        started = dt_util.utcnow()
        self._lookup_error = None
        try:
            if not self.state.full_done:
                added = await self._async_full_sync()
                self._announce = True
            else:
                added = 0
            # Rows that arrived while the pages were read, or since the last sync.
            added += await self._async_catch_up()
            changed = await self._async_identify()
        except (SmartPlexError, StoreError) as err:
            await self._async_log(started, error=str(err))
            if not self.state.full_done or self._announce:
                self._schedule_retry()
            return
        await self._async_log(started, added=added, changed=changed)
        if changed:
            plays_cache(self.hass).invalidate()
        if self._announce:
            self._announce = False
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
        # Details enrich what is stored: a failure is logged, and retried next sync.
        try:
            detailed = await self._async_stream_details()
        except (SmartPlexError, StoreError) as err:
            await self._async_log(started, error=str(err))
            return
        if detailed:
            plays_cache(self.hass).invalidate()
        # Then the older plays' details, in the background, a batch at a time.
        self.details.async_schedule()

    async def async_rematch(self) -> None:
        """Match plays to titles of the library again (it changed): guids stay."""
        async with self._lock:
            await self._async_rematch_locked()
        await self._async_sync_if_asked()

    async def _async_rematch_locked(self) -> None:
        """Match plays to titles again; the lock is held."""
        started = dt_util.utcnow()
        try:
            changed = await self._async_db(self._rematch)
        except StoreError as err:
            await self._async_log(started, error=str(err))
            return
        if changed:
            await self._async_log(started, changed=changed)
            plays_cache(self.hass).invalidate()

    def _rematch(self, connection: sqlite3.Connection) -> int:
        """Set the library's title on plays a title matched or none did, where it differs."""
        memo: dict[tuple[str, str, int | None], TitleIds | None] = {}
        changed: list[tuple[int, TitleIds | None]] = []
        for (
            row_id,
            media_type,
            title,
            year,
            series,
            tmdb_id,
        ) in history.plays_not_matched_by_guid(connection, self.instance):
            ids = _title_ids(connection, media_type, title, year, series, memo)
            if ids is not None and ids.tmdb_id != tmdb_id:
                changed.append((row_id, ids))
        return history.set_titles(connection, self.instance, changed)

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
                while not all(sync.settled for sync in self._libraries):
                    await _wait_for_a_library(self._libraries)
        added = 0
        while not self.state.full_done:
            # One page at a time: reading the next page while this one is stored ran two
            # GIL-bound jobs side by side, which stalled the event loop (42-66 ms at
            # large) and made the sync slower on two cores (27 s, not 20 s).
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
        """Look up the rows' new rating keys, then store rows, keys and state atomically."""
        keys = {
            key
            for row in rows
            if _legacy_ids(row) is None and (key := history.lookup_key(row))
        }
        known: dict[int, TitleIds] = await self._async_db(
            partial(history.rating_keys_of, instance=self.instance, keys=keys)
        )
        found = await self._async_lookup_new([key for key in keys if key not in known])
        added = await self._async_db(
            partial(self._write, rows=rows, state=state, known=known, found=found)
        )
        self.state = state
        async_dispatcher_send(self.hass, SIGNAL_HISTORY_PROGRESS.format(self.instance))
        return added

    async def _async_identify(self) -> int:
        """Look up rating keys a failed lookup left, a batch per transaction; return plays mapped."""
        keys = await self._async_db(
            partial(history.keys_to_look_up, instance=self.instance)
        )
        changed = 0
        for start in range(0, len(keys), LOOKUP_BATCH):
            found = await self._async_lookup(keys[start : start + LOOKUP_BATCH])

            def write(
                connection: sqlite3.Connection, found: dict[int, TitleIds | None]
            ) -> int:
                history.save_rating_keys(
                    connection, self.instance, found, now_seconds()
                )
                return history.match_by_rating_keys(connection, self.instance, found)

            changed += await self._async_db(partial(write, found=found))
        return changed

    async def _async_stream_details(self) -> int:
        """Fetch how recent plays never asked were streamed; return how many."""
        since = now_seconds() - STREAM_DETAILS_DAYS * 86400
        detailed = 0

        while row_ids := await self._async_db(
            partial(
                history.plays_without_stream_details,
                instance=self.instance,
                limit=STREAM_DETAILS_BATCH,
                since=since,
            )
        ):
            details = await async_each_bounded(
                row_ids, partial(async_stream_data, self.client), METADATA_CONCURRENCY
            )
            await self._async_db(
                partial(
                    history.save_stream_details,
                    instance=self.instance,
                    details=details,
                )
            )
            detailed += len(row_ids)
        return detailed

    async def _async_lookup_new(self, keys: list[int]) -> dict[int, TitleIds | None]:
        """Look up rating keys of a page; after a failure, leave them to _async_identify.

        The pages go on being stored meanwhile (matched by what is known), so a
        get_metadata that fails holds up neither the history nor the cursor.
        """
        if not keys or self._lookup_error is not None:
            return {}
        try:
            return await self._async_lookup(keys)
        except SmartPlexError as err:
            self._lookup_error = err
            _LOGGER.debug("Titles of plays wait for a later lookup: %s", err)
            return {}

    async def _async_lookup(self, keys: list[int]) -> dict[int, TitleIds | None]:
        """Ask get_metadata for the title of each rating key, a few at a time."""

        async def lookup(rating_key: int) -> TitleIds | None:
            try:
                ids = await self.client.item_ids(rating_key)
            except SmartPlexNotFoundError:
                return None
            if ids is None:
                return None
            return TitleIds(
                ids.media_type, ids.tmdb_id, ids.tvdb_id, ids.imdb_id, MATCHED_BY_GUID
            )

        return await async_each_bounded(keys, lookup, METADATA_CONCURRENCY)

    def _write(
        self,
        connection: sqlite3.Connection,
        rows: list[HistoryRow],
        state: SyncState,
        known: dict[int, TitleIds],
        found: dict[int, TitleIds | None],
    ) -> int:
        """Store the looked-up keys, the plays and the sync state in one transaction."""
        if found:
            history.save_rating_keys(connection, self.instance, found, now_seconds())
        cached: dict[int, TitleIds | None] = {**known, **found}
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
                ids = (
                    _title_ids(
                        connection,
                        row.media_type,
                        row.title,
                        row.year,
                        row.grandparent_title,
                        fallback,
                    )
                    or ids
                )
            play_rows.append(history.play_row(self.instance, row, ids))
        added = history.insert_plays(connection, play_rows)
        sync_log.set_state(connection, self.instance, self.kind, state, now_seconds())
        return added


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


def _title_ids(
    connection: sqlite3.Connection,
    media_type: str,
    title: str,
    year: int | None,
    series: str | None,
    memo: dict[tuple[str, str, int | None], TitleIds | None],
) -> TitleIds | None:
    """Return the library's one title of a play's name (and year, for movies)."""
    key: tuple[str, str, int | None]
    if media_type == "movie":
        key = ("movie", title, year)
    elif media_type == "episode" and series:
        key = ("tv", series, None)
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


async def _wait_for_a_library(libraries: list[LibraryDatabaseSync]) -> None:
    """Return when a library is written, or after LIBRARY_CHECK at the latest.

    A write wakes it at once (no timer involved); a library that cannot be written (its
    service failing or unsupported) is noticed by the next check.
    """
    waits = [
        asyncio.ensure_future(library.written.wait())
        for library in libraries
        if not library.settled
    ]
    try:
        await asyncio.wait(
            waits, timeout=LIBRARY_CHECK, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for wait in waits:
            wait.cancel()
