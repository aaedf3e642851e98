"""Tests for the Overseerr request event entity, driven by real request changes."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartplex.api import OverseerrClient
from custom_components.smartplex.poster import poster_cache
from simulator import Simulator

from .conftest import NOW, deliver, refresh_service, setup_entry
from .helpers_world import unknown_title
from .test_webhook import post, push_of

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
    title = unknown_title(world, "movie")
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


async def test_request_events_show_the_poster_through_home_assistant(
    hass: HomeAssistant,
    ha_url: str,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The request event's picture is a signed poster URL of Home Assistant, never a key."""
    await setup_entry(hass, config_entry)
    await deliver(hass, simulator)
    posters = poster_cache(hass)
    world = simulator.world
    title = unknown_title(world, "movie")
    simulator.stack.create_request(1, title)
    await deliver(hass, simulator)
    state = hass.states.get(ENTITY_ID)
    assert state.attributes["event_type"] == "created"
    # Overseerr named the poster on TMDB's image server: Home Assistant fetches it.
    assert state.attributes["poster"].startswith("https://image.tmdb.org/t/p/")
    assert state.attributes["entity_picture"] == posters.url("movie", title.tmdb_id)
    assert posters.source(("movie", title.tmdb_id)) == state.attributes["poster"]

    # Without a poster in the notification, a title Radarr has shows Radarr's poster.
    owned = next(m for m in world.movies.values() if m.has_file)
    url = push_of(config_entry, "overseerr").url()
    body = {
        "notification_type": "MEDIA_AVAILABLE",
        "subject": owned.info.title,
        "image": "",
        "media": {"media_type": "movie", "tmdbId": str(owned.info.tmdb_id)},
        "request": {"request_id": "9001", "requestedBy_username": "anna"},
    }
    assert await post(url, json.dumps(body).encode()) == 200
    await hass.async_block_till_done()
    picture = hass.states.get(ENTITY_ID).attributes["entity_picture"]
    assert picture == posters.url("movie", owned.info.tmdb_id)
    client = await hass_client_no_auth()
    reply = await client.get(picture)
    assert reply.status == 200
    assert reply.content_type.startswith("image/")
    assert reply.content_type != "image/svg+xml"  # not the empty placeholder
    for service in ("overseerr", "radarr"):
        assert simulator.api_key(service) not in picture

    # A poster anywhere but TMDB's image server is never fetched; unknown titles show none.
    other = unknown_title(world, "movie")
    body |= {
        "image": "http://127.0.0.1:9/private.jpg",
        "media": {"media_type": "movie", "tmdbId": str(other.tmdb_id)},
        "request": {"request_id": "9002", "requestedBy_username": "anna"},
    }
    assert await post(url, json.dumps(body).encode()) == 200
    await hass.async_block_till_done()
    state = hass.states.get(ENTITY_ID)
    assert state.attributes["request_id"] == 9002
    assert "entity_picture" not in state.attributes
    assert posters.source(("movie", other.tmdb_id)) is None
