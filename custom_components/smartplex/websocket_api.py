"""The SmartPlex websocket API: dashboard views as live subscriptions, and actions."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components import websocket_api
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
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
# A dashboard opened again shows the page it showed last at once, if at most this old,
# and the fresh page as soon as it is built (a queue or recommendations take a while).
KEPT_FOR = timedelta(minutes=10)
MAX_KEPT_PAGES = 64
DATA_PAGES: HassKey[KeptPages] = HassKey(f"{DOMAIN}_dashboard_pages")

type PageKey = tuple[str, str, Page]


class KeptPages:
    """The page of each view (and filters) sent last, shown first when it is opened again.

    A SmartPlex change a view shows (its events: an approval, an addition) forgets the
    view's pages, and a page built before such a change is not kept.
    """

    def __init__(self) -> None:
        """Start with no page kept."""
        self._pages: OrderedDict[PageKey, tuple[datetime, dict[str, Any]]] = (
            OrderedDict()
        )
        self._generations: dict[str, int] = {}

    def generation(self, view: str) -> int:
        """Return how often the view's pages were forgotten (taken before building one)."""
        return self._generations.get(view, 0)

    def get(self, key: PageKey) -> dict[str, Any] | None:
        """Return the page kept for a view and its filters, if recent enough."""
        if (found := self._pages.get(key)) is None:
            return None
        kept, data = found
        if dt_util.utcnow() - kept > KEPT_FOR:
            del self._pages[key]
            return None
        return data

    def put(self, key: PageKey, data: dict[str, Any], generation: int) -> None:
        """Keep a page built when the view's pages were at `generation`."""
        if generation != self.generation(key[1]):
            return
        self._pages[key] = (dt_util.utcnow(), data)
        self._pages.move_to_end(key)
        while len(self._pages) > MAX_KEPT_PAGES:
            self._pages.popitem(last=False)

    @callback
    def forget(self, views: Iterable[str]) -> None:
        """Forget the pages of views that changed."""
        for view in views:
            self._generations[view] = self.generation(view) + 1
            for key in [key for key in self._pages if key[1] == view]:
                del self._pages[key]


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the SmartPlex websocket commands and forget kept pages on changes."""
    websocket_api.async_register_command(hass, ws_subscribe_view)
    websocket_api.async_register_command(hass, ws_run_action)
    pages = hass.data[DATA_PAGES] = KeptPages()
    views_of: dict[str, list[str]] = {}
    for name, view in VIEWS.items():
        for event_type in view.events:
            views_of.setdefault(event_type, []).append(name)

    @callback
    def changed(event: Event) -> None:
        pages.forget(views_of[str(event.event_type)])

    for event_type in views_of:
        hass.bus.async_listen(event_type, changed)


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
        """Send the kept page and the fresh one, and start following changes."""
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._scheduled_refresh, VIEWS[self.view].every
            )
        )
        self._unsubscribe.extend(
            self.hass.bus.async_listen(event_type, self._event_refresh)
            for event_type in VIEWS[self.view].events
        )
        if (entry := loaded_entry(self.hass)) is not None and (
            kept := self.hass.data[DATA_PAGES].get(self._key(entry))
        ) is not None:
            self._send(kept)
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

    def _key(self, entry: SmartPlexConfigEntry) -> PageKey:
        """Return what the page is kept under."""
        return (entry.entry_id, self.view, self.page)

    async def async_refresh(self) -> None:
        """Build the page and send it when it differs from the last one sent."""
        entry = loaded_entry(self.hass)
        self._watch(entry)
        if entry is None:
            self._send({"view": self.view, "loaded": False})
            return
        pages = self.hass.data[DATA_PAGES]
        generation = pages.generation(self.view)
        data = await async_view_data(self.hass, entry, self.view, self.page)
        if "error" not in data:
            pages.put(self._key(entry), data, generation)
        self._send(data)

    def _send(self, data: dict[str, Any]) -> None:
        """Send a page unless it is the one sent last."""
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
