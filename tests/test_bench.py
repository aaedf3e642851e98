"""The benchmark's instruments count right (the benchmark itself runs with scripts/bench, not here)."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bench.meter import LoopLagProbe, Snapshot, TrafficMeter, Usage, hourly_over_day
from simulator import Simulator


async def test_meter_counts_what_the_simulator_served(simulator: Simulator) -> None:
    """A snapshot difference holds exactly the requests and bytes made in between."""
    sonarr = {"X-Api-Key": simulator.api_key("sonarr")}
    async with aiohttp.ClientSession() as session:
        meter = TrafficMeter(session, simulator.url("tmdb"))
        async with session.get(simulator.url("radarr") + "/api/v3/movie") as response:
            assert response.status == 401  # counted before the first snapshot
        before = await meter.snapshot()
        sizes = []
        for _ in range(2):
            async with session.get(
                simulator.url("sonarr") + "/api/v3/series", headers=sonarr
            ) as response:
                sizes.append(len(await response.read()))
        async with session.get(
            simulator.url("sonarr") + "/api/v3/system/status", headers=sonarr
        ) as response:
            sizes.append(len(await response.read()))
        served = await meter.snapshot() - before

    assert set(served.endpoints) == {
        ("sonarr", "GET /api/v3/series"),
        ("sonarr", "GET /api/v3/system/status"),
    }
    assert served.endpoints[("sonarr", "GET /api/v3/series")].requests == 2
    assert served.total("sonarr").requests == 3
    assert served.total().bytes == sum(sizes)
    assert served.total("radarr") == Usage()
    assert served.process_seconds >= 0


def test_snapshot_difference_and_hourly_extrapolation() -> None:
    """Endpoints without new requests drop out; a poll's cost times polls per hour."""
    earlier = Snapshot.from_report(
        {
            "process_seconds": 1.0,
            "services": {
                "tautulli": {"GET /api/v2?cmd=get_activity": _counted(4, 400)},
                "sonarr": {"GET /api/v3/queue": _counted(1, 50)},
            },
        }
    )
    later = Snapshot.from_report(
        {
            "process_seconds": 1.5,
            "services": {
                "tautulli": {"GET /api/v2?cmd=get_activity": _counted(6, 700)},
                "sonarr": {"GET /api/v3/queue": _counted(1, 50)},
            },
        }
    )

    served = later - earlier

    assert served.endpoints == {
        ("tautulli", "GET /api/v2?cmd=get_activity"): Usage(2, 300, 0.0)
    }
    assert served.process_seconds == 0.5


def test_hourly_cost_of_a_day_counts_skipped_polls_and_the_last_one() -> None:
    """3 of 288 five-minute polls run, 284 skipped at their median, then a daily resync."""
    polls = [Usage(1, 100, 0.1), Usage(1, 90, 0.1), Usage(1, 110, 0.1)]
    hourly = hourly_over_day(polls, Usage(1, 43_000_000, 2.0), polls_per_day=288)

    assert hourly.requests == 288 / 24
    assert hourly.bytes == (300 + 284 * 100 + 43_000_000) / 24
    assert round(hourly.seconds, 6) == round((287 * 0.1 + 2.0) / 24, 6)
    # Followed through the whole day: nothing is extrapolated.
    assert hourly_over_day([Usage(1, 1)] * 287, Usage(1, 1), 288) == Usage(12, 12)


def test_a_resync_among_the_sampled_polls_counts_once() -> None:
    """A daily resync that came due in the first polls is not repeated over the skipped ones."""
    resync = Usage(2, 44_000_000, 5.0)
    polls = [
        resync,
        Usage(2, 5_000, 0.01),
        Usage(2, 6_000, 0.01),
        Usage(2, 5_500, 0.01),
    ]
    hourly = hourly_over_day(polls, Usage(2, 5_000, 0.01), polls_per_day=288)

    assert hourly.bytes == (44_000_000 + 16_500 + 283 * 5_500 + 5_000) / 24


async def test_loop_lag_probe_sees_a_blocking_call() -> None:
    """A callback blocking the loop for 0.2 s shows as a stall, in wall and in loop CPU time."""
    async with LoopLagProbe() as probe:
        await asyncio.sleep(0.02)
        began = time.thread_time()
        while time.thread_time() - began < 0.2:
            pass  # keep the loop's thread busy, as a parse on the loop would
    assert probe.longest >= 0.19
    assert probe.longest_busy >= 0.19

    async with LoopLagProbe() as quiet:
        await asyncio.sleep(0.05)
    assert quiet.longest_busy < 0.19


def _counted(requests: int, size: int) -> dict[str, float]:
    """Return one endpoint's counters as /_sim/traffic reports them."""
    return {"requests": requests, "bytes": size, "seconds": 0.0}
