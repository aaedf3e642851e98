"""Request workflows through the simulator: approvals, declines, the titles they add and the webhooks they fire."""

from __future__ import annotations

import aiohttp

from simulator import Simulator
from tests.helpers_world import unknown_title

from .conftest import FIXED_NOW, Receiver, add_tautulli_webhook, call


async def test_overseerr_approve_decline_and_webhooks(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Approving sends the title to Radarr/Sonarr; declining changes status; webhooks render."""
    world = sim.world
    settings = {
        "enabled": True,
        "types": 2 | 4 | 8 | 64,
        "options": {"webhookUrl": receiver.url, "jsonPayload": "", "authHeader": ""},
    }
    assert (
        await call(
            http,
            sim,
            "overseerr",
            "POST",
            "/api/v1/settings/notifications/webhook",
            json=settings,
        )
    )[0] == 200
    title = unknown_title(world, "movie", released_before=FIXED_NOW)
    status, created = await call(
        http,
        sim,
        "overseerr",
        "POST",
        "/api/v1/request",
        json={"mediaType": "movie", "mediaId": title.tmdb_id, "userId": 2},
    )
    assert (
        status == 201 and created["status"] == 1 and created["requestedBy"]["id"] == 2
    )
    status, approved = await call(
        http, sim, "overseerr", "POST", f"/api/v1/request/{created['id']}/approve"
    )
    assert approved["status"] == 2 and world.movie_by_tmdb(title.tmdb_id) is not None
    await sim.advance(3600)
    status, again = await call(
        http, sim, "overseerr", "GET", f"/api/v1/request/{created['id']}"
    )
    assert again["media"]["status"] == 5
    types = [p["notification_type"] for p in receiver.received]
    assert types == ["MEDIA_PENDING", "MEDIA_APPROVED", "MEDIA_AVAILABLE"]
    assert receiver.received[0]["media"]["tmdbId"] == str(title.tmdb_id)
    assert (
        receiver.received[0]["request"]["requestedBy_username"]
        == world.users[1].overseerr_username
    )
    pending = next(r for r in world.requests.values() if r.status == 1)
    status, declined = await call(
        http, sim, "overseerr", "POST", f"/api/v1/request/{pending.id}/decline"
    )
    assert declined["status"] == 3
    assert (
        await call(
            http, sim, "overseerr", "POST", f"/api/v1/request/{pending.id}/maybe"
        )
    )[0] == 400
    assert (await call(http, sim, "overseerr", "GET", "/api/v1/request/999"))[0] == 404
    count = (await call(http, sim, "overseerr", "GET", "/api/v1/request/count"))[1]
    assert count["total"] == len(world.requests)


async def test_approving_a_series_request_adds_it_to_sonarr(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A TV request goes to Sonarr on approval; an episode stream reaches Tautulli webhooks."""
    world = sim.world
    title = unknown_title(world, "tv", released_before=FIXED_NOW)
    status, created = await call(
        http,
        sim,
        "overseerr",
        "POST",
        "/api/v1/request",
        json={"mediaType": "tv", "mediaId": title.tmdb_id, "userId": 1},
    )
    assert status == 201
    status, _ = await call(
        http, sim, "overseerr", "POST", f"/api/v1/request/{created['id']}/approve"
    )
    assert status == 200
    series = world.series_by_tmdb(title.tmdb_id)
    assert series is not None and series.monitored
    assert any(q.media_id == series.id for q in world.queue.values())
    # Tautulli's default body (no template) carries the episode's parameters.
    await add_tautulli_webhook(http, sim, receiver.url, on_play="1", on_play_body="")
    episode_id = next(e for e in world.episodes if world.episodes[e][5])
    status, _ = await call(
        http,
        sim,
        "radarr",
        "POST",
        "/_sim/play",
        json={"user": 2, "episode_id": episode_id},
    )
    await sim.advance(0)
    assert status == 201
    played = receiver.received[-1]
    assert played["media_type"] == "episode" and played["action"] == "play"
    assert played["user"] == world.users[2].username and " - S" in played["title"]


async def test_overseerr_details_follow_requests_and_library(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """/movie/{id} and /tv/{id} show mediaInfo only once known, with its requests and status."""
    world = sim.world
    title = unknown_title(world, "movie", released_before=FIXED_NOW, unrequested=True)
    path = f"/api/v1/movie/{title.tmdb_id}"
    status, details = await call(http, sim, "overseerr", "GET", path)
    assert status == 200 and "mediaInfo" not in details
    assert (details["id"], details["title"], details["runtime"]) == (
        title.tmdb_id,
        title.title,
        title.runtime,
    )
    assert [c["name"] for c in details["credits"]["cast"]] == [
        world.people[p] for p in title.cast
    ]
    _, created = await call(
        http,
        sim,
        "overseerr",
        "POST",
        "/api/v1/request",
        json={"mediaType": "movie", "mediaId": title.tmdb_id, "userId": 2},
    )
    details = (await call(http, sim, "overseerr", "GET", path))[1]
    assert details["mediaInfo"]["status"] == 2
    assert [r["id"] for r in details["mediaInfo"]["requests"]] == [created["id"]]
    await call(
        http, sim, "overseerr", "POST", f"/api/v1/request/{created['id']}/approve"
    )
    await sim.advance(3600)
    details = (await call(http, sim, "overseerr", "GET", path))[1]
    assert details["mediaInfo"]["status"] == 5
    assert details["mediaInfo"]["requests"][0]["status"] == 2
    series = next(iter(world.series.values()))
    status, tv = await call(
        http, sim, "overseerr", "GET", f"/api/v1/tv/{series.info.tmdb_id}"
    )
    assert status == 200 and tv["name"] == series.info.title
    assert tv["numberOfSeasons"] == len(tv["seasons"]) == len(series.info.seasons)
    assert tv["externalIds"]["tvdbId"] == series.info.tvdb_id
    assert tv["mediaInfo"]["status"] == world.media_status("tv", series.info.tmdb_id)
    assert tv["mediaInfo"]["externalServiceId"] == series.id
