"""The ask loop: the model answers a question with tools, within a call budget.

The loop only routes: every tool call goes to the caller's execute(), which decides what
runs (reads), what becomes a proposal (writes the user asked for) and what is refused;
its answer goes back to the model as data. The last allowed call offers no tools, so
the model has to answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
import json
from typing import Any

from .budget import MAX_ASK_CALLS, MAX_TOOL_RESULT_CHARS, CallBudget
from .prompts import ASK_SYSTEM
from .provider import Message, Provider, ToolCall, ToolSpec, deadline

# Six calls of up to 20 s each would be two minutes: an answer later than this is useless.
ASK_TIMEOUT = 60.0

type Execute = Callable[[ToolCall], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class AskOutcome:
    """The model's answer and how many calls it took."""

    answer: str
    calls: int
    # True when the budget ran out before the model answered by itself.
    stopped: bool


def tool_message(call: ToolCall, result: dict[str, Any]) -> Message:
    """Return a tool result for the model, cut to a bounded size."""
    text = json.dumps(result, ensure_ascii=False, default=str)
    if len(text) > MAX_TOOL_RESULT_CHARS:
        text = f"{text[:MAX_TOOL_RESULT_CHARS]}… (cut)"
    return Message("tool", text, tool_call_id=call.id)


async def run_ask(
    provider: Provider,
    question: str,
    tools: Sequence[ToolSpec],
    execute: Execute,
    *,
    max_calls: int = MAX_ASK_CALLS,
    seconds: float = ASK_TIMEOUT,
) -> AskOutcome:
    """Return the model's answer to the question after the tool calls it made."""
    messages = [Message("system", ASK_SYSTEM), Message("user", question)]
    budget = CallBudget(max_calls)
    async with deadline(seconds):
        while True:
            budget.spend()
            offered = tools if budget.left else ()
            reply = await provider.chat(messages, offered)
            if not reply.tool_calls or not offered:
                return AskOutcome(
                    reply.text.strip(), budget.used, bool(reply.tool_calls)
                )
            messages.append(
                Message("assistant", reply.text, tool_calls=reply.tool_calls)
            )
            messages.extend(
                [tool_message(c, await execute(c)) for c in reply.tool_calls]
            )
