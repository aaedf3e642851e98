"""The per-user request-to-watch ratio sensors, checked against the simulated world."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.daily_statistics import COOLDOWN
from custom_components.smartplex.history_sensors import WATCH_RATIO_PREFIX
from simulator import Simulator
from simulator.world import World

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub


def expected_ratios(world: World) -> dict[int, float]:
    """Return each Plex user's percent of available requests played after requesting.

    A partly available series counts as available (Overseerr media status 4 or 5).
    """
    counts: dict[int, tuple[int, int]] = {}
    for request in world.requests.values():
        if world.media_status(request.kind, request.tmdb_id) not in (4, 5):
            continue
        watched = any(
            play[3] == request.user_index
            and play[1] >= request.created.timestamp()
            and (play[4] == "movie") == (request.kind == "movie")
            and (
                world.movies[play[5]].info.tmdb_id
                if play[4] == "movie"
                else world.series[world.episodes[play[5]][1]].info.tmdb_id
            )
            == request.tmdb_id
            for play in world.plays
        )
        user_id = world.users[request.user_index].plex_id
        available, seen = counts.get(user_id, (0, 0))
        counts[user_id] = (available + 1, seen + watched)
    return {
        user_id: round(100 * seen / available, 1)
        for user_id, (available, seen) in counts.items()
    }


async def _set_up(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Set up every service, then let the figures update after the first syncs."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=COOLDOWN + 1))
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _tautulli(entry: MockConfigEntry) -> str:
    """Return the Tautulli service's subentry id."""
    return next(
        subentry_id
        for subentry_id, service in entry.runtime_data.services.items()
        if service.service_type == "tautulli"
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_each_user_has_a_request_to_watch_ratio(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The ratio of each user is the share of their available requests they played."""
    entry = await _set_up(hass, tmp_path, simulator)
    world = simulator.world
    expected = expected_ratios(world)
    # The tiny world has one user with available requests, one of two played.
    assert expected == {world.users[2].plex_id: 50.0}
    tautulli = _tautulli(entry)
    for user in world.users:
        entity_id = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"{tautulli}_{WATCH_RATIO_PREFIX}{user.plex_id}"
        )
        assert entity_id is not None
        state = hass.states.get(entity_id)
        assert state is not None
        if user.plex_id in expected:
            assert float(state.state) == expected[user.plex_id]
        else:
            # None of their requests is available: nothing to divide by.
            assert state.state == "unknown"
        assert state.attributes["unit_of_measurement"] == "%"
        assert set(state.attributes) == {
            "friendly_name",
            "state_class",
            "unit_of_measurement",
        }


async def test_ratio_sensors_are_disabled_by_default(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """The ratio sensors exist, but stay off until the user turns them on."""
    entry = await _set_up(hass, tmp_path, simulator)
    ratios = [
        entity
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if WATCH_RATIO_PREFIX in entity.unique_id
    ]
    assert len(ratios) == len(simulator.world.users)
    assert all(
        entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION for entity in ratios
    )
    assert all(hass.states.get(entity.entity_id) is None for entity in ratios)
