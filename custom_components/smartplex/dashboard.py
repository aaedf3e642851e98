"""The SmartPlex dashboard: its frontend modules and the data of each of its views.

Each view is built from what the coordinators already hold or from the same actions
automations use, one page at a time, so a message stays small at any library size.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import hashlib
from pathlib import Path
from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .api.tautulli_models import StreamSession
from .arr_coordinator import ArrCoordinators
from .const import (
    CONF_DISK_THRESHOLD,
    DEFAULT_DISK_THRESHOLD,
    DOMAIN,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TYPES,
)
from .declarations import ACTIONS
from .library import LibraryItem, normalize_title
from .models import SmartPlexConfigEntry, SmartPlexService
from .overseerr_coordinator import OverseerrCoordinators
from .poster import PosterView, poster_cache
from .tautulli_coordinator import TautulliCoordinators

FRONTEND_DIR = Path(__file__).parent / "frontend"
STATIC_URL = f"/{DOMAIN}_static"
MODULE_FILE = "smartplex.js"
CONFIG_URL = f"/config/integrations/integration/{DOMAIN}"
REPAIRS_URL = "/config/repairs"
# A page of a list: enough to fill a desktop view, small enough for one message.
DEFAULT_PAGE = 20
MAX_PAGE = 50
UPCOMING_DAYS = 7
ARR_TYPES = (SERVICE_SONARR, SERVICE_RADARR)
ACTION_HANDLERS = {action.name: action.handler for action in ACTIONS}


@dataclass(frozen=True, slots=True)
class Page:
    """Which part of a view to send: a page of its list, and what statistics or discover show."""

    offset: int = 0
    limit: int = DEFAULT_PAGE
    period: str = "month"
    user: str | None = None
    media_type: str | None = None

    @property
    def end(self) -> int:
        """Return the index after the page's last item."""
        return self.offset + self.limit


def module_url() -> str:
    """Return the URL of the dashboard module, versioned by the modules' content."""
    digest = hashlib.sha256()
    for path in sorted(FRONTEND_DIR.glob("*.js")):
        digest.update(path.read_bytes())
    return f"{STATIC_URL}/{MODULE_FILE}?v={digest.hexdigest()[:12]}"


async def async_register_frontend(hass: HomeAssistant) -> None:
    """Serve the dashboard modules and posters, and load the modules in every browser."""
    if "http" not in hass.config.components:  # no web server (some tests)
        return
    # The entry module imports its siblings without its version: browsers revalidate them.
    await hass.http.async_register_static_paths(
        [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=False)]
    )
    hass.http.register_view(PosterView(hass))
    if DATA_EXTRA_MODULE_URL in hass.data:  # the frontend is loaded
        add_extra_js_url(hass, await hass.async_add_executor_job(module_url))


def services_of(
    entry: SmartPlexConfigEntry, types: tuple[str, ...]
) -> list[SmartPlexService]:
    """Return the configured services of some kinds."""
    return [
        service
        for service in entry.runtime_data.services.values()
        if service.service_type in types
    ]


def service_state(service: SmartPlexService) -> str:
    """Return ok, starting, down, auth or unsupported for a service."""
    if service.key_rejected:
        return "auth"
    if service.unsupported_version is not None:
        return "unsupported"
    if service.failing:
        return "down"
    return "ok" if service.last_success is not None else "starting"


def _status_row(service: SmartPlexService) -> dict[str, Any]:
    """Return one service's health, version, last sync, errors and disks."""
    state = service_state(service)
    coordinators = service.coordinators
    problems: list[dict[str, Any]] = []
    disks: list[dict[str, Any]] = []
    if isinstance(coordinators, ArrCoordinators):
        if coordinators.health.data:
            problems = [
                {"message": check.message, "level": check.type, "url": check.wiki_url}
                for check in coordinators.health.data
            ]
        disks = [
            {
                "path": folder.path,
                "accessible": folder.accessible,
                "free_bytes": folder.free_space,
                "used_percent": coordinators.root_folders.used_percent(folder),
            }
            for folder in coordinators.root_folders.data or ()
        ]
    return {
        "id": service.subentry_id,
        "type": service.service_type,
        "title": service.title,
        "state": state,
        "version": service.info.version if service.info else None,
        "last_sync": service.last_success.isoformat() if service.last_success else None,
        "failing": sorted(service.failing),
        "problems": problems[:MAX_PAGE],
        "disks": disks[:MAX_PAGE],
        "fix_url": REPAIRS_URL if state == "unsupported" else CONFIG_URL,
    }


async def async_status_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return every service's status and the kinds not configured."""
    configured = {
        service.service_type for service in entry.runtime_data.services.values()
    }
    rows = [_status_row(service) for service in entry.runtime_data.services.values()]
    return {
        "services": rows[page.offset : page.end],
        "total": len(rows),
        "not_configured": [kind for kind in SERVICE_TYPES if kind not in configured],
        "config_url": CONFIG_URL,
        "disk_threshold": float(
            entry.options.get(CONF_DISK_THRESHOLD, DEFAULT_DISK_THRESHOLD)
        ),
    }


async def _call(name: str, entry: SmartPlexConfigEntry, **fields: Any) -> Any:
    """Run a read action, as automations do."""
    return await ACTION_HANDLERS[name](entry, **fields)


async def async_downloads_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return a page of every queue (posters added) and the week's releases."""
    posters = poster_cache(hass)
    services = services_of(entry, ARR_TYPES)
    errors: list[dict[str, str]] = []

    async def queue(service: SmartPlexService) -> list[dict[str, Any]]:
        try:
            found = await _call("get_queue", entry, instance=service.title)
        except HomeAssistantError as err:
            errors.append({"instance": service.title, "message": str(err)})
            return []
        items: list[dict[str, Any]] = found["items"]
        for item in items:
            tmdb_id = item["tmdb_id"]
            item["poster"] = (
                posters.url(item["media_type"], tmdb_id) if tmdb_id else None
            )
        return items

    async def calendar() -> list[dict[str, Any]]:
        try:
            found = await _call("get_calendar", entry, days=UPCOMING_DAYS)
        except HomeAssistantError as err:
            errors.append({"instance": "calendar", "message": str(err)})
            return []
        upcoming: list[dict[str, Any]] = found["items"]
        return upcoming

    *queues, upcoming = await asyncio.gather(*map(queue, services), calendar())
    items = [item for found in queues for item in found]
    return {
        "items": items[page.offset : page.end],
        "total": len(items),
        "upcoming": upcoming[:MAX_PAGE],
        "errors": errors,
    }


async def async_requests_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return a page of pending requests with posters."""
    posters = poster_cache(hass)
    service = services_of(entry, (SERVICE_OVERSEERR,))[0]
    found = await _call("get_requests", entry, status="pending", limit=page.end)
    items: list[dict[str, Any]] = found["requests"][page.offset :]
    for item in items:
        tmdb_id = item["tmdb_id"]
        owned = tmdb_id and owned_title(entry, item["media_type"], tmdb_id)
        item["poster"] = posters.url(item["media_type"], tmdb_id) if owned else None
    coordinators = service.coordinators
    total = len(items) + page.offset
    if isinstance(coordinators, OverseerrCoordinators) and coordinators.requests.data:
        total = max(total, coordinators.requests.data.pending)
    return {"items": items, "total": total}


def owned_title(entry: SmartPlexConfigEntry, media_type: str, tmdb_id: int) -> bool:
    """Return whether a Sonarr or Radarr has the title (and so its poster)."""
    kind = SERVICE_RADARR if media_type == "movie" else SERVICE_SONARR
    for service in services_of(entry, (kind,)):
        coordinators = service.coordinators
        assert isinstance(coordinators, ArrCoordinators)
        if coordinators.library.index.by_tmdb(tmdb_id) is not None:
            return True
    return False


def _library_match(
    entry: SmartPlexConfigEntry, session: StreamSession
) -> tuple[str, LibraryItem] | None:
    """Return the library title a stream plays (by exact title and year), if any."""
    movie = session.media_type == "movie"
    wanted = normalize_title(
        session.title if movie else session.grandparent_title or session.title
    )
    for service in services_of(entry, (SERVICE_RADARR if movie else SERVICE_SONARR,)):
        coordinators = service.coordinators
        assert isinstance(coordinators, ArrCoordinators)
        for item in coordinators.library.index.by_title(wanted):
            if not movie or session.year in (None, item.year):
                return ("movie" if movie else "tv", item)
    return None


def session_poster(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, session: StreamSession
) -> str | None:
    """Return the poster URL of what a stream plays, when the library has it."""
    if (match := _library_match(entry, session)) is None or not match[1].tmdb_id:
        return None
    return poster_cache(hass).url(match[0], match[1].tmdb_id)


async def async_activity_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return what is playing now on every Tautulli."""
    items: list[dict[str, Any]] = []
    for service in services_of(entry, (SERVICE_TAUTULLI,)):
        coordinators = service.coordinators
        assert isinstance(coordinators, TautulliCoordinators)
        if not coordinators.activity.last_update_success:
            continue
        activity = coordinators.activity.data
        items.extend(
            {
                "instance": service.title,
                "user": session.friendly_name or session.user,
                "title": session.full_title,
                "media_type": session.media_type,
                "year": session.year,
                "state": session.state or "playing",
                "progress": session.progress_percent,
                "player": session.player,
                "product": session.product,
                "transcode_decision": session.transcode_decision,
                "quality": session.stream_video_resolution,
                "bandwidth_kbps": session.bandwidth,
                "local": session.local,
                "poster": session_poster(hass, entry, session),
            }
            for session in activity.sessions
        )
    return {"items": items[page.offset : page.end], "total": len(items)}
