"""get_statistics over a database holding the simulated world, checked against the world itself."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
import json
import sqlite3
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from bench.get_statistics import fill_database
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import async_get_store
from simulator import Simulator
from simulator.tautulli_stats import locate

from .helpers_actions import fixture_entry, world_state  # noqa: F401
from .test_services import call

SYNCED_TABLES = (
    "library",
    "plays",
    "rating_keys",
    "users",
    "overseerr_users",
    "requests",
    "request_history",
)


@pytest.fixture(name="filled")
async def fixture_filled(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> MockConfigEntry:
    """Return the hub with the world's plays, users and requests in its database.

    They replace what the database sync stored at setup, so each is counted once.
    """
    store = async_get_store(hass)

    def refill(connection: sqlite3.Connection) -> None:
        for table in SYNCED_TABLES:
            connection.execute(f"DELETE FROM {table}")  # noqa: S608
        fill_database(connection, simulator.world, locate_all=False)

    await hass.async_add_executor_job(store.run, refill)
    return entry


def local_day(timestamp: int) -> date:
    """Return the Home Assistant day of a time."""
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).date()


def window(simulator: Simulator) -> tuple[date, date]:
    """Return the first and last local day with plays."""
    plays = simulator.world.plays
    return local_day(plays[0][1]), local_day(plays[-1][1])


async def statistics(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call get_statistics."""
    for name in ("start", "end"):
        if isinstance(data.get(name), date):
            data[name] = f"{data[name].isoformat()}T12:00:00"
    return await call(hass, "get_statistics", data)


async def test_statistics_match_the_world(
    hass: HomeAssistant, filled: MockConfigEntry, simulator: Simulator
) -> None:
    """Every section agrees with the plays, streams and requests the world holds."""
    world = simulator.world
    first, last = window(simulator)
    result = await statistics(hass, start=first, end=last)
    plays = world.plays
    assert (result["start"], result["end"]) == (first.isoformat(), last.isoformat())
    watch = result["watch"]
    assert watch["plays"] == len(plays)
    assert watch["watch_hours"] == round(
        sum(p[2] - p[1] - p[7] for p in plays) / 3600, 2
    )
    per_day = Counter(local_day(p[1]).isoformat() for p in plays)
    assert {
        row["start"]: row["plays"] for row in watch["series"] if row["plays"]
    } == dict(per_day)
    per_user = Counter(world.users[p[3]].username for p in plays)
    assert {row["name"]: row["plays"] for row in watch["by_user"]} == dict(per_user)
    streams = [world.stream(p) for p in plays]
    quality = result["quality"]
    assert quality["transcode_share"] == round(
        sum(s.decision == "transcode" for s in streams) / len(plays), 4
    )
    # The WAN addresses were looked up through Tautulli's geoip and are kept as places.
    cities = Counter(
        (located["country"], located["city"])
        for s in streams
        if s.location == "wan" and (located := locate(s.ip_address))
    )
    geography = result["geography"]
    assert geography["home_plays"] == sum(s.location == "lan" for s in streams)
    assert {
        (r["country"], r["city"]): r["plays"] for r in geography["by_city"]
    } == dict(cities)
    assert geography["not_located"] == 0
    for stream in streams:
        assert stream.ip_address not in repr(result)
    start = dt_util.start_of_local_day(first).timestamp()
    end = dt_util.start_of_local_day(last + timedelta(days=1)).timestamp()
    made = [r for r in world.requests.values() if start <= r.created.timestamp() < end]
    requests = result["requests"]
    assert requests["requests"] == len(made)
    assert requests["pending"] == sum(r.status == 1 for r in made)
    assert requests["declined"] == sum(r.status == 3 for r in made)


async def test_request_to_watch_ratio(
    hass: HomeAssistant, filled: MockConfigEntry, simulator: Simulator
) -> None:
    """Requests that became available count as watched when the requester played them after."""
    world = simulator.world
    result = await statistics(hass, start=date(2020, 1, 1), end=date(2026, 12, 31))
    expected: dict[str, tuple[int, int]] = {}
    for request in world.requests.values():
        if world.media_status(request.kind, request.tmdb_id) != 5:
            continue
        user = world.users[request.user_index].username
        watched = any(
            p[3] == request.user_index
            and p[1] >= request.created.timestamp()
            and (
                world.movies[p[5]].info.tmdb_id
                if p[4] == "movie"
                else world.series[world.episodes[p[5]][1]].info.tmdb_id
            )
            == request.tmdb_id
            and (p[4] == "movie") == (request.kind == "movie")
            for p in world.plays
        )
        available, seen = expected.get(user, (0, 0))
        expected[user] = (available + 1, seen + watched)
    assert expected
    by_user = {row["name"]: row for row in result["requests"]["by_user"]}
    for user, (available, seen) in expected.items():
        assert (by_user[user]["available"], by_user[user]["watched"]) == (
            available,
            seen,
        )
        assert by_user[user]["request_to_watch_ratio"] == round(seen / available, 4)


async def test_one_user_and_new_plays(
    hass: HomeAssistant, filled: MockConfigEntry, simulator: Simulator
) -> None:
    """A user's name in any case picks their plays; plays synced later are counted."""
    world = simulator.world
    first, last = window(simulator)
    anna = sum(world.users[p[3]].username == "anna" for p in world.plays)
    result = await statistics(hass, start=first, end=last, user="ANNA")
    assert (result["user"], result["watch"]["plays"]) == ("anna", anna)
    assert [row["name"] for row in result["watch"]["by_user"]] == ["anna"]

    def add_play(connection: sqlite3.Connection) -> None:
        connection.execute(
            "INSERT INTO plays (instance, row_id, user_id, user, friendly_name,"
            " media_type, title, full_title, started, stopped, play_duration,"
            " paused_counter, percent_complete, watched_status, location)"
            " SELECT instance, row_id + 100000, user_id, user, friendly_name, media_type,"
            " title, full_title, started + 60, stopped + 60, play_duration, 0, 100, 1,"
            " 'lan' FROM plays WHERE friendly_name = 'anna' ORDER BY started DESC LIMIT 1"
        )

    await hass.async_add_executor_job(async_get_store(hass).run, add_play)
    again = await statistics(hass, start=first, end=last, user="anna", group_by="week")
    assert again["watch"]["plays"] == anna + 1
    assert sum(row["plays"] for row in again["watch"]["series"]) == anna + 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"user": "nobody"}, "statistics_user_not_found"),
        (
            {"start": "2026-03-10T00:00:00", "end": "2026-03-01T00:00:00"},
            "invalid_window",
        ),
        (
            {"start": "2001-01-01T00:00:00", "end": "2026-03-01T00:00:00"},
            "statistics_period_too_long",
        ),
        ({"period": "decade"}, "invalid_choice"),
        ({"group_by": "hour"}, "invalid_choice"),
        ({"limit": 0}, "invalid_whole_number"),
        ({"limit": 2.5}, "invalid_whole_number"),
        ({"start": "yesterday"}, "invalid_datetime"),
        ({"period": "week", "colour": "red"}, None),
    ],
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    filled: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str | None,
) -> None:
    """Bad fields are refused with a translated error; nothing in the world changes."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "get_statistics", data, blocking=True, return_response=True
        )
    if key is not None:
        assert caught.value.translation_key == key
    assert world_state(simulator) == before


@pytest.mark.parametrize(
    "period", ["today", "yesterday", "week", "month", "quarter", "year"]
)
async def test_periods_end_today(
    hass: HomeAssistant, filled: MockConfigEntry, period: str
) -> None:
    """Each period is a window of local days ending today (yesterday: that one day)."""
    result = await statistics(hass, period=period)
    today = dt_util.now().date()
    days = {
        "today": 1,
        "yesterday": 1,
        "week": 7,
        "month": 30,
        "quarter": 91,
        "year": 365,
    }
    end = today - timedelta(days=1) if period == "yesterday" else today
    assert result["end"] == end.isoformat()
    assert result["start"] == (end - timedelta(days=days[period] - 1)).isoformat()
    assert len(result["quality"]["concurrent_peaks_by_day"]) == days[period]


async def test_empty_database(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Before any sync the statistics are zeros, not errors."""
    result = await statistics(hass, period="week")
    assert result["watch"]["plays"] == 0
    assert result["requests"]["requests"] == 0
    assert isinstance(datetime.fromisoformat(result["start"]), datetime)


async def test_addresses_are_looked_up_once(
    hass: HomeAssistant, filled: MockConfigEntry, simulator: Simulator
) -> None:
    """Each WAN address is asked of Tautulli once; calls without new plays ask nothing."""
    first, last = window(simulator)

    def lookups() -> int:
        served = simulator.stack.traffic.endpoints.get("tautulli", {})
        counted = served.get("GET /api/v2?cmd=get_geoip_lookup")
        return 0 if counted is None else counted.requests

    wan = {
        s.ip_address
        for p in simulator.world.plays
        if (s := simulator.world.stream(p)).location == "wan"
    }
    await statistics(hass, start=first, end=last)
    assert lookups() == len(wan) > 0
    await statistics(hass, start=first, end=last, group_by="month")
    assert lookups() == len(wan)

    def add_away_play(connection: sqlite3.Connection) -> None:
        connection.execute(
            "INSERT INTO plays (instance, row_id, user_id, user, friendly_name,"
            " media_type, title, full_title, started, stopped, play_duration,"
            " paused_counter, percent_complete, watched_status, location, ip_address)"
            " SELECT instance, row_id + 100000, user_id, user, friendly_name, media_type,"
            " title, full_title, started + 60, stopped + 60, play_duration, 0, 100, 1,"
            " 'wan', '198.51.100.7' FROM plays ORDER BY started DESC LIMIT 1"
        )

    await hass.async_add_executor_job(async_get_store(hass).run, add_away_play)
    result = await statistics(hass, start=first, end=last)
    assert lookups() == len(wan) + 1
    assert result["geography"]["not_located"] == 0


async def test_trending_genres_include_requested_titles_outside_the_library(
    hass: HomeAssistant, filled: MockConfigEntry, simulator: Simulator
) -> None:
    """A requested title not in Sonarr/Radarr counts with the genres TMDB gave it (cached)."""
    world = simulator.world
    first, last = window(simulator)
    created = int(dt_util.start_of_local_day(last).timestamp()) + 3600

    def add(connection: sqlite3.Connection) -> None:
        connection.execute(
            "INSERT INTO requests (instance, request_id, media_type, tmdb_id, status,"
            " media_status, is_4k, seasons, requested_by, created, updated)"
            " VALUES ('overseerr-1', 999999, 'movie', 99999999, 1, 2, 0, '[]', ?, ?, ?)",
            (world.users[0].overseerr_id, created, created),
        )
        connection.execute(
            "INSERT INTO tmdb_titles (media_type, tmdb_id, data, fetched)"
            " VALUES ('movie', 99999999, ?, ?)",
            (json.dumps({"genres": ["Zombie Western"]}), created),
        )

    await hass.async_add_executor_job(async_get_store(hass).run, add)
    result = await statistics(hass, start=first, end=last, limit=100)
    genres = {
        row["genre"]: (row["requests"], row["before"])
        for row in result["requests"]["trending_genres"]
    }
    assert genres["Zombie Western"] == (1, 0)
