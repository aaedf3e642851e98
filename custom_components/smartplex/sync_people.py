"""Store Tautulli users and link them to Overseerr users (options can override a link)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .api.tautulli_models import TautulliUser
from .const import CONF_USER_LINKS, DOMAIN
from .store import StoreError, users as people
from .sync_base import KIND_USERS, ServiceSync, now_seconds
from .tautulli_coordinator import TautulliCoordinators

if TYPE_CHECKING:
    from .models import SmartPlexConfigEntry


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
                connection, self.instance, users, now_seconds()
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
