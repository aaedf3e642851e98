"""Push end to end for library changes: upgrades, deletions, renames, and request outcomes."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from simulator import Simulator

from .conftest import deliver
from .helpers_world import unknown_title
from .test_webhook import capture, service_of


async def test_upgrades_removals_and_request_outcomes(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Upgrades, deletions, and auto-approved, declined, failed and available requests arrive."""
    downloads = capture(hass, "download")
    library = capture(hass, "library")
    requests = capture(hass, "request")
    stack, world = simulator.stack, simulator.world
    # Episodes that already have a file are downloading again in a better quality.
    upgrading = {
        q.media_id
        for q in world.queue.values()
        if q.service == "sonarr" and q.episode_id and world.episodes[q.episode_id][5]
    }
    assert upgrading
    await simulator.advance(24 * 3600)
    await deliver(hass, simulator)
    upgraded = [e for e in downloads if e.data["type"] == "upgraded"]
    assert upgraded
    assert {e.data["series_id"] for e in upgraded} <= upgrading
    assert all(e.data["is_upgrade"] is True for e in upgraded)

    owned = next(m for m in world.movies.values() if m.has_file)
    radarr = service_of(entry, "radarr").client
    sonarr = service_of(entry, "sonarr").client
    await radarr.delete_movie_files(owned.id)  # type: ignore[union-attr]
    await radarr.delete_movie(owned.id)  # type: ignore[union-attr]
    series = next(
        s
        for s in world.series.values()
        if any(world.episodes[e][5] for e in s.episode_ids)
    )
    episode_id = next(e for e in series.episode_ids if world.episodes[e][5])
    _, _, season, number, *_ = world.episodes[episode_id]
    code = f"S{season:02d}E{number:02d}"
    await sonarr.delete_episode_files([episode_id])  # type: ignore[union-attr]
    await sonarr.delete_series(series.id, delete_files=True)  # type: ignore[union-attr]
    await deliver(hass, simulator)
    assert [
        (
            e.data["service"],
            e.data["type"],
            e.data.get("movie_id") or e.data.get("series_id"),
        )
        for e in library
    ] == [
        ("radarr", "file_deleted", owned.id),
        ("radarr", "deleted", owned.id),
        ("sonarr", "file_deleted", series.id),
        ("sonarr", "deleted", series.id),
    ]
    assert library[2].data["episodes"] == code
    # The library index drops the deleted movie at once (after the debounce window).
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done()
    index = service_of(entry, "radarr").coordinators.library.index  # type: ignore[union-attr]
    assert index.get(owned.id) is None

    auto = stack.create_request(1, unknown_title(world, "movie"), auto_approve=True)
    declined = stack.create_request(2, unknown_title(world, "movie"))
    stack.decline_request(declined, by_user=0)
    failed = stack.create_request(1, unknown_title(world, "movie"))
    stack.fail_request(failed)
    await deliver(hass, simulator)
    await simulator.advance(12 * 3600)
    await deliver(hass, simulator)
    outcomes = [(e.data["type"], e.data["request_id"]) for e in requests]
    assert outcomes[:5] == [
        ("auto_approved", auto.id),
        ("created", declined.id),
        ("declined", declined.id),
        ("created", failed.id),
        ("failed", failed.id),
    ]
    assert ("available", auto.id) in outcomes
    state = hass.states.get("event.overseerr_request")
    assert state.attributes["event_type"] == "available"
    assert state.attributes["request_id"] == auto.id


async def test_renames_end_to_end(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Rename commands through Sonarr's and Radarr's APIs reach events, entities and the index."""
    library = capture(hass, "library")
    world, traffic = simulator.world, simulator.stack.traffic
    movie = next(m for m in world.movies.values() if m.has_file)
    series = next(
        s
        for s in world.series.values()
        if any(world.episodes[e][5] for e in s.episode_ids)
    )
    radarr = service_of(entry, "radarr").client
    sonarr = service_of(entry, "sonarr").client
    await radarr.command("RenameMovie", movieIds=[movie.id])  # type: ignore[union-attr]
    await sonarr.command("RenameSeries", seriesIds=[series.id])  # type: ignore[union-attr]
    traffic.reset()
    await simulator.advance(5)
    await deliver(hass, simulator)
    assert sorted(
        (
            e.data["service"],
            e.data["type"],
            e.data.get("movie_id") or e.data.get("series_id"),
        )
        for e in library
    ) == [("radarr", "renamed", movie.id), ("sonarr", "renamed", series.id)]
    renamed_movie = next(e for e in library if e.data["service"] == "radarr")
    assert renamed_movie.data["title"] == movie.info.title
    assert renamed_movie.data["source"] == "push"
    for entity_id, title_id in (
        ("event.radarr_library_change", ("movie_id", movie.id)),
        ("event.sonarr_library_change", ("series_id", series.id)),
    ):
        state = hass.states.get(entity_id)
        assert state.attributes["event_type"] == "renamed"
        assert state.attributes[title_id[0]] == title_id[1]
    # Each renamed title is re-read into the library index.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done()
    served = traffic.snapshot()
    assert served["radarr"]["GET /api/v3/movie/{id}"]["requests"] >= 1
    assert served["sonarr"]["GET /api/v3/series/{id}"]["requests"] >= 1
    # A file is renamed once: the same command again sends nothing.
    await radarr.command("RenameMovie", movieIds=[movie.id])  # type: ignore[union-attr]
    await simulator.advance(5)
    await deliver(hass, simulator)
    assert len(library) == 2
