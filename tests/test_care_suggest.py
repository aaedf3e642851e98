"""Tests for suggest_upgrades against the simulated stack."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,
    fixture_events,
    world_state,
)
from .test_care import add_play, execute, plan
from .test_care_searches import commands

__all__ = ["fixture_entry", "fixture_events"]


async def suggest(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call suggest_upgrades and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "suggest_upgrades", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_watched_titles_below_cutoff_come_first(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Upgrades rank below-cutoff titles by plays; large unwatched titles are downgrades."""
    world = simulator.world
    below = sorted(
        (
            m
            for m in world.movies.values()
            if m.has_file and m.quality_id not in {7, 18, 19}
        ),
        key=lambda m: m.info.tmdb_id,
    )
    met = next(
        m for m in world.movies.values() if m.has_file and m.quality_id in {7, 18, 19}
    )
    assert len(below) >= 2
    favourite, other = below[0], below[1]
    for row in range(3):
        await add_play(
            hass, 100 + row, "movie", favourite.info.tmdb_id, days_ago=5 + row
        )
    await add_play(hass, 200, "movie", other.info.tmdb_id, days_ago=200)
    await add_play(hass, 201, "movie", met.info.tmdb_id, days_ago=1)
    before = world_state(simulator)

    found = await suggest(hass, limit=100)
    upgrades = found["upgrades"]
    assert upgrades[0]["tmdb_id"] == favourite.info.tmdb_id
    assert other.info.tmdb_id in {row["tmdb_id"] for row in upgrades}
    demand = [sum(row["demand"].values()) for row in upgrades]
    assert demand == sorted(demand, reverse=True)
    assert all(value > 0 for value in demand)
    assert met.info.tmdb_id not in {row["tmdb_id"] for row in upgrades}
    first = upgrades[0]
    assert first["demand"]["watchers"] >= 0.5
    assert first["size_change_gb"] > 0
    assert "below its cutoff" in first["reason"]
    assert isinstance(first["fits"], bool)
    assert len((await suggest(hass, limit=1))["upgrades"]) == 1
    assert found["downgrades"]
    for row in found["downgrades"]:
        assert row["size_change_gb"] < 0
        assert "not watched in a year" in row["reason"]
    assert set(found["free_gb"]) == set(world.disks)
    assert world_state(simulator) == before

    with pytest.raises(ServiceValidationError) as refused:
        await suggest(hass, limit=0)
    assert refused.value.translation_key == "invalid_whole_number"


async def test_watched_titles_are_upgraded_once_a_cleanup_freed_space(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """With upgrades after cleanup on, the most watched below-cutoff title is searched, within the hourly cap."""
    world = simulator.world
    below = sorted(
        (
            m
            for m in world.movies.values()
            if m.has_file and m.quality_id not in {7, 18, 19}
        ),
        key=lambda m: m.info.tmdb_id,
    )
    favourite, other = below[0], below[1]
    for row in range(3):
        await add_play(hass, 100 + row, "movie", favourite.info.tmdb_id, days_ago=2)
    await add_play(hass, 200, "movie", other.info.tmdb_id, days_ago=3)
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            "library_care": {"upgrades_after_cleanup": 2, "searches_per_hour": 1},
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    made = await plan(hass, target_percent=70, instance="Radarr")
    assert commands(simulator) == []

    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert done["removed"]
    assert [row["tmdb_id"] for row in done["upgrade_searches"]] == [
        favourite.info.tmdb_id
    ]
    assert done["upgrade_searches"][0]["kind"] == "upgrade"
    assert commands(simulator) == [
        ("radarr", "MoviesSearch", {"movieIds": [favourite.id]})
    ]
    triggered = events.of("smartplex_search_triggered")
    assert [event["tmdb_id"] for event in triggered] == [favourite.info.tmdb_id]
    audited = [r for r in await audit_trail(hass) if r.action == "search_triggered"]
    assert [r.status for r in audited] == ["done"]
