"""Upstream-side traffic counting: requests, body bytes and serving time per endpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass
import time
from typing import Any

from aiohttp import web

from .faults import CONTROL_PREFIX, Handler


@dataclass(slots=True)
class EndpointTraffic:
    """What one endpoint served: requests, response body bytes and seconds in the handler."""

    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0


def endpoint_name(request: web.Request, url_base: str) -> str:
    """Return "METHOD /route/{id}" (Tautulli: "GET /api/v2?cmd=...") for a request."""
    resource = request.match_info.route.resource
    route = request.path if resource is None else resource.canonical
    route = route.removeprefix(url_base) or "/"
    if cmd := request.query.get("cmd"):
        route = f"{route}?cmd={cmd}"
    return f"{request.method} {route}"


def body_size(response: web.StreamResponse) -> int:
    """Return the body bytes of a response (a streamed one: all it wrote, headers included)."""
    if response.prepared:
        return response.body_length
    return response.content_length or 0


class Traffic:
    """Counts what every service served, keyed by service and endpoint (control routes excluded)."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.endpoints: dict[str, dict[str, EndpointTraffic]] = {}

    def reset(self) -> None:
        """Forget everything counted."""
        self.endpoints.clear()

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Return {service: {endpoint: {requests, bytes, seconds}}} as plain data."""
        return {
            service: {name: asdict(counted) for name, counted in endpoints.items()}
            for service, endpoints in self.endpoints.items()
        }

    def _count(self, service: str, name: str, size: int, began: float) -> None:
        """Add one served request."""
        counted = self.endpoints.setdefault(service, {}).get(name)
        if counted is None:
            counted = self.endpoints[service][name] = EndpointTraffic()
        counted.requests += 1
        counted.bytes += size
        counted.seconds += time.perf_counter() - began

    def middleware(self, service: str, url_base: str) -> Any:
        """Return an aiohttp middleware counting this service's requests (outermost)."""

        @web.middleware
        async def traffic_middleware(
            request: web.Request, handler: Handler
        ) -> web.StreamResponse:
            """Count the request and the size of whatever answered it."""
            if request.path.removeprefix(url_base).startswith(CONTROL_PREFIX):
                return await handler(request)
            began = time.perf_counter()
            name = endpoint_name(request, url_base)
            try:
                response = await handler(request)
            except web.HTTPException as err:
                self._count(service, name, len(err.text or ""), began)
                raise
            except BaseException:
                self._count(service, name, 0, began)
                raise
            self._count(service, name, body_size(response), began)
            return response

        return traffic_middleware
