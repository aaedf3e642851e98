"""Tests for the Sonarr episode and Radarr release calendars."""

from __future__ import annotations

from datetime import date, datetime, timedelta
import re
from typing import Any

from homeassistant.components.calendar import DOMAIN as CALENDAR_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import NOW

EPISODES = "calendar.sonarr_episodes"
RELEASES = "calendar.radarr_movie_releases"


async def get_events(
    hass: HomeAssistant, entity_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Return the events of a calendar between two times, through the action."""
    result = await hass.services.async_call(
        CALENDAR_DOMAIN,
        "get_events",
        {
            "entity_id": entity_id,
            "start_date_time": start.isoformat(),
            "end_date_time": end.isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    events: list[dict[str, Any]] = result[entity_id]["events"]
    return events


async def test_episode_events(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Episodes airing in the asked range are timed events named like S01E02."""
    # The small simulated world's episodes all aired before its "now".
    last_aired = max(episode[4] for episode in simulator.world.episodes.values())
    start, end = last_aired - timedelta(days=60), last_aired + timedelta(days=1)
    events = await get_events(hass, EPISODES, start, end)
    assert events
    titles = {series.info.title for series in simulator.world.series.values()}
    for event in events:
        series, code = event["summary"].rsplit(" ", 1)
        assert series in titles
        assert re.fullmatch(r"S\d{2}E\d{2}", code)
        event_start = datetime.fromisoformat(event["start"])
        assert datetime.fromisoformat(event["end"]) > event_start
        assert start - timedelta(days=1) < event_start < end
    # A range the simulated world has no episodes in.
    assert not await get_events(
        hass, EPISODES, NOW + timedelta(days=3000), NOW + timedelta(days=3001)
    )


async def test_release_events(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Movie releases in the asked range are all-day events per release kind."""
    movies = simulator.world.movies.values()
    last_release = max(movie.info.release for movie in movies if movie.monitored)
    start, end = last_release - timedelta(days=365), last_release + timedelta(days=1)
    events = await get_events(hass, RELEASES, start, end)
    assert events
    titles = {movie.info.title for movie in movies}
    for event in events:
        match = re.fullmatch(
            r"(.+) \((In cinemas|Digital release|Physical release)\)", event["summary"]
        )
        assert match
        assert match.group(1) in titles
        day = date.fromisoformat(event["start"])
        assert date.fromisoformat(event["end"]) == day + timedelta(days=1)
        assert start.date() <= day <= end.date()


async def test_calendar_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing service gives a translated error instead of an empty calendar."""
    simulator.faults.inject("sonarr", "status", status=500, path="/api/v3/calendar")
    with pytest.raises(HomeAssistantError) as raised:
        await get_events(hass, EPISODES, NOW, NOW + timedelta(days=7))
    assert raised.value.translation_key == "calendar_failed"
    assert raised.value.translation_placeholders["service"] == "Sonarr"
