"""LLM re-ranking of engine candidates: ids from the set only, two votes, cached, safe fallback.

The engine's ranking is always the answer when anything goes wrong: no provider, an error,
a timeout, output outside the schema or without a single known id. The LLM only reorders
the candidates it was given (unknown ids are dropped, missing ones keep their engine
order after the ranked ones) and explains them; it never adds one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
import hashlib
import json
import random
from typing import Any

from .budget import DEFAULT_TIMEOUT, MAX_RERANK_CALLS, CallBudget, estimate_tokens
from .prompts import (
    MAX_CANDIDATES,
    RANKING_SCHEMA_NAME,
    REASON_CHARS,
    RERANK_SYSTEM,
    Candidate,
    clean,
    fit_prompt,
    ranking_schema,
)
from .provider import AIError, AIInvalidOutputError, Provider

CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class RerankResult:
    """The order to show, reasons by id, and whether the LLM made it (else why not)."""

    ids: list[str]
    reasons: dict[str, str]
    reranked: bool
    fallback: str | None = None
    calls: int = 0
    prompt_tokens: list[int] = field(default_factory=list)

    def note(self) -> dict[str, Any]:
        """Return the one line an action adds to its response about the AI helper."""
        return {"reranked": self.reranked, "fallback": self.fallback}


class RerankCache:
    """The latest re-rankings per (task, user, history fingerprint, candidate set)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        """Hold at most size results."""
        self.size = size
        self._results: OrderedDict[str, RerankResult] = OrderedDict()

    def get(self, key: str) -> RerankResult | None:
        """Return a cached result, marking it recently used."""
        if (result := self._results.get(key)) is not None:
            self._results.move_to_end(key)
        return result

    def put(self, key: str, result: RerankResult) -> None:
        """Keep a result, forgetting the least recently used past the size."""
        self._results[key] = result
        self._results.move_to_end(key)
        while len(self._results) > self.size:
            self._results.popitem(last=False)


def cache_key(
    task: str, user: str | None, history: str, candidates: Sequence[Candidate]
) -> str:
    """Return the cache key of the re-ranking of the first MAX_CANDIDATES candidates."""
    # Only those can be shown; the rest follow in engine order, added after the lookup.
    shown = [
        [c.id, c.title, c.year, c.summary, dict(c.facts)]
        for c in candidates[:MAX_CANDIDATES]
    ]
    text = json.dumps([task, user, history, shown], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def engine_result(
    candidates: Sequence[Candidate], fallback: str | None, calls: int = 0
) -> RerankResult:
    """Return the engine's own order, saying why the LLM's is not used."""
    return RerankResult(
        ids=[candidate.id for candidate in candidates],
        reasons={},
        reranked=False,
        fallback=fallback,
        calls=calls,
    )


def _votes(ranking: list[dict[str, Any]], known: set[str]) -> list[tuple[str, str]]:
    """Return (id, reason) of a ranking's known ids, each once, in its order."""
    seen: set[str] = set()
    votes = []
    for entry in ranking:
        if entry["id"] in known and entry["id"] not in seen:
            seen.add(entry["id"])
            votes.append((entry["id"], clean(entry["reason"], REASON_CHARS)))
    return votes


async def rerank(
    provider: Provider | None,
    task: str,
    profile: dict[str, Any],
    candidates: Sequence[Candidate],
    *,
    user: str | None = None,
    history: str = "",
    cache: RerankCache | None = None,
    seconds: float = DEFAULT_TIMEOUT,
) -> RerankResult:
    """Return the candidates re-ranked by the LLM, or in engine order with the reason why."""
    if provider is None:
        return engine_result(candidates, "no_provider")
    if len(candidates) < 2:
        return engine_result(candidates, None)
    # Only the head can be shown, so only the head is re-ranked (and cached); the rest
    # keeps the engine's order after it, which keeps a huge candidate list cheap.
    head = candidates[:MAX_CANDIDATES]
    rest = [candidate.id for candidate in candidates[MAX_CANDIDATES:]]
    key = cache_key(task, user, history, head)
    if cache is not None and (cached := cache.get(key)) is not None:
        return replace(cached, ids=cached.ids + rest)
    # The engine's best that fit the prompt; the rest keep their place after them.
    fitted = fit_prompt(task, profile, head)
    order = fitted.ids
    known = set(order)
    # Shuffled (the same way for the same question) and reversed for the second vote,
    # so a model's preference for early or late positions cancels out.
    random.Random(key).shuffle(order)
    prompts = [fitted.render(shown) for shown in (order, order[::-1])]
    budget = CallBudget(MAX_RERANK_CALLS)
    schema = ranking_schema(len(known))

    async def vote(prompt: str) -> list[tuple[str, str]]:
        budget.spend()
        answer = await provider.complete(
            RERANK_SYSTEM, prompt, RANKING_SCHEMA_NAME, schema
        )
        return _votes(answer["ranking"], known)

    try:
        async with asyncio.timeout(seconds):
            ballots = await asyncio.gather(*(vote(prompt) for prompt in prompts))
    except TimeoutError:
        return engine_result(candidates, "ai_timeout", budget.used)
    except AIError as err:
        return engine_result(candidates, err.translation_key, budget.used)
    if not all(ballots):
        return engine_result(
            candidates, AIInvalidOutputError.translation_key, budget.used
        )
    result = _tally(head, ballots, budget.used, prompts)
    if cache is not None:
        cache.put(key, result)
    return replace(result, ids=result.ids + rest)


def _tally(
    candidates: Sequence[Candidate],
    ballots: list[list[tuple[str, str]]],
    calls: int,
    prompts: list[str],
) -> RerankResult:
    """Return the Borda count of the votes; ties and unranked ids keep the engine order."""
    points = dict.fromkeys((candidate.id for candidate in candidates), 0)
    reasons: dict[str, str] = {}
    for ballot in ballots:
        for position, (candidate_id, reason) in enumerate(ballot):
            points[candidate_id] += len(candidates) - position
            if reason:
                reasons.setdefault(candidate_id, reason)
    engine_order = {candidate.id: index for index, candidate in enumerate(candidates)}
    ids = sorted(points, key=lambda cid: (-points[cid], engine_order[cid]))
    return RerankResult(
        ids=ids,
        reasons=reasons,
        reranked=True,
        calls=calls,
        prompt_tokens=[estimate_tokens(RERANK_SYSTEM + prompt) for prompt in prompts],
    )
