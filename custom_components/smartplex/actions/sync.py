"""Refresh services on demand."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.smartplex.const import DOMAIN, SERVICE_TYPES
from custom_components.smartplex.coordinator import all_coordinators
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import (
    AuditStatus,
    StoreError,
    async_begin_audit,
    async_finish_audit,
    database_unavailable,
)

from .common import Caller, invalid, resolve_services
from .sync_log import NOT_OPENED

EVENT_SYNCED = f"{DOMAIN}_synced"


async def async_sync(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    instance: str | None = None,
    rebuild: bool = False,
) -> dict[str, Any]:
    """Refresh every coordinator of the named or every service now.

    With rebuild, first delete what the database holds of the named service and sync
    it again from scratch (in the background).
    """
    services = resolve_services(entry, SERVICE_TYPES, instance)
    rebuilt = (
        await _async_rebuild(hass, entry, caller, instance, services[0])
        if rebuild
        else None
    )
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
    result: dict[str, Any] = {
        "refreshed": sorted({service.title for service in services} - set(failed)),
        "failed": failed,
    }
    if rebuilt is not None:
        result["rebuilt"] = rebuilt
    hass.bus.async_fire(
        EVENT_SYNCED, {**result, "source": caller.source}, context=caller.context
    )
    return result


async def _async_rebuild(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    instance: str | None,
    service: SmartPlexService,
) -> list[str]:
    """Rebuild one service's data in the database, with an audit row."""
    if instance is None:
        raise invalid("rebuild_needs_instance")
    database = entry.runtime_data.database
    if database is None:
        raise database_unavailable(NOT_OPENED)
    record = await async_begin_audit(
        hass,
        action="database_rebuilt",
        target=f"{service.title}: SmartPlex database",
        details={"instance": service.title},
        source=caller.source,
        user_id=caller.user_id,
    )
    try:
        rebuilt = await database.async_rebuild(service.subentry_id)
    except StoreError as err:
        await async_finish_audit(hass, record, AuditStatus.FAILED, error=str(err))
        raise database_unavailable(str(err)) from err
    await async_finish_audit(
        hass,
        record,
        AuditStatus.DONE,
        details={"instance": service.title, "kinds": rebuilt},
    )
    return rebuilt
