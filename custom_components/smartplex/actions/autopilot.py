"""Which writes an autopilot already allows, so the AI helper runs them instead of proposing them.

With an Overseerr's request autopilot on, a request the engine's triage approves may be
approved at once, and one it declines may be declined at once when automatic declines are
on in the options. With an auto-add switch on, adding a title (by TMDB id) that auto-add
itself would add today (its dry run: above the minimum score, within the daily cap) runs
at once. Anything else is proposed as before. The check reads the engine's own decision,
so nothing the LLM says can widen it.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.smartplex.const import (
    DOMAIN,
    REQUEST_AUTOPILOT,
    SERVICE_OVERSEERR,
    SERVICE_TMDB,
)
from custom_components.smartplex.engine.models import MediaType
from custom_components.smartplex.engine.triage_policies import Action
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService

from .autoadd import async_auto_add
from .common import Caller, resolve_service
from .triage import run_triage
from .triage_snapshot import policy_from_options

# The triage decision each write needs.
ALLOWED_BY_TRIAGE = {
    "approve_request": Action.APPROVE,
    "decline_request": Action.DECLINE,
}


# The media type each add adds, and the key of its auto-add switch on the TMDB device.
AUTO_ADDS: dict[str, tuple[MediaType, str]] = {
    "add_movie": ("movie", "auto_add_movies"),
    "add_series": ("tv", "auto_add_series"),
}


def switch_on(hass: HomeAssistant, service: SmartPlexService, key: str) -> bool:
    """Return whether a SmartPlex switch of a service (by its key) is on."""
    entity_id = er.async_get(hass).async_get_entity_id(
        Platform.SWITCH, DOMAIN, f"{service.subentry_id}_{key}"
    )
    return entity_id is not None and hass.states.is_state(entity_id, STATE_ON)


async def _auto_add_allows(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    action: str,
    arguments: dict[str, Any],
) -> str | None:
    """Return the auto-add switch whose pick today this add is, or None."""
    media_type, key = AUTO_ADDS[action]
    tmdb = [
        service
        for service in entry.runtime_data.services.values()
        if service.service_type == SERVICE_TMDB
    ]
    tmdb_id = arguments.get("tmdb_id")
    if tmdb_id is None or not tmdb or not switch_on(hass, tmdb[0], key):
        return None
    picks = await async_auto_add(
        hass, entry, caller, media_type=media_type, dry_run=True
    )
    return key if any(row["tmdb_id"] == tmdb_id for row in picks["titles"]) else None


async def autopilot_allows(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    action: str,
    arguments: dict[str, Any],
) -> str | None:
    """Return the autopilot whose policy allows this write now, or None."""
    if action in AUTO_ADDS:
        return await _auto_add_allows(hass, entry, caller, action, arguments)
    if (wanted := ALLOWED_BY_TRIAGE.get(action)) is None:
        return None
    if wanted is Action.DECLINE and not policy_from_options(entry.options).auto_decline:
        return None
    service = resolve_service(entry, SERVICE_OVERSEERR, arguments.get("instance"))
    if not switch_on(hass, service, REQUEST_AUTOPILOT):
        return None
    triaged = await run_triage(
        hass, entry, service, caller, only=[arguments["request_id"]]
    )
    rows = triaged["requests"]
    return REQUEST_AUTOPILOT if rows and rows[0]["action"] == wanted else None
