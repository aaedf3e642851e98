"""Tests for the SmartPlex LLM API and the llm.py tools platform."""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.smartplex import llm as smartplex_llm
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.llm_api import TOOLS
from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
    world_state,
)

HAS_LLM_COMPONENT = importlib.util.find_spec("homeassistant.components.llm") is not None
TOOL_NAMES = [
    "search_media",
    "add_movie",
    "add_series",
    "get_requests",
    "approve_request",
    "decline_request",
    "get_queue",
    "remove_queue_item",
    "get_calendar",
    "get_disk_space",
    "triage_requests",
    "recommend",
    "dismiss_recommendation",
    "predict_next_week",
]


def llm_context(user_id: str | None = "llm-user") -> llm.LLMContext:
    """Return an LLM context whatever fields this Home Assistant version has."""
    values: dict[str, Any] = {
        "platform": "test",
        "context": Context(user_id=user_id),
        "language": "en",
        "assistant": "conversation",
    }
    return llm.LLMContext(
        **{
            field.name: values.get(field.name)
            for field in dataclasses.fields(llm.LLMContext)
            if field.init
        }
    )


def to_json_schema(schema: vol.Schema) -> dict[str, Any]:
    """Convert tool parameters the way the conversation agents of this version do."""
    if importlib.util.find_spec("probatio") is not None:
        import probatio

        if hasattr(probatio, "to_openapi"):
            return probatio.to_openapi(schema)  # type: ignore[no-any-return]
    from voluptuous_openapi import convert

    return convert(schema)  # type: ignore[no-any-return]


async def call_tool(
    hass: HomeAssistant, name: str, args: dict[str, Any]
) -> dict[str, Any]:
    """Call a SmartPlex tool through the registered API and return its data."""
    api = await llm.async_get_api(hass, "smartplex", llm_context())
    result = await api.async_call_tool(llm.ToolInput(tool_name=name, tool_args=args))
    data = getattr(result, "data", result)
    assert isinstance(data, dict)
    return data


async def test_api_is_registered(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The SmartPlex API is offered to every agent with its tools and prompt."""
    assert "smartplex" in [api.id for api in llm.async_get_apis(hass)]
    api = await llm.async_get_api(hass, "smartplex", llm_context())
    assert api.api.name == "SmartPlex"
    assert "confirm=true" in api.api_prompt
    assert [tool.name for tool in api.tools] == TOOL_NAMES
    for tool in api.tools:
        schema = to_json_schema(tool.parameters)
        assert schema["type"] == "object"
        assert tool.description
    decline = next(tool for tool in api.tools if tool.name == "decline_request")
    assert "confirm" in to_json_schema(decline.parameters)["properties"]


async def test_search_tool(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The search tool returns annotated results."""
    data = await call_tool(hass, "search_media", {"query": "Lost Empire"})
    assert data["success"] is True
    assert data["results"][0]["owned"] is True
    assert data["results"][0]["downloading"] is True


async def test_add_movie_tool(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Adding a movie through the tool changes the world and is announced as llm."""
    data = await call_tool(
        hass, "add_movie", {"title": "The Mirror", "year": "2005", "search": False}
    )
    assert data["success"] is True
    assert data["title"] == "The Mirror"
    assert simulator.world.movie_by_tmdb(10138) is not None
    [event] = events.of("smartplex_movie_added")
    assert event["source"] == "llm"
    [record] = await audit_trail(hass)
    assert (record.source, record.user_id) == ("llm", "llm-user")


async def test_add_movie_tool_ambiguous(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """An ambiguous title comes back as an error listing the candidates."""
    before = world_state(simulator)
    data = await call_tool(hass, "add_movie", {"title": "The Mirror"})
    assert data["success"] is False
    assert "The Mirror (2002)" in data["error"]
    assert "The Mirror (2008)" in data["error"]
    assert world_state(simulator) == before


async def test_add_series_tool(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A series is added with chosen seasons."""
    data = await call_tool(
        hass, "add_series", {"title": "Crimson Meridian", "seasons": [1, 2]}
    )
    assert data["seasons"] == [1, 2]
    assert simulator.world.series_by_tvdb(300005) is not None


async def test_request_tools(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Requests are listed and approved by id."""
    data = await call_tool(hass, "get_requests", {})
    assert [r["request_id"] for r in data["requests"]] == [4, 1]
    data = await call_tool(hass, "approve_request", {"request_id": 4})
    assert data["status"] == "approved"
    assert simulator.world.requests[4].status == 2


async def test_decline_needs_confirmation(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Without confirm the tool returns the plan; with it the request is declined."""
    before = world_state(simulator)
    plan = await call_tool(hass, "decline_request", {"request_id": 1})
    assert plan["done"] is False
    assert plan["message"] == (
        "About to decline Ben's request for The Signal (2012). "
        "Ask the user to confirm; nothing was changed."
    )
    assert world_state(simulator) == before
    assert events.events == []
    assert await audit_trail(hass) == []
    done = await call_tool(
        hass,
        "decline_request",
        {"request_id": 1, "reason": "Not for kids", "confirm": True},
    )
    assert done["status"] == "declined"
    assert simulator.world.requests[1].status == 3
    [event] = events.of("smartplex_request_declined")
    assert (event["source"], event["reason"]) == ("llm", "Not for kids")
    [record] = await audit_trail(hass)
    assert record.action == "request_declined"
    assert record.source == "llm"


async def test_remove_queue_item_needs_confirmation(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Without confirm nothing is removed; with it the download goes."""
    queue = await call_tool(hass, "get_queue", {"instance": "Sonarr"})
    assert [item["queue_id"] for item in queue["items"]] == [2, 3]
    plan = await call_tool(
        hass, "remove_queue_item", {"queue_id": 2, "blocklist": True}
    )
    assert plan["message"].startswith(
        "About to remove Rising Echo S01E08 from the Sonarr queue and delete it "
        "from the download client and blocklist the release."
    )
    assert 2 in simulator.world.queue
    done = await call_tool(
        hass,
        "remove_queue_item",
        {"queue_id": 2, "remove_from_client": False, "confirm": True},
    )
    assert done["remove_from_client"] is False
    assert 2 not in simulator.world.queue
    assert simulator.world.blocklist == []
    [event] = events.of("smartplex_queue_item_removed")
    assert event["source"] == "llm"


async def test_plan_without_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A plain removal plan names no extra steps."""
    plan = await call_tool(
        hass, "remove_queue_item", {"queue_id": 1, "remove_from_client": False}
    )
    assert plan["summary"] == "remove Lost Empire (2021) from the Radarr queue"


async def test_calendar_and_disk_space_tools(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Read-only tools report the calendar and free space."""
    data = await call_tool(hass, "get_calendar", {"days": 3})
    assert data["items"] == []
    data = await call_tool(hass, "get_disk_space", {})
    world = simulator.world
    assert {(f["instance"], f["path"], f["free_bytes"]) for f in data["folders"]} == {
        ("Radarr", "/movies", world.free_space("/movies")),
        ("Sonarr", "/tv", world.free_space("/tv")),
    }


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        (
            "approve_request",
            {"request_id": "abc"},
            "request_id must be a whole number from 1 to 2147483647, not 'abc'",
        ),
        (
            "decline_request",
            {"request_id": 1, "confirm": "yes"},
            "confirm must be true or false, not 'yes'",
        ),
        ("approve_request", {}, "request_id is required"),
        (
            "get_queue",
            {"instance": "Sonarr", "verbose": True},
            "verbose is not an option here. Options: instance",
        ),
    ],
)
async def test_invalid_arguments_are_refused_as_data(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    name: str,
    args: dict[str, Any],
    message: str,
) -> None:
    """Arguments are validated by the tool itself; refusals go back to the model."""
    before = world_state(simulator)
    data = await call_tool(hass, name, args)
    assert data == {"success": False, "error": message}
    assert world_state(simulator) == before


async def test_tools_answer_with_tool_results(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Successes and refusals come as ToolResult where Home Assistant has it (2026.10+)."""
    api = await llm.async_get_api(hass, "smartplex", llm_context())
    done = await api.async_call_tool(llm.ToolInput(tool_name="get_queue", tool_args={}))
    refused = await api.async_call_tool(
        llm.ToolInput(tool_name="approve_request", tool_args={"request_id": 1.5})
    )
    tool_result = getattr(llm, "ToolResult", None)
    if tool_result is None:
        assert (done["success"], refused["success"]) == (True, False)
        return
    assert isinstance(done, tool_result)
    assert isinstance(refused, tool_result)
    assert (done.error, refused.error) == (False, True)
    assert refused.data["error"].startswith("request_id must be a whole number")


async def test_tool_without_hub(hass: HomeAssistant) -> None:
    """Without a loaded hub the tools answer with an error."""
    assert await async_setup_component(hass, DOMAIN, {})
    data = await call_tool(hass, "get_queue", {})
    assert data["success"] is False
    assert data["error"]


async def test_platform_offers_nothing_without_a_hub(hass: HomeAssistant) -> None:
    """The llm.py platform only answers for Assist while a hub is loaded."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert smartplex_llm.async_get_tools(hass, llm_context(), "assist") is None


async def test_platform_ignores_other_apis(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Other APIs get no tools from the platform."""
    assert smartplex_llm.async_get_tools(hass, llm_context(), "smartplex") is None


@pytest.mark.skipif(
    not HAS_LLM_COMPONENT, reason="the llm integration exists from HA 2026.7"
)
async def test_assist_offers_prefixed_tools(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """On 2026.8+ Assist gets the SmartPlex tools with the domain prefix."""
    assert await async_setup_component(hass, "llm", {})
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, llm_context())
    names = [tool.name for tool in api.tools if tool.name.startswith("smartplex__")]
    assert names == [f"smartplex__{name}" for name in TOOL_NAMES]
    assert "SmartPlex" in api.api_prompt
    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="smartplex__approve_request", tool_args={"request_id": 4}
        )
    )
    assert getattr(result, "data", result)["status"] == "approved"
    assert simulator.world.requests[4].status == 2


def test_every_tool_is_listed() -> None:
    """TOOLS and the expected names agree."""
    assert [tool.name for tool in TOOLS] == TOOL_NAMES
