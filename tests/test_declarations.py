"""Tests for the action declarations: one validation for actions, LLM tools and intents."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import intent, llm
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol
import yaml

from custom_components.smartplex import action_fields, declarations
from custom_components.smartplex.action_fields import (
    ID_MAX,
    YEAR_MAX,
    YEAR_MIN,
    Field,
    validate,
)
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.declarations import ACTIONS
from custom_components.smartplex.intents import BUNDLED_SENTENCES, HANDLERS
from custom_components.smartplex.llm_api import CONFIRM, TOOLS
from custom_components.smartplex.services import ATTR_CONFIG_ENTRY
from simulator import Simulator

from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
    world_state,
)
from .test_llm_api import call_tool, to_json_schema

PACKAGE = Path(declarations.__file__).parent
# What the issue saw coerced: fractions, booleans, padded strings, other scripts' digits,
# inf/nan, numbers too large for any id, and things that are not numbers at all.
NOT_WHOLE_NUMBERS: list[Any] = [
    1.9,
    1.5,
    -0.5,
    True,
    False,
    " 7 ",
    "7 ",
    "+7",
    "-7",
    "7.0",
    "1e3",
    "0x10",
    "1_000",
    "\u0667",  # Arabic-Indic seven
    "\u06f7",  # Extended Arabic-Indic seven
    "\uff17",  # fullwidth seven
    "\u0967",  # Devanagari one
    math.inf,
    -math.inf,
    math.nan,
    "inf",
    "nan",
    "",
    None,
    [7],
    {"value": 7},
]
BAD_IDS: list[Any] = [*NOT_WHOLE_NUMBERS, 0, -1, ID_MAX + 1, 10**30, 1e300, "9" * 40]
BAD_YEARS: list[Any] = [*NOT_WHOLE_NUMBERS, YEAR_MIN - 1, YEAR_MAX + 1, 10**30]
BAD_DAYS: list[Any] = [*NOT_WHOLE_NUMBERS, 0, 91, 10**30]
BAD_DATES: list[Any] = [
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-10:00",
    "0001-01-01T00:00:00+14:00",
    f"{YEAR_MAX}-01-01T00:00:00",
    f"{YEAR_MIN - 1}-12-31T00:00:00",
    "\u0662\u0660\u0662\u0661-01-01T00:00:00",  # 2021 in Arabic-Indic digits
    "2021-13-01T00:00:00",
    "tomorrow",
    "",
    20210101,
    1e300,
    math.inf,
    True,
    None,
]
BAD_SEASONS: list[Any] = [
    [],
    None,
    [1.5],
    [True],
    ["\u0661"],
    [-1],
    [math.inf],
    1,
    "1",
    list(range(101)),
]
BAD_BOOLEANS: list[Any] = ["yes", "true", "on", 1, 0, 2, math.inf, None, "True"]
BAD_IMDB_IDS: list[Any] = [
    "1070168",
    "tt123",
    "tt1070168\n",
    " tt1070168",
    "tt\u0661\u0660\u0667\u0660\u0661\u0666\u0668",
    "TT1070168",
    "tt12345678901",
    1070168,
]


def message(err: ServiceValidationError) -> str:
    """Return the rendered message of a SmartPlex refusal."""
    assert err.translation_domain == DOMAIN
    assert err.translation_key
    rendered = str(err)
    assert rendered != err.translation_key
    assert not re.search(r"\{[a-z_]+\}", rendered), rendered
    return rendered


async def action_refusal(hass: HomeAssistant, action: str, data: dict[str, Any]) -> str:
    """Call an action expecting a translated refusal; return its message."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, action, data, blocking=True, return_response=True
        )
    return message(err.value)


async def tool_refusal(hass: HomeAssistant, tool: str, args: dict[str, Any]) -> str:
    """Call an LLM tool expecting its error result; return the error."""
    data = await call_tool(hass, tool, args)
    assert data["success"] is False, data
    return str(data["error"])


async def intent_refusal(
    hass: HomeAssistant, intent_type: str, slots: dict[str, Any]
) -> str:
    """Handle an intent expecting an error answer; return what is said."""
    response = await intent.async_handle(
        hass, "test", intent_type, {name: {"value": v} for name, v in slots.items()}
    )
    assert response.response_type is intent.IntentResponseType.ERROR
    return str(response.speech["plain"]["speech"])


async def assert_unchanged(
    hass: HomeAssistant, simulator: Simulator, events: EventLog, before: Any
) -> None:
    """Check that nothing changed: world, events and audit trail."""
    assert world_state(simulator) == before
    assert events.events == []
    assert await audit_trail(hass) == []


# -- the bad-input matrix through all three surfaces ---------------------------------------


@pytest.mark.parametrize(
    ("action", "tool", "data", "field", "bad_values"),
    [
        ("approve_request", "approve_request", {}, "request_id", BAD_IDS),
        (
            "decline_request",
            "decline_request",
            {"confirm": True},
            "request_id",
            BAD_IDS,
        ),
        (
            "remove_queue_item",
            "remove_queue_item",
            {"confirm": True},
            "queue_id",
            BAD_IDS,
        ),
        ("add_movie", "add_movie", {}, "tmdb_id", BAD_IDS),
        ("add_movie", "add_movie", {"title": "The Mirror"}, "year", BAD_YEARS),
        ("add_movie", "add_movie", {}, "imdb_id", BAD_IMDB_IDS),
        ("add_movie", "add_movie", {"tmdb_id": 10006}, "search", BAD_BOOLEANS),
        ("add_series", "add_series", {}, "tvdb_id", BAD_IDS),
        (
            "add_series",
            "add_series",
            {"title": "Brave Horizon"},
            "seasons",
            BAD_SEASONS,
        ),
        ("search", "search_media", {"query": "Mirror"}, "year", BAD_YEARS),
        ("get_calendar", "get_calendar", {}, "days", BAD_DAYS),
    ],
)
async def test_bad_numbers_are_refused_by_actions_and_tools(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    action: str,
    tool: str,
    data: dict[str, Any],
    field: str,
    bad_values: list[Any],
) -> None:
    """Every bad value is refused with the same translated message by both; nothing changes."""
    before = world_state(simulator)
    action_data = {key: value for key, value in data.items() if key != "confirm"}
    for value in bad_values:
        said = await action_refusal(hass, action, {**action_data, field: value})
        assert said.startswith(f"{field} must be"), (value, said)
        assert await tool_refusal(hass, tool, {**data, field: value}) == said, value
    await assert_unchanged(hass, simulator, events, before)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"start": "2026-03-14T00:00:00+00:00", "end": "9999-12-31T23:59:59"}, "end"),
        ({"start": "9999-12-31T23:59:59", "days": 90}, "start"),
    ],
)
async def test_far_dates_are_refused(
    hass: HomeAssistant, entry: MockConfigEntry, data: dict[str, Any], key: str
) -> None:
    """A far-future date is refused by the declaration, not by an overflow."""
    said = await action_refusal(hass, "get_calendar", data)
    assert said == (
        f"{key} must be a date and time (ISO 8601) from the year {YEAR_MIN} to before "
        f"{YEAR_MAX}, not '9999-12-31T23:59:59'"
    )


@pytest.mark.parametrize("field", ["start", "end"])
async def test_bad_dates_are_refused(
    hass: HomeAssistant, entry: MockConfigEntry, field: str
) -> None:
    """Every bad date is refused with the same translated error."""
    for value in BAD_DATES:
        said = await action_refusal(hass, "get_calendar", {field: value})
        assert said.startswith(f"{field} must be a date and time"), (value, said)


@pytest.mark.parametrize("intent_type", ["SmartPlexAddMovie", "SmartPlexAddSeries"])
async def test_bad_years_are_refused_by_intents(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    intent_type: str,
) -> None:
    """Intents refuse what actions and tools refuse, with the same words."""
    before = world_state(simulator)
    for value in BAD_YEARS:
        said = await intent_refusal(
            hass, intent_type, {"title": "The Mirror", "year": value}
        )
        assert said == await action_refusal(
            hass, "add_movie", {"title": "The Mirror", "year": value}
        )
    for slots, said in (
        ({"year": 2008}, "title is required"),
        ({"title": ""}, "title must be a text of 1 to 200 characters, not ''"),
        (
            {"title": "x" * 201},
            f"title must be a text of 1 to 200 characters, not '{'x' * 38}…",
        ),
    ):
        assert await intent_refusal(hass, intent_type, slots) == said
    await assert_unchanged(hass, simulator, events, before)


async def test_approve_intent_refuses_a_bad_title(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The approval intent checks its slots like the others."""
    before = world_state(simulator)
    said = await intent_refusal(
        hass, "SmartPlexApproveRequest", {"title": ["Hollow Orbit"]}
    )
    assert said.startswith("title must be a text")
    assert world_state(simulator) == before


async def test_the_issues_examples(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """request_id 1.9 no longer declines request 1; an LLM queue_id 1.7 removes nothing."""
    before = world_state(simulator)
    said = await action_refusal(hass, "decline_request", {"request_id": 1.9})
    assert said == "request_id must be a whole number from 1 to 2147483647, not 1.9"
    said = await tool_refusal(
        hass, "remove_queue_item", {"queue_id": 1.7, "confirm": True}
    )
    assert said == "queue_id must be a whole number from 1 to 2147483647, not 1.7"
    said = await action_refusal(hass, "approve_request", {"request_id": True})
    assert said == "request_id must be a whole number from 1 to 2147483647, not True"
    await assert_unchanged(hass, simulator, events, before)


@pytest.mark.parametrize("request_id", ["4", 4.0])
async def test_exact_numbers_in_other_forms_are_accepted(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, request_id: Any
) -> None:
    """ASCII digits (templates, LLMs) and 4.0 (input_number states) are exactly 4."""
    response = await hass.services.async_call(
        DOMAIN,
        "approve_request",
        {"request_id": request_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["request_id"] == 4
    assert simulator.world.requests[4].status == 2


@pytest.mark.parametrize("seasons", [[], None])
async def test_add_series_without_seasons_is_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    seasons: list[int] | None,
) -> None:
    """An empty or null season list would monitor nothing: refused everywhere."""
    before = world_state(simulator)
    data = {"title": "Brave Horizon", "seasons": seasons}
    said = await action_refusal(hass, "add_series", data)
    assert said == (
        "seasons must be a list of 1 to 100 whole numbers from 0 to 9999, "
        f"not {seasons!r}"
    )
    assert await tool_refusal(hass, "add_series", data) == said
    await assert_unchanged(hass, simulator, events, before)


async def test_unknown_fields_are_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A field the action does not declare is named in the refusal."""
    said = await action_refusal(hass, "get_queue", {"instance": "Sonarr", "x": 1})
    assert said == "x is not an option here. Options: config_entry, instance"


# -- search with an instance -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "media_type", "instance", "owned"),
    [
        ("Lost Empire", "movie", "Radarr", True),
        ("Lost Empire", "movie", "Sonarr", False),
        ("Rising Echo", "tv", "sonarr", True),
        ("Rising Echo", "tv", "Radarr", False),
    ],
)
async def test_search_annotates_from_the_named_instance(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    query: str,
    media_type: str,
    instance: str,
    owned: bool,
) -> None:
    """With an instance, only that service says what is owned or downloading."""
    response = await hass.services.async_call(
        DOMAIN,
        "search",
        {"query": query, "media_type": media_type, "instance": instance},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [result] = [item for item in response["results"] if item["title"] == query]
    assert (result["owned"], result["downloading"]) == (owned, owned)
    assert result["requested"] is None


async def test_search_with_the_overseerr_instance_shows_requests(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Naming Overseerr annotates requests only."""
    response = await hass.services.async_call(
        DOMAIN,
        "search",
        {"query": "Hollow Orbit", "instance": "Overseerr"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [result] = [item for item in response["results"] if item["title"] == "Hollow Orbit"]
    assert (result["requested"], result["owned"]) == ("pending", False)


async def test_search_with_an_unknown_instance_is_refused(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An instance that cannot annotate is refused with those that can."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "search",
            {"query": "Dune", "instance": "TMDB"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "instance_not_found"
    assert err.value.translation_placeholders["candidates"] == (
        "Overseerr, Radarr, Sonarr"
    )


# -- one declaration, every surface --------------------------------------------------------


HANDLER_CONTEXT = {"hass", "entry", "caller", "dry_run"}


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_handler_takes_exactly_the_declared_fields(action: declarations.Action) -> None:
    """Every declared field is a keyword of the handler, and every keyword is declared."""
    parameters = inspect.signature(action.handler).parameters
    keywords = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    declared = {field.name for field in action.fields}
    # dry_run is passed by the LLM tools' confirmation unless the action declares it.
    assert keywords - ({"dry_run"} - declared) == declared
    assert set(parameters) - keywords == (
        {"hass", "entry", "caller"}
        if action.writes or action.needs_caller
        else {"entry"}
    )


def services_yaml() -> dict[str, Any]:
    """Return the hand-written services.yaml."""
    loaded = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def words(value: object) -> object:
    """Return a comma-separated list as a set, anything else as it is."""
    return set(value.split(", ")) if isinstance(value, str) else value


def selector_limits(selector: dict[str, Any]) -> dict[str, Any]:
    """Return what a services.yaml selector says about a field's values."""
    if "number" in selector:
        return {"min": selector["number"]["min"], "max": selector["number"]["max"]}
    if "select" in selector:
        return {"choices": ", ".join(selector["select"]["options"])}
    return {}


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_services_yaml_describes_the_declared_fields(
    action: declarations.Action,
) -> None:
    """services.yaml lists exactly the declared fields, with their ranges and defaults."""
    described = services_yaml()[action.name]["fields"]
    assert set(described) == {ATTR_CONFIG_ENTRY, *(f.name for f in action.fields)}
    for field in action.fields:
        ui = described[field.name]
        assert ui.get("required", False) is field.required, field.name
        assert ui.get("default", vol.UNDEFINED) == field.default, field.name
        for key, value in selector_limits(ui["selector"]).items():
            assert words(value) == words(field.limits[key]), field.name


async def test_registered_actions_are_the_declared_ones(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Home Assistant runs the declared actions and nothing else."""
    assert set(hass.services.async_services_for_domain(DOMAIN)) == {
        action.name for action in ACTIONS
    }


def test_tools_use_the_declared_fields() -> None:
    """Each tool offers declared fields of its action, validated by the same validators."""
    for tool in (tool_class() for tool_class in TOOLS):
        for marker, validator in tool.parameters.schema.items():
            declared = next(field for field in tool.fields if field.name == marker)
            assert validator is declared.validator
            assert marker.description == declared.description
        declared = [*(tool.action.fields if tool.action else ()), CONFIRM]
        assert all(any(f is d for d in declared) for f in tool.fields), tool.name


def tool_properties(name: str) -> dict[str, Any]:
    """Return the JSON schema properties an LLM sees for a tool."""
    tool = next(tool_class() for tool_class in TOOLS if tool_class.name == name)
    properties = to_json_schema(tool.parameters)["properties"]
    assert isinstance(properties, dict)
    return properties


def test_llm_schemas_state_the_declared_ranges() -> None:
    """The LLM sees the same types, ranges and patterns the actions enforce."""
    approve = tool_properties("approve_request")
    assert approve["request_id"]["type"] == "integer"
    assert (approve["request_id"]["minimum"], approve["request_id"]["maximum"]) == (
        1,
        ID_MAX,
    )
    add_movie = tool_properties("add_movie")
    assert add_movie["year"]["minimum"] == YEAR_MIN
    assert add_movie["year"]["maximum"] == YEAR_MAX
    assert add_movie["imdb_id"]["pattern"] == action_fields.IMDB_ID_PATTERN
    seasons = tool_properties("add_series")["seasons"]
    assert seasons["type"] == "array"
    assert seasons["items"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": action_fields.SEASON_MAX,
    }


def test_intent_slots_are_declared_fields() -> None:
    """Intent slots come from the same fields, and an IntentTool shows them to LLMs."""
    handler = next(h for h in HANDLERS if h.intent_type == "SmartPlexAddMovie")
    assert handler.slot_schema is not None
    year = next(m for m in handler.slot_schema if m == "year")
    assert handler.slot_schema[year] is action_fields.YEAR.validator
    tool_schema = to_json_schema(
        llm.IntentTool(handler.intent_type, handler).parameters
    )
    assert tool_schema["properties"]["year"]["maximum"] == YEAR_MAX
    assert tool_schema["required"] == ["title"]


def test_sentence_years_are_the_declared_years() -> None:
    """The voice sentences' year list spans the declared years."""
    sentences = yaml.safe_load(BUNDLED_SENTENCES.read_text())
    years = sentences["lists"]["year"]["range"]
    assert (years["from"], years["to"]) == (YEAR_MIN, YEAR_MAX)


def test_every_refusal_is_translated() -> None:
    """Each declared field's refusal key exists with exactly its placeholders."""
    strings = json.loads((PACKAGE / "translations" / "en.json").read_text())
    fields: list[Field] = [f for action in ACTIONS for f in action.fields]
    for field in fields:
        text = strings["exceptions"][field.error]["message"]
        expected = {"field", "value", *field.limits}
        assert {part.split("}")[0] for part in text.split("{")[1:]} == expected
    for key in ("missing_field", "unknown_field"):
        assert key in strings["exceptions"]


# -- the validation itself, without Home Assistant ------------------------------------------


@pytest.mark.parametrize("value", BAD_IDS)
def test_bad_ids_are_refused(value: Any) -> None:
    """validate() refuses every bad id with the field's translation key."""
    with pytest.raises(ServiceValidationError) as err:
        validate([action_fields.REQUEST_ID], {"request_id": value})
    assert err.value.translation_key == "invalid_whole_number"
    assert err.value.translation_placeholders["field"] == "request_id"


@pytest.mark.parametrize(
    ("value", "expected"), [(7, 7), ("7", 7), (7.0, 7), ("0042", 42), (ID_MAX, ID_MAX)]
)
def test_exact_ids_are_accepted(value: Any, expected: int) -> None:
    """Exact whole numbers are accepted as int."""
    checked = validate([action_fields.REQUEST_ID], {"request_id": value})
    assert checked == {"request_id": expected}
    assert type(checked["request_id"]) is int


def test_defaults_are_filled_and_unknown_fields_ignored_on_request() -> None:
    """Defaults come from the declaration; intents may ignore slots they do not use."""
    fields = declarations.SEARCH.fields
    checked = validate(fields, {"query": "Dune", "extra": 1}, ignore_unknown=True)
    assert checked == {"query": "Dune", "media_type": "any", "limit": 10}
