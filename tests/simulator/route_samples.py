"""Request samples for every route the simulator serves: one or more per route, with the world's ids."""

from __future__ import annotations

from typing import Any

from simulator import Simulator
from simulator.models import Title
from simulator.world import World
from tests.helpers_world import unknown_title


def details_samples(world: World, movie: Title, series: Title) -> list[tuple[str, str]]:
    """Return Overseerr details routes and paths: a requested, an unknown and an owned title."""
    paths = []
    for kind, name, owned in (("movie", "movieId", movie), ("tv", "tvId", series)):
        requested = next(r for r in world.requests.values() if r.kind == kind)
        unknown = unknown_title(world, kind, unrequested=True)
        paths += [
            (f"/{kind}/{{{name}}}", f"/{kind}/{tmdb_id}")
            for tmdb_id in (requested.tmdb_id, unknown.tmdb_id, owned.tmdb_id)
        ]
    return paths


def samples(sim: Simulator) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Return request samples keyed by (service, method, canonical route path)."""
    world = sim.world
    movie = next(iter(world.movies.values()))
    series = next(iter(world.series.values()))
    episode_id = series.episode_ids[0]
    tv_title = next(
        t
        for t in world.titles.values()
        if t.kind == "tv" and world.series_by_tmdb(t.tmdb_id) is None
    )
    new_movie = next(
        t
        for t in world.titles.values()
        if t.kind == "movie" and world.movie_by_tmdb(t.tmdb_id) is None
    )
    request = next(r for r in world.requests.values() if r.status == 1)
    user = world.users[1]
    transcoded = next(
        p[0]
        for p in world.plays
        if world.stream(p).video_decision == "transcode"
        and world.stream(p).location == "wan"
    )
    webhook = {
        "implementation": "Webhook",
        "configContract": "WebhookSettings",
        "name": "SmartPlex",
        "onGrab": True,
        "fields": [
            {"name": "url", "value": "http://127.0.0.1:9/hook"},
            {"name": "method", "value": 1},
        ],
    }
    # A finished torrent still seeding is listed too (completed, imported).
    world.seed_download("radarr", movie.id)
    world.seed_download("sonarr", series.id, episode_id)
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

    def add(
        service: str,
        method: str,
        route: str,
        path: str | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        out.setdefault((service, method, route), []).append(
            {"path": path or route, "query": query or {}, "json": body}
        )

    for arr in ("sonarr", "radarr"):
        add(arr, "GET", "/ping")
        for route in (
            "/api/v3/system/status",
            "/api/v3/config/naming",
            "/api/v3/health",
            "/api/v3/diskspace",
            "/api/v3/rootfolder",
            "/api/v3/qualityprofile",
            "/api/v3/tag",
            "/api/v3/notification",
            "/api/v3/command",
            "/api/v3/queue/status",
        ):
            add(arr, "GET", route)
        add(
            arr,
            "GET",
            "/api/v3/queue",
            query={
                "page": "1",
                "pageSize": "50",
                "includeSeries" if arr == "sonarr" else "includeMovie": "true",
            },
        )
        add(arr, "POST", "/api/v3/tag", body={"label": "smartplex"})
        add(
            arr,
            "GET",
            "/api/v3/mediacover/{id}/{filename}",
            f"/api/v3/mediacover/{(movie if arr == 'radarr' else series).id}/poster-250.jpg",
        )
        add(arr, "POST", "/api/v3/notification", body=webhook)
        add(arr, "POST", "/api/v3/notification/test", body=webhook)
        add(
            arr,
            "GET",
            "/api/v3/notification/{id}",
            "/api/v3/notification/1" if arr == "sonarr" else "/api/v3/notification/2",
        )
        add(
            arr,
            "PUT",
            "/api/v3/notification/{id}",
            "/api/v3/notification/1" if arr == "sonarr" else "/api/v3/notification/2",
            body=webhook,
        )
        add(
            arr,
            "DELETE",
            "/api/v3/notification/{id}",
            "/api/v3/notification/1" if arr == "sonarr" else "/api/v3/notification/2",
        )
        add(arr, "POST", "/api/v3/command", body={"name": "RssSync"})
        add(
            arr,
            "GET",
            "/api/v3/command/{id}",
            "/api/v3/command/1" if arr == "sonarr" else "/api/v3/command/2",
        )
        add(
            arr,
            "GET",
            "/api/v3/calendar",
            query={
                "start": "2020-01-01T00:00:00Z",
                "end": "2027-01-01T00:00:00Z",
                "unmonitored": "true",
            },
        )
        add(arr, "GET", "/api/v3/wanted/missing", query={"pageSize": "5"})
        include = (
            {"includeSeries": "true", "includeEpisode": "true"}
            if arr == "sonarr"
            else {"includeMovie": "true"}
        )
        add(arr, "GET", "/api/v3/history", query={"pageSize": "5", **include})
        add(
            arr,
            "GET",
            "/api/v3/history/since",
            query={"date": "2020-01-01T00:00:00Z", **include},
        )
        add(arr, "GET", "/api/v3/history/since", query={"eventType": "grabbed"})
        add(arr, "GET", "/api/v3/wanted/cutoff", query={"pageSize": "5"})
        first_queue = next(q for q in world.queue.values() if q.service == arr)
        add(
            arr,
            "DELETE",
            "/api/v3/queue/{id}",
            f"/api/v3/queue/{first_queue.id}",
            query={"removeFromClient": "true", "blocklist": "true"},
        )
        add(
            arr,
            "DELETE",
            "/api/v3/queue/bulk",
            query={"removeFromClient": "true", "blocklist": "false"},
            body={"ids": [q.id for q in world.queue.values() if q.service == arr]},
        )
    add("radarr", "GET", "/api/v3/movie")
    add("radarr", "GET", "/api/v3/movie", query={"tmdbId": str(movie.info.tmdb_id)})
    add("radarr", "GET", "/api/v3/movie/{id}", f"/api/v3/movie/{movie.id}")
    add(
        "radarr",
        "GET",
        "/api/v3/movie/lookup",
        query={"term": movie.info.title.split()[-1]},
    )
    add(
        "radarr",
        "GET",
        "/api/v3/movie/lookup",
        query={"term": f"tmdb:{new_movie.tmdb_id}"},
    )
    add(
        "radarr",
        "GET",
        "/api/v3/movie/lookup/tmdb",
        query={"tmdbId": str(new_movie.tmdb_id)},
    )
    add(
        "radarr",
        "GET",
        "/api/v3/movie/lookup/imdb",
        query={"imdbId": new_movie.imdb_id},
    )
    add(
        "radarr",
        "POST",
        "/api/v3/movie",
        body={
            "tmdbId": new_movie.tmdb_id,
            "title": new_movie.title,
            "qualityProfileId": 1,
            "rootFolderPath": "/movies",
            "monitored": True,
            "addOptions": {"searchForMovie": True},
        },
    )
    add(
        "radarr",
        "DELETE",
        "/api/v3/movie/{id}",
        f"/api/v3/movie/{movie.id}",
        query={"deleteFiles": "true", "addImportExclusion": "true"},
    )
    add(
        "radarr",
        "PUT",
        "/api/v3/movie/editor",
        body={"movieIds": [movie.id], "monitored": True},
    )
    add("radarr", "GET", "/api/v3/moviefile", query={"movieId": str(movie.id)})
    add("radarr", "DELETE", "/api/v3/moviefile/bulk", body={"movieFileIds": []})
    add("radarr", "GET", "/api/v3/exclusions")
    add(
        "radarr",
        "POST",
        "/api/v3/exclusions",
        body={
            "tmdbId": new_movie.tmdb_id,
            "movieTitle": new_movie.title,
            "movieYear": new_movie.year,
        },
    )
    add("radarr", "DELETE", "/api/v3/exclusions/{id}", "/api/v3/exclusions/1")
    add("sonarr", "GET", "/api/v3/series")
    add("sonarr", "GET", "/api/v3/series/{id}", f"/api/v3/series/{series.id}")
    add(
        "sonarr",
        "GET",
        "/api/v3/series/lookup",
        query={"term": f"tvdb:{tv_title.tvdb_id}"},
    )
    add(
        "sonarr",
        "GET",
        "/api/v3/series/lookup",
        query={"term": series.info.title.split()[-1]},
    )
    add(
        "sonarr",
        "POST",
        "/api/v3/series",
        body={
            "tvdbId": tv_title.tvdb_id,
            "title": tv_title.title,
            "qualityProfileId": 1,
            "rootFolderPath": "/tv",
            "monitored": True,
            "addOptions": {"monitor": "all", "searchForMissingEpisodes": True},
        },
    )
    add("sonarr", "GET", "/api/v3/episode", query={"seriesId": str(series.id)})
    add(
        "sonarr",
        "PUT",
        "/api/v3/series/{id}",
        f"/api/v3/series/{series.id}",
        body={
            "id": series.id,
            "monitored": True,
            "seasons": [{"seasonNumber": 1, "monitored": True}],
        },
    )
    add(
        "sonarr",
        "PUT",
        "/api/v3/series/editor",
        body={"seriesIds": [series.id], "monitored": True},
    )
    add("sonarr", "GET", "/api/v3/episodefile", query={"seriesId": str(series.id)})
    add("sonarr", "DELETE", "/api/v3/episodefile/bulk", body={"episodeFileIds": []})
    add("sonarr", "GET", "/api/v3/episode/{id}", f"/api/v3/episode/{episode_id}")
    add(
        "sonarr",
        "DELETE",
        "/api/v3/series/{id}",
        f"/api/v3/series/{series.id}",
        query={"deleteFiles": "true", "addImportListExclusion": "true"},
    )
    add("sonarr", "GET", "/api/v3/importlistexclusion")
    add(
        "sonarr",
        "POST",
        "/api/v3/importlistexclusion",
        body={"tvdbId": tv_title.tvdb_id, "title": tv_title.title},
    )
    add(
        "sonarr",
        "DELETE",
        "/api/v3/importlistexclusion/{id}",
        "/api/v3/importlistexclusion/1",
    )

    v1 = "/api/v1"
    for route in (
        "/status",
        "/settings/about",
        "/settings/main",
        "/issue/count",
        "/auth/me",
        "/request/count",
        "/user",
        "/settings/notifications/webhook",
    ):
        add("overseerr", "GET", v1 + route)
    add(
        "overseerr",
        "GET",
        v1 + "/request",
        query={"take": "5", "skip": "0", "filter": "pending", "sort": "modified"},
    )
    add(
        "overseerr",
        "GET",
        v1 + "/request",
        query={"requestedBy": str(user.overseerr_id)},
    )
    add("overseerr", "GET", v1 + "/media", query={"filter": "available", "take": "5"})
    add(
        "overseerr",
        "GET",
        v1 + "/search",
        query={"query": movie.info.title.split()[-1]},
    )
    add("overseerr", "GET", v1 + "/request/{requestId}", f"{v1}/request/{request.id}")
    for route, path in details_samples(world, movie.info, series.info):
        add("overseerr", "GET", v1 + route, v1 + path)
    add(
        "overseerr",
        "POST",
        v1 + "/request/{requestId}/{status}",
        f"{v1}/request/{request.id}/approve",
    )
    add(
        "overseerr", "DELETE", v1 + "/request/{requestId}", f"{v1}/request/{request.id}"
    )
    add(
        "overseerr",
        "POST",
        v1 + "/request",
        body={
            "mediaType": "tv",
            "mediaId": tv_title.tmdb_id + 3,
            "userId": user.overseerr_id,
        },
    )
    add("overseerr", "GET", v1 + "/user/{userId}", f"{v1}/user/{user.overseerr_id}")
    add(
        "overseerr",
        "GET",
        v1 + "/user/{userId}/requests",
        f"{v1}/user/{user.overseerr_id}/requests",
    )
    add(
        "overseerr",
        "GET",
        v1 + "/user/{userId}/watch_data",
        f"{v1}/user/{user.overseerr_id}/watch_data",
    )
    add(
        "overseerr",
        "GET",
        v1 + "/user/{userId}/quota",
        f"{v1}/user/{user.overseerr_id}/quota",
    )
    hook = {
        "enabled": True,
        "types": 4094,
        "options": {
            "webhookUrl": "http://127.0.0.1:9/hook",
            "jsonPayload": "",
            "authHeader": "",
        },
    }
    add("overseerr", "POST", v1 + "/settings/notifications/webhook", body=hook)
    add("overseerr", "POST", v1 + "/settings/notifications/webhook/test", body=hook)

    tmovie, ttv = new_movie.tmdb_id, tv_title.tmdb_id
    for route in (
        "/3/configuration",
        "/3/authentication",
        "/3/genre/movie/list",
        "/3/genre/tv/list",
    ):
        add("tmdb", "GET", route)
    add("tmdb", "GET", "/3/search/movie", query={"query": movie.info.title.split()[-1]})
    add("tmdb", "GET", "/3/search/tv", query={"query": series.info.title.split()[-1]})
    add("tmdb", "GET", "/3/search/multi", query={"query": "the"})
    add(
        "tmdb",
        "GET",
        "/3/trending/{media_type}/{time_window}",
        "/3/trending/movie/week",
    )
    add("tmdb", "GET", "/3/trending/{media_type}/{time_window}", "/3/trending/tv/day")
    add("tmdb", "GET", "/3/trending/{media_type}/{time_window}", "/3/trending/all/week")
    add("tmdb", "GET", "/3/discover/movie", query={"with_genres": "18"})
    add("tmdb", "GET", "/3/discover/tv", query={"page": "1"})
    add(
        "tmdb",
        "GET",
        "/3/find/{external_id}",
        f"/3/find/{new_movie.imdb_id}",
        query={"external_source": "imdb_id"},
    )
    add(
        "tmdb",
        "GET",
        "/3/find/{external_id}",
        f"/3/find/{tv_title.tvdb_id}",
        query={"external_source": "tvdb_id"},
    )
    for kind, name, ident in (("movie", "movie_id", tmovie), ("tv", "series_id", ttv)):
        add(
            "tmdb",
            "GET",
            f"/3/{kind}/{{{name}}}",
            f"/3/{kind}/{ident}",
            query={"append_to_response": "credits,keywords,external_ids"},
        )
        for part in (
            "credits",
            "keywords",
            "external_ids",
            "recommendations",
            "similar",
        ):
            add(
                "tmdb",
                "GET",
                f"/3/{kind}/{{{name}}}/{part}",
                f"/3/{kind}/{ident}/{part}",
            )

    add("openai", "GET", "/v1/models")
    add(
        "openai",
        "POST",
        "/v1/chat/completions",
        body={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    )
    add(
        "openai",
        "POST",
        "/v1/chat/completions",
        body={
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "rank"}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "r",
                    "schema": {
                        "type": "object",
                        "properties": {
                            "ids": {"type": "array", "items": {"type": "integer"}}
                        },
                        "required": ["ids"],
                    },
                },
            },
        },
    )

    for cmd, params in (
        ("status", {}),
        ("arnold", {}),
        ("get_tautulli_info", {}),
        ("get_server_info", {}),
        ("get_server_friendly_name", {}),
        ("get_activity", {}),
        ("get_history", {"length": "50"}),
        (
            "get_history",
            {
                "user_id": str(user.plex_id),
                "media_type": "episode",
                "after": "2026-01-01",
            },
        ),
        ("get_home_stats", {"time_range": "365"}),
        ("get_metadata", {"rating_key": str(movie.rating_key)}),
        ("get_metadata", {"rating_key": str(series.rating_key)}),
        ("get_metadata", {"rating_key": str(2_000_000 + episode_id)}),
        ("get_metadata", {"rating_key": "1"}),
        ("get_libraries", {}),
        ("get_library_media_info", {"section_id": "1", "order_column": "file_size"}),
        ("get_library_media_info", {"section_id": "2"}),
        ("get_users", {}),
        ("get_user_watch_time_stats", {"user_id": str(user.plex_id)}),
        ("get_plays_by_date", {"time_range": "30"}),
        ("get_plays_by_stream_type", {"time_range": "30"}),
        ("get_geoip_lookup", {"ip_address": "203.0.113.7"}),
        ("get_stream_data", {"row_id": "1"}),
        ("get_stream_data", {"row_id": str(transcoded)}),
        ("add_notifier_config", {"agent_id": "25"}),
        (
            "set_notifier_config",
            {
                "notifier_id": "1",
                "agent_id": "25",
                "webhook_hook": "http://127.0.0.1:9/hook",
                "on_play": "1",
            },
        ),
        ("get_notifiers", {}),
        ("get_notifier_config", {"notifier_id": "1"}),
        ("delete_notifier", {"notifier_id": "1"}),
    ):
        add("tautulli", "GET", "/api/v2", query={"cmd": cmd, **params})
    add("tautulli", "POST", "/api/v2", query={"cmd": "get_server_friendly_name"})
    return out
