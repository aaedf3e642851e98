"""Auto-add on the simulated stack: caps, dry run, switches and the ready event end to end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
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
    EVENT_AUTO_ADD_UNDONE,
    EVENT_READY_TO_WATCH,
    EVENT_RECOMMENDATION_ADDED,
)
from simulator import Simulator

from .conftest import deliver, setup_entry
from .helpers_actions import (  # noqa: F401
    ALL_SERVICES,
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


async def refused(
    hass: HomeAssistant, simulator: Simulator, data: dict[str, Any]
) -> str:
    """Return the translation key undo_auto_add refuses with; the world is unchanged."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "undo_auto_add", data)
    assert world_state(simulator) == before
    return str(err.value.translation_key)


async def test_undo_removes_an_auto_added_title_for_good(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Undone within the grace window: deleted from Radarr, audited, never auto-added again."""
    added = (await call(hass, "auto_add", {"media_type": "movie"}))["titles"]
    first = added[0]["tmdb_id"]
    announced = events.of(EVENT_RECOMMENDATION_ADDED)[0]
    assert announced["undo_until"] > dt_util.utcnow().isoformat()

    result = await call(
        hass, "undo_auto_add", {"media_type": "movie", "tmdb_id": first}
    )

    assert result["undone"] is True
    assert result["files_deleted_gb"] == 0
    assert first not in owned_movies(simulator)
    assert added[1]["tmdb_id"] in owned_movies(simulator)
    audit = [r for r in await audit_trail(hass) if r.action == "auto_add_undone"]
    assert [(r.details["tmdb_id"], r.status) for r in audit] == [(first, "done")]
    assert [e["tmdb_id"] for e in events.of(EVENT_AUTO_ADD_UNDONE)] == [first]
    assert ("", "movie", first, "dismissed") in await memory(hass)  # the household
    picks = await call(hass, "recommend", {"media_type": "movie", "count": 50})
    assert first not in {row["tmdb_id"] for row in picks["recommendations"]}
    # Undone once, it is gone; a title auto-add never added is refused.
    assert (
        await refused(hass, simulator, {"media_type": "movie", "tmdb_id": first})
        == "undo_not_in_library"
    )
    someone_elses = min(owned_movies(simulator) - {r["tmdb_id"] for r in added})
    assert (
        await refused(
            hass, simulator, {"media_type": "movie", "tmdb_id": someone_elses}
        )
        == "undo_not_auto_added"
    )


async def test_undo_after_the_grace_window_is_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An add older than the grace window stays."""
    added = (await call(hass, "auto_add", {"media_type": "movie"}))["titles"]
    monkeypatch.setattr(
        "custom_components.smartplex.actions.autoadd.UNDO_GRACE", timedelta(0)
    )
    data = {"media_type": "movie", "tmdb_id": added[0]["tmdb_id"]}
    assert await refused(hass, simulator, data) == "undo_not_auto_added"


async def test_undo_of_a_series_removes_it_from_sonarr(
    hass: HomeAssistant, tmp_path: Any, simulator: Simulator
) -> None:
    """A series auto-added before any episode downloaded is deleted from Sonarr."""
    hass.config.config_dir = str(tmp_path)
    services = [("sonarr", "Sonarr"), ("tautulli", "Tautulli"), ("tmdb", "TMDB")]
    minimum = {"auto_add_min_score": 0}
    await setup_entry(hass, hub(simulator, services, recommendations=minimum))
    added = (await call(hass, "auto_add", {"media_type": "tv"}))["titles"]
    series = {s.info.tmdb_id for s in simulator.world.series.values()}
    assert added[0]["tmdb_id"] in series

    await call(
        hass, "undo_auto_add", {"media_type": "tv", "tmdb_id": added[0]["tmdb_id"]}
    )

    series = {s.info.tmdb_id for s in simulator.world.series.values()}
    assert added[0]["tmdb_id"] not in series
    assert added[1]["tmdb_id"] in series


async def test_undo_with_downloaded_files_needs_confirmation(
    hass: HomeAssistant,
    ha_url: str,
    tmp_path: Any,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Once imported, undo refuses unless delete_files confirms it; then files go too."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, config_entry)
    await deliver(hass, simulator)
    added = (await call(hass, "auto_add", {"media_type": "movie"}))["titles"]
    await simulator.advance(6 * 3600)
    await deliver(hass, simulator)
    tmdb_id = added[0]["tmdb_id"]
    movie = next(
        m for m in simulator.world.movies.values() if m.info.tmdb_id == tmdb_id
    )
    assert movie.has_file
    data = {"media_type": "movie", "tmdb_id": tmdb_id}

    assert await refused(hass, simulator, data) == "undo_has_files"
    result = await call(hass, "undo_auto_add", {**data, "delete_files": True})

    assert result["files_deleted_gb"] > 0
    assert tmdb_id not in owned_movies(simulator)


@pytest.mark.simulator_scale("home")
async def test_a_finished_series_brings_a_recommendation_ready_to_watch(
    hass: HomeAssistant,
    ha_url: str,
    tmp_path: Any,
    simulator: Simulator,
    events: EventLog,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A user finishes a series -> recommend -> auto-add -> download -> import -> ready.

    At home scale (the tiny world's shows have no TMDB recommendations outside the
    library), on the simulator's clock, so that unreleased titles are left out.
    """
    freezer.move_to(simulator.stack.clock.now())
    hass.config.config_dir = str(tmp_path)
    minimum = {"auto_add_min_score": 0.5}
    await setup_entry(hass, hub(simulator, ALL_SERVICES, recommendations=minimum))
    await deliver(hass, simulator)
    world = simulator.world
    owned = {series.info.tmdb_id for series in world.series.values()}
    # Someone who has not seen a series whose TMDB recommendations are not all owned.
    viewer, series = next(
        (user, series)
        for series in world.series.values()
        if any(
            title.tmdb_id not in owned
            for title in world.related(series.info, "recommendations")
        )
        for user, _ in enumerate(world.users)
        if not any(
            play[3] == user and play[5] in series.episode_ids for play in world.plays
        )
    )
    on_disk = [episode for episode in series.episode_ids if world.episodes[episode][5]]
    for episode in sorted(on_disk, key=lambda e: world.episodes[e][2:4]):
        session = simulator.stack.start_session(viewer, "episode", episode)
        await simulator.advance(session.duration + 60)
    freezer.move_to(simulator.stack.clock.now())
    await deliver(hass, simulator)
    await call(hass, "sync", {"instance": "Tautulli"})
    # The database follows the poll in the background.
    await hass.async_block_till_done(wait_background_tasks=True)
    name = world.users[viewer].username

    mine = await call(hass, "recommend", {"user": name, "media_type": "tv"})
    # Their recommendations now follow the series they just finished, and say so.
    assert (
        f"{name} finished {series.info.title} today"
        in (mine["recommendations"][0]["reason"])
    )
    household = await call(hass, "recommend", {"media_type": "tv", "count": 2})
    added = await call(hass, "auto_add", {"media_type": "tv"})
    assert [row["tmdb_id"] for row in added["titles"]] == [
        row["tmdb_id"] for row in household["recommendations"]
    ]
    await deliver(hass, simulator)
    await simulator.advance(6 * 3600)
    freezer.move_to(simulator.stack.clock.now())
    await deliver(hass, simulator)
    imported = [
        event["tmdb_id"]
        for event in events.of("smartplex_download")
        if event["type"] == "imported"
    ]
    ready = [event["tmdb_id"] for event in events.of(EVENT_READY_TO_WATCH)]
    for row in added["titles"]:
        # Every episode imports on its own; the title is announced ready once.
        assert imported.count(row["tmdb_id"]) > 1
        assert ready.count(row["tmdb_id"]) == 1
    assert {event["because"] for event in events.of(EVENT_READY_TO_WATCH)} == {
        "auto_added"
    }
