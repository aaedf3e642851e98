"""Refresh services on demand."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.smartplex.const import DOMAIN, SERVICE_TYPES
from custom_components.smartplex.coordinator import all_coordinators
from custom_components.smartplex.models import SmartPlexConfigEntry

from .common import Caller, resolve_services

EVENT_SYNCED = f"{DOMAIN}_synced"


async def async_sync(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    instance: str | None = None,
) -> dict[str, Any]:
    """Refresh every coordinator of the named or every service now."""
    services = resolve_services(entry, SERVICE_TYPES, instance)
    coordinators = [
        (service, coordinator)
        for service in services
        for coordinator in all_coordinators(service)
    ]
    await asyncio.gather(
        *(coordinator.async_refresh() for _, coordinator in coordinators)
    )
    failed = sorted(
        {
            service.title
            for service, coordinator in coordinators
            if not coordinator.last_update_success
        }
    )
    result = {
        "refreshed": sorted({service.title for service in services} - set(failed)),
        "failed": failed,
    }
    hass.bus.async_fire(
        EVENT_SYNCED, {**result, "source": caller.source}, context=caller.context
    )
    return result
