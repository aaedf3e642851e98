"""Workflows through the simulator: adds, downloads, plays, searches and health changes, and the webhooks they fire."""

from __future__ import annotations

from typing import Any

import aiohttp

from simulator import Simulator

from .conftest import FIXED_NOW, Receiver, add_tautulli_webhook, call


async def test_add_movie_downloads_and_fires_webhooks(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Adding with search queues the movie; advancing time imports it and frees less disk."""
    world = sim.world
    hook = {
        "implementation": "Webhook",
        "configContract": "WebhookSettings",
        "onGrab": True,
        "onDownload": True,
        "onMovieAdded": True,
        "fields": [
            {"name": "url", "value": receiver.url},
            {"name": "method", "value": 1},
        ],
    }
    status, _ = await call(
        http, sim, "radarr", "POST", "/api/v3/notification", json=hook
    )
    assert status == 201
    free_before = world.free_space("/movies")
    title = next(
        t
        for t in world.titles.values()
        if t.kind == "movie"
        and world.movie_by_tmdb(t.tmdb_id) is None
        and t.release < FIXED_NOW
    )
    status, movie = await call(
        http,
        sim,
        "radarr",
        "POST",
        "/api/v3/movie",
        json={
            "tmdbId": title.tmdb_id,
            "monitored": True,
            "addOptions": {"searchForMovie": True},
        },
    )
    assert status == 201 and movie["monitored"] and not movie["hasFile"]
    status, queue = await call(
        http, sim, "radarr", "GET", "/api/v3/queue", params={"pageSize": "100"}
    )
    assert movie["id"] in [r["movieId"] for r in queue["records"]]
    await sim.advance(3600)
    status, after = await call(
        http, sim, "radarr", "GET", f"/api/v3/movie/{movie['id']}"
    )
    assert after["hasFile"] and after["sizeOnDisk"] > 0
    free_after_import = world.free_space("/movies")
    assert (
        free_after_import <= free_before - after["sizeOnDisk"]
    )  # other queued downloads may finish too
    events = [p["eventType"] for p in receiver.received]
    assert events[:2] == ["MovieAdded", "Grab"] and "Download" in events
    download = next(
        p
        for p in receiver.received
        if p["eventType"] == "Download" and p["movie"]["tmdbId"] == title.tmdb_id
    )
    assert download["movieFile"]["size"] == after["sizeOnDisk"]
    status, dup = await call(
        http, sim, "radarr", "POST", "/api/v3/movie", json={"tmdbId": title.tmdb_id}
    )
    assert status == 400
    # Deleting with files frees the space again and keeps an exclusion.
    await call(
        http,
        sim,
        "radarr",
        "DELETE",
        f"/api/v3/movie/{movie['id']}",
        params={"deleteFiles": "true", "addImportExclusion": "true"},
    )
    assert world.free_space("/movies") == free_after_import + after["sizeOnDisk"]
    status, exclusions = await call(http, sim, "radarr", "GET", "/api/v3/exclusions")
    assert [e["tmdbId"] for e in exclusions] == [title.tmdb_id]


async def test_series_add_commands_and_queue_removal(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Sonarr: add with search, command status progression, queue delete with blocklist."""
    world = sim.world
    title = next(
        t
        for t in world.titles.values()
        if t.kind == "tv"
        and world.series_by_tmdb(t.tmdb_id) is None
        and t.release < FIXED_NOW
    )
    status, series = await call(
        http,
        sim,
        "sonarr",
        "POST",
        "/api/v3/series",
        json={
            "tvdbId": title.tvdb_id,
            "addOptions": {"monitor": "all", "searchForMissingEpisodes": True},
        },
    )
    assert status == 201
    queued = [
        q
        for q in world.queue.values()
        if q.service == "sonarr" and q.media_id == series["id"]
    ]
    assert queued
    status, removed = await call(
        http,
        sim,
        "sonarr",
        "DELETE",
        f"/api/v3/queue/{queued[0].id}",
        params={"blocklist": "true"},
    )
    assert status == 200 and world.blocklist[-1][2] == queued[0].title
    status, command = await call(
        http,
        sim,
        "sonarr",
        "POST",
        "/api/v3/command",
        json={"name": "EpisodeSearch", "episodeIds": [queued[0].episode_id]},
    )
    assert command["status"] == "queued"
    await sim.advance(1.5)
    assert (await call(http, sim, "sonarr", "GET", f"/api/v3/command/{command['id']}"))[
        1
    ]["status"] == "started"
    await sim.advance(2)
    done = (await call(http, sim, "sonarr", "GET", f"/api/v3/command/{command['id']}"))[
        1
    ]
    assert done["status"] == "completed" and done["result"] == "successful"
    assert any(q.episode_id == queued[0].episode_id for q in world.queue.values())
    await sim.advance(86_400)
    status, body = await call(
        http, sim, "sonarr", "GET", f"/api/v3/series/{series['id']}"
    )
    assert (
        body["statistics"]["episodeFileCount"] == body["statistics"]["episodeCount"] > 0
    )
    assert (await call(http, sim, "sonarr", "GET", "/api/v3/series/999999"))[0] == 404


async def test_tautulli_webhooks_on_play_and_stop(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """A configured webhook notifier gets playback start and stop; stops land in history."""
    base = {"apikey": sim.api_key("tautulli")}
    body = '{"event": "{action}", "who": "{user}", "key": "{rating_key}"}'
    status = await add_tautulli_webhook(
        http,
        sim,
        receiver.url,
        webhook_method="POST",
        on_play="1",
        on_stop="1",
        on_play_body=body,
        on_stop_body=body,
    )
    assert status == 200
    movie = next(m for m in sim.world.movies.values() if m.has_file)
    status, started = await call(
        http,
        sim,
        "openai",
        "POST",
        "/_sim/play",
        json={"user": 1, "movie_id": movie.id},
    )
    assert status == 201
    plays_before = len(sim.world.plays)
    await sim.advance(movie.info.runtime * 60 + 1)
    assert {(p["event"], p["who"]) for p in receiver.received} >= {
        ("play", sim.world.users[1].username),
        ("stop", sim.world.users[1].username),
    }
    assert len(sim.world.plays) > plays_before
    activity = (
        await call(
            http,
            sim,
            "tautulli",
            "GET",
            "/api/v2",
            params={**base, "cmd": "get_activity"},
        )
    )[1]
    assert activity["response"]["data"]["stream_count"] == "0"


async def test_search_commands_grab_what_they_name(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Each search command queues exactly the monitored, missing, released items it names."""
    world = sim.world

    def queued(service: str) -> set[int]:
        """Return queued movie ids (Radarr) or episode ids (Sonarr)."""
        return {
            (q.media_id if service == "radarr" else q.episode_id or 0)
            for q in world.queue.values()
            if q.service == service
        }

    async def command(service: str, body: dict[str, Any]) -> None:
        """Post a command and let it complete."""
        status, _ = await call(http, sim, service, "POST", "/api/v3/command", json=body)
        assert status == 201
        await sim.advance(3)

    sim.stack.download_speed = 0  # keep grabs in the queue
    missing = [
        m
        for m in world.movies.values()
        if m.monitored and not m.has_file and m.info.release < FIXED_NOW
    ]
    assert missing
    world.queue.clear()
    await command("radarr", {"name": "MoviesSearch", "movieIds": [missing[0].id, -5]})
    assert queued("radarr") == {missing[0].id}
    await command("radarr", {"name": "RssSync"})
    assert queued("radarr") == {missing[0].id}
    await command("radarr", {"name": "MissingMoviesSearch"})
    assert queued("radarr") == {m.id for m in missing}

    series = next(
        s
        for s in world.series.values()
        if any(not world.episodes[e][5] and world.episodes[e][7] for e in s.episode_ids)
    )
    wanted = [
        e
        for e in series.episode_ids
        if not world.episodes[e][5]
        and world.episodes[e][7]
        and world.episodes[e][4] <= sim.stack.clock.now()
    ]
    season = world.episodes[wanted[0]][2]
    await command(
        "sonarr",
        {"name": "SeasonSearch", "seriesId": series.id, "seasonNumber": season},
    )
    assert queued("sonarr") >= {e for e in wanted if world.episodes[e][2] == season}
    assert all(world.episodes[e][2] == season for e in queued("sonarr"))
    await command("sonarr", {"name": "SeriesSearch", "seriesId": series.id})
    assert queued("sonarr") >= set(wanted)
    await command("sonarr", {"name": "MissingEpisodeSearch"})
    assert len(queued("sonarr")) >= len(wanted)


async def test_health_changes_fire_health_webhooks(
    sim: Simulator, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """New issues send Health, gone ones HealthRestored; warnings need includeHealthWarnings."""
    for service, warnings in (("sonarr", False), ("radarr", True)):
        hook = {
            "implementation": "Webhook",
            "onHealthIssue": True,
            "onHealthRestored": True,
            "includeHealthWarnings": warnings,
            "fields": [{"name": "url", "value": receiver.url}],
        }
        assert (
            await call(http, sim, service, "POST", "/api/v3/notification", json=hook)
        )[0] == 201
    root_missing = ("error", "RootFolderCheck", "Missing root folder: /tv")
    await sim.set_health("sonarr", [root_missing])
    status, health = await call(http, sim, "sonarr", "GET", "/api/v3/health")
    assert status == 200
    assert [(h["type"], h["source"], h["message"]) for h in health] == [root_missing]
    assert receiver.received == [
        {
            "eventType": "Health",
            "level": "error",
            "message": "Missing root folder: /tv",
            "type": "RootFolderCheck",
            "wikiUrl": health[0]["wikiUrl"],
            "instanceName": "Sonarr",
            "applicationUrl": "",
        }
    ]
    # Over HTTP: the error is restored, a new warning is not sent (warnings not included).
    async with http.post(
        sim.url("sonarr") + "/_sim/health",
        json={
            "service": "sonarr",
            "issues": [
                {"type": "warning", "source": "DownloadClientCheck", "message": "x"}
            ],
        },
    ) as r:
        assert r.status == 200
    assert [(p["eventType"], p["type"]) for p in receiver.received[1:]] == [
        ("HealthRestored", "RootFolderCheck")
    ]
    assert (await call(http, sim, "sonarr", "GET", "/api/v3/health"))[1][0][
        "source"
    ] == "DownloadClientCheck"
    # Radarr includes warnings: clearing its indexer warning is announced.
    await sim.set_health("radarr", [])
    restored = receiver.received[-1]
    assert (restored["eventType"], restored["level"], restored["instanceName"]) == (
        "HealthRestored",
        "warning",
        "Radarr",
    )
    assert (await call(http, sim, "radarr", "GET", "/api/v3/health"))[1] == []
    for body in (
        {"service": "tautulli", "issues": []},
        {
            "service": "sonarr",
            "issues": [{"type": "fatal", "source": "A", "message": "b"}],
        },
        {"service": "sonarr", "issues": ["oops"]},
        {"service": "sonarr"},
    ):
        async with http.post(sim.url("sonarr") + "/_sim/health", json=body) as r:
            assert r.status == 400, body
    assert len(receiver.received) == 3


async def test_season_pack_is_one_download(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A season pack has a record per episode with the pack's size, removed together."""
    world = sim.world
    status, page = await call(
        http, sim, "sonarr", "GET", "/api/v3/queue", params={"pageSize": "50"}
    )
    assert status == 200
    packs: dict[str, list[dict[str, Any]]] = {}
    for record in page["records"]:
        packs.setdefault(record["downloadId"], []).append(record)
    [pack] = [records for records in packs.values() if len(records) > 1]
    assert len({record["episodeId"] for record in pack}) == len(pack)
    assert {(record["size"], record["title"]) for record in pack} == {
        (pack[0]["size"], pack[0]["title"])
    }
    status, _ = await call(
        http, sim, "sonarr", "DELETE", f"/api/v3/queue/{pack[-1]['id']}"
    )
    assert status == 200
    assert not {record["id"] for record in pack} & set(world.queue)
    left = [q for q in world.queue.values() if q.service == "sonarr"]
    assert len(left) == len(page["records"]) - len(pack)
    # A finished pack gives each episode its share of the pack's size.
    items = world.enqueue_episodes(
        world.series[1], world.series[1].episode_ids[:2], progress=1.0
    )
    await sim.advance(1)
    for item in items:
        assert world.episodes[item.episode_id][6] == item.size // 2


async def test_movie_listing_follows_changes(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """The whole listing (its movies' JSON is reused) shows edits, deletions and time."""

    async def listing_matches_each_movie() -> list[dict[str, Any]]:
        _, movies = await call(http, sim, "radarr", "GET", "/api/v3/movie")
        for movie in movies:
            _, alone = await call(
                http, sim, "radarr", "GET", f"/api/v3/movie/{movie['id']}"
            )
            assert movie == alone
        return list(movies)

    before = await listing_matches_each_movie()
    with_file = next(movie for movie in before if movie["hasFile"])
    monitored = next(
        movie for movie in before if movie["monitored"] and movie is not with_file
    )
    await call(
        http,
        sim,
        "radarr",
        "PUT",
        "/api/v3/movie/editor",
        json={"movieIds": [monitored["id"]], "monitored": False},
    )
    await call(
        http,
        sim,
        "radarr",
        "DELETE",
        "/api/v3/moviefile/bulk",
        json={"movieFileIds": [with_file["id"]]},
    )
    sim.stack.tick(400 * 86_400)

    after = {movie["id"]: movie for movie in await listing_matches_each_movie()}
    assert after[monitored["id"]]["monitored"] is False
    assert after[with_file["id"]]["hasFile"] is False
