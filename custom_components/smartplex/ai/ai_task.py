"""Home Assistant's AI Task entity as a provider: whatever LLM the user already set up.

Structured output goes through the task's `structure` (selectors), which the entity turns
into its provider's JSON mode; AI Task does not validate the answer, so it is validated
here like any other. Tool calling is done in turns: each turn answers with one tool to
call (and its arguments as JSON text) or the final answer, and SmartPlex runs the tool
itself, so the same gate applies as with the openai SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import inspect
import json
from typing import Any

from homeassistant.components import ai_task
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import selector
import voluptuous as vol

from .budget import DEFAULT_TIMEOUT
from .prompts import quoted_json
from .provider import (
    AIUnavailableError,
    ChatReply,
    JsonSchema,
    Message,
    ToolCall,
    ToolSpec,
    deadline,
    parse_json,
    reply_object,
    tool_arguments,
)

AI_TASK_DOMAIN = "ai_task"
TURN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "description": "The final answer to the user."},
        "tool": {"type": "string", "description": "Name of the tool to call now."},
        "arguments": {
            "type": "string",
            "description": "The tool's arguments as a JSON object.",
        },
    },
    "additionalProperties": False,
}
TURN_RULE = (
    "To call a tool, fill tool and arguments (a JSON object as text) and leave answer "
    "empty; one tool per turn. When you have everything, fill only answer."
)


def _selector_config(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return the selector (as config) that asks for a JSON schema property."""
    kind = schema.get("type")
    if kind == "array" and schema.get("items", {}).get("type") == "object":
        return {"object": {"multiple": True, "fields": _fields(schema["items"])}}
    if kind == "object":
        return {"object": {"fields": _fields(schema)}}
    if kind in {"integer", "number"}:
        return {"number": {"mode": "box"}}
    if kind == "boolean":
        return {"boolean": {}}
    return {"text": {}}


def _fields(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return the object selector fields of an object schema."""
    required = set(schema.get("required", ()))
    return {
        name: {"selector": _selector_config(sub), "required": name in required}
        for name, sub in schema.get("properties", {}).items()
    }


def structure(schema: JsonSchema) -> vol.Schema:
    """Return the AI Task structure (selectors) of an object schema."""
    required = set(schema.get("required", ()))
    return vol.Schema(
        {
            (vol.Required if name in required else vol.Optional)(
                name, description=sub.get("description")
            ): selector.selector(_selector_config(sub))
            for name, sub in schema.get("properties", {}).items()
        }
    )


def _without_none(value: Any) -> Any:
    """Return the value without null members (optional fields come back as null)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


class AITaskProvider:
    """An AI Task entity of Home Assistant."""

    def __init__(
        self, hass: HomeAssistant, entity_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Use one AI Task entity."""
        self.hass = hass
        self.entity_id = entity_id
        self.timeout = timeout

    async def complete(
        self, system: str, prompt: str, name: str, schema: JsonSchema
    ) -> dict[str, Any]:
        """Return the entity's answer, validated against the schema."""
        options: dict[str, Any] = {}
        # structure exists from 2025.8; older versions get the schema in the instructions.
        if "structure" in inspect.signature(ai_task.async_generate_data).parameters:
            options["structure"] = structure(schema)
        instructions = (
            f"{system}\n\n{prompt}\n\nAnswer with JSON matching this schema: "
            f"{json.dumps(schema)}"
        )
        if not self.hass.services.has_service(AI_TASK_DOMAIN, "generate_data"):
            raise AIUnavailableError("AI Task is not set up")
        try:
            async with deadline(self.timeout):
                result = await ai_task.async_generate_data(
                    self.hass,
                    task_name=name,
                    entity_id=self.entity_id,
                    instructions=instructions,
                    **options,
                )
        except HomeAssistantError:
            raise AIUnavailableError("the AI Task entity failed") from None
        data = result.data
        if isinstance(data, str):
            data = parse_json(data)
        return reply_object(_without_none(data), schema)

    async def chat(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> ChatReply:
        """Return the next turn: one tool to call or the answer."""
        system = "\n".join(m.content for m in messages if m.role == "system")
        transcript = [
            {
                "role": m.role,
                "content": m.content,
                **(
                    {
                        "called": [
                            {"tool": call.name, "arguments": call.arguments}
                            for call in m.tool_calls
                        ]
                    }
                    if m.tool_calls
                    else {}
                ),
            }
            for m in messages
            if m.role != "system"
        ]
        offered = [
            {"name": t.name, "description": t.description, "parameters": t.parameters}
            for t in tools
        ]
        prompt = (
            f"{TURN_RULE}\nTools: {quoted_json(offered)}\n"
            f"Conversation so far:\n<DATA>\n{quoted_json(transcript)}\n</DATA>"
        )
        turn = await self.complete(system, prompt, "smartplex_turn", TURN_SCHEMA)
        if tool := turn.get("tool", "").strip():
            call = ToolCall(
                id=f"turn{len(messages)}",
                name=tool,
                arguments=tool_arguments(turn.get("arguments")),
            )
            return ChatReply(text="", tool_calls=(call,))
        return ChatReply(text=turn.get("answer", ""))

    async def test(self) -> None:
        """Raise an AIError unless the entity exists and generates data."""
        state = self.hass.states.get(self.entity_id)
        if state is None or not self.hass.services.has_service(
            AI_TASK_DOMAIN, "generate_data"
        ):
            raise AIUnavailableError("no such AI Task entity")
        features = int(state.attributes.get("supported_features", 0))
        if not features & ai_task.AITaskEntityFeature.GENERATE_DATA:
            raise AIUnavailableError("the entity does not generate data")
