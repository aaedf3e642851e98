"""Fixtures and helpers shared by the dashboard and websocket API tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import hub


async def small_hub(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    services: list[tuple[str, str]],
    **options: Any,
) -> MockConfigEntry:
    """Return a loaded hub with only some simulated services, its database in tmp_path."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, services, **options)
    await setup_entry(hass, entry)
    return entry


@pytest.fixture(name="radarr_only")
async def fixture_radarr_only(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with only Radarr, behind Home Assistant's web server."""
    await async_setup_component(hass, "http", {})
    return await small_hub(hass, tmp_path, simulator, [("radarr", "Radarr")])


@pytest.fixture(name="tmdb_only")
async def fixture_tmdb_only(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with only TMDB (no service any view but status needs)."""
    return await small_hub(hass, tmp_path, simulator, [("tmdb", "TMDB")])


def coordinators_of(entry: MockConfigEntry, service_type: str) -> Any:
    """Return the coordinators of the one service of a kind."""
    [service] = [
        service
        for service in entry.runtime_data.services.values()
        if service.service_type == service_type
    ]
    return service.coordinators


async def next_event(client: Any, msg_id: int) -> dict[str, Any]:
    """Return the next event of a subscription."""
    message = await client.receive_json()
    assert message["id"] == msg_id
    assert message["type"] == "event"
    event: dict[str, Any] = message["event"]
    return event


async def subscribe(client: Any, **fields: Any) -> tuple[int, dict[str, Any]]:
    """Subscribe to a view; return the subscription's id and its first page."""
    await client.send_json_auto_id({"type": f"{DOMAIN}/subscribe_view", **fields})
    subscribed = await client.receive_json()
    assert subscribed["success"], subscribed
    return subscribed["id"], await next_event(client, subscribed["id"])
