"""Fixtures of the AI helper tests: a provider for the simulated OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import json
from typing import Any

import httpx
import pytest

from custom_components.smartplex.ai.openai import OpenAIProvider
from simulator import Simulator


@pytest.fixture
async def make_provider(
    simulator: Simulator,
) -> AsyncIterator[Callable[..., OpenAIProvider]]:
    """Return a factory of providers for the simulated server; their clients close after."""
    clients: list[httpx.AsyncClient] = []

    def make(
        *,
        key: str | None = None,
        model: str = "gpt-4o-mini",
        base_url: str | None = None,
        **options: Any,
    ) -> OpenAIProvider:
        clients.append(client := httpx.AsyncClient())
        return OpenAIProvider(
            base_url=base_url or simulator.url("openai") + "/v1",
            api_key=key or simulator.api_key("openai"),
            model=model,
            http_client=client,
            **options,
        )

    yield make
    for client in clients:
        await client.aclose()


def prompt_data(body: dict[str, Any]) -> dict[str, Any]:
    """Return the quoted DATA block of the last user message of a request."""
    text = body["messages"][-1]["content"]
    start = text.index("<DATA>\n") + len("<DATA>\n")
    return json.loads(text[start : text.index("\n</DATA>")])  # type: ignore[no-any-return]
