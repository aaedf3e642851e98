"""Create the SmartPlex dashboard among Home Assistant's dashboards (from the hub's options).

It is made the way Home Assistant makes its own map dashboard: an item of the dashboards
collection (so it is listed, editable and deletable under Settings → Dashboards) whose
configuration is the SmartPlex strategy. Home Assistant keeps that collection only behind
its websocket commands, so it is found through the command that creates dashboards.
"""

from __future__ import annotations

import inspect
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.lovelace.dashboard import DashboardsCollection
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN

DASHBOARD_URL_PATH = f"{DOMAIN}-dashboard"
DASHBOARD_CONFIG = {"strategy": {"type": f"custom:{DOMAIN}"}}
CREATE_COMMAND = "lovelace/dashboards/create"


def dashboards_collection(hass: HomeAssistant) -> DashboardsCollection | None:
    """Return Home Assistant's collection of dashboards, if it can be found."""
    handlers: dict[str, Any] = hass.data.get("websocket_api") or {}
    handler = handlers.get(CREATE_COMMAND, (None,))[0]
    if handler is None:
        return None
    websocket = getattr(inspect.unwrap(handler), "__self__", None)
    collection = getattr(websocket, "storage_collection", None)
    return collection if isinstance(collection, DashboardsCollection) else None


def dashboard_exists(hass: HomeAssistant) -> bool:
    """Return whether the SmartPlex dashboard is among Home Assistant's dashboards."""
    lovelace = hass.data.get(LOVELACE_DATA)
    return lovelace is not None and DASHBOARD_URL_PATH in lovelace.dashboards


async def async_create_dashboard(hass: HomeAssistant, title: str) -> bool:
    """Create the dashboard unless it exists; return whether it was created.

    An existing one is left as it is (the user may have edited it).
    """
    if dashboard_exists(hass):
        return False
    lovelace = hass.data.get(LOVELACE_DATA)
    collection = dashboards_collection(hass)
    if lovelace is None or collection is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="dashboard_unavailable"
        )
    await collection.async_create_item(
        {
            "url_path": DASHBOARD_URL_PATH,
            "title": title,
            "icon": "mdi:plex",
            "show_in_sidebar": True,
            "require_admin": False,
        }
    )
    await lovelace.dashboards[DASHBOARD_URL_PATH].async_save(DASHBOARD_CONFIG)
    return True
