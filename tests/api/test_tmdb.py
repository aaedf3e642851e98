"""TmdbClient against TMDB's recorded example responses (from its OpenAPI document)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.smartplex.api import SmartPlexAuthError, TmdbClient
from custom_components.smartplex.api.tmdb import TMDB_URL

from .conftest import API_KEY, TMDB_TOKEN, FakeUpstream, Reply, load_fixture


def tmdb(name: str) -> Any:
    """Load a TMDB example response."""
    return load_fixture(f"tmdb/tmdb-spec__{name}__200.json")


@pytest.fixture
def tmdb_server(upstream: FakeUpstream) -> FakeUpstream:
    """Serve TMDB, checked against the TMDB OpenAPI document."""
    upstream.service = "tmdb"
    return upstream


@pytest.fixture
def client(tmdb_server: FakeUpstream, session: aiohttp.ClientSession) -> TmdbClient:
    """Return a client with a v3 key."""
    return TmdbClient(session, API_KEY, url=tmdb_server.url)


async def test_default_url(session: aiohttp.ClientSession) -> None:
    """Without a URL the client targets api.themoviedb.org."""
    assert TmdbClient(session, API_KEY).base_url == TMDB_URL


async def test_v3_key_in_query(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """A v3 key travels as api_key (the only way it works); validate reads /3/configuration."""
    tmdb_server.add_json("GET", "/3/configuration", tmdb("configuration-details"))
    info = await client.validate()
    assert (info.service, info.version, info.instance_id) == ("TMDB", "3", None)
    request = tmdb_server.last()
    assert request.param("api_key") == API_KEY
    assert "Authorization" not in request.headers


async def test_v4_token_in_header(
    tmdb_server: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    """A read-access token travels as a bearer header, never in the URL."""
    client = TmdbClient(session, TMDB_TOKEN, url=tmdb_server.url)
    tmdb_server.add_json("GET", "/3/configuration", tmdb("configuration-details"))
    await client.validate()
    request = tmdb_server.last()
    assert request.headers["Authorization"] == f"Bearer {TMDB_TOKEN}"
    assert TMDB_TOKEN not in request.raw_query
    assert "api_key" not in request.query


async def test_invalid_key_recorded(
    tmdb_server: FakeUpstream, client: TmdbClient
) -> None:
    """TMDB's 401 body becomes an auth error with its message."""
    tmdb_server.add(
        "GET",
        "/3/configuration",
        Reply(
            load_fixture("tmdb/tmdb-spec__authentication-validate-key__401.json"),
            status=401,
        ),
    )
    with pytest.raises(SmartPlexAuthError, match="Invalid API key"):
        await client.validate()


@pytest.mark.parametrize(
    ("media_type", "fixture", "year_param"),
    [
        ("movie", "search-movie", "year"),
        ("tv", "search-tv", "first_air_date_year"),
        ("multi", "search-multi", None),
    ],
)
async def test_search(
    tmdb_server: FakeUpstream,
    client: TmdbClient,
    media_type: Any,
    fixture: str,
    year_param: str | None,
) -> None:
    """Search movie/tv/multi with a year filter where the endpoint has one."""
    raw = tmdb(fixture)
    tmdb_server.add_json("GET", f"/3/search/{media_type}", raw)
    page = await client.search(
        "star", media_type=media_type, year=1977, language="en-US"
    )
    query = tmdb_server.last().query
    assert query["query"] == ["star"]
    if year_param:
        assert query[year_param] == ["1977"]
    assert page.total_records == raw["total_results"]
    first = page.records[0]
    assert first.id == raw["results"][0]["id"]
    assert first.title == (
        raw["results"][0].get("title") or raw["results"][0].get("name")
    )
    expected_type = (
        raw["results"][0].get("media_type") if media_type == "multi" else media_type
    )
    assert first.media_type == expected_type


async def test_movie_details(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """Details ask for external ids, credits and keywords in one call."""
    raw = {
        **tmdb("movie-details"),
        "credits": {
            "cast": [{"id": 2, "name": "Mark Hamill", "character": "Luke Skywalker"}],
            "crew": [
                {
                    "id": 1,
                    "name": "George Lucas",
                    "job": "Director",
                    "department": "Directing",
                }
            ],
        },
        "keywords": {"keywords": [{"id": 1, "name": "space opera"}]},
        "external_ids": tmdb("movie-external-ids"),
    }
    tmdb_server.add_json("GET", "/3/movie/11", raw)
    details = await client.details("movie", 11)
    assert (
        tmdb_server.last().param("append_to_response")
        == "external_ids,credits,keywords"
    )
    assert [g.name for g in details.genres] == [g["name"] for g in raw["genres"]]
    assert details.imdb_id == "tt0076759"
    assert details.year == 1977
    assert [p.name for p in details.creators] == ["George Lucas"]
    assert details.cast[0].role == "Luke Skywalker"
    assert details.keywords == ("space opera",)


async def test_tv_details(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """Series details: creators, runtime from episode_run_time, TVDB id, keywords under results."""
    raw = {
        **tmdb("tv-series-details"),
        "external_ids": {"imdb_id": "tt0944947", "tvdb_id": 121361},
        "keywords": {"results": [{"id": 6, "name": "dragon"}]},
    }
    tmdb_server.add_json("GET", "/3/tv/1399", raw)
    details = await client.details("tv", 1399)
    assert [p.name for p in details.creators] == ["David Benioff", "D.B. Weiss"]
    assert (details.runtime, details.tvdb_id, details.imdb_id) == (
        60,
        121361,
        "tt0944947",
    )
    assert details.keywords == ("dragon",)
    assert details.number_of_seasons == raw["number_of_seasons"]


@pytest.mark.parametrize(
    ("method", "media_type", "path", "fixture"),
    [
        ("similar", "movie", "/3/movie/11/similar", "movie-similar"),
        ("similar", "tv", "/3/tv/11/similar", "tv-series-similar"),
        (
            "recommendations",
            "tv",
            "/3/tv/11/recommendations",
            "tv-series-recommendations",
        ),
        # The spec has no example for movie recommendations: same list shape as similar.
        ("recommendations", "movie", "/3/movie/11/recommendations", "movie-similar"),
    ],
)
async def test_related(
    tmdb_server: FakeUpstream,
    client: TmdbClient,
    method: str,
    media_type: str,
    path: str,
    fixture: str,
) -> None:
    """Similar and recommended titles are typed with the requested media type."""
    raw = tmdb(fixture)
    tmdb_server.add_json("GET", path, raw)
    page = await getattr(client, method)(media_type, 11, page=2)
    assert tmdb_server.last().param("page") == "2"
    assert {item.media_type for item in page.records} == {media_type}
    assert [item.id for item in page.records] == [item["id"] for item in raw["results"]]


@pytest.mark.parametrize(
    ("media_type", "fixture"), [("all", "trending-all"), ("movie", "trending-movies")]
)
async def test_trending(
    tmdb_server: FakeUpstream, client: TmdbClient, media_type: Any, fixture: str
) -> None:
    """Trending keeps each item's own media_type for "all"."""
    raw = tmdb(fixture)
    tmdb_server.add_json("GET", f"/3/trending/{media_type}/day", raw)
    page = await client.trending(media_type, "day")
    assert [i.media_type for i in page.records] == [
        r.get("media_type", "movie") for r in raw["results"]
    ]


@pytest.mark.parametrize(
    ("media_type", "fixture", "year_param"),
    [
        ("movie", "discover-movie", "primary_release_year"),
        ("tv", "discover-tv", "first_air_date_year"),
    ],
)
async def test_discover(
    tmdb_server: FakeUpstream,
    client: TmdbClient,
    media_type: Any,
    fixture: str,
    year_param: str,
) -> None:
    """Discover filters by genres (AND) and year."""
    raw = tmdb(fixture)
    tmdb_server.add_json("GET", f"/3/discover/{media_type}", raw)
    page = await client.discover(media_type, genres=[18, 80], year=2010, min_votes=100)
    query = tmdb_server.last().query
    assert query["with_genres"] == ["18,80"]
    assert query[year_param] == ["2010"]
    assert query["vote_count.gte"] == ["100"]
    assert len(page.records) == len(raw["results"])


async def test_genres(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """The genre list parses."""
    raw = tmdb("genre-movie-list")
    tmdb_server.add_json("GET", "/3/genre/movie/list", raw)
    genres = await client.genres("movie")
    assert [(g.id, g.name) for g in genres] == [
        (g["id"], g["name"]) for g in raw["genres"]
    ]


async def test_find(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """Find by IMDb id."""
    raw = tmdb("find-by-id")
    tmdb_server.add_json("GET", "/3/find/tt0137523", raw)
    result = await client.find("tt0137523", "imdb_id")
    assert tmdb_server.last().param("external_source") == "imdb_id"
    assert [m.id for m in result.movies] == [m["id"] for m in raw["movie_results"]]
    assert result.tv == ()


async def test_poster_url(tmdb_server: FakeUpstream, client: TmdbClient) -> None:
    """Poster URLs use the configured base URL, fetched once; unknown sizes fall back."""
    tmdb_server.add_json("GET", "/3/configuration", tmdb("configuration-details"))
    assert (
        await client.poster_url("/abc.jpg") == "https://image.tmdb.org/t/p/w500/abc.jpg"
    )
    assert (
        await client.poster_url("/abc.jpg", "w9999")
        == "https://image.tmdb.org/t/p/original/abc.jpg"
    )
    assert await client.poster_url(None) is None
    assert len(tmdb_server.requests) == 1
