"""Tests for setup, availability under faults, reauth, repairs, unload and diagnostics."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.coordinator import (
    SmartPlexCoordinator,
    all_coordinators,
)
from simulator import Simulator

from .conftest import closed_port_url, hub_with_services, service_device, setup_entry


def scheduled_polls(
    hass: HomeAssistant, coordinator: SmartPlexCoordinator[Any]
) -> bool:
    """Return whether the event loop holds a pending poll timer of the coordinator."""
    return any(
        not handle.cancelled()
        and getattr(handle._callback, "__self__", None) is coordinator
        for handle in hass.loop._scheduled  # type: ignore[attr-defined]
    )


async def test_setup_and_unload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The entry loads every service; unloading stops every poll and listener."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert set(loaded_entry.runtime_data.services) == set(loaded_entry.subentries)
    coordinators = [
        coordinator
        for service in loaded_entry.runtime_data.services.values()
        for coordinator in all_coordinators(service)
    ]
    assert all(scheduled_polls(hass, coordinator) for coordinator in coordinators)

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE
    for coordinator in coordinators:
        assert not scheduled_polls(hass, coordinator), coordinator.name
        assert not list(coordinator.async_contexts()), coordinator.name


async def test_reload(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """A reload replaces every coordinator and leaves none of the old ones polling."""
    old = [
        coordinator
        for service in loaded_entry.runtime_data.services.values()
        for coordinator in all_coordinators(service)
    ]
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    for coordinator in old:
        assert not scheduled_polls(hass, coordinator), coordinator.name
    new = loaded_entry.runtime_data.services["sub_sonarr"].coordinators
    assert scheduled_polls(hass, vars(new)["queue"])


async def test_reconfigure_fixes_service(
    hass: HomeAssistant,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A service set up with a wrong address works after reconfiguring it."""
    entry = hub_with_services(simulator, radarr={CONF_URL: closed_port_url()})
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.radarr_queue").state == STATE_UNAVAILABLE

    result = await entry.start_subentry_reconfigure_flow(hass, "sub_radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_URL: simulator.url("radarr") + "/", CONF_VERIFY_SSL: True},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.subentries["sub_radarr"].data[CONF_URL] == simulator.url("radarr")
    assert hass.states.get("sensor.radarr_queue").state != STATE_UNAVAILABLE
    device = service_device(device_registry, entry, "sub_radarr")
    assert device.configuration_url == simulator.url("radarr")
    assert device.sw_version


async def test_unsupported_version_raises_repair(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An unsupported version is a repair issue and the service gets no entities."""
    simulator.faults.inject("sonarr", "old_version")
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "unsupported_version_sub_sonarr")
    assert hass.states.get("sensor.sonarr_queue") is None
    assert hass.states.get("sensor.radarr_queue") is not None


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Diagnostics describe every service and contain no API key anywhere."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_entry
    )
    text = json.dumps(diagnostics, default=str)
    for service in ("sonarr", "radarr", "overseerr", "tautulli", "tmdb"):
        assert simulator.api_key(service) not in text
    assert {service["type"] for service in diagnostics["services"]} == {
        "sonarr",
        "radarr",
        "overseerr",
        "tautulli",
        "tmdb",
    }
    sonarr = next(s for s in diagnostics["services"] if s["type"] == "sonarr")
    assert sonarr["config"]["api_key"] == "**REDACTED**"
    assert sonarr["coordinators"]["queue"]["data"] == 2
