"""Overseerr request actions against the simulated stack: approve, decline and list."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
    world_state,
)
from .test_services import call


async def test_approve_request(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Approving sends the request on and announces it."""
    response = await call(hass, "approve_request", {"request_id": 4})
    assert simulator.world.requests[4].status == 2
    assert response["status"] == "approved"
    assert response["title"] == "Hollow Orbit"
    assert response["requested_by"] == "Ben"
    [event] = events.of("smartplex_request_approved")
    assert event == {
        "request_id": 4,
        "instance": "Overseerr",
        "media_type": "movie",
        "tmdb_id": 10024,
        "title": "Hollow Orbit",
        "year": 2002,
        "requested_by": "Ben",
        "source": "service",
    }


async def test_approve_without_response(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A write action can be called without asking for a response."""
    assert (
        await hass.services.async_call(
            DOMAIN, "approve_request", {"request_id": 1}, blocking=True
        )
        is None
    )
    assert simulator.world.requests[1].status == 2


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("approve_request", {"request_id": 99}, "request_not_found"),
        ("approve_request", {"request_id": 2}, "request_already_declined"),
        ("decline_request", {"request_id": 6}, "request_already_approved"),
        ("decline_request", {"request_id": 99}, "request_not_found"),
        (
            "approve_request",
            {"request_id": 4, "instance": "Jelly"},
            "instance_not_found",
        ),
    ],
)
async def test_request_actions_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    """Unknown or settled requests are refused and nothing changes."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data)
    assert err.value.translation_key == key
    assert world_state(simulator) == before
    assert await audit_trail(hass) == []


async def test_request_not_pending_names_it(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The refusal says whose request for what and its status."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "approve_request", {"request_id": 2})
    assert err.value.translation_placeholders == {
        "request": "anna's request for The Station (1992)",
        "status": "declined",
    }


async def test_approve_with_overseerr_down(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing Overseerr raises a translated error."""
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/request")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "approve_request", {"request_id": 4})
    assert err.value.translation_key == "service_error"
    assert simulator.world.requests[4].status == 1


async def test_decline_request_is_audited(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Declining changes the request, fires an event and writes the audit trail."""
    response = await call(
        hass,
        "decline_request",
        {"request_id": 1, "reason": "Already on Netflix"},
        context=Context(user_id="admin"),
    )
    assert simulator.world.requests[1].status == 3
    assert response["status"] == "declined"
    [event] = events.of("smartplex_request_declined")
    assert event["reason"] == "Already on Netflix"
    assert event["title"] == "The Signal"
    [record] = await audit_trail(hass)
    assert record.action == "request_declined"
    assert record.target == "Overseerr: Ben's request for The Signal (2012)"
    assert record.details["reason"] == "Already on Netflix"
    assert record.user_id == "admin"
    assert record.source == "service"


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        ({}, [4, 1]),
        ({"status": "all", "user": "ANNA"}, [2, 5, 6]),
        ({"status": "all", "media_type": "tv"}, [3, 5, 7]),
        ({"status": "declined"}, [3, 2, 5]),
        ({"status": "approved"}, [6, 8, 7]),
        ({"status": "all", "limit": 2}, [3, 2]),
    ],
)
async def test_get_requests(
    hass: HomeAssistant, entry: MockConfigEntry, data: dict[str, Any], ids: list[int]
) -> None:
    """Requests are filtered by status, user and type, newest first, with titles."""
    response = await call(hass, "get_requests", data)
    assert [request["request_id"] for request in response["requests"]] == ids
    assert all(request["title"] for request in response["requests"])


async def test_get_requests_unknown_user(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An unknown requester is refused with the known users."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "get_requests", {"user": "zoe"})
    assert err.value.translation_key == "user_not_found"
    assert err.value.translation_placeholders["candidates"] == "anna, Ben, clara.home"


async def test_requests_when_title_lookups_fail_have_no_titles(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Failing title lookups only lose the titles."""
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/movie/")
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/tv/")
    response = await call(hass, "get_requests", {})
    assert [r["title"] for r in response["requests"]] == [None, None]
