"""What every database sync of one service shares: its sync log and repair."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
import logging
import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api.tautulli import TautulliClient
from .const import DOMAIN
from .store import SmartPlexStore, StoreError, sync_log
from .store.sync_log import SyncLogEntry

if TYPE_CHECKING:
    from .models import SmartPlexService

_LOGGER = logging.getLogger(__name__)

KIND_LIBRARY = "library"
KIND_HISTORY = "history"
KIND_USERS = "users"
KIND_REQUESTS = "requests"
KIND_STREAM_DETAILS = "stream_details"

# Consecutive failures of one sync before a repair says so.
FAILURES_FOR_REPAIR = 3
ISSUE_SYNC_FAILING = "sync_failing"


async def async_each_bounded[ResultT](
    keys: list[int], fetch: Callable[[int], Awaitable[ResultT]], concurrency: int
) -> dict[int, ResultT]:
    """Return fetch(key) of every key, `concurrency` requests at a time.

    A few workers take the keys in turn: thousands of keys make a few tasks, not
    thousands on the event loop at once. When one fails the others stop.
    """
    results: dict[int, ResultT] = {}
    remaining = iter(keys)

    async def work() -> None:
        for key in remaining:
            results[key] = await fetch(key)

    workers = [asyncio.ensure_future(work()) for _ in range(concurrency)]
    try:
        await asyncio.gather(*workers)
    finally:
        for worker in workers:
            worker.cancel()
    return results


def now_seconds() -> int:
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


class TautulliSync(ServiceSync):
    """A database sync of a Tautulli instance."""

    @property
    def client(self) -> TautulliClient:
        """Return the Tautulli client."""
        client = self.service.client
        assert isinstance(client, TautulliClient)
        return client
