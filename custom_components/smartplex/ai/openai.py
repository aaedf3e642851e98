"""OpenAI and OpenAI-compatible servers (Ollama, LM Studio, LocalAI, vLLM) through the openai SDK.

Only the stable surface every compatible server offers is used: chat.completions (tools,
response_format json_schema with a json_object fallback) and models.list. Retries are off
(a 429 is reported with its Retry-After instead) and every call has a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
import json
from typing import Any

import openai

from .budget import DEFAULT_TIMEOUT
from .provider import (
    AIAuthError,
    AIError,
    AIInvalidOutputError,
    AIModelNotFoundError,
    AIRateLimitedError,
    AITimeoutError,
    AIUnavailableError,
    ChatReply,
    JsonSchema,
    Message,
    ToolCall,
    ToolSpec,
    reply_object,
    tool_arguments,
)

# Some servers answer json_schema with 400 (older LocalAI, LM Studio builds): JSON mode then.
JSON_SCHEMA_UNSUPPORTED = 400


def map_error(err: Exception) -> AIError:
    """Return the AIError for an SDK error (never with the SDK's message: it may quote the key)."""
    if isinstance(err, openai.APITimeoutError | TimeoutError):
        return AITimeoutError("timeout")
    if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        return AIAuthError(f"status {err.status_code}")
    if isinstance(err, openai.NotFoundError):
        return AIModelNotFoundError("model not found")
    if isinstance(err, openai.RateLimitError):
        return AIRateLimitedError(_retry_after(err.response.headers.get("retry-after")))
    if isinstance(err, openai.APIStatusError):
        return AIUnavailableError(f"status {err.status_code}")
    return AIUnavailableError("cannot connect")


def _retry_after(value: str | None) -> float | None:
    """Return the seconds of a Retry-After header given in seconds."""
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


class OpenAIProvider:
    """A chat-completions model behind an OpenAI-compatible base URL."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float = DEFAULT_TIMEOUT,
        http_client: Any = None,
    ) -> None:
        """Create the SDK client (no retries: the caller falls back instead of waiting)."""
        self.model = model
        self.timeout = timeout
        self.json_schema_supported = True
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "none",
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )

    def warm(self) -> None:
        """Run the SDK's blocking platform detection (call from an executor)."""
        self._client.platform_headers()

    async def _create(self, **arguments: Any) -> Any:
        """Run one chat completion with the timeout, errors mapped."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._client.chat.completions.create(
                    model=self.model, temperature=0, **arguments
                )
        except (openai.OpenAIError, TimeoutError) as err:
            raise map_error(err) from None
        except ValueError:
            raise AIInvalidOutputError("response is not JSON") from None

    async def complete(
        self, system: str, prompt: str, name: str, schema: JsonSchema
    ) -> dict[str, Any]:
        """Return a JSON answer validated against the schema."""
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt},
        ]
        response_format: dict[str, Any] = {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": dict(schema)},
        }
        if not self.json_schema_supported:
            response_format = {"type": "json_object"}
        try:
            response = await self._create(
                messages=messages, response_format=response_format
            )
        except AIUnavailableError as err:
            if not self.json_schema_supported or str(err) != (
                f"status {JSON_SCHEMA_UNSUPPORTED}"
            ):
                raise
            self.json_schema_supported = False
            response = await self._create(
                messages=messages, response_format={"type": "json_object"}
            )
        choice = _first_choice(response)
        if choice.finish_reason == "length":
            raise AIInvalidOutputError("reply truncated")
        return reply_object(choice.message.content, schema)

    async def chat(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> ChatReply:
        """Return the next assistant turn with the tools offered."""
        arguments: dict[str, Any] = {"messages": [_message(m) for m in messages]}
        if tools:
            arguments["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": dict(tool.parameters),
                    },
                }
                for tool in tools
            ]
        choice = _first_choice(await self._create(**arguments))
        if choice.finish_reason == "length":
            raise AIInvalidOutputError("reply truncated")
        message = choice.message
        calls = tuple(
            ToolCall(
                id=call.id,
                name=call.function.name,
                arguments=tool_arguments(call.function.arguments),
            )
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        )
        return ChatReply(text=message.content or "", tool_calls=calls)

    async def test(self) -> None:
        """Raise an AIError unless the server answers and has the model."""
        try:
            async with asyncio.timeout(self.timeout):
                models = [model.id async for model in self._client.models.list()]
        except (openai.OpenAIError, TimeoutError) as err:
            raise map_error(err) from None
        if self.model not in models:
            raise AIModelNotFoundError("model not found")


def _first_choice(response: Any) -> Any:
    """Return the first choice of a completion, or raise AIInvalidOutputError."""
    if not getattr(response, "choices", None):
        raise AIInvalidOutputError("no choices")
    return response.choices[0]


def _message(message: Message) -> dict[str, Any]:
    """Return a message in the chat-completions form."""
    if message.role == "tool":
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": message.content,
        }
    if message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": json.dumps(call.arguments or {}),
                    },
                }
                for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}
