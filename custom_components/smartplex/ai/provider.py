"""One provider protocol for every LLM: structured completion and tool-calling chat.

Errors are mapped to AIError subclasses whose messages never carry a key, a URL or the
provider's own text (OpenAI echoes part of a rejected key in its error message).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
import json
from typing import Any, Protocol

# The JSON schema subset SmartPlex asks for: what strict structured output accepts.
type JsonSchema = Mapping[str, Any]


class AIError(Exception):
    """An LLM call failed; translation_key names the reason for the user."""

    translation_key = "ai_unavailable"


class AIUnavailableError(AIError):
    """The provider could not be reached or answered with a server error."""


class AITimeoutError(AIError):
    """The provider did not answer in time."""

    translation_key = "ai_timeout"


class AIAuthError(AIError):
    """The provider rejected the key."""

    translation_key = "ai_auth"


class AIModelNotFoundError(AIError):
    """The provider does not have the configured model."""

    translation_key = "ai_model_not_found"


class AIRateLimitedError(AIError):
    """The provider asked to slow down."""

    translation_key = "ai_rate_limited"

    def __init__(self, retry_after: float | None = None) -> None:
        """Keep how long the provider asked to wait."""
        super().__init__("rate limited")
        self.retry_after = retry_after


class AIInvalidOutputError(AIError):
    """The answer was not valid: not JSON, truncated, or outside the schema."""

    translation_key = "ai_invalid_output"


class AIBudgetExceededError(AIError):
    """A task needed more LLM calls than it may make."""

    translation_key = "ai_budget_exceeded"


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool offered to the model: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: JsonSchema


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the model asked to call; arguments is None when they were not a JSON object."""

    id: str
    name: str
    arguments: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ChatReply:
    """One assistant turn: text and/or tool calls."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(slots=True)
class Message:
    """One chat message in the provider-neutral form."""

    role: str
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


class Provider(Protocol):
    """What every LLM provider offers."""

    async def complete(
        self, system: str, prompt: str, name: str, schema: JsonSchema
    ) -> dict[str, Any]:
        """Return the model's answer to the prompt, validated against the schema."""

    async def chat(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> ChatReply:
        """Return the model's next turn, which may ask for tools."""

    async def test(self) -> None:
        """Raise an AIError unless the provider and its model answer."""


@asynccontextmanager
async def deadline(seconds: float) -> AsyncIterator[None]:
    """Give the calls inside up to seconds, then raise AITimeoutError."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise AITimeoutError("timeout") from None


def reply_object(value: Any, schema: JsonSchema) -> dict[str, Any]:
    """Return a reply (JSON text, or data already parsed) valid against an object schema."""
    data = validate(
        parse_json(value) if isinstance(value, str | None) else value, schema
    )
    if not isinstance(data, dict):
        raise AIInvalidOutputError("reply is not an object")
    return data


def tool_arguments(text: str | None) -> dict[str, Any] | None:
    """Return a tool call's arguments when they are a JSON object, else None."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_json(text: str | None) -> Any:
    """Return the JSON in a reply (tolerating a Markdown fence), or raise AIInvalidOutputError."""
    if not text:
        raise AIInvalidOutputError("empty reply")
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").removeprefix("json").strip()
    try:
        return json.loads(stripped)
    except ValueError:
        raise AIInvalidOutputError("reply is not JSON") from None


_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def validate(value: Any, schema: JsonSchema, path: str = "$") -> Any:
    """Return the value if it fits the schema subset SmartPlex uses, else raise AIInvalidOutputError."""
    kinds = schema.get("type")
    allowed = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if allowed and not any(_is_type(value, kind) for kind in allowed):
        raise AIInvalidOutputError(f"{path}: expected {'/'.join(allowed)}")
    if "enum" in schema and value not in schema["enum"]:
        raise AIInvalidOutputError(f"{path}: not one of the allowed values")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        raise AIInvalidOutputError(f"{path}: too long")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)):
            raise AIInvalidOutputError(f"{path}: too many items")
        items = schema.get("items", {})
        return [validate(item, items, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        properties: Mapping[str, Any] = schema.get("properties", {})
        if missing := [key for key in schema.get("required", ()) if key not in value]:
            raise AIInvalidOutputError(f"{path}: missing {', '.join(missing)}")
        if schema.get("additionalProperties") is False and (
            extra := [key for key in value if key not in properties]
        ):
            raise AIInvalidOutputError(f"{path}: unexpected {', '.join(extra)}")
        return {
            key: validate(item, properties.get(key, {}), f"{path}.{key}")
            for key, item in value.items()
        }
    return value


def _is_type(value: Any, kind: str) -> bool:
    """Return whether a JSON value has a JSON schema type (booleans are not numbers)."""
    if kind in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(kind, object))
