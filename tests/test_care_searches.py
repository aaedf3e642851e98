"""Tests for prioritize_searches against the simulated stack."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .helpers_actions import EventLog, audit_trail, fixture_entry, fixture_events
from .test_care import run_sql
from .test_care_removal import add_episode_play

__all__ = ["fixture_entry", "fixture_events"]


async def prioritize(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call prioritize_searches and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "prioritize_searches", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def commands(simulator: Simulator) -> list[tuple[str, str, dict[str, Any]]]:
    """Return the commands Sonarr and Radarr received, in the order they came."""
    return [
        (service, command.name, command.body)
        for service, command in sorted(
            (
                (service, command)
                for service, received in simulator.stack.commands.items()
                for command in received.values()
            ),
            key=lambda pair: pair[1].id,
        )
    ]


async def test_the_next_episode_someone_waits_for_comes_first(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A missing episode right after the one a person just watched ranks first, with why."""
    world = simulator.world
    listed = await prioritize(hass, limit=100)
    episode = next(
        world.episodes[int(item["key"].rsplit("/", 1)[1])]
        for item in reversed(listed["items"])
        if item["media_type"] == "tv" and item["kind"] == "missing"
    )
    eid, series_id, season, number = episode[:4]
    series = world.series[series_id]
    await add_episode_play(hass, 1, series.info.tmdb_id, season, days_ago=1)
    await add_episode_play(hass, 2, series.info.tmdb_id, season, days_ago=2)
    # The plays' episode numbers: the one before the missing one.
    await run_sql(
        hass, "UPDATE plays SET episode = ? WHERE row_id IN (1, 2)", number - 1
    )
    ranked = await prioritize(hass, limit=5)
    first = ranked["items"][0]
    assert first["key"].endswith(f"/{eid}")
    assert "next episode for 7" in first["reasons"]
    assert ranked["dry_run"]
    assert ranked["searched"] == []
    assert commands(simulator) == []


async def test_searches_keep_to_the_hourly_cap_across_a_restart(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Searches go in priority order up to the cap, audited and announced; a reload keeps the count."""
    done = await prioritize(hass, limit=5, search=True, per_hour=2)
    assert done["searched"] == [item["key"] for item in done["items"][:2]]
    assert done["searches_left_this_hour"] == 0
    sent = commands(simulator)
    assert [name for _, name, _ in sent] == [
        "EpisodeSearch" if item["media_type"] == "tv" else "MoviesSearch"
        for item in done["items"][:2]
    ]
    triggered = events.of("smartplex_search_triggered")
    assert [event["key"] for event in triggered] == done["searched"]
    rows = [r for r in await audit_trail(hass) if r.action == "search_triggered"]
    assert {r.status for r in rows} == {"done"}
    assert len(rows) == 2

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    again = await prioritize(hass, limit=5, search=True, per_hour=2)
    assert again["searched"] == []
    assert again["searches_left_this_hour"] == 0
    assert len(commands(simulator)) == 2
    more = await prioritize(hass, limit=5, search=True, per_hour=3)
    assert len(more["searched"]) == 1
    assert len(commands(simulator)) == 3


async def test_bad_input_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A cap or limit out of range is refused and nothing is searched."""
    for data in (
        {"search": True, "per_hour": 0},
        {"search": True, "limit": 101},
        {"search": "yes please"},
    ):
        with pytest.raises(ServiceValidationError):
            await prioritize(hass, **data)
    assert commands(simulator) == []
