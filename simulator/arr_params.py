"""Request parameters and errors shared by the simulated Sonarr and Radarr."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def parse_time(value: str | None) -> datetime | None:
    """Parse an ISO date or date-time query value."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """Read a boolean query parameter the way ASP.NET binds it."""
    value = request.query.get(name)
    return default if value is None else value.lower() == "true"


def query_int(request: web.Request, name: str, default: int) -> int:
    """Read an integer query parameter."""
    try:
        return int(request.query.get(name, default))
    except ValueError:
        raise bad_request(f"'{name}' must be an integer") from None


def bad_request(message: str) -> web.HTTPBadRequest:
    """Return a 400 in the *arr validation-failure shape."""
    return web.HTTPBadRequest(
        text=f'[{{"propertyName": "", "errorMessage": "{message}", "severity": "error"}}]',
        content_type="application/json",
    )


def not_found() -> web.HTTPNotFound:
    """Return the *arr 404 shape."""
    return web.HTTPNotFound(
        text='{"message": "NotFound"}', content_type="application/json"
    )


def path_int(request: web.Request, name: str = "id") -> int:
    """Read an integer path parameter."""
    try:
        return int(request.match_info[name])
    except ValueError:
        raise not_found() from None


async def json_body(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body or fail with 400."""
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be an object")
    return body
