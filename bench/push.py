"""Push benchmark: webhook -> event latency, entity update time, and a sustained load.

python -m bench.push [--minutes 5] [--rate 1000] [--port 18610]   (README "Push")

One process: the simulator (home scale) and a real Home Assistant (the tests' harness,
HTTP server on 127.0.0.1:--port) with SmartPlex connected to every simulated service and
its webhooks registered through their APIs. Deliveries are real HTTP POSTs.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import gc
import json
import statistics
import tempfile
import time
import tracemalloc
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant import loader
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from bench.harness import preimport, smartplex_entry
from custom_components.smartplex.coordinator import all_coordinators
from simulator import Simulator

MS = 1000


def percentile(values: list[float], share: float) -> float:
    """Return the value below which share of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def payloads(number: int, world_movie_ids: list[int]) -> tuple[str, dict[str, Any]]:
    """Return (service, payload) number n of the load: every kind, each body unique."""
    kind = number % 4
    if kind == 0:
        movie_id = world_movie_ids[number % len(world_movie_ids)]
        return "radarr", {
            "eventType": "Grab",
            "instanceName": "Radarr",
            "movie": {"id": movie_id, "title": f"Movie {movie_id}", "tmdbId": movie_id},
            "release": {"quality": "Bluray-1080p", "releaseTitle": f"r{number}"},
            "downloadId": f"load{number}",
        }
    if kind == 1:
        return "sonarr", {
            "eventType": "Health",
            "instanceName": "Sonarr",
            "level": "warning",
            "type": "IndexerStatusCheck",
            "message": f"Indexer unavailable #{number}",
        }
    if kind == 2:
        return "overseerr", {
            "notification_type": "MEDIA_PENDING",
            "subject": f"Title {number}",
            "media": {"media_type": "movie", "tmdbId": str(number)},
            "request": {"request_id": str(number), "requestedBy_username": "anna"},
        }
    return "tautulli", {
        "action": "play",
        "user": "anna",
        "title": f"Title {number}",
        "session_key": str(number),
        "rating_key": str(number),
    }


class PushBench:
    """Drives the webhooks of one running Home Assistant."""

    def __init__(self, hass: HomeAssistant, simulator: Simulator) -> None:
        """Listen to every SmartPlex push event."""
        self.hass = hass
        self.simulator = simulator
        self.received: dict[str, float] = {}
        self.arrived = asyncio.Event()
        # When the latest webhook request reached Home Assistant's HTTP server.
        self.request_arrived = 0.0
        self.events = 0
        for category in ("download", "health", "request", "playback"):
            hass.bus.async_listen(f"smartplex_{category}", self._on_event)

    @web.middleware
    async def note_arrival(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        """Note when a request reached Home Assistant (the outermost middleware)."""
        self.request_arrived = time.perf_counter()
        response: web.StreamResponse = await handler(request)
        return response

    # A callback runs as the event fires; a plain function would run later in the
    # executor, and the times would measure the thread pool instead.
    @callback
    def _on_event(self, event: Event) -> None:
        """Note when each event arrived."""
        self.events += 1
        key = str(
            event.data.get("download_id")
            or event.data.get("message")
            or event.data.get("request_id")
            or event.data.get("session_key")
        )
        self.received[key] = time.perf_counter()
        self.arrived.set()

    def url(self, service: str) -> str:
        """Return a service's webhook URL."""
        entry = self.hass.config_entries.async_entries("smartplex")[0]
        push = entry.runtime_data.services[f"bench_{service}"].push
        assert push is not None
        return push.url()

    async def latency(
        self, session: aiohttp.ClientSession, count: int
    ) -> tuple[list[float], list[float]]:
        """Return POST -> bus event and arrival at HA -> bus event times (ms), one at a time."""
        url = self.url("radarr")
        times = []
        in_home_assistant = []
        for number in range(count):
            _, payload = payloads(number * 4, [1])
            payload["downloadId"] = key = f"latency{number}"
            began = time.perf_counter()
            async with session.post(url, json=payload) as reply:
                assert reply.status == 200
            async with asyncio.timeout(10):
                while key not in self.received:
                    self.arrived.clear()
                    await self.arrived.wait()
            times.append((self.received[key] - began) * MS)
            in_home_assistant.append((self.received[key] - self.request_arrived) * MS)
        return times, in_home_assistant

    async def entity_update(self, samples: int) -> list[float]:
        """Return simulator grab -> queue sensor changed times (ms)."""
        stack, world = self.simulator.stack, self.simulator.world
        times = []
        for _ in range(samples):
            before = self.hass.states.get("sensor.radarr_queue")
            queued = {q.media_id for q in world.queue.values()}
            movie = next(
                m
                for m in world.movies.values()
                if not m.has_file
                and m.id not in queued
                and m.info.release <= stack.clock.now()
            )
            changed = asyncio.Event()
            unsubscribe = async_track_state_change_event(
                self.hass,
                "sensor.radarr_queue",
                lambda _event, done=changed: done.set(),
            )
            began = time.perf_counter()
            stack.grab_movie(movie)
            async with asyncio.timeout(30):
                await changed.wait()
            times.append((time.perf_counter() - began) * MS)
            unsubscribe()
            assert self.hass.states.get("sensor.radarr_queue") != before
            # Past the refresh cooldown, so each sample starts fresh.
            await asyncio.sleep(2.5)
        return times

    async def until_push_works(self) -> None:
        """Wait until every service delivered its test notification (registration runs in the background)."""
        entry = self.hass.config_entries.async_entries("smartplex")[0]
        pushes = [s.push for s in entry.runtime_data.services.values() if s.push]
        async with asyncio.timeout(120):
            while not all(push.healthy for push in pushes):
                await self.simulator.stack.webhooks.drain()
                await self.hass.async_block_till_done()
                await asyncio.sleep(0.2)

    async def until_backfilled(self) -> float:
        """Wait until the stream details backfill is done; return the seconds waited.

        After the first history sync SmartPlex asks Tautulli for every older play's stream
        details, one request at a time: thousands of requests at home scale that are not
        push's work, so the load starts after them.
        """
        entry = self.hass.config_entries.async_entries("smartplex")[0]
        database = entry.runtime_data.database
        histories = [] if database is None else list(database.histories.values())
        began = time.perf_counter()
        async with asyncio.timeout(900):
            # The backfill's state is a plain attribute: nothing to wait on but time.
            while not all(h.details.state.full_done for h in histories):  # noqa: ASYNC110
                await asyncio.sleep(1)
        return round(time.perf_counter() - began, 1)

    async def poll_budget(self) -> dict[str, dict[str, float]]:
        """Return each service's polling requests per hour with push healthy and without push.

        Every coordinator is refreshed once while the simulator counts what it served; that
        poll's requests times polls per hour at the slowed and at the normal interval.
        """
        entry = self.hass.config_entries.async_entries("smartplex")[0]
        traffic = self.simulator.stack.traffic
        budget: dict[str, dict[str, float]] = {}
        for service in entry.runtime_data.services.values():
            if service.push is None:
                continue
            assert service.push.healthy, f"{service.title}: push is not working"
            with_push = polling = 0.0
            for coordinator in all_coordinators(service):
                if coordinator.update_interval is None:
                    continue
                traffic.reset()
                await coordinator.async_refresh()
                served = traffic.snapshot().get(service.service_type, {})
                requests = sum(endpoint["requests"] for endpoint in served.values())
                with_push += (
                    requests * 3600 / coordinator.update_interval.total_seconds()
                )
                polling += requests * 3600 / coordinator.interval.total_seconds()
            budget[service.service_type] = {
                "requests_per_hour_push": round(with_push, 1),
                "requests_per_hour_polling": round(polling, 1),
            }
        return budget

    async def load(
        self, session: aiohttp.ClientSession, minutes: float, rate: int
    ) -> dict[str, Any]:
        """Send rate webhooks a minute for minutes; count errors, memory and upstream work."""
        urls = {s: self.url(s) for s in ("sonarr", "radarr", "overseerr", "tautulli")}
        movie_ids = list(self.simulator.world.movies)[:50]
        total = int(minutes * rate)
        interval = 60 / rate
        errors = 0
        statuses: dict[int, int] = {}
        self.simulator.stack.traffic.reset()
        gc.collect()
        memory_start = tracemalloc.get_traced_memory()[0]
        memory_samples = []
        events_before = self.events
        start = time.perf_counter()

        async def send(number: int) -> None:
            nonlocal errors
            service, payload = payloads(number, movie_ids)
            try:
                async with session.post(urls[service], json=payload) as reply:
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                    errors += reply.status != 200
            except aiohttp.ClientError:
                errors += 1

        tasks = set()
        for number in range(total):
            target = start + number * interval
            if (delay := target - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(send(number))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if number % rate == 0:
                gc.collect()
                memory_samples.append(tracemalloc.get_traced_memory()[0] - memory_start)
        await asyncio.gather(*tasks)
        await self.hass.async_block_till_done()
        elapsed = time.perf_counter() - start
        gc.collect()
        traffic = self.simulator.stack.traffic.snapshot()
        upstream = {
            service: sum(endpoint["requests"] for endpoint in endpoints.values())
            for service, endpoints in traffic.items()
        }
        by_endpoint = {
            f"{service} {name}": endpoint["requests"]
            for service, endpoints in traffic.items()
            for name, endpoint in endpoints.items()
        }
        return {
            "webhooks": total,
            "seconds": round(elapsed, 1),
            "errors": errors,
            "statuses": statuses,
            "events": self.events - events_before,
            "memory_growth_mb": [round(m / 1e6, 2) for m in memory_samples],
            "memory_end_mb": round(
                (tracemalloc.get_traced_memory()[0] - memory_start) / 1e6, 2
            ),
            "upstream_requests": upstream,
            "upstream_requests_by_endpoint": by_endpoint,
            "upstream_requests_per_minute": round(
                sum(upstream.values()) / (elapsed / 60), 1
            ),
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up Home Assistant and SmartPlex against the simulator, then measure."""
    preimport("smartplex")
    tracemalloc.start()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as config_dir:
        async with (
            Simulator(scale="home", seed=1) as simulator,
            async_test_home_assistant(config_dir=config_dir) as hass,
            aiohttp.ClientSession() as session,
        ):
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            hass.config.internal_url = f"http://127.0.0.1:{args.port}"
            await async_setup_component(
                hass,
                "http",
                {"http": {"server_host": "127.0.0.1", "server_port": args.port}},
            )
            bench = PushBench(hass, simulator)
            hass.http.app.middlewares.insert(0, bench.note_arrival)
            # The server starts with the frontend or Home Assistant's start event; the
            # harness has neither.
            await hass.http.start()
            entry = smartplex_entry(simulator.describe())
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            await simulator.stack.webhooks.drain()
            await hass.async_block_till_done()
            summarize: Callable[[list[float]], dict[str, float]] = lambda v: {
                "median": round(statistics.median(v), 1),
                "p95": round(percentile(v, 0.95), 1),
                "max": round(max(v), 1),
            }
            await bench.until_push_works()
            result["poll_budget"] = await bench.poll_budget()
            posted, in_home_assistant = await bench.latency(session, args.samples)
            result["latency_ms"] = summarize(posted)
            result["latency_in_home_assistant_ms"] = summarize(in_home_assistant)
            result["entity_update_ms"] = summarize(await bench.entity_update(5))
            result["backfill_wait_s"] = await bench.until_backfilled()
            result["load"] = await bench.load(session, args.minutes, args.rate)
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    return result


def main() -> None:
    """Run the push benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--rate", type=int, default=1000, help="webhooks per minute")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--port", type=int, default=18610)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=1))


if __name__ == "__main__":
    main()
