"""Fixtures for simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator import Simulator

FIXED_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Run a tiny simulator with a pinned reference time."""
    async with Simulator(scale="tiny", seed=1, now=FIXED_NOW) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a client session."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=10)
    ) as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    sim: Simulator,
    service: str,
    method: str,
    path: str,
    **kwargs: Any,
) -> tuple[int, Any]:
    """Call a service with its credentials and return (status, JSON or text)."""
    headers: dict[str, str] = {}
    if service in {"sonarr", "radarr", "overseerr"}:
        headers["X-Api-Key"] = sim.api_key(service)
    elif service == "openai":
        headers["Authorization"] = f"Bearer {sim.api_key(service)}"
    headers.update(kwargs.pop("headers", {}))
    async with http.request(
        method, sim.url(service) + path, headers=headers, **kwargs
    ) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text


async def add_tautulli_webhook(
    http: aiohttp.ClientSession, sim: Simulator, url: str, **options: str
) -> int:
    """Add a webhook notifier to Tautulli, set it to post to url, return that call's status."""
    base = {"apikey": sim.api_key("tautulli")}
    _, added = await call(
        http,
        sim,
        "tautulli",
        "GET",
        "/api/v2",
        params={**base, "cmd": "add_notifier_config", "agent_id": "25"},
    )
    status, _ = await call(
        http,
        sim,
        "tautulli",
        "GET",
        "/api/v2",
        params={
            **base,
            "cmd": "set_notifier_config",
            "notifier_id": str(added["response"]["data"]["notifier_id"]),
            "webhook_hook": url,
            **options,
        },
    )
    return status


class Receiver:
    """A loopback aiohttp server collecting webhook posts."""

    def __init__(self) -> None:
        """Start empty."""
        self.received: list[Any] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free port."""
        app = web.Application()

        async def hook(request: web.Request) -> web.Response:
            self.received.append(await request.json())
            return web.Response(status=200)

        app.router.add_route("*", "/hook", hook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        """Stop the server."""
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def receiver(socket_enabled: None) -> Any:
    """Run a webhook receiver."""
    hooks = Receiver()
    await hooks.start()
    yield hooks
    await hooks.stop()
