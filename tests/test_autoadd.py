"""Auto-add on the simulated stack: caps, dry run, switches and the ready event end to end."""

from __future__ import annotations

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

from custom_components.smartplex.actions.autoadd import (
    EVENT_READY_TO_WATCH,
    EVENT_RECOMMENDATION_ADDED,
)
from simulator import Simulator

from .conftest import deliver, setup_entry
from .helpers_actions import (  # noqa: F401
    EventLog,
    audit_trail,
    fixture_entry,
    fixture_events,
    hub,
    world_state,
)
from .test_recommend import memory
from .test_services import call


def owned_movies(simulator: Simulator) -> set[int]:
    """Return the TMDB ids of the world's movies."""
    return {movie.info.tmdb_id for movie in simulator.world.movies.values()}


async def test_dry_run_says_what_would_be_added_and_changes_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A dry run lists the day's titles (at most the cap) and adds nothing."""
    before = world_state(simulator)
    result = await call(hass, "auto_add", {"media_type": "movie", "dry_run": True})
    assert result["dry_run"] is True
    assert result["daily_cap"] == 2
    assert 1 <= len(result["titles"]) <= 2
    for row in result["titles"]:
        assert row["score"] >= result["min_score"]
        assert row["reason"].startswith("Because ")
        assert "outcome" not in row
    assert world_state(simulator) == before
    assert [r for r in await audit_trail(hass) if r.action == "movie_added"] == []


async def test_adds_are_capped_audited_and_announced(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Two movies a day, each added to Radarr with a reason; a second run adds none."""
    planned = await call(hass, "auto_add", {"media_type": "movie", "dry_run": True})
    result = await call(hass, "auto_add", {"media_type": "movie"})
    titles = result["titles"]
    assert [row["tmdb_id"] for row in titles] == [
        row["tmdb_id"] for row in planned["titles"]
    ]
    assert len(titles) == 2
    assert {row["outcome"] for row in titles} == {"added"}
    assert {row["tmdb_id"] for row in titles} <= owned_movies(simulator)
    audit = [r for r in await audit_trail(hass) if r.action == "movie_added"]
    assert {r.source for r in audit} == {"autopilot"}
    assert len(audit) == 2
    announced = events.of(EVENT_RECOMMENDATION_ADDED)
    assert [event["tmdb_id"] for event in announced] == [r["tmdb_id"] for r in titles]
    assert all(event["reason"].startswith("Because ") for event in announced)
    assert {event["instance"] for event in announced} == {"Radarr"}
    assert len(events.of("smartplex_movie_added")) == 2
    remembered = {(tmdb_id, state) for _, _, tmdb_id, state in await memory(hass)}
    assert {(row["tmdb_id"], "added") for row in titles} <= remembered

    again = await call(hass, "auto_add", {"media_type": "movie"})
    assert again["added_today"] == 2
    assert again["titles"] == []


async def test_minimum_score_and_missing_instance(
    hass: HomeAssistant, tmp_path: Any, simulator: Simulator
) -> None:
    """Nothing reaches a minimum score of 99; no Sonarr refuses series, changing nothing."""
    hass.config.config_dir = str(tmp_path)
    config_entry = hub(
        simulator,
        [("radarr", "Radarr"), ("tautulli", "Tautulli"), ("tmdb", "TMDB")],
        recommendations={"auto_add_min_score": 99, "auto_add_daily_cap": 5},
    )
    await setup_entry(hass, config_entry)
    result = await call(hass, "auto_add", {"media_type": "movie"})
    assert result["daily_cap"] == 5
    assert result["titles"] == []
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "auto_add", {"media_type": "tv"})
    assert err.value.translation_key == "service_not_configured"
    assert world_state(simulator) == before


async def test_switches_are_off_until_turned_on(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Off, a day passes without adds; on, the next day's run adds the capped titles."""
    for entity_id in ("switch.tmdb_auto_add_movies", "switch.tmdb_auto_add_series"):
        state = hass.states.get(entity_id)
        assert state is not None and state.state == "off"
    before = owned_movies(simulator)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert owned_movies(simulator) == before

    await hass.services.async_call(
        "switch",
        SERVICE_TURN_ON,
        {"entity_id": "switch.tmdb_auto_add_movies"},
        blocking=True,
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=2, minutes=2))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(owned_movies(simulator) - before) == 2


async def test_auto_added_title_is_ready_when_imported(
    hass: HomeAssistant,
    ha_url: str,
    tmp_path: Any,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Watched history -> recommend -> auto-add -> download -> import -> ready to watch."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, config_entry)
    await deliver(hass, simulator)
    recommended = await call(hass, "recommend", {"media_type": "movie", "count": 2})
    added = await call(hass, "auto_add", {"media_type": "movie"})
    assert [row["tmdb_id"] for row in added["titles"]] == [
        row["tmdb_id"] for row in recommended["recommendations"]
    ]
    await deliver(hass, simulator)
    await simulator.advance(6 * 3600)
    await deliver(hass, simulator)
    ready = events.of(EVENT_READY_TO_WATCH)
    imported = {
        event["tmdb_id"]
        for event in events.of("smartplex_download")
        if event["type"] == "imported"
    }
    assert {row["tmdb_id"] for row in added["titles"]} <= imported
    assert {event["tmdb_id"] for event in ready} >= {
        row["tmdb_id"] for row in added["titles"]
    }
    for event in ready:
        if event["tmdb_id"] in {row["tmdb_id"] for row in added["titles"]}:
            assert event["because"] == "auto_added"
            assert event["instance"] == "Radarr"
