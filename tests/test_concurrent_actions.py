"""Actions racing on one request, title or download: exactly one wins, and the others are told why."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
)
from .test_services import call


async def concurrently(
    hass: HomeAssistant, calls: list[tuple[str, dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[ServiceValidationError]]:
    """Make action calls all at once; return the responses and the refusals."""
    results = await asyncio.gather(
        *(call(hass, service, data) for service, data in calls),
        return_exceptions=True,
    )
    responses = [result for result in results if isinstance(result, dict)]
    refusals = [r for r in results if isinstance(r, ServiceValidationError)]
    assert len(responses) + len(refusals) == len(calls), results
    return responses, refusals


async def test_concurrent_approvals_of_one_request(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """20 simultaneous approvals of one request: one wins, 19 are told it is approved."""
    responses, refusals = await concurrently(
        hass, [("approve_request", {"request_id": 4})] * 20
    )
    assert len(responses) == 1
    assert {err.translation_key for err in refusals} == {"request_already_approved"}
    assert len(refusals) == 19
    assert len(events.of("smartplex_request_approved")) == 1
    assert len(await audit_trail(hass)) == 1
    assert simulator.world.requests[4].status == 2


async def test_concurrent_approve_and_decline(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Mixed approvals and declines of one request: the first wins, the rest say which."""
    calls = [
        ("approve_request" if n % 2 else "decline_request", {"request_id": 1})
        for n in range(20)
    ]
    [winner], refusals = await concurrently(hass, calls)
    assert len(refusals) == 19
    status = winner["status"]
    assert simulator.world.requests[1].status == {"approved": 2, "declined": 3}[status]
    assert {err.translation_key for err in refusals} == {f"request_already_{status}"}
    assert (
        len([e for e in events.events if e.event_type.startswith("smartplex_request_")])
        == 1
    )
    [record] = await audit_trail(hass)
    assert record.action == f"request_{status}"


async def test_concurrent_adds_of_one_title(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """20 simultaneous adds of one movie: it is added once, the rest are told so."""
    responses, refusals = await concurrently(
        hass, [("add_movie", {"title": "The Mirror", "year": 2008})] * 20
    )
    assert len(responses) == 1
    assert {err.translation_key for err in refusals} == {"already_added"}
    assert len(events.of("smartplex_movie_added")) == 1
    assert len(await audit_trail(hass)) == 1


async def test_concurrent_adds_of_one_series(
    hass: HomeAssistant, entry: MockConfigEntry, events: EventLog
) -> None:
    """Simultaneous adds of one series: it is added once, the rest are told so."""
    series = {"tvdb_id": 300005}
    responses, refusals = await concurrently(hass, [("add_series", series)] * 5)
    assert len(responses) == 1
    assert {err.translation_key for err in refusals} == {"already_added"}
    assert len(events.of("smartplex_series_added")) == 1
    assert len(await audit_trail(hass)) == 1


async def test_concurrent_removals_of_one_download(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """20 simultaneous removals of one download: it is removed once, the rest refused."""
    responses, refusals = await concurrently(
        hass, [("remove_queue_item", {"queue_id": 1})] * 20
    )
    assert len(responses) == 1
    # Callers that looked after the removal no longer find it at all.
    assert {err.translation_key for err in refusals} <= {
        "queue_item_already_removed",
        "queue_item_not_found",
    }
    assert len(events.of("smartplex_queue_item_removed")) == 1
    assert len(await audit_trail(hass)) == 1
