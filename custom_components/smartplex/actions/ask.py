"""smartplex.ask and smartplex.confirm_proposal: questions answered with SmartPlex's tools.

Reads run at once. A write is never run on the LLM's word alone: when the user's question
asked for that kind of change it becomes part of a proposal (checked arguments and what it
would do), which the user who asked confirms with confirm_proposal, or, when an autopilot
the user switched on would make that very change by its engine policy, it runs at once;
any other write is refused and the model is told so. Titles, notes and names the tools
return therefore cannot make anything happen beyond what the user asked and the policy allows.
"""

from __future__ import annotations

from collections.abc import Sequence
import re
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.smartplex.ai.ask import run_ask
from custom_components.smartplex.ai.provider import AIError, ToolCall, ToolSpec
from custom_components.smartplex.assistant import (
    async_keep_proposal,
    async_take_proposal,
)
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.models import SmartPlexConfigEntry
from custom_components.smartplex.store.proposals import ProposedAction

from .autoadd import SOURCE_AUTOPILOT
from .autopilot import autopilot_allows
from .common import Caller, invalid

if TYPE_CHECKING:
    from custom_components.smartplex.action_fields import Field
    from custom_components.smartplex.llm_api import SmartPlexTool

MAX_PROPOSED = 10
# The words with which a user asks for each kind of change; a write the question does not
# ask for is refused, so a crafted title cannot add a decline to an "add" proposal.
REQUEST_WORDS: dict[str, tuple[str, ...]] = {
    "add_movie": ("add", "download", "get", "grab", "want", "fetch"),
    "add_series": ("add", "download", "get", "grab", "want", "fetch"),
    "approve_request": ("approve", "accept", "allow", "grant"),
    "decline_request": ("decline", "reject", "deny", "refuse"),
    "remove_queue_item": ("remove", "delete", "cancel", "stop", "drop"),
    "sync": ("sync", "refresh", "update"),
}
DONE_BY_AUTOPILOT = (
    "Done at once: the {autopilot} policy the user switched on already allows it."
)
NOT_REQUESTED = (
    "The user did not ask for this kind of change, so it was not proposed; "
    "nothing was done."
)
PROPOSED = "Proposed; nothing changes until the user confirms it."


def requested(question: str, action: str) -> bool:
    """Return whether the question asks for this kind of change."""
    words = REQUEST_WORDS.get(action, (action.split("_", maxsplit=1)[0],))
    return any(re.search(rf"\b{word}\w*", question.casefold()) for word in words)


def parameters(fields: Sequence[Field]) -> dict[str, Any]:
    """Return the JSON schema of tool arguments from their declarations."""
    properties: dict[str, Any] = {}
    for declared in fields:
        limits = declared.limits
        prop: dict[str, Any] = {"description": declared.description}
        if declared.error == "invalid_whole_number":
            prop |= {
                "type": "integer",
                "minimum": limits["min"],
                "maximum": limits["max"],
            }
        elif declared.error == "invalid_whole_numbers":
            prop |= {"type": "array", "items": {"type": "integer"}}
        elif declared.error == "invalid_texts":
            prop |= {"type": "array", "items": {"type": "string"}}
        elif declared.error == "invalid_choice":
            prop |= {"type": "string", "enum": str(limits["choices"]).split(", ")}
        elif declared.error == "invalid_boolean":
            prop["type"] = "boolean"
        else:
            prop["type"] = "string"
        properties[declared.name] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": [declared.name for declared in fields if declared.required],
    }


def _ask_tools() -> dict[str, tuple[SmartPlexTool, tuple[Field, ...]]]:
    """Return the SmartPlex LLM tools by name with the fields ask offers (never confirm)."""
    # Imported here: llm_api imports the declarations, which import this module.
    from custom_components.smartplex.llm_api import CONFIRM, SmartPlexTool, create_tools

    tools: dict[str, tuple[SmartPlexTool, tuple[Field, ...]]] = {}
    for tool in create_tools():
        assert isinstance(tool, SmartPlexTool)
        tools[tool.name] = (tool, tuple(f for f in tool.fields if f is not CONFIRM))
    return tools


def _described(action: str, arguments: dict[str, Any]) -> str:
    """Return a write as a short line: the action and its arguments."""
    shown = ", ".join(f"{name} {value}" for name, value in arguments.items())
    return f"{action.replace('_', ' ')}: {shown}" if shown else action


async def _summary(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    tool: SmartPlexTool,
    arguments: dict[str, Any],
) -> str:
    """Return what a proposed write would do (destructive actions say it themselves)."""
    assert tool.action is not None
    if tool.destructive:
        plan = await tool.action.handler(hass, entry, caller, dry_run=True, **arguments)
        return str(plan["summary"])
    return _described(tool.action.name, arguments)


class ToolGate:
    """Runs the reads the model asks for, collects the writes the user asked for, refuses the rest.

    A write the user asked for that an autopilot's policy already allows runs at once.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        caller: Caller,
        question: str,
    ) -> None:
        """Offer every SmartPlex tool for one question."""
        self.hass = hass
        self.entry = entry
        self.caller = caller
        self.question = question
        self.tools = _ask_tools()
        self.proposed: list[ProposedAction] = []
        self.done: list[dict[str, Any]] = []
        self.used: list[str] = []
        self.refused: list[str] = []

    def specs(self) -> list[ToolSpec]:
        """Return the tools as the model sees them."""
        return [
            ToolSpec(name, tool.description or name, parameters(fields))
            for name, (tool, fields) in self.tools.items()
        ]

    async def __call__(self, call: ToolCall) -> dict[str, Any]:
        """Answer one tool call of the model."""
        from custom_components.smartplex.action_fields import validate

        if call.name not in self.tools:
            self.refused.append(call.name)
            return {"success": False, "error": f"There is no tool {call.name}."}
        if call.arguments is None:
            return {"success": False, "error": "Arguments must be a JSON object."}
        tool, fields = self.tools[call.name]
        arguments = {k: v for k, v in call.arguments.items() if k != "confirm"}
        try:
            checked = validate(fields, arguments)
            if tool.action is None or not tool.action.writes:
                self.used.append(call.name)
                data = await tool.async_run(self.hass, self.entry, self.caller, checked)
                return {"success": True, **data}
            if (
                not requested(self.question, tool.action.name)
                or len(self.proposed) >= MAX_PROPOSED
            ):
                self.refused.append(call.name)
                return {"success": False, "error": NOT_REQUESTED}
            if autopilot := await autopilot_allows(
                self.hass, self.entry, self.caller, tool.action.name, checked
            ):
                return await self._run(tool, checked, autopilot)
            summary = await _summary(self.hass, self.entry, self.caller, tool, checked)
        except HomeAssistantError as err:
            return {"success": False, "error": str(err)}
        self.proposed.append(ProposedAction(tool.action.name, checked, summary))
        return {"success": True, "done": False, "summary": summary, "note": PROPOSED}

    async def _run(
        self, tool: SmartPlexTool, arguments: dict[str, Any], autopilot: str
    ) -> dict[str, Any]:
        """Run a write an autopilot allows through its action (audit trail, event).

        It runs as the autopilot's (for the asking user), so the autopilot's daily caps
        count it.
        """
        assert tool.action is not None
        autopilot_caller = Caller(source=SOURCE_AUTOPILOT, context=self.caller.context)
        data = await tool.action.handler(
            self.hass, self.entry, autopilot_caller, **arguments
        )
        summary = _described(tool.action.name, arguments)
        self.done.append(
            {
                "action": tool.action.name,
                "arguments": arguments,
                "summary": summary,
                "allowed_by": autopilot,
                "result": data,
            }
        )
        note = DONE_BY_AUTOPILOT.format(autopilot=autopilot.replace("_", " "))
        return {"success": True, "done": True, "summary": summary, "note": note}


async def async_ask(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    question: str,
) -> dict[str, Any]:
    """Answer a question with SmartPlex's tools; writes come back as a proposal."""
    if not question.strip():
        raise invalid("empty_question")
    assistant = entry.runtime_data.assistant
    if assistant is None or assistant.provider is None:
        raise invalid("ai_not_configured")
    gate = ToolGate(hass, entry, caller, question.strip())
    try:
        outcome = await run_ask(assistant.provider, gate.question, gate.specs(), gate)
    except AIError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key=err.translation_key
        ) from None
    answer = outcome.answer
    if gate.done:
        # Said by SmartPlex itself, whatever the model's answer left out.
        answer = f"{answer} Done: {'; '.join(d['summary'] for d in gate.done)}.".strip()
    response: dict[str, Any] = {
        "answer": answer,
        "llm_calls": outcome.calls,
        "tools_used": gate.used,
        "refused": gate.refused,
        "done": gate.done,
        "proposal": None,
    }
    if gate.proposed:
        proposal = await async_keep_proposal(
            hass, entry.entry_id, caller.user_id, gate.question, gate.proposed
        )
        response["proposal"] = {
            "id": proposal.id,
            "expires": proposal.expires.isoformat(),
            "actions": [
                {"action": p.action, "arguments": p.arguments, "summary": p.summary}
                for p in gate.proposed
            ],
        }
    return response


async def async_confirm_proposal(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    proposal_id: str,
) -> dict[str, Any]:
    """Run the writes of a proposal once, for the user it was made for."""
    from custom_components.smartplex.declarations import ACTIONS

    proposal = await async_take_proposal(
        hass, entry.entry_id, proposal_id, caller.user_id, caller.source
    )
    if proposal is None:
        raise invalid("proposal_not_found", proposal_id=proposal_id)
    handlers = {action.name: action.handler for action in ACTIONS}
    results = []
    for proposed in proposal.actions:
        try:
            data = await handlers[proposed.action](
                hass, entry, caller, **proposed.arguments
            )
        except HomeAssistantError as err:
            results.append(
                {
                    "action": proposed.action,
                    "summary": proposed.summary,
                    "done": False,
                    "error": str(err),
                }
            )
        else:
            results.append(
                {
                    "action": proposed.action,
                    "summary": proposed.summary,
                    "done": True,
                    "result": data,
                }
            )
    return {"proposal_id": proposal.id, "results": results}
