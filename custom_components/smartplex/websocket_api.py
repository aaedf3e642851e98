"""The SmartPlex websocket API: dashboard views as live subscriptions, and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components import websocket_api
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_track_time_interval
import voluptuous as vol

from .action_fields import TEXT_MAX
from .actions import Caller, resolve_entry
from .actions.statistics import PERIOD_CHOICES
from .const import DOMAIN, LOGGER
from .dashboard import DEFAULT_PAGE, MAX_PAGE, Page, owned_title
from .dashboard_views import SOURCE_DASHBOARD, VIEWS, async_view_data, view_coordinators
from .declarations import ACTIONS, action_validator
from .models import SmartPlexConfigEntry
from .poster import poster_cache

ERROR_INVALID = "invalid"
ERROR_UPSTREAM = "upstream_error"
# Coordinators of one service often update together: one message for all of them.
REFRESH_COOLDOWN = 1.0
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}
VALIDATORS = {action.name: action_validator(action, ()) for action in ACTIONS}


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the SmartPlex websocket commands."""
    websocket_api.async_register_command(hass, ws_subscribe_view)
    websocket_api.async_register_command(hass, ws_run_action)


def loaded_entry(hass: HomeAssistant) -> SmartPlexConfigEntry | None:
    """Return the loaded hub entry, if any."""
    entries: list[SmartPlexConfigEntry] = hass.config_entries.async_loaded_entries(
        DOMAIN
    )
    return entries[0] if entries else None


class ViewFeed:
    """Sends a page of one view now and again whenever its data may have changed."""

    def __init__(
        self,
        hass: HomeAssistant,
        connection: websocket_api.ActiveConnection,
        msg_id: int,
        view: str,
        page: Page,
    ) -> None:
        """Prepare the feed; start() sends the first page."""
        self.hass = hass
        self.connection = connection
        self.msg_id = msg_id
        self.view = view
        self.page = page
        self._last: dict[str, Any] | None = None
        self._watched: list[Any] = []
        self._unwatch: list[Callable[[], None]] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._debouncer = Debouncer(
            hass,
            LOGGER,
            cooldown=REFRESH_COOLDOWN,
            immediate=True,
            function=self.async_refresh,
        )

    async def async_start(self) -> None:
        """Send the first page and start following changes."""
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._scheduled_refresh, VIEWS[self.view].every
            )
        )
        self._unsubscribe.extend(
            self.hass.bus.async_listen(event_type, self._event_refresh)
            for event_type in VIEWS[self.view].events
        )
        await self.async_refresh()

    @callback
    def stop(self) -> None:
        """Stop following changes."""
        for unsubscribe in (*self._unwatch, *self._unsubscribe):
            unsubscribe()
        self._unwatch.clear()
        self._unsubscribe.clear()
        self._debouncer.async_cancel()

    @callback
    def _changed(self) -> None:
        """Refresh soon: a coordinator has new data."""
        self._debouncer.async_schedule_call()

    @callback
    def _event_refresh(self, event: Event) -> None:
        """Refresh soon: SmartPlex changed something this view shows."""
        self._changed()

    @callback
    def _scheduled_refresh(self, now: Any) -> None:
        """Refresh on the fallback timer."""
        self._changed()

    def _watch(self, entry: SmartPlexConfigEntry | None) -> None:
        """Listen to the coordinators of the current entry (they change on reload)."""
        coordinators = view_coordinators(entry, self.view) if entry else []
        if coordinators == self._watched:
            return
        for unwatch in self._unwatch:
            unwatch()
        self._watched = coordinators
        self._unwatch = [
            coordinator.async_add_listener(self._changed)
            for coordinator in coordinators
        ]

    async def async_refresh(self) -> None:
        """Build the page and send it when it differs from the last one sent."""
        entry = loaded_entry(self.hass)
        self._watch(entry)
        if entry is None:
            data: dict[str, Any] = {"view": self.view, "loaded": False}
        else:
            data = await async_view_data(self.hass, entry, self.view, self.page)
        if data == self._last:
            return
        self._last = data
        self.connection.send_message(websocket_api.event_message(self.msg_id, data))


def with_posters(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, result: dict[str, Any]
) -> dict[str, Any]:
    """Add poster URLs to listed titles (plans, queues, requests) a library has."""
    items = result.get("items")
    if not isinstance(items, list):
        return result
    posters = poster_cache(hass)
    for item in items:
        if not isinstance(item, dict) or "poster" in item:
            continue
        media_type, tmdb_id = item.get("media_type"), item.get("tmdb_id")
        if isinstance(tmdb_id, int) and media_type in ("movie", "tv"):
            owned = owned_title(entry, media_type, tmdb_id)
            item["poster"] = posters.url(media_type, tmdb_id) if owned else None
    return result


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/subscribe_view",
        vol.Required("view"): vol.In(tuple(VIEWS)),
        vol.Optional("offset", default=0): vol.All(int, vol.Range(min=0, max=100_000)),
        vol.Optional("limit", default=DEFAULT_PAGE): vol.All(
            int, vol.Range(min=1, max=MAX_PAGE)
        ),
        vol.Optional("period", default="month"): vol.In(PERIOD_CHOICES),
        vol.Optional("user"): vol.All(str, vol.Length(min=1, max=TEXT_MAX)),
        vol.Optional("media_type"): vol.In(("movie", "tv")),
    }
)
@websocket_api.async_response
async def ws_subscribe_view(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Subscribe to one page of a dashboard view: sent now and on every change."""
    feed = ViewFeed(
        hass,
        connection,
        msg["id"],
        msg["view"],
        Page(
            msg["offset"],
            msg["limit"],
            msg["period"],
            msg.get("user"),
            msg.get("media_type"),
        ),
    )
    connection.subscriptions[msg["id"]] = feed.stop
    connection.send_result(msg["id"])
    await feed.async_start()


@websocket_api.websocket_command(
    {
        vol.Required("type"): f"{DOMAIN}/action",
        vol.Required("action"): vol.In(tuple(ACTIONS_BY_NAME)),
        vol.Optional("data", default={}): dict,
    }
)
@websocket_api.async_response
async def ws_run_action(
    hass: HomeAssistant,
    connection: websocket_api.ActiveConnection,
    msg: dict[str, Any],
) -> None:
    """Run a SmartPlex action from the dashboard, validated as for automations."""
    action = ACTIONS_BY_NAME[msg["action"]]
    try:
        fields = VALIDATORS[action.name](msg["data"])
        entry = resolve_entry(hass, None)
        if action.writes or action.needs_caller:
            caller = Caller(source=SOURCE_DASHBOARD, context=connection.context(msg))
            result = await action.handler(hass, entry, caller, **fields)
        else:
            result = await action.handler(entry, **fields)
    except HomeAssistantError as err:
        # A refusal or an upstream failure is the answer, not an error in Home Assistant.
        code = (
            ERROR_INVALID if isinstance(err, ServiceValidationError) else ERROR_UPSTREAM
        )
        connection.send_error(
            msg["id"],
            code,
            str(err),
            translation_key=err.translation_key,
            translation_domain=err.translation_domain,
            translation_placeholders=err.translation_placeholders,
        )
        return
    connection.send_result(msg["id"], with_posters(hass, entry, result))
