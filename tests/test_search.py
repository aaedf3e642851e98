"""Reads and adds served from the library index and the title cache, not re-downloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.api import SmartPlexConnectionError
from custom_components.smartplex.api.overseerr_models import OverseerrTitle
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.metadata import TitleCache, TitleInfo, TitleKey
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, fixture_entry, hub  # noqa: F401


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    """Call a SmartPlex action and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


def served(simulator: Simulator, service: str | None = None) -> dict[str, int]:
    """Return '<service> <method> <route>' -> requests served since the last reset."""
    return {
        f"{name} {endpoint}": counted.requests
        for name, endpoints in simulator.stack.traffic.endpoints.items()
        for endpoint, counted in endpoints.items()
        if service is None or name == service
    }


async def test_search_reads_libraries_from_the_index(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A search asks TMDB and Overseerr only: two requests, none to Sonarr or Radarr."""
    simulator.stack.traffic.reset()

    response = await call(hass, "search", {"query": "Lost Empire"})

    lost_empire = next(
        item for item in response["results"] if item["title"] == "Lost Empire"
    )
    assert lost_empire["owned"] is True
    assert lost_empire["downloading"] is True
    assert served(simulator) == {
        "tmdb GET /3/search/multi": 1,
        "overseerr GET /api/v1/request": 1,
    }


async def test_movie_search_never_touches_sonarr(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Searching movies does not need Sonarr, even when its library is unknown."""
    sonarr = entry.runtime_data.services["sub_2"]
    assert sonarr.service_type == "sonarr"
    sonarr.coordinators.library.index.loaded = False
    simulator.stack.traffic.reset()

    response = await call(
        hass, "search", {"query": "Lost Empire", "media_type": "movie"}
    )

    assert response["unavailable"] == []
    assert response["results"][0]["owned"] is True
    assert served(simulator, "sonarr") == {}
    assert served(simulator, "radarr") == {}


async def test_search_reports_a_library_never_loaded(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A Sonarr that was down since setup is named unavailable; the search goes on."""
    hass.config.config_dir = str(tmp_path)
    simulator.faults.inject("sonarr", "status", status=500, path="/api/v3/series")
    await setup_entry(hass, hub(simulator, ALL_SERVICES))

    response = await call(hass, "search", {"query": "Lost Empire"})

    assert response["unavailable"] == ["Sonarr"]
    assert response["results"][0]["owned"] is True


async def test_search_in_one_instance(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """`instance` picks the library that annotates the results."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(
        hass,
        hub(
            simulator,
            [("tmdb", "TMDB"), ("radarr", "Radarr"), ("radarr", "Radarr 4K")],
        ),
    )
    four_k = await call(
        hass, "search", {"query": "Lost Empire", "instance": "radarr 4k"}
    )
    assert four_k["results"][0]["instance"] == "Radarr 4K"
    first = await call(hass, "search", {"query": "Lost Empire"})
    assert first["results"][0]["instance"] == "Radarr"

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "search", {"query": "Lost Empire", "instance": "Sonarr"})
    assert err.value.translation_key == "instance_not_found"


async def test_add_movie_downloads_no_library(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Adding picks the most used profile from the index and indexes the new movie."""
    simulator.stack.traffic.reset()

    added = await call(hass, "add_movie", {"title": "The Mirror", "year": 2008})

    assert added["quality_profile"] == "HD-1080p"
    radarr = served(simulator, "radarr")
    # Only the re-check under the write lock asks for this one TMDB id: an empty list.
    listing = simulator.stack.traffic.endpoints["radarr"]["GET /api/v3/movie"]
    assert (listing.requests, listing.bytes) == (1, 2)
    assert radarr["radarr POST /api/v3/movie"] == 1
    library = entry.runtime_data.services["sub_1"].coordinators.library
    item = library.index.by_tmdb(added["tmdb_id"])
    assert item is not None
    assert (item.id, item.root_folder) == (added["movie_id"], added["root_folder"])
    assert library.data.count == len(simulator.world.movies)

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_movie", {"tmdb_id": added["tmdb_id"]})
    assert err.value.translation_key == "already_added"


async def test_add_series_downloads_no_library(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Adding a series uses the index too and indexes the new series."""
    simulator.stack.traffic.reset()

    added = await call(hass, "add_series", {"title": "Brave Horizon"})

    listing = simulator.stack.traffic.endpoints["sonarr"]["GET /api/v3/series"]
    assert (listing.requests, listing.bytes) == (1, 2)
    library = entry.runtime_data.services["sub_2"].coordinators.library
    item = library.index.by_tvdb(added["tvdb_id"])
    assert item is not None
    assert item.root_folder == added["root_folder"]


async def test_request_titles_come_from_overseerr_once(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Without TMDB, Overseerr names the titles; later lists cost one request."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, [("overseerr", "Overseerr")]))
    simulator.stack.traffic.reset()

    first = await call(hass, "get_requests", {"status": "all", "limit": 50})
    assert all(request["title"] for request in first["requests"])
    world = simulator.world
    for request in first["requests"]:
        title = world.titles[request["media_type"], request["tmdb_id"]]
        assert (request["title"], request["year"]) == (title.title, title.year)
    lookups = {
        key: count
        for key, count in served(simulator).items()
        if key != "overseerr GET /api/v1/request"
    }
    assert set(lookups) <= {
        "overseerr GET /api/v1/movie/{movieId}",
        "overseerr GET /api/v1/tv/{tvId}",
    }
    assert sum(lookups.values()) == len(
        {(r["media_type"], r["tmdb_id"]) for r in first["requests"]}
    )

    simulator.stack.traffic.reset()
    again = await call(hass, "get_requests", {"status": "all", "limit": 50})
    assert again == first
    assert served(simulator) == {"overseerr GET /api/v1/request": 1}


async def test_request_titles_from_the_library_need_no_lookup(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A requested title already in Radarr is named from the index."""
    await call(hass, "get_requests", {})
    world = simulator.world
    movie = next(iter(world.movies.values()))
    request = world.add_request(0, movie.info, simulator.stack.clock.now())
    simulator.stack.traffic.reset()

    response = await call(hass, "get_requests", {})

    found = next(r for r in response["requests"] if r["request_id"] == request.id)
    assert (found["title"], found["year"]) == (movie.info.title, movie.info.year)
    assert served(simulator) == {"overseerr GET /api/v1/request": 1}


async def test_title_cache_expires_and_bounds() -> None:
    """Entries live for the TTL; the oldest goes when full; failures are retried."""
    now = [0.0]
    cache = TitleCache(ttl=10, max_entries=2, clock=lambda: now[0])
    fetched: list[TitleKey] = []

    async def fetch(key: TitleKey) -> TitleInfo:
        fetched.append(key)
        if key[1] == 13:
            raise SmartPlexConnectionError("Overseerr", "down")
        return TitleInfo(title=f"t{key[1]}", year=None, poster_path=None, genres=())

    found = await cache.async_get_many([("movie", 1), ("movie", 1), ("tv", 2)], fetch)
    assert found == {
        ("movie", 1): TitleInfo("t1", None, None, ()),
        ("tv", 2): TitleInfo("t2", None, None, ()),
    }
    assert fetched == [("movie", 1), ("tv", 2)]

    assert await cache.async_get_many([("movie", 13)], fetch) == {}
    await cache.async_get_many([("movie", 13), ("movie", 1)], fetch)
    assert fetched.count(("movie", 13)) == 2
    assert ("movie", 1) not in fetched[2:]

    now[0] = 10
    assert cache.get(("movie", 1)) is None
    await cache.async_get_many([("movie", 3), ("movie", 4), ("movie", 5)], fetch)
    assert cache.get(("movie", 3)) is None
    assert cache.get(("movie", 5)) is not None


async def test_title_cache_raises_unexpected_errors() -> None:
    """Only upstream errors are tolerated."""
    cache = TitleCache()

    async def fetch(key: TitleKey) -> TitleInfo:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await cache.async_get_many([("movie", 1)], fetch)


def test_overseerr_title_from_recorded_responses() -> None:
    """Overseerr's real movie and series details give title, year, poster and genres."""
    fixtures = Path(__file__).parent / "fixtures" / "overseerr"
    movie = OverseerrTitle.from_dict(
        json.loads((fixtures / "python-overseerr__movie.json").read_text())
    )
    assert (movie.tmdb_id, movie.title, movie.year) == (1156593, "Your Fault", 2024)
    assert movie.poster_path == "/1sQA7lfcF9yUyoLYC0e6Zo3jmxE.jpg"
    assert movie.genres == ("Romance", "Drama")
    series = OverseerrTitle.from_dict(
        json.loads((fixtures / "python-overseerr__tv.json").read_text())
    )
    assert (series.tmdb_id, series.title, series.year) == (249522, "Beast Games", 2024)
    assert series.genres == ("Reality",)
