"""Tests for library care's options: the form, the pressure sensors, plans and reclaimable space."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.homeassistant import (
    DOMAIN as HA_DOMAIN,
    SERVICE_UPDATE_ENTITY,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.care_settings import (
    CONF_CARE,
    CareSettings,
    care_settings,
    parse_root_folders,
    validate_care,
)
from custom_components.smartplex.const import CONF_UPCOMING_DAYS, CONF_VOICE_SENTENCES
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, EventLog, fixture_events, hub
from .test_care import plan, run_sql

__all__ = ["fixture_events"]

RECLAIMABLE = "sensor.radarr_reclaimable_space"


async def configure(hass: HomeAssistant, entry: MockConfigEntry, care: Any) -> Any:
    """Submit the options form with a library care section."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_UPCOMING_DAYS: 7, CONF_VOICE_SENTENCES: False, CONF_CARE: care},
    )


async def test_options_store_library_care(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """The section is stored as given and read back; legacy top-level levels still count."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES, disk_threshold=80)
    await setup_entry(hass, entry)
    assert care_settings(entry.options).threshold == 80
    result = await configure(
        hass,
        entry,
        {
            "disk_threshold": 90,
            "disk_target": 70.0,
            "root_folders": "/movies/: 95/85\n\n/tv: 80/60",
            "keep_tag": " Forever ",
            "protect_days": 60.0,
            "grace_days": 14,
            "plan_cap": 3,
            "searches_per_hour": 5.0,
            "search_dry_run": True,
            "upgrades_after_cleanup": 4,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "disk_threshold" not in entry.options
    settings = care_settings(entry.options)
    assert settings == CareSettings(
        threshold=90,
        target=70,
        keep_tag="Forever",
        protect_days=60,
        grace_days=14,
        plan_cap=3,
        searches_per_hour=5,
        search_dry_run=True,
        upgrades_after_cleanup=4,
        root_folders={"/movies": (95, 85), "/tv": (80, 60)},
    )
    assert settings.threshold_of("/movies") == 95
    assert settings.target_of("/tv/") == 60
    assert settings.target_of("/other") == 70


@pytest.mark.parametrize(
    ("care", "error"),
    [
        ({"disk_threshold": 70, "disk_target": 75}, "invalid_care_target"),
        ({"disk_target": float("nan")}, "invalid_care_number"),
        ({"protect_days": 1.5}, "invalid_care_number"),
        ({"grace_days": float("nan")}, "invalid_care_number"),
        ({"plan_cap": 2.5}, "invalid_care_number"),
        ({"searches_per_hour": 2.5}, "invalid_care_number"),
        ({"upgrades_after_cleanup": 1.5}, "invalid_care_number"),
        ({"root_folders": "/movies 90/80"}, "invalid_root_folders"),
        ({"root_folders": "/movies: 80/90"}, "invalid_root_folders"),
        ({"root_folders": "movies: 90/80"}, "invalid_root_folders"),
        ({"root_folders": "/movies: 90/eighty"}, "invalid_root_folders"),
    ],
)
async def test_options_refuse_bad_library_care(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    care: dict[str, Any],
    error: str,
) -> None:
    """Bad levels, windows, caps or root folder lines are refused; nothing changes."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    options = dict(entry.options)
    result = await configure(hass, entry, care)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_CARE: error}
    assert entry.options == options


@pytest.mark.parametrize(
    "care",
    [
        {"searches_per_hour": 0},
        {"searches_per_hour": 101},
        {"search_dry_run": "maybe"},
        {"upgrades_after_cleanup": -1},
        {"upgrades_after_cleanup": 21},
    ],
)
def test_search_settings_out_of_range_are_refused(care: dict[str, Any]) -> None:
    """Hand-edited search settings out of range are refused (the form's selectors stop them first)."""
    assert validate_care(care) == ({}, "invalid_care_number")


def test_root_folder_lines() -> None:
    """Paths may hold colons; blank lines are skipped; a missing slash is refused."""
    assert parse_root_folders("/mnt/a:b: 90/80\n \n/: 50/40") == {
        "/mnt/a:b": (90.0, 80.0),
        "/": (50.0, 40.0),
    }
    with pytest.raises(ValueError):
        parse_root_folders("/tv: 90")


async def test_options_drive_pressure_plans_and_reclaimable_space(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """A root folder's own levels, the cap, the keep tag and grace period come from the options."""
    hass.config.config_dir = str(tmp_path)
    world = simulator.world
    used = {
        path: 100 * (disk.total - world.free_space(path)) / disk.total
        for path, disk in world.disks.items()
    }
    movies_used = int(used["/movies"])
    care = {
        "root_folders": f"/movies: {movies_used}/{movies_used - 10}",
        "plan_cap": 1,
        "grace_days": 3,
        "keep_tag": "",
    }
    entry = hub(simulator, ALL_SERVICES, **{CONF_CARE: care})
    await setup_entry(hass, entry)
    assert hass.states.get("binary_sensor.radarr_disk_pressure_movies").state == "on"
    assert hass.states.get("binary_sensor.sonarr_disk_pressure_tv").state == "off"
    pressure = events.of("smartplex_disk_pressure")
    assert [event["root_folder"] for event in pressure] == ["/movies"]
    assert pressure[0]["threshold"] == movies_used

    made = await plan(hass, instance="Radarr")
    assert made["target_percent"] == 75
    assert list(made["needed_gb"]) == ["/movies"]
    assert len(made["items"]) == 1
    assert made["short"] == {"/movies": "max_items"}
    assert events.of("smartplex_leaving_soon")
    assert made["executable_from"] > made["created"]
    with pytest.raises(Exception) as above:
        await plan(hass, instance="Sonarr")
    assert getattr(above.value, "translation_key", None) == "target_above_use"

    assert await async_setup_component(hass, HA_DOMAIN, {})
    await hass.services.async_call(
        HA_DOMAIN, SERVICE_UPDATE_ENTITY, {ATTR_ENTITY_ID: RECLAIMABLE}, blocking=True
    )
    state = hass.states.get(RECLAIMABLE)
    assert state is not None
    assert float(state.state) == made["freed_gb"]["/movies"]
    assert state.attributes["unit_of_measurement"] == "GB"
    assert state.attributes["root_folders"] == {
        "/movies": {
            "needed_gb": made["needed_gb"]["/movies"],
            "reclaimable_gb": made["freed_gb"]["/movies"],
            "not_met_because": "max_items",
        }
    }
    assert state.attributes["titles"] == [made["items"][0]["title"]]
    await hass.services.async_call(
        HA_DOMAIN,
        SERVICE_UPDATE_ENTITY,
        {ATTR_ENTITY_ID: "sensor.sonarr_reclaimable_space"},
        blocking=True,
    )
    assert hass.states.get("sensor.sonarr_reclaimable_space").state == "0.0"


async def test_protection_window_comes_from_the_options(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A title watched 45 days ago is planned with the default 30 days, kept with 60."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    first = (await plan(hass, target_percent=40, instance="Radarr"))["items"][0]
    started = int(dt_util.utcnow().timestamp()) - 45 * 86400
    await run_sql(
        hass,
        "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
        " full_title, started, play_duration, paused_counter, percent_complete,"
        " watched_status, identity_type, tmdb_id, matched_by) VALUES"
        " ('t', 1, 7, 'anna', 'movie', 'x', 'x', ?, 3600, 0, 100, 1, 'movie', ?,"
        " 'guid')",
        started,
        first["tmdb_id"],
    )
    await configure(hass, entry, {"protect_days": 60})
    # Saved options reload the hub: wait until its libraries are loaded again.
    await hass.async_block_till_done(wait_background_tasks=True)
    made = await plan(hass, target_percent=40, instance="Radarr")
    assert first["key"] not in {item["key"] for item in made["items"]}
    assert [
        p["protections"] for p in made["protected"] if p["title"] == first["title"]
    ] == [["recently_watched"]]
