"""Repair flows for SmartPlex: taking over an Overseerr webhook agent only when asked."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
import voluptuous as vol

from .const import DOMAIN
from .models import SmartPlexConfigEntry, SmartPlexService

try:
    from homeassistant.components.repairs import RepairsFlowResult as StepResult  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # Home Assistant before RepairsFlowResult (2026.2)
    from homeassistant.data_entry_flow import FlowResult as StepResult  # type: ignore[assignment,unused-ignore]


def _service(hass: HomeAssistant, subentry_id: str) -> SmartPlexService | None:
    """Return the loaded service of a subentry."""
    entry: SmartPlexConfigEntry
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if (service := entry.runtime_data.services.get(subentry_id)) is not None:
            return service
    return None


class OverseerrTakeOverFlow(RepairsFlow):
    """Point Overseerr's single webhook agent at SmartPlex, after explicit consent."""

    def __init__(self, subentry_id: str) -> None:
        """Remember which Overseerr."""
        self._subentry_id = subentry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> StepResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> StepResult:
        """Explain what changes, then take the agent over."""
        service = _service(self.hass, self._subentry_id)
        if service is None or service.push is None:
            return self.async_abort(reason="service_not_found")
        if user_input is not None:
            await service.push.async_register_remote(take_over=True)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={
                "service": service.title,
                "owner": service.push.in_use_by or "another application",
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable SmartPlex issue."""
    return OverseerrTakeOverFlow(str((data or {}).get("subentry_id", "")))
