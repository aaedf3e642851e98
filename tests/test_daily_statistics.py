"""Today's sensors and the daily long-term statistics, checked against the simulated world."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
import sqlite3
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager

from custom_components.smartplex import daily_statistics, sync_history
from custom_components.smartplex.daily_statistics import COOLDOWN
from custom_components.smartplex.store.statistics import PlaysCache
from simulator import Simulator
from simulator.models import Play
from simulator.world import World

from .conftest import setup_entry
from .helpers_actions import hub


def local_day(timestamp: int) -> date:
    """Return the Home Assistant day of a time."""
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).date()


def day_totals(world: World) -> dict[date, tuple[int, int, int, int]]:
    """Return (plays, watched seconds, transcodes, peak streams) per local day, from the world.

    The peak is the most streams running as one of the day's plays starts (a stream
    begun the day before counts; one ending in that second does not).
    """
    by_day: dict[date, list[Play]] = defaultdict(list)
    for play in world.plays:
        by_day[local_day(play[1])].append(play)
    return {
        day: (
            len(plays),
            sum(play[2] - play[1] - play[7] for play in plays),
            sum(world.stream(play).decision == "transcode" for play in plays),
            max(
                sum(1 for other in world.plays if other[1] <= play[1] < other[2])
                for play in plays
            ),
        )
        for day, plays in by_day.items()
    }


@pytest.fixture
def mock_recorder_before_hass(
    async_test_recorder: RecorderInstanceContextManager,
) -> None:
    """Let the long-term statistics test set up the recorder before Home Assistant."""


@pytest.fixture(name="database")
def fixture_database(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Put the database in the test's own directory and return its path."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "smartplex.db"


async def _synced(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Set up Tautulli at the end of the world's last day and let the figures follow."""
    last = simulator.world.plays[-1]
    freezer.move_to(dt_util.utc_from_timestamp(last[2] + 60))
    await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    await _past_cooldown(hass, freezer)


async def _past_cooldown(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the time pass after which the figures update again, and wait for them."""
    freezer.tick(timedelta(seconds=COOLDOWN + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_today_sensors_match_the_world(
    hass: HomeAssistant,
    database: Path,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Watch time, peak streams and transcode share of today are the world's."""
    await _synced(hass, simulator, freezer)
    world = simulator.world
    plays, seconds, transcodes, peak = day_totals(world)[local_day(world.plays[-1][1])]
    watch = hass.states.get("sensor.tautulli_watch_time_today")
    assert watch is not None
    assert float(watch.state) == round(seconds / 3600, 2)
    assert watch.attributes["unit_of_measurement"] == "h"
    streams = hass.states.get("sensor.tautulli_peak_concurrent_streams_today")
    assert streams is not None
    assert int(streams.state) == peak >= 1
    share = hass.states.get("sensor.tautulli_transcode_share_today")
    assert share is not None
    assert float(share.state) == round(100 * transcodes / plays, 1)
    # A new day starts at zero.
    freezer.move_to(
        dt_util.start_of_local_day(local_day(world.plays[-1][1]) + timedelta(days=1))
        + timedelta(seconds=6)
    )
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await _past_cooldown(hass, freezer)
    assert hass.states.get("sensor.tautulli_watch_time_today").state == "0.0"
    assert hass.states.get("sensor.tautulli_transcode_share_today").state == "unknown"


async def test_daily_series_are_long_term_statistics(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    database: Path,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Plays, watch time and transcode share per local day reach the recorder."""
    await _synced(hass, simulator, freezer)
    await async_wait_recording_done(hass)
    world = simulator.world
    totals = day_totals(world)
    first = min(totals)
    ids = {"smartplex:plays", "smartplex:watch_time", "smartplex:transcode_share"}
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.start_of_local_day(first) - timedelta(days=1),
        None,
        ids,
        "hour",
        None,
        {"state", "sum", "mean"},
    )
    plays = {
        local_day(int(row["start"])): (row["state"], row["sum"])
        for row in stats["smartplex:plays"]
    }
    running = 0
    expected = {}
    day = first
    while day <= max(totals):
        count = totals.get(day, (0,))[0]
        running += count
        expected[day] = (count, running)
        day += timedelta(days=1)
    assert {day: value for day, value in plays.items() if day in expected} == expected
    assert running == len(world.plays)
    hours = {
        local_day(int(row["start"])): row["state"]
        for row in stats["smartplex:watch_time"]
    }
    assert {day: hours[day] for day in totals} == {
        day: round(value[1] / 3600, 3) for day, value in totals.items()
    }
    shares = {
        local_day(int(row["start"])): row["mean"]
        for row in stats["smartplex:transcode_share"]
    }
    assert shares == {
        day: round(100 * value[2] / value[0], 1) for day, value in totals.items()
    }


async def test_figures_wait_for_the_first_full_sync(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Pages of a first full sync do not each read the plays again; its end does."""
    refreshed: list[int] = []
    real_refresh = PlaysCache.refresh

    def counting_refresh(cache: PlaysCache, connection: sqlite3.Connection) -> Any:
        columns = real_refresh(cache, connection)
        refreshed.append(len(columns))
        return columns

    with (
        patch.object(daily_statistics, "COOLDOWN", 0),
        patch.object(sync_history, "HISTORY_PAGE", 40),
        patch.object(PlaysCache, "refresh", counting_refresh),
    ):
        await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    # Once at the start (nothing stored yet), once with every play.
    assert refreshed == [0, len(simulator.world.plays)]
    assert hass.states.get("sensor.tautulli_watch_time_today") is not None
