"""Tests for prioritize_searches against the simulated stack."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from homeassistant.const import SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .helpers_actions import EventLog, audit_trail, fixture_entry, fixture_events
from .test_care import run_sql
from .test_care_removal import add_episode_play

__all__ = ["fixture_entry", "fixture_events"]

AUTOPILOT = "switch.sonarr_search_autopilot"


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
    order = [*done["prefetch"], *done["items"]][:2]
    assert done["searched"] == [item["key"] for item in order]
    assert done["searches_left_this_hour"] == 0
    sent = commands(simulator)
    assert [name for _, name, _ in sent] == [
        "SeasonSearch"
        if item["kind"] == "prefetch"
        else "EpisodeSearch"
        if item["media_type"] == "tv"
        else "MoviesSearch"
        for item in order
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


async def near_season_end(hass: HomeAssistant, simulator: Simulator) -> tuple[Any, int]:
    """Have Tautulli user 7 just watch the last-but-one episode of a season whose next one misses a file.

    Return the series and the next season's number.
    """
    world = simulator.world
    now = simulator.stack.clock.now()
    for series in sorted(world.series.values(), key=lambda s: s.id):
        seasons: dict[int, list[Any]] = defaultdict(list)
        for eid in series.episode_ids:
            seasons[world.episodes[eid][2]].append(world.episodes[eid])
        for number in sorted(seasons):
            aired = [e for e in seasons.get(number + 1, []) if e[4] <= now and e[7]]
            if not series.monitored or not aired:
                continue
            world.episodes[aired[0][0]] = (*aired[0][:5], False, 0, aired[0][7])
            await add_episode_play(hass, 900, series.info.tmdb_id, number, days_ago=0)
            await run_sql(
                hass,
                "UPDATE plays SET episode = ? WHERE row_id = 900",
                len(seasons[number]) - 1,
            )
            return series, number + 1
    raise AssertionError("no series with a next season on the air")


async def test_a_season_someone_nearly_finished_prefetches_the_next(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Within 2 episodes of a season's end, the next season is listed and searched first."""
    series, season = await near_season_end(hass, simulator)
    listed = await prioritize(hass, limit=3)
    row = next(p for p in listed["prefetch"] if p["tmdb_id"] == series.info.tmdb_id)
    assert row["kind"] == "prefetch"
    assert row["key"].endswith(f"/season/{season}")
    assert row["title"].endswith(f"season {season}")
    assert row["reasons"] == [f"7 near the end of season {season - 1}"]
    assert commands(simulator) == []

    done = await prioritize(
        hass, limit=3, search=True, per_hour=len(listed["prefetch"])
    )
    assert done["searched"] == [p["key"] for p in listed["prefetch"]]
    assert (
        "sonarr",
        "SeasonSearch",
        {"seriesId": series.id, "seasonNumber": season},
    ) in commands(simulator)
    assert row["key"] in [e["key"] for e in events.of("smartplex_search_triggered")]
    audited = [r for r in await audit_trail(hass) if r.action == "search_triggered"]
    assert row["key"] in [r.details["key"] for r in audited]


async def test_a_next_season_already_on_disk_is_not_prefetched(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Once every aired episode of the next season has a file, nothing is prefetched for it."""
    series, season = await near_season_end(hass, simulator)
    world = simulator.world
    for eid in series.episode_ids:
        if world.episodes[eid][2] == season:
            world.episodes[eid] = (
                *world.episodes[eid][:5],
                True,
                1,
                world.episodes[eid][7],
            )
    listed = await prioritize(hass, limit=3)
    assert series.info.tmdb_id not in [p["tmdb_id"] for p in listed["prefetch"]]


async def hour_passes(hass: HomeAssistant, hours: int) -> None:
    """Move time on so the hourly runs happen."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=hours, minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_search_autopilot_searches_what_people_wait_for_each_hour(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Off by default; on, each hour searches only awaited items, never one twice in a day."""
    state = hass.states.get(AUTOPILOT)
    assert state is not None
    assert state.state == "off"
    series, season = await near_season_end(hass, simulator)
    await hour_passes(hass, 1)
    assert commands(simulator) == []

    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {"entity_id": AUTOPILOT}, blocking=True
    )
    await hour_passes(hass, 2)
    sent = commands(simulator)
    assert (
        "sonarr",
        "SeasonSearch",
        {"seriesId": series.id, "seasonNumber": season},
    ) in sent
    assert {service for service, _, _ in sent} == {"sonarr"}
    triggered = events.of("smartplex_search_triggered")
    assert len(triggered) == len(sent) <= 20
    assert all(event["reasons"] != ["nobody waiting"] for event in triggered)
    audited = [r for r in await audit_trail(hass) if r.action == "search_triggered"]
    assert {r.source for r in audited} == {"autopilot"}

    await hour_passes(hass, 3)
    again = events.of("smartplex_search_triggered")[len(triggered) :]
    assert not {e["key"] for e in again} & {e["key"] for e in triggered}


async def test_search_autopilot_dry_run_announces_and_searches_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """In the hub's dry-run mode each search it would make is an event; nothing is sent."""
    hass.config_entries.async_update_entry(
        entry,
        options={**entry.options, "library_care": {"search_dry_run": True}},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    series, season = await near_season_end(hass, simulator)
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {"entity_id": AUTOPILOT}, blocking=True
    )
    await hour_passes(hass, 1)
    assert commands(simulator) == []
    would = events.of("smartplex_search_dry_run")
    assert f"/season/{season}" in " ".join(e["key"] for e in would)
    assert all(e["source"] == "autopilot" for e in would)
    assert events.of("smartplex_search_triggered") == []
    assert [r for r in await audit_trail(hass) if r.action == "search_triggered"] == []


async def test_the_hubs_searches_per_hour_cap_calls_without_per_hour(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Without per_hour, the hub's searches per hour (library care options) is the cap."""
    hass.config_entries.async_update_entry(
        entry,
        options={**entry.options, "library_care": {"searches_per_hour": 1}},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    done = await prioritize(hass, limit=5, search=True)
    assert done["per_hour"] == 1
    assert len(done["searched"]) == 1
    assert len(commands(simulator)) == 1
