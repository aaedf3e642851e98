"""Stream details of the older plays: fetched in the background after the first sync.

Tautulli tells how a play was streamed (video and audio decision, resolutions,
bitrate) only through get_stream_data, one request per play: 200,000 requests at
the `large` scale. The history sync asks for the last STREAM_DETAILS_DAYS days'
plays itself; this walks the rest, newest first, a small batch at a time with one
request in flight and a pause between batches, so it never holds up the history
sync or loads Tautulli. Its cursor (the lowest row id asked) is written in the same
transaction as the batch's details, so a restart goes on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
import logging
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .actions.statistics import plays_cache
from .api import SmartPlexError, SmartPlexNotFoundError, SmartPlexRequestError
from .api.tautulli import TautulliClient
from .api.tautulli_history import StreamData
from .const import DOMAIN
from .store import StoreError, history, sync_log
from .store.sync_log import SyncState
from .sync_base import KIND_STREAM_DETAILS, TautulliSync, async_each_bounded

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry

_LOGGER = logging.getLogger(__name__)

# Plays per batch (and transaction), requests in flight, and seconds between batches.
BACKFILL_BATCH = 200
BACKFILL_CONCURRENCY = 1
BACKFILL_PAUSE = 2.0
# Seconds before a failed batch is tried again.
BACKFILL_RETRY = 300
# The statistics read every play again after this many more details (not after
# each batch: a full read of 200,000 plays takes seconds).
BACKFILL_REFRESH = 5000


async def async_stream_data(client: TautulliClient, row_id: int) -> StreamData | None:
    """Return how a play was streamed (None: Tautulli has no details, asked once)."""
    try:
        return await client.stream_data(row_id)
    except (SmartPlexNotFoundError, SmartPlexRequestError):
        return None


class StreamDetailsBackfill(TautulliSync):
    """Fetch the stream details of a Tautulli's older plays, a batch at a time."""

    kind = KIND_STREAM_DETAILS
    state = SyncState()
    _entry: SmartPlexConfigEntry | None = None
    _next: Callable[[], None] | None = None
    _running = False

    async def async_start(self, entry: SmartPlexConfigEntry) -> None:
        """Read where the backfill stands; it runs once the history sync schedules it."""
        self._entry = entry
        entry.async_on_unload(self.async_cancel)
        try:
            self.state = await self._async_db(
                partial(sync_log.get_state, instance=self.instance, kind=self.kind)
            )
        except StoreError as err:
            _LOGGER.error("Cannot read the stream details state: %s", err)

    @callback
    def async_cancel(self) -> None:
        """Cancel the next batch."""
        if self._next is not None:
            self._next()
            self._next = None

    @callback
    def async_reset(self) -> None:
        """Start over (the history sync deleted the state with the plays)."""
        self.async_cancel()
        self.state = SyncState()

    @callback
    def async_schedule(self, delay: float = 0) -> None:
        """Run the next batch after `delay` seconds, unless done or already due."""
        if self.state.full_done or self._running or self._next is not None:
            return

        @callback
        def run(_: datetime) -> None:
            self._next = None
            if self._entry is not None:
                self._entry.async_create_background_task(
                    self.hass, self.async_run_batch(), f"{DOMAIN} stream details"
                )

        self._next = async_call_later(self.hass, delay, run)

    async def async_run_batch(self) -> None:
        """Fetch one batch of details below the cursor, then schedule the next."""
        if self._running or self.state.full_done:
            return
        self._running = True
        started = dt_util.utcnow()
        try:
            delay = await self._async_batch(started)
        except (SmartPlexError, StoreError) as err:
            await self._async_log(started, error=str(err))
            delay = BACKFILL_RETRY
        finally:
            self._running = False
        if delay is not None:
            self.async_schedule(delay)

    async def _async_batch(self, started: datetime) -> float | None:
        """Store one batch with the new cursor; return the pause before the next (None: done)."""
        row_ids = await self._async_db(
            partial(
                history.plays_without_stream_details,
                instance=self.instance,
                limit=BACKFILL_BATCH,
                below=self.state.cursor,
            )
        )
        state = replace(
            self.state,
            cursor=min(row_ids, default=self.state.cursor),
            done=self.state.done + len(row_ids),
            full_done=len(row_ids) < BACKFILL_BATCH,
        )
        details = await async_each_bounded(
            row_ids, partial(async_stream_data, self.client), BACKFILL_CONCURRENCY
        )

        def write(connection: sqlite3.Connection) -> None:
            history.save_stream_details(connection, self.instance, details)
            sync_log.set_state(
                connection, self.instance, self.kind, state, int(started.timestamp())
            )

        await self._async_db(write)
        self.state = state
        if state.full_done or state.done % BACKFILL_REFRESH < len(row_ids):
            plays_cache(self.hass).invalidate()
        if state.full_done:
            await self._async_log(started, changed=state.done)
            return None
        return BACKFILL_PAUSE
