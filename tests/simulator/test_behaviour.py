"""State transitions, faults, webhooks, determinism, scales and CLI of the simulator."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import signal
import sys
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.openai import example_for
from simulator.world import World

from .conftest import FIXED_NOW, Receiver, call

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_world() -> None:
    """Generation is deterministic per seed and differs between seeds."""
    first, second, other = (
        World("home", 7, FIXED_NOW),
        World("home", 7, FIXED_NOW),
        World("home", 8, FIXED_NOW),
    )
    assert [m.info.title for m in first.movies.values()] == [
        m.info.title for m in second.movies.values()
    ]
    assert first.plays == second.plays
    assert [(r.tmdb_id, r.status) for r in first.requests.values()] == [
        (r.tmdb_id, r.status) for r in second.requests.values()
    ]
    assert first.plays != other.plays


def test_scales_and_consistency() -> None:
    """Home scale has the promised sizes, and history follows library and tastes."""
    world = World("home", 1, FIXED_NOW)
    assert (len(world.movies), len(world.series), len(world.users)) == (300, 60, 5)
    assert len(world.plays) == 4000
    assert len(world.titles) > len(world.movies) + len(
        world.series
    )  # TMDB knows more than the library
    span = (world.plays[-1][1] - world.plays[0][1]) / 86_400
    assert 300 < span <= 365
    for play in world.plays[:500]:
        if play[4] == "movie":
            assert world.movies[play[5]].has_file
        else:
            assert world.episodes[play[5]][5]
    # Each user's most watched genre is one of their favourites.
    for user in world.users:
        counts: dict[int, int] = {}
        for play in world.plays:
            if play[3] == user.index and play[4] == "movie":
                for genre in world.movies[play[5]].info.genre_ids:
                    counts[genre] = counts.get(genre, 0) + 1
        favourites = sorted(user.taste, key=user.taste.__getitem__, reverse=True)[:3]
        assert max(counts, key=counts.__getitem__) in favourites
    assert any(p[6] < 50 for p in world.plays) and any(p[6] >= 90 for p in world.plays)
    assert (
        world.free_space("/movies") > 0
        and world.free_space("/movies") < world.disks["/movies"].total
    )
    with pytest.raises(ValueError, match="unknown scale"):
        World("huge")


def test_streams_and_fulfilled_requests() -> None:
    """Plays stream in every way from home and away; some requests end in the library."""
    world = World("home", 1, FIXED_NOW)
    streams = [world.stream(play) for play in world.plays]
    assert {s.decision for s in streams} == {"direct play", "copy", "transcode"}
    assert {s.location for s in streams} == {"lan", "wan"}
    assert all(
        s.ip_address.startswith("203.0.113.") == (s.location == "wan") for s in streams
    )
    assert all(
        (s.stream_resolution != s.source_resolution)
        == (s.video_decision == "transcode")
        for s in streams
    )
    assert world.play_by_row(world.plays[-1][0]) == world.plays[-1]
    assert world.play_by_row(len(world.plays) + 1) is None
    fulfilled = [r for r in world.requests.values() if r.id > world.spec.requests]
    assert fulfilled and all(r.status == 2 for r in fulfilled)
    for request in fulfilled:
        item = world.movie_by_tmdb(request.tmdb_id) or world.series_by_tmdb(
            request.tmdb_id
        )
        assert item is not None and request.created < request.updated < item.added


async def test_history_rows_match_their_stream_data(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A history row and get_stream_data tell the same stream, as the world has it."""
    world = sim.world
    key = sim.api_key("tautulli")
    params = {"apikey": key, "cmd": "get_history", "length": "200"}
    _, body = await call(http, sim, "tautulli", "GET", "/api/v2", params=params)
    rows = body["response"]["data"]["data"]
    for row in rows:
        stream = world.stream(world.play_by_row(row["row_id"]))
        assert (row["transcode_decision"], row["location"], row["ip_address"]) == (
            stream.decision,
            stream.location,
            stream.ip_address,
        )
        params = {"apikey": key, "cmd": "get_stream_data", "row_id": row["row_id"]}
        _, body = await call(http, sim, "tautulli", "GET", "/api/v2", params=params)
        data = body["response"]["data"]
        assert (
            data["video_decision"],
            data["audio_decision"],
            data["video_resolution"],
            data["stream_video_resolution"],
            data["stream_bitrate"],
        ) == (
            stream.video_decision,
            stream.audio_decision,
            stream.source_resolution,
            stream.stream_resolution,
            stream.stream_bitrate,
        )


def test_related_titles_share_genres() -> None:
    """Similar and recommended titles overlap the seed's genres or people."""
    world = World("home", 3, FIXED_NOW)
    seed = next(iter(world.movies.values())).info
    similar = world.related(seed, "similar")
    assert similar and all(set(seed.genre_ids) & set(t.genre_ids) for t in similar[:10])
    recommended = world.related(seed, "recommendations")
    owned = world.owned_tmdb_ids()
    assert any(("movie", t.tmdb_id) not in owned for t in recommended)


async def test_auth_errors(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """Wrong keys get each service's real error status and body."""
    async with http.get(
        sim.url("sonarr") + "/api/v3/system/status", headers={"X-Api-Key": "wrong"}
    ) as r:
        assert r.status == 401
    async with http.get(
        sim.url("radarr") + "/api/v3/system/status",
        params={"apikey": sim.api_key("radarr")},
    ) as r:
        assert r.status == 200
    async with http.get(
        sim.url("overseerr") + "/api/v1/request", headers={"X-Api-Key": "wrong"}
    ) as r:
        assert r.status == 403
        assert (await r.json())[
            "error"
        ] == "You do not have permission to access this endpoint"
    async with http.get(sim.url("overseerr") + "/api/v1/status") as r:
        assert r.status == 200
    async with http.get(
        sim.url("tautulli") + "/api/v2", params={"apikey": "wrong", "cmd": "arnold"}
    ) as r:
        assert r.status == 401
        assert await r.json() == {
            "response": {"result": "error", "message": "Invalid apikey", "data": {}}
        }
    async with http.get(sim.url("tautulli") + "/api/v2", params={"cmd": "arnold"}) as r:
        assert r.status == 401
    for params, status in (
        ({}, 400),
        ({"cmd": "nope"}, 400),
        ({"cmd": "get_geoip_lookup", "ip_address": "x"}, 400),
        ({"cmd": "get_stream_data"}, 400),
        ({"cmd": "get_stream_data", "row_id": "99999999"}, 400),
    ):
        async with http.get(
            sim.url("tautulli") + "/api/v2",
            params={"apikey": sim.api_key("tautulli"), **params},
        ) as r:
            assert r.status == status
            assert (await r.json())["response"]["result"] == "error"
    async with http.get(
        sim.url("tmdb") + "/3/configuration", params={"api_key": "wrong"}
    ) as r:
        assert r.status == 401
        assert (await r.json())["status_code"] == 7
    async with http.get(
        sim.url("tmdb") + "/3/configuration", params={"api_key": sim.api_key("tmdb")}
    ) as r:
        assert r.status == 200
    async with http.get(
        sim.url("openai") + "/v1/models", headers={"Authorization": "Bearer nope"}
    ) as r:
        assert r.status == 401
        assert (await r.json())["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize(
    ("fault", "expect"),
    [
        ({"kind": "status", "status": 429, "retry_after": 7}, (429, "7")),
        ({"kind": "status", "status": 503}, (503, None)),
        ({"kind": "html_login"}, (200, None)),
        ({"kind": "malformed_json"}, (200, None)),
    ],
)
async def test_status_faults(
    sim: Simulator,
    http: aiohttp.ClientSession,
    fault: dict[str, Any],
    expect: tuple[int, str | None],
) -> None:
    """Status, HTML and malformed faults hit only their path, and only `times` times."""
    sim.faults.inject("sonarr", path="/api/v3/system/status", times=1, **fault)
    headers = {"X-Api-Key": sim.api_key("sonarr")}
    async with http.get(sim.url("sonarr") + "/api/v3/health", headers=headers) as r:
        assert r.status == 200
    async with http.get(
        sim.url("sonarr") + "/api/v3/system/status", headers=headers
    ) as r:
        assert r.status == expect[0]
        assert r.headers.get("Retry-After") == expect[1]
        text = await r.text()
        if fault["kind"] == "html_login":
            assert r.content_type == "text/html" and "<form" in text
        if fault["kind"] == "malformed_json":
            with pytest.raises(ValueError):
                json.loads(text)
    async with http.get(
        sim.url("sonarr") + "/api/v3/system/status", headers=headers
    ) as r:
        assert r.status == 200


async def test_latency_hang_drop_and_old_version(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Latency delays, hang times out the client, drop resets, old_version reports 2.x."""
    sim.faults.inject("tautulli", kind="latency", seconds=0.2, cmd="arnold")
    loop = asyncio.get_running_loop()
    began = loop.time()
    await call(
        http,
        sim,
        "tautulli",
        "GET",
        "/api/v2",
        params={"apikey": sim.api_key("tautulli"), "cmd": "arnold"},
    )
    assert loop.time() - began >= 0.2
    sim.faults.clear("tautulli")
    sim.faults.inject("tmdb", kind="hang")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await call(http, sim, "tmdb", "GET", "/3/configuration")
    sim.faults.clear()
    sim.faults.inject("overseerr", kind="drop")
    with pytest.raises(aiohttp.ClientError):
        await call(http, sim, "overseerr", "GET", "/api/v1/status")
    sim.faults.clear("overseerr")
    for service, path, key in (
        ("radarr", "/api/v3/system/status", "version"),
        ("overseerr", "/api/v1/status", "version"),
    ):
        sim.faults.inject(service, kind="old_version")
        assert (await call(http, sim, service, "GET", path))[1][key].split(".")[0] in {
            "2",
            "1",
        }
    sim.faults.inject("tautulli", kind="old_version")
    info = (
        await call(
            http,
            sim,
            "tautulli",
            "GET",
            "/api/v2",
            params={"apikey": sim.api_key("tautulli"), "cmd": "get_tautulli_info"},
        )
    )[1]
    assert info["response"]["data"]["tautulli_version"].startswith("v1.")
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.faults.inject("sonarr", kind="explode")
    with pytest.raises(ValueError, match="unsupported status"):
        sim.faults.inject("sonarr", kind="status", status=418)


async def test_control_endpoints_and_openai_script(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """/_sim/ drives faults, time and scripted OpenAI replies over HTTP."""
    url = sim.url("radarr")
    async with http.post(
        url + "/_sim/faults", json={"service": "tmdb", "kind": "status", "status": 500}
    ) as r:
        assert r.status == 201
    async with http.get(url + "/_sim/faults", params={"service": "tmdb"}) as r:
        assert [f["status"] for f in await r.json()] == [500]
    assert (
        await call(
            http,
            sim,
            "tmdb",
            "GET",
            "/3/configuration",
            params={"api_key": sim.api_key("tmdb")},
        )
    )[0] == 500
    async with http.delete(url + "/_sim/faults") as r:
        assert r.status == 200
    async with http.post(url + "/_sim/faults", json={"kind": "status"}) as r:
        assert r.status == 400
    async with http.post(url + "/_sim/advance", json={"seconds": 60}) as r:
        assert (await r.json())["now"].startswith("2026-06-01T12:01")
    async with http.post(url + "/_sim/advance", json={"seconds": -1}) as r:
        assert r.status == 400
    async with http.get(url + "/_sim/state") as r:
        assert (await r.json())["movies"] == len(sim.world.movies)
    tool_reply = {"tool_calls": [{"name": "search", "arguments": {"query": "x"}}]}
    async with http.post(
        url + "/_sim/openai/script", json={"replies": ["first", tool_reply]}
    ) as r:
        assert (await r.json())["queued"] == 2
    sim.openai.script([{"json": {"ok": True}}])
    headers = {"Authorization": f"Bearer {sim.api_key('openai')}"}
    request = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello"}],
    }
    replies = []
    for _ in range(4):
        async with http.post(
            sim.url("openai") + "/v1/chat/completions", json=request, headers=headers
        ) as r:
            replies.append((await r.json())["choices"][0])
    assert replies[0]["message"]["content"] == "first"
    assert replies[1]["finish_reason"] == "tool_calls"
    assert json.loads(
        replies[1]["message"]["tool_calls"][0]["function"]["arguments"]
    ) == {"query": "x"}
    assert json.loads(replies[2]["message"]["content"]) == {"ok": True}
    assert replies[3]["message"]["content"] == "Simulated reply to: hello"
    async with http.post(
        sim.url("openai") + "/v1/chat/completions",
        json={**request, "stream": True},
        headers=headers,
    ) as r:
        stream = await r.text()
    assert (
        stream.rstrip().endswith("data: [DONE]") and "chat.completion.chunk" in stream
    )
    assert len(sim.openai.requests) == 5


def test_example_for_schema() -> None:
    """Unscripted structured replies satisfy simple schemas."""
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 1},
            "b": {"enum": ["x"]},
            "c": {"type": ["null", "string"]},
            "d": {"type": "array", "items": {"type": "boolean"}, "minItems": 1},
            "e": {"anyOf": [{"type": "number"}]},
        },
    }
    assert example_for(schema) == {"a": 1, "b": "x", "c": "", "d": [False], "e": 0}


async def test_url_base(socket_enabled: None, http: aiohttp.ClientSession) -> None:
    """A per-service URL base is honoured."""
    async with Simulator(url_base={"sonarr": "/sonarr/"}, now=FIXED_NOW) as sim:
        assert sim.url("sonarr").endswith("/sonarr")
        status, body = await call(http, sim, "sonarr", "GET", "/api/v3/system/status")
        assert status == 200 and body["urlBase"] == "/sonarr"
        async with http.get(
            sim.url("sonarr").removesuffix("/sonarr") + "/api/v3/system/status"
        ) as r:
            assert r.status == 404


async def test_cli_prints_json_and_stops_on_sigint(socket_enabled: None) -> None:
    """The CLI prints URLs/keys and a JSON line, then exits on SIGINT."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--scale",
        "tiny",
        "--seed",
        "3",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    described: dict[str, Any] = {}
    async with asyncio.timeout(30):
        while not described:
            line = (await process.stdout.readline()).decode()
            assert line, "simulator exited early"
            if line.startswith("{"):
                described = json.loads(line)
    assert set(described) == {
        "sonarr",
        "radarr",
        "overseerr",
        "tautulli",
        "tmdb",
        "openai",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            described["sonarr"]["url"] + "/api/v3/system/status",
            headers={"X-Api-Key": described["sonarr"]["api_key"]},
        ) as r,
    ):
        assert r.status == 200
    process.send_signal(signal.SIGINT)
    async with asyncio.timeout(15):
        assert await process.wait() == 0


async def test_rename_commands_rename_named_files_once(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """RenameFiles renames only the files it names, RenameSeries the rest; each file once."""
    world = sim.world
    hook = {
        "implementation": "Webhook",
        "onRename": True,
        "fields": [{"name": "url", "value": receiver.url}],
    }
    assert (await call(http, sim, "sonarr", "POST", "/api/v3/notification", json=hook))[
        0
    ] == 201
    downloading = {q.media_id for q in world.queue.values() if q.service == "sonarr"}
    series = next(
        s
        for s in world.series.values()
        if sum(bool(world.episodes[e][5]) for e in s.episode_ids) >= 2
        and s.id not in downloading
    )
    first, *rest = [e for e in series.episode_ids if world.episodes[e][5]]
    for command in (
        {"name": "RenameFiles", "seriesId": series.id, "files": [first]},
        {"name": "RenameSeries", "seriesIds": [series.id]},
        {"name": "RenameSeries", "seriesIds": [series.id]},
    ):
        status, _ = await call(
            http, sim, "sonarr", "POST", "/api/v3/command", json=command
        )
        assert status == 201
        await sim.advance(5)
    await sim.stack.webhooks.drain()
    assert [
        [f["id"] for f in payload["renamedEpisodeFiles"]]
        for payload in receiver.received
    ] == [[first], rest]
    renamed = receiver.received[0]["renamedEpisodeFiles"][0]
    assert renamed["previousPath"] != renamed["path"]
    assert renamed["path"].startswith(series.path)
