"""Tests for the Sonarr episode and Radarr release calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.calendar import DOMAIN as CALENDAR_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.api import Movie
from custom_components.smartplex.calendar import MovieRelease, movie_releases
from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .conftest import NOW

EPISODES = "calendar.sonarr_episodes"
# A window long enough to hold two episodes or releases in the small world.
UPCOMING_DAYS = 60
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


async def test_action_lists_the_releases_the_calendar_shows(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """get_calendar and the calendar entity agree on every release in a window."""
    movie = next(movie for movie in simulator.world.movies.values() if movie.monitored)
    cinema = movie.info.release
    # A window holding the digital and the later physical release, not the cinema one.
    start, end = cinema + timedelta(days=30), cinema + timedelta(days=100)
    events = await get_events(hass, RELEASES, start, end)
    response = await hass.services.async_call(
        DOMAIN,
        "get_calendar",
        {"start": start.isoformat(), "end": end.isoformat(), "instance": "Radarr"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    items: list[dict[str, Any]] = response["items"]  # type: ignore[assignment]
    labels = {"digital": "Digital release", "physical": "Physical release"}
    listed = {
        (f"{movie.info.title} ({labels[item['release']]})", item["date"])
        for item in items
        if item["title"].startswith(movie.info.title)
    }
    shown = {
        (event["summary"], event["start"])
        for event in events
        if event["summary"].startswith(movie.info.title)
    }
    physical = (cinema + timedelta(days=90)).date().isoformat()
    assert (f"{movie.info.title} (Physical release)", physical) in listed
    assert listed == shown


def test_releases_of_a_recorded_movie() -> None:
    """Release days are Radarr's UTC dates, missing kinds are skipped, windows cut by day."""
    recorded = Path(__file__).parent / "fixtures" / "radarr" / "aiopyarr__calendar.json"
    [movie] = [Movie.from_dict(item) for item in json.loads(recorded.read_text())]
    everything = movie_releases(
        movie, datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert everything == [
        MovieRelease(date(2020, 8, 11), "digital"),
        MovieRelease(date(2021, 12, 3), "physical"),
    ]
    # The physical release day runs from local midnight to midnight.
    day_start = dt_util.start_of_local_day(date(2021, 12, 3))
    assert movie_releases(movie, day_start - timedelta(days=1), day_start) == []
    assert movie_releases(movie, day_start, day_start + timedelta(hours=1)) == [
        MovieRelease(date(2021, 12, 3), "physical")
    ]


@pytest.mark.parametrize("entity_id", [EPISODES, RELEASES])
async def test_state_is_the_current_or_next_event(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
) -> None:
    """The state names the first fetched event not over yet, and moves on with time."""
    # The simulated world's titles came out before its "now": go back to a busy month.
    if entity_id == EPISODES:
        aired = [episode[4] for episode in simulator.world.episodes.values()]
    else:
        aired = [movie.info.release for movie in simulator.world.movies.values()]
    day = dt_util.start_of_local_day(max(aired) - timedelta(days=UPCOMING_DAYS - 1))
    upcoming = await get_events(
        hass, entity_id, day, day + timedelta(days=UPCOMING_DAYS)
    )
    assert len(upcoming) >= 2
    freezer.move_to(day)
    entity = hass.data["entity_components"][CALENDAR_DOMAIN].get_entity(entity_id)
    coordinator = entity.coordinator
    coordinator.async_set_updated_data(
        await coordinator.async_get_range(day, day + timedelta(days=UPCOMING_DAYS))
    )
    assert hass.states.get(entity_id).attributes["message"] == upcoming[0]["summary"]
    # Past the end of that event, without a new fetch, the next one takes its place.
    freezer.move_to(_end(upcoming[0]) + timedelta(seconds=1))
    later = [event for event in upcoming if _end(event) > dt_util.now()]
    assert entity.event.summary == later[0]["summary"]


def _end(event: dict[str, Any]) -> datetime:
    """Return when an event of get_events ends, as an aware local time."""
    if "T" in event["end"]:
        return datetime.fromisoformat(event["end"])
    return dt_util.start_of_local_day(date.fromisoformat(event["end"]))
