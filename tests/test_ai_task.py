"""The AI helper through a fake AI Task entity, the AI options and the re-rank wiring."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

from homeassistant.components import ai_task
from homeassistant.components.ai_task.const import DATA_COMPONENT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.smartplex.ai.ai_task import AITaskProvider, structure
from custom_components.smartplex.ai.openai import OpenAIProvider
from custom_components.smartplex.ai.prompts import Candidate, ranking_schema
from custom_components.smartplex.ai.provider import (
    AIInvalidOutputError,
    AITimeoutError,
    AIUnavailableError,
    Message,
    ToolSpec,
)
from custom_components.smartplex.assistant import async_rerank
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub, world_state
from .test_ask import ask

ENTITY_ID = "ai_task.fake_llm"
CANDIDATES = [Candidate(f"movie:{n}", f"Title {n}") for n in range(1, 5)]


class FakeAITask(ai_task.AITaskEntity):
    """An AI Task entity answering from a script (or raising when told to)."""

    _attr_name = "Fake LLM"
    _attr_supported_features = ai_task.AITaskEntityFeature.GENERATE_DATA

    def __init__(self) -> None:
        """Start with no replies."""
        self.replies: list[Any] = []
        self.responder: Callable[[Any], Any] | None = None
        self.tasks: list[Any] = []

    async def _async_generate_data(self, task: Any, chat_log: Any) -> Any:
        """Return the next scripted reply."""
        self.tasks.append(task)
        reply = self.replies.pop(0) if self.replies else self.responder(task)  # type: ignore[misc]
        if isinstance(reply, Exception):
            raise reply
        return ai_task.GenDataTaskResult(
            conversation_id=chat_log.conversation_id, data=reply
        )


@pytest.fixture(name="fake_llm")
async def fixture_fake_llm(hass: HomeAssistant) -> FakeAITask:
    """Set up AI Task with one fake entity."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "ai_task", {})
    entity = FakeAITask()
    await hass.data[DATA_COMPONENT].async_add_entities([entity])
    assert hass.states.get(ENTITY_ID) is not None
    return entity


async def test_structured_completion(hass: HomeAssistant, fake_llm: FakeAITask) -> None:
    """The schema goes in as selectors; nulls are dropped and the answer validated."""
    fake_llm.replies = [
        {"ranking": [{"id": "movie:2", "reason": "Fits."}], "extra_null": None},
        {"ranking": "nope"},
        '{"ranking": []}',
        HomeAssistantError("provider failed"),
    ]
    llm = AITaskProvider(hass, ENTITY_ID)
    schema = ranking_schema(4)
    data = await llm.complete("system", "prompt", "smartplex_ranking", schema)
    assert data == {"ranking": [{"id": "movie:2", "reason": "Fits."}]}
    task = fake_llm.tasks[0]
    assert task.instructions.startswith("system\n\nprompt")
    assert isinstance(task.structure, vol.Schema)
    with pytest.raises(AIInvalidOutputError):
        await llm.complete("s", "p", "n", schema)
    assert await llm.complete("s", "p", "n", schema) == {"ranking": []}
    with pytest.raises(AIUnavailableError):
        await llm.complete("s", "p", "n", schema)
    await llm.test()


async def test_structure_of_every_type() -> None:
    """Each JSON schema type becomes a selector the AI Task entity can render."""
    schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "count": {"type": "integer"},
            "flag": {"type": "boolean"},
            "one": {"type": "object", "properties": {"a": {"type": "string"}}},
            "many": {
                "type": "array",
                "items": {"type": "object", "properties": {"b": {"type": "number"}}},
            },
        },
        "required": ["text"],
    }
    converted = structure(schema)
    checked = converted(
        {
            "text": "x",
            "count": 2,
            "flag": True,
            "one": {"a": "y"},
            "many": [{"b": 1}],
        }
    )
    assert checked["text"] == "x"
    with pytest.raises(vol.Invalid):
        converted({"count": 1})


async def test_missing_entity_and_timeout(
    hass: HomeAssistant, fake_llm: FakeAITask
) -> None:
    """A missing entity or AI Task not set up is unavailable; a slow one times out."""
    with pytest.raises(AIUnavailableError):
        await AITaskProvider(hass, "ai_task.nothing").test()

    async def never(*_: Any) -> Any:
        await hass.loop.create_future()

    fake_llm._async_generate_data = never  # type: ignore[method-assign]
    with pytest.raises(AITimeoutError):
        await AITaskProvider(hass, ENTITY_ID, timeout=0.05).complete(
            "s", "p", "n", ranking_schema(2)
        )


async def test_not_set_up(hass: HomeAssistant) -> None:
    """Without the AI Task integration the provider is unavailable."""
    llm = AITaskProvider(hass, ENTITY_ID)
    with pytest.raises(AIUnavailableError):
        await llm.complete("s", "p", "n", ranking_schema(2))
    with pytest.raises(AIUnavailableError):
        await llm.test()


async def test_chat_in_turns(hass: HomeAssistant, fake_llm: FakeAITask) -> None:
    """Each turn is one tool call (arguments as JSON text) or the answer."""
    fake_llm.replies = [
        {"tool": "search_media", "arguments": '{"query": "Dune"}', "answer": None},
        {"tool": "get_queue", "arguments": "not json"},
        {"answer": "Dune is owned."},
    ]
    llm = AITaskProvider(hass, ENTITY_ID)
    tools = [ToolSpec("search_media", "Search", {"type": "object"})]
    first = await llm.chat(
        [Message("system", "rules"), Message("user", "Dune?")], tools
    )
    assert first.tool_calls[0].name == "search_media"
    assert first.tool_calls[0].arguments == {"query": "Dune"}
    second = await llm.chat(
        [
            Message("user", "Dune?"),
            Message("assistant", "", tool_calls=first.tool_calls),
            Message("tool", "{}", tool_call_id=first.tool_calls[0].id),
        ],
        tools,
    )
    assert second.tool_calls[0].arguments is None
    assert "search_media" in fake_llm.tasks[1].instructions
    third = await llm.chat([Message("user", "Dune?")], tools)
    assert (third.text, third.tool_calls) == ("Dune is owned.", ())


async def test_ask_through_ai_task(
    hass: HomeAssistant, fake_llm: FakeAITask, tmp_path: Path, simulator: Simulator
) -> None:
    """Ask works with the AI Task entity; an injected write is refused there too."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(
        simulator, ALL_SERVICES, ai_provider="ai_task", ai_task_entity=ENTITY_ID
    )
    await setup_entry(hass, entry)
    before = world_state(simulator)
    fake_llm.replies = [
        {"tool": "get_queue", "arguments": "{}"},
        {"tool": "remove_queue_item", "arguments": '{"queue_id": 1, "confirm": true}'},
        {"answer": "Three downloads."},
    ]
    response = await ask(hass, "What is downloading?")
    assert response["answer"] == "Three downloads."
    assert response["tools_used"] == ["get_queue"]
    assert response["refused"] == ["remove_queue_item"]
    assert response["llm_calls"] == 3
    assert world_state(simulator) == before


async def test_rerank_wiring(
    hass: HomeAssistant, fake_llm: FakeAITask, tmp_path: Path, simulator: Simulator
) -> None:
    """async_rerank re-ranks only when the option is on, and falls back on failure."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(
        simulator,
        ALL_SERVICES,
        ai_provider="ai_task",
        ai_task_entity=ENTITY_ID,
        ai_rerank=True,
    )
    await setup_entry(hass, entry)
    assistant = entry.runtime_data.assistant
    fake_llm.replies = [
        {"ranking": [{"id": "movie:4", "reason": "Best."}]},
        {"ranking": [{"id": "movie:4", "reason": "Best."}]},
        HomeAssistantError("down"),
        HomeAssistantError("down"),
    ]
    result = await async_rerank(assistant, "recommend", {}, CANDIDATES, user="u")
    assert result.ids[0] == "movie:4"
    assert result.reasons == {"movie:4": "Best."}
    failed = await async_rerank(assistant, "recommend", {}, CANDIDATES, user="v")
    assert failed.note() == {"reranked": False, "fallback": "ai_unavailable"}
    assistant.rerank_enabled = False
    off = await async_rerank(assistant, "recommend", {}, CANDIDATES, user="w")
    assert off.note() == {"reranked": False, "fallback": None}
    assert len(fake_llm.tasks) == 4
    none = await async_rerank(None, "recommend", {}, CANDIDATES)
    assert none.ids == [c.id for c in CANDIDATES]


async def start_options(
    hass: HomeAssistant, entry: MockConfigEntry, **choice: Any
) -> Any:
    """Start the options flow and submit the first step."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"upcoming_days": 7, "voice_sentences": False, **choice},
    )


async def test_options_openai(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    simulator: Simulator,
) -> None:
    """The OpenAI-compatible server is tested before the options are saved."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES, upcoming_days=7)
    await setup_entry(hass, entry)
    result = await start_options(hass, entry, ai_provider="openai", ai_rerank=True)
    assert result["step_id"] == "openai"
    good = {
        "ai_base_url": simulator.url("openai") + "/v1/",
        "ai_api_key": simulator.api_key("openai"),
        "ai_model": "llama3.1:8b",
    }
    for wrong, error in (
        ({"ai_api_key": "sk-wrong"}, {"base": "ai_auth"}),
        ({"ai_model": "gone"}, {"base": "ai_model_not_found"}),
        ({"ai_base_url": "ftp://x"}, {"ai_base_url": "ai_invalid_url"}),
        ({"ai_base_url": "http://127.0.0.1:9/v1"}, {"base": "ai_cannot_connect"}),
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {**good, **wrong}
        )
        assert result["errors"] == error
        assert "ai_provider" not in entry.options
    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["ai_base_url"] == simulator.url("openai") + "/v1"
    assert entry.options["ai_rerank"] is True
    await hass.async_block_till_done(wait_background_tasks=True)
    assert isinstance(entry.runtime_data.assistant.provider, OpenAIProvider)
    assert entry.runtime_data.assistant.rerank_enabled is True
    # An empty key keeps the stored one.
    result = await start_options(hass, entry, ai_provider="openai", ai_rerank=False)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, "ai_api_key": ""}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["ai_api_key"] == simulator.api_key("openai")
    await hass.async_block_till_done(wait_background_tasks=True)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert simulator.api_key("openai") not in json.dumps(diagnostics, default=str)
    assert diagnostics["options"]["ai_api_key"] == "**REDACTED**"


async def test_options_ai_task(
    hass: HomeAssistant, fake_llm: FakeAITask, tmp_path: Path, simulator: Simulator
) -> None:
    """The AI Task entity must exist and generate data."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES, upcoming_days=7)
    await setup_entry(hass, entry)
    result = await start_options(hass, entry, ai_provider="ai_task")
    assert result["step_id"] == "ai_task"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"ai_task_entity": "ai_task.missing"}
    )
    assert result["errors"] == {"ai_task_entity": "ai_no_entity"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"ai_task_entity": ENTITY_ID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["ai_task_entity"] == ENTITY_ID
    await hass.async_block_till_done(wait_background_tasks=True)
    assert isinstance(entry.runtime_data.assistant.provider, AITaskProvider)
    result = await start_options(hass, entry, ai_provider="none")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.assistant.provider is None
    assert json.dumps(dict(entry.options))
