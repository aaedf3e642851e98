"""Diagnostics for SmartPlex, with every key and credential-bearing URL part redacted."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_URL
from homeassistant.core import HomeAssistant

from .const import CONF_AI_API_KEY, CONF_AI_BASE_URL
from .coordinator import all_coordinators
from .entity import safe_url
from .models import SmartPlexConfigEntry
from .store import StoreError, async_get_store
from .store.core import database_summary

TO_REDACT = {
    CONF_API_KEY,
    CONF_AI_API_KEY,
    "apikey",
    "api_key",
    "email",
    "ip_address",
    "token",
}


def _jsonable(value: Any) -> Any:
    """Return coordinator data as plain JSON-like values."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> dict[str, Any]:
    """Return the entry, its services and what each coordinator last fetched."""
    services = []
    for subentry in entry.subentries.values():
        service = entry.runtime_data.services.get(subentry.subentry_id)
        coordinators = all_coordinators(service) if service else []
        services.append(
            {
                "type": subentry.subentry_type,
                "title": subentry.title,
                "config": {
                    **async_redact_data(dict(subentry.data), TO_REDACT),
                    CONF_URL: safe_url(subentry.data[CONF_URL]),
                },
                "started": service is not None,
                "server": _jsonable(service.info) if service else None,
                "last_success": service.last_success.isoformat()
                if service and service.last_success
                else None,
                "coordinators": {
                    coordinator.kind: {
                        "last_update_success": coordinator.last_update_success,
                        "last_exception": repr(coordinator.last_exception)
                        if coordinator.last_exception
                        else None,
                        "data": async_redact_data(
                            _jsonable(coordinator.data), TO_REDACT
                        ),
                    }
                    for coordinator in coordinators
                },
            }
        )
    options = async_redact_data(dict(entry.options), TO_REDACT)
    if options.get(CONF_AI_BASE_URL):
        options[CONF_AI_BASE_URL] = safe_url(options[CONF_AI_BASE_URL])
    return {
        "options": options,
        "services": services,
        "database": await _async_database(hass, entry),
    }


async def _async_database(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> dict[str, Any]:
    """Return the database's size, row counts and where each sync stands."""
    if entry.runtime_data.database is None:
        return {"error": "the database could not be opened"}
    store = async_get_store(hass)
    try:
        summary = await hass.async_add_executor_job(store.run, database_summary)
    except StoreError as err:
        return {"error": str(err)}
    database = entry.runtime_data.database
    summary["history_sync"] = {
        sync.service.title: {
            "progress": sync.progress,
            "rows_read": sync.state.done,
            "rows_total": sync.state.total,
        }
        for sync in database.histories.values()
    }
    return summary
