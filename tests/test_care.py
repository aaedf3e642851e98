"""Tests for plan_cleanup and execute_cleanup against the simulated stack."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
import gc
from pathlib import Path
import sqlite3
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.actions import care_plan, care_snapshot
from custom_components.smartplex.arr_coordinator import ArrCoordinators
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.plans import (
    PlanStatus,
    StoredPlan,
    digest,
    load_plan,
    save_plan,
)
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import (
    ALL_SERVICES,
    EventLog,
    audit_trail,
    fixture_entry,
    fixture_events,
    hub,
)

__all__ = ["fixture_entry", "fixture_events"]


async def run_sql(hass: HomeAssistant, sql: str, *params: Any) -> None:
    """Run one statement on the SmartPlex database."""

    def job(connection: sqlite3.Connection) -> None:
        connection.execute(sql, params)

    await hass.async_add_executor_job(async_get_store(hass).run, job)


async def add_play(
    hass: HomeAssistant, row_id: int, media_type: str, tmdb_id: int, days_ago: float
) -> None:
    """Record a finished play of a title by Tautulli user 7."""
    started = int((dt_util.utcnow() - timedelta(days=days_ago)).timestamp())
    await run_sql(
        hass,
        "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
        " full_title, started, play_duration, paused_counter, percent_complete,"
        " watched_status, identity_type, tmdb_id, matched_by) VALUES"
        " ('t', ?, 7, 'anna', ?, 'x', 'x', ?, 3600, 0, 100, 1, ?, ?, 'guid')",
        row_id,
        "movie" if media_type == "movie" else "episode",
        started,
        media_type,
        tmdb_id,
    )


async def plan(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call plan_cleanup and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "plan_cleanup", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def execute(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call execute_cleanup and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "execute_cleanup", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def library(simulator: Simulator) -> tuple[list[int], list[int]]:
    """Return the movie and series TMDB ids in the simulated world."""
    world = simulator.world
    return (
        sorted(movie.info.tmdb_id for movie in world.movies.values()),
        sorted(series.info.tmdb_id for series in world.series.values()),
    )


async def test_plan_then_execute_removes_unprotected_titles(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """A plan reaches the target without protected titles; executing it removes them."""
    movies, _ = library(simulator)
    watched = movies[:3]
    for row, tmdb_id in enumerate(watched, 1):
        await add_play(hass, row, "movie", tmdb_id, days_ago=2)
    made = await plan(hass, target_percent=70, instance="Radarr")
    assert made["items"]
    assert made["target_met"]
    planned = {
        item["tmdb_id"] for item in made["items"] if item["media_type"] == "movie"
    }
    assert not planned & set(watched)
    assert sum("recently_watched" in p["protections"] for p in made["protected"]) == 3
    for root, need in made["needed_gb"].items():
        assert made["freed_gb"][root] >= need
    assert events.of("smartplex_cleanup_planned")[0]["plan_id"] == made["plan_id"]
    before = library(simulator)

    with pytest.raises(ServiceValidationError) as refused:
        await execute(hass, plan_id=made["plan_id"])
    assert refused.value.translation_key == "confirm_required"
    assert library(simulator) == before

    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert len(done["removed"]) == len(made["items"])
    assert done["failed"] == done["skipped"] == done["not_attempted"] == []
    # Upgrade searches after a cleanup are off by default.
    assert done["upgrade_searches"] == []
    assert not any(simulator.stack.commands.values())
    movies_after, series_after = library(simulator)
    assert not planned & set(movies_after)
    assert set(watched) <= set(movies_after)
    assert len(events.of("smartplex_title_removed")) == len(made["items"])
    assert events.of("smartplex_cleanup_executed")[0]["status"] == "executed"
    removals = [r for r in await audit_trail(hass) if r.action == "title_removed"]
    assert len(removals) == len(made["items"])
    assert {r.status for r in removals} == {"done"}

    with pytest.raises(ServiceValidationError) as again:
        await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert again.value.translation_key == "plan_already_executed"


async def test_a_plan_is_ranked_off_the_event_loop(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Usage and ranking (hundreds of ms at large) run in the executor, collector held back."""
    seen: list[tuple[str, bool, bool]] = []

    def recorded(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                on_loop = False
            else:
                on_loop = True
            seen.append((name, on_loop, gc.isenabled()))
            return function(*args, **kwargs)

        return call

    for module, name in (
        (care_snapshot, "usage_from_tallies"),
        (care_plan, "plan_cleanup"),
    ):
        monkeypatch.setattr(module, name, recorded(name, getattr(module, name)))
    made = await plan(hass, target_percent=70, instance="Radarr")
    assert made["items"]
    assert seen == [
        ("usage_from_tallies", False, False),
        ("plan_cleanup", False, False),
    ]


async def test_refusals_change_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Unknown, foreign, edited, expired, graced plans and a met target are refused."""
    before = library(simulator)
    with pytest.raises(ServiceValidationError) as above:
        await plan(hass, target_percent=99)
    assert above.value.translation_key == "target_above_use"
    with pytest.raises(ServiceValidationError) as unknown:
        await execute(hass, plan_id="0" * 32, confirm=True)
    assert unknown.value.translation_key == "plan_not_found"
    with pytest.raises(ServiceValidationError):
        await execute(hass, plan_id="not-a-plan", confirm=True)

    foreign = await plan(hass, target_percent=70)
    await run_sql(
        hass,
        "UPDATE cleanup_plans SET entry_id = 'other' WHERE id = ?",
        foreign["plan_id"],
    )
    edited = await plan(hass, target_percent=70)
    await run_sql(
        hass,
        "UPDATE cleanup_plans SET items = replace(items, '\"item_id\": ', '\"item_id\": 1')"
        " WHERE id = ?",
        edited["plan_id"],
    )
    graced = await plan(hass, target_percent=70, grace_days=3)
    expiring = await plan(hass, target_percent=70)
    for plan_id, key in (
        (foreign["plan_id"], "plan_other_hub"),
        (edited["plan_id"], "plan_changed"),
        (graced["plan_id"], "plan_in_grace"),
    ):
        with pytest.raises(ServiceValidationError) as refused:
            await execute(hass, plan_id=plan_id, confirm=True)
        assert refused.value.translation_key == key
    # Its expiry in the past (a clock jump upsets the simulator's sockets on Python 3.14).
    await run_sql(
        hass, "UPDATE cleanup_plans SET expires = 0 WHERE id = ?", expiring["plan_id"]
    )
    with pytest.raises(ServiceValidationError) as expired:
        await execute(hass, plan_id=expiring["plan_id"], confirm=True)
    assert expired.value.translation_key == "plan_expired"
    assert library(simulator) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"confirm": True}, "missing_field"),
        ({"plan_id": "PLAN"}, "confirm_required"),
        ({"plan_id": "PLAN", "confirm": False}, "confirm_required"),
        ({"plan_id": "PLAN", "confirm": "true"}, "invalid_boolean"),
        ({"plan_id": "PLAN", "confirm": 1}, "invalid_boolean"),
        ({"plan_id": "PLAN", "confirm": [True]}, "invalid_boolean"),
        ({"plan_id": "PLAN", "confirm": True, "delete_files": "no"}, "invalid_boolean"),
    ],
)
async def test_only_a_plan_id_and_confirm_true_execute(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    error: str,
) -> None:
    """A missing plan id, or confirm anything but true, is refused; the plan still runs later."""
    made = await plan(hass, target_percent=70)
    before = library(simulator)
    filled = {k: made["plan_id"] if v == "PLAN" else v for k, v in data.items()}
    with pytest.raises(ServiceValidationError) as refused:
        await execute(hass, **filled)
    assert refused.value.translation_key == error
    assert library(simulator) == before
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert len(done["removed"]) == len(made["items"])


async def test_leaving_soon_then_executed_only_if_still_eligible(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grace period announces the titles; one watched meanwhile is skipped at execution."""
    made = await plan(hass, target_percent=70, grace_days=2)
    leaving = events.of("smartplex_leaving_soon")
    assert leaving[0]["titles"] == [item["title"] for item in made["items"]]
    first = made["items"][0]
    freezer.tick(timedelta(days=2, minutes=1))
    await add_play(hass, 999, first["media_type"], first["tmdb_id"], days_ago=0.5)
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert done["skipped"] == [
        {
            "title": first["title"],
            "reason": "protected",
            "protections": ["recently_watched"],
        }
    ]
    movies, series = library(simulator)
    assert first["tmdb_id"] in (movies if first["media_type"] == "movie" else series)
    stored = await hass.async_add_executor_job(
        async_get_store(hass).run, partial(load_plan, plan_id=made["plan_id"])
    )
    assert stored is not None
    assert stored.status is PlanStatus.PARTIAL


async def test_partial_failure_reports_what_was_and_was_not_removed(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A service failing part-way stops the run and says exactly what happened."""
    made = await plan(hass, target_percent=40, instance="Radarr")
    assert len(made["items"]) >= 2
    second = made["items"][1]
    path = "/api/v3/movie/" if second["media_type"] == "movie" else "/api/v3/series/"
    service = "radarr" if second["media_type"] == "movie" else "sonarr"
    simulator.faults.inject(
        service,
        "status",
        status=500,
        path=f"{path}{second['item_id']}",
        method="DELETE",
    )
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert [item["title"] for item in done["removed"]] == [made["items"][0]["title"]]
    assert [item["title"] for item in done["failed"]] == [second["title"]]
    assert [item["title"] for item in done["not_attempted"]] == [
        item["title"] for item in made["items"][2:]
    ]
    failed = [r for r in await audit_trail(hass) if r.status == "failed"]
    assert [r.details["title"] for r in failed] == [second["title"]]


async def test_library_share_guard_and_concurrent_executions(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Over 10% of a library is refused; two executions of one plan remove each title once."""
    movies = list(simulator.world.movies.values())
    services = {s.service_type: s for s in entry.runtime_data.services.values()}
    radarr = services["radarr"]
    items = [
        {
            "key": f"{radarr.subentry_id}/movie:{m.info.tmdb_id}",
            "instance_id": radarr.subentry_id,
            "instance": radarr.title,
            "media_type": "movie",
            "tmdb_id": m.info.tmdb_id,
            "item_id": m.id,
            "title": m.info.title,
            "size_bytes": m.size,
            "size_gb": 1.0,
            "reasons": [],
        }
        for m in movies
    ]
    now = dt_util.utcnow()

    async def stored(plan_id: str, chosen: list[dict[str, Any]]) -> None:
        saved = StoredPlan(
            id=plan_id,
            entry_id=entry.entry_id,
            created=now,
            not_before=now,
            expires=now + timedelta(hours=1),
            status=PlanStatus.PLANNED,
            items=chosen,
            digest=digest(chosen),
        )
        await hass.async_add_executor_job(
            async_get_store(hass).run, partial(save_plan, plan=saved)
        )

    await stored("a" * 32, items)
    before = library(simulator)
    with pytest.raises(ServiceValidationError) as large:
        await execute(hass, plan_id="a" * 32, confirm=True)
    assert large.value.translation_key == "plan_too_large"
    assert library(simulator) == before

    made = await plan(hass, target_percent=40, instance="Radarr")
    results = await asyncio.gather(
        execute(hass, plan_id=made["plan_id"], confirm=True),
        execute(hass, plan_id=made["plan_id"], confirm=True),
        return_exceptions=True,
    )
    done = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, ServiceValidationError)]
    assert len(done) == 1
    assert len(refused) == 1
    assert refused[0].translation_key == "plan_already_executed"
    removals = [r for r in await audit_trail(hass) if r.action == "title_removed"]
    assert len(removals) == len(made["items"]) == len(done[0]["removed"])


async def test_disk_pressure_sensor_and_event(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """The sensor turns on when a disk crosses the threshold, firing one event per crossing."""
    hass.config.config_dir = str(tmp_path)
    config_entry = hub(simulator, ALL_SERVICES, disk_threshold=80)
    await setup_entry(hass, config_entry)
    state = hass.states.get("binary_sensor.radarr_disk_pressure_movies")
    assert state is not None
    assert state.state == "off"
    assert state.attributes["threshold"] == 80
    disk = simulator.world.disks["/movies"]
    disk.other_used += disk.total // 10
    radarr = config_entry.runtime_data.services["sub_1"].coordinators
    assert isinstance(radarr, ArrCoordinators)
    for _ in range(2):
        await radarr.root_folders.async_refresh()
        await hass.async_block_till_done()
    state = hass.states.get("binary_sensor.radarr_disk_pressure_movies")
    assert state is not None
    assert state.state == "on"
    pressure = events.of("smartplex_disk_pressure")
    assert pressure == [
        {
            "instance": "Radarr",
            "root_folder": "/movies",
            "used_percent": state.attributes["used_percent"],
            "threshold": 80,
        }
    ]
    assert pressure[0]["used_percent"] >= 80
    disk.other_used -= disk.total // 10
    await radarr.root_folders.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.radarr_disk_pressure_movies").state == "off"
    assert len(events.of("smartplex_disk_pressure")) == 1


async def test_plan_on_pressure_switch_plans_and_removes_nothing(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Off, pressure makes no plan; on, the instance's pressure makes a plan to review, nothing removed."""
    hass.config.config_dir = str(tmp_path)
    config_entry = hub(simulator, ALL_SERVICES, disk_threshold=80)
    await setup_entry(hass, config_entry)
    switch = "switch.radarr_plan_cleanup_on_disk_pressure"
    state = hass.states.get(switch)
    assert state is not None
    assert state.state == "off"
    disk = simulator.world.disks["/movies"]
    radarr = config_entry.runtime_data.services["sub_1"].coordinators
    assert isinstance(radarr, ArrCoordinators)
    before = library(simulator)

    async def fill(extra: int) -> None:
        disk.other_used += extra
        await radarr.root_folders.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)

    await fill(disk.total // 10)
    assert len(events.of("smartplex_disk_pressure")) == 1
    assert events.of("smartplex_cleanup_planned") == []
    await fill(-(disk.total // 10))

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": switch}, blocking=True
    )
    await fill(disk.total // 10)
    assert len(events.of("smartplex_disk_pressure")) == 2
    [planned] = events.of("smartplex_cleanup_planned")
    assert planned["source"] == "autopilot"
    assert planned["items"] > 0
    assert library(simulator) == before
    # The plan waits for review: executing it still needs confirm.
    with pytest.raises(ServiceValidationError) as refused:
        await execute(hass, plan_id=planned["plan_id"])
    assert refused.value.translation_key == "confirm_required"


async def test_leave_out_removes_the_rest_exactly_as_planned(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Unticked items stay; the others are removed; an unknown key changes nothing."""
    made = await plan(hass, target_percent=40, instance="Radarr")
    assert len(made["items"]) >= 2
    unticked = made["items"][0]
    before = library(simulator)
    with pytest.raises(ServiceValidationError) as unknown:
        await execute(
            hass,
            plan_id=made["plan_id"],
            confirm=True,
            leave_out=[unticked["key"], "sub_1/movie:1"],
        )
    assert unknown.value.translation_key == "plan_item_unknown"
    with pytest.raises(ServiceValidationError) as empty:
        await execute(hass, plan_id=made["plan_id"], confirm=True, leave_out=[])
    assert empty.value.translation_key == "invalid_texts"
    assert library(simulator) == before

    done = await execute(
        hass, plan_id=made["plan_id"], confirm=True, leave_out=[unticked["key"]]
    )
    assert done["left_out"] == [{"key": unticked["key"], "title": unticked["title"]}]
    assert [item["title"] for item in done["removed"]] == [
        item["title"] for item in made["items"] if item is not unticked
    ]
    movies, _ = library(simulator)
    assert unticked["tmdb_id"] in movies
    assert not {
        item["tmdb_id"] for item in made["items"] if item is not unticked
    } & set(movies)
    removals = [r for r in await audit_trail(hass) if r.action == "title_removed"]
    assert len(removals) == len(made["items"]) - 1
