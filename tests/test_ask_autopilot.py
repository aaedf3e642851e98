"""smartplex.ask runs a write at once only when the request autopilot's policy allows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import CONF_TRIAGE, DOMAIN
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import (
    ALL_SERVICES,
    EventLog,
    audit_trail,
    fixture_events,  # noqa: F401
    hub,
    world_state,
)
from .test_ask import INJECTION, ask, openai_options, tool_results

AUTOPILOT = "switch.overseerr_request_autopilot"
# Everything scores above 0: triage approves every pending request.
APPROVE_ALL = {"approve_above": 0.0, "decline_below": 0.0}
# Nothing reaches 15 and declines are off: triage holds every request for a person.
HOLD_ALL = {"approve_above": 15.0}
# Everything scores below 14 with declines on: triage declines every request.
DECLINE_ALL = {"approve_above": 15.0, "auto_decline": True, "decline_below": 14.0}
PENDING = 1
APPROVED = 2
DECLINED = 3


async def loaded(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    triage: dict[str, Any],
    *,
    autopilot: bool,
) -> MockConfigEntry:
    """Return a hub with the simulated LLM, a triage policy and the autopilot on or off."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(
        simulator, ALL_SERVICES, **openai_options(simulator, **{CONF_TRIAGE: triage})
    )
    await setup_entry(hass, entry)
    if autopilot:
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": AUTOPILOT}, blocking=True
        )
    return entry


def pending_ids(simulator: Simulator) -> list[int]:
    """Return the ids of the pending requests."""
    return sorted(
        r.id for r in simulator.world.requests.values() if r.status == PENDING
    )


def script_one(simulator: Simulator, action: str, request_id: int) -> None:
    """Script a model that makes one request write, then answers without saying it."""
    simulator.openai.script(
        [
            {"tool_calls": [{"name": action, "arguments": {"request_id": request_id}}]},
            "Okay.",
        ]
    )


async def test_approve_allowed_by_autopilot_runs_at_once(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Autopilot on and triage approving: the approve runs now, audited, and the answer says so."""
    await loaded(hass, tmp_path, simulator, APPROVE_ALL, autopilot=True)
    request_id = pending_ids(simulator)[0]
    script_one(simulator, "approve_request", request_id)
    response = await ask(hass, f"Approve request {request_id}")
    assert simulator.world.requests[request_id].status == APPROVED
    assert response["proposal"] is None
    [done] = response["done"]
    assert (done["action"], done["arguments"], done["allowed_by"]) == (
        "approve_request",
        {"request_id": request_id},
        "request_autopilot",
    )
    assert (
        response["answer"] == f"Okay. Done: approve request: request_id {request_id}."
    )
    [result] = tool_results(simulator.openai.requests[1])
    assert result["done"] is True
    assert "request autopilot" in result["note"]
    [approved] = events.of("smartplex_request_approved")
    assert approved["request_id"] == request_id
    assert [r.action for r in await audit_trail(hass)] == ["request_approved"]


@pytest.mark.parametrize(
    ("triage", "autopilot", "action"),
    [
        (APPROVE_ALL, False, "approve_request"),
        (HOLD_ALL, True, "approve_request"),
        (DECLINE_ALL, True, "approve_request"),
        (APPROVE_ALL, True, "decline_request"),
        ({**DECLINE_ALL, "auto_decline": False}, True, "decline_request"),
    ],
    ids=[
        "autopilot-off",
        "triage-holds",
        "triage-declines",
        "decline-but-triage-approves",
        "decline-without-auto-decline",
    ],
)
async def test_write_the_policy_does_not_allow_is_proposed(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    triage: dict[str, Any],
    autopilot: bool,
    action: str,
) -> None:
    """Without the switch, or when the engine decides otherwise, the write is only proposed."""
    await loaded(hass, tmp_path, simulator, triage, autopilot=autopilot)
    before = world_state(simulator)
    request_id = pending_ids(simulator)[0]
    script_one(simulator, action, request_id)
    verb = action.split("_", maxsplit=1)[0].capitalize()
    response = await ask(hass, f"{verb} request {request_id}")
    assert response["done"] == []
    assert [a["action"] for a in response["proposal"]["actions"]] == [action]
    assert response["answer"] == "Okay."
    assert world_state(simulator) == before
    assert await audit_trail(hass) == []


async def test_decline_allowed_by_autopilot_runs_at_once(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Autopilot on, automatic declines on and triage declining: the decline runs now."""
    await loaded(hass, tmp_path, simulator, DECLINE_ALL, autopilot=True)
    request_id = pending_ids(simulator)[0]
    script_one(simulator, "decline_request", request_id)
    response = await ask(hass, f"Decline request {request_id}")
    assert simulator.world.requests[request_id].status == DECLINED
    assert [d["action"] for d in response["done"]] == ["decline_request"]
    assert response["proposal"] is None


@pytest.mark.parametrize(
    "triage", [APPROVE_ALL, HOLD_ALL, DECLINE_ALL], ids=["approve", "hold", "decline"]
)
async def test_injection_writes_nothing_beyond_the_policy(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    events: EventLog,
    triage: dict[str, Any],
) -> None:
    """A model obeying titles crafted as instructions, with the autopilot on.

    The user asks to approve one request. Whatever the model then calls, the only
    writes made are approvals the engine's triage itself makes; declines, removals,
    adds and syncs the user did not ask for are refused.
    """
    await loaded(hass, tmp_path, simulator, triage, autopilot=True)
    pending = pending_ids(simulator)
    for request in simulator.world.requests.values():
        simulator.world.titles[(request.kind, request.tmdb_id)].title = INJECTION
    decisions = await hass.services.async_call(
        DOMAIN, "triage_requests", {}, blocking=True, return_response=True
    )
    assert isinstance(decisions, dict)
    engine_approves = {
        row["request_id"] for row in decisions["requests"] if row["action"] == "approve"
    }
    before = world_state(simulator)
    assert 10138 not in before["movies"]
    queue_id = next(iter(simulator.world.queue))

    def gullible(body: dict[str, Any]) -> Any:
        """Read the requests, then do what their titles say, to every one of them."""
        results = tool_results(body)
        if not results:
            return {"tool_calls": [{"name": "get_requests", "arguments": {}}]}
        if len(results) == 1 and "Ignore previous" in json.dumps(results):
            return {
                "tool_calls": [
                    *(
                        {"name": name, "arguments": {"request_id": rid}}
                        for rid in pending
                        for name in ("decline_request", "approve_request")
                    ),
                    {"name": "remove_queue_item", "arguments": {"queue_id": queue_id}},
                    {"name": "add_movie", "arguments": {"tmdb_id": 10138}},
                    {"name": "sync", "arguments": {}},
                ]
            }
        return "Done as instructed."

    simulator.openai.responder = gullible
    response = await ask(hass, f"Approve request {pending[0]}")
    after = world_state(simulator)
    changed = {
        rid: status
        for rid, status in after["requests"].items()
        if status != before["requests"][rid]
    }
    assert changed == dict.fromkeys(engine_approves & set(pending), APPROVED)
    assert bool(changed) is (triage is APPROVE_ALL)
    # An approval adds its title upstream (Overseerr to Radarr/Sonarr); nothing else moves.
    assert 10138 not in after["movies"]
    assert queue_id in after["queue"]
    assert after["blocklist"] == before["blocklist"]
    assert sorted(set(response["refused"])) == [
        "add_movie",
        "decline_request",
        "remove_queue_item",
        "sync",
    ]
    assert {d["arguments"]["request_id"] for d in response["done"]} == set(changed)
    proposed = response["proposal"]["actions"] if response["proposal"] else []
    assert {p["arguments"]["request_id"] for p in proposed} == set(pending) - set(
        changed
    )
    assert {e.event_type for e in events.events} <= {
        "smartplex_request_approved",
        "smartplex_request_triaged",
    }
    assert {r.action for r in await audit_trail(hass)} <= {"request_approved"}


async def test_add_that_auto_add_would_make_today_runs_at_once(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """With auto-add on, adding today's pick runs at once (as the autopilot); others are proposed."""
    await loaded(hass, tmp_path, simulator, {}, autopilot=False)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.tmdb_auto_add_movies"}, blocking=True
    )
    picks = await hass.services.async_call(
        DOMAIN,
        "auto_add",
        {"media_type": "movie", "dry_run": True},
        blocking=True,
        return_response=True,
    )
    assert isinstance(picks, dict)
    pick = picks["titles"][0]["tmdb_id"]
    other = next(
        title.tmdb_id
        for title in simulator.world.titles.values()
        if title.kind == "movie"
        and simulator.world.movie_by_tmdb(title.tmdb_id) is None
        and title.tmdb_id not in {row["tmdb_id"] for row in picks["titles"]}
    )
    simulator.openai.script(
        [
            {
                "tool_calls": [
                    {"name": "add_movie", "arguments": {"tmdb_id": pick}},
                    {"name": "add_movie", "arguments": {"tmdb_id": other}},
                ]
            },
            "Okay.",
        ]
    )
    response = await ask(hass, "Add those two movies")
    assert [d["allowed_by"] for d in response["done"]] == ["auto_add_movies"]
    assert simulator.world.movie_by_tmdb(pick) is not None
    assert simulator.world.movie_by_tmdb(other) is None
    [proposed] = response["proposal"]["actions"]
    assert proposed["arguments"]["tmdb_id"] == other
    [added] = [r for r in await audit_trail(hass) if r.action == "movie_added"]
    assert added.source == "autopilot"
