"""HTTP control endpoints under /_sim/ (faults, time, OpenAI script, streams, state)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
import time
from typing import Any

from aiohttp import web

from .core import Stack
from .openai import OpenAIScript

Advance = Callable[[float], Awaitable[None]]


class ControlRoutes:
    """Handlers letting scripts drive the simulator from outside."""

    def __init__(self, stack: Stack, script: OpenAIScript, advance: Advance) -> None:
        """Bind to the shared state, the OpenAI script and the advance coroutine."""
        self.stack = stack
        self.script = script
        self.advance = advance

    def routes(self) -> list[web.RouteDef]:
        """Return the control route table."""
        return [
            web.get("/_sim/state", self.state),
            web.get("/_sim/faults", self.faults),
            web.post("/_sim/faults", self.inject),
            web.delete("/_sim/faults", self.clear),
            web.post("/_sim/advance", self.advance_time),
            web.post("/_sim/openai/script", self.openai_script),
            web.post("/_sim/play", self.play),
            web.post("/_sim/health", self.set_health),
            web.get("/_sim/traffic", self.traffic),
            web.delete("/_sim/traffic", self.reset_traffic),
        ]

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        """Read a JSON object body."""
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="body must be JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="body must be a JSON object")
        return body

    async def state(self, request: web.Request) -> web.Response:
        """Summarise the world."""
        world = self.stack.world
        return web.json_response(
            {
                "now": self.stack.clock.now().isoformat(),
                "movies": len(world.movies),
                "series": len(world.series),
                "episodes": len(world.episodes),
                "plays": len(world.plays),
                "requests": len(world.requests),
                "queue": len(world.queue),
                "blocklisted": len(world.blocklist),
                "sessions": len(self.stack.sessions),
                "webhooks_sent": len(self.stack.webhooks.deliveries),
            }
        )

    async def traffic(self, request: web.Request) -> web.Response:
        """Return what each service served per endpoint and the simulator's CPU seconds."""
        return web.json_response(
            {
                "process_seconds": time.process_time(),
                "services": self.stack.traffic.snapshot(),
            }
        )

    async def reset_traffic(self, request: web.Request) -> web.Response:
        """Forget the traffic counted so far."""
        self.stack.traffic.reset()
        return web.json_response({"reset": True})

    async def faults(self, request: web.Request) -> web.Response:
        """List faults of a service (?service=) ."""
        service = request.query.get("service", "")
        return web.json_response([asdict(f) for f in self.stack.faults.active(service)])

    async def inject(self, request: web.Request) -> web.Response:
        """Inject a fault: {"service", "kind", "path"?, "cmd"?, "method"?, "status"?, "seconds"?, "retry_after"?, "times"?}."""
        body = await self._body(request)
        try:
            fault = self.stack.faults.inject(
                str(body.pop("service")),
                str(body.pop("kind")),
                **{
                    k: body[k]
                    for k in (
                        "path",
                        "cmd",
                        "method",
                        "status",
                        "seconds",
                        "retry_after",
                        "times",
                    )
                    if k in body
                },
            )
        except (KeyError, TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=f"invalid fault: {err}") from None
        return web.json_response(asdict(fault), status=201)

    async def clear(self, request: web.Request) -> web.Response:
        """Clear faults of ?service= (or all)."""
        self.stack.faults.clear(request.query.get("service"))
        return web.json_response({"cleared": True})

    async def advance_time(self, request: web.Request) -> web.Response:
        """Advance simulated time: {"seconds": N}."""
        body = await self._body(request)
        try:
            seconds = float(body["seconds"])
            await self.advance(seconds)
        except (KeyError, TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=f"invalid seconds: {err}") from None
        return web.json_response({"now": self.stack.clock.now().isoformat()})

    async def openai_script(self, request: web.Request) -> web.Response:
        """Queue OpenAI replies: {"replies": [...]}."""
        body = await self._body(request)
        replies = body.get("replies")
        if not isinstance(replies, list):
            raise web.HTTPBadRequest(text="replies must be a list")
        self.script.script(replies)
        return web.json_response({"queued": len(self.script.replies)})

    async def play(self, request: web.Request) -> web.Response:
        """Start a stream: {"user": index, "movie_id": id} or {"user": index, "episode_id": id}."""
        body = await self._body(request)
        world = self.stack.world
        user = body.get("user", 0)
        if not isinstance(user, int) or not 0 <= user < len(world.users):
            raise web.HTTPBadRequest(text="unknown user")
        if body.get("movie_id") in world.movies:
            session = self.stack.start_session(user, "movie", body["movie_id"])
        elif body.get("episode_id") in world.episodes:
            session = self.stack.start_session(user, "episode", body["episode_id"])
        else:
            raise web.HTTPBadRequest(
                text="movie_id or episode_id must name a library item"
            )
        return web.json_response({"session_key": session.session_key}, status=201)

    async def set_health(self, request: web.Request) -> web.Response:
        """Replace Sonarr/Radarr health checks: {"service", "issues": [{"type", "source", "message"}]}."""
        body = await self._body(request)
        try:
            issues = [
                (str(i["type"]), str(i["source"]), str(i["message"]))
                for i in body["issues"]
            ]
            self.stack.set_health(str(body["service"]), issues)
        except (KeyError, TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=f"invalid health: {err}") from None
        await self.stack.webhooks.drain()
        return web.json_response({"issues": len(issues)})
