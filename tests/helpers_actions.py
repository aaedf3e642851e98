"""Fixtures and helpers shared by the tests of actions, intents and LLM tools."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import AuditRecord, async_get_store
from custom_components.smartplex.sync_history import EVENT_HISTORY_SYNCED
from simulator import Simulator

from .conftest import TITLES, service_data, setup_entry


def world_state(simulator: Simulator) -> dict[str, Any]:
    """Return what an action could change in the simulated world."""
    world = simulator.world
    return {
        "movies": sorted(movie.info.tmdb_id for movie in world.movies.values()),
        "series": sorted(series.info.tvdb_id for series in world.series.values()),
        "requests": {rid: request.status for rid, request in world.requests.items()},
        "queue": sorted(world.queue),
        "blocklist": list(world.blocklist),
    }


def hub(
    simulator: Simulator, services: list[tuple[str, str]], **options: Any
) -> MockConfigEntry:
    """Return a hub entry with the given (service type, title) subentries."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SmartPlex",
        data={},
        options=options,
        entry_id="01JSMARTPLEXHUB0000000000",
        subentries_data=[
            ConfigSubentryDataWithId(
                data=MappingProxyType(service_data(simulator, service)),
                subentry_id=f"sub_{index}",
                subentry_type=service,
                title=title,
                unique_id=None,
            )
            for index, (service, title) in enumerate(services)
        ],
    )


ALL_SERVICES = [(service, title) for service, title in TITLES.items()]


@pytest.fixture(name="entry")
async def fixture_entry(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with every simulated service and its database in tmp_path."""
    hass.config.config_dir = str(tmp_path)
    config_entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, config_entry)
    return config_entry


async def audit_trail(hass: HomeAssistant) -> list[AuditRecord]:
    """Return the audit records, newest first."""
    return await hass.async_add_executor_job(async_get_store(hass).audit)


class EventLog:
    """Collects every smartplex_* event fired on the bus, except the database sync's."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to all events and keep SmartPlex's."""
        self.events: list[Event] = []
        self.unsubscribe = hass.bus.async_listen("*", self._record)

    @callback
    def _record(self, event: Event) -> None:
        """Keep SmartPlex events."""
        if (
            event.event_type.startswith(f"{DOMAIN}_")
            and event.event_type != EVENT_HISTORY_SYNCED
        ):
            self.events.append(event)

    def of(self, event_type: str) -> list[dict[str, Any]]:
        """Return the payloads of one event type."""
        return [
            dict(event.data) for event in self.events if event.event_type == event_type
        ]


@pytest.fixture(name="events")
def fixture_events(hass: HomeAssistant) -> EventLog:
    """Return a log of SmartPlex events."""
    return EventLog(hass)
