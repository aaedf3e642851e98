"""LLM tools platform: offers the SmartPlex tools to Assist on Home Assistant 2026.8 and later."""

from __future__ import annotations

import importlib
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import llm

from .const import DOMAIN
from .llm_api import API_PROMPT, create_tools


@callback
def async_get_tools(
    hass: HomeAssistant, llm_context: llm.LLMContext, api_id: str | None = None
) -> Any:
    """Return the SmartPlex tools for the Assist API while a hub is loaded."""
    if api_id not in (None, llm.LLM_API_ASSIST) or not (
        hass.config_entries.async_loaded_entries(DOMAIN)
    ):
        return None
    # The llm integration only exists from 2026.7; this platform is only loaded there.
    llm_tools = importlib.import_module("homeassistant.components.llm").LLMTools
    # Tools of a platform are named <domain>__<tool> from 2026.10 (required by 2027.3).
    return llm_tools(tools=create_tools(f"{DOMAIN}__"), prompt=API_PROMPT)
