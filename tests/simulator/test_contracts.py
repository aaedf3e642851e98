"""Every route the simulator serves, validated against the upstream contracts."""

from __future__ import annotations

from functools import cache
import json
from pathlib import Path
import re
from typing import Any

import aiohttp
from openai.types import Model
from openai.types.chat import ChatCompletion
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
import pytest

from simulator import Simulator
from simulator.models import Title
from simulator.world import World

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
REALWORLD = CONTRACTS.parent / "realworld"
SPECS = {
    "sonarr": ("sonarr-openapi.json", "http://localhost:8989", ""),
    "radarr": ("radarr-openapi.json", "http://localhost:7878", ""),
    "overseerr": ("overseerr-openapi.yml", "http://localhost:5055", ""),
    "jellyseerr": ("jellyseerr-openapi.yml", "http://localhost:5055", ""),
    "seerr": ("seerr-openapi.yml", "http://localhost:5055", ""),
    "tmdb": ("tmdb-openapi.json", "https://api.themoviedb.org", ""),
}

# Tolerated deviations between real servers and the published specs (never silent):
# - Sonarr/Radarr answer POST with 201 Created (and PUT with 202) while the specs only declare
#   200; the body is validated against the 200 schema.
CREATED_AS_200 = {201, 202}
# - The TMDB spec's schemas are inferred from example responses: nullable fields are not marked
#   nullable. These keys may be null on real TMDB responses and are sent as null here.
TMDB_NULLABLE = {
    "belongs_to_collection",
    "logo_path",
    "profile_path",
    "air_date",
    "poster_path",
    "wikidata_id",
    "facebook_id",
    "instagram_id",
    "twitter_id",
    "freebase_mid",
    "freebase_id",
    "tvrage_id",
}
# - Some TMDB schemas infer vote_average as integer from an example that happened to be whole
#   (discover/tv, tv/{id}, tv/{id}/similar, season vote_average); real values are decimals, so
#   vote_average is validated as a number by rounding it before schema validation.
TMDB_INTEGER_INFERRED = {"vote_average"}
# - Overseerr: MediaInfo.tvdbId is nullable in the spec; User/plexId, displayName, MediaInfo.mediaType,
#   imdbId, status4k, externalService*, MediaRequest.type/seasons and pageInfo.pageSize are returned by
#   real servers but absent from the (open) schemas, which allow extra keys.
# - TMDB /3/movie/{id}/recommendations has no schema in the spec (content validated for shape only).


@cache
def spec(name: str) -> OpenAPI:
    """Load a spec once per session."""
    # The upstream documents are used as published; some fail strict spec validation (e.g. Sonarr's
    # "/{path}" without a declared parameter), so only responses are validated, not the documents.
    return OpenAPI.from_file_path(
        str(CONTRACTS / SPECS[name][0]), config=Config(spec_validator_cls=None)
    )


def strip_tmdb_nulls(node: Any) -> Any:
    """Drop known-nullable keys whose value is null (see TMDB_NULLABLE)."""
    if isinstance(node, dict):
        return {
            k: round(v)
            if k in TMDB_INTEGER_INFERRED and isinstance(v, float)
            else strip_tmdb_nulls(v)
            for k, v in node.items()
            if not (v is None and k in TMDB_NULLABLE)
        }
    if isinstance(node, list):
        return [strip_tmdb_nulls(v) for v in node]
    return node


def validate_openapi(
    name: str,
    method: str,
    path: str,
    query: dict[str, str],
    status: int,
    body: bytes,
    content_type: str,
) -> None:
    """Validate one response against an OpenAPI document."""
    if name == "tmdb" and body:
        body = json.dumps(strip_tmdb_nulls(json.loads(body))).encode()
    if name in {"sonarr", "radarr"} and status in CREATED_AS_200:
        status = 200
    request = MockRequest(SPECS[name][1], method, path, args=query)
    response = MockResponse(body, status_code=status, content_type=content_type)
    spec(name).validate_response(request, response)


# -- Tautulli: expected fields and types derived from contracts/tautulli-api.md --------------

_TYPE_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "str(numeric)": lambda v: (
        isinstance(v, str) and (v == "" or v.lstrip("-").isdigit())
    ),
    "str(decimal)": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)),
    "null": lambda v: True,
}
# Real-server facts that differ from the docstring examples (documented in tautulli-api.md notes):
TAUTULLI_OVERRIDES = {
    ("get_users", "[].user_id"): "int",  # ints on real servers
    ("get_history", "data[].watched_status"): "float",  # 0, 0.5, 1 per datafactory.py
    ("get_history", "data[].parent_rating_key"): "any",  # "" for movies
    ("get_history", "data[].grandparent_rating_key"): "any",
    ("get_history", "data[].media_index"): "any",
    ("get_history", "data[].parent_media_index"): "any",
    ("get_library_media_info", "data[].last_played"): "any",  # null when never played
    ("get_library_media_info", "data[].play_count"): "any",
    # "4k" and "sd" beside the numeric heights (Plex's videoResolution).
    ("get_stream_data", "video_resolution"): "str",
    ("get_stream_data", "stream_video_resolution"): "str",
}
# Keys real servers send that the docstring example omits.
TAUTULLI_EXTRA_KEYS = {
    "get_users": {"[].friendly_name"},
    "get_history": {"data[].id", "data[].parent_title"},
    "get_home_stats": {
        "[].stat_title",
        "[].rows[].year",
        "[].rows[].user_id",
        "[].rows[].user_thumb",
        "[].rows[].grandparent_rating_key",
        "[].rows[].art",
    },
    "get_activity": {"sessions[].session_id"},
}


@cache
def tautulli_fields() -> dict[str, dict[str, str]]:
    """Parse the response field tables of tautulli-api.md."""
    text = (CONTRACTS / "tautulli-api.md").read_text()
    tables: dict[str, dict[str, str]] = {}
    for section in re.split(r"\n### `", text)[1:]:
        name = section.split("`", 1)[0]
        rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", section, re.MULTILINE)
        tables[name] = {field: kind.strip().replace(" ", "") for field, kind in rows}
    return tables


def flatten(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Return (doc-style path, value) pairs, e.g. sessions[].user."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = (
                f"{prefix}.{key}"
                if prefix and not prefix.endswith("]")
                else f"{prefix}{'.' if prefix else ''}{key}"
            )
            path = path.replace("[].", "[].")
            pairs.append((path, value))
            pairs.extend(flatten(value, path))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                pairs.extend(flatten(item, f"{prefix}[]"))
    return pairs


def validate_tautulli(cmd: str, payload: dict[str, Any]) -> None:
    """Check the envelope and every served key/type against the documented table."""
    assert set(payload) == {"response"}
    envelope = payload["response"]
    assert set(envelope) == {"result", "message", "data"}
    assert envelope["result"] == "success", envelope
    table = tautulli_fields().get(cmd)
    if not table:
        return  # notifier commands have no documented fields; their shapes are asserted in test_webhooks
    # Only stat rows documented generically; top_users rows have their own keys (datafactory.py).
    for path, value in flatten(envelope["data"]):
        path = path.replace("].", "].").replace("[].", "[].")
        normalised = path if not path.startswith(".") else path[1:]
        if cmd == "get_home_stats" and normalised.startswith("[].rows[]."):
            continue
        expected = TAUTULLI_OVERRIDES.get((cmd, normalised)) or table.get(normalised)
        if expected is None:
            assert normalised in TAUTULLI_EXTRA_KEYS.get(cmd, set()), (
                f"{cmd}: undocumented key {normalised}"
            )
            continue
        if (
            expected == "any"
            or expected.startswith("array")
            or expected in {"object", "array<object>"}
        ):
            continue
        check = _TYPE_CHECKS.get(expected)
        assert check is not None, f"{cmd}: no checker for {expected}"
        assert check(value), f"{cmd}: {normalised}={value!r} is not {expected}"


# -- request samples: one or more per served route -------------------------------------------


def details_samples(world: World, movie: Title, series: Title) -> list[tuple[str, str]]:
    """Return Overseerr details routes and paths: a requested, an unknown and an owned title."""
    paths = []
    for kind, name, owned in (("movie", "movieId", movie), ("tv", "tvId", series)):
        requested = next(r for r in world.requests.values() if r.kind == kind)
        requested_ids = {r.tmdb_id for r in world.requests.values()}
        unknown = next(
            t
            for t in world.titles.values()
            if t.kind == kind
            and world.media_status(kind, t.tmdb_id) == 1
            and t.tmdb_id not in requested_ids
        )
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


def served_routes(sim: Simulator) -> set[tuple[str, str, str]]:
    """Return (service, method, route) for every route in the apps' routers."""
    routes = set()
    for service, app in sim.apps.items():
        for route in app.router.routes():
            canonical = route.resource.canonical if route.resource else ""
            if route.method == "HEAD" or canonical.startswith("/_sim/"):
                continue
            routes.add((service, route.method, canonical))
    return routes


def auth(
    sim: Simulator, service: str, query: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Return headers and query carrying the service's credentials."""
    key = sim.api_key(service)
    if service == "tautulli":
        return {}, {"apikey": key, **query}
    if service == "tmdb":
        return {"Authorization": f"Bearer {sim.tmdb_bearer}"}, query
    if service == "openai":
        return {"Authorization": f"Bearer {key}"}, query
    return {"X-Api-Key": key}, query


def test_shared_contracts_present() -> None:
    """The specs and recordings are required: a missing ../shared fails instead of skipping."""
    missing = [
        name for name, _, _ in SPECS.values() if not (CONTRACTS / name).is_file()
    ]
    assert not missing, f"missing contracts in {CONTRACTS}: {missing}"
    assert (CONTRACTS / "tautulli-api.md").is_file() and REALWORLD.is_dir()


async def test_every_route_matches_its_contract(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Walk every served route with its samples and validate each response."""
    table = samples(sim)
    assert served_routes(sim) == set(table), (
        "every served route needs a sample (and no sample without a route)"
    )
    # Samples are listed in a workable order: create before read, update and delete.
    order = list(table.items())
    checked = 0
    for (service, method, _route), calls in order:
        for call in calls:
            headers, query = auth(sim, service, call["query"])
            async with http.request(
                method,
                sim.url(service) + call["path"],
                params=query,
                headers=headers,
                json=call["json"],
            ) as response:
                body = await response.read()
                status = response.status
                content_type = response.content_type
            assert status < 300, (
                f"{service} {method} {call['path']} -> {status}: {body[:300]!r}"
            )
            if service == "tautulli":
                validate_tautulli(call["query"]["cmd"], json.loads(body))
            elif service == "openai":
                payload = json.loads(body)
                if call["path"] == "/v1/models":
                    assert [Model.model_validate(m) for m in payload["data"]]
                else:
                    completion = ChatCompletion.model_validate(payload)
                    assert completion.choices[0].message.role == "assistant"
            else:
                # Overseerr's answers must also satisfy the Jellyseerr and Seerr specs.
                variants = ("jellyseerr", "seerr") if service == "overseerr" else ()
                for name in (service, *variants):
                    validate_openapi(
                        name,
                        method,
                        call["path"],
                        call["query"],
                        status,
                        body,
                        content_type if body else "application/json",
                    )
            checked += 1
    assert checked >= len(table)


@pytest.mark.parametrize("variant", ["no_app_name", "old_version"])
@pytest.mark.parametrize("service", ["sonarr", "radarr"])
async def test_status_variants_match_contract(
    sim: Simulator, http: aiohttp.ClientSession, service: str, variant: str
) -> None:
    """The system status variants (older and nightly builds) still match the contract."""
    sim.faults.inject(service, variant)
    path = "/api/v3/system/status"
    headers, query = auth(sim, service, {})
    async with http.get(sim.url(service) + path, headers=headers) as response:
        body = await response.read()
        assert response.status == 200
    validate_openapi(service, "GET", path, query, 200, body, "application/json")
    assert ("appName" in json.loads(body)) is (variant != "no_app_name")


# -- comparison with recorded real responses -------------------------------------------------

READ_FIELDS: dict[tuple[str, str, str], tuple[str, ...]] = {
    # (service, path or cmd, recording): fields SmartPlex reads
    ("sonarr", "/api/v3/series", "sonarr/pyarr__series_all.json"): (
        "id",
        "title",
        "tvdbId",
        "imdbId",
        "monitored",
        "path",
        "qualityProfileId",
        "tags",
        "added",
        "statistics.sizeOnDisk",
        "statistics.episodeFileCount",
        "statistics.episodeCount",
        "statistics.totalEpisodeCount",
        "seasons",
        "genres",
        "year",
        "status",
    ),
    ("sonarr", "/api/v3/queue", "sonarr/aiopyarr__queue.json"): (
        "totalRecords",
        "records",
        "records.id",
        "records.seriesId",
        "records.episodeId",
        "records.size",
        "records.sizeleft",
        "records.status",
        "records.title",
        "records.downloadId",
    ),
    ("sonarr", "/api/v3/diskspace", "sonarr/pyarr__diskspace.json"): (
        "path",
        "label",
        "freeSpace",
        "totalSpace",
    ),
    ("sonarr", "/api/v3/system/status", "arr-common/aiopyarr__system-status.json"): (
        "version",
        "appName",
        "urlBase",
        "startTime",
    ),
    ("radarr", "/api/v3/movie", "radarr/pyarr__movie_all.json"): (
        "id",
        "title",
        "tmdbId",
        "imdbId",
        "year",
        "monitored",
        "hasFile",
        "sizeOnDisk",
        "path",
        "qualityProfileId",
        "tags",
        "added",
        "genres",
        "runtime",
        "ratings",
    ),
    ("radarr", "/api/v3/queue", "radarr/aiopyarr__queue.json"): (
        "totalRecords",
        "records",
        "records.id",
        "records.movieId",
        "records.size",
        "records.sizeleft",
        "records.status",
        "records.title",
        "records.downloadId",
    ),
    ("radarr", "/api/v3/health", "arr-common/aiopyarr__health.json"): (
        "source",
        "type",
        "message",
        "wikiUrl",
    ),
    ("overseerr", "/api/v1/request", "overseerr/python-overseerr__request.json"): (
        "pageInfo",
        "pageInfo.results",
        "results",
        "results.id",
        "results.status",
        "results.createdAt",
        "results.media",
        "results.media.tmdbId",
        "results.media.status",
        "results.requestedBy",
        "results.requestedBy.id",
        "results.requestedBy.email",
    ),
    (
        "overseerr",
        "/api/v1/request/count",
        "overseerr/python-overseerr__request_count.json",
    ): (
        "total",
        "movie",
        "tv",
        "pending",
        "approved",
        "declined",
        "processing",
        "available",
    ),
    (
        "overseerr",
        "/api/v1/issue/count",
        "overseerr/python-overseerr__issue_count.json",
    ): ("total", "open", "closed"),
    ("overseerr", "/api/v1/movie/{id}", "overseerr/python-overseerr__movie.json"): (
        "id",
        "title",
        "imdbId",
        "releaseDate",
        "runtime",
        "genres.name",
        "posterPath",
        "voteAverage",
        "credits.cast.name",
        "keywords.name",
        "mediaInfo.status",
        "mediaInfo.tmdbId",
        "mediaInfo.requests.id",
        "mediaInfo.requests.status",
        "mediaInfo.requests.requestedBy.id",
    ),
    ("overseerr", "/api/v1/tv/{id}", "overseerr/python-overseerr__tv.json"): (
        "id",
        "name",
        "firstAirDate",
        "numberOfSeasons",
        "genres.name",
        "posterPath",
        "voteAverage",
        "externalIds.tvdbId",
        "seasons.seasonNumber",
        "seasons.episodeCount",
        "mediaInfo.status",
        "mediaInfo.tvdbId",
        "mediaInfo.requests.id",
        "mediaInfo.requests.status",
    ),
    ("overseerr", "/api/v1/status", "overseerr/python-overseerr__status.json"): (
        "version",
        "commitTag",
        "updateAvailable",
    ),
    ("tautulli", "get_activity", "tautulli/ha-core__get_activity.json"): (
        "stream_count",
        "stream_count_transcode",
        "total_bandwidth",
        "sessions",
        "sessions.session_key",
        "sessions.user",
        "sessions.user_id",
        "sessions.rating_key",
        "sessions.full_title",
        "sessions.progress_percent",
        "sessions.transcode_decision",
        "sessions.media_type",
        "sessions.bandwidth",
        "sessions.view_offset",
        "sessions.duration",
        "sessions.state",
        "sessions.platform",
        "sessions.player",
    ),
    ("tautulli", "get_users", "tautulli/ha-core__get_users.json"): (
        "user_id",
        "username",
        "friendly_name",
        "email",
        "is_active",
    ),
    ("tautulli", "get_home_stats", "tautulli/ha-core__get_home_stats.json"): (
        "stat_id",
        "rows",
        "rows.title",
        "rows.total_plays",
        "rows.rating_key",
    ),
    ("tmdb", "/3/search/movie", "tmdb/tmdb-spec__search-movie__200.json"): (
        "page",
        "total_results",
        "results",
        "results.id",
        "results.title",
        "results.release_date",
        "results.genre_ids",
        "results.popularity",
        "results.vote_average",
    ),
    ("tmdb", "/3/tv/{id}/similar", "tmdb/tmdb-spec__tv-series-similar__200.json"): (
        "page",
        "results",
        "results.id",
        "results.name",
        "results.genre_ids",
        "results.first_air_date",
    ),
    ("tmdb", "/3/genre/movie/list", "tmdb/tmdb-spec__genre-movie-list__200.json"): (
        "genres",
        "genres.id",
        "genres.name",
    ),
}


def pick(node: Any, dotted: str) -> Any:
    """Return the value at a dotted path, descending into the first item of lists."""
    for part in dotted.split("."):
        if isinstance(node, list):
            node = node[0]
        node = node[part]
    return node


def kind(value: Any) -> str:
    """Return a JSON type name, treating int/float as number."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


@pytest.mark.parametrize("key", sorted(READ_FIELDS), ids=lambda k: f"{k[0]}:{k[1]}")
async def test_samples_match_recordings(
    sim: Simulator, http: aiohttp.ClientSession, key: tuple[str, str, str]
) -> None:
    """Fields SmartPlex reads have the same keys and JSON types as real recorded responses."""
    service, target, recording = key
    recorded = json.loads((REALWORLD / recording).read_text())
    query: dict[str, str] = {}
    path = target
    if service == "tautulli":
        path, query = "/api/v2", {"cmd": target}
        recorded = recorded["response"]["data"]
    elif target.startswith(("/api/v1/movie/", "/api/v1/tv/")):
        # A title with a request, like the recordings (mediaInfo with requests).
        wanted = "movie" if "/movie/" in target else "tv"
        requested = next(r for r in sim.world.requests.values() if r.kind == wanted)
        path = target.replace("{id}", str(requested.tmdb_id))
    elif target.startswith("/3/tv/"):
        path = target.replace(
            "{id}", str(next(iter(sim.world.series.values())).info.tmdb_id)
        )
    elif target == "/3/search/movie":
        query = {"query": "the"}
    headers, query = auth(sim, service, query)
    async with http.get(
        sim.url(service) + path, params=query, headers=headers
    ) as response:
        served = await response.json()
    if service == "tautulli":
        served = served["response"]["data"]
    for field in READ_FIELDS[key]:
        real = pick(recorded, field)
        ours = pick(served, field)
        # Tautulli's docs and recordings disagree on a few ints-vs-strings; real recordings win.
        assert kind(ours) == kind(real), (
            f"{recording}: {field} is {kind(ours)} here, {kind(real)} in the recording"
        )
