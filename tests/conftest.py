"""Shared fixtures: the simulated media stack and a SmartPlex hub entry pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
import socket
from types import MappingProxyType
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

# HA's test config puts its own custom_components first on sys.path: import ours first.
import custom_components.smartplex  # noqa: F401
from custom_components.smartplex.const import CONF_UPCOMING_DAYS, DOMAIN, SERVICE_TYPES
from custom_components.smartplex.coordinator import all_coordinators
from simulator import Simulator

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
# Port 1 on loopback: a privileged port nothing listens on, known without opening a socket.
UNREACHABLE_URL = "http://127.0.0.1:1"
TITLES = {
    "overseerr": "Overseerr",
    "radarr": "Radarr",
    "sonarr": "Sonarr",
    "tautulli": "Tautulli",
    "tmdb": "TMDB",
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Enable loading SmartPlex from custom_components in every test."""


@pytest.fixture
async def hass(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[HomeAssistant]:
    """Give Home Assistant a configuration directory of its own and a loopback internal URL.

    The harness's shared configuration directory would carry SmartPlex's database (and the
    blueprints and sentences it installs) from one test to the next: a history already
    synced by an earlier test left today's figures at another test's plays.

    Without an internal URL, the URL push registers in the simulated services is built
    from the harness's mocked source address (10.10.10.10), and each delivery the services
    try becomes a pytest-socket warning. Tests that receive pushes use `ha_url` instead.
    """
    hass.config.config_dir = str(tmp_path)
    hass.config.internal_url = UNREACHABLE_URL
    yield hass
    # Saved options reload the entry, and the reloaded coordinators schedule their debounced
    # refresh: a test that ends there would leave that timer behind.
    await unload_smartplex(hass)


async def unload_smartplex(hass: HomeAssistant) -> None:
    """Unload every loaded SmartPlex entry once Home Assistant's pending work is done."""
    await hass.async_block_till_done(wait_background_tasks=True)
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return snapshot assertion fixture with the Home Assistant extension."""
    from pytest_homeassistant_custom_component.syrupy import (
        HomeAssistantSnapshotExtension,
    )

    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
async def simulator(
    socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncIterator[Simulator]:
    """Run the simulated media stack on loopback for one test (tiny unless marked).

    `@pytest.mark.simulator_scale("home")` runs it at another scale.

    A test with Home Assistant gets it set up before the simulator, so that SmartPlex is
    unloaded before the simulator's servers close: a poll connecting while they closed
    failed the test's teardown in asyncio's server.
    """
    hass = request.getfixturevalue("hass") if "hass" in request.fixturenames else None
    scale = request.node.get_closest_marker("simulator_scale")
    async with Simulator(scale=scale.args[0] if scale else "tiny", now=NOW) as sim:
        yield sim
        if hass is not None:
            await unload_smartplex(hass)


def closed_port_url() -> str:
    """Return a loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def service_data(simulator: Simulator, service: str) -> dict[str, Any]:
    """Return subentry data connecting to one simulated service."""
    return {
        CONF_URL: simulator.url(service),
        CONF_API_KEY: simulator.api_key(service),
        CONF_VERIFY_SSL: True,
    }


def hub_with_services(
    simulator: Simulator, **overrides: dict[str, Any]
) -> MockConfigEntry:
    """Return a hub entry with one subentry per simulated service (data overridable)."""
    subentries: list[ConfigSubentryDataWithId] = [
        ConfigSubentryDataWithId(
            data=MappingProxyType(
                {**service_data(simulator, service), **overrides.get(service, {})}
            ),
            subentry_id=f"sub_{service}",
            subentry_type=service,
            title=TITLES[service],
            unique_id=None,
        )
        for service in SERVICE_TYPES
    ]
    return MockConfigEntry(
        domain=DOMAIN,
        title="SmartPlex",
        data={},
        options={CONF_UPCOMING_DAYS: 7},
        entry_id="01JSMARTPLEXHUB0000000000",
        subentries_data=subentries,
    )


@pytest.fixture
def config_entry(simulator: Simulator) -> MockConfigEntry:
    """Return a hub entry with one subentry per simulated service."""
    return hub_with_services(simulator)


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add the entry to Home Assistant, set it up and wait until its services started."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


def service_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, subentry_id: str
) -> dr.DeviceEntry:
    """Return the device of one service (looked up the same way on every HA version)."""
    return next(
        device
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        if (DOMAIN, subentry_id) in device.identifiers
    )


async def refresh_service(
    hass: HomeAssistant, entry: MockConfigEntry, service: str
) -> None:
    """Poll every coordinator of one service now, one after the other."""
    for coordinator in all_coordinators(entry.runtime_data.services[f"sub_{service}"]):
        await coordinator.async_refresh()
    await hass.async_block_till_done()


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Return the hub entry, set up against the simulator."""
    await setup_entry(hass, config_entry)
    return config_entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
async def ha_url(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Serve Home Assistant's HTTP API on a loopback port and make it the internal URL."""
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "webhook", {})
    # SmartPlex and repairs register their HTTP views first: a running server's
    # router is frozen.
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client_no_auth()
    url = str(client.make_url("")).rstrip("/")
    await hass.config.async_update(internal_url=url)
    return url


async def deliver(hass: HomeAssistant, simulator: Simulator) -> None:
    """Let the simulator deliver its webhooks and Home Assistant act on them."""
    await simulator.stack.webhooks.drain()
    await hass.async_block_till_done()


@pytest.fixture
async def entry(
    hass: HomeAssistant,
    ha_url: str,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> MockConfigEntry:
    """Set the hub up with Home Assistant serving HTTP (push works): every test notification arrived."""
    await setup_entry(hass, config_entry)
    await deliver(hass, simulator)
    return config_entry


@pytest.fixture(name="database")
def fixture_database(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Put the database in the test's own directory and return its path."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "smartplex.db"
