"""Tests for setup, availability under faults, reauth, repairs, unload and diagnostics."""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_URL,
    CONF_VERIFY_SSL,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartplex.const import DOMAIN, INTERVAL_STATUS
from custom_components.smartplex.coordinator import (
    RETRY_INTERVAL,
    SmartPlexCoordinator,
    all_coordinators,
)
from simulator import Simulator

from .conftest import (
    closed_port_url,
    hub_with_services,
    refresh_service,
    service_device,
    setup_entry,
)


async def advance(hass: HomeAssistant, interval: timedelta) -> None:
    """Let an interval (and a second) pass and finish every poll it starts."""
    async_fire_time_changed(hass, dt_util.utcnow() + interval + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)


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
    await hass.async_block_till_done(wait_background_tasks=True)
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
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.subentries["sub_radarr"].data[CONF_URL] == simulator.url("radarr")
    assert hass.states.get("sensor.radarr_queue").state != STATE_UNAVAILABLE
    device = service_device(device_registry, entry, "sub_radarr")
    assert device.configuration_url == simulator.url("radarr")
    assert device.sw_version


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


async def test_setup_does_not_wait_for_slow_service(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A slow service starts in the background; its entities wait, the others do not."""
    simulator.faults.inject("tautulli", "latency", seconds=3600)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await simulator.faults.wait_delayed()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.tautulli_active_streams").state == STATE_UNAVAILABLE
    await refresh_service(hass, config_entry, "sonarr")
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    assert simulator.faults.delayed

    simulator.faults.clear()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.tautulli_active_streams").state == "1"


@pytest.mark.parametrize("pending", ["setup", "poll"])
async def test_unload_cancels_pending_request(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    pending: str,
) -> None:
    """Unloading cancels a request still waiting for an answer; nothing reports later."""
    caplog.set_level(logging.INFO, logger="custom_components.smartplex")
    if pending == "setup":
        simulator.faults.inject("tautulli", "hang")
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        poll = None
    else:
        await setup_entry(hass, config_entry)
        simulator.faults.inject("tautulli", "hang")
        coordinators = config_entry.runtime_data.services["sub_tautulli"].coordinators
        poll = hass.async_create_task(vars(coordinators)["activity"].async_refresh())
    await simulator.faults.wait_delayed()

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    if poll is not None:
        await poll
    simulator.faults.clear()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "Tautulli is unavailable" not in caplog.text
    assert "did not complete in time" not in caplog.text


@pytest.mark.parametrize("reload", [False, True], ids=["setup", "reload"])
async def test_rejected_key_fails_only_that_service(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    reload: bool,
) -> None:
    """A key rejected at setup or reload asks for that service's key; the rest works."""
    if reload:
        await setup_entry(hass, config_entry)
        simulator.faults.inject("radarr", "status", status=401)
        assert await hass.config_entries.async_reload(config_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    else:
        simulator.faults.inject("radarr", "status", status=401)
        await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.radarr_queue").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    assert hass.states.get("sensor.tautulli_active_streams").state == "1"

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["context"]["title_placeholders"] == {"name": "Radarr"}
    simulator.faults.clear()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.api_key("radarr")}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.radarr_queue").state != STATE_UNAVAILABLE


@pytest.mark.parametrize("at_setup", [True, False], ids=["setup", "runtime"])
async def test_unsupported_version_until_upgraded(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
    device_registry: dr.DeviceRegistry,
    at_setup: bool,
) -> None:
    """An unsupported version, at setup or later, is a repair until the server is upgraded."""
    if at_setup:
        simulator.faults.inject("sonarr", "old_version")
        await setup_entry(hass, config_entry)
    else:
        await setup_entry(hass, config_entry)
        simulator.faults.inject("sonarr", "old_version")
        await advance(hass, INTERVAL_STATUS)
    assert config_entry.state is ConfigEntryState.LOADED
    issue_id = "unsupported_version_sub_sonarr"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "service": "Sonarr",
        "version": "2.0.0.5344",
    }
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.radarr_queue").state != STATE_UNAVAILABLE

    # Still old at the next check: nothing changes.
    await advance(hass, RETRY_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, issue_id)
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE

    simulator.faults.clear()
    await advance(hass, RETRY_INTERVAL)
    assert not issue_registry.async_get_issue(DOMAIN, issue_id)
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    device = service_device(device_registry, config_entry, "sub_sonarr")
    assert device.sw_version
    assert device.sw_version != "2.0.0.5344"
