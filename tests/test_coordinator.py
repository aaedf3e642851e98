"""Tests for the coordinators: availability under every fault class, logging, reauth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartplex.const import DOMAIN
from simulator import Simulator

from .conftest import refresh_service, service_device, setup_entry

# Entities of services that must stay available while another one is down.
OTHER_SERVICES = {
    "sonarr": "sensor.sonarr_queue",
    "radarr": "sensor.radarr_queue",
    "overseerr": "sensor.overseerr_total_requests",
    "tautulli": "sensor.tautulli_active_streams",
}


@pytest.fixture
def short_timeout(loaded_entry: MockConfigEntry) -> Iterator[None]:
    """Give up on hanging requests after half a second instead of ten, once set up.

    Setup itself keeps the usual timeout: on a busy machine its first polls may take
    longer than half a second while the entities are written.
    """
    clients = [
        service.client for service in loaded_entry.runtime_data.services.values()
    ]
    with ExitStack() as stack:
        for client in clients:
            stack.enter_context(patch.object(client, "_timeout", 0.5))
        yield


@pytest.fixture
def smartplex_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture SmartPlex's info lines."""
    caplog.set_level(logging.INFO, logger="custom_components.smartplex")
    return caplog


def service_states(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, subentry_id: str
) -> dict[str, str]:
    """Return the states of a service's enabled entities, except its last-sync time.

    And the history sync progress and today's figures: they are the database's, which
    an outage leaves as is.
    """
    states = {}
    for entry in entity_registry.entities.values():
        if (
            entry.config_subentry_id == subentry_id
            and not entry.disabled
            and not entry.unique_id.endswith(
                (
                    "_last_sync",
                    "_history_sync",
                    "_watch_time_today",
                    "_peak_concurrent_streams_today",
                    "_transcode_share_today",
                )
            )
        ):
            state = hass.states.get(entry.entity_id)
            assert state is not None
            states[entry.entity_id] = state.state
    return states


def assert_others_available(hass: HomeAssistant, down: str) -> None:
    """Check that every service but the failing one still has its entities."""
    for service, entity_id in OTHER_SERVICES.items():
        if service != down:
            assert hass.states.get(entity_id).state != STATE_UNAVAILABLE, entity_id


@pytest.mark.usefixtures("short_timeout")
@pytest.mark.parametrize(
    ("service", "fault"),
    [
        pytest.param("sonarr", {"kind": "drop"}, id="connection_drop"),
        pytest.param("radarr", {"kind": "hang"}, id="hang_timeout"),
        pytest.param("sonarr", {"kind": "status", "status": 404}, id="http_404"),
        pytest.param(
            "overseerr",
            {"kind": "status", "status": 429, "retry_after": 120},
            id="http_429",
        ),
        pytest.param("tautulli", {"kind": "status", "status": 500}, id="http_500"),
        pytest.param("sonarr", {"kind": "status", "status": 503}, id="http_503"),
        pytest.param("radarr", {"kind": "malformed_json"}, id="malformed_json"),
        pytest.param("overseerr", {"kind": "html_login"}, id="html_login"),
    ],
)
async def test_outage_and_recovery(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
    smartplex_log: pytest.LogCaptureFixture,
    service: str,
    fault: dict[str, Any],
) -> None:
    """Only the failing service goes unavailable; one line when down, one when back."""
    subentry_id = f"sub_{service}"
    before = service_states(hass, entity_registry, subentry_id)
    assert before
    assert STATE_UNAVAILABLE not in before.values()
    title = loaded_entry.subentries[subentry_id].title

    simulator.faults.inject(service, **fault)
    await refresh_service(hass, loaded_entry, service)
    assert set(service_states(hass, entity_registry, subentry_id).values()) == {
        STATE_UNAVAILABLE
    }
    assert_others_available(hass, service)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    last_sync = hass.states.get(f"sensor.{service}_last_successful_sync")
    assert last_sync.state != STATE_UNAVAILABLE

    simulator.faults.clear()
    await refresh_service(hass, loaded_entry, service)
    assert service_states(hass, entity_registry, subentry_id) == before
    assert smartplex_log.text.count(f"{title} is unavailable") == 1
    assert smartplex_log.text.count(f"{title} is available again") == 1
    # The coordinators' own per-poll lines are replaced by the per-service ones.
    assert "Error fetching" not in smartplex_log.text
    assert "data recovered" not in smartplex_log.text


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("service", "path", "broken", "working"),
    [
        pytest.param(
            "radarr",
            "/api/v3/rootfolder",
            ["sensor.radarr_free_space_movies"],
            ["binary_sensor.radarr_health_problems", "sensor.radarr_queue"],
            id="root_folders",
        ),
        pytest.param(
            "sonarr",
            "/api/v3/health",
            ["binary_sensor.sonarr_health_problems"],
            ["sensor.sonarr_free_space_tv"],
            id="health",
        ),
        pytest.param(
            "sonarr",
            "/api/v3/wanted/cutoff",
            ["sensor.sonarr_cutoff_unmet"],
            ["sensor.sonarr_missing"],
            id="cutoff_unmet",
        ),
        pytest.param(
            "radarr",
            "/api/v3/wanted/missing",
            ["sensor.radarr_missing"],
            ["sensor.radarr_cutoff_unmet"],
            id="wanted_missing",
        ),
        pytest.param(
            "overseerr",
            "/api/v1/issue/count",
            ["sensor.overseerr_open_issues"],
            ["sensor.overseerr_total_requests", "event.overseerr_request"],
            id="issue_counts",
        ),
        pytest.param(
            "overseerr",
            "/api/v1/request/count",
            ["sensor.overseerr_total_requests", "sensor.overseerr_pending_requests"],
            ["sensor.overseerr_open_issues", "event.overseerr_request"],
            id="request_counts",
        ),
    ],
)
async def test_one_broken_endpoint_keeps_other_kinds(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    path: str,
    broken: list[str],
    working: list[str],
) -> None:
    """An endpoint that fails takes down only the entities of its own kind of data."""
    for entity_id in (*broken, *working):
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE, entity_id
    simulator.faults.inject(service, "status", status=500, path=path)
    await refresh_service(hass, loaded_entry, service)
    for entity_id in broken:
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE, entity_id
    for entity_id in working:
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE, entity_id

    simulator.faults.clear()
    await refresh_service(hass, loaded_entry, service)
    for entity_id in broken:
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE, entity_id


async def test_rate_limit_honours_retry_after(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """After a 429 the next poll waits for Retry-After, not the usual retry interval."""
    simulator.faults.inject("sonarr", "status", status=429, retry_after=150)
    await refresh_service(hass, loaded_entry, "sonarr")
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE
    simulator.faults.clear()

    now = dt_util.utcnow()
    # The queue normally polls (and retries) every minute.
    async_fire_time_changed(hass, now + timedelta(seconds=90))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.sonarr_queue").state == STATE_UNAVAILABLE

    async_fire_time_changed(hass, now + timedelta(seconds=155))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.sonarr_queue").state == "2"


async def test_tautulli_api_disabled(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
    smartplex_log: pytest.LogCaptureFixture,
) -> None:
    """Tautulli's 404 "API not enabled" is a repair issue, not a reauth."""
    simulator.faults.inject("tautulli", "status", status=404)
    await refresh_service(hass, loaded_entry, "tautulli")
    assert hass.states.get("sensor.tautulli_active_streams").state == STATE_UNAVAILABLE
    assert_others_available(hass, "tautulli")
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    issue = issue_registry.async_get_issue(DOMAIN, "api_disabled_sub_tautulli")
    assert issue is not None
    assert issue.translation_placeholders == {"service": "Tautulli"}

    simulator.faults.clear()
    await refresh_service(hass, loaded_entry, "tautulli")
    assert hass.states.get("sensor.tautulli_active_streams").state == "1"
    assert issue_registry.async_get_issue(DOMAIN, "api_disabled_sub_tautulli") is None
    assert smartplex_log.text.count("Tautulli is available again") == 1


async def test_down_at_setup_then_identified(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A service down at setup still starts; its device gets its version once it is back."""
    simulator.faults.inject("tautulli", "drop")
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.tautulli_active_streams").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    device = service_device(device_registry, config_entry, "sub_tautulli")
    assert device.sw_version is None

    simulator.faults.clear()
    await refresh_service(hass, config_entry, "tautulli")
    assert hass.states.get("sensor.tautulli_active_streams").state == "1"
    device = service_device(device_registry, config_entry, "sub_tautulli")
    info = await config_entry.runtime_data.services["sub_tautulli"].client.validate()
    assert device.sw_version == info.version
    assert device.model == "Tautulli"


async def test_recovered_but_not_identified(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """If identifying a recovered service fails, its data still counts and the device stays."""
    device = service_device(device_registry, loaded_entry, "sub_sonarr")
    simulator.faults.inject("sonarr", "status", status=503)
    await refresh_service(hass, loaded_entry, "sonarr")
    simulator.faults.clear()
    simulator.faults.inject(
        "sonarr", "status", status=500, path="/api/v3/system/status"
    )
    await refresh_service(hass, loaded_entry, "sonarr")
    assert hass.states.get("sensor.sonarr_queue").state == "2"
    after = service_device(device_registry, loaded_entry, "sub_sonarr")
    assert after.sw_version == device.sw_version


@pytest.mark.parametrize(
    ("service", "status", "title"),
    [("radarr", 401, "Radarr"), ("overseerr", 403, "Overseerr")],
)
async def test_runtime_reauth(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    status: int,
    title: str,
) -> None:
    """A rejected key at runtime starts a reauth naming the service; a good key fixes it."""
    simulator.faults.inject(service, "status", status=status)
    await refresh_service(hass, loaded_entry, service)
    entity_id = OTHER_SERVICES[service]
    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert_others_available(hass, service)
    assert loaded_entry.state is ConfigEntryState.LOADED

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["step_id"] == "reauth_confirm"

    # While the service still rejects every key the form says so.
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.api_key(service)}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert result["description_placeholders"]["service"] == title
    simulator.faults.clear()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.api_key(service)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(entity_id).state != STATE_UNAVAILABLE


async def test_reauth_closed_when_key_works_again(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A service that accepts its key again by itself closes its reauth flow."""
    simulator.faults.inject("overseerr", "status", status=401)
    await refresh_service(hass, loaded_entry, "overseerr")
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert hass.states.get("sensor.overseerr_total_requests").state == (
        STATE_UNAVAILABLE
    )

    # Polling goes on while the key is rejected, so the recovery is noticed.
    simulator.faults.clear()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=3))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert hass.states.get("sensor.overseerr_total_requests").state != (
        STATE_UNAVAILABLE
    )


async def test_second_rejected_key_asked_for_next(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """HA runs one reauth per entry: a second rejected key is asked for once the first closes."""
    simulator.faults.inject("sonarr", "status", status=401)
    simulator.faults.inject("radarr", "status", status=401)
    await refresh_service(hass, loaded_entry, "sonarr")
    await refresh_service(hass, loaded_entry, "radarr")
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": "Sonarr"}

    simulator.faults.clear("sonarr")
    await refresh_service(hass, loaded_entry, "sonarr")
    await refresh_service(hass, loaded_entry, "radarr")
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": "Radarr"}
    assert hass.states.get("sensor.sonarr_queue").state != STATE_UNAVAILABLE
    assert hass.states.get("sensor.radarr_queue").state == STATE_UNAVAILABLE


async def test_runtime_key_rotation(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A key changed on the server is asked for once and stored in that service only."""
    old_key = simulator.api_key("tautulli")
    simulator.stack.keys["tautulli"] = "0123456789abcdef0123456789abcdef"
    await refresh_service(hass, loaded_entry, "tautulli")
    assert hass.states.get("sensor.tautulli_active_streams").state == STATE_UNAVAILABLE

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: old_key}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert result["description_placeholders"]["service"] == "Tautulli"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.api_key("tautulli")}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert loaded_entry.subentries["sub_tautulli"].data[CONF_API_KEY] == (
        simulator.api_key("tautulli")
    )
    assert loaded_entry.subentries["sub_sonarr"].data[CONF_API_KEY] == (
        simulator.api_key("sonarr")
    )
    assert hass.states.get("sensor.tautulli_active_streams").state == "1"


async def test_stale_user_removed(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A user that disappears from Tautulli loses its sensor; the others stay."""
    assert entity_registry.async_get("sensor.tautulli_now_playing_clara")
    users = simulator.world.users
    users.remove(next(user for user in users if user.username.lower() == "clara"))
    await refresh_service(hass, loaded_entry, "tautulli")
    assert entity_registry.async_get("sensor.tautulli_now_playing_clara") is None
    assert hass.states.get("sensor.tautulli_now_playing_clara") is None
    assert entity_registry.async_get("sensor.tautulli_now_playing_anna")


async def test_queue_lists_its_records_only_when_it_changed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """An unchanged queue costs one record a poll; a new download is counted at once."""
    coordinator = loaded_entry.runtime_data.services["sub_sonarr"].coordinators.queue
    queue = simulator.world.queue.values()
    downloads = {item.download_id for item in queue if item.service == "sonarr"}
    assert coordinator.data == len(downloads)
    traffic = simulator.stack.traffic
    traffic.reset()

    await coordinator.async_refresh()
    assert coordinator.data == len(downloads)
    quiet = traffic.endpoints["sonarr"]["GET /api/v3/queue"]
    assert quiet.requests == 1
    quiet_bytes = quiet.bytes
    traffic.reset()

    series = next(
        series
        for series in simulator.world.series.values()
        if not any(item.media_id == series.id for item in queue)
    )
    simulator.stack.grab_episodes(series, series.episode_ids)
    grabbed = {item.download_id for item in queue if item.service == "sonarr"}
    assert grabbed > downloads
    await coordinator.async_refresh()
    assert coordinator.data == len(grabbed)
    # The quiet poll read one record; the recount read all of them.
    listed = traffic.endpoints["sonarr"]["GET /api/v3/queue"]
    assert listed.bytes - quiet_bytes > quiet_bytes * (len(grabbed) - 2)


async def test_users_seen_while_unloading_add_no_sensor(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A user polled while the entry unloads gets a sensor from the next setup only.

    Added to the platform being unloaded, the sensor stayed behind and the reload's own
    was refused as a duplicate ("does not generate unique IDs").
    """
    users = loaded_entry.runtime_data.services["sub_tautulli"].coordinators.users
    clara = next(user for user in users.data if user.username.lower() == "clara")
    world_users = simulator.world.users
    world_clara = next(u for u in world_users if u.username.lower() == "clara")
    world_users.remove(world_clara)
    await refresh_service(hass, loaded_entry, "tautulli")
    assert hass.states.get("sensor.tautulli_now_playing_clara") is None
    world_users.append(world_clara)
    unload_platforms = hass.config_entries.async_unload_platforms

    async def unload_then_poll(*args: Any) -> bool:
        unloaded = await unload_platforms(*args)
        users.async_set_updated_data([*users.data, clara])
        await hass.async_block_till_done()
        return unloaded

    with patch.object(hass.config_entries, "async_unload_platforms", unload_then_poll):
        await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "does not generate unique IDs" not in caplog.text
    assert hass.states.get("sensor.tautulli_now_playing_clara").state != (
        STATE_UNAVAILABLE
    )
