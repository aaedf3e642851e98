"""Benchmark of the SmartPlex database sync at a simulator scale (default `large`).

PYTHONPATH=. python bench/database_sync.py [--scale large] [--port-base 18100]
    [--services tautulli,sonarr,radarr]

A simulator process (seed 1, frozen clock) and Home Assistant in this process (the test
harness, as bench/worker.py) with a hub of the given services (default: Tautulli
alone, so the history sync is measured without one simulator process also serving
Radarr's 20,000-movie listing at the same time; with Sonarr and Radarr the first sync
waits for their libraries, at most 2 minutes, for the title fallback). Measured:

- the first full sync of the play history: from setup to every page stored
  (`pages_stored_s`) and to the `smartplex_history_synced` event after the rating-key
  lookups (`first_full_sync_s`), wall and CPU time, and the longest event-loop stall
  (wall, and the loop's own CPU time between two wake-ups, which a busy machine does
  not inflate);
- the stream details of the last 30 days' plays (`recent_stream_details_done_s`), and
  one batch of the older plays' background backfill (`stream_details_batch_s`);
- an incremental poll with nothing new: upstream requests, counted by the simulator;
- the database's size after the sync;
- how many collections of the collector's oldest generation ran during the first sync
  (each walks every object of the process while the event loop waits; before timing,
  SmartPlex's modules are imported and the collector settled, as in a Home Assistant that
  has been running: in this small process the imports alone double the objects, and
  the full collection they cause would land in whatever runs next);
- the Python memory the sync code still holds after a `sync` rebuild of the history
  (tracemalloc traces only the rebuild, so the timed first sync runs untraced):
  allocations made in the database sync modules and store/.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import gc
import importlib
import json
import os
import pkgutil
import sys
import tempfile
import time
import tracemalloc
from typing import Any

import aiohttp
from homeassistant import loader
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from bench.__main__ import start_simulator
from bench.harness import smartplex_entry
from bench.meter import LoopLagProbe, TrafficMeter
from custom_components.smartplex.sync_history import (
    EVENT_HISTORY_SYNCED,
    SIGNAL_HISTORY_PROGRESS,
)

TAUTULLI = "bench_tautulli"
# Code whose allocations count as the sync's (the library index is the coordinators').
SYNC_FILES = (f"{os.sep}database_sync", f"{os.sep}sync_", f"{os.sep}store{os.sep}")


async def _until_synced(
    hass: HomeAssistant, start: Callable[[], Awaitable[Any]]
) -> dict[str, Any]:
    """Run start() and wait for the history synced event; return its data."""
    done: asyncio.Future[dict[str, Any]] = hass.loop.create_future()

    def finished(event: Event) -> None:
        if not done.done():
            done.set_result(dict(event.data))

    remove = hass.bus.async_listen(EVENT_HISTORY_SYNCED, finished)
    try:
        await start()
        return await done
    finally:
        remove()


def _retained_mb(snapshot: tracemalloc.Snapshot) -> float:
    """Return the MB still allocated by the sync's own code."""
    size = sum(
        stat.size
        for stat in snapshot.statistics("filename")
        if any(part in stat.traceback[0].filename for part in SYNC_FILES)
    )
    return round(size / 1e6, 2)


def _settle() -> None:
    """Import every SmartPlex module (and what they import), then collect everything."""
    package = importlib.import_module("custom_components.smartplex")
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        importlib.import_module(module.name)
    gc.collect()


async def measure(
    simulator: dict[str, dict[str, str]], services: list[str], *, memory: bool
) -> dict[str, Any]:
    """Set up SmartPlex, wait for the first full history sync, then measure."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            async_test_home_assistant(config_dir=config_dir) as hass,
            aiohttp.ClientSession() as session,
        ):
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            meter = TrafficMeter(session, simulator["sonarr"]["url"])
            entry = smartplex_entry(
                {name: simulator[name] for name in services}, services
            )
            entry.add_to_hass(hass)
            _settle()
            full_collections = gc.get_stats()[2]["collections"]
            started, cpu = time.monotonic(), time.process_time()

            def progressed() -> None:
                database = entry.runtime_data.database
                assert database is not None
                sync = database.histories[TAUTULLI]
                if sync.state.full_done and "pages_stored_s" not in result:
                    result["pages_stored_s"] = round(time.monotonic() - started, 1)

            remove = async_dispatcher_connect(
                hass, SIGNAL_HISTORY_PROGRESS.format(TAUTULLI), progressed
            )
            async with LoopLagProbe() as probe:
                synced = await _until_synced(
                    hass, lambda: hass.config_entries.async_setup(entry.entry_id)
                )
                result["first_full_sync_s"] = round(time.monotonic() - started, 1)
                result["first_full_sync_cpu_s"] = round(time.process_time() - cpu, 1)
                result["full_collections_during_sync"] = (
                    gc.get_stats()[2]["collections"] - full_collections
                )
                await hass.async_block_till_done(wait_background_tasks=True)
                # Then the stream details of the last 30 days' plays.
                result["recent_stream_details_done_s"] = round(
                    time.monotonic() - started, 1
                )
            remove()
            result["longest_stall_ms"] = round(probe.longest * 1000)
            result["longest_stall_busy_ms"] = round(probe.longest_busy * 1000)
            result["plays"] = synced["plays"]
            result["unmatched"] = synced["unmatched"]

            # The older plays' stream details come in the background, a batch every
            # BACKFILL_PAUSE seconds: time one batch, then stop them so the idle poll
            # below counts only its own requests.
            database = entry.runtime_data.database
            assert database is not None
            details = database.histories[TAUTULLI].details
            details.async_cancel()
            batch_started = time.monotonic()
            await details.async_run_batch()
            result["stream_details_batch_s"] = round(
                time.monotonic() - batch_started, 2
            )
            details.async_cancel()

            coordinators = entry.runtime_data.services[TAUTULLI].coordinators
            before = await meter.snapshot()
            await coordinators.history.async_refresh()
            await hass.async_block_till_done(wait_background_tasks=True)
            after = await meter.snapshot()
            result["incremental_poll_requests"] = (after - before).total().requests

            path = os.path.join(config_dir, "smartplex.db")
            size = 0
            for suffix in ("", "-wal"):
                if await hass.async_add_executor_job(os.path.exists, path + suffix):
                    size += await hass.async_add_executor_job(
                        os.path.getsize, path + suffix
                    )
            result["database_mb"] = round(size / 1e6, 1)

            if not memory:
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)
                return result
            gc.collect()
            tracemalloc.start()
            rebuild_started = time.monotonic()
            await _until_synced(hass, lambda: database.async_rebuild(TAUTULLI))
            await hass.async_block_till_done(wait_background_tasks=True)
            result["rebuild_traced_s"] = round(time.monotonic() - rebuild_started, 1)
            gc.collect()
            result["memory_retained_by_sync_mb"] = _retained_mb(
                tracemalloc.take_snapshot()
            )
            result["memory_peak_traced_mb"] = round(
                tracemalloc.get_traced_memory()[1] / 1e6, 1
            )
            tracemalloc.stop()
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    return result


def main() -> None:
    """Run the benchmark and print its numbers as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--port-base", type=int, default=18100)
    parser.add_argument("--services", default="tautulli")
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="skip the traced rebuild (tracemalloc makes it several times slower)",
    )
    args = parser.parse_args()
    services = args.services.split(",")
    process, description = start_simulator(args.scale, args.port_base)
    try:
        load = os.getloadavg()
        result = asyncio.run(
            measure(json.loads(description), services, memory=not args.no_memory)
        )
    finally:
        process.terminate()
        process.wait()
    result["scale"] = args.scale
    result["services"] = services
    result["load_average_before"] = [round(value, 2) for value in load]
    result["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    result["python"] = sys.version.split()[0]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
