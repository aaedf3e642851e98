"""Tests for the Overseerr request event entity, driven by real request changes."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.api import OverseerrClient
from simulator import Simulator

from .conftest import NOW, refresh_service, setup_entry

ENTITY_ID = "event.overseerr_request"


@pytest.fixture
async def overseerr(hass: HomeAssistant, simulator: Simulator) -> OverseerrClient:
    """Return a client acting on the simulated Overseerr like a user would."""
    return OverseerrClient(
        async_get_clientsession(hass),
        simulator.url("overseerr"),
        simulator.api_key("overseerr"),
    )


async def test_request_events(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    overseerr: OverseerrClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Approving, declining and creating requests each fire one event."""
    freezer.move_to(NOW)
    await setup_entry(hass, config_entry)
    # The first poll only learns the existing requests.
    assert hass.states.get(ENTITY_ID).state == "unknown"
    await refresh_service(hass, config_entry, "overseerr")
    assert hass.states.get(ENTITY_ID).state == "unknown"

    pending = (await overseerr.requests(take=50, request_filter="pending")).records
    assert len(pending) >= 2
    for request, action, event_type in (
        (pending[0], overseerr.approve_request, "approved"),
        (pending[1], overseerr.decline_request, "declined"),
    ):
        freezer.tick(60)
        await action(request.id)
        await refresh_service(hass, config_entry, "overseerr")
        state = hass.states.get(ENTITY_ID)
        assert state.attributes["event_type"] == event_type
        assert state.attributes["request_id"] == request.id
        assert state.attributes["media_type"] == request.media_type
        assert state.attributes["requested_by"] == request.requested_by.display_name
        fired_at = state.state

    # Nothing changed: no new event.
    freezer.tick(60)
    await refresh_service(hass, config_entry, "overseerr")
    assert hass.states.get(ENTITY_ID).state == fired_at

    world = simulator.world
    title = next(
        title
        for title in world.titles.values()
        if title.kind == "movie" and world.media_status("movie", title.tmdb_id) == 1
    )
    created = await overseerr.create_request("movie", title.tmdb_id)
    await refresh_service(hass, config_entry, "overseerr")
    state = hass.states.get(ENTITY_ID)
    assert state.attributes["event_type"] == "created"
    assert state.attributes["request_id"] == created.id
    assert state.attributes["tmdb_id"] == title.tmdb_id
    assert state.attributes["is_4k"] is False


async def test_request_becomes_available(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    overseerr: OverseerrClient,
) -> None:
    """An approved movie that finishes downloading fires "available"."""
    pending = (await overseerr.requests(take=50, request_filter="pending")).records
    movie = next(request for request in pending if request.media_type == "movie")
    await overseerr.approve_request(movie.id)
    await refresh_service(hass, loaded_entry, "overseerr")
    assert hass.states.get(ENTITY_ID).attributes["event_type"] == "approved"

    await simulator.advance(6 * 3600)
    await refresh_service(hass, loaded_entry, "overseerr")
    state = hass.states.get(ENTITY_ID)
    assert state.attributes["event_type"] == "available"
    assert state.attributes["request_id"] == movie.id
