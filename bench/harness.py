"""The parts of a benchmark run: SmartPlex's hub, action calls, live coordinators, orjson baseline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
import gc
import time
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import orjson
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .meter import Usage
from .requirements import CORE_DOMAINS, import_integration

SMARTPLEX_SERVICES = ("sonarr", "radarr", "overseerr", "tautulli", "tmdb")
WEEK = 7  # days: the upcoming window of both stacks and the calendar read


def answer_form(schema: Any, values: dict[str, str]) -> dict[str, Any]:
    """Fill a config flow form: URL and key, no certificate check, sections (2026.10) inside."""
    answer: dict[str, Any] = {}
    for key, field in schema.schema.items():
        name = str(key)
        if isinstance(field, section):
            answer[name] = answer_form(field.schema, values)
        elif name in values:
            answer[name] = values[name]
        elif name == "verify_ssl":
            answer[name] = False
    return answer


def smartplex_actions(query: str) -> dict[str, Callable[[HomeAssistant], Any]]:
    """Return SmartPlex's read actions with typical arguments."""
    return {
        "search": action_call("smartplex", "search", {"query": query}),
        "get_requests": action_call(
            "smartplex", "get_requests", {"status": "approved"}
        ),
        "get_queue": action_call("smartplex", "get_queue", {}),
        "get_calendar": action_call("smartplex", "get_calendar", {"days": WEEK}),
    }


def action_call(
    domain: str,
    service: str,
    data: dict[str, Any],
    target: dict[str, Any] | None = None,
) -> Callable[[HomeAssistant], Awaitable[Any]]:
    """Return a call of an action that answers with data."""

    async def call(hass: HomeAssistant) -> Any:
        return await hass.services.async_call(
            domain,
            service,
            data,
            target=target,
            blocking=True,
            return_response=True,
        )

    call.__qualname__ = f"{domain}.{service}"
    return call


def sequence_calls(
    calls: list[Callable[[HomeAssistant], Awaitable[Any]]],
) -> Callable[[HomeAssistant], Awaitable[Any]]:
    """Return one call making several calls in turn (e.g. core's per-integration queues)."""

    async def call(hass: HomeAssistant) -> Any:
        return [await each(hass) for each in calls]

    call.__qualname__ = " + ".join(each.__qualname__ for each in calls)
    return call


def smartplex_entry(
    simulator: dict[str, dict[str, str]],
    services: Sequence[str] = SMARTPLEX_SERVICES,
) -> MockConfigEntry:
    """Return a SmartPlex hub with one subentry per simulated service (or those given)."""
    return MockConfigEntry(
        domain="smartplex",
        title="SmartPlex",
        data={},
        options={"upcoming_days": WEEK},
        subentries_data=[
            ConfigSubentryDataWithId(
                data=MappingProxyType(
                    {
                        "url": simulator[service]["url"],
                        "api_key": simulator[service]["api_key"],
                        "verify_ssl": False,
                    }
                ),
                subentry_id=f"bench_{service}",
                subentry_type=service,
                title=service.capitalize(),
                unique_id=None,
            )
            for service in services
        ],
    )


def live_coordinators(hass: HomeAssistant) -> list[DataUpdateCoordinator[Any]]:
    """Return every coordinator alive in this Home Assistant (found the same way for both stacks).

    By the classes each object's type derives from, not isinstance: DataUpdateCoordinator
    is generic, so isinstance on every live object fills the ABC caches with each type
    seen (about 8 MB, which the memory measurement counted as the stack's).
    """
    gc.collect()
    return [
        obj
        for obj in gc.get_objects()
        if DataUpdateCoordinator in type(obj).__mro__ and obj.hass is hass
    ]


def describe_coordinator(coordinator: DataUpdateCoordinator[Any]) -> str:
    """Return "<service> <coordinator class>" for a coordinator."""
    domain = type(coordinator).__module__.split(".")[-2]
    service = getattr(coordinator, "service", None)
    title = getattr(service, "title", None) or domain
    return f"{title} {type(coordinator).__name__}"


def usage_data(usage: Usage) -> dict[str, float]:
    """Return a usage as plain data."""
    return {"requests": usage.requests, "bytes": usage.bytes, "seconds": usage.seconds}


class CapturedBodies:
    """Keep every response body aiohttp reads (each response once) while active."""

    def __init__(self, bodies: list[bytes] | None) -> None:
        """Append to bodies (None: keep nothing)."""
        self.bodies = bodies
        self._patch: Any = None

    def __enter__(self) -> None:
        """Wrap ClientResponse.read."""
        if self.bodies is None:
            return
        original = aiohttp.ClientResponse.read
        bodies = self.bodies

        async def read(response: aiohttp.ClientResponse) -> bytes:
            first = response._body is None  # noqa: SLF001
            body = await original(response)
            if first and body:
                bodies.append(body)
            return body

        self._patch = patch.object(aiohttp.ClientResponse, "read", read)
        self._patch.start()

    def __exit__(self, *exc: object) -> None:
        """Restore ClientResponse.read."""
        if self._patch is not None:
            self._patch.stop()


def orjson_baseline(cpu: float, bodies: list[bytes]) -> dict[str, Any]:
    """Return the orjson parse time of the bodies read and the CPU spent per unit of it."""
    parse = orjson_parse_seconds(bodies)
    return {
        "orjson_parse_seconds": parse,
        "cpu_per_parse": cpu / parse if parse else None,
        "captured_bytes": sum(map(len, bodies)),
    }


def orjson_parse_seconds(bodies: list[bytes]) -> float:
    """Return the CPU seconds orjson needs to parse the bodies (best of three)."""
    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        for body in bodies:
            try:
                orjson.loads(body)
            except orjson.JSONDecodeError:
                continue
        best = min(best, time.process_time() - began)
    return best


def preimport(stack: str) -> None:
    """Import the integrations and their platforms before anything is measured."""
    packages = (
        ["custom_components.smartplex"]
        if stack == "smartplex"
        else [f"homeassistant.components.{domain}" for domain in CORE_DOMAINS]
    )
    for package in packages:
        import_integration(package)
