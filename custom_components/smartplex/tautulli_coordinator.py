"""Coordinators that poll a Tautulli."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import TautulliClient
from .api.tautulli_history import HistoryRow
from .api.tautulli_models import Activity, TautulliUser
from .const import INTERVAL_ACTIVITY, INTERVAL_HISTORY, INTERVAL_USERS
from .coordinator import BaseCoordinators, SmartPlexCoordinator
from .models import SmartPlexConfigEntry, SmartPlexService

# A day of plays on a big server fits in one page; later polls are incremental.
HISTORY_DAY_LIMIT = 1000


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


@dataclass(kw_only=True)
class TautulliCoordinators(BaseCoordinators):
    """The coordinators of a Tautulli."""

    activity: TautulliActivityCoordinator
    history: TautulliHistoryCoordinator
    users: TautulliUsersCoordinator
