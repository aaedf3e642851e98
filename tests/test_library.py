"""The library index: filled off the event loop, kept fresh from the change feed."""

from __future__ import annotations

import gc
import json
from pathlib import Path
import threading
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex import library
from custom_components.smartplex.api.arr_models import HistoryEvent
from custom_components.smartplex.api.listing import (
    ListedMovie,
    ListedSeries,
    ListedTitle,
    listing_decoder,
)
from custom_components.smartplex.arr_coordinator import ArrLibraryCoordinator
from custom_components.smartplex.const import INTERVAL_LIBRARY_RESYNC
from simulator import Simulator
from simulator.models import Title

from .conftest import hub_with_services, setup_entry

FIXTURES = Path(__file__).parent / "fixtures"
MOVIE_LIST = ("radarr", "GET", "/api/v3/movie")
SERIES_LIST = ("sonarr", "GET", "/api/v3/series")


def library_of(entry: MockConfigEntry, service: str) -> ArrLibraryCoordinator:
    """Return the library coordinator of the simulated Sonarr or Radarr."""
    coordinator = entry.runtime_data.services[f"sub_{service}"].coordinators.library
    assert isinstance(coordinator, ArrLibraryCoordinator)
    return coordinator


def new_titles(simulator: Simulator, kind: str, count: int) -> list[Title]:
    """Return released titles that are not in the library."""
    world = simulator.world
    owned = world.owned_tmdb_ids()
    titles = (
        title
        for title in world.titles.values()
        if title.kind == kind
        and (kind, title.tmdb_id) not in owned
        and title.release < world.start
    )
    return [next(titles) for _ in range(count)]


def new_title(simulator: Simulator, kind: str) -> Title:
    """Return a released title that is not in the library."""
    return new_titles(simulator, kind, 1)[0]


def arr_requests(simulator: Simulator, service: str) -> dict[str, int]:
    """Return the GET routes a Sonarr or Radarr served, with their request counts."""
    return {
        name.removeprefix("GET "): counted.requests
        for name, counted in simulator.stack.traffic.endpoints.get(service, {}).items()
        if name.startswith("GET ")
    }


async def test_refresh_parses_off_the_event_loop(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole libraries are decoded and parsed in the executor, not on the loop."""
    threads: set[int] = set()

    def recording(parse: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            threads.add(threading.get_ident())
            return parse(*args)

        return wrapper

    monkeypatch.setattr(library, "library_item", recording(library.library_item))
    entry = hub_with_services(simulator)
    await setup_entry(hass, entry)

    assert threads
    assert threading.get_ident() not in threads
    assert len(library_of(entry, "radarr").index) == len(simulator.world.movies)


async def test_library_parse_holds_the_garbage_collector_back(
    hass: HomeAssistant, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector does not run while a listing is parsed, and runs again after."""
    collector_on: set[bool] = set()

    def recording(data: Any, media_type: str, *seen: Any) -> library.LibraryItem:
        collector_on.add(gc.isenabled())
        return parse(data, media_type, *seen)

    parse = library.library_item
    monkeypatch.setattr(library, "library_item", recording)
    entry = hub_with_services(simulator)
    await setup_entry(hass, entry)

    assert collector_on == {False}
    assert gc.isenabled()
    assert len(library_of(entry, "sonarr").index) == len(simulator.world.series)


async def test_index_holds_the_library(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The index has every title with its ids, sizes, flags, profile and folder."""
    world = simulator.world
    movies = library_of(loaded_entry, "radarr").index
    series = library_of(loaded_entry, "sonarr").index
    assert movies.loaded
    assert series.loaded
    assert len(movies) == len(world.movies)
    assert movies.size_on_disk == world.movies_size()
    assert len(series) == len(world.series)
    assert series.size_on_disk == world.series_size()

    movie = next(iter(world.movies.values()))
    item = movies.by_tmdb(movie.info.tmdb_id)
    assert item is not None
    assert item is movies.by_imdb(movie.info.imdb_id)
    assert item is movies.get(movie.id)
    assert (item.title, item.year, item.has_file, item.size_on_disk) == (
        movie.info.title,
        movie.info.year,
        movie.has_file,
        movie.size,
    )
    assert (item.monitored, item.root_folder, item.quality_profile_id) == (
        movie.monitored,
        "/movies",
        2,
    )
    assert item.added == movie.added
    show = next(iter(world.series.values()))
    found = series.by_tvdb(show.info.tvdb_id)
    assert found is not None
    assert found is series.by_tmdb(show.info.tmdb_id)
    assert (found.title, found.root_folder) == (show.info.title, "/tv")
    assert series.profiles_by_use() == [2]
    queued = {
        item.media_id for item in world.queue.values() if item.service == "radarr"
    }
    assert queued
    assert all(movies.downloading(movie_id) for movie_id in queued)
    idle = next(movie_id for movie_id in world.movies if movie_id not in queued)
    assert not movies.downloading(idle)


async def test_changes_come_from_the_history_feed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A grab and an import update only the titles they name; no library is listed."""
    coordinator = library_of(loaded_entry, "radarr")
    info = new_title(simulator, "movie")
    simulator.stack.traffic.reset()
    movie = simulator.stack.add_movie(
        info, monitored=True, quality_id=3, tags=[], search=True
    )

    await coordinator.async_refresh()
    item = coordinator.index.by_tmdb(info.tmdb_id)
    assert item is not None
    assert (item.id, item.has_file) == (movie.id, False)
    assert coordinator.index.downloading(movie.id)
    assert coordinator.data.count == len(simulator.world.movies)

    seen = len(simulator.world.history["radarr"])
    await simulator.advance(86_400)
    imported = {e.media_id for e in simulator.world.history["radarr"][seen:]}
    assert movie.id in imported
    await coordinator.async_refresh()
    item = coordinator.index.get(movie.id)
    assert item is not None
    assert item.has_file
    assert item.size_on_disk == movie.size > 0
    assert not coordinator.index.downloading(movie.id)
    assert coordinator.data.size_on_disk == simulator.world.movies_size()

    served = arr_requests(simulator, "radarr")
    assert MOVIE_LIST[2] not in served
    # One read for the grab of a title not in the index, one per imported title, and
    # each poll's look at the next id (nothing there: an empty 404).
    assert served["/api/v3/movie/{id}"] == 1 + len(imported) + 2
    assert served["/api/v3/history/since"] == 2


async def test_series_changes_and_failed_downloads(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Sonarr's feed works alike; a blocklisted download stops counting as downloading."""
    coordinator = library_of(loaded_entry, "sonarr")
    info = new_title(simulator, "tv")
    simulator.stack.traffic.reset()
    series = simulator.stack.add_series(
        info, monitored=True, quality_id=3, tags=[], search=True
    )
    await coordinator.async_refresh()
    assert coordinator.index.by_tvdb(info.tvdb_id) is not None
    assert coordinator.index.downloading(series.id)

    world = simulator.world
    for item in [q for q in world.queue.values() if q.media_id == series.id]:
        del world.queue[item.id]
        world.record("downloadFailed", item, simulator.stack.clock.now())
    await coordinator.async_refresh()
    assert not coordinator.index.downloading(series.id)
    assert SERIES_LIST[2] not in arr_requests(simulator, "sonarr")


async def test_title_changed_hook_rereads_titles(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The push hook re-reads named titles; a deleted one leaves the index."""
    coordinator = library_of(loaded_entry, "radarr")
    world = simulator.world
    movie = next(m for m in world.movies.values() if m.has_file)
    world.delete_movie(movie.id, delete_files=True, exclude=False)
    other = next(iter(world.movies.values()))
    other.monitored = not other.monitored

    await coordinator.async_title_changed([movie.id, other.id])

    assert movie.id not in coordinator.index
    assert coordinator.index.by_tmdb(movie.info.tmdb_id) is None
    changed = coordinator.index.get(other.id)
    assert changed is not None
    assert changed.monitored == other.monitored
    assert coordinator.data.count == len(world.movies)
    assert coordinator.data.size_on_disk == world.movies_size()
    state = hass.states.get("sensor.radarr_movies")
    assert state is not None
    assert state.state == str(len(world.movies))


async def test_title_changed_hook_survives_a_failing_service(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A push for a title while the service fails leaves the index as it was."""
    coordinator = library_of(loaded_entry, "radarr")
    movie = next(iter(simulator.world.movies.values()))
    before = coordinator.index.get(movie.id)
    simulator.faults.inject("radarr", "status", status=500)

    await coordinator.async_title_changed([movie.id])

    assert coordinator.index.get(movie.id) is before


async def test_failed_refresh_keeps_its_place_in_the_feed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """When re-reading a title fails, the next poll applies the same events again."""
    coordinator = library_of(loaded_entry, "radarr")
    info = new_title(simulator, "movie")
    movie = simulator.stack.add_movie(
        info, monitored=True, quality_id=3, tags=[], search=True
    )
    simulator.faults.inject(
        "radarr", "status", path=f"/api/v3/movie/{movie.id}", status=500, times=1
    )
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert movie.id not in coordinator.index

    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert movie.id in coordinator.index


async def test_titles_added_without_a_grab_are_found_by_their_id(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Titles added outside SmartPlex with no download show at the next poll, unlisted."""
    coordinator = library_of(loaded_entry, "radarr")
    added = [
        simulator.stack.add_movie(
            info, monitored=False, quality_id=3, tags=[], search=False
        )
        for info in new_titles(simulator, "movie", 2)
    ]
    simulator.stack.traffic.reset()

    await coordinator.async_refresh()

    assert all(movie.id in coordinator.index for movie in added)
    assert coordinator.data.count == len(simulator.world.movies)
    served = arr_requests(simulator, "radarr")
    assert MOVIE_LIST[2] not in served
    assert served["/api/v3/movie/{id}"] == len(added) + 1


async def test_full_listing_once_a_day(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only the daily resync lists the library; it drops titles deleted outside SmartPlex."""
    coordinator = library_of(loaded_entry, "radarr")
    deleted = next(iter(coordinator.index))
    simulator.world.delete_movie(deleted.id, delete_files=True, exclude=False)
    simulator.stack.traffic.reset()

    await coordinator.async_refresh()
    assert deleted.id in coordinator.index
    assert MOVIE_LIST[2] not in arr_requests(simulator, "radarr")

    freezer.tick(INTERVAL_LIBRARY_RESYNC)
    await coordinator.async_refresh()
    assert deleted.id not in coordinator.index
    assert coordinator.data.count == len(simulator.world.movies)
    assert arr_requests(simulator, "radarr")[MOVIE_LIST[2]] == 1


async def test_mass_change_lists_the_library_once(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More changed titles than single reads are worth: one full listing instead."""
    coordinator = library_of(loaded_entry, "radarr")
    monkeypatch.setattr(library, "MAX_TITLE_REFRESHES", 0)
    info = new_title(simulator, "movie")
    movie = simulator.stack.add_movie(
        info, monitored=True, quality_id=3, tags=[], search=True
    )
    simulator.stack.traffic.reset()

    await coordinator.async_refresh()

    assert movie.id in coordinator.index
    served = arr_requests(simulator, "radarr")
    assert served[MOVIE_LIST[2]] == 1
    assert "/api/v3/movie/{id}" not in served


async def test_quiet_feed_changes_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """With nothing new a poll is two small requests: the feed and the next id."""
    coordinator = library_of(loaded_entry, "radarr")
    before = coordinator.data
    simulator.stack.traffic.reset()

    await coordinator.async_refresh()

    assert coordinator.data == before
    assert arr_requests(simulator, "radarr") == {
        "/api/v3/history/since": 1,
        "/api/v3/movie/{id}": 1,
    }


def fixture(relative: str) -> Any:
    """Return a recorded real response from tests/fixtures."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("recorded", "listed_type", "index"),
    [
        ("radarr/pyarr__movie_all.json", ListedMovie, library.index_movies),
        ("sonarr/pyarr__series_all.json", ListedSeries, library.index_series),
    ],
)
def test_listed_fields_index_a_recorded_listing_as_whole_objects_do(
    recorded: str, listed_type: type[ListedTitle], index: Any
) -> None:
    """Decoding only the fields the index reads gives it the very entries of the whole objects."""
    body = (FIXTURES / recorded).read_bytes()
    listed = listing_decoder(listed_type).decode(body)
    assert listed
    assert all(type(title) is listed_type for title in listed)
    assert list(index(listed)) == list(index(json.loads(body)))


def test_recorded_responses_parse() -> None:
    """Real Radarr/Sonarr listings and history (older shapes included) parse as expected."""
    movie = library.library_item(
        fixture("radarr/pyarr__movie_all.json")[0], library.MEDIA_MOVIE
    )
    assert (movie.id, movie.tmdb_id, movie.imdb_id, movie.year) == (
        1,
        123456,
        "tt123456",
        2014,
    )
    assert (movie.size_on_disk, movie.has_file, movie.quality_profile_id) == (
        10501793191,
        True,
        1,
    )
    # No rootFolderPath before Radarr v4 and a path without a parent folder.
    assert movie.root_folder is None
    series = library.library_item(
        fixture("sonarr/pyarr__series_all.json")[0], library.MEDIA_TV
    )
    assert (series.tmdb_id, series.has_file, series.root_folder) == (
        None,
        False,
        "string",
    )
    assert library.library_item({"path": "/tv/Show"}, "tv").root_folder == "/tv"
    events = [
        HistoryEvent.from_dict(record, "seriesId")
        for record in fixture("sonarr/pyarr__history.json")["records"]
    ]
    assert [(e.id, e.event_type, e.media_id) for e in events] == [
        (5207, "downloadFolderImported", 106),
        (5206, "downloadFolderImported", 106),
    ]
    assert events[0].download_id == "B0DFA7663432B216A08FAB21FC13265464DDA9DA"


def test_titles_are_looked_up_by_normalized_title() -> None:
    """A title is found by its normalized title, in index order, through changes."""
    movie = fixture("radarr/pyarr__movie_all.json")[0]
    first = library.library_item({**movie, "id": 1, "year": 2001}, "movie")
    remake = library.library_item({**movie, "id": 2, "year": 2021}, "movie")
    index = library.LibraryIndex.from_items([first, remake])
    wanted = library.normalize_title(f"  {movie['title'].upper()}!")
    assert index.by_title(wanted) == [first, remake]
    renamed = first._replace(title="Another: Film")
    index.upsert(renamed)
    assert index.by_title(wanted) == [remake]
    assert index.by_title("another film") == [renamed]
    index.upsert(remake._replace(monitored=not remake.monitored))
    assert [item.year for item in index.by_title(wanted)] == [2021]
    index.remove(2)
    assert index.by_title(wanted) == []
    assert index.by_title("another film") == [renamed]


def test_normalized_titles_ignore_case_punctuation_and_underscores() -> None:
    """Every title match (index, requests, exclusions, streams) reduces titles the same way."""
    assert (
        library.normalize_title("  Marvel's  Agents_of S.H.I.E.L.D. ")
        == "marvel s agents of s h i e l d"
    )
    assert library.normalize_title("Amélie") == "amélie"


def test_titles_of_a_listing_share_repeated_values() -> None:
    """Genres, root folders and qualities that titles repeat are kept once per listing."""
    movie = fixture("radarr/pyarr__movie_all.json")[0]
    listing = [
        {**movie, "id": 1, "genres": ["Drama", "Crime"], "rootFolderPath": "/movies"},
        {**movie, "id": 2, "genres": ["Drama", "Crime"], "rootFolderPath": "/movies"},
    ]
    # Each decoded title holds its own copies, as orjson gives them.
    decoded = json.loads(json.dumps(listing))
    first, second = library.index_movies(decoded)
    assert first.genres == ("Drama", "Crime")
    assert first.genres is second.genres
    assert first.root_folder is second.root_folder
    assert first.file_quality is second.file_quality
    alone = library.library_item(decoded[1], library.MEDIA_MOVIE)
    assert alone == second
    assert alone.genres is not first.genres
