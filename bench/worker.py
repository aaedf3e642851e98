"""One benchmark run: Home Assistant in-process with SmartPlex or core's integrations, one simulator.

python -m bench.worker --stack smartplex|core [--samples N] [--http-port P] SIMULATOR_JSON OUT
(SIMULATOR_JSON is the simulator's printed {"sonarr": {"url", "api_key"}, ...}); bench/__main__.py
runs it in a fresh process per stack and scale. The Home Assistant instance is the one Home Assistant's
own tests use (pytest-homeassistant-custom-component's async_test_home_assistant): registries in
memory, nothing written but SmartPlex's database in a temporary config directory.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
import gc
import json
import logging
from pathlib import Path
import sys
import tempfile
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.smartplex.database_sync import DatabaseSync
from custom_components.smartplex.sync_history import HistoryDatabaseSync

from .harness import (
    WEEK,
    CapturedBodies,
    action_call,
    answer_form,
    describe_coordinator,
    live_coordinators,
    orjson_baseline,
    preimport,
    sequence_calls,
    smartplex_actions,
    smartplex_entry,
    usage_data,
)
from .meter import LoopLagProbe, TrafficMeter, Usage, hourly_over_day
from .requirements import CORE_DOMAINS

ACTION_REPEATS = 3
DAY = timedelta(days=1)
# Coordinators polling this seldom are followed poll by poll, for at most FOLLOW_BUDGET seconds.
FOLLOW_FROM = timedelta(minutes=5)
FOLLOW_BUDGET = 10.0


class ShiftedClock:
    """Home Assistant's clock (dt_util.utcnow/now) running ahead by `offset`."""

    def __init__(self) -> None:
        """Start at the real time."""
        self.offset = timedelta()
        self._utcnow = dt_util.utcnow
        self._now = dt_util.now

    def install(self) -> None:
        """Make dt_util answer with the shifted time."""
        dt_util.utcnow = lambda: self._utcnow() + self.offset  # type: ignore[assignment]
        dt_util.now = lambda time_zone=None: self._now(time_zone) + self.offset  # type: ignore[assignment]


CLOCK = ShiftedClock()


class Run:
    """Home Assistant with one stack set up against the simulator, and the measurements."""

    def __init__(
        self,
        hass: HomeAssistant,
        stack: str,
        simulator: dict[str, dict[str, str]],
        session: aiohttp.ClientSession,
    ) -> None:
        """Remember what to set up and where the simulator is."""
        self.hass = hass
        self.stack = stack
        self.simulator = simulator
        self.session = session
        self.meter = TrafficMeter(session, simulator["tmdb"]["url"])
        self.entries: list[ConfigEntry] = []
        self.coordinators: list[DataUpdateCoordinator[Any]] = []
        self.result: dict[str, Any] = {"stack": stack}

    # -- setup ------------------------------------------------------------------------------

    async def create_entries(self) -> None:
        """Create the config entries (core: through each integration's own config flow)."""
        if self.stack == "smartplex":
            entry = smartplex_entry(self.simulator)
            entry.add_to_hass(self.hass)
            await self.hass.config_entries.async_setup(entry.entry_id)
            self.entries = [entry]
        else:
            for domain in CORE_DOMAINS:
                self.entries.append(await self._core_flow(domain))
        await self.hass.async_block_till_done()
        # Unload once so the timed setup below runs with every module already imported.
        await self.unload()

    async def _core_flow(self, domain: str) -> ConfigEntry:
        """Run a core integration's user config flow, filling in what its form asks."""
        service = self.simulator[domain]
        flow = await self.hass.config_entries.flow.async_init(
            domain, context={"source": "user"}
        )
        values = {"url": service["url"], "api_key": service["api_key"]}
        done = await self.hass.config_entries.flow.async_configure(
            flow["flow_id"], answer_form(flow["data_schema"], values)
        )
        if done["type"] != "create_entry":
            raise RuntimeError(f"{domain} config flow ended with {done}")
        return done["result"]

    async def measure(
        self, work: Callable[[], Awaitable[Any]], parse_baseline: bool = True
    ) -> dict[str, Any]:
        """Run work until Home Assistant is idle: time, CPU, stalls and what the simulator served.

        With parse_baseline the CPU is set against orjson parsing the very bodies read (not
        while memory is traced: they would be retained).
        """
        bodies: list[bytes] = []
        gc.collect()
        before = await self.meter.snapshot()
        with CapturedBodies(bodies if parse_baseline else None):
            cpu = time.process_time()
            async with LoopLagProbe() as probe:
                began = time.perf_counter()
                await work()
                # Background tasks too: a first refresh may run as one (core Radarr, 2026.10).
                await self.hass.async_block_till_done(wait_background_tasks=True)
                wall = time.perf_counter() - began
            cpu = time.process_time() - cpu
        served = await self.meter.snapshot() - before
        return {
            # A poll that timed out (the simulator too slow to answer) costs little CPU.
            "failed": sorted(
                describe_coordinator(c)
                for c in self.coordinators
                if not c.last_update_success
            ),
            "seconds": wall,
            "cpu_seconds": cpu,
            **(orjson_baseline(cpu, bodies) if parse_baseline else {}),
            "longest_stall": probe.longest,
            "longest_busy": probe.longest_busy,
            "upstream": usage_data(served.total()),
            "simulator_seconds": served.process_seconds,
            "endpoints": {
                f"{service} {name}": usage_data(usage)
                for (service, name), usage in served.endpoints.items()
            },
        }

    async def timed_setup(self, parse_baseline: bool = True) -> dict[str, Any]:
        """Set up every entry at once, as Home Assistant does at start (a library is listed)."""
        earlier = live_coordinators(self.hass)
        result = await self.measure(
            lambda: asyncio.gather(
                *(
                    self.hass.config_entries.async_setup(entry.entry_id)
                    for entry in self.entries
                )
            ),
            parse_baseline,
        )
        self.coordinators = [
            c for c in live_coordinators(self.hass) if not any(c is e for e in earlier)
        ]
        result["failed"] = sorted(
            describe_coordinator(c)
            for c in self.coordinators
            if not c.last_update_success
        )
        return result

    async def timed_setup_without_database(self) -> dict[str, Any]:
        """Set up as timed_setup, with SmartPlex's database sync held back (core has none).

        Its first sync imports the whole play history once, in the background; it is measured
        on its own by database_first_sync.
        """
        if self.stack != "smartplex":
            return await self.timed_setup()
        with patch.object(DatabaseSync, "async_start", _hold_back):
            return await self.timed_setup()

    async def database_first_sync(self) -> dict[str, Any] | None:
        """Start SmartPlex's database sync held back at setup and measure its first sync.

        The play history stays held back (see run): here the libraries are written, the
        requests and people read. The first library write is made here, not left to the
        next refresh, which would then count it.
        """
        if self.stack != "smartplex":
            return None
        databases = [
            database
            for entry in self.entries
            if (database := entry.runtime_data.database) is not None
        ]

        async def first_sync() -> None:
            await asyncio.gather(*(database.async_start() for database in databases))
            await asyncio.gather(
                *(
                    library.async_write()
                    for database in databases
                    for library in database.libraries.values()
                )
            )

        return await self.measure(first_sync)

    def stop_polling(self) -> list[DataUpdateCoordinator[Any]]:
        """Stop every coordinator's timer (polls are then driven here); return those that poll."""
        polling = [
            c
            for c in self.coordinators
            if c.update_interval is not None and c._listeners  # noqa: SLF001
        ]
        for coordinator in self.coordinators:
            coordinator._unschedule_refresh()  # noqa: SLF001
            coordinator._schedule_refresh = lambda: None  # type: ignore[method-assign]  # noqa: SLF001
        return polling

    # -- measurements -------------------------------------------------------------------------

    async def polling_cost(
        self,
        polling: list[DataUpdateCoordinator[Any]],
        samples: int,
        measured: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Upstream requests and bytes per hour of the coordinators that poll, over a simulated day.

        Before each poll both clocks move on by the coordinator's interval: the simulator's
        (downloads finish, streams end) and Home Assistant's (dt_util.utcnow), so work a
        coordinator schedules by time comes due. Each coordinator polls `samples` times; one
        polling every FOLLOW_FROM or slower goes on polling, every poll run, until the day is
        over or FOLLOW_BUDGET has passed. The rest of the day is then skipped in one jump and
        the day's last poll is run too (so a daily resync is seen either way); the skipped polls
        are counted at the median cost of the ones run before it (see hourly_over_day). A coordinator already in
        `measured` (an earlier result) is not polled again.
        """
        known = {
            row["coordinator"]: row for row in (measured or {}).get("coordinators", [])
        }
        rows = []
        hourly = Usage()
        for coordinator in polling:
            if row := known.get(describe_coordinator(coordinator)):
                hourly += Usage(**row["per_hour"])
                rows.append(row)
                continue
            assert coordinator.update_interval is not None
            interval = coordinator.update_interval
            polls_per_day = DAY // interval
            follow = interval >= FOLLOW_FROM
            began = time.perf_counter()
            polls: list[Usage] = []
            while len(polls) < polls_per_day - 1 and (
                len(polls) < samples
                or (follow and time.perf_counter() - began < FOLLOW_BUDGET)
            ):
                await self._advance_clocks(interval)
                polls.append(await self._poll(coordinator))
            await self._advance_clocks(interval * (polls_per_day - len(polls)))
            last = await self._poll(coordinator)
            cost = hourly_over_day(polls, last, polls_per_day)
            hourly += cost
            rows.append(
                {
                    "coordinator": describe_coordinator(coordinator),
                    "interval_seconds": interval.total_seconds(),
                    "polls_run": len(polls) + 1,
                    "polls_per_day": polls_per_day,
                    "last_poll_of_day": usage_data(last),
                    "per_hour": usage_data(cost),
                }
            )
        return {"coordinators": rows, "per_hour": usage_data(hourly)}

    async def _poll(self, coordinator: DataUpdateCoordinator[Any]) -> Usage:
        """Poll a coordinator once; return what the simulator served for it."""
        before = await self.meter.snapshot()
        await coordinator.async_refresh()
        return (await self.meter.snapshot() - before).total()

    async def _advance_clocks(self, interval: timedelta) -> None:
        """Move the simulator's and Home Assistant's clocks on (not counted as traffic)."""
        async with self.session.post(
            self.simulator["tmdb"]["url"] + "/_sim/advance",
            json={"seconds": interval.total_seconds()},
        ) as response:
            response.raise_for_status()
        CLOCK.offset += interval

    async def full_refresh(self) -> dict[str, Any]:
        """Refresh every coordinator at once; CPU, stall and the orjson parse of the same bodies."""
        return {
            "coordinators": len(self.coordinators),
            **await self.measure(
                lambda: asyncio.gather(*(c.async_refresh() for c in self.coordinators))
            ),
        }

    async def full_resync(self) -> dict[str, Any]:
        """Refresh every coordinator at once with every list downloaded again.

        Core lists everything on every refresh, so for it this is another full refresh;
        SmartPlex's library coordinators re-list their library (the daily safety net)
        instead of reading the change feed: the CPU per byte of a whole download.
        """
        for coordinator in self.coordinators:
            if hasattr(coordinator, "_resynced_at"):
                coordinator._resynced_at = None  # noqa: SLF001
        return await self.full_refresh()

    async def actions(self) -> dict[str, Any]:
        """Latency, upstream traffic and longest stall of each read action (median of runs)."""
        query = await self._search_query()
        calls = (
            smartplex_actions(query)
            if self.stack == "smartplex"
            else self._core_actions(query)
        )
        measured: dict[str, Any] = {}
        for name, call in calls.items():
            try:
                runs = [
                    await self.measure(partial(call, self.hass), parse_baseline=False)
                    for _ in range(ACTION_REPEATS)
                ]
            except Exception as err:  # noqa: BLE001
                measured[name] = {"action": call.__qualname__, "error": repr(err)}
                continue
            median = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
            measured[name] = {"action": call.__qualname__, **median}
        return measured

    async def unload(self) -> None:
        """Unload every entry."""
        for entry in self.entries:
            await self.hass.config_entries.async_unload(entry.entry_id)
        await self.hass.async_block_till_done()

    async def retained_memory(self) -> dict[str, Any]:
        """Memory still allocated (tracemalloc) after a setup and a full refresh."""
        gc.collect()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        await self.timed_setup(parse_baseline=False)
        self.stop_polling()
        await asyncio.gather(*(c.async_refresh() for c in self.coordinators))
        await self.hass.async_block_till_done(wait_background_tasks=True)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.stop()
        return {"retained_bytes": retained}

    def enable_all_entities(self) -> None:
        """Make every entity enabled from the next setup on.

        Entities disabled by default are removed from the registry and come back enabled (a
        registry update of disabled_by would also schedule a reload in 30 s).
        """
        Entity.entity_registry_enabled_default = property(lambda self: True)  # type: ignore[assignment,method-assign]
        registry = er.async_get(self.hass)
        for entry in self.entries:
            for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
                if entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION:
                    registry.async_remove(entity.entity_id)
                    # Forget it entirely: a re-created entity inherits a deleted one's disabled_by.
                    registry.deleted_entities.pop(
                        (entity.domain, entity.platform, entity.unique_id), None
                    )

    async def _search_query(self) -> str:
        """Return a title to search for: the first of TMDB's trending movies."""
        tmdb = self.simulator["tmdb"]
        async with self.session.get(
            tmdb["url"] + "/3/trending/movie/week", params={"api_key": tmdb["api_key"]}
        ) as response:
            return str((await response.json())["results"][0]["title"])

    def _core_actions(self, query: str) -> dict[str, Callable[[HomeAssistant], Any]]:
        """Return core's nearest read action for each SmartPlex one (what this HA offers)."""
        hass = self.hass
        entry_ids = {entry.domain: entry.entry_id for entry in self.entries}

        def offered(domain: str, service: str, **data: Any) -> Any:
            """Return a call of domain.service for its entry, or None if HA lacks it."""
            services = hass.services.async_services_for_domain(domain)
            if service not in services:
                return None
            schema = services[service].schema
            keys = {str(key) for key in getattr(schema, "schema", {})}
            entry_key = "entry_id" if "entry_id" in keys else "config_entry_id"
            return action_call(domain, service, {entry_key: entry_ids[domain], **data})

        calls: dict[str, Callable[[HomeAssistant], Any]] = {}
        if search := offered("overseerr", "search_media", query=query):
            calls["search"] = search
        # Approved ones: core's get_requests (HA 2026.10) fails on a request nobody modified yet.
        if requests := offered("overseerr", "get_requests", status="approved"):
            calls["get_requests"] = requests
        if queues := [
            call
            for domain in ("sonarr", "radarr")
            if (call := offered(domain, "get_queue"))
        ]:
            calls["get_queue"] = sequence_calls(queues)
        registry = er.async_get(hass)
        if calendars := [
            entity.entity_id
            for entry in self.entries
            for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
            if entity.domain == "calendar" and not entity.disabled_by
        ]:
            calls["get_calendar"] = action_call(
                "calendar",
                "get_events",
                {"duration": {"days": WEEK}},
                target={"entity_id": calendars},
            )
        return calls


async def _hold_back(self: Any, *args: Any) -> None:
    """Start nothing (DatabaseSync.async_start while setup is timed; the play history's)."""


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up the stack and measure, in this order (each phase sets up again).

    SmartPlex's play history sync never starts: its first sync imports every play once
    (at `large` 200,000 plays and a get_metadata per title, tens of minutes on a busy
    machine), which neither the library measurements nor the hour of polling are about.
    bench/database_sync.py measures it.
    """
    simulator = json.loads(args.simulator)
    preimport(args.stack)
    CLOCK.install()
    with (
        tempfile.TemporaryDirectory() as config_dir,
        patch.object(HistoryDatabaseSync, "async_start", _hold_back),
    ):
        async with (
            async_test_home_assistant(config_dir=config_dir) as hass,
            aiohttp.ClientSession() as session,
        ):
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            # Home Assistant's own server: core Overseerr registers a webhook on it.
            hass.config.internal_url = f"http://127.0.0.1:{args.http_port}"
            await async_setup_component(
                hass,
                "http",
                {"http": {"server_host": "127.0.0.1", "server_port": args.http_port}},
            )
            bench = Run(hass, args.stack, simulator, session)
            result = bench.result
            await bench.create_entries()
            result["setup"] = await bench.timed_setup_without_database()
            result["database_first_sync"] = await bench.database_first_sync()
            polling = bench.stop_polling()
            result["full_refresh"] = await bench.full_refresh()
            result["full_resync"] = await bench.full_resync()
            result["actions"] = await bench.actions()
            result["polling"] = await bench.polling_cost(polling, args.samples)
            await bench.unload()
            result["memory"] = await bench.retained_memory()
            await bench.unload()
            bench.enable_all_entities()
            result["setup_all_entities"] = await bench.timed_setup()
            polling = bench.stop_polling()
            result["polling_all_entities"] = await bench.polling_cost(
                polling, args.samples, result["polling"]
            )
            await bench.unload()
            await hass.async_stop(force=True)
    return result


def main() -> None:
    """Run one measurement and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", choices=("smartplex", "core"), required=True)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--http-port", type=int, default=18710)
    parser.add_argument("simulator")
    parser.add_argument("out")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
