"""Tests for setup, availability under faults, reauth, repairs, unload and diagnostics."""

from __future__ import annotations

from datetime import timedelta
import json

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
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

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .conftest import setup_entry


class Clock:
    """Moves Home Assistant's timers forward in small steps.

    Small steps let every request finish before the next jump, so a jump never
    fires the timeout of a request still in flight.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Start at the current time."""
        self.hass = hass
        self.start = dt_util.utcnow()
        self.offset = timedelta()

    async def advance(self, delta: timedelta) -> None:
        """Fire every timer due within delta and let the coordinators poll."""
        end = self.offset + delta
        while self.offset < end:
            self.offset += timedelta(seconds=10)
            async_fire_time_changed(self.hass, self.start + self.offset)
            await self.hass.async_block_till_done()


@pytest.fixture
def clock(hass: HomeAssistant) -> Clock:
    """Return a clock for the test."""
    return Clock(hass)


async def test_setup_and_unload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The entry loads every service and unloads cleanly."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert set(loaded_entry.runtime_data.services) == set(loaded_entry.subentries)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE


async def test_unsupported_version_raises_repair(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    clock: Clock,
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
    clock: Clock,
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
