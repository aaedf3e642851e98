"""The contract checker itself, and models accepting spec-valid responses built from the specs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.smartplex.api import (
    Command,
    DiskSpace,
    Episode,
    HealthCheck,
    Movie,
    Notification,
    OverseerrMedia,
    OverseerrRequest,
    OverseerrUser,
    QualityProfile,
    RadarrQueueItem,
    RequestCounts,
    RootFolder,
    Series,
    SonarrQueueItem,
    SystemStatus,
    Tag,
    TmdbConfiguration,
    TmdbDetails,
    TmdbItem,
)

from .contracts import contract_violations, load_spec, response_sample, sample


@pytest.mark.parametrize(
    ("service", "method", "path", "query", "problem"),
    [
        ("sonarr", "GET", "/api/v3/nope", {}, "not in the spec"),
        ("sonarr", "PATCH", "/api/v3/series/1", {}, "not in the spec"),
        ("radarr", "GET", "/api/v3/queue", {"includeSeries": ["true"]}, "no query"),
        (
            "overseerr",
            "GET",
            "/api/v1/request",
            {"sortDirection": ["asc"]},
            "overseerr",
        ),
        ("tmdb", "GET", "/3/trending/all/day", {"page": ["1"]}, "no query"),
        ("tautulli", "GET", "/api/v2", {"cmd": ["get_nothing"]}, "unknown command"),
        (
            "tautulli",
            "GET",
            "/api/v2",
            {"cmd": ["get_history"], "limit": ["5"]},
            "no parameter",
        ),
        ("tautulli", "POST", "/api/v2", {"cmd": ["status"]}, "not the API endpoint"),
    ],
)
def test_checker_rejects(
    service: str, method: str, path: str, query: dict[str, list[str]], problem: str
) -> None:
    """Undeclared paths, methods, parameters and commands are reported."""
    problems = contract_violations(service, method, path, query)
    assert problems and problem in problems[0]


@pytest.mark.parametrize(
    ("service", "method", "path", "query"),
    [
        ("sonarr", "GET", "/api/v3/series/lookup", {"term": ["x"], "apikey": ["k"]}),
        ("overseerr", "POST", "/api/v1/request/1/approve", {}),
        (
            "tmdb",
            "GET",
            "/3/find/tt1",
            {"external_source": ["imdb_id"], "api_key": ["k"]},
        ),
        (
            "tautulli",
            "GET",
            "/api/v2",
            {"cmd": ["set_notifier_config"], "webhook_hook": ["u"]},
        ),
    ],
)
def test_checker_accepts(
    service: str, method: str, path: str, query: dict[str, list[str]]
) -> None:
    """Declared requests (plus the auth query parameter) pass."""
    assert contract_violations(service, method, path, query) == []


def component(spec: str, name: str) -> Any:
    """Build a spec-valid instance of a component schema."""
    document = load_spec(spec)
    return sample({"$ref": f"#/components/schemas/{name}"}, document)


ARR_MODELS = [
    ("SystemResource", SystemStatus, lambda m, d: m.version == d["version"]),
    ("DiskSpaceResource", DiskSpace, lambda m, d: m.free_space == d["freeSpace"]),
    ("RootFolderResource", RootFolder, lambda m, d: m.path == d["path"]),
    ("QualityProfileResource", QualityProfile, lambda m, d: m.name == d["name"]),
    ("TagResource", Tag, lambda m, d: m.label == d["label"]),
    ("HealthResource", HealthCheck, lambda m, d: m.message == d["message"]),
    (
        "CommandResource",
        Command,
        lambda m, d: m.name == d["name"] and m.queued is not None,
    ),
    (
        "NotificationResource",
        Notification,
        lambda m, d: m.implementation == d["implementation"],
    ),
]


@pytest.mark.parametrize("spec", ["sonarr", "radarr"])
@pytest.mark.parametrize(
    ("schema", "model", "check"), ARR_MODELS, ids=[m[0] for m in ARR_MODELS]
)
def test_arr_models_accept_spec(spec: str, schema: str, model: Any, check: Any) -> None:
    """Shared Arr models parse instances of the Sonarr and Radarr schemas."""
    data = component(spec, schema)
    assert check(model.from_dict(data), data)


def test_sonarr_models_accept_spec() -> None:
    """Series, episode and queue schemas parse."""
    series = component("sonarr", "SeriesResource")
    parsed = Series.from_dict(series)
    assert (parsed.tvdb_id, parsed.title) == (series["tvdbId"], series["title"])
    assert parsed.statistics.size_on_disk == series["statistics"]["sizeOnDisk"]
    episode = Episode.from_dict(component("sonarr", "EpisodeResource"))
    assert episode.air_date_utc is not None and episode.series is not None
    queue = SonarrQueueItem.from_dict(component("sonarr", "QueueResource"))
    assert queue.series is not None and queue.episode is not None


def test_radarr_models_accept_spec() -> None:
    """Movie and queue schemas parse."""
    movie = component("radarr", "MovieResource")
    parsed = Movie.from_dict(movie)
    assert (parsed.tmdb_id, parsed.imdb_id) == (movie["tmdbId"], movie["imdbId"])
    queue = RadarrQueueItem.from_dict(component("radarr", "QueueResource"))
    assert queue.movie is not None


@pytest.mark.parametrize("spec", ["overseerr", "jellyseerr", "seerr"])
def test_overseerr_models_accept_spec(spec: str) -> None:
    """Request, user and media schemas of every Overseerr-family spec parse."""
    request = component(spec, "MediaRequest")
    parsed = OverseerrRequest.from_dict(request)
    assert parsed.id == request["id"]
    assert parsed.requested_by is not None
    user = component(spec, "User")
    assert OverseerrUser.from_dict(user).email == user["email"]
    media = component(spec, "MediaInfo")
    assert OverseerrMedia.from_dict(media).tmdb_id == media["tmdbId"]
    data = response_sample(spec, "GET", "/request/count")
    assert RequestCounts.from_dict(data).total == data["total"]


def tmdb_example(path: str) -> Any:
    """Return the example TMDB embeds for an operation's 200 response."""
    content = load_spec("tmdb")["paths"][path]["get"]["responses"]["200"]["content"]
    value = next(iter(content["application/json"]["examples"].values()))["value"]
    # Some examples are stored as JSON text rather than objects.
    return json.loads(value) if isinstance(value, str) else value


def test_tmdb_models_accept_spec_examples() -> None:
    """TMDB's own examples parse (movie details, tv details, lists, configuration)."""
    movie = tmdb_example("/3/movie/{movie_id}")
    assert TmdbDetails.from_dict(movie, "movie").imdb_id == movie["imdb_id"]
    tv = tmdb_example("/3/tv/{series_id}")
    assert TmdbDetails.from_dict(tv, "tv").title == tv["name"]
    for path in ("/3/search/multi", "/3/discover/tv", "/3/trending/all/{time_window}"):
        results = tmdb_example(path)["results"]
        assert [TmdbItem.from_dict(r).id for r in results] == [r["id"] for r in results]
    config = TmdbConfiguration.from_dict(tmdb_example("/3/configuration"))
    assert config.poster_url("/x.jpg", "w92") == config.image_base_url + "w92/x.jpg"
