"""The AI helper of a hub: its provider from the options, the re-rank cache and proposals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from homeassistant.core import HomeAssistant
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.util import dt as dt_util

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

# Long enough to read the answer and say yes; short enough that a stale plan is not run.
PROPOSAL_LIFETIME = timedelta(minutes=15)
MAX_PROPOSALS = 50


@dataclass(frozen=True, slots=True)
class ProposedAction:
    """One write the LLM proposed: the action, its checked arguments and what it does."""

    action: str
    arguments: dict[str, Any]
    summary: str


@dataclass(slots=True)
class Proposal:
    """Writes proposed by one ask, waiting for the user who asked to confirm them."""

    id: str
    user_id: str | None
    question: str
    actions: list[ProposedAction]
    expires: datetime


@dataclass
class Assistant:
    """What the AI helper of a hub holds while the hub is loaded."""

    provider: Provider | None = None
    rerank_enabled: bool = False
    cache: RerankCache = field(default_factory=RerankCache)
    proposals: dict[str, Proposal] = field(default_factory=dict)

    def keep(self, proposal: Proposal) -> None:
        """Keep a proposal, forgetting expired ones and the oldest past the limit."""
        now = dt_util.utcnow()
        for key in [k for k, p in self.proposals.items() if p.expires <= now]:
            del self.proposals[key]
        self.proposals[proposal.id] = proposal
        while len(self.proposals) > MAX_PROPOSALS:
            del self.proposals[next(iter(self.proposals))]

    def latest(self, user_id: str | None) -> str | None:
        """Return the id of this user's newest live proposal."""
        now = dt_util.utcnow()
        mine = [
            p.id
            for p in self.proposals.values()
            if p.user_id == user_id and p.expires > now
        ]
        return mine[-1] if mine else None

    def take(self, proposal_id: str, user_id: str | None) -> Proposal | None:
        """Remove and return a live proposal of this user (each is confirmed once)."""
        proposal = self.proposals.get(proposal_id)
        if (
            proposal is None
            or proposal.expires <= dt_util.utcnow()
            or proposal.user_id != user_id
        ):
            return None
        return self.proposals.pop(proposal_id)


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
