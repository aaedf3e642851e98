"""Tests for the SmartPlex database sync: library, play history and titles of plays."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path
import sqlite3
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.smartplex import sync_history, sync_stream_details
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import history
from custom_components.smartplex.sync_history import EVENT_HISTORY_SYNCED
from simulator import Simulator
from simulator.models import Play
from simulator.tautulli_base import EPISODE_KEYS
from simulator.world import World

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub
from .helpers_database import expected_title, rows

HISTORY_STATE = "SELECT done, full_done FROM sync_state WHERE kind = 'history'"


async def test_first_sync_stores_every_play_once_with_its_title(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Every history row is stored once, mapped by guids, by title, or kept unmatched."""
    synced = async_capture_events(hass, EVENT_HISTORY_SYNCED)
    world = simulator.world
    await setup_entry(hass, hub(simulator, ALL_SERVICES))
    stored = {
        row_id: (identity_type, tmdb_id, matched_by)
        for row_id, identity_type, tmdb_id, matched_by in rows(
            database,
            "SELECT row_id, identity_type, tmdb_id, matched_by FROM plays",
        )
    }
    assert sorted(stored) == [play[0] for play in world.plays]
    expected = {play[0]: expected_title(world, play) for play in world.plays}
    assert {
        row_id: None if value[2] is None else value for row_id, value in stored.items()
    } == expected
    by = Counter(value[2] for value in stored.values())
    # The tiny world has plays matched both ways (unmatched ones: the test below).
    assert by["guid"] > 0
    assert by["title"] > 0
    assert [event.data for event in synced] == [
        {"instance": "Tautulli", "plays": len(world.plays), "unmatched": by[None]}
    ]
    state = hass.states.get("sensor.tautulli_history_sync")
    assert state is not None
    assert state.state == "100.0"
    # One metadata lookup per rating key: an episode's is its series'.
    looked_up = rows(database, "SELECT COUNT(*) FROM rating_keys")[0][0]
    calls = simulator.stack.traffic.endpoints["tautulli"]
    assert calls["GET /api/v2?cmd=get_metadata"].requests == looked_up
    assert not rows(
        database, "SELECT 1 FROM rating_keys WHERE rating_key >= ?", EPISODE_KEYS
    )


async def test_library_is_written_from_the_index(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Every movie and series of each instance is stored, and follows changes."""
    world = simulator.world
    entry = hub(simulator, [("radarr", "Radarr"), ("sonarr", "Sonarr")])
    await setup_entry(hass, entry)
    movies = {
        item_id: (tmdb_id, title, size, cutoff_met, quality)
        for item_id, tmdb_id, title, size, cutoff_met, quality in rows(
            database,
            "SELECT item_id, tmdb_id, title, size_on_disk, cutoff_met, file_quality"
            " FROM library WHERE instance = 'sub_0'",
        )
    }
    assert movies.keys() == world.movies.keys()
    movie = next(m for m in world.movies.values() if m.has_file)
    assert movies[movie.id][:3] == (movie.info.tmdb_id, movie.info.title, movie.size)
    assert movies[movie.id][3] == (movie.quality_id in {7, 18, 19})
    assert movies[movie.id][4] is not None
    series = {
        item_id: (tvdb_id, seasons)
        for item_id, tvdb_id, seasons in rows(
            database,
            "SELECT item_id, tvdb_id, season_count FROM library"
            " WHERE instance = 'sub_1'",
        )
    }
    assert series == {
        item.id: (item.info.tvdb_id, len(item.info.seasons))
        for item in world.series.values()
    }
    # A title deleted in Radarr leaves the database when the index learns it.
    world.delete_movie(movie.id, delete_files=True, exclude=False)
    coordinator = entry.runtime_data.services["sub_0"].coordinators.library
    await coordinator.async_title_changed([movie.id])
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not rows(
        database,
        "SELECT 1 FROM library WHERE instance = 'sub_0' AND item_id = ?",
        movie.id,
    )
    log = rows(
        database,
        "SELECT kind, added, changed, status FROM sync_log WHERE instance = 'sub_0'"
        " ORDER BY id",
    )
    assert log == [
        ("library", len(world.movies) + 1, 0, "done"),
        ("library", 0, 1, "done"),
    ]


async def test_incremental_sync_reads_only_new_rows(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """After the first sync a poll with nothing new costs one request; new rows are added."""
    entry = hub(simulator, [("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    coordinator = entry.runtime_data.services["sub_0"].coordinators.history
    traffic = simulator.stack.traffic
    traffic.reset()
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert sum(e.requests for e in traffic.endpoints["tautulli"].values()) == 1
    world = simulator.world
    last = world.plays[-1]
    new_play = (last[0] + 1, last[1] + 600, last[2] + 900, *last[3:])
    world.plays.append(new_play)
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert rows(database, "SELECT COUNT(*), MAX(row_id) FROM plays") == [
        (len(world.plays), new_play[0])
    ]


async def test_a_sync_stopped_mid_way_resumes_without_loss_or_duplicates(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Stopped while a page is in flight, the next start goes on after the last commit."""
    world = simulator.world
    entry = hub(simulator, [("tautulli", "Tautulli")])
    real_insert = history.insert_plays
    pages = 0

    def insert_then_hang(connection: sqlite3.Connection, play_rows: Any) -> int:
        nonlocal pages
        pages += 1
        if pages == 1:
            # The next page never comes (or the one after, if it was already asked
            # for while this one is stored): Home Assistant stops meanwhile.
            simulator.faults.inject("tautulli", "hang", cmd="get_history")
        return real_insert(connection, play_rows)

    with (
        patch.object(sync_history, "HISTORY_PAGE", 40),
        patch.object(history, "insert_plays", insert_then_hang),
    ):
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await simulator.faults.wait_delayed()
        await hass.config_entries.async_unload(entry.entry_id)
    # The stored rows and the cursor agree, whichever page was cut.
    ((stored_before,),) = rows(database, "SELECT COUNT(*) FROM plays")
    assert stored_before in (40, 80)
    assert rows(database, HISTORY_STATE) == [(stored_before, 0)]
    simulator.faults.clear()
    with patch.object(sync_history, "HISTORY_PAGE", 40):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    stored = [row_id for (row_id,) in rows(database, "SELECT row_id FROM plays")]
    assert sorted(stored) == [play[0] for play in world.plays]
    assert rows(database, HISTORY_STATE) == [(len(world.plays), 1)]


async def test_a_failed_page_leaves_neither_its_rows_nor_the_cursor(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """A write failing after the rows went in rolls back rows and position together."""
    world = simulator.world
    real_insert = history.insert_plays
    pages = 0

    def failing_insert(connection: sqlite3.Connection, play_rows: Any) -> int:
        nonlocal pages
        pages += 1
        added = real_insert(connection, play_rows)
        if pages == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return added

    with (
        patch.object(sync_history, "HISTORY_PAGE", 40),
        patch.object(history, "insert_plays", failing_insert),
    ):
        await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
        assert rows(database, "SELECT COUNT(*) FROM plays") == [(40,)]
        assert rows(database, HISTORY_STATE) == [(40, 0)]
        async_fire_time_changed(hass, fire_all=True)
        await hass.async_block_till_done(wait_background_tasks=True)
    stored = [row_id for (row_id,) in rows(database, "SELECT row_id FROM plays")]
    assert sorted(stored) == [play[0] for play in world.plays]
    assert rows(
        database,
        "SELECT status, error FROM sync_log WHERE kind = 'history' ORDER BY id",
    ) == [
        ("failed", "disk I/O error"),
        ("done", None),
    ]


async def test_a_failing_sync_raises_a_repair_and_recovers(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Three failed attempts raise a repair; the next success clears it and logs it."""
    simulator.faults.inject("tautulli", "status", cmd="get_history", status=500)
    entry = hub(simulator, [("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    issue_id = "sync_failing_sub_0_history"
    registry = ir.async_get(hass)
    for _ in range(2):
        assert registry.async_get_issue(DOMAIN, issue_id) is None
        async_fire_time_changed(hass, fire_all=True)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    simulator.faults.clear()
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert rows(database, "SELECT status FROM sync_log WHERE kind = 'history'") == [
        ("failed",),
        ("failed",),
        ("failed",),
        ("done",),
    ]
    assert rows(database, "SELECT COUNT(*) FROM plays") == [
        (len(simulator.world.plays),)
    ]


async def test_plays_are_stored_before_their_titles_are_looked_up(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Every page is stored while get_metadata fails; the titles follow when it answers."""
    simulator.faults.inject("tautulli", "status", cmd="get_metadata", status=500)
    synced = async_capture_events(hass, EVENT_HISTORY_SYNCED)
    with patch.object(sync_history, "HISTORY_PAGE", 40):
        await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    world = simulator.world
    assert rows(database, "SELECT COUNT(*), COUNT(matched_by) FROM plays") == [
        (len(world.plays), 0)
    ]
    assert rows(database, HISTORY_STATE) == [(len(world.plays), 1)]
    # The event waits for the titles; the failed lookups are retried.
    assert synced == []
    simulator.faults.clear()
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    by_guid = {
        row_id: (identity_type, tmdb_id)
        for row_id, identity_type, tmdb_id in rows(
            database,
            "SELECT row_id, identity_type, tmdb_id FROM plays WHERE matched_by = 'guid'",
        )
    }
    expected = {
        play[0]: title[:2]
        for play in world.plays
        if (title := expected_title(world, play)) and title[2] == "guid"
    }
    assert by_guid == expected
    assert [event.data["plays"] for event in synced] == [len(world.plays)]


async def test_plays_are_written_once_with_their_titles(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """A page's new rating keys are looked up before it is stored: no play is mapped later."""
    inserted: dict[int, Any] = {}
    real_insert = history.insert_plays

    def recording_insert(connection: sqlite3.Connection, play_rows: Any) -> int:
        play_rows = list(play_rows)
        # (row id, ..., identity type, TMDB id, TVDB id, IMDb id, matched by)
        inserted.update((row[1], (row[-5], row[-4], row[-1])) for row in play_rows)
        return real_insert(connection, play_rows)

    with (
        patch.object(sync_history, "HISTORY_PAGE", 40),
        patch.object(history, "insert_plays", recording_insert),
    ):
        await setup_entry(hass, hub(simulator, ALL_SERVICES))
    stored = {
        row_id: (identity_type, tmdb_id, matched_by)
        for row_id, identity_type, tmdb_id, matched_by in rows(
            database, "SELECT row_id, identity_type, tmdb_id, matched_by FROM plays"
        )
    }
    assert len(stored) == len(simulator.world.plays)
    assert inserted == stored
    assert Counter(value[2] for value in stored.values())["guid"] > 0


def stream_details(world: World, play: Play) -> list[Any]:
    """Return what get_stream_data says of a play, as stored."""
    stream = world.stream(play)
    return [
        stream.video_decision,
        stream.audio_decision,
        stream.source_resolution,
        stream.stream_resolution,
        stream.stream_bitrate,
    ]


def stored_details(database: Path) -> dict[int, list[Any]]:
    """Return the stored stream details by row id."""
    return {
        row_id: details
        for row_id, *details in rows(
            database,
            "SELECT row_id, video_decision, audio_decision, source_resolution,"
            " stream_resolution, bandwidth FROM plays",
        )
    }


async def test_recent_plays_get_their_stream_details(
    hass: HomeAssistant,
    database: Path,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Plays of the last 30 days get get_stream_data's decisions, resolutions, bitrate.

    The older plays wait for the background backfill (the next test), which starts
    after the sync's own pass.
    """
    world = simulator.world
    now = world.plays[-1][2] + 60
    freezer.move_to(dt_util.utc_from_timestamp(now))
    with patch.object(sync_stream_details, "BACKFILL_BATCH", 10):
        await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
        stored = stored_details(database)
    recent = [play for play in world.plays if play[1] >= now - 30 * 86400]
    assert 0 < len(recent) < len(world.plays) - 10
    for play in recent:
        assert stored[play[0]] == stream_details(world, play)
    calls = simulator.stack.traffic.endpoints["tautulli"]
    # The sync's pass, then at most one batch of the backfill so far.
    assert len(recent) <= calls["GET /api/v2?cmd=get_stream_data"].requests
    assert calls["GET /api/v2?cmd=get_stream_data"].requests <= len(recent) + 10
    # Each play is asked once: the next sync asks only for the new play.
    coordinator = (
        hass.config_entries.async_entries(DOMAIN)[0]
        .runtime_data.services["sub_0"]
        .coordinators.history
    )
    last = world.plays[-1]
    world.plays.append((last[0] + 1, last[1] + 600, last[2] + 900, *last[3:]))
    simulator.stack.traffic.reset()
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    calls = simulator.stack.traffic.endpoints["tautulli"]
    assert calls["GET /api/v2?cmd=get_stream_data"].requests == 1
    assert rows(
        database, "SELECT video_decision FROM plays WHERE row_id = ?", last[0] + 1
    ) == [(world.stream(world.plays[-1]).video_decision,)]


async def _backfill_batches(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, batches: int
) -> None:
    """Let the pause between backfill batches pass this many times."""
    for _ in range(batches):
        freezer.tick(timedelta(seconds=sync_stream_details.BACKFILL_PAUSE + 1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def test_older_plays_get_their_stream_details_in_the_background(
    hass: HomeAssistant,
    database: Path,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every play gets its details, a batch at a time; a restart asks none twice."""
    world = simulator.world
    freezer_start = world.plays[-1][2] + 60
    freezer.move_to(dt_util.utc_from_timestamp(freezer_start))
    entry = hub(simulator, [("tautulli", "Tautulli")])
    expected = {play[0]: stream_details(world, play) for play in world.plays}
    query = "SELECT cursor, done, full_done FROM sync_state WHERE kind = ?"
    with patch.object(sync_stream_details, "BACKFILL_BATCH", 20):
        await setup_entry(hass, entry)
        await _backfill_batches(hass, freezer, 2)
        stored = stored_details(database)
        asked = [row_id for row_id, details in stored.items() if details[0]]
        # The cursor is the lowest row asked, written with the details.
        ((cursor, _, full_done),) = rows(database, query, "stream_details")
        assert full_done == 0
        assert cursor == min(asked)
        assert all(stored[row_id] == expected[row_id] for row_id in asked)
        assert all(
            details == [None] * 5 for details in stored.values() if not details[0]
        )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await _backfill_batches(hass, freezer, len(world.plays) // 20 + 1)
    assert stored_details(database) == expected
    calls = simulator.stack.traffic.endpoints["tautulli"]
    assert calls["GET /api/v2?cmd=get_stream_data"].requests == len(world.plays)
    recent = sum(1 for play in world.plays if play[1] >= freezer_start - 30 * 86400)
    older = len(world.plays) - recent
    assert rows(database, query, "stream_details") == [(world.plays[0][0], older, 1)]
    assert rows(
        database,
        "SELECT status, changed FROM sync_log WHERE kind = 'stream_details'",
    ) == [("done", older)]


async def test_rows_seen_while_another_run_holds_the_history_are_synced_after_it(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """A poll that sees new rows during a rematch is not dropped: they follow it."""
    entry = hub(simulator, [("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.database is not None
    history_sync = entry.runtime_data.database.histories["sub_0"]
    coordinator = entry.runtime_data.services["sub_0"].coordinators.history
    world = simulator.world
    last = world.plays[-1]
    new_play = (last[0] + 1, last[1] + 600, last[2] + 900, *last[3:])
    world.plays.append(new_play)
    async with history_sync._lock:
        # Not a task of Home Assistant's: waiting for those must not wait for it.
        rematch = asyncio.create_task(history_sync.async_rematch())
        await coordinator.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
        assert rows(database, "SELECT MAX(row_id) FROM plays") == [(last[0],)]
    await rematch
    await hass.async_block_till_done(wait_background_tasks=True)
    assert rows(database, "SELECT COUNT(*), MAX(row_id) FROM plays") == [
        (len(world.plays), new_play[0])
    ]


async def test_plays_match_titles_again_when_the_library_changes(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Plays stored while Radarr could not be read get their titles once it can."""
    simulator.faults.inject("radarr", "status", status=500, path="/api/v3/movie")
    entry = hub(simulator, [("radarr", "Radarr"), ("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    world = simulator.world
    by_title = {
        play[0]: title[:2]
        for play in world.plays
        if (title := expected_title(world, play))
        and title[2] == "title"
        and title[0] == "movie"
    }
    assert by_title
    query = (
        "SELECT row_id, identity_type, tmdb_id FROM plays WHERE matched_by = 'title'"
    )
    assert rows(database, query) == []
    simulator.faults.clear()
    coordinator = entry.runtime_data.services["sub_0"].coordinators.library
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert {
        row_id: (kind, tmdb_id) for row_id, kind, tmdb_id in rows(database, query)
    } == by_title
    assert rows(
        database,
        "SELECT changed FROM sync_log WHERE kind = 'history' AND instance = 'sub_1'"
        " ORDER BY id DESC LIMIT 1",
    ) == [(len(by_title),)]


async def test_unmatched_plays_are_kept_and_counted(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Without Sonarr/Radarr, plays of local-agent titles stay unmatched but stored."""
    entry: MockConfigEntry = hub(simulator, [("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    unmatched = rows(database, "SELECT COUNT(*) FROM plays WHERE matched_by IS NULL")[
        0
    ][0]
    expected = sum(
        1
        for play in simulator.world.plays
        if (title := expected_title(simulator.world, play)) is None
        or title[2] == "title"
    )
    assert unmatched == expected > 0
