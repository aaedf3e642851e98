"""Fixtures: a recording aiohttp server on 127.0.0.1 that replays recorded upstream responses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from pathlib import Path
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from .contracts import contract_violations

FIXTURES = Path(__file__).parent.parent / "fixtures"
API_KEY = "0123456789abcdef0123456789abcdef"
TMDB_TOKEN = (
    "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJzbWFydHBsZXgtdGVzdCJ9.c2lnbmF0dXJlLW5vdC1yZWFs"
)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_fixture(relative: str) -> Any:
    """Load a recorded JSON response from tests/fixtures."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Reply:
    """A canned reply: JSON (or raw text) with a status and headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    content_type: str = "application/json"

    def response(self) -> web.Response:
        """Build the aiohttp response."""
        if self.text is not None:
            return web.Response(
                status=self.status,
                text=self.text,
                content_type=self.content_type,
                headers=self.headers,
            )
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        return web.json_response(self.body, status=self.status, headers=self.headers)


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake upstream received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_query: str
    body: Any

    def param(self, name: str) -> str | None:
        """Return the single value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


class FakeUpstream:
    """An HTTP server on 127.0.0.1 answering registered (method, path[, cmd]) routes."""

    def __init__(self) -> None:
        """Start empty; `service` selects the contract checked at teardown."""
        self.routes: dict[tuple[str, str, str | None], list[Reply | Handler]] = {}
        self.requests: list[Recorded] = []
        self.service: str | None = None
        self.base_path = ""
        self.off_contract: set[tuple[str, str]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(
        self,
        method: str,
        path: str,
        *replies: Reply | Handler,
        cmd: str | None = None,
    ) -> None:
        """Register replies for a route; several replies are served in order, the last repeats."""
        self.routes[(method, self.base_path + path, cmd)] = list(replies)

    def add_json(
        self, method: str, path: str, body: Any, *, cmd: str | None = None
    ) -> None:
        """Register a 200 JSON reply."""
        self.add(method, path, Reply(body), cmd=cmd)

    @property
    def url(self) -> str:
        """Return the base URL including the base path."""
        return f"http://127.0.0.1:{self.port}{self.base_path}"

    def last(self, path: str | None = None, cmd: str | None = None) -> Recorded:
        """Return the last request (optionally to a path and Tautulli cmd)."""
        for recorded in reversed(self.requests):
            if (path is None or recorded.path == self.base_path + path) and (
                cmd is None or recorded.param("cmd") == cmd
            ):
                return recorded
        raise AssertionError(f"no request to {path} {cmd or ''}")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request and serve the matching reply."""
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        self.requests.append(
            Recorded(
                method=request.method,
                path=request.path,
                query=query,
                headers=dict(request.headers),
                raw_query=request.query_string,
                body=body,
            )
        )
        replies = self.routes.get(
            (request.method, request.path, request.query.get("cmd"))
        ) or self.routes.get((request.method, request.path, None))
        if not replies:
            return web.json_response({"message": "route not registered"}, status=404)
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Reply):
            return reply.response()
        return await reply(request)

    async def start(self, ssl_context: Any = None) -> None:
        """Listen on an ephemeral loopback port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, shutdown_timeout=0.1, access_log=None, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def violations(self) -> list[str]:
        """Return every received request that the service's contract does not declare."""
        if self.service is None:
            return []
        problems: list[str] = []
        for recorded in self.requests:
            path = recorded.path.removeprefix(self.base_path)
            if (recorded.method, path) in self.off_contract:
                continue
            problems.extend(
                contract_violations(self.service, recorded.method, path, recorded.query)
            )
        return problems


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the top-level autouse fixture: API tests need no Home Assistant instance."""


@pytest.fixture
async def upstream(socket_enabled: None) -> AsyncIterator[FakeUpstream]:
    """Yield a started fake upstream; at teardown every request must match the contract."""
    server = FakeUpstream()
    await server.start()
    yield server
    await server.stop()
    assert not server.violations(), server.violations()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Yield a client session that is closed afterwards."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def closed_port(socket_enabled: None) -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
