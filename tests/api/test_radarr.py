"""RadarrClient against recorded Radarr responses."""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.smartplex.api import (
    Movie,
    RadarrClient,
    SmartPlexInvalidResponseError,
    SmartPlexNotFoundError,
)

from .conftest import API_KEY, FakeUpstream, Reply, load_fixture


@pytest.fixture
def radarr_server(upstream: FakeUpstream) -> FakeUpstream:
    """Serve Radarr at the root, checked against the Radarr contract."""
    upstream.service = "radarr"
    return upstream


@pytest.fixture
def client(radarr_server: FakeUpstream, session: aiohttp.ClientSession) -> RadarrClient:
    """Return a Radarr client."""
    return RadarrClient(session, radarr_server.url, API_KEY)


async def test_validate(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """A Radarr status validates; the key travels in the header."""
    status = {
        **load_fixture("arr-common/aiopyarr__system-status.json"),
        "appName": "Radarr",
    }
    status["instanceName"] = None
    radarr_server.add_json("GET", "/api/v3/system/status", status)
    info = await client.validate()
    assert (info.service, info.name, info.version) == (
        "Radarr",
        "Radarr",
        status["version"],
    )
    assert radarr_server.last().headers["X-Api-Key"] == API_KEY


async def test_url_credentials_are_basic_auth(
    radarr_server: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    """User info in the URL (a reverse proxy's basic auth) is sent as basic auth."""
    url = radarr_server.url.replace("http://", "http://proxy:pa55@")
    radarr_server.add_json("GET", "/api/v3/tag", [])
    await RadarrClient(session, url, API_KEY).tags()
    headers = radarr_server.last().headers
    # Written out: aiohttp 3.13 deprecates BasicAuth for building the header.
    assert headers["Authorization"] == "Basic " + b64encode(b"proxy:pa55").decode()
    assert headers["X-Api-Key"] == API_KEY


async def test_movies(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Movies are parsed with ids, size, ratings and file quality."""
    raw = load_fixture("radarr/pyarr__movie_all.json")
    radarr_server.add_json("GET", "/api/v3/movie", raw)
    movies = await client.movies()
    movie = movies[0]
    assert (movie.id, movie.tmdb_id, movie.imdb_id) == (
        raw[0]["id"],
        raw[0]["tmdbId"],
        raw[0]["imdbId"],
    )
    assert movie.size_on_disk == raw[0]["sizeOnDisk"]
    assert movie.tmdb_rating == raw[0]["ratings"]["tmdb"]["value"]
    assert movie.file_quality == raw[0]["movieFile"]["quality"]["quality"]["name"]
    assert movie.in_cinemas == datetime(2015, 1, 1, tzinfo=UTC)


async def test_single_object_lists(
    radarr_server: FakeUpstream, client: RadarrClient
) -> None:
    """Real Radarr may answer /movie and /rootfolder with one object instead of a list."""
    movie = load_fixture("radarr/pyarr__movie.json")
    folder = load_fixture("arr-common/pyarr__rootfolder.json")
    radarr_server.add_json("GET", "/api/v3/movie", movie)
    radarr_server.add_json("GET", "/api/v3/rootfolder", folder)
    (parsed,) = await client.movies()
    assert (parsed.id, parsed.title) == (movie["id"], movie["title"])
    (root,) = await client.root_folders()
    assert (root.id, root.path, root.free_space) == (
        folder["id"],
        folder["path"],
        folder["freeSpace"],
    )


async def test_movie_and_statistics_size(
    radarr_server: FakeUpstream, client: RadarrClient
) -> None:
    """Radarr 5+ reports the size under statistics."""
    raw = {**load_fixture("radarr/pyarr__movie.json"), "statistics": {"sizeOnDisk": 99}}
    radarr_server.add_json("GET", "/api/v3/movie/1", raw)
    movie = await client.movie(1)
    assert movie.size_on_disk == 99


async def test_calendar(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """The calendar returns movies for the window."""
    raw = load_fixture("radarr/aiopyarr__calendar.json")
    radarr_server.add_json("GET", "/api/v3/calendar", raw)
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    movies = await client.calendar(start, end)
    assert radarr_server.last().query == {
        "start": [start.isoformat()],
        "end": [end.isoformat()],
        "unmonitored": ["false"],
    }
    assert movies[0].title == raw[0]["title"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("wanted_missing", "/api/v3/wanted/missing"),
        ("cutoff_unmet", "/api/v3/wanted/cutoff"),
    ],
)
async def test_wanted(
    radarr_server: FakeUpstream, client: RadarrClient, method: str, path: str
) -> None:
    """No recording exists: the page is built from the MovieResourcePagingResource schema with a recorded movie."""
    movie = load_fixture("radarr/pyarr__movie.json")
    radarr_server.add_json(
        "GET", path, {"page": 1, "pageSize": 1, "totalRecords": 3, "records": [movie]}
    )
    page = await getattr(client, method)(page_size=1)
    assert (page.total_records, page.total_pages) == (3, 3)
    assert page.records[0].tmdb_id == movie["tmdbId"]
    assert radarr_server.last().query["monitored"] == ["true"]


async def test_queue(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Queue records embed the movie."""
    raw = load_fixture("radarr/pyarr__queue.json")
    raw["records"][0]["movie"] = load_fixture("radarr/pyarr__movie.json")
    radarr_server.add_json("GET", "/api/v3/queue", raw)
    page = await client.queue()
    assert radarr_server.last().query["includeMovie"] == ["true"]
    assert radarr_server.last().query["includeUnknownMovieItems"] == ["false"]
    item = page.records[0]
    assert item.movie_id == raw["records"][0]["movieId"]
    assert item.movie is not None and item.movie.tmdb_id == 123456
    assert item.quality == "Bluray-1080p"
    assert 0 < item.progress < 1


async def test_queue_all_single_page(
    radarr_server: FakeUpstream, client: RadarrClient
) -> None:
    """queue_all stops after the last page."""
    radarr_server.add_json(
        "GET", "/api/v3/queue", load_fixture("radarr/aiopyarr__queue.json")
    )
    records = await client.queue_all()
    assert len(records) == 1
    assert records[0].tracked_download_state == "downloading"
    assert len(radarr_server.requests) == 1


async def test_lookup(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Lookup by term and by TMDB id."""
    raw = load_fixture("radarr/pyarr__movie_lookup.json")
    radarr_server.add_json("GET", "/api/v3/movie/lookup", raw)
    radarr_server.add_json("GET", "/api/v3/movie/lookup/tmdb", raw[0])
    found = await client.lookup("imdb:tt0111161")
    assert radarr_server.last().query == {"term": ["imdb:tt0111161"]}
    assert found[0].title == raw[0]["title"]
    single = await client.lookup_tmdb(123456)
    assert radarr_server.last().query == {"tmdbId": ["123456"]}
    assert single.tmdb_id == raw[0]["tmdbId"]


async def test_add_movie(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Adding sends profile, root folder, availability and search flag."""
    lookup = Movie.from_dict(load_fixture("radarr/pyarr__movie_tmdb.json")[0])
    radarr_server.add_json(
        "POST", "/api/v3/movie", load_fixture("radarr/pyarr__movie.json")
    )
    added = await client.add_movie(
        lookup, quality_profile_id=4, root_folder_path="/movies", search=False, tags=[2]
    )
    body: dict[str, Any] = radarr_server.last().body
    assert body["tmdbId"] == lookup.tmdb_id
    assert body["qualityProfileId"] == 4
    assert body["rootFolderPath"] == "/movies"
    assert body["minimumAvailability"] == "released"
    assert body["addOptions"] == {"searchForMovie": False, "monitor": "movieOnly"}
    assert body["tags"] == [2]
    assert added.id == 1


async def test_add_movie_needs_tmdb_id(client: RadarrClient) -> None:
    """A movie without TMDB id is refused before any request."""
    with pytest.raises(ValueError, match="TMDB"):
        await client.add_movie(
            Movie.from_dict({}), quality_profile_id=1, root_folder_path="/movies"
        )


async def test_delete_movie(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Deleting passes deleteFiles and addImportExclusion."""
    radarr_server.add("DELETE", "/api/v3/movie/3", Reply(status=200))
    await client.delete_movie(3, delete_files=True, add_import_exclusion=True)
    assert radarr_server.last().query == {
        "deleteFiles": ["true"],
        "addImportExclusion": ["true"],
    }


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda c: c.search_movies([1, 2]),
            {"name": "MoviesSearch", "movieIds": [1, 2]},
        ),
        (lambda c: c.search_missing(), {"name": "MissingMoviesSearch"}),
        (lambda c: c.search_cutoff_unmet(), {"name": "CutoffUnmetMoviesSearch"}),
    ],
)
async def test_search_commands(
    radarr_server: FakeUpstream,
    client: RadarrClient,
    call: Any,
    expected: dict[str, Any],
) -> None:
    """Search helpers POST the matching command body."""
    raw = load_fixture("arr-common/aiopyarr__command.json")
    radarr_server.add_json("POST", "/api/v3/command", raw)
    command = await call(client)
    assert radarr_server.last().body == expected
    assert command.name == raw["name"]


async def test_notification(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """A recorded notification parses its events and tags."""
    raw = load_fixture("radarr/aiopyarr__notification.json")
    radarr_server.add_json("GET", "/api/v3/notification", [raw])
    [notification] = await client.notifications()
    assert notification.events >= {"onGrab", "onDownload", "onUpgrade"}
    assert "supportsOnGrab" not in notification.events
    assert notification.tags == (0,)


async def test_poster(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """A poster comes back as bytes with its content type, the key in the header."""

    async def poster(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG-poster", content_type="image/png")

    radarr_server.add("GET", "/api/v3/mediacover/7/poster-250.jpg", poster)
    assert await client.poster(7) == (b"\x89PNG-poster", "image/png")
    assert radarr_server.requests[-1].headers["X-Api-Key"] == API_KEY


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=404), SmartPlexNotFoundError),
        (Reply(body={"poster": "no"}), SmartPlexInvalidResponseError),
        (
            Reply(text="<html>login</html>", content_type="text/html"),
            SmartPlexInvalidResponseError,
        ),
    ],
)
async def test_poster_refused(
    radarr_server: FakeUpstream,
    client: RadarrClient,
    reply: Reply,
    error: type[Exception],
) -> None:
    """A missing poster or a reply that is not an image raises, never returns it."""
    radarr_server.add("GET", "/api/v3/mediacover/7/poster-250.jpg", reply)
    with pytest.raises(error):
        await client.poster(7)


async def test_exclusions(radarr_server: FakeUpstream, client: RadarrClient) -> None:
    """Import exclusions name the movie by TMDB id and title."""
    raw = {**load_fixture("arr-common/aiopyarr__exclusions.json"), "tmdbId": 603}
    radarr_server.add_json("GET", "/api/v3/exclusions", [raw])
    [exclusion] = await client.exclusions()
    assert (exclusion.tmdb_id, exclusion.title) == (603, raw["movieTitle"])
