"""Tests for the SmartPlex websocket API: live dashboard views and actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.dashboard import Page
from custom_components.smartplex.poster import poster_cache
from custom_components.smartplex.websocket_api import KEPT_FOR, KeptPages
from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
    world_state,
)
from .helpers_dashboard import coordinators_of, next_event, subscribe


async def test_requests_view_follows_an_approval(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """Approving from the dashboard changes Overseerr and the subscribed view follows."""
    client = await hass_ws_client(hass)
    subscription, first = await subscribe(client, view="requests", limit=50)
    pending = [item["request_id"] for item in first["items"]]
    target = pending[0]

    await client.send_json_auto_id(
        {
            "type": f"{DOMAIN}/action",
            "action": "approve_request",
            "data": {"request_id": target},
        }
    )
    message = await client.receive_json()
    while message["type"] == "event":  # the view's update may come first
        assert target not in [item["request_id"] for item in message["event"]["items"]]
        message = await client.receive_json()
    assert message["success"], message
    assert message["result"]["status"] == "approved"
    assert simulator.world.requests[target].status == 2
    [event] = events.of(f"{DOMAIN}_request_approved")
    assert event["source"] == "dashboard"
    [record] = await audit_trail(hass)
    assert record.source == "dashboard"
    await hass.async_block_till_done()


async def test_view_update_after_approval(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A second client subscribed to the view gets the list without the approved request."""
    watcher = await hass_ws_client(hass)
    subscription, first = await subscribe(watcher, view="requests", limit=50)
    target = first["items"][0]["request_id"]
    await hass.services.async_call(
        DOMAIN, "approve_request", {"request_id": target}, blocking=True
    )
    updated = await next_event(watcher, subscription)
    assert target not in [item["request_id"] for item in updated["items"]]
    assert len(updated["items"]) == len(first["items"]) - 1


@pytest.mark.parametrize(
    ("action", "data", "code"),
    [
        ("approve_request", {"request_id": "abc"}, "invalid"),
        ("approve_request", {"request_id": 99}, "invalid"),
        ("approve_request", {}, "invalid"),
        ("remove_queue_item", {"queue_id": 1, "extra": 1}, "invalid"),
        ("no_such_action", {}, "invalid_format"),
    ],
)
async def test_bad_action_changes_nothing(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
    action: str,
    data: dict[str, Any],
    code: str,
) -> None:
    """Bad input is refused with a clear error and changes nothing upstream."""
    before = world_state(simulator)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": f"{DOMAIN}/action", "action": action, "data": data}
    )
    message = await client.receive_json()
    assert not message["success"]
    assert message["error"]["code"] == code
    assert message["error"]["message"]
    assert world_state(simulator) == before


async def test_read_action(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> None:
    """Read actions answer with their data, as for automations."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": f"{DOMAIN}/action", "action": "get_queue", "data": {}}
    )
    message = await client.receive_json()
    assert message["success"]
    assert message["result"]["total"] == len(message["result"]["items"])


@pytest.mark.parametrize(
    "request_fields",
    [
        {"view": "library"},
        {"view": "status", "limit": 51},
        {"view": "status", "offset": -1},
        {"view": "statistics", "period": "decade"},
        {"view": "discover", "media_type": "book"},
        {"view": "discover", "user": ""},
    ],
)
async def test_subscribe_refuses_bad_pages(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    request_fields: dict[str, Any],
) -> None:
    """Unknown views and pages over 50 items are refused: messages stay bounded."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": f"{DOMAIN}/subscribe_view", **request_fields}
    )
    message = await client.receive_json()
    assert not message["success"]
    assert message["error"]["code"] == "invalid_format"


async def test_subscription_without_smartplex(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """Before SmartPlex is set up, a view says it is not loaded."""
    await async_setup_component(hass, DOMAIN, {})
    client = await hass_ws_client(hass)
    _, first = await subscribe(client, view="status")
    assert first == {
        "view": "status",
        "loaded": False,
    }


async def test_unsubscribe_stops_listening(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> None:
    """Unsubscribing removes the view's listeners from the coordinators."""
    activity = coordinators_of(entry, "tautulli").activity
    listeners = len(activity._listeners)
    client = await hass_ws_client(hass)
    subscription, _ = await subscribe(client, view="activity")
    assert len(activity._listeners) == listeners + 1
    await client.send_json_auto_id(
        {"type": "unsubscribe_events", "subscription": subscription}
    )
    assert (await client.receive_json())["success"]
    assert len(activity._listeners) == listeners


async def test_action_with_overseerr_down(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """An upstream failure answers with its translated message and changes nothing."""
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/request")
    before = world_state(simulator)
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": f"{DOMAIN}/action",
            "action": "approve_request",
            "data": {"request_id": 4},
        }
    )
    message = await client.receive_json()
    assert message["error"]["code"] == "upstream_error"
    assert message["error"]["translation_key"] == "service_error"
    assert "Overseerr" in message["error"]["message"]
    assert world_state(simulator) == before


async def test_view_refreshes_on_the_fallback_timer(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A change SmartPlex did not see reaches the view within the fallback interval."""
    client = await hass_ws_client(hass)
    subscription, first = await subscribe(client, view="requests", limit=50)
    target = first["items"][0]["request_id"]
    simulator.world.requests[target].status = 3  # declined in Overseerr itself
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
    updated = await next_event(client, subscription)
    assert target not in [item["request_id"] for item in updated["items"]]


async def test_plan_from_the_dashboard_has_posters(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A cleanup plan made from the dashboard lists each title with its poster."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": f"{DOMAIN}/action",
            "action": "plan_cleanup",
            "data": {"target_percent": 70, "instance": "Radarr"},
        }
    )
    message = await client.receive_json()
    assert message["success"], message
    items = message["result"]["items"]
    assert items
    posters = poster_cache(hass)
    assert [item["poster"] for item in items] == [
        posters.url(item["media_type"], item["tmdb_id"]) for item in items
    ]


async def test_statistics_view_of_a_period(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> None:
    """The statistics view is subscribed to for a period, drawn by week over a year."""
    client = await hass_ws_client(hass)
    subscription, data = await subscribe(client, view="statistics", period="year")
    assert data["period"] == "year"
    assert data["group_by"] == "week"
    assert len(data["watch"]["series"]) <= 53


async def test_read_action_that_needs_the_caller(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> None:
    """get_statistics (a read that takes the caller) runs from the dashboard too."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": f"{DOMAIN}/action",
            "action": "get_statistics",
            "data": {"period": "week"},
        }
    )
    message = await client.receive_json()
    assert message["success"], message
    assert set(message["result"]) >= {"watch", "quality", "geography", "requests"}


async def unsubscribe(client: Any, subscription: int) -> None:
    """End a subscription (an update already on its way may come first)."""
    await client.send_json_auto_id(
        {"type": "unsubscribe_events", "subscription": subscription}
    )
    while (message := await client.receive_json())["type"] == "event":
        assert message["id"] == subscription
    assert message["success"], message


async def requests_seen(client: Any) -> tuple[dict[str, Any], int]:
    """Open the requests view and leave it; return its page and the first request's id."""
    subscription, first = await subscribe(client, view="requests", limit=50)
    await unsubscribe(client, subscription)
    return first, first["items"][0]["request_id"]


def request_ids(page: dict[str, Any]) -> list[int]:
    """Return the ids of the requests a page of the requests view lists."""
    return [item["request_id"] for item in page["items"]]


async def test_a_view_opened_again_shows_its_last_page_first(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The page a view showed last comes at once, the fresh one as soon as it is built."""
    client = await hass_ws_client(hass)
    first, target = await requests_seen(client)
    simulator.world.requests[target].status = 3  # declined in Overseerr itself

    subscription, again = await subscribe(client, view="requests", limit=50)
    assert again == first
    fresh = await next_event(client, subscription)
    assert request_ids(fresh) == [id_ for id_ in request_ids(first) if id_ != target]

    other, other_page = await subscribe(client, view="requests", limit=5)
    assert request_ids(other_page) == request_ids(fresh)[:5]  # kept per page


async def test_a_change_smartplex_made_is_never_shown_from_before(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
) -> None:
    """An approval forgets the requests view's kept pages: its first page is fresh."""
    client = await hass_ws_client(hass)
    first, target = await requests_seen(client)
    await hass.services.async_call(
        DOMAIN, "approve_request", {"request_id": target}, blocking=True
    )
    _, again = await subscribe(client, view="requests", limit=50)
    assert target not in request_ids(again)


async def test_an_old_page_is_not_shown_first(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A page kept longer than ten minutes is not shown: the view waits for a fresh one."""
    client = await hass_ws_client(hass)
    first, target = await requests_seen(client)
    simulator.world.requests[target].status = 3
    freezer.tick(KEPT_FOR + timedelta(seconds=1))
    _, again = await subscribe(client, view="requests", limit=50)
    assert target not in request_ids(again)


def test_a_page_built_before_a_change_is_not_kept() -> None:
    """A page whose building began before its view changed is not kept."""
    pages = KeptPages()
    key = ("entry", "requests", Page())
    generation = pages.generation("requests")
    pages.forget(["requests"])
    pages.put(key, {"items": [1]}, generation)
    assert pages.get(key) is None
    pages.put(key, {"items": [2]}, pages.generation("requests"))
    assert pages.get(key) == {"items": [2]}
    pages.forget(["discover"])
    assert pages.get(key) == {"items": [2]}
