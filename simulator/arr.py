"""Routes shared by the Sonarr and Radarr v3 APIs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web

from .arr_notifications import ArrNotifications
from .arr_params import (
    bad_request,
    json_body,
    not_found,
    parse_time,
    path_int,
    query_bool,
    query_int,
)
from .clock import iso
from .core import Stack
from .faults import CONTROL_PREFIX, Handler
from .models import HistoryEvent
from .posters import poster_png
from .vocabulary import QUALITIES
from .webhooks import health_wiki_url

VERSIONS = {"sonarr": "4.0.14.2939", "radarr": "5.26.2.10099"}
OLD_VERSION = "2.0.0.5344"
URL_BASE_KEY = web.AppKey("url_base", str)


def listing_response(encoded: Iterable[bytes]) -> web.Response:
    """Return a whole library listing from its items' JSON (encoded with orjson).

    The standard library's encoder took seconds for 20,000 movies, and this one process
    answered no other request meanwhile (a 10-second request beside it timed out).
    """
    return web.Response(
        body=b"[" + b",".join(encoded) + b"]",
        content_type="application/json",
        charset="utf-8",
    )


def error_response(status: int) -> web.Response:
    """Return the body Sonarr/Radarr send for an error status."""
    if status == 401:
        # Sonarr v4 / Radarr answer a bad key with an empty 401.
        return web.Response(status=401)
    reasons = {
        403: "Forbidden",
        404: "NotFound",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }
    return web.json_response({"message": reasons.get(status, "Error")}, status=status)


def auth_middleware(service: str, key: str, url_base: str) -> Any:
    """Return a middleware requiring X-Api-Key or the apikey query parameter."""

    @web.middleware
    async def arr_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Reject requests without the right API key."""
        path = request.path.removeprefix(url_base)
        if path.startswith(CONTROL_PREFIX) or path == "/ping":
            return await handler(request)
        supplied = request.headers.get("X-Api-Key") or request.query.get("apikey")
        if supplied != key:
            return error_response(401)
        return await handler(request)

    return arr_auth


def quality(quality_id: int, radarr: bool) -> dict[str, Any]:
    """Return a QualityModel."""
    _, name, source, resolution = next(q for q in QUALITIES if q[0] == quality_id)
    if radarr:
        source = {"web": "webdl", "television": "tv"}.get(source, source)
    body: dict[str, Any] = {
        "id": quality_id,
        "name": name,
        "source": source,
        "resolution": resolution,
    }
    if radarr:
        body["modifier"] = "none"
    return {"quality": body, "revision": {"version": 1, "real": 0, "isRepack": False}}


def paged(
    request: web.Request,
    records: Sequence[Any],
    build: Callable[[Any], dict[str, Any]],
    sort_key: str,
) -> dict[str, Any]:
    """Return a *PagingResource page."""
    page = max(1, query_int(request, "page", 1))
    size = max(1, query_int(request, "pageSize", 10))
    direction = request.query.get("sortDirection", "default")
    if direction not in {"default", "ascending", "descending"}:
        raise bad_request("sortDirection is invalid")
    chunk = records[(page - 1) * size : page * size]
    return {
        "page": page,
        "pageSize": size,
        "sortKey": request.query.get("sortKey", sort_key),
        "sortDirection": direction,
        "totalRecords": len(records),
        "records": [build(record) for record in chunk],
    }


class ArrRoutes(ArrNotifications):
    """Handlers common to both *arr services."""

    def __init__(self, service: str, stack: Stack) -> None:
        """Bind handlers to a service and the shared state."""
        self.service = service
        self.stack = stack
        self.radarr = service == "radarr"
        self.root = "/movies" if self.radarr else "/tv"

    def routes(self) -> list[web.RouteDef]:
        """Return the shared route table."""
        return [
            web.get("/ping", self.ping),
            web.get("/api/v3/system/status", self.system_status),
            web.get("/api/v3/config/naming", self.naming),
            web.get("/api/v3/health", self.health),
            web.get("/api/v3/diskspace", self.diskspace),
            web.get("/api/v3/rootfolder", self.rootfolder),
            web.get("/api/v3/qualityprofile", self.quality_profiles),
            web.get("/api/v3/tag", self.tags),
            web.post("/api/v3/tag", self.add_tag),
            web.get("/api/v3/notification", self.notifications),
            web.post("/api/v3/notification", self.add_notification),
            web.post("/api/v3/notification/test", self.test_notification),
            web.get("/api/v3/notification/{id}", self.notification),
            web.put("/api/v3/notification/{id}", self.update_notification),
            web.delete("/api/v3/notification/{id}", self.delete_notification),
            web.get("/api/v3/command", self.commands),
            web.post("/api/v3/command", self.add_command),
            web.get("/api/v3/command/{id}", self.command),
            web.get("/api/v3/queue", self.queue),
            web.get("/api/v3/queue/status", self.queue_status),
            web.delete("/api/v3/queue/bulk", self.delete_queue_items),
            web.delete("/api/v3/queue/{id}", self.delete_queue_item),
            web.get("/api/v3/history", self.history),
            web.get("/api/v3/history/since", self.history_since),
            web.get("/api/v3/mediacover/{id}/{filename}", self.media_cover),
        ]

    async def media_cover(self, request: web.Request) -> web.Response:
        """Return a poster of a library movie or series (poster.jpg, poster-250.jpg, ...)."""
        world = self.stack.world
        library = world.movies if self.radarr else world.series
        item = library.get(path_int(request))
        if item is None or not request.match_info["filename"].startswith("poster"):
            raise not_found()
        return web.Response(
            body=poster_png(item.info.tmdb_id), content_type="image/png"
        )

    async def ping(self, request: web.Request) -> web.Response:
        """Answer the unauthenticated health probe."""
        return web.json_response({"status": "OK"})

    async def system_status(self, request: web.Request) -> web.Response:
        """Return SystemResource."""
        stack = self.stack
        version = (
            OLD_VERSION
            if stack.faults.old_version(self.service)
            else VERSIONS[self.service]
        )
        body: dict[str, Any] = {
            "appName": self.service.capitalize(),
            "instanceName": self.service.capitalize(),
            "version": version,
            "buildTime": "2025-05-01T00:00:00Z",
            "isDebug": False,
            "isProduction": True,
            "isAdmin": False,
            "isUserInteractive": False,
            "startupPath": f"/app/{self.service}/bin",
            "appData": "/config",
            "osName": "ubuntu",
            "osVersion": "24.04",
            "isNetCore": True,
            "isLinux": True,
            "isOsx": False,
            "isWindows": False,
            "isDocker": True,
            "mode": "console",
            "branch": "main",
            "authentication": "forms",
            "migrationVersion": 214,
            "urlBase": request.app[URL_BASE_KEY],
            "runtimeVersion": "8.0.12",
            "runtimeName": ".NET",
            "startTime": iso(stack.world.start),
            "packageVersion": version,
            "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
            "packageUpdateMechanism": "docker",
            "databaseVersion": "3.46.1",
            "databaseType": "sqLite",
        }
        if not self.radarr:
            body["sqliteVersion"] = "3.46.1"
        if stack.faults.variant(self.service, "no_app_name"):
            # Older and nightly builds leave it out.
            del body["appName"]
        return web.json_response(body)

    async def naming(self, request: web.Request) -> web.Response:
        """Return NamingConfigResource (its fields differ between Sonarr and Radarr)."""
        if self.radarr:
            return web.json_response(
                {
                    "id": 1,
                    "renameMovies": True,
                    "replaceIllegalCharacters": True,
                    "colonReplacementFormat": "smart",
                    "standardMovieFormat": "{Movie Title} ({Release Year}) {Quality Full}",
                    "movieFolderFormat": "{Movie Title} ({Release Year})",
                }
            )
        return web.json_response(
            {
                "id": 1,
                "renameEpisodes": True,
                "replaceIllegalCharacters": True,
                "colonReplacementFormat": 4,
                "customColonReplacementFormat": "",
                "multiEpisodeStyle": 5,
                "standardEpisodeFormat": "{Series Title} - S{season:00}E{episode:00} - {Episode Title} {Quality Full}",
                "dailyEpisodeFormat": "{Series Title} - {Air-Date} - {Episode Title} {Quality Full}",
                "animeEpisodeFormat": "{Series Title} - S{season:00}E{episode:00} - {Episode Title} {Quality Full}",
                "seriesFolderFormat": "{Series Title}",
                "seasonFolderFormat": "Season {season}",
                "specialsFolderFormat": "Specials",
            }
        )

    async def health(self, request: web.Request) -> web.Response:
        """Return HealthResource list."""
        return web.json_response(
            [
                {
                    "id": index,
                    "source": source,
                    "type": level,
                    "message": message,
                    "wikiUrl": health_wiki_url(self.service, source),
                }
                for index, (level, source, message) in enumerate(
                    self.stack.health[self.service], 1
                )
            ]
        )

    async def diskspace(self, request: web.Request) -> web.Response:
        """Return DiskSpaceResource list (the root folder's disk and the config disk)."""
        world = self.stack.world
        disk = world.disks[self.root]
        return web.json_response(
            [
                {
                    "id": 1,
                    "path": "/config",
                    "label": "config",
                    "freeSpace": 40_000_000_000,
                    "totalSpace": 64_000_000_000,
                },
                {
                    "id": 2,
                    "path": self.root,
                    "label": "media",
                    "freeSpace": world.free_space(self.root),
                    "totalSpace": disk.total,
                },
            ]
        )

    async def rootfolder(self, request: web.Request) -> web.Response:
        """Return RootFolderResource list."""
        return web.json_response(
            [
                {
                    "id": 1,
                    "path": self.root,
                    "accessible": True,
                    "freeSpace": self.stack.world.free_space(self.root),
                    "unmappedFolders": [],
                }
            ]
        )

    async def quality_profiles(self, request: web.Request) -> web.Response:
        """Return QualityProfileResource list."""
        profiles = []
        for profile_id, name, cutoff in (
            (1, "Any", 7),
            (2, "HD-1080p", 3),
            (3, "Ultra-HD", 19),
        ):
            items = [
                {
                    "quality": quality(q[0], self.radarr)["quality"],
                    "items": [],
                    "allowed": True,
                }
                for q in QUALITIES
            ]
            profile: dict[str, Any] = {
                "id": profile_id,
                "name": name,
                "upgradeAllowed": True,
                "cutoff": cutoff,
                "items": items,
                "minFormatScore": 0,
                "cutoffFormatScore": 0,
                "minUpgradeFormatScore": 1,
                "formatItems": [],
            }
            if self.radarr:
                profile["language"] = {"id": 1, "name": "English"}
            profiles.append(profile)
        return web.json_response(profiles)

    async def tags(self, request: web.Request) -> web.Response:
        """Return TagResource list."""
        return web.json_response(
            [
                {"id": i, "label": label}
                for i, label in sorted(self.stack.world.tags.items())
            ]
        )

    async def add_tag(self, request: web.Request) -> web.Response:
        """Create a tag (or return the existing one with that label)."""
        body = await json_body(request)
        label = str(body.get("label") or "").strip().lower()
        if not label:
            raise bad_request("Label must not be empty")
        world = self.stack.world
        tag_id = next((i for i, name in world.tags.items() if name == label), None)
        if tag_id is None:
            tag_id = world.next_id("tag")
            world.tags[tag_id] = label
        return web.json_response({"id": tag_id, "label": label}, status=201)

    # -- commands ----------------------------------------------------------------------------

    def _command_body(self, command: Any) -> dict[str, Any]:
        """Return a CommandResource."""
        stack = self.stack
        status = stack.command_status(command)
        body: dict[str, Any] = {
            "id": command.id,
            "name": command.name,
            "commandName": command.name,
            "body": {
                **command.body,
                "sendUpdatesToClient": True,
                "updateScheduledTask": True,
                "requiresDiskAccess": False,
                "isExclusive": False,
                **({"isTypeExclusive": False} if self.radarr else {}),
                "isLongRunning": False,
                "name": command.name,
                "trigger": "manual",
                "suppressMessages": False,
            },
            "priority": "normal",
            "status": status,
            "result": "successful" if status == "completed" else "unknown",
            "queued": iso(command.queued),
            "trigger": "manual",
            "stateChangeTime": iso(command.queued),
            "sendUpdatesToClient": True,
            "updateScheduledTask": True,
        }
        if status != "queued":
            body["started"] = iso(command.queued + timedelta(seconds=1))
        if status == "completed":
            body["ended"] = iso(command.queued + timedelta(seconds=3))
            body["duration"] = "00:00:02"
            body["message"] = "Completed"
        return body

    async def commands(self, request: web.Request) -> web.Response:
        """List commands."""
        return web.json_response(
            [self._command_body(c) for c in self.stack.commands[self.service].values()]
        )

    async def command(self, request: web.Request) -> web.Response:
        """Return one command's current status."""
        command = self.stack.commands[self.service].get(path_int(request))
        if command is None:
            raise not_found()
        return web.json_response(self._command_body(command))

    async def add_command(self, request: web.Request) -> web.Response:
        """Accept a command."""
        body = await json_body(request)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request("Command name is required")
        command = self.stack.add_command(
            self.service, name, {k: v for k, v in body.items() if k != "name"}
        )
        return web.json_response(self._command_body(command), status=201)

    # -- queue -------------------------------------------------------------------------------

    def queue_items(self) -> list[Any]:
        """Return this service's queue items, oldest first."""
        return [q for q in self.stack.world.queue.values() if q.service == self.service]

    def queue_body(self, item: Any, include_media: bool) -> dict[str, Any]:
        """Return a QueueResource; the service adds its media fields."""
        stack = self.stack
        left_seconds = item.sizeleft // max(1, stack.download_speed)
        eta = stack.clock.now() + timedelta(seconds=left_seconds)
        hours, rest = divmod(left_seconds, 3600)
        body: dict[str, Any] = {
            "id": item.id,
            "languages": [{"id": 1, "name": "English"}],
            "quality": quality(item.quality_id, self.radarr),
            "customFormats": [],
            "customFormatScore": 0,
            "size": float(item.size),
            "title": item.title,
            "estimatedCompletionTime": iso(eta),
            "added": iso(item.added),
            "status": "downloading" if item.sizeleft else "completed",
            "trackedDownloadStatus": "ok",
            "trackedDownloadState": "imported"
            if item.seeding
            else "downloading"
            if item.sizeleft
            else "importPending",
            "statusMessages": [],
            "downloadId": item.download_id,
            "protocol": item.protocol,
            "downloadClient": "qBittorrent"
            if item.protocol == "torrent"
            else "SABnzbd",
            "downloadClientHasPostImportCategory": False,
            "indexer": "SimIndexer (Prowlarr)",
            "outputPath": f"/downloads/complete/{item.title}",
            "sizeleft": float(item.sizeleft),
            "timeleft": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
        }
        body.update(self.queue_media(item, include_media))
        return body

    def queue_media(self, item: Any, include_media: bool) -> dict[str, Any]:
        """Return the service-specific queue fields."""
        raise NotImplementedError

    async def queue(self, request: web.Request) -> web.Response:
        """Return the paged queue."""
        include = query_bool(
            request, "includeMovie" if self.radarr else "includeSeries"
        )
        return web.json_response(
            paged(
                request,
                self.queue_items(),
                lambda q: self.queue_body(q, include),
                "timeleft",
            )
        )

    async def queue_status(self, request: web.Request) -> web.Response:
        """Return QueueStatusResource."""
        items = self.queue_items()
        return web.json_response(
            {
                "id": 0,
                "totalCount": len(items),
                "count": len(items),
                "unknownCount": 0,
                "errors": False,
                "warnings": False,
                "unknownErrors": False,
                "unknownWarnings": False,
            }
        )

    async def delete_queue_item(self, request: web.Request) -> web.Response:
        """Remove a download, optionally blocklisting its release."""
        item = self.stack.world.queue.get(path_int(request))
        if item is None or item.service != self.service:
            raise not_found()
        self._remove_downloads([item], blocklist=query_bool(request, "blocklist"))
        return web.json_response({})

    async def delete_queue_items(self, request: web.Request) -> web.Response:
        """Remove the downloads of several queue records (QueueBulkResource)."""
        ids = (await json_body(request)).get("ids") or []
        queue = self.stack.world.queue
        items = [
            queue[queue_id]
            for queue_id in ids
            if isinstance(queue_id, int)
            and queue_id in queue
            and queue[queue_id].service == self.service
        ]
        self._remove_downloads(items, blocklist=query_bool(request, "blocklist"))
        return web.json_response({})

    def _remove_downloads(self, items: list[Any], *, blocklist: bool) -> None:
        """Remove the whole download of each record, as Sonarr and Radarr stop tracking it."""
        world = self.stack.world
        for item in items:
            if item.id not in world.queue:
                continue
            removed = world.remove_download(item)
            if removed and blocklist:
                world.blocklist.append((self.service, item.media_id, item.title))
                # Blocklisting marks the download failed, which the history records.
                for record in removed:
                    world.record("downloadFailed", record, self.stack.clock.now())

    # -- history -----------------------------------------------------------------------------

    def history_body(self, event: HistoryEvent, request: web.Request) -> dict[str, Any]:
        """Return a HistoryResource; the service adds its media fields."""
        body: dict[str, Any] = {
            "id": event.id,
            "sourceTitle": event.source_title,
            "languages": [{"id": 1, "name": "English"}],
            "quality": quality(event.quality_id, self.radarr),
            "customFormats": [],
            "customFormatScore": 0,
            "qualityCutoffNotMet": False,
            "date": iso(event.date),
            "downloadId": event.download_id,
            "eventType": event.event_type,
            "data": {"indexer": "SimIndexer (Prowlarr)"},
        }
        body.update(self.history_media(event, request))
        return body

    def history_media(
        self, event: HistoryEvent, request: web.Request
    ) -> dict[str, Any]:
        """Return the service-specific history fields."""
        raise NotImplementedError

    def _history_events(self, request: web.Request) -> list[HistoryEvent]:
        """Return this service's history, optionally of one event type."""
        events = self.stack.world.history[self.service]
        if event_type := request.query.get("eventType"):
            events = [event for event in events if event.event_type == event_type]
        return events

    async def history(self, request: web.Request) -> web.Response:
        """Return the paged history, newest first unless asked otherwise."""
        events = sorted(
            self._history_events(request), key=lambda event: (event.date, event.id)
        )
        if request.query.get("sortDirection", "descending") != "ascending":
            events.reverse()
        return web.json_response(
            paged(request, events, lambda e: self.history_body(e, request), "date")
        )

    async def history_since(self, request: web.Request) -> web.Response:
        """Return every history entry from a date on, oldest first."""
        try:
            since = parse_time(request.query.get("date"))
        except ValueError:
            raise bad_request("'date' must be a date-time") from None
        events = [
            event
            for event in self._history_events(request)
            if since is None or event.date >= since
        ]
        return web.json_response([self.history_body(e, request) for e in events])
