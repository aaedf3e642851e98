"""Actions (services) of SmartPlex, registered from their declarations."""

from __future__ import annotations

from functools import partial

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)

from . import actions
from .action_fields import text
from .actions import Caller
from .const import DOMAIN
from .declarations import ACTIONS, Action, action_validator

ATTR_CONFIG_ENTRY = "config_entry"
# Only actions name the hub; tools and intents use the one hub there is.
CONFIG_ENTRY = text(ATTR_CONFIG_ENTRY, "The SmartPlex hub; omit for the only one.")


async def _async_handle(action: Action, call: ServiceCall) -> ServiceResponse:
    """Run one action for a service call and return its response data."""
    fields = dict(call.data)
    entry = actions.resolve_entry(call.hass, fields.pop(ATTR_CONFIG_ENTRY, None))
    if not action.writes and not action.needs_caller:
        return await action.handler(entry, **fields)
    caller = Caller(source=actions.SOURCE_SERVICE, context=call.context)
    result = await action.handler(call.hass, entry, caller, **fields)
    return result if call.return_response or not action.writes else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the SmartPlex actions."""
    for action in ACTIONS:
        hass.services.async_register(
            DOMAIN,
            action.name,
            partial(_async_handle, action),
            schema=action_validator(action, (CONFIG_ENTRY,)),
            supports_response=SupportsResponse.OPTIONAL
            if action.writes
            else SupportsResponse.ONLY,
        )
