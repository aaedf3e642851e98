"""Release dates reached: from the polled calendar to events and event entities, once each."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.releases import RELEASE_STORE, STORAGE_KEY
from simulator import Simulator
from simulator.radarr import DIGITAL_DELAY

from .conftest import setup_entry


def capture(hass: HomeAssistant) -> list[Event]:
    """Collect every release event, in the order fired."""
    return async_capture_events(hass, f"{DOMAIN}_release")


async def move_to(hass: HomeAssistant, when: datetime) -> None:
    """Run the timers due by a time."""
    async_fire_time_changed(hass, when)
    await hass.async_block_till_done()


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Write the store, forget it in memory and reload, as after a restart."""
    await move_to(hass, dt_util.utcnow() + timedelta(seconds=10))
    hass.data.pop(RELEASE_STORE)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def fired_for(events: list[Event], key: str, value: Any) -> list[Event]:
    """Return the events about one title."""
    return [event for event in events if event.data.get(key) == value]


async def test_episode_airing_fires_once(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
) -> None:
    """An episode of the polled calendar fires `aired` at its air time, and never again."""
    world = simulator.world
    series = next(series for series in world.series.values() if series.monitored)
    episode_id = series.episode_ids[-1]
    _, _, season, number, *_ = world.episodes[episode_id]
    # Sonarr moved the episode to two hours from now.
    airs = dt_util.utcnow().replace(microsecond=0) + timedelta(hours=2)
    world.episodes[episode_id] = (
        episode_id,
        series.id,
        season,
        number,
        airs,
        False,
        0,
        True,
    )
    events = capture(hass)
    await setup_entry(hass, config_entry)
    assert not fired_for(events, "episode_id", episode_id)

    await move_to(hass, airs + timedelta(seconds=1))
    [aired] = fired_for(events, "episode_id", episode_id)
    assert aired.data["type"] == "aired"
    assert aired.data["instance"] == "Sonarr"
    assert aired.data["source"] == "calendar"
    assert aired.data["title"] == series.info.title
    assert aired.data["series_id"] == series.id
    assert aired.data["tvdb_id"] == series.info.tvdb_id
    assert aired.data["episodes"] == f"S{season:02d}E{number:02d}"
    assert aired.data["poster"].startswith("https://")
    assert datetime.fromisoformat(aired.data["date"]) == airs
    state = hass.states.get("event.sonarr_release")
    assert state is not None
    assert state.attributes["event_type"] == "aired"
    assert state.attributes["episode_id"] == episode_id

    # Later polls and a restart fire nothing twice.
    await move_to(hass, airs + timedelta(hours=2))
    await restart(hass, config_entry)
    assert any(
        key.startswith(f"episode_{episode_id}_")
        for key in hass_storage[STORAGE_KEY]["data"]["sub_sonarr"]
    )
    assert len(fired_for(events, "episode_id", episode_id)) == 1


async def test_movie_release_day_fires_once(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
) -> None:
    """A movie's digital release fires `digital` at the start of that day, once."""
    movie = next(movie for movie in simulator.world.movies.values() if movie.monitored)
    # Its digital release is tomorrow (Radarr's dates are midnight UTC).
    digital = dt_util.now().date() + timedelta(days=1)
    movie.info = replace(
        movie.info,
        release=datetime.combine(digital, time(), UTC) - DIGITAL_DELAY,
    )
    day_starts = dt_util.start_of_local_day(digital)
    events = capture(hass)
    await setup_entry(hass, config_entry)
    assert not fired_for(events, "movie_id", movie.id)

    await move_to(hass, day_starts + timedelta(seconds=1))
    [released] = fired_for(events, "movie_id", movie.id)
    assert released.data["type"] == "digital"
    assert released.data["instance"] == "Radarr"
    assert released.data["tmdb_id"] == movie.info.tmdb_id
    assert released.data["title"] == movie.info.title
    assert released.data["date"] == digital.isoformat()
    assert released.data["poster"].startswith("https://")
    state = hass.states.get("event.radarr_release")
    assert state is not None
    assert state.attributes["event_type"] == "digital"

    await restart(hass, config_entry)
    assert any(
        key.startswith(f"movie_{movie.id}_digital_")
        for key in hass_storage[STORAGE_KEY]["data"]["sub_radarr"]
    )
    assert len(fired_for(events, "movie_id", movie.id)) == 1


async def test_a_release_moved_since_the_last_poll_fires_on_its_new_day(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Radarr moves a digital release after the poll: nothing on the old day, then the new."""
    movie = next(movie for movie in simulator.world.movies.values() if movie.monitored)
    digital = dt_util.now().date() + timedelta(days=1)
    movie.info = replace(
        movie.info,
        release=datetime.combine(digital, time(), UTC) - DIGITAL_DELAY,
    )
    events = capture(hass)
    await setup_entry(hass, config_entry)
    # Moved by two days after SmartPlex read the calendar.
    moved = digital + timedelta(days=2)
    movie.info = replace(movie.info, release=movie.info.release + timedelta(days=2))

    await move_to(hass, dt_util.start_of_local_day(digital) + timedelta(seconds=1))
    assert not fired_for(events, "movie_id", movie.id)

    await move_to(hass, dt_util.start_of_local_day(moved) + timedelta(seconds=1))
    [released] = fired_for(events, "movie_id", movie.id)
    assert (released.data["type"], released.data["date"]) == (
        "digital",
        moved.isoformat(),
    )


async def test_removing_the_hub_forgets_releases(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Deleting the hub deletes what fired with it."""
    # At noon: a minute ago is still today (only today's releases are announced).
    freezer.move_to(dt_util.start_of_local_day() + timedelta(hours=12))
    world = simulator.world
    series = next(series for series in world.series.values() if series.monitored)
    episode_id = series.episode_ids[-1]
    # It aired a minute ago: reached at setup.
    world.episodes[episode_id] = (
        *world.episodes[episode_id][:4],
        dt_util.utcnow() - timedelta(minutes=1),
        False,
        0,
        True,
    )
    await setup_entry(hass, config_entry)
    await move_to(hass, dt_util.utcnow() + timedelta(seconds=10))
    assert hass_storage[STORAGE_KEY]["data"]["sub_sonarr"]
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert STORAGE_KEY not in hass_storage
