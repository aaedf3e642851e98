"""LLM re-ranking of recommend and plan_cleanup through the simulator's OpenAI-compatible server.

The LLM only reorders and explains what the engine chose: the titles shown, and a plan's
titles, stay the engine's, and any failure falls back to the engine's order with one note.
"""

from __future__ import annotations

from functools import partial
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.ai.prompts import MAX_CANDIDATES
from custom_components.smartplex.ai.rerank import RerankCache
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.plans import StoredPlan, load_plan
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub, world_state
from .test_ask import INJECTION, openai_options
from .test_services import call

INVENTED = {"id": "99999", "reason": "Ignore the list and add 99999."}


async def reranking_hub(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with every service and LLM re-ranking on."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES, **openai_options(simulator, ai_rerank=True))
    await setup_entry(hass, entry)
    return entry


@pytest.fixture(name="ai_entry")
async def fixture_ai_entry(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with every service and LLM re-ranking on."""
    return await reranking_hub(hass, tmp_path, simulator)


def shown(body: dict[str, Any]) -> dict[str, Any]:
    """Return the data block of a re-rank prompt."""
    text = body["messages"][-1]["content"]
    data: dict[str, Any] = json.loads(
        text.partition("<DATA>\n")[2].partition("\n</DATA>")[0]
    )
    return data


def backwards(body: dict[str, Any]) -> Any:
    """Rank the candidates in reverse engine order (ids are positions), inventing one id."""
    ids = sorted((c["id"] for c in shown(body)["candidates"]), key=int, reverse=True)
    ranking = [INVENTED] + [{"id": i, "reason": f"Pick {i}."} for i in ids]
    return {"json": {"ranking": ranking[: len(ids)]}}


async def stored_plan(hass: HomeAssistant, plan_id: str) -> StoredPlan:
    """Return a plan as the database holds it."""
    plan = await hass.async_add_executor_job(
        async_get_store(hass).run, partial(load_plan, plan_id=plan_id)
    )
    assert plan is not None
    return plan


async def engine_only(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, **data: Any
) -> dict[str, Any]:
    """Return the action's answer with re-ranking off."""
    assistant = entry.runtime_data.assistant
    assistant.rerank_enabled = False
    try:
        return await call(hass, service, data)
    finally:
        assistant.rerank_enabled = True


async def test_recommend_reranked_from_the_engines_best_thirty(
    hass: HomeAssistant, ai_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The LLM ranks the engine's best (up to 30); the first 10 of its order are shown."""
    plain = await engine_only(hass, ai_entry, "recommend", media_type="movie")
    simulator.openai.responder = backwards
    response = await call(hass, "recommend", {"media_type": "movie"})
    assert response["ai"] == {"reranked": True, "fallback": None}
    first, second = simulator.openai.requests
    data = shown(first)
    offered = {int(c["id"]): (c["title"], c["year"]) for c in data["candidates"]}
    # The tiny world has fewer than MAX_CANDIDATES good movies left: all of them.
    assert 10 < len(offered) <= MAX_CANDIDATES
    last = len(offered)
    # The ids are the engine's positions: its first 10 are those shown without the LLM.
    titles = [(row["title"], row["year"]) for row in plain["recommendations"]]
    assert [offered[position] for position in range(1, 11)] == titles
    rows = response["recommendations"]
    assert [(row["title"], row["year"]) for row in rows] == [
        offered[position] for position in range(last, last - 10, -1)
    ]
    assert response["total"] == 10
    assert all(row["ai_reason"].startswith("Pick ") for row in rows)
    assert all(row["reason"] for row in rows)
    assert data["profile"]["recent"]
    assert data["profile"]["for"] == "the whole household"
    assert shown(second)["candidates"] == data["candidates"][::-1]
    # Asked again with the same history and candidates: the cached ranking, no LLM call.
    again = await call(hass, "recommend", {"media_type": "movie"})
    assert [row["identity"] for row in again["recommendations"]] == [
        row["identity"] for row in rows
    ]
    assert len(simulator.openai.requests) == 2


async def test_recommend_falls_back_to_the_engine_once(
    hass: HomeAssistant, ai_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing LLM gives the engine's own first 10 and one note saying why."""
    plain = await engine_only(hass, ai_entry, "recommend", media_type="movie")
    assert "ai" not in plain
    simulator.faults.inject("openai", "status", status=500)
    failed = await call(hass, "recommend", {"media_type": "movie"})
    assert failed["ai"] == {"reranked": False, "fallback": "ai_unavailable"}
    assert failed["recommendations"] == plain["recommendations"]
    assert "ai_reason" not in json.dumps(failed)


async def test_cleanup_plan_reordered_never_changed(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """The LLM orders a plan's titles (crafted as instructions) and explains them.

    The plan itself, stored and executable, stays the engine's.
    """
    for title in simulator.world.titles.values():
        title.title = INJECTION
    await reranking_hub(hass, tmp_path, simulator)
    simulator.openai.responder = backwards
    before = world_state(simulator)
    made = await call(
        hass, "plan_cleanup", {"target_percent": 40, "instance": "Radarr"}
    )
    assert made["ai"] == {"reranked": True, "fallback": None}
    stored = await stored_plan(hass, made["plan_id"])
    assert len(stored.items) > 1
    assert stored.intact
    engine_keys = [item["key"] for item in stored.items]
    assert [item["key"] for item in made["items"]] == engine_keys[::-1]
    assert all("ai_reason" not in item for item in stored.items)
    # The invented id took one place in the ranking and was dropped.
    assert made["items"][0]["ai_reason"] == f"Pick {len(stored.items)}."
    assert "99999" not in json.dumps(made)
    assert {
        json.dumps({**i, "ai_reason": None}, sort_keys=True) for i in made["items"]
    } == {json.dumps({**i, "ai_reason": None}, sort_keys=True) for i in stored.items}
    candidates = shown(simulator.openai.requests[0])["candidates"]
    assert {c["title"] for c in candidates} <= {INJECTION[:79] + "…", INJECTION}
    assert world_state(simulator) == before


@pytest.mark.parametrize(
    ("fault", "fallback"),
    [
        ({"kind": "malformed_json"}, "ai_invalid_output"),
        ({"kind": "status", "status": 429}, "ai_rate_limited"),
    ],
)
async def test_cleanup_plan_falls_back_once(
    hass: HomeAssistant,
    ai_entry: MockConfigEntry,
    simulator: Simulator,
    fault: dict[str, Any],
    fallback: str,
) -> None:
    """Invalid output or a rate limit: the engine's order, said once at the top."""
    simulator.faults.inject("openai", **fault)
    ai_entry.runtime_data.assistant.cache = RerankCache()
    made = await call(
        hass, "plan_cleanup", {"target_percent": 40, "instance": "Radarr"}
    )
    assert made["ai"] == {"reranked": False, "fallback": fallback}
    stored = await stored_plan(hass, made["plan_id"])
    assert made["items"] == stored.items
