"""Push end to end: the simulator's services call SmartPlex's webhooks on a real HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
import logging

from aiohttp import ClientSession
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.smartplex.api.overseerr import OverseerrClient
from custom_components.smartplex.const import DOMAIN, PUSH_POLL_INTERVALS
from custom_components.smartplex.models import SmartPlexService
from custom_components.smartplex.webhook import (
    CONNECTION_NAME,
    TEST_TIMEOUT,
    PushManager,
    issue_id_overseerr_in_use,
    issue_id_unreachable,
)
from simulator import Simulator

from .conftest import closed_port_url, deliver, setup_entry
from .helpers_world import unknown_title


def capture(hass: HomeAssistant, *categories: str) -> list[Event]:
    """Collect SmartPlex push events of some categories."""
    events: list[Event] = []

    # A callback keeps the order events were fired in (a plain function would run in
    # the executor, where two events fired together can be appended either way round).
    @callback
    def collect(event: Event) -> None:
        events.append(event)

    for category in categories:
        hass.bus.async_listen(f"{DOMAIN}_{category}", collect)
    return events


def service_of(entry: MockConfigEntry, service: str) -> SmartPlexService:
    """Return one of the hub's services by type."""
    found: SmartPlexService = entry.runtime_data.services[f"sub_{service}"]
    return found


def push_of(entry: MockConfigEntry, service: str) -> PushManager:
    """Return the push manager of a service."""
    push = service_of(entry, service).push
    assert push is not None
    return push


def webhook_url(entry: MockConfigEntry, service: str) -> str:
    """Return the URL SmartPlex registered for a service."""
    return push_of(entry, service).url()


async def test_registered_in_every_service_and_tested(
    hass: HomeAssistant,
    ha_url: str,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Setup registers one webhook per service through its API; each test arrives."""
    notifications = simulator.stack.notifications
    for service in ("sonarr", "radarr"):
        [connection] = notifications.arr[service].values()
        fields = {field["name"]: field["value"] for field in connection["fields"]}
        assert connection["name"] == CONNECTION_NAME
        assert fields["url"] == webhook_url(entry, service)
        assert fields["url"].startswith(f"{ha_url}/api/webhook/")
        assert connection["onGrab"] and connection["onDownload"]
        assert connection["onHealthIssue"] and connection["onManualInteractionRequired"]
    [notifier] = notifications.tautulli.values()
    assert notifier["config"]["hook"] == webhook_url(entry, "tautulli")
    assert notifier["actions"]["on_play"] == notifier["actions"]["on_stop"] == 1
    overseerr = notifications.overseerr
    assert overseerr["enabled"] is True
    assert overseerr["options"]["webhookUrl"] == webhook_url(entry, "overseerr")
    webhook_ids = set()
    for service in ("sonarr", "radarr", "overseerr", "tautulli"):
        push = push_of(entry, service)
        # Every test notification arrived, so push counts as working.
        assert push.healthy, service
        assert len(push.webhook_id) == 64
        webhook_ids.add(push.webhook_id)
    assert len(webhook_ids) == 4

    # A restart keeps the ids and registers nothing twice.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await deliver(hass, simulator)
    assert len(notifications.arr["sonarr"]) == 1
    assert len(notifications.tautulli) == 1
    push = push_of(entry, "sonarr")
    assert push.webhook_id in webhook_url(entry, "sonarr")


async def test_removing_a_service_removes_its_webhook(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Removing a service deletes SmartPlex's connection from that service only."""
    notifications = simulator.stack.notifications
    assert hass.config_entries.async_remove_subentry(entry, "sub_sonarr")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications.arr["sonarr"] == {}
    assert len(notifications.arr["radarr"]) == 1
    assert hass.config_entries.async_remove_subentry(entry, "sub_tautulli")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications.tautulli == {}
    assert hass.config_entries.async_remove_subentry(entry, "sub_overseerr")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert notifications.overseerr["enabled"] is False

    # Deleting the hub removes the rest.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert notifications.arr["radarr"] == {}


async def test_download_events_end_to_end(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Grab, import and a failed import reach events, entities and the queue sensor."""
    events = capture(hass, "download")
    added = capture(hass, "library")
    stack, world = simulator.stack, simulator.world
    info = next(
        t
        for t in world.titles.values()
        if t.kind == "movie"
        and world.movie_by_tmdb(t.tmdb_id) is None
        and t.release <= stack.clock.now()
    )
    movie = stack.add_movie(info, monitored=True, quality_id=3, tags=[], search=True)
    await deliver(hass, simulator)
    assert [(e.data["type"], e.data["movie_id"]) for e in added] == [
        ("added", movie.id)
    ]
    [grabbed] = events
    assert grabbed.data["type"] == "grabbed"
    assert grabbed.data["instance"] == "Radarr"
    assert grabbed.data["movie_id"] == movie.id
    assert grabbed.data["tmdb_id"] == movie.info.tmdb_id
    assert grabbed.data["title"] == movie.info.title
    assert grabbed.data["poster"].startswith("https://")
    assert grabbed.data["source"] == "push"
    state = hass.states.get("event.radarr_download")
    assert state.attributes["event_type"] == "grabbed"
    assert state.attributes["movie_id"] == movie.id

    [item] = [q for q in world.queue.values() if q.media_id == movie.id]
    stack.fail_download(item.id, "No files found are eligible for import")
    await deliver(hass, simulator)
    assert events[-1].data["type"] == "failed"
    assert "eligible" in events[-1].data["message"]

    await simulator.advance(6 * 3600)
    await deliver(hass, simulator)
    imported = [
        event
        for event in events
        if event.data["type"] == "imported" and event.data.get("movie_id") == movie.id
    ]
    assert len(imported) == 1
    assert imported[0].data["quality"]
    assert imported[0].data["is_upgrade"] is False
    state = hass.states.get("event.radarr_download")
    assert state.attributes["event_type"] == "imported"
    # The library index re-read the title (bursts wait for the debounce window).
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=3))
    await hass.async_block_till_done()
    index = service_of(entry, "radarr").coordinators.library.index  # type: ignore[union-attr]
    assert index.get(movie.id).has_file


async def test_health_events(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A new health issue and its end each fire once."""
    events = capture(hass, "health")
    issue = ("error", "DownloadClientCheck", "Unable to communicate with SABnzbd")
    await simulator.set_health("sonarr", [issue])
    await deliver(hass, simulator)
    await simulator.set_health("sonarr", [])
    await deliver(hass, simulator)
    assert [(e.data["type"], e.data["source"]) for e in events] == [
        ("issue", "push"),
        ("restored", "push"),
    ]
    assert events[0].data["message"] == issue[2]
    state = hass.states.get("event.sonarr_health_change")
    assert state.attributes["event_type"] == "restored"


async def test_request_events_by_push_and_poll_fire_once(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A request created in Overseerr is an event at once, and the next poll adds none."""
    events = capture(hass, "request")
    world = simulator.world
    title = unknown_title(world, "movie")
    # A local Overseerr account under another name than in Plex: named as Overseerr shows it.
    requester = world.users[2]
    assert requester.overseerr_username != requester.username
    request = simulator.stack.create_request(requester.index, title)
    await deliver(hass, simulator)
    assert [e.data["type"] for e in events] == ["created"]
    data = events[0].data
    assert data["request_id"] == request.id
    assert data["tmdb_id"] == title.tmdb_id
    overseerr = service_of(entry, "overseerr").client
    assert isinstance(overseerr, OverseerrClient)
    users = (await overseerr.users()).records
    [user] = [user for user in users if user.id == requester.overseerr_id]
    assert data["requested_by"] == user.display_name == requester.overseerr_username
    assert data["title"] == title.title
    state = hass.states.get("event.overseerr_request")
    assert state.attributes["event_type"] == "created"
    assert state.attributes["request_id"] == request.id

    simulator.stack.approve_request(request, by_user=0)
    await deliver(hass, simulator)
    coordinator = service_of(entry, "overseerr").coordinators.request_events  # type: ignore[union-attr]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert [e.data["type"] for e in events] == ["created", "approved"]


async def test_playback_events(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Tautulli's play, pause, resume, watched and stop arrive per user."""
    events = capture(hass, "playback")
    stack, world = simulator.stack, simulator.world
    movie = next(m for m in world.movies.values() if m.has_file)
    session = stack.start_session(2, "movie", movie.id)
    await deliver(hass, simulator)
    stack.pause_session(session.session_key)
    await deliver(hass, simulator)
    stack.resume_session(session.session_key)
    await deliver(hass, simulator)
    await simulator.advance(movie.info.runtime * 60 + 60)
    await deliver(hass, simulator)
    mine = [e for e in events if e.data["session_key"] == session.session_key]
    types = [e.data["type"] for e in mine]
    assert types[:3] == ["started", "paused", "resumed"]
    # Tautulli sends "watched" and "stopped" at the same moment: either may come first.
    assert sorted(types[3:]) == ["stopped", "watched"]
    assert {e.data["user"] for e in mine} == {world.users[2].username}
    assert mine[0].data["tmdb_id"] == movie.info.tmdb_id
    state = hass.states.get("event.tautulli_playback")
    assert state.attributes["event_type"] == types[-1]


JSON = {"Content-Type": "application/json"}


async def post(url: str, body: bytes, content_type: str = "application/json") -> int:
    """POST raw bytes to a URL and return the status."""
    async with (
        ClientSession() as session,
        session.post(url, data=body, headers={"Content-Type": content_type}) as reply,
    ):
        return reply.status


async def test_bad_payloads_change_nothing(
    hass: HomeAssistant,
    ha_url: str,
    entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Malformed, oversized, mistyped, unknown, spoofed and replayed payloads fire nothing."""
    events = capture(hass, "download", "request", "playback", "health")
    radarr = webhook_url(entry, "radarr")
    overseerr = webhook_url(entry, "overseerr")
    grab = (
        b'{"eventType": "Grab", "instanceName": "Radarr", "movie": {"id": 1, '
        b'"title": "X"}, "downloadId": "abc"}'
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="custom_components.smartplex"):
        assert await post(radarr, b"{not json") == 400
        assert await post(radarr, b"[1, 2]") == 400
        assert await post(radarr, b'{"eventType": 5}') == 400
        assert await post(radarr, grab, content_type="text/plain") == 415
        assert await post(radarr, b'{"a": "' + b"x" * 1_048_576 + b'"}') == 413
        # A Sonarr payload sent to Radarr's webhook, and one from another Radarr.
        assert await post(radarr, b'{"eventType": "Grab", "series": {"id": 1}}') == 400
        assert await post(radarr, grab.replace(b"Radarr", b"Radarr 4K")) == 400
        assert (
            await post(
                overseerr,
                b'{"smartplex_instance": "sub_other", "notification_type": '
                b'"MEDIA_PENDING", "media": {"media_type": "movie"}}',
            )
            == 400
        )
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 8
    assert all(record.exc_info is None for record in refused)
    # Unknown notification types are ignored; a replay fires once.
    assert await post(radarr, b'{"eventType": "ApplicationUpdate"}') == 200
    assert await post(radarr, grab) == 200
    assert await post(radarr, grab) == 200
    await hass.async_block_till_done()
    assert [e.data["type"] for e in events] == ["grabbed"]
    # An unknown webhook id is Home Assistant's 200 with nothing done.
    assert await post(f"{ha_url}/api/webhook/{'0' * 64}", grab) == 200


async def test_a_body_arriving_in_pieces_is_read_whole(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A notification split over several network packets fires; over 1 MB in pieces is 413."""
    events = capture(hass, "download")
    radarr = webhook_url(entry, "radarr")
    grab = (
        b'{"eventType": "Grab", "instanceName": "Radarr", "movie": {"id": 1, '
        b'"title": "X"}, "downloadId": "pieces"}'
    )

    async def pieces(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part
            # The next piece arrives later, as over a real network.
            await asyncio.sleep(0.02)

    async with ClientSession() as session:
        async with session.post(
            radarr, data=pieces(grab[:30], grab[30:]), headers=JSON
        ) as reply:
            assert reply.status == 200
        half = b"x" * 600_000
        async with session.post(
            radarr, data=pieces(b'{"a": "', half, half, b'"}'), headers=JSON
        ) as reply:
            assert reply.status == 413
    await hass.async_block_till_done()
    assert [e.data["download_id"] for e in events] == ["pieces"]


async def test_overseerr_agent_of_another_app_is_kept(
    hass: HomeAssistant,
    ha_url: str,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Overseerr's webhook used by core's Seerr integration is detected and left alone."""
    core_entry = MockConfigEntry(
        domain="overseerr", title="Seerr", data={"webhook_id": "c0ffee"}
    )
    core_entry.add_to_hass(hass)
    other = f"{ha_url}/api/webhook/c0ffee"
    settings = simulator.stack.notifications.overseerr
    settings.update(
        {
            "enabled": True,
            "types": 222,
            "options": {**settings["options"], "webhookUrl": other},
        }
    )
    await setup_entry(hass, config_entry)
    await deliver(hass, simulator)
    assert settings["options"]["webhookUrl"] == other
    service = service_of(config_entry, "overseerr")
    assert service.push is not None and not service.push.healthy
    issue = issue_registry.async_get_issue(
        DOMAIN, issue_id_overseerr_in_use("sub_overseerr")
    )
    assert issue is not None and issue.is_fixable
    assert (
        issue.translation_placeholders["owner"] == "Home Assistant's Seerr integration"
    )
    # Polling goes on at its normal pace.
    assert service.coordinators.request_events.update_interval == timedelta(minutes=5)  # type: ignore[union-attr]

    # The repair's fix flow takes the agent over only when confirmed.
    assert await async_setup_component(hass, "repairs", {})
    from homeassistant.components.repairs import repairs_flow_manager

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["step_id"] == "confirm"
    assert settings["options"]["webhookUrl"] == other
    result = await manager.async_configure(result["flow_id"], {})
    await deliver(hass, simulator)
    assert settings["options"]["webhookUrl"] == webhook_url(config_entry, "overseerr")
    assert service.push.healthy
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None


async def test_unreachable_service_gets_a_repair_and_polling_returns(
    hass: HomeAssistant,
    ha_url: str,
    entry: MockConfigEntry,
    simulator: Simulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Push slows the polls it covers; a test that never arrives restores them."""
    queue = service_of(entry, "radarr").coordinators.queue  # type: ignore[union-attr]
    assert queue.update_interval == PUSH_POLL_INTERVALS["radarr"]["queue"]
    push = push_of(entry, "radarr")
    assert push.healthy

    # Home Assistant moved: Radarr now calls an address where nothing listens.
    await hass.config.async_update(internal_url=closed_port_url())
    await push.async_check()
    await deliver(hass, simulator)
    async_fire_time_changed(
        hass, dt_util.utcnow() + TEST_TIMEOUT + timedelta(seconds=1)
    )
    await hass.async_block_till_done()
    assert not push.healthy
    assert queue.update_interval == queue.interval
    issue = issue_registry.async_get_issue(DOMAIN, issue_id_unreachable("sub_radarr"))
    assert issue is not None
    assert issue.translation_placeholders == {"service": "Radarr"}

    # Back: the next notification heals it.
    await hass.config.async_update(internal_url=ha_url)
    await push.async_check()
    await deliver(hass, simulator)
    assert push.healthy
    assert queue.update_interval == PUSH_POLL_INTERVALS["radarr"]["queue"]
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None


async def test_options_show_recreate_and_map_people(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Options list each webhook, re-create one on request and map users to phones."""
    old_id = push_of(entry, "radarr").webhook_id
    result = await hass.config_entries.options.async_init(entry.entry_id)
    webhooks = result["description_placeholders"]["webhooks"]
    assert "- Radarr: working, last notification" in webhooks
    assert "- TMDB" not in webhooks

    bad = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "upcoming_days": 7,
            "voice_sentences": False,
            "notify_targets": {"anna": "light.x"},
        },
    )
    assert bad["errors"] == {"notify_targets": "invalid_notify_targets"}
    assert push_of(entry, "radarr").webhook_id == old_id

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "upcoming_days": 7,
            "voice_sentences": False,
            "notify_targets": {"Anna": "notify.mobile_app_anna"},
            "recreate_webhooks": ["sub_radarr"],
        },
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    await deliver(hass, simulator)
    push = push_of(entry, "radarr")
    assert push.webhook_id != old_id
    [connection] = simulator.stack.notifications.arr["radarr"].values()
    assert connection["fields"][0]["value"] == push.url()
    assert push.healthy
    # The old address no longer does anything.
    assert old_id not in hass.data["webhook"]

    events = capture(hass, "request")
    world = simulator.world
    anna = next(i for i, user in enumerate(world.users) if user.username == "anna")
    simulator.stack.create_request(anna, unknown_title(world, "movie"))
    await deliver(hass, simulator)
    assert events[-1].data["notify_target"] == "notify.mobile_app_anna"
