"""What arrives at a webhook, vetted: bodies read whole up to a limit, replays remembered."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

# Larger notification bodies are refused (413).
MAX_BODY = 1_048_576


class RecentKeys:
    """A bounded set of keys seen within a time window."""

    def __init__(self, window: timedelta, size: int) -> None:
        """Start empty."""
        self._window = window
        self._size = size
        self._seen: OrderedDict[Any, datetime] = OrderedDict()

    def seen(self, key: Any, now: datetime) -> bool:
        """Return whether key was seen within the window, and remember it."""
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self._window and len(self._seen) < self._size:
                break
            del self._seen[oldest]
        if key in self._seen:
            return True
        self._seen[key] = now
        return False


async def read_body(request: web.Request) -> bytes | None:
    """Return the request's body, or None when it is over MAX_BODY."""
    if (request.content_length or 0) > MAX_BODY:
        return None
    # A body arrives in as many pieces as the network split it into.
    body = bytearray()
    async for piece in request.content.iter_any():
        body += piece
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def safe_host(url: str) -> str:
    """Return scheme, host and port of a URL (never its path, query or credentials)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"
