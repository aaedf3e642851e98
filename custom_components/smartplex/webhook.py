"""Push: Home Assistant webhooks that Sonarr, Radarr, Overseerr and Tautulli call.

Each service instance gets its own webhook (an unguessable id, local network only unless
the user allows remote access), registered in the service through its own API once the
service answers and removed when the service is removed. A notification fires a
`smartplex_<category>` event, updates the event entities and refreshes exactly the data
it makes stale; while push works the matching polls slow down.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
import hashlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import dt as dt_util

from .api import (
    OverseerrClient,
    RadarrClient,
    SmartPlexError,
    SonarrClient,
    TautulliClient,
)
from .api.push import (
    ARR_SUBSCRIPTIONS,
    CATEGORY_TEST,
    OVERSEERR_SUBSCRIBED_TYPES,
    REFRESH_LIBRARY,
    TAUTULLI_TRIGGERS,
    PushNotification,
    PushPayloadError,
    async_remove_registration,
    overseerr_template,
    parse_arr,
    parse_overseerr,
    parse_tautulli,
    tautulli_template,
)
from .arr_coordinator import ArrCoordinators
from .const import (
    CONF_NOTIFY_TARGETS,
    CONF_PUSH_REMOTE,
    DOMAIN,
    LOGGER,
    PUSH_POLL_INTERVALS,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
)
from .coordinator import SmartPlexCoordinator, all_coordinators
from .models import SmartPlexConfigEntry, SmartPlexService
from .push_http import RecentKeys, read_body, safe_host

if TYPE_CHECKING:
    from .push_setup import PushStore

# Sonarr, Radarr, Overseerr and Tautulli all send JSON with this content type.
CONTENT_TYPE = "application/json"
CONNECTION_NAME = "SmartPlex (Home Assistant)"
# Identical bodies within this window are replays (a retry or an attacker) and the
# same fact reported twice (by push and by a poll) fires once.
REPLAY_WINDOW = timedelta(minutes=10)
REPLAY_MEMORY = 4096
# A test notification that has not arrived after this long means the service cannot
# reach Home Assistant.
TEST_TIMEOUT = timedelta(seconds=60)
# Without any notification for this long, a test checks that push still works.
PUSH_QUIET = timedelta(hours=6)
# Bursts of notifications re-read changed titles at most once per this window.
REFRESH_COOLDOWN = 2.0
EVENT_PREFIX = f"{DOMAIN}_"


def push_signal(subentry_id: str) -> str:
    """Return the dispatcher signal of one service's notifications."""
    return f"{DOMAIN}_push_{subentry_id}"


def issue_id_unreachable(subentry_id: str) -> str:
    """Return the repair issue id for a service whose notifications do not arrive."""
    return f"push_unreachable_{subentry_id}"


def issue_id_overseerr_in_use(subentry_id: str) -> str:
    """Return the repair issue id for an Overseerr webhook agent owned by another app."""
    return f"push_overseerr_in_use_{subentry_id}"


def encode_overseerr_payload(template: str) -> str:
    """Return Overseerr's stored form of a template: base64 of the template as a JSON string."""
    return base64.b64encode(json.dumps(template).encode()).decode()


class PushManager:
    """The webhook of one service instance: registration, checks, and what arrives."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
        store: PushStore,
    ) -> None:
        """Prepare; nothing is registered until async_setup."""
        self.hass = hass
        self.entry = entry
        self.service = service
        self.store = store
        self._parse: Callable[[Any], PushNotification | None] = {
            SERVICE_SONARR: lambda payload: parse_arr(SERVICE_SONARR, payload),
            SERVICE_RADARR: lambda payload: parse_arr(SERVICE_RADARR, payload),
            SERVICE_OVERSEERR: parse_overseerr,
            SERVICE_TAUTULLI: parse_tautulli,
        }[service.service_type]
        self._replays = RecentKeys(REPLAY_WINDOW, REPLAY_MEMORY)
        self._facts = RecentKeys(REPLAY_WINDOW, REPLAY_MEMORY)
        self.last_received: datetime | None = None
        self.healthy = False
        self.in_use_by: str | None = None
        self._test_deadline: CALLBACK_TYPE | None = None
        self._changed_titles: set[int] = set()
        self._title_debouncer: Debouncer[Any] | None = None
        self.received = 0
        self.refused = 0

    @property
    def record(self) -> dict[str, Any]:
        """Return this service's stored record."""
        return self.store.record(self.service.subentry_id)

    @property
    def webhook_id(self) -> str:
        """Return the webhook id."""
        return str(self.record["webhook_id"])

    @property
    def local_only(self) -> bool:
        """Return whether only the local network may call the webhook."""
        return not self.entry.options.get(CONF_PUSH_REMOTE, False)

    @callback
    def async_setup(self) -> None:
        """Register the Home Assistant webhook."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"SmartPlex {self.service.title}",
            self.webhook_id,
            self._async_handle,
            local_only=self.local_only,
            allowed_methods=("POST", "PUT"),
        )
        self._title_debouncer = Debouncer(
            self.hass,
            LOGGER,
            cooldown=REFRESH_COOLDOWN,
            immediate=True,
            function=self._async_flush_titles,
        )
        self.entry.async_on_unload(self.async_unload)

    @callback
    def async_unload(self) -> None:
        """Unregister the webhook and stop timers."""
        webhook.async_unregister(self.hass, self.webhook_id)
        if self._test_deadline is not None:
            self._test_deadline()
            self._test_deadline = None
        if self._title_debouncer is not None:
            self._title_debouncer.async_cancel()

    def url(self) -> str:
        """Return the URL the service should call (raises NoURLAvailableError)."""
        base = get_url(
            self.hass,
            allow_external=not self.local_only,
            prefer_external=False,
            allow_cloud=False,
        )
        return f"{base}{webhook.async_generate_path(self.webhook_id)}"

    # -- receiving -----------------------------------------------------------------------

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Validate a delivery and act on it; bad input is refused with one log line."""
        if request.content_type != CONTENT_TYPE:
            return self._refuse(415, f"content type {request.content_type or 'none'}")
        if (body := await read_body(request)) is None:
            return self._refuse(413, "body over 1 MB")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse(400, "body is not JSON")
        try:
            notification = self._parse(payload)
        except PushPayloadError as err:
            return self._refuse(400, str(err))
        now = dt_util.utcnow()
        if notification is None:
            LOGGER.debug("%s: ignored a notification SmartPlex does not use", self.name)
            return web.Response(status=200)
        if not self._is_ours(notification):
            return self._refuse(
                400, f"payload for another instance ({notification.instance})"
            )
        # A test changes nothing, so repeating one is no replay.
        if notification.category != CATEGORY_TEST and self._replays.seen(
            hashlib.sha256(body).digest(), now
        ):
            LOGGER.debug("%s: ignored a replayed notification", self.name)
            return web.Response(status=200)
        self.received += 1
        self._mark_healthy(now)
        if notification.category != CATEGORY_TEST:
            self.async_announce(notification)
            self._refresh(notification)
        return web.Response(status=200)

    @property
    def name(self) -> str:
        """Return the service's name for log lines."""
        return self.service.title

    def _refuse(self, status: int, reason: str) -> web.Response:
        """Log one line and answer with an error status."""
        self.refused += 1
        LOGGER.warning("%s push notification refused: %s", self.name, reason)
        return web.Response(status=status)

    def _is_ours(self, notification: PushNotification) -> bool:
        """Return whether the payload was meant for this service instance."""
        instance = notification.instance
        if instance is None:
            return True
        if self.service.service_type in (SERVICE_SONARR, SERVICE_RADARR):
            info = self.service.info
            return info is None or instance.casefold() == info.name.casefold()
        return instance == self.service.subentry_id

    @callback
    def async_announce(
        self, notification: PushNotification, source: str = "push"
    ) -> bool:
        """Fire the event and update the entities, once per fact; return whether fired."""
        if notification.key and self._facts.seen(
            (notification.category, *notification.key), dt_util.utcnow()
        ):
            return False
        data = {
            "type": notification.event_type,
            "instance": self.service.title,
            "service": self.service.service_type,
            **notification.data,
            "source": source,
            "notify_target": self._notify_target(notification),
        }
        self.hass.bus.async_fire(f"{EVENT_PREFIX}{notification.category}", data)
        async_dispatcher_send(
            self.hass, push_signal(self.service.subentry_id), notification
        )
        return True

    def _notify_target(self, notification: PushNotification) -> str | None:
        """Return the notify action of the person the notification is about (options)."""
        person = notification.data.get("requested_by") or notification.data.get("user")
        if not isinstance(person, str):
            return None
        targets: Mapping[str, str] = self.entry.options.get(CONF_NOTIFY_TARGETS, {})
        return next(
            (
                target
                for user, target in targets.items()
                if user.casefold() == person.casefold()
            ),
            None,
        )

    def _refresh(self, notification: PushNotification) -> None:
        """Refresh the coordinators the notification makes stale (debounced)."""
        coordinators = self.service.coordinators
        for kind in notification.refresh:
            if kind == REFRESH_LIBRARY:
                if isinstance(coordinators, ArrCoordinators) and notification.item_ids:
                    self._changed_titles.update(notification.item_ids)
                    assert self._title_debouncer is not None
                    self.entry.async_create_background_task(
                        self.hass,
                        self._title_debouncer.async_call(),
                        f"{self.name} push titles",
                    )
                continue
            coordinator: SmartPlexCoordinator[Any] | None = getattr(
                coordinators, kind, None
            )
            if coordinator is not None:
                self.entry.async_create_background_task(
                    self.hass,
                    coordinator.async_request_refresh(),
                    f"{coordinator.name} push refresh",
                )

    async def _async_flush_titles(self) -> None:
        """Re-read the titles named since the last flush."""
        coordinators = self.service.coordinators
        if not isinstance(coordinators, ArrCoordinators) or not self._changed_titles:
            return
        ids, self._changed_titles = self._changed_titles, set()
        if coordinators.library.index.loaded:
            await coordinators.library.async_title_changed(ids)

    # -- health ----------------------------------------------------------------------------

    def _mark_healthy(self, now: datetime) -> None:
        """Note that push works: cancel a pending test, slow the covered polls."""
        self.last_received = now
        if self._test_deadline is not None:
            self._test_deadline()
            self._test_deadline = None
        if not self.healthy:
            self.healthy = True
            self._set_poll_intervals()
            ir.async_delete_issue(
                self.hass, DOMAIN, issue_id_unreachable(self.service.subentry_id)
            )

    def _mark_unhealthy(self) -> None:
        """Push stopped working: polls return to their pace and a repair says why."""
        self.healthy = False
        self._set_poll_intervals()
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id_unreachable(self.service.subentry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="push_unreachable",
            translation_placeholders={"service": self.service.title},
        )

    def _set_poll_intervals(self) -> None:
        """Slow the polls push covers while it is healthy; restore them otherwise."""
        slow = PUSH_POLL_INTERVALS.get(self.service.service_type, {})
        for coordinator in all_coordinators(self.service):
            if coordinator.kind in slow:
                coordinator.update_interval = (
                    max(coordinator.interval, slow[coordinator.kind])
                    if self.healthy
                    else coordinator.interval
                )

    @callback
    def _async_test_timed_out(self, _now: datetime) -> None:
        """The test notification never arrived."""
        self._test_deadline = None
        LOGGER.warning(
            "%s did not deliver its test notification to Home Assistant", self.name
        )
        self._mark_unhealthy()

    async def async_check(self) -> None:
        """Ask the service for a test notification; no arrival in time is a repair."""
        if self.in_use_by is not None or "remote_id" not in self.record:
            return
        try:
            url = self.url()
            await self._async_send_test(url)
        except (SmartPlexError, NoURLAvailableError) as err:
            LOGGER.info("%s: could not send a test notification: %s", self.name, err)
            self._mark_unhealthy()
            return
        if self._test_deadline is None:
            self._test_deadline = async_call_later(
                self.hass, TEST_TIMEOUT, self._async_test_timed_out
            )

    @callback
    def async_check_quiet(self, now: datetime) -> None:
        """Test push when nothing arrived for a long time."""
        if self.last_received is None or now - self.last_received >= PUSH_QUIET:
            self.entry.async_create_background_task(
                self.hass, self.async_check(), f"{self.name} push check"
            )

    # -- registration in the service -------------------------------------------------------

    async def async_register_remote(self, *, take_over: bool = False) -> None:
        """Make sure the service calls this webhook, then test it."""
        try:
            url = self.url()
        except NoURLAvailableError:
            LOGGER.warning(
                "%s: Home Assistant has no internal URL for the service to call; "
                "push stays off and polling goes on",
                self.name,
            )
            return
        try:
            registered = await self._async_register(url, take_over=take_over)
        except SmartPlexError as err:
            LOGGER.info("%s: could not register the webhook: %s", self.name, err)
            return
        if registered:
            self.store.async_save()
            await self.async_check()

    async def _async_register(self, url: str, *, take_over: bool) -> bool:
        """Create or confirm the service's webhook; return whether it points here."""
        client = self.service.client
        record = self.record
        if isinstance(client, SonarrClient | RadarrClient):
            existing = await client.notifications()
            for notification in existing:
                if notification.url == url:
                    record["remote_id"] = notification.id
                    return True
            created = await client.create_webhook(
                CONNECTION_NAME, url, ARR_SUBSCRIPTIONS[self.service.service_type]
            )
            record["remote_id"] = created.id
            return True
        if isinstance(client, TautulliClient):
            known = {notifier.id for notifier in await client.notifiers()}
            if record.get("remote_id") in known and record.get("remote_url") == url:
                return True
            if record.get("remote_id") in known:
                await client.delete_notifier(record["remote_id"])
            record["remote_id"] = await client.add_webhook_notifier(
                url,
                friendly_name=CONNECTION_NAME,
                triggers=TAUTULLI_TRIGGERS,
                json_body=tautulli_template(self.service.subentry_id),
            )
            record["remote_url"] = url
            return True
        assert isinstance(client, OverseerrClient)
        return await self._async_register_overseerr(client, url, take_over=take_over)

    async def _async_register_overseerr(
        self, client: OverseerrClient, url: str, *, take_over: bool
    ) -> bool:
        """Configure Overseerr's single webhook agent unless another app uses it."""
        settings = await client.webhook_settings()
        issue_id = issue_id_overseerr_in_use(self.service.subentry_id)
        current = settings.webhook_url
        foreign = (
            settings.enabled
            and current
            and current != url
            and current != self.record.get("remote_url")
        )
        if foreign and not take_over and not self.record.get("take_over"):
            self.in_use_by = self._owner_of(current or "")
            LOGGER.info(
                "%s: its webhook agent already calls %s; SmartPlex leaves it alone "
                "and keeps polling",
                self.name,
                self.in_use_by,
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="push_overseerr_in_use",
                translation_placeholders={
                    "service": self.service.title,
                    "owner": self.in_use_by,
                },
                data={"subentry_id": self.service.subentry_id},
            )
            return False
        self.in_use_by = None
        ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        if take_over:
            self.record["take_over"] = True
        await client.set_webhook_settings(
            enabled=True,
            webhook_url=url,
            types=OVERSEERR_SUBSCRIBED_TYPES,
            json_payload=encode_overseerr_payload(
                overseerr_template(self.service.subentry_id)
            ),
        )
        self.record["remote_id"] = 0
        self.record["remote_url"] = url
        return True

    def _owner_of(self, url: str) -> str:
        """Name who the Overseerr webhook agent calls: HA's own Seerr integration or another app."""
        path = urlsplit(url).path
        if "/api/webhook/" in path:
            webhook_id = path.rsplit("/", 1)[-1]
            for entry in self.hass.config_entries.async_entries("overseerr"):
                if entry.data.get("webhook_id") == webhook_id:
                    return f"Home Assistant's {entry.title} integration"
            return "another Home Assistant webhook"
        return safe_host(url)

    async def _async_send_test(self, url: str) -> None:
        """Ask the service to send its test notification."""
        client = self.service.client
        record = self.record
        if isinstance(client, SonarrClient | RadarrClient):
            await client.test_webhook(CONNECTION_NAME, url)
        elif isinstance(client, TautulliClient):
            await client.notify(
                int(record["remote_id"]),
                subject="SmartPlex test",
                body=json.dumps(
                    {"smartplex_instance": self.service.subentry_id, "action": "test"}
                ),
            )
        elif isinstance(client, OverseerrClient):
            await client.test_webhook_settings(
                webhook_url=url,
                types=OVERSEERR_SUBSCRIBED_TYPES,
                json_payload=encode_overseerr_payload(
                    overseerr_template(self.service.subentry_id)
                ),
            )

    async def async_unregister_remote(self) -> None:
        """Remove this webhook from the service (it is being removed from SmartPlex)."""
        await async_remove_registration(self.service.client, self.record)
        self.store.records.pop(self.service.subentry_id, None)
        self.store.async_save()

    async def async_recreate(self) -> None:
        """Give the service a new webhook id: the old URL stops working at once."""
        try:
            await async_remove_registration(self.service.client, self.record)
        except SmartPlexError as err:
            LOGGER.info("%s: could not remove the old webhook: %s", self.name, err)
        self.async_unload()
        take_over = bool(self.record.get("take_over"))
        self.store.records[self.service.subentry_id] = {
            "webhook_id": webhook.async_generate_id(),
            "take_over": take_over,
        }
        self.store.async_save()
        self.healthy = False
        self._set_poll_intervals()
        self.async_setup()
        await self.async_register_remote()
