"""Tests for the SmartPlex actions against the simulated media stack."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.smartplex import actions
from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .conftest import NOW, setup_entry
from .helpers_actions import (
    EventLog,
    audit_trail,
    fixture_entry,  # noqa: F401
    fixture_events,  # noqa: F401
    hub,
    world_state,
)


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Call a SmartPlex action and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True, **kwargs
    )
    assert isinstance(response, dict)
    return response


async def test_search_annotates_library_state(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Search results say what is owned, downloading and requested."""
    results = {
        (item["media_type"], item["title"]): item
        for query in ("Lost Empire", "Hollow Orbit", "Rising Echo", "Brave Horizon")
        for item in (await call(hass, "search", {"query": query}))["results"]
    }
    lost_empire = results[("movie", "Lost Empire")]
    assert lost_empire["owned"] is True
    assert lost_empire["instance"] == "Radarr"
    assert lost_empire["monitored"] is True
    assert lost_empire["downloading"] is True
    assert lost_empire["has_file"] is False
    assert results[("movie", "Hollow Orbit")]["requested"] == "pending"
    assert results[("movie", "Hollow Orbit")]["owned"] is False
    assert results[("tv", "Rising Echo")]["owned"] is True
    assert results[("tv", "Rising Echo")]["downloading"] is True
    assert results[("tv", "Brave Horizon")]["requested"] == "declined"


async def test_search_filters(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Media type, year and limit narrow the results."""
    response = await call(
        hass, "search", {"query": "The Mirror", "media_type": "movie", "year": 2005}
    )
    assert [(r["title"], r["year"]) for r in response["results"]] == [
        ("The Mirror", 2005)
    ]
    response = await call(hass, "search", {"query": "Mirror", "limit": 2})
    assert len(response["results"]) == 2


async def test_search_without_tmdb_uses_overseerr(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Without a TMDB key, Overseerr's search is used."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(
        hass, hub(simulator, [("overseerr", "Overseerr"), ("radarr", "Radarr")])
    )
    response = await call(
        hass, "search", {"query": "Hollow Orbit", "media_type": "movie"}
    )
    assert [(r["title"], r["requested"]) for r in response["results"]] == [
        ("Hollow Orbit", "pending")
    ]


async def test_search_with_tmdb_down_fails(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing search service raises a translated error."""
    simulator.faults.inject("tmdb", "status", status=500)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "search", {"query": "Dune"})
    assert err.value.translation_key == "service_error"
    assert err.value.translation_placeholders["service"] == "TMDB"


@pytest.mark.parametrize(
    ("data", "tmdb_id"),
    [
        ({"title": "The Mirror", "year": 2008}, 10042),
        ({"title": "THE MIRROR", "year": 2002}, 10102),
        ({"title": "Scarlet Verdict"}, 10009),
        ({"tmdb_id": 10006}, 10006),
        ({"imdb_id": "tt1070168"}, 10024),
    ],
)
async def test_add_movie(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    data: dict[str, Any],
    tmdb_id: int,
) -> None:
    """A movie found by title, year or id is added and searched for."""
    response = await call(hass, "add_movie", data, context=Context(user_id="u1"))
    movie = simulator.world.movie_by_tmdb(tmdb_id)
    assert movie is not None
    assert movie.monitored
    assert any(item.media_id == movie.id for item in simulator.world.queue.values())
    assert response["tmdb_id"] == tmdb_id
    assert response["instance"] == "Radarr"
    assert response["searching"] is True
    assert response["root_folder"] == "/movies"
    [event] = events.of("smartplex_movie_added")
    assert event["tmdb_id"] == tmdb_id
    assert event["source"] == "service"
    [record] = await audit_trail(hass)
    assert record.action == "movie_added"
    assert record.source == "service"
    assert record.user_id == "u1"
    assert movie.info.title in record.target


async def test_add_movie_options(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Profile, folder, monitoring and search-now are passed on."""
    before = set(simulator.world.queue)
    response = await call(
        hass,
        "add_movie",
        {
            "tmdb_id": 10006,
            "quality_profile": "hd-1080p",
            "root_folder": "/movies/",
            "monitored": False,
            "minimum_availability": "in_cinemas",
            "search": False,
        },
    )
    movie = simulator.world.movie_by_tmdb(10006)
    assert movie is not None
    assert not movie.monitored
    assert set(simulator.world.queue) == before
    assert response["quality_profile"] == "HD-1080p"
    assert response["searching"] is False


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"title": "The Mirror"},
            "ambiguous_title",
            {"candidates": "The Mirror (2002), The Mirror (2008), The Mirror (2005)"},
        ),
        ({"title": "Iron Lantern"}, "ambiguous_title", {}),
        ({"title": "The Mirror", "year": 1999}, "title_not_found", {}),
        (
            {"title": "Nothing Like This"},
            "nothing_found",
            {"title": "Nothing Like This"},
        ),
        ({"tmdb_id": 99999}, "id_not_found", {"id": "TMDB 99999"}),
        ({"imdb_id": "tt9999999"}, "id_not_found", {}),
        ({"title": "Lost Empire"}, "already_added", {"instance": "Radarr"}),
        ({"tmdb_id": 10006, "instance": "Radarr 4K"}, "instance_not_found", {}),
        ({"tmdb_id": 10006, "quality_profile": "8K"}, "quality_profile_not_found", {}),
        ({"tmdb_id": 10006, "root_folder": "/nope"}, "root_folder_not_found", {}),
        ({}, "missing_identifier", {}),
    ],
)
async def test_add_movie_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad input is refused with a translated message and changes nothing."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_movie", data)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    assert placeholders.items() <= err.value.translation_placeholders.items()
    assert world_state(simulator) == before
    assert events.events == []
    assert await audit_trail(hass) == []


async def test_add_movie_with_radarr_down(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing Radarr raises a translated error and nothing is added."""
    before = world_state(simulator)
    simulator.faults.inject("radarr", "status", status=503, path="/api/v3/movie")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "add_movie", {"tmdb_id": 10006})
    assert err.value.translation_key == "service_error"
    assert world_state(simulator) == before


async def test_invalid_imdb_id_is_rejected_by_the_schema(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An IMDb id must look like one."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_movie", {"imdb_id": "1070168"})
    assert err.value.translation_key == "invalid_imdb_id"


@pytest.mark.parametrize(
    ("data", "tvdb_id", "monitor"),
    [
        ({"title": "Brave Horizon", "seasons": [1]}, 300000, "seasons"),
        ({"tvdb_id": 300005, "monitor": "future"}, 300005, "future"),
        ({"tmdb_id": 60006}, 300010, "all"),
        ({"imdb_id": "tt1420063", "search": False}, 300015, "all"),
    ],
)
async def test_add_series(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    data: dict[str, Any],
    tvdb_id: int,
    monitor: str,
) -> None:
    """A series found by title or id is added with the chosen monitoring."""
    response = await call(hass, "add_series", data)
    assert simulator.world.series_by_tvdb(tvdb_id) is not None
    assert response["tvdb_id"] == tvdb_id
    assert response["monitor"] == monitor
    [event] = events.of("smartplex_series_added")
    assert event["tvdb_id"] == tvdb_id
    assert event["instance"] == "Sonarr"


@pytest.mark.parametrize(
    ("service", "title_key", "twin_ids", "data", "candidates"),
    [
        (
            "add_movie",
            ("movie", 10042),
            {"tmdb_id": 19042, "imdb_id": "tt9042042"},
            {"title": "The Mirror", "year": 2008},
            "The Mirror (2008) TMDB 10042, The Mirror (2008) TMDB 19042",
        ),
        (
            "add_series",
            ("tv", 60000),
            {"tmdb_id": 69000, "tvdb_id": 309000, "imdb_id": "tt9000000"},
            {"title": "Brave Horizon"},
            "Brave Horizon (2007) TVDB 300000, Brave Horizon (2007) TVDB 309000",
        ),
    ],
)
async def test_add_refuses_twins_listing_their_ids(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    title_key: tuple[str, int],
    twin_ids: dict[str, Any],
    data: dict[str, Any],
    candidates: str,
) -> None:
    """Two titles with the same name and year are listed with the id that tells them apart."""
    world = simulator.world
    twin = dataclasses.replace(world.titles[title_key], **twin_ids)
    world.titles[(twin.kind, twin.tmdb_id)] = twin
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data)
    assert err.value.translation_key == "ambiguous_title"
    assert err.value.translation_placeholders["candidates"] == candidates
    assert world_state(simulator) == before


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"title": "Brave Horizon", "seasons": [1, 7]}, "season_not_found"),
        ({"title": "Rising Echo"}, "already_added"),
        ({"tvdb_id": 1}, "id_not_found"),
        ({"title": "Nowhere Show"}, "nothing_found"),
        ({"year": 2007}, "missing_identifier"),
    ],
)
async def test_add_series_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad series input is refused and changes nothing."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_series", data)
    assert err.value.translation_key == key
    assert world_state(simulator) == before


async def test_get_queue(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The queues of every Sonarr and Radarr are listed, one entry per download."""
    response = await call(hass, "get_queue", {})
    assert {(item["instance"], item["title"]) for item in response["items"]} == {
        ("Radarr", "Lost Empire (2021)"),
        ("Sonarr", "Rising Echo S01E08"),
        ("Sonarr", "The Orbit S06 (8 episodes)"),
    }
    assert response["total"] == 3
    response = await call(hass, "get_queue", {"instance": "radarr"})
    assert [item["queue_id"] for item in response["items"]] == [1]
    assert response["items"][0]["progress"] == 40.0
    assert response["items"][0]["movies"] == ["Lost Empire (2021)"]


async def test_season_pack_is_one_download(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A season pack (records sharing a download id) is one download with its episodes."""
    queue = simulator.world.queue.values()
    [pack_id] = {item.download_id for item in queue if item.records > 1}
    records = [item for item in queue if item.download_id == pack_id]
    response = await call(hass, "get_queue", {"instance": "Sonarr"})
    [pack] = [item for item in response["items"] if item["release"] == records[0].title]
    assert pack["queue_ids"] == [item.id for item in records]
    assert pack["queue_id"] == records[0].id
    assert pack["episodes"] == [f"S06E{number:02d}" for number in range(1, 9)]
    # The pack's size counts once, so totals add up to what is really downloading.
    downloads = {
        item.download_id: item.size for item in queue if item.service == "sonarr"
    }
    assert sum(item["size_bytes"] for item in response["items"]) == sum(
        downloads.values()
    )
    assert response["total"] == len(downloads)


async def test_remove_season_pack(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Any record id of a pack removes the whole pack: every record, one event, one row."""
    records = [item for item in simulator.world.queue.values() if item.records > 1]
    other = set(simulator.world.queue) - {item.id for item in records}
    response = await call(
        hass, "remove_queue_item", {"queue_id": records[3].id, "blocklist": True}
    )
    assert set(simulator.world.queue) == other
    assert simulator.world.blocklist == [
        ("sonarr", 2, "The.Orbit.S06.1080p.WEB-DL-SIM")
    ]
    assert response["queue_ids"] == [item.id for item in records]
    [event] = events.of("smartplex_queue_item_removed")
    assert event["title"] == "The Orbit S06 (8 episodes)"
    [record] = await audit_trail(hass)
    assert record.details["queue_ids"] == response["queue_ids"]


async def test_remove_queue_item(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Removing a download with blocklisting is done, announced and audited."""
    response = await call(hass, "remove_queue_item", {"queue_id": 1, "blocklist": True})
    assert 1 not in simulator.world.queue
    assert simulator.world.blocklist == [
        ("radarr", 14, "Lost.Empire.2021.1080p.WEB-DL-SIM")
    ]
    assert response["title"] == "Lost Empire (2021)"
    [event] = events.of("smartplex_queue_item_removed")
    assert event["blocklist"] is True
    assert event["instance"] == "Radarr"
    [record] = await audit_trail(hass)
    assert record.action == "queue_item_removed"
    assert record.target == "Radarr: Lost.Empire.2021.1080p.WEB-DL-SIM"


@pytest.mark.parametrize(
    "data",
    [{"queue_id": 99}, {"queue_id": 1, "instance": "Sonarr"}],
)
async def test_remove_queue_item_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
) -> None:
    """An id not in the queue is refused and nothing is removed."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_queue_item", data)
    assert err.value.translation_key == "queue_item_not_found"
    assert world_state(simulator) == before


async def test_remove_queue_item_in_two_instances(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """An id found in two queues needs the instance."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(
        hass, hub(simulator, [("radarr", "Radarr"), ("radarr", "Radarr 4K")])
    )
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_queue_item", {"queue_id": 1})
    assert err.value.translation_key == "ambiguous_queue_item"
    assert err.value.translation_placeholders["candidates"] == "Radarr, Radarr 4K"
    assert world_state(simulator) == before
    await call(hass, "remove_queue_item", {"queue_id": 1, "instance": "Radarr 4K"})
    assert 1 not in simulator.world.queue


async def test_get_calendar(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Episodes and movie releases of a window come sorted by date."""
    start, end = "2021-01-01T00:00:00+00:00", "2022-01-01T00:00:00+00:00"
    response = await call(hass, "get_calendar", {"start": start, "end": end})
    items = response["items"]
    movies = [
        (item["title"], item["release"], item["date"])
        for item in items
        if item["type"] == "movie"
    ]
    assert movies == [
        ("The Restless Kingdom (2021)", "cinema", "2021-02-07"),
        ("The Restless Kingdom (2021)", "digital", "2021-03-24"),
        ("The Restless Kingdom (2021)", "physical", "2021-05-08"),
        ("Lost Empire (2021)", "cinema", "2021-06-21"),
        ("Lost Empire (2021)", "digital", "2021-08-05"),
        ("Lost Empire (2021)", "physical", "2021-09-19"),
    ]
    # Episodes air at a time; a release is a day, starting at local midnight.
    starts = [
        datetime.fromisoformat(item["date"])
        if item["type"] == "episode"
        else dt_util.start_of_local_day(date.fromisoformat(item["date"]))
        for item in items
    ]
    assert starts == sorted(starts)
    assert all(start <= item["date"] < end for item in items)
    radarr_only = await call(
        hass, "get_calendar", {"start": start, "end": end, "instance": "Radarr"}
    )
    assert {item["instance"] for item in radarr_only["items"]} == {"Radarr"}
    short = await call(hass, "get_calendar", {"start": NOW.isoformat(), "days": 1})
    assert short == {
        "start": NOW.isoformat(),
        "end": "2026-03-15T12:00:00+00:00",
        "items": [],
    }


async def test_get_calendar_invalid_window(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An end before the start is refused."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "get_calendar",
            {"start": NOW.isoformat(), "end": "2026-03-01T00:00:00+00:00"},
        )
    assert err.value.translation_key == "invalid_window"


async def test_sync(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Sync refreshes every service and reports failures."""
    response = await call(hass, "sync", {})
    assert response == {
        "refreshed": ["Overseerr", "Radarr", "Sonarr", "TMDB", "Tautulli"],
        "failed": [],
    }
    simulator.faults.inject("sonarr", "status", status=500)
    response = await call(hass, "sync", {"instance": "Sonarr"})
    assert response == {"refreshed": [], "failed": ["Sonarr"]}
    assert [e["source"] for e in events.of("smartplex_synced")] == [
        "service",
        "service",
    ]


async def test_config_entry_targeting(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The hub can be named; an unknown or unloaded hub is refused."""
    response = await call(
        hass, "get_queue", {"config_entry": entry.entry_id, "instance": "Sonarr"}
    )
    assert response["total"] == 2
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "get_queue", {"config_entry": "nope"})
    assert err.value.translation_key == "entry_not_found"
    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "get_queue", {})
    assert err.value.translation_key == "entry_not_loaded"
    await hass.config_entries.async_remove(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "get_queue", {})
    assert err.value.translation_key == "entry_not_found"


async def test_service_not_configured(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """An action needing a service that is not set up says so."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "approve_request", {"request_id": 1})
    assert err.value.translation_key == "service_not_configured"
    assert err.value.translation_placeholders == {"service": "Overseerr"}


async def test_every_service_is_described(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Every registered action has a services.yaml entry and translations."""
    from homeassistant.helpers.service import async_get_all_descriptions

    descriptions = await async_get_all_descriptions(hass)
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    assert registered == set(descriptions[DOMAIN])
    assert registered == {
        "add_movie",
        "add_series",
        "approve_request",
        "ask",
        "auto_add",
        "confirm_proposal",
        "decline_request",
        "dismiss_recommendation",
        "execute_cleanup",
        "get_calendar",
        "get_queue",
        "get_requests",
        "get_statistics",
        "get_sync_log",
        "plan_cleanup",
        "predict",
        "prioritize_searches",
        "recommend",
        "remove_queue_item",
        "search",
        "suggest_upgrades",
        "sync",
        "triage_requests",
        "undo_auto_add",
    }


def test_translations_cover_every_error_and_selector() -> None:
    """Every error key raised and every selector of services.yaml is translated."""
    package = Path(actions.__file__).parents[1]
    strings = json.loads((package / "translations" / "en.json").read_text())
    source = "".join(path.read_text() for path in sorted(package.rglob("*.py")))
    raised = set(re.findall(r'invalid\(\s*"(\w+)"', source)) | {"service_error"}
    assert raised <= set(strings["exceptions"])
    services = yaml.safe_load((package / "services.yaml").read_text())
    for name, description in services.items():
        translated = strings["services"][name]
        assert set(description["fields"]) == set(translated["fields"])
        for field in description["fields"].values():
            select = field["selector"].get("select")
            if select:
                options = strings["selector"][select["translation_key"]]["options"]
                assert set(select["options"]) == set(options)
