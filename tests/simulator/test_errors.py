"""Invalid requests get each service's real error status and body shape (over HTTP)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simulator import Simulator

from .conftest import call

ARR_400 = ("errorMessage", list)
ARR_404 = ("message", dict)
SEERR = ("message", dict)
TAUTULLI = ("response", dict)
TMDB = ("status_code", dict)
OPENAI = ("error", dict)
CONTROL = (None, str)

NOT_JSON = {"data": "{not json", "headers": {"Content-Type": "application/json"}}

CASES: list[tuple[str, str, str, dict[str, Any], int, tuple[str | None, type]]] = [
    ("sonarr", "GET", "/api/v3/queue", {"params": {"pageSize": "ten"}}, 400, ARR_400),
    (
        "sonarr",
        "GET",
        "/api/v3/queue",
        {"params": {"sortDirection": "up"}},
        400,
        ARR_400,
    ),
    ("sonarr", "POST", "/api/v3/tag", {"json": {"label": " "}}, 400, ARR_400),
    ("sonarr", "GET", "/api/v3/notification/999", {}, 404, ARR_404),
    ("sonarr", "POST", "/api/v3/notification", {"json": {}}, 400, ARR_400),
    ("sonarr", "GET", "/api/v3/command/999", {}, 404, ARR_404),
    ("sonarr", "POST", "/api/v3/command", {"json": {"name": ""}}, 400, ARR_400),
    ("sonarr", "DELETE", "/api/v3/queue/999999", {}, 404, ARR_404),
    ("sonarr", "GET", "/api/v3/series/abc", {}, 404, ARR_404),
    ("sonarr", "POST", "/api/v3/series", NOT_JSON, 400, ARR_400),
    ("sonarr", "POST", "/api/v3/series", {"json": [1]}, 400, ARR_400),
    ("sonarr", "POST", "/api/v3/series", {"json": {"tvdbId": 0}}, 400, ARR_400),
    (
        "sonarr",
        "GET",
        "/api/v3/episode",
        {"params": {"seriesId": "999999"}},
        404,
        ARR_404,
    ),
    ("sonarr", "GET", "/api/v3/episode", {}, 400, ARR_400),
    ("sonarr", "GET", "/api/v3/episode/999999", {}, 404, ARR_404),
    ("sonarr", "POST", "/api/v3/importlistexclusion", {"json": {}}, 400, ARR_400),
    ("sonarr", "DELETE", "/api/v3/importlistexclusion/999", {}, 404, ARR_404),
    ("radarr", "GET", "/api/v3/movie/999999", {}, 404, ARR_404),
    (
        "radarr",
        "GET",
        "/api/v3/movie/lookup/tmdb",
        {"params": {"tmdbId": "0"}},
        404,
        ARR_404,
    ),
    (
        "radarr",
        "GET",
        "/api/v3/movie/lookup/imdb",
        {"params": {"imdbId": "tt0"}},
        404,
        ARR_404,
    ),
    ("radarr", "POST", "/api/v3/movie", {"json": {"tmdbId": 0}}, 400, ARR_400),
    ("radarr", "POST", "/api/v3/exclusions", {"json": {}}, 400, ARR_400),
    ("radarr", "DELETE", "/api/v3/exclusions/999", {}, 404, ARR_404),
    ("overseerr", "GET", "/api/v1/user/abc", {}, 404, SEERR),
    ("overseerr", "GET", "/api/v1/request", {"params": {"filter": "nope"}}, 400, SEERR),
    ("overseerr", "POST", "/api/v1/request", NOT_JSON, 400, SEERR),
    (
        "overseerr",
        "POST",
        "/api/v1/request",
        {"json": {"mediaType": "movie", "mediaId": 0}},
        404,
        SEERR,
    ),
    ("overseerr", "GET", "/api/v1/media", {"params": {"filter": "nope"}}, 400, SEERR),
    ("overseerr", "GET", "/api/v1/search", {}, 400, SEERR),
    ("overseerr", "GET", "/api/v1/movie/0", {}, 404, SEERR),
    ("overseerr", "GET", "/api/v1/tv/abc", {}, 404, SEERR),
    (
        "overseerr",
        "POST",
        "/api/v1/settings/notifications/webhook",
        NOT_JSON,
        400,
        SEERR,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_history", "length": "x"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_history", "after": "soon"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_home_stats", "stat_id": "nope"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_library_media_info", "section_id": "9"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_user_watch_time_stats"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_geoip_lookup"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "get_notifier_config", "notifier_id": "999"}},
        400,
        TAUTULLI,
    ),
    (
        "tautulli",
        "GET",
        "/api/v2",
        {"params": {"cmd": "add_notifier_config", "agent_id": "1"}},
        400,
        TAUTULLI,
    ),
    ("tmdb", "GET", "/3/movie/abc", {}, 404, TMDB),
    ("tmdb", "GET", "/3/trending/movie/month", {}, 404, TMDB),
    ("tmdb", "GET", "/3/find/tt0000001", {}, 404, TMDB),
    ("openai", "POST", "/v1/chat/completions", NOT_JSON, 400, OPENAI),
    (
        "openai",
        "POST",
        "/v1/chat/completions",
        {"json": {"model": "gpt-4o-mini"}},
        400,
        OPENAI,
    ),
    (
        "openai",
        "POST",
        "/v1/chat/completions",
        {
            "json": {
                "model": "no-such-model",
                "messages": [{"role": "user", "content": "x"}],
            }
        },
        404,
        OPENAI,
    ),
    ("radarr", "POST", "/_sim/faults", NOT_JSON, 400, CONTROL),
    ("radarr", "POST", "/_sim/faults", {"json": [1]}, 400, CONTROL),
    (
        "radarr",
        "POST",
        "/_sim/openai/script",
        {"json": {"replies": "hi"}},
        400,
        CONTROL,
    ),
    ("radarr", "POST", "/_sim/play", {"json": {"user": 99}}, 400, CONTROL),
    (
        "radarr",
        "POST",
        "/_sim/play",
        {"json": {"user": 0, "movie_id": -1}},
        400,
        CONTROL,
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "kwargs", "status", "shape"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)],
)
async def test_invalid_requests(
    sim: Simulator,
    http: aiohttp.ClientSession,
    service: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    shape: tuple[str | None, type],
) -> None:
    """Each invalid request gets the expected status and the service's error shape."""
    if service == "tautulli":
        kwargs = {"params": {"apikey": sim.api_key("tautulli"), **kwargs["params"]}}
    elif service == "tmdb":
        kwargs = {"params": {"api_key": sim.api_key("tmdb")}}
    got, body = await call(http, sim, service, method, path, **kwargs)
    assert got == status, body
    key, kind = shape
    assert isinstance(body, kind), body
    if kind is list:
        assert body[0][key]
    elif key == "response":
        assert body[key]["result"] == "error" and body[key]["message"]
    elif key is not None:
        assert body[key]


async def test_duplicate_adds_and_requests_conflict(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Adding an owned series is rejected; requesting available media is a 409."""
    series = next(iter(sim.world.series.values()))
    status, body = await call(
        http,
        sim,
        "sonarr",
        "POST",
        "/api/v3/series",
        json={"tvdbId": series.info.tvdb_id},
    )
    assert (
        status == 400
        and body[0]["errorMessage"] == "This series has already been added"
    )
    movie = next(m for m in sim.world.movies.values() if m.has_file)
    status, body = await call(
        http,
        sim,
        "overseerr",
        "POST",
        "/api/v1/request",
        json={"mediaType": "movie", "mediaId": movie.info.tmdb_id},
    )
    assert status == 409 and body["message"] == "Request for this media already exists."
