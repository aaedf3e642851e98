"""Tests for the SmartPlex entities: every entity's state, against the simulator."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from .conftest import NOW, setup_entry


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.CALENDAR, Platform.EVENT, Platform.SENSOR],
)
async def test_all_entities(
    hass: HomeAssistant,
    platform: Platform,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every entity of every service has the expected state and registry entry."""
    freezer.move_to(NOW)
    with patch("custom_components.smartplex.PLATFORMS", [platform]):
        await setup_entry(hass, config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_devices(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Each service is one service device with a credential-free configuration URL."""
    await setup_entry(hass, config_entry)
    devices = dr.async_entries_for_config_entry(device_registry, config_entry.entry_id)
    assert {device.name for device in devices} == {
        "Sonarr",
        "Radarr",
        "Overseerr",
        "Tautulli",
        "TMDB",
    }
    for device in devices:
        assert device.entry_type is dr.DeviceEntryType.SERVICE
        (subentry_id,) = device.config_entries_subentries[config_entry.entry_id]
        assert device.identifiers == {("smartplex", subentry_id)}
        assert "apikey" not in (device.configuration_url or "")
    sonarr = next(device for device in devices if device.name == "Sonarr")
    assert sonarr.sw_version
