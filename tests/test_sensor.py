"""Tests for the SmartPlex entities: every entity's state, against the simulator."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import Platform, UnitOfDataRate, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_component,
    entity_registry as er,
)
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.smartplex.sensor import SYNC_RESOLUTION
from simulator import Simulator

from .conftest import NOW, setup_entry

REGISTRY_FIELDS = (
    "unique_id",
    "translation_key",
    "original_device_class",
    "entity_category",
    "disabled_by",
    "capabilities",
    "unit_of_measurement",
    "has_entity_name",
)


def plain_keys(value: Any) -> Any:
    """Return mappings with plain string keys (HA 2026.10 uses StrEnum keys)."""
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    return value


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
    # Today's figures follow the history sync at most once a minute: the update after its
    # last page may still wait for that cooldown, so work them out now.
    database = config_entry.runtime_data.database
    assert database is not None
    await database.daily._async_update()
    await hass.async_block_till_done()
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert entries
    for entry in sorted(entries, key=lambda entry: entry.entity_id):
        state = hass.states.get(entry.entity_id)
        assert state is not None
        # Only fields every supported HA version serialises alike (registry internals
        # such as aliases changed shape in 2026.10).
        assert {
            "registry": {
                field: plain_keys(getattr(entry, field)) for field in REGISTRY_FIELDS
            },
            "state": state.state,
            "attributes": plain_keys(state.attributes),
        } == snapshot(name=entry.entity_id)


async def test_devices(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
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
        ((domain, subentry_id),) = device.identifiers
        assert domain == "smartplex"
        assert subentry_id in config_entry.subentries
        entities = er.async_entries_for_device(entity_registry, device.id)
        assert entities
        assert {entity.config_subentry_id for entity in entities} == {subentry_id}
        assert "apikey" not in (device.configuration_url or "")
    sonarr = next(device for device in devices if device.name == "Sonarr")
    assert sonarr.sw_version


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sizes_and_rates_read_as_shown(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Every size is in GB and every bandwidth in Mbit/s, with the state rounded as shown."""
    await setup_entry(hass, config_entry)
    # Reclaimable space is worked out a few minutes after start: now, for the test.
    for entity_id in (
        "sensor.radarr_reclaimable_space",
        "sensor.sonarr_reclaimable_space",
    ):
        await entity_component.async_update_entity(hass, entity_id)
    units = {
        SensorDeviceClass.DATA_SIZE: UnitOfInformation.GIGABYTES,
        SensorDeviceClass.DATA_RATE: UnitOfDataRate.MEGABITS_PER_SECOND,
    }
    checked: dict[str, int] = {}
    for entry in er.async_entries_for_config_entry(
        entity_registry, config_entry.entry_id
    ):
        if entry.original_device_class not in units:
            continue
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert (
            state.attributes["unit_of_measurement"]
            == units[entry.original_device_class]
        )
        assert entry.options["sensor"]["suggested_display_precision"] == 1
        assert state.state == str(round(float(state.state), 1)), entry.entity_id
        checked[entry.original_device_class] = (
            checked.get(entry.original_device_class, 0) + 1
        )
    # Library size, free and reclaimable space of Sonarr and Radarr; total, LAN and WAN
    # bandwidth.
    assert checked == {SensorDeviceClass.DATA_SIZE: 6, SensorDeviceClass.DATA_RATE: 3}


async def test_last_sync_changes_rarely(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An hour of 15-second polls moves Last successful sync at most once per resolution step.

    A failure shows the exact last success at once, and so does the recovery.
    """
    freezer.move_to(NOW)
    # Only the polls below: no scheduled refresh (moving time would also trip timeouts).
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, pref_disable_polling=True)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    entity_id = "sensor.tautulli_last_successful_sync"
    activity = config_entry.runtime_data.services["sub_tautulli"].coordinators.activity
    changes: list[str] = []
    unsubscribe = async_track_state_change_event(
        hass, entity_id, lambda event: changes.append(event.data["new_state"].state)
    )
    polls = int(timedelta(hours=1) / activity.interval)
    for _ in range(polls):
        freezer.tick(activity.interval)
        await activity.async_refresh()
    await hass.async_block_till_done()
    assert polls == 240
    assert len(changes) == timedelta(hours=1) / SYNC_RESOLUTION
    last_success = dt_util.utcnow()

    simulator.faults.inject("tautulli", "status", status=500)
    freezer.tick(activity.interval)
    await activity.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == last_success.isoformat()

    simulator.faults.clear()
    freezer.tick(activity.interval)
    await activity.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == dt_util.utcnow().isoformat()
    unsubscribe()
