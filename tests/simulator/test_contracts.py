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

from .route_samples import samples

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
