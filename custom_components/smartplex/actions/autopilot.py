"""Which writes an autopilot already allows, so the AI helper runs them instead of proposing them.

Only the request autopilot exists: when its switch is on for the Overseerr, a request the
engine's triage approves may be approved at once, and one it declines may be declined at
once when automatic declines are on in the options. Anything else is proposed as before.
The check reads the engine's own decision, so nothing the LLM says can widen it.
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
)
from custom_components.smartplex.engine.triage_policies import Action
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService

from .common import Caller, resolve_service
from .triage import policy_from_options, run_triage

# The triage decision each write needs.
ALLOWED_BY_TRIAGE = {
    "approve_request": Action.APPROVE,
    "decline_request": Action.DECLINE,
}


def request_autopilot_on(hass: HomeAssistant, service: SmartPlexService) -> bool:
    """Return whether the request autopilot switch of an Overseerr is on."""
    entity_id = er.async_get(hass).async_get_entity_id(
        Platform.SWITCH, DOMAIN, f"{service.subentry_id}_{REQUEST_AUTOPILOT}"
    )
    return entity_id is not None and hass.states.is_state(entity_id, STATE_ON)


async def autopilot_allows(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    action: str,
    arguments: dict[str, Any],
) -> str | None:
    """Return the autopilot whose policy allows this write now, or None."""
    if (wanted := ALLOWED_BY_TRIAGE.get(action)) is None:
        return None
    if wanted is Action.DECLINE and not policy_from_options(entry.options).auto_decline:
        return None
    service = resolve_service(entry, SERVICE_OVERSEERR, arguments.get("instance"))
    if not request_autopilot_on(hass, service):
        return None
    triaged = await run_triage(
        hass, entry, service, caller, only=[arguments["request_id"]]
    )
    rows = triaged["requests"]
    return REQUEST_AUTOPILOT if rows and rows[0]["action"] == wanted else None
