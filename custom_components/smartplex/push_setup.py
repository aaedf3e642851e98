"""Push for the whole hub: webhook records kept across restarts, set up, start and removal.

Every service that can push gets its PushManager (webhook.py) here; its webhook is removed
from the service with the service, or with the hub.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
import re
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import SmartPlexError
from .api.push import async_remove_registration
from .const import (
    DOMAIN,
    LOGGER,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
)
from .models import SmartPlexConfigEntry, SmartPlexService
from .webhook import PushManager

PUSH_SERVICES = frozenset(
    {SERVICE_SONARR, SERVICE_RADARR, SERVICE_OVERSEERR, SERVICE_TAUTULLI}
)
STORAGE_KEY = f"{DOMAIN}.push"
PUSH_STORE: HassKey[PushStore] = HassKey(STORAGE_KEY)
STORAGE_VERSION = 1
# How often to look for services that have been quiet for PUSH_QUIET.
QUIET_CHECK_INTERVAL = timedelta(hours=1)
NOTIFY_TARGET = re.compile(r"^notify\.[a-z0-9_]+$")


class PushStore:
    """The webhook id and remote registration of every service, kept across restarts."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Open the store (loaded by async_load)."""
        self._store: Store[dict[str, dict[str, Any]]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY
        )
        self.records: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        """Load the records."""
        self.records = await self._store.async_load() or {}

    def record(self, subentry_id: str) -> dict[str, Any]:
        """Return the record of a service, creating one with a new webhook id."""
        if subentry_id not in self.records:
            self.records[subentry_id] = {"webhook_id": webhook.async_generate_id()}
            self.async_save()
        return self.records[subentry_id]

    @callback
    def async_save(self) -> None:
        """Save soon (writes are batched)."""
        self._store.async_delay_save(lambda: self.records, 1)

    async def async_flush(self) -> None:
        """Write now."""
        await self._store.async_save(self.records)


def valid_notify_targets(value: object) -> dict[str, str] | None:
    """Return a user -> notify action mapping, or None when it is not one."""
    if not isinstance(value, Mapping):
        return None
    targets = {str(user).strip(): str(target).strip() for user, target in value.items()}
    if any(
        not user or not NOTIFY_TARGET.match(target) for user, target in targets.items()
    ):
        return None
    return targets


def push_status(service: SmartPlexService) -> str:
    """Describe a service's webhook for the options form."""
    push = service.push
    assert push is not None
    if push.in_use_by is not None:
        return f"not used: its webhook agent belongs to {push.in_use_by} (polling)"
    if "remote_id" not in push.record:
        return "not registered yet (polling)"
    if push.last_received is not None and push.healthy:
        received = dt_util.as_local(push.last_received).strftime("%Y-%m-%d %H:%M")
        return f"working, last notification {received}"
    return "registered, no notification arrived (polling)"


async def async_setup_push(hass: HomeAssistant, entry: SmartPlexConfigEntry) -> None:
    """Register a webhook for every service that can push."""
    # One store for Home Assistant's lifetime: a reload must not lose unsaved ids.
    if (store := hass.data.get(PUSH_STORE)) is None:
        store = hass.data[PUSH_STORE] = PushStore(hass)
        await store.async_load()
    entry.runtime_data.push_store = store
    for service in entry.runtime_data.services.values():
        if service.service_type in PUSH_SERVICES:
            service.push = PushManager(hass, entry, service, store)
            service.push.async_setup()

    @callback
    def check_quiet(now: datetime) -> None:
        for service in entry.runtime_data.services.values():
            if service.push is not None:
                service.push.async_check_quiet(now)

    entry.async_on_unload(
        async_track_time_interval(hass, check_quiet, QUIET_CHECK_INTERVAL)
    )


async def async_start_push(service: SmartPlexService) -> None:
    """Register the webhook in a service that just answered, and test it."""
    if service.push is not None and service.unsupported_version is None:
        await service.push.async_register_remote()


async def async_remove_services_push(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> None:
    """Remove the webhooks of services that were just removed from the hub."""
    # An entry that failed to set up (or is unloading) has no clients to remove with.
    if entry.state is not ConfigEntryState.LOADED:
        return
    services = entry.runtime_data.services
    removed = [
        service
        for subentry_id, service in services.items()
        if subentry_id not in entry.subentries and service.push is not None
    ]
    for service in removed:
        assert service.push is not None
        try:
            async with asyncio.timeout(15):
                await service.push.async_unregister_remote()
        except (SmartPlexError, TimeoutError) as err:
            LOGGER.warning(
                "%s: could not remove SmartPlex's webhook from it: %s",
                service.title,
                err,
            )
    if removed:
        await entry.runtime_data.push_store.async_flush()


async def async_remove_entry_push(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    create_client: Callable[[HomeAssistant, str, Mapping[str, Any]], Any],
) -> None:
    """Remove every webhook of a hub that is being deleted."""
    if (store := hass.data.get(PUSH_STORE)) is None:
        store = PushStore(hass)
        await store.async_load()
    for subentry_id, record in list(store.records.items()):
        subentry = entry.subentries.get(subentry_id)
        if subentry is not None and subentry.data.get(CONF_URL):
            client = create_client(hass, subentry.subentry_type, subentry.data)
            try:
                async with asyncio.timeout(15):
                    await async_remove_registration(client, record)
            except (SmartPlexError, TimeoutError) as err:
                LOGGER.warning(
                    "%s: could not remove SmartPlex's webhook from it: %s",
                    subentry.title,
                    err,
                )
        del store.records[subentry_id]
    await store.async_flush()
