"""The openai-SDK provider against the simulator's OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import Any

import pytest

from custom_components.smartplex.ai.openai import OpenAIProvider
from custom_components.smartplex.ai.provider import (
    AIAuthError,
    AIInvalidOutputError,
    AIModelNotFoundError,
    AIRateLimitedError,
    AITimeoutError,
    AIUnavailableError,
    Message,
    ToolCall,
    ToolSpec,
)
from simulator import Simulator
from tests.conftest import closed_port_url

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 20}},
    "required": ["answer"],
    "additionalProperties": False,
}


@pytest.fixture(name="provider")
def fixture_provider(
    make_provider: Callable[..., OpenAIProvider],
) -> Callable[..., OpenAIProvider]:
    """Return the provider factory (a first argument is ignored: the simulator is known)."""

    def make(_: object = None, **options: Any) -> OpenAIProvider:
        return make_provider(**options)

    return make


async def test_complete_asks_strict_json_schema(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """A structured answer is requested with a strict schema at temperature 0 and validated."""
    simulator.openai.script([{"json": {"answer": "yes"}}])
    data = await provider(simulator).complete("sys", "question", "answer", SCHEMA)
    assert data == {"answer": "yes"}
    [body] = simulator.openai.requests
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


async def test_json_mode_when_schema_unsupported(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """A server refusing json_schema is asked once more in JSON mode, and remembered."""
    simulator.openai.json_schema_supported = False
    simulator.openai.script([{"json": {"answer": "a"}}, {"json": {"answer": "b"}}])
    llm = provider(simulator)
    assert await llm.complete("s", "p", "answer", SCHEMA) == {"answer": "a"}
    assert await llm.complete("s", "p", "answer", SCHEMA) == {"answer": "b"}
    assert [r["response_format"]["type"] for r in simulator.openai.requests] == [
        "json_object",
        "json_object",
    ]
    assert llm.json_schema_supported is False


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("not json at all", "not JSON"),
        ({"truncated": '{"answer": "ye'}, "truncated"),
        ({"json": {"answer": "x" * 21}}, "too long"),
        ({"json": {"answer": 3}}, "expected string"),
        ({"json": {"other": "x"}}, "missing answer"),
        ({"json": {"answer": "x", "extra": 1}}, "unexpected extra"),
        ({"json": ["answer"]}, "expected object"),
        ("", "empty"),
    ],
)
async def test_invalid_output(
    simulator: Simulator,
    provider: Callable[..., OpenAIProvider],
    reply: object,
    message: str,
) -> None:
    """Malformed, truncated or off-schema output is refused."""
    simulator.openai.script([reply])
    with pytest.raises(AIInvalidOutputError, match=message):
        await provider(simulator).complete("s", "p", "answer", SCHEMA)


async def test_fenced_json_is_accepted(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """Local models wrap JSON in a Markdown fence; it is read anyway."""
    simulator.openai.script(['```json\n{"answer": "ok"}\n```'])
    assert await provider(simulator).complete("s", "p", "a", SCHEMA) == {"answer": "ok"}


async def test_errors_are_mapped_without_the_key(
    simulator: Simulator,
    provider: Callable[..., OpenAIProvider],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rejected keys, missing models, rate limits and server errors map to AI errors."""
    caplog.set_level(logging.DEBUG)
    secret = "sk-wrong-secret-key-123456"
    with pytest.raises(AIAuthError) as auth:
        await provider(simulator, key=secret).complete("s", "p", "a", SCHEMA)
    with pytest.raises(AIModelNotFoundError):
        await provider(simulator, model="no-such-model").complete("s", "p", "a", SCHEMA)
    simulator.faults.inject("openai", "status", status=429, retry_after=7, times=1)
    with pytest.raises(AIRateLimitedError) as limited:
        await provider(simulator).complete("s", "p", "a", SCHEMA)
    assert limited.value.retry_after == 7
    simulator.faults.inject("openai", "status", status=500, times=1)
    with pytest.raises(AIUnavailableError, match="status 500"):
        await provider(simulator).complete("s", "p", "a", SCHEMA)
    simulator.faults.inject("openai", "malformed_json", times=1)
    with pytest.raises(AIInvalidOutputError, match="response is not JSON"):
        await provider(simulator).complete("s", "p", "a", SCHEMA)
    for text in (str(auth.value), repr(auth.value), caplog.text):
        assert secret not in text
        assert simulator.api_key("openai") not in text


async def test_down_and_timeout(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """A closed port is unavailable; a hanging server times out."""
    down = provider(None, base_url=closed_port_url() + "/v1")
    with pytest.raises(AIUnavailableError, match="cannot connect"):
        await down.complete("s", "p", "a", SCHEMA)
    simulator.faults.inject("openai", "hang")
    with pytest.raises(AITimeoutError):
        await provider(simulator, timeout=0.2).complete("s", "p", "a", SCHEMA)
    with pytest.raises(AITimeoutError):
        await provider(simulator, timeout=0.2).test()


async def test_connection_test(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """The connection test lists models and requires the configured one."""
    await provider(simulator).test()
    with pytest.raises(AIModelNotFoundError):
        await provider(simulator, model="gpt-9").test()
    with pytest.raises(AIAuthError):
        await provider(simulator, key="sk-nope").test()


async def test_chat_with_tools(
    simulator: Simulator, provider: Callable[..., OpenAIProvider]
) -> None:
    """Tool calls come back parsed; arguments that are not an object are None."""
    simulator.openai.script(
        [
            {
                "tool_calls": [
                    {"name": "search_media", "arguments": {"query": "Dune"}},
                    {"name": "get_queue", "raw_arguments": "{not json"},
                ]
            },
            "Done.",
            {"truncated": "Half an ans"},
        ]
    )
    llm = provider(simulator)
    tools = [
        ToolSpec(
            "search_media",
            "Search",
            {"type": "object", "properties": {"query": {"type": "string"}}},
        )
    ]
    reply = await llm.chat([Message("user", "find Dune")], tools)
    assert reply.tool_calls[0].name == "search_media"
    assert reply.tool_calls[0].arguments == {"query": "Dune"}
    assert reply.tool_calls[1].arguments is None
    history = [
        Message("user", "find Dune"),
        Message("assistant", "", tool_calls=reply.tool_calls),
        Message("tool", '{"results": []}', tool_call_id=reply.tool_calls[0].id),
    ]
    answer = await llm.chat(history, [])
    assert answer.text == "Done."
    assert not answer.tool_calls
    sent = simulator.openai.requests
    assert sent[0]["tools"][0]["function"]["name"] == "search_media"
    assert "tools" not in sent[1]
    assert sent[1]["messages"][1]["tool_calls"][0]["function"]["name"] == "search_media"
    assert sent[1]["messages"][2] == {
        "role": "tool",
        "tool_call_id": reply.tool_calls[0].id,
        "content": '{"results": []}',
    }
    with pytest.raises(AIInvalidOutputError, match="truncated"):
        await llm.chat([Message("user", "x")], [])
    assert ToolCall("a", "b", None).arguments is None
