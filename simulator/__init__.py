"""A simulated media stack (Sonarr, Radarr, Overseerr, Tautulli, TMDB, OpenAI) on loopback."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import arr, overseerr, tautulli, tautulli_base, tmdb
from .control import ControlRoutes
from .core import SERVICES, HealthIssue, Stack
from .faults import FaultController
from .openai import (
    OpenAIRoutes,
    OpenAIScript,
    auth_middleware as openai_auth,
    error_response as openai_error,
)
from .radarr import RadarrRoutes
from .sonarr import SonarrRoutes
from .world import World

__all__ = ["SERVICES", "Simulator", "World"]

HOST = "127.0.0.1"


class Simulator:
    """Runs every simulated service on its own loopback port."""

    def __init__(
        self,
        scale: str = "tiny",
        seed: int = 1,
        port_base: int | None = None,
        *,
        url_base: dict[str, str] | None = None,
        now: datetime | None = None,
        download_speed: int = 50_000_000,
        faults: list[dict[str, Any]] | None = None,
        realtime_speed: float = 0.0,
    ) -> None:
        """Generate the world; servers start in start() / async with."""
        self.world = World(scale, seed, now)
        self.stack = Stack(self.world, download_speed)
        self.openai = OpenAIScript()
        self.port_base = port_base
        self.url_base = {
            service: (url_base or {}).get(service, "").rstrip("/")
            for service in SERVICES
        }
        self.realtime_speed = realtime_speed
        self.apps: dict[str, web.Application] = {}
        self._runners: list[web.AppRunner] = []
        self._urls: dict[str, str] = {}
        self._ticker: asyncio.Task[None] | None = None
        for fault in faults or []:
            options = dict(fault)
            self.faults.inject(options.pop("service"), options.pop("kind"), **options)

    @property
    def faults(self) -> FaultController:
        """Return the fault controller."""
        return self.stack.faults

    def url(self, service: str) -> str:
        """Return the base URL of a running service (including its URL base)."""
        return self._urls[service]

    def api_key(self, service: str) -> str:
        """Return the API key of a service."""
        return self.stack.keys[service]

    @property
    def tmdb_bearer(self) -> str:
        """Return the TMDB v4 read access token."""
        return self.stack.tmdb_bearer

    async def advance(self, seconds: float) -> None:
        """Move simulated time, then wait for the webhooks it caused."""
        self.stack.tick(seconds)
        await self.stack.webhooks.drain()

    async def set_health(self, service: str, issues: list[HealthIssue]) -> None:
        """Replace Sonarr/Radarr health checks ((level, source, message)), then deliver webhooks."""
        self.stack.set_health(service, issues)
        await self.stack.webhooks.drain()

    def _service_app(self, service: str) -> web.Application:
        """Build the aiohttp application of one service."""
        stack = self.stack
        base = self.url_base[service]
        if service in {"sonarr", "radarr"}:
            routes: Any = (SonarrRoutes if service == "sonarr" else RadarrRoutes)(
                service, stack
            )
            middlewares = [
                stack.faults.middleware(service, base, arr.error_response),
                arr.auth_middleware(service, stack.keys[service], base),
            ]
        elif service == "overseerr":
            routes = overseerr.OverseerrRoutes(stack)
            middlewares = [
                stack.faults.middleware(service, base, overseerr.error_response),
                overseerr.auth_middleware(stack.keys[service], base),
            ]
        elif service == "tautulli":
            routes = tautulli.TautulliApi(stack)
            middlewares = [
                stack.faults.middleware(service, base, tautulli_base.error_response)
            ]
        elif service == "tmdb":
            routes = tmdb.TmdbRoutes(stack)
            middlewares = [
                stack.faults.middleware(service, base, tmdb.error_response),
                tmdb.auth_middleware(stack, base),
            ]
        else:
            routes = OpenAIRoutes(self.openai)
            middlewares = [
                stack.faults.middleware(service, base, openai_error),
                openai_auth(stack.keys[service], base),
            ]
        app = web.Application(
            middlewares=[stack.traffic.middleware(service, base), *middlewares]
        )
        app[arr.URL_BASE_KEY] = base
        app.add_routes(routes.routes())
        return app

    async def start(self) -> None:
        """Start every service."""
        control = ControlRoutes(self.stack, self.openai, self.advance)
        for index, service in enumerate(SERVICES):
            app = self._service_app(service)
            self.apps[service] = app
            base = self.url_base[service]
            if base:
                root = web.Application()
                root.add_routes(control.routes())
                root.add_subapp(base, app)
            else:
                root = app
                app.add_routes(control.routes())
            runner = web.AppRunner(root, access_log=None, shutdown_timeout=1)
            await runner.setup()
            self._runners.append(runner)
            port = 0 if self.port_base is None else self.port_base + index
            site = web.TCPSite(runner, HOST, port)
            await site.start()
            bound = runner.addresses[0][1]
            self._urls[service] = f"http://{HOST}:{bound}{base}"
        if self.realtime_speed > 0:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        """Advance simulated time with wall-clock time (for manual use)."""
        while True:
            await asyncio.sleep(1)
            self.stack.tick(self.realtime_speed)

    async def stop(self) -> None:
        """Stop every service and finish webhook deliveries."""
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
            self._ticker = None
        self.faults.release()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
        await self.stack.webhooks.close()

    def describe(self) -> dict[str, dict[str, str]]:
        """Return URL and key of every service."""
        return {
            service: {"url": self.url(service), "api_key": self.api_key(service)}
            for service in SERVICES
        }

    async def __aenter__(self) -> Self:
        """Start the services."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the services."""
        await self.stop()
