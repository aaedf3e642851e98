"""The benchmark's instruments, free of Home Assistant: the simulator's traffic meter and a loop-lag probe."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import time
from types import TracebackType
from typing import Any, Self

import aiohttp

HOURS_PER_DAY = 24


@dataclass(frozen=True, slots=True)
class Usage:
    """Requests, response body bytes and simulator serving seconds."""

    requests: float = 0
    bytes: float = 0
    seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        """Add two usages."""
        return Usage(
            self.requests + other.requests,
            self.bytes + other.bytes,
            self.seconds + other.seconds,
        )

    def __sub__(self, other: Usage) -> Usage:
        """Subtract an earlier usage."""
        return Usage(
            self.requests - other.requests,
            self.bytes - other.bytes,
            self.seconds - other.seconds,
        )

    def scaled(self, factor: float) -> Usage:
        """Return this usage multiplied by a factor."""
        return Usage(self.requests * factor, self.bytes * factor, self.seconds * factor)


def hourly_over_day(polls: list[Usage], last: Usage, polls_per_day: int) -> Usage:
    """Return the hourly cost of a day of polls from the ones measured.

    `polls` are the first polls of the day, each on its own; `last` is what the day's last
    poll cost (a daily resync shows there). The polls skipped in between count at the median
    cost of the ones run: a rare expensive poll among a few samples (a daily resync that came
    due early) is counted once, where a mean would repeat it all day.
    """
    skipped = polls_per_day - len(polls) - 1
    typical = sorted(polls, key=lambda usage: (usage.bytes, usage.requests))[
        (len(polls) - 1) // 2
    ]
    day = sum(polls, Usage()) + typical.scaled(skipped) + last
    return day.scaled(1 / HOURS_PER_DAY)


@dataclass(slots=True)
class Snapshot:
    """The simulator's counters at one moment: {(service, endpoint): Usage} and its CPU seconds."""

    endpoints: dict[tuple[str, str], Usage] = field(default_factory=dict)
    process_seconds: float = 0.0

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> Snapshot:
        """Build a snapshot from GET /_sim/traffic."""
        return cls(
            {
                (service, endpoint): Usage(
                    counted["requests"], counted["bytes"], counted["seconds"]
                )
                for service, endpoints in report["services"].items()
                for endpoint, counted in endpoints.items()
            },
            report["process_seconds"],
        )

    def __sub__(self, earlier: Snapshot) -> Snapshot:
        """Return what was served between an earlier snapshot and this one."""
        return Snapshot(
            {
                key: delta
                for key, usage in self.endpoints.items()
                if (delta := usage - earlier.endpoints.get(key, Usage())).requests
            },
            self.process_seconds - earlier.process_seconds,
        )

    def total(self, service: str | None = None) -> Usage:
        """Return the sum over every endpoint (of one service)."""
        usage = Usage()
        for (name, _), counted in self.endpoints.items():
            if service is None or name == service:
                usage += counted
        return usage


class TrafficMeter:
    """Reads the simulator's upstream-side counters over its control API."""

    def __init__(self, session: aiohttp.ClientSession, control_url: str) -> None:
        """Use any simulated service's base URL (every port serves /_sim/)."""
        self._session = session
        self._url = control_url.rstrip("/") + "/_sim/traffic"

    async def snapshot(self) -> Snapshot:
        """Return the counters now."""
        async with self._session.get(self._url) as response:
            response.raise_for_status()
            return Snapshot.from_report(await response.json())


class LoopLagProbe:
    """Measures event-loop stalls while active (a task that keeps sleeping briefly).

    `longest` is the latest wake-up in wall time; on a shared machine it also counts time the
    process waited for a core. `longest_busy` is the CPU time the loop's thread spent between two
    wake-ups: the stall the code itself caused, whatever else the machine was doing.
    """

    def __init__(self, interval: float = 0.005) -> None:
        """Wake every interval seconds; a late wake-up is a stall."""
        self.interval = interval
        self.longest = 0.0
        self.longest_busy = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        """Record how late each wake-up is and how much the loop's thread ran meanwhile."""
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            busy = time.thread_time()
            await asyncio.sleep(self.interval)
            self.longest = max(self.longest, loop.time() - due)
            self.longest_busy = max(self.longest_busy, time.thread_time() - busy)

    async def __aenter__(self) -> Self:
        """Start probing (the longest stall starts from zero)."""
        self.longest = self.longest_busy = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop probing, after one last wake-up so a stall at the very end is seen."""
        await asyncio.sleep(self.interval)
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
