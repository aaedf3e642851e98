"""Fault injection: per-service, per-path failures served by an aiohttp middleware."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

FAULT_KINDS = (
    "latency",
    "hang",
    "drop",
    "status",
    "malformed_json",
    "html_login",
    "old_version",
    "no_app_name",
)
# Kinds that change what a service reports about itself rather than one request.
VARIANT_KINDS = ("old_version", "no_app_name")
FAULT_STATUSES = (401, 403, 404, 429, 500, 503)
CONTROL_PREFIX = "/_sim/"

HTML_LOGIN = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><form method="post" action="/login"><h1>Sign in to continue</h1>
<input name="username" autocomplete="username"><input name="password" type="password">
<button type="submit">Sign in</button></form></body></html>
"""

ErrorBuilder = Callable[[int], web.Response]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Fault:
    """One injected failure."""

    kind: str
    path: str | None = None
    cmd: str | None = None
    method: str | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: int = 1
    times: int | None = None

    def matches(self, path: str, cmd: str | None, method: str) -> bool:
        """Return whether this fault applies to a request (path, HTTP method, Tautulli cmd)."""
        if self.path is not None and not path.startswith(self.path):
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.cmd is None or self.cmd == cmd


class FaultController:
    """Holds injected faults and applies them to requests."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._faults: dict[str, list[Fault]] = {}
        self._release = asyncio.Event()
        # Requests held back by a latency or hang fault right now.
        self.delayed = 0
        self._holding = asyncio.Event()

    def inject(
        self,
        service: str,
        kind: str,
        *,
        path: str | None = None,
        cmd: str | None = None,
        method: str | None = None,
        status: int = 500,
        seconds: float | None = None,
        retry_after: int = 1,
        times: int | None = None,
    ) -> Fault:
        """Add a fault for a service (optionally one path, method or Tautulli cmd, a number of times)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {FAULT_KINDS}")
        if kind == "status" and status not in FAULT_STATUSES:
            raise ValueError(
                f"unsupported status {status}; choose from {FAULT_STATUSES}"
            )
        default_seconds = 3600.0 if kind == "hang" else 0.0
        fault = Fault(
            kind=kind,
            path=path,
            cmd=cmd,
            method=method,
            status=status,
            seconds=default_seconds if seconds is None else seconds,
            retry_after=retry_after,
            times=times,
        )
        self._faults.setdefault(service, []).append(fault)
        return fault

    def clear(self, service: str | None = None) -> None:
        """Remove faults of one service (or all) and release hanging requests."""
        if service is None:
            self._faults.clear()
        else:
            self._faults.pop(service, None)
        self.release()

    def release(self) -> None:
        """Wake every request currently delayed or hanging."""
        self._release.set()
        self._release = asyncio.Event()

    def active(self, service: str) -> list[Fault]:
        """Return the faults configured for a service."""
        return list(self._faults.get(service, []))

    def old_version(self, service: str) -> bool:
        """Return whether the service should report an outdated version."""
        return self.variant(service, "old_version")

    def variant(self, service: str, kind: str) -> bool:
        """Return whether a variant fault (VARIANT_KINDS) is set for the service."""
        return any(f.kind == kind for f in self._faults.get(service, []))

    def take(
        self, service: str, path: str, cmd: str | None, method: str = "GET"
    ) -> Fault | None:
        """Return the first matching request-level fault, counting down limited ones."""
        faults = self._faults.get(service, [])
        for fault in faults:
            if fault.kind in VARIANT_KINDS or not fault.matches(path, cmd, method):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
            return fault
        return None

    def middleware(self, service: str, url_base: str, error: ErrorBuilder) -> Any:
        """Return an aiohttp middleware applying this service's faults."""

        @web.middleware
        async def fault_middleware(
            request: web.Request, handler: Handler
        ) -> web.StreamResponse:
            """Apply the first matching fault before the real handler."""
            path = request.path.removeprefix(url_base) or "/"
            if path.startswith(CONTROL_PREFIX):
                return await handler(request)
            fault = self.take(service, path, request.query.get("cmd"), request.method)
            if fault is None:
                return await handler(request)
            return await self._apply(fault, request, handler, error)

        return fault_middleware

    async def wait_delayed(self) -> None:
        """Return once a latency or hang fault holds a request back."""
        await self._holding.wait()

    async def _delay(self, seconds: float) -> None:
        """Hold a request back for some seconds, or until released."""
        release = self._release
        self.delayed += 1
        self._holding.set()
        try:
            async with asyncio.timeout(seconds):
                await release.wait()
        except TimeoutError:
            pass
        finally:
            self.delayed -= 1
            if not self.delayed:
                self._holding.clear()

    async def _apply(
        self, fault: Fault, request: web.Request, handler: Handler, error: ErrorBuilder
    ) -> web.StreamResponse:
        """Serve a request according to a fault."""
        if fault.kind in ("latency", "hang"):
            await self._delay(fault.seconds)
            return await handler(request) if fault.kind == "latency" else error(503)
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fault: connection dropped")
        if fault.kind == "malformed_json":
            return web.Response(
                text='{"records": [{"id": 1, "title": "trunc',
                content_type="application/json",
            )
        if fault.kind == "html_login":
            return web.Response(text=HTML_LOGIN, content_type="text/html")
        response = error(fault.status)
        if fault.status == 429:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response
