"""The clients every error test probes, how they are built, and how a refusal is checked for secrets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import logging
from typing import Any

import aiohttp
import pytest

from custom_components.smartplex.api import (
    OverseerrClient,
    RadarrClient,
    SmartPlexError,
    SonarrClient,
    TautulliClient,
    TmdbClient,
)
from custom_components.smartplex.api.base import ApiClient

from .conftest import API_KEY


def tautulli_ok(data: Any) -> dict[str, Any]:
    """Wrap data in a Tautulli success envelope."""
    return {"response": {"result": "success", "message": None, "data": data}}


@dataclass(frozen=True, slots=True)
class Case:
    """How to build a client and which data call to probe it with."""

    name: str
    make: Callable[[aiohttp.ClientSession, str, bool, float], ApiClient]
    path: str
    call: Callable[[Any], Awaitable[Any]]
    ok_body: Any
    wrong_shape: Any
    cmd: str | None = None


CASES = [
    Case(
        "sonarr",
        lambda s, u, v, t: SonarrClient(s, u, API_KEY, verify_ssl=v, timeout=t),
        "/api/v3/series",
        lambda c: c.series(),
        [],
        {"records": []},
    ),
    Case(
        "radarr",
        lambda s, u, v, t: RadarrClient(s, u, API_KEY, verify_ssl=v, timeout=t),
        "/api/v3/movie",
        lambda c: c.movies(),
        [],
        {"records": []},
    ),
    Case(
        "overseerr",
        lambda s, u, v, t: OverseerrClient(s, u, API_KEY, verify_ssl=v, timeout=t),
        "/api/v1/request/count",
        lambda c: c.request_counts(),
        {"total": 1},
        [1, 2],
    ),
    Case(
        "tautulli",
        lambda s, u, v, t: TautulliClient(s, u, API_KEY, verify_ssl=v, timeout=t),
        "/api/v2",
        lambda c: c.activity(),
        tautulli_ok({"stream_count": "0"}),
        tautulli_ok([]),
        cmd="get_activity",
    ),
    Case(
        "tmdb",
        lambda s, u, v, t: TmdbClient(s, API_KEY, url=u, verify_ssl=v, timeout=t),
        "/3/genre/movie/list",
        lambda c: c.genres("movie"),
        {"genres": []},
        [],
    ),
]


IDS = [case.name for case in CASES]


def assert_no_secret(err: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """The key appears in no message, cause or log record."""
    assert isinstance(err, SmartPlexError)
    assert err.service in str(err)
    texts = [str(err), repr(err), str(err.__cause__), repr(err.__cause__)]
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        assert API_KEY not in text


async def expect(
    call: Awaitable[Any],
    error: type[SmartPlexError],
    caplog: pytest.LogCaptureFixture,
) -> SmartPlexError:
    """Await the call, expect exactly `error` (not a sibling), check secrecy."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(error) as info:
        await call
    assert_no_secret(info.value, caplog)
    return info.value
