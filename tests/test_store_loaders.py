"""store/loaders.py: the engine's snapshots of a database the syncs filled from the simulated world."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.store.loaders import (
    async_load_library,
    async_load_people,
    async_load_plays,
    async_load_requests,
)
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub
from .helpers_database import expected_title


@pytest.fixture(name="synced")
async def fixture_synced(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> Simulator:
    """Return the simulator after every sync of a hub of all services ran once."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, ALL_SERVICES))
    return simulator


async def test_plays_are_the_worlds_with_their_titles(
    hass: HomeAssistant, synced: Simulator
) -> None:
    """Each play once, oldest first, its user's Tautulli id and the title it maps to."""
    world = synced.world
    plays = await async_load_plays(hass)
    assert [play.started for play in plays] == sorted(play.started for play in plays)
    loaded = sorted(
        (
            play.started,
            play.user_id,
            play.identity,
            play.watched_seconds,
            play.percent_complete,
        )
        for play in plays
    )
    expected = []
    for play in world.plays:
        title = expected_title(world, play)
        expected.append(
            (
                datetime.fromtimestamp(play[1], UTC),
                str(world.users[play[3]].plex_id),
                Identity(title[0], title[1]) if title else None,
                play[2] - play[1] - play[7],
                play[6],
            )
        )
    assert loaded == sorted(expected)
    middle = plays[len(plays) // 2].started
    assert await async_load_plays(hass, since=middle) == [
        play for play in plays if play.started >= middle
    ]


async def test_library_requests_and_people_are_the_worlds(
    hass: HomeAssistant, synced: Simulator
) -> None:
    """Every title, every request with its linked requester, every person's link."""
    world = synced.world
    library = await async_load_library(hass)
    assert sorted(entry.identity for entry in library) == sorted(
        [Identity("movie", movie.info.tmdb_id) for movie in world.movies.values()]
        + [Identity("tv", series.info.tmdb_id) for series in world.series.values()]
    )
    requests = await async_load_requests(hass)
    assert [record.created for record in requests] == sorted(
        record.created for record in requests
    )
    assert {
        record.request_id: (record.identity, record.requested_by) for record in requests
    } == {
        request.id: (
            Identity(request.kind, request.tmdb_id),
            str(world.users[request.user_index].plex_id),
        )
        for request in world.requests.values()
    }
    people = await async_load_people(hass)
    assert {person.user_id: person.overseerr_user_id for person in people} == {
        user.plex_id: user.overseerr_id for user in world.users
    }
