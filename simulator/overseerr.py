"""Simulated Overseerr (Jellyseerr/Seerr compatible) v1 API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from .core import Stack
from .faults import CONTROL_PREFIX, Handler
from .models import Kind, Request, Title, User
from .overseerr_bodies import ADMIN, MANAGE_USERS, OverseerrBodies, permissions

VERSION = "1.34.0"
# Overseerr's default quota period when neither the user nor the settings name one.
QUOTA_DAYS = 7
OLD_VERSION = "1.0.0"
_REQUEST_FILTERS: dict[str, Callable[[Request, int], bool]] = {
    "all": lambda r, s: True,
    "approved": lambda r, s: r.status == 2,
    "pending": lambda r, s: r.status == 1,
    "declined": lambda r, s: r.status == 3,
    "processing": lambda r, s: r.status == 2 and s in {3, 4},
    "available": lambda r, s: s == 5,
    "unavailable": lambda r, s: s != 5,
    "failed": lambda r, s: False,
}


def error_response(status: int) -> web.Response:
    """Return Overseerr's error body for a status."""
    messages = {
        401: "Unauthorized",
        403: "You do not have permission to access this endpoint",
        404: "Not Found",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }
    return web.json_response(
        {"status": status, "error": messages.get(status, "Error")}, status=status
    )


def _fail(status: int, message: str) -> web.HTTPException:
    """Return an HTTP error carrying Overseerr's {status, message} body."""
    cls = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 409: web.HTTPConflict}[
        status
    ]
    return cls(
        text=f'{{"status": {status}, "message": "{message}"}}',
        content_type="application/json",
    )


def auth_middleware(key: str, url_base: str) -> Any:
    """Return a middleware requiring X-Api-Key except on the public status route."""

    @web.middleware
    async def overseerr_auth(
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Reject requests without the right API key."""
        path = request.path.removeprefix(url_base)
        if path.startswith(CONTROL_PREFIX) or path == "/api/v1/status":
            return await handler(request)
        if request.headers.get("X-Api-Key") != key:
            return error_response(403)
        return await handler(request)

    return overseerr_auth


class OverseerrRoutes(OverseerrBodies):
    """Handlers of the Overseerr API."""

    def __init__(self, stack: Stack) -> None:
        """Bind handlers to the shared state."""
        super().__init__(stack)

    def routes(self) -> list[web.RouteDef]:
        """Return the route table."""
        return [
            web.get("/api/v1/status", self.status),
            web.get("/api/v1/settings/about", self.about),
            web.get("/api/v1/settings/main", self.main_settings),
            web.get("/api/v1/issue/count", self.issue_count),
            web.get("/api/v1/auth/me", self.me),
            web.get("/api/v1/request", self.requests),
            web.post("/api/v1/request", self.create_request),
            web.get("/api/v1/request/count", self.request_count),
            web.get("/api/v1/request/{requestId}", self.request),
            web.delete("/api/v1/request/{requestId}", self.delete_request),
            web.post("/api/v1/request/{requestId}/{status}", self.update_status),
            web.get("/api/v1/user", self.users),
            web.get("/api/v1/user/{userId}", self.user),
            web.get("/api/v1/user/{userId}/requests", self.user_requests),
            web.get("/api/v1/user/{userId}/watch_data", self.watch_data),
            web.get("/api/v1/user/{userId}/quota", self.quota),
            web.get("/api/v1/media", self.media),
            web.get("/api/v1/search", self.search),
            web.get("/api/v1/movie/{movieId}", self.movie_details),
            web.get("/api/v1/tv/{tvId}", self.tv_details),
            web.get("/api/v1/settings/notifications/webhook", self.webhook_settings),
            web.post(
                "/api/v1/settings/notifications/webhook", self.set_webhook_settings
            ),
            web.post("/api/v1/settings/notifications/webhook/test", self.test_webhook),
        ]

    def _page(
        self, request: web.Request, items: list[Any], build: Any
    ) -> dict[str, Any]:
        """Return {pageInfo, results} for take/skip paging."""
        take = max(1, int(float(request.query.get("take") or 20)))
        skip = max(0, int(float(request.query.get("skip") or 0)))
        return {
            "pageInfo": {
                "page": skip // take + 1,
                "pages": -(-len(items) // take),
                "results": len(items),
                "pageSize": take,
            },
            "results": [build(item) for item in items[skip : skip + take]],
        }

    def _request(self, request: web.Request) -> Request:
        """Return the request named in the path."""
        raw = request.match_info["requestId"]
        found = self.stack.world.requests.get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise _fail(404, "Request not found.")
        return found

    def _user(self, request: web.Request) -> User:
        """Return the user named in the path."""
        raw = request.match_info["userId"]
        users = {u.overseerr_id: u for u in self.stack.world.users}
        user = users.get(int(raw)) if raw.isdigit() else None
        if user is None:
            raise _fail(404, "User not found.")
        return user

    # -- handlers ----------------------------------------------------------------------------

    async def status(self, request: web.Request) -> web.Response:
        """Return the public status."""
        old = self.stack.faults.old_version("overseerr")
        return web.json_response(
            {
                "version": OLD_VERSION if old else VERSION,
                "commitTag": "v" + (OLD_VERSION if old else VERSION),
                "updateAvailable": False,
                "commitsBehind": 0,
                "restartRequired": False,
            }
        )

    async def about(self, request: web.Request) -> web.Response:
        """Return server stats."""
        world = self.stack.world
        return web.json_response(
            {
                "version": VERSION,
                "totalRequests": len(world.requests),
                "totalMediaItems": len(world.movies) + len(world.series),
                "tz": "Etc/UTC",
                "appDataPath": "/app/config",
            }
        )

    async def main_settings(self, request: web.Request) -> web.Response:
        """Return the main settings (Overseerr flavour: no mediaServerType)."""
        return web.json_response(
            {
                "apiKey": self.stack.keys["overseerr"],
                "appLanguage": "en",
                "applicationTitle": "Overseerr",
                "applicationUrl": "",
                "trustProxy": False,
                "csrfProtection": False,
                "hideAvailable": False,
                "partialRequestsEnabled": True,
                "localLogin": True,
                "newPlexLogin": True,
                "defaultPermissions": 32,
            }
        )

    async def issue_count(self, request: web.Request) -> web.Response:
        """Return issue counts (no issues are simulated)."""
        return web.json_response(
            {
                "total": 0,
                "video": 0,
                "audio": 0,
                "subtitles": 0,
                "others": 0,
                "open": 0,
                "closed": 0,
            }
        )

    async def me(self, request: web.Request) -> web.Response:
        """Return the API key's user (the owner)."""
        return web.json_response(self.user_body(self.stack.world.users[0]))

    async def requests(self, request: web.Request) -> web.Response:
        """Return requests, filtered, sorted and paged."""
        world = self.stack.world
        check = _REQUEST_FILTERS.get(request.query.get("filter") or "all")
        if check is None:
            raise _fail(400, "Invalid filter.")
        found = [
            r
            for r in world.requests.values()
            if check(r, world.media_status(r.kind, r.tmdb_id))
        ]
        if "requestedBy" in request.query:
            user_id = int(float(request.query["requestedBy"]))
            found = [
                r for r in found if world.users[r.user_index].overseerr_id == user_id
            ]
        sort = request.query.get("sort", "added")
        found.sort(
            key=lambda r: (r.updated if sort == "modified" else r.created, r.id),
            reverse=True,
        )
        return web.json_response(self._page(request, found, self.request_body))

    async def request_count(self, request: web.Request) -> web.Response:
        """Return request counts by status and type."""
        world = self.stack.world
        items = list(world.requests.values())
        status = {r.id: world.media_status(r.kind, r.tmdb_id) for r in items}
        return web.json_response(
            {
                "total": len(items),
                "movie": sum(r.kind == "movie" for r in items),
                "tv": sum(r.kind == "tv" for r in items),
                "pending": sum(r.status == 1 for r in items),
                "approved": sum(r.status == 2 for r in items),
                "declined": sum(r.status == 3 for r in items),
                "processing": sum(
                    r.status == 2 and status[r.id] in {3, 4} for r in items
                ),
                "available": sum(status[r.id] == 5 for r in items),
            }
        )

    async def request(self, request: web.Request) -> web.Response:
        """Return one request."""
        return web.json_response(self.request_body(self._request(request)))

    async def delete_request(self, request: web.Request) -> web.Response:
        """Delete a request."""
        found = self._request(request)
        del self.stack.world.requests[found.id]
        return web.Response(status=204)

    async def update_status(self, request: web.Request) -> web.Response:
        """Approve (sends to Radarr/Sonarr) or decline a request."""
        found = self._request(request)
        action = request.match_info["status"]
        if action == "approve":
            self.stack.approve_request(found, by_user=0)
        elif action == "decline":
            self.stack.decline_request(found, by_user=0)
        else:
            raise _fail(400, "Invalid status.")
        return web.json_response(self.request_body(found))

    async def create_request(self, request: web.Request) -> web.Response:
        """Create a request for a TMDB title."""
        try:
            body = await request.json()
        except ValueError:
            raise _fail(400, "Invalid JSON body.") from None
        world = self.stack.world
        kind = body.get("mediaType")
        title = (
            world.titles.get((kind, int(body.get("mediaId") or 0)))
            if kind in {"movie", "tv"}
            else None
        )
        if title is None:
            raise _fail(404, "Media does not exist.")
        if world.media_status(title.kind, title.tmdb_id) != 1:
            raise _fail(409, "Request for this media already exists.")
        user_index = 0
        if body.get("userId") is not None:
            user_index = next(
                (u.index for u in world.users if u.overseerr_id == int(body["userId"])),
                0,
            )
        created = self.stack.create_request(user_index, title)
        return web.json_response(self.request_body(created), status=201)

    async def users(self, request: web.Request) -> web.Response:
        """Return users (paged)."""
        return web.json_response(
            self._page(request, self.stack.world.users, self.user_body)
        )

    async def user(self, request: web.Request) -> web.Response:
        """Return one user."""
        return web.json_response(self.user_body(self._user(request)))

    async def user_requests(self, request: web.Request) -> web.Response:
        """Return one user's requests (paged, newest first)."""
        user = self._user(request)
        found = [
            r for r in self.stack.world.requests.values() if r.user_index == user.index
        ]
        found.sort(key=lambda r: (r.created, r.id), reverse=True)
        return web.json_response(self._page(request, found, self.request_body))

    async def watch_data(self, request: web.Request) -> web.Response:
        """Return play count and recently watched media (from Tautulli's history)."""
        user = self._user(request)
        world = self.stack.world
        plays = [p for p in world.plays if p[3] == user.index]
        recent: list[Title] = []
        for play in reversed(plays):
            if play[4] == "movie":
                movie = world.movies.get(play[5])
                info = movie.info if movie else None
            else:
                episode = world.episodes.get(play[5])
                series = world.series.get(episode[1]) if episode else None
                info = series.info if series else None
            if info is not None and info not in recent:
                recent.append(info)
            if len(recent) == 20:
                break
        return web.json_response(
            {
                "recentlyWatched": [self.media_body(t) for t in recent],
                "playCount": len(plays),
            }
        )

    async def quota(self, request: web.Request) -> web.Response:
        """Return a user's movie and season quotas, counted as Overseerr counts them."""
        user = self._user(request)
        return web.json_response(
            {
                "movie": self._quota(
                    user, "movie", user.movie_quota_limit, user.movie_quota_days
                ),
                "tv": self._quota(user, "tv", user.tv_quota_limit, user.tv_quota_days),
            }
        )

    def _quota(
        self, user: User, kind: Kind, limit: int | None, days: int | None
    ) -> dict[str, Any]:
        """Return one quota: every request not declined counts, pending ones too.

        Movies count requests, series their seasons; a limit of 0 means none (and
        admins always get 0), and then nothing is counted and `remaining` is left out.
        """
        world = self.stack.world
        limit = 0 if permissions(user) & (ADMIN | MANAGE_USERS) else limit or 0
        days = days or QUOTA_DAYS
        since = self.stack.clock.now() - timedelta(days=days)
        used = (
            sum(
                len(world.titles[kind, r.tmdb_id].seasons) if kind == "tv" else 1
                for r in world.requests.values()
                if r.user_index == user.index
                and r.kind == kind
                and r.status != 3
                and r.created > since
            )
            if limit
            else 0
        )
        body: dict[str, Any] = {
            "days": days,
            "limit": limit,
            "used": used,
            "restricted": bool(limit and limit - used <= 0),
        }
        if limit:
            body["remaining"] = max(0, limit - used)
        return body

    async def media(self, request: web.Request) -> web.Response:
        """Return media Overseerr tracks (library titles and requested ones)."""
        world = self.stack.world
        titles = [m.info for m in world.movies.values()] + [
            s.info for s in world.series.values()
        ]
        owned = {(t.kind, t.tmdb_id) for t in titles}
        titles += [
            world.titles[r.kind, r.tmdb_id]
            for r in world.requests.values()
            if (r.kind, r.tmdb_id) not in owned
        ]
        wanted = request.query.get("filter") or "all"
        allowed = {
            "all": {1, 2, 3, 4, 5},
            "available": {5},
            "partial": {4},
            "allavailable": {4, 5},
            "processing": {3},
            "pending": {2},
        }
        if wanted not in allowed:
            raise _fail(400, "Invalid filter.")
        found = [
            t
            for t in titles
            if world.media_status(t.kind, t.tmdb_id) in allowed[wanted]
        ]
        return web.json_response(self._page(request, found, self.media_body))

    async def search(self, request: web.Request) -> web.Response:
        """Search TMDB titles."""
        query = request.query.get("query")
        if not query:
            raise _fail(400, "query is required")
        # Clients percent-encode the value once more (Overseerr's validator refuses reserved
        # characters; python-overseerr, HA core's client, quotes it); decode that layer.
        query = unquote(query)
        page = max(1, int(float(request.query.get("page") or 1)))
        found = self.stack.world.search(None, query)
        return web.json_response(
            {
                "page": page,
                "totalPages": max(1, -(-len(found) // 20)),
                "totalResults": len(found),
                "results": [
                    self.result_body(t) for t in found[(page - 1) * 20 : page * 20]
                ],
            }
        )

    def _details(self, request: web.Request, kind: Kind, name: str) -> web.Response:
        """Return the details of the TMDB title named in the path, or Overseerr's 404."""
        raw = request.match_info[name]
        title = self.stack.world.titles.get((kind, int(raw))) if raw.isdigit() else None
        if title is None:
            raise _fail(
                404,
                "Unable to retrieve " + ("movie." if kind == "movie" else "series."),
            )
        return web.json_response(self.details_body(title))

    async def movie_details(self, request: web.Request) -> web.Response:
        """Return MovieDetails."""
        return self._details(request, "movie", "movieId")

    async def tv_details(self, request: web.Request) -> web.Response:
        """Return TvDetails."""
        return self._details(request, "tv", "tvId")

    async def webhook_settings(self, request: web.Request) -> web.Response:
        """Return the webhook agent settings."""
        return web.json_response(self.stack.notifications.overseerr)

    async def set_webhook_settings(self, request: web.Request) -> web.Response:
        """Store webhook agent settings."""
        try:
            body = await request.json()
        except ValueError:
            raise _fail(400, "Invalid JSON body.") from None
        settings = self.stack.notifications.overseerr
        settings["enabled"] = bool(body.get("enabled", settings["enabled"]))
        settings["types"] = int(body.get("types", settings["types"]))
        options = body.get("options") or {}
        settings["options"] = {
            key: str(options.get(key, settings["options"].get(key, "")))
            for key in ("webhookUrl", "authHeader", "jsonPayload")
        }
        return web.json_response(settings)

    async def test_webhook(self, request: web.Request) -> web.Response:
        """Send a test notification with the posted settings (else the stored ones)."""
        try:
            body = await request.json() if request.can_read_body else None
        except ValueError:
            raise _fail(400, "Invalid JSON body.") from None
        settings = None
        if isinstance(body, dict) and isinstance(body.get("options"), dict):
            settings = {"enabled": True, "types": 0, "options": body["options"]}
        self.stack.notify_overseerr(
            "TEST_NOTIFICATION", None, subject="Test Notification", settings=settings
        )
        return web.Response(status=204)
