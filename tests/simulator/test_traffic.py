"""The simulator counts requests, body bytes and serving time per endpoint (the benchmark's meter)."""

from __future__ import annotations

from typing import Any

import aiohttp

from simulator import Simulator

from .conftest import FIXED_NOW


async def _get(
    http: aiohttp.ClientSession, url: str, **kwargs: Any
) -> tuple[int, bytes]:
    """Return status and raw body bytes of a GET."""
    async with http.get(url, **kwargs) as response:
        return response.status, await response.read()


async def test_counts_requests_and_body_bytes_per_endpoint(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Each endpoint (route with its placeholders, Tautulli per cmd) adds up what was sent."""
    radarr = {"X-Api-Key": sim.api_key("radarr")}
    tautulli = sim.url("tautulli") + "/api/v2"
    sizes = []
    for movie_id in list(sim.world.movies)[:2]:
        status, body = await _get(
            http, f"{sim.url('radarr')}/api/v3/movie/{movie_id}", headers=radarr
        )
        assert status == 200
        sizes.append(len(body))
    _, movies = await _get(http, sim.url("radarr") + "/api/v3/movie", headers=radarr)
    _, activity = await _get(
        http,
        tautulli,
        params={"apikey": sim.api_key("tautulli"), "cmd": "get_activity"},
    )
    wrong_key, _ = await _get(http, sim.url("radarr") + "/api/v3/movie")
    _, state = await _get(http, sim.url("radarr") + "/_sim/state")

    counted = sim.stack.traffic.snapshot()
    assert wrong_key == 401
    assert state
    assert counted["radarr"]["GET /api/v3/movie/{id}"]["requests"] == 2
    assert counted["radarr"]["GET /api/v3/movie/{id}"]["bytes"] == sum(sizes)
    assert counted["radarr"]["GET /api/v3/movie"] == {
        "requests": 2,
        "bytes": len(movies),
        "seconds": counted["radarr"]["GET /api/v3/movie"]["seconds"],
    }
    assert counted["radarr"]["GET /api/v3/movie"]["seconds"] > 0
    assert counted["tautulli"] == {
        "GET /api/v2?cmd=get_activity": {
            "requests": 1,
            "bytes": len(activity),
            "seconds": counted["tautulli"]["GET /api/v2?cmd=get_activity"]["seconds"],
        }
    }
    assert set(counted) == {"radarr", "tautulli"}


async def test_faulted_streamed_and_based_requests_are_counted(
    socket_enabled: None, http: aiohttp.ClientSession
) -> None:
    """Faulted answers, unknown paths, streamed bodies and URL bases count like any answer."""
    async with Simulator(
        scale="tiny", now=FIXED_NOW, url_base={"sonarr": "/sonarr"}
    ) as sim:
        sonarr = {"X-Api-Key": sim.api_key("sonarr")}
        sim.faults.inject("sonarr", kind="status", status=503, times=1)
        faulted, error_body = await _get(
            http, sim.url("sonarr") + "/api/v3/queue", headers=sonarr
        )
        missing, missing_body = await _get(
            http, sim.url("sonarr") + "/api/v3/nothing-here", headers=sonarr
        )
        async with http.post(
            sim.url("openai") + "/v1/chat/completions",
            json={
                "model": "gpt-4o-mini",
                "stream": True,
                "messages": [{"role": "user", "content": "hello"}],
            },
            headers={"Authorization": f"Bearer {sim.api_key('openai')}"},
        ) as response:
            streamed = await response.read()

        counted = sim.stack.traffic.snapshot()
        assert (faulted, missing) == (503, 404)
        assert counted["sonarr"]["GET /api/v3/queue"]["bytes"] == len(error_body)
        assert counted["sonarr"]["GET /api/v3/nothing-here"]["bytes"] == len(
            missing_body
        )
        assert streamed.startswith(b"data: ")
        # A streamed answer counts all it wrote: status line, headers and chunk framing too.
        assert (
            len(streamed)
            < counted["openai"]["POST /v1/chat/completions"]["bytes"]
            < len(streamed) + 400
        )


async def test_traffic_control_endpoints(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """GET /_sim/traffic reports the counts and CPU seconds; DELETE starts again from zero."""
    await _get(
        http,
        sim.url("overseerr") + "/api/v1/request/count",
        headers={"X-Api-Key": sim.api_key("overseerr")},
    )
    async with http.get(sim.url("tmdb") + "/_sim/traffic") as response:
        report = await response.json()
    assert report["services"]["overseerr"]["GET /api/v1/request/count"]["requests"] == 1
    assert report["process_seconds"] > 0
    async with http.delete(sim.url("tmdb") + "/_sim/traffic") as response:
        assert response.status == 200
    async with http.get(sim.url("tmdb") + "/_sim/traffic") as response:
        assert (await response.json())["services"] == {}
