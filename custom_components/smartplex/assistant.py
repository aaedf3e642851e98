"""The AI helper of a hub: its provider from the options, the re-rank cache and proposals.

Proposals live in the SmartPlex database (store/proposals.py): they survive a restart, and
their confirmation or expiry is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
import json
import logging
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from .ai.ai_task import AITaskProvider
from .ai.openai import OpenAIProvider
from .ai.prompts import Candidate
from .ai.provider import Provider
from .ai.rerank import RerankCache, RerankResult, engine_result, rerank
from .const import (
    AI_PROVIDER_AI_TASK,
    AI_PROVIDER_OPENAI,
    CONF_AI_API_KEY,
    CONF_AI_BASE_URL,
    CONF_AI_MODEL,
    CONF_AI_PROVIDER,
    CONF_AI_RERANK,
    CONF_AI_TASK_ENTITY,
    DEFAULT_AI_BASE_URL,
    DEFAULT_AI_MODEL,
)
from .store import async_run_job
from .store.proposals import (
    Proposal,
    ProposedAction,
    expire_proposals,
    latest_proposal,
    save_proposal,
    take_proposal,
)

_LOGGER = logging.getLogger(__name__)

# Long enough to read the answer and say yes; short enough that a stale plan is not run.
PROPOSAL_LIFETIME = timedelta(minutes=15)
# How often proposals past their expiry are marked expired (and audited).
EXPIRY_INTERVAL = timedelta(minutes=5)


@dataclass
class Assistant:
    """What the AI helper of a hub holds while the hub is loaded."""

    provider: Provider | None = None
    rerank_enabled: bool = False
    cache: RerankCache = field(default_factory=RerankCache)


async def async_keep_proposal(
    hass: HomeAssistant,
    entry_id: str,
    user_id: str | None,
    question: str,
    actions: list[ProposedAction],
) -> Proposal:
    """Store the writes an ask proposed and return the proposal."""
    now = dt_util.utcnow()
    proposal = Proposal(
        id=ulid_now(),
        entry_id=entry_id,
        user_id=user_id,
        question=question,
        actions=actions,
        created=now,
        expires=now + PROPOSAL_LIFETIME,
    )
    await async_run_job(hass, partial(save_proposal, proposal=proposal))
    return proposal


async def async_take_proposal(
    hass: HomeAssistant,
    entry_id: str,
    proposal_id: str,
    user_id: str | None,
    source: str,
) -> Proposal | None:
    """Return a live proposal of this user, marked confirmed (each is confirmed once)."""
    job = partial(
        take_proposal,
        proposal_id=proposal_id,
        entry_id=entry_id,
        user_id=user_id,
        source=source,
        now=dt_util.utcnow(),
    )
    return await async_run_job(hass, job)


async def async_latest_proposal(
    hass: HomeAssistant, entry_id: str, user_id: str | None
) -> str | None:
    """Return the id of this user's newest live proposal."""
    job = partial(
        latest_proposal, entry_id=entry_id, user_id=user_id, now=dt_util.utcnow()
    )
    return await async_run_job(hass, job)


async def async_expire_proposals(hass: HomeAssistant, *_: Any) -> None:
    """Mark proposals past their expiry expired; a database problem waits for the next round."""
    try:
        await async_run_job(hass, partial(expire_proposals, now=dt_util.utcnow()))
    except HomeAssistantError as err:
        _LOGGER.warning("Could not expire AI helper proposals: %s", err)


async def async_start_proposal_expiry(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> None:
    """Expire what ran out while Home Assistant was down, then keep expiring."""
    await async_expire_proposals(hass)
    entry.async_on_unload(
        async_track_time_interval(
            hass, partial(async_expire_proposals, hass), EXPIRY_INTERVAL
        )
    )


def create_provider(
    hass: HomeAssistant, options: Mapping[str, Any]
) -> AITaskProvider | OpenAIProvider | None:
    """Return the provider the options choose, or None."""
    kind = options.get(CONF_AI_PROVIDER)
    if kind == AI_PROVIDER_AI_TASK and options.get(CONF_AI_TASK_ENTITY):
        return AITaskProvider(hass, options[CONF_AI_TASK_ENTITY])
    if kind == AI_PROVIDER_OPENAI:
        return OpenAIProvider(
            base_url=options.get(CONF_AI_BASE_URL) or DEFAULT_AI_BASE_URL,
            api_key=options.get(CONF_AI_API_KEY),
            model=options.get(CONF_AI_MODEL) or DEFAULT_AI_MODEL,
            # openai 3.x takes Home Assistant's client through its legacy-httpx path.
            http_client=cast("Any", get_async_client(hass)),
        )
    return None


async def async_create_assistant(
    hass: HomeAssistant, options: Mapping[str, Any]
) -> Assistant:
    """Return the AI helper the options describe."""
    provider = create_provider(hass, options)
    if isinstance(provider, OpenAIProvider):
        # The SDK detects the platform with blocking calls on first use.
        await hass.async_add_executor_job(provider.warm)
    return Assistant(
        provider=provider,
        rerank_enabled=bool(options.get(CONF_AI_RERANK)) and provider is not None,
    )


async def async_rerank(
    assistant: Assistant | None,
    task: str,
    profile: dict[str, Any],
    candidates: Sequence[Candidate],
    *,
    user: str | None = None,
    history: str = "",
) -> RerankResult:
    """Return the LLM's order of the engine's candidates when re-ranking is on, else the engine's.

    For recommend, triage_requests and plan_cleanup: use result.ids (a permutation of the
    candidate ids) and result.reasons, and put result.note() in the response.
    """
    if assistant is None or not assistant.rerank_enabled:
        return engine_result(candidates, None)
    return await rerank(
        assistant.provider,
        task,
        profile,
        candidates,
        user=user,
        history=history,
        cache=assistant.cache,
    )


async def async_rerank_rows(
    assistant: Assistant | None,
    task: str,
    rows: Sequence[dict[str, Any]],
    candidate: Callable[[str, dict[str, Any]], Candidate],
    *,
    profile: dict[str, Any] | None = None,
    user: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return an action's rows in the LLM's order, with its reasons, and the response note.

    candidate(id, row) makes the LLM's view of a row; the id is the row's position, short
    whatever the row's own keys. The rows themselves, and so every decision in them, stay
    the engine's; a row the LLM explained gets an ai_reason. With re-ranking off they come
    back as they are, with no note.
    """
    if assistant is None or not assistant.rerank_enabled:
        return list(rows), {}
    by_id = {str(position): row for position, row in enumerate(rows, 1)}
    candidates = [candidate(cid, row) for cid, row in by_id.items()]
    shown = profile or {}
    result = await async_rerank(
        assistant,
        task,
        shown,
        candidates,
        user=user,
        # The profile is the history the ranking depends on: its fingerprint keys the cache.
        history=json.dumps(shown, sort_keys=True, default=str),
    )
    ordered = [
        {**by_id[cid], "ai_reason": result.reasons[cid]}
        if cid in result.reasons
        else by_id[cid]
        for cid in result.ids
    ]
    return ordered, {"ai": result.note()}
