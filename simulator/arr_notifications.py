"""Simulated Sonarr/Radarr notifications: the webhook connections SmartPlex registers and tests."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .arr_params import bad_request, json_body, not_found, path_int
from .core import Stack
from .webhooks import arr_envelope


class ArrNotifications:
    """Sonarr's and Radarr's notification (connection) endpoints; only webhooks are simulated."""

    service: str
    stack: Stack
    radarr: bool

    def _notification_body(self, notification: dict[str, Any]) -> dict[str, Any]:
        """Return a NotificationResource with only known fields."""
        events = (
            "onGrab",
            "onDownload",
            "onUpgrade",
            "onRename",
            "onHealthIssue",
            "onHealthRestored",
            "onApplicationUpdate",
            "onManualInteractionRequired",
        )
        added = (
            ("onMovieAdded", "onMovieDelete", "onMovieFileDelete")
            if self.radarr
            else ("onSeriesAdd", "onSeriesDelete", "onEpisodeFileDelete")
        )
        body: dict[str, Any] = {
            "id": notification["id"],
            "name": notification.get("name") or "Webhook",
            "fields": [
                {"order": order, "name": f.get("name"), "value": f.get("value")}
                for order, f in enumerate(notification.get("fields") or [])
            ],
            "implementationName": "Webhook",
            "implementation": notification.get("implementation") or "Webhook",
            "configContract": notification.get("configContract") or "WebhookSettings",
            "infoLink": f"https://wiki.servarr.com/{self.service}/supported#webhook",
            "tags": notification.get("tags") or [],
            "includeHealthWarnings": bool(notification.get("includeHealthWarnings")),
        }
        for event in (*events, *added):
            body[event] = bool(notification.get(event))
            body["supports" + event[0].upper() + event[1:]] = True
        return body

    async def notifications(self, request: web.Request) -> web.Response:
        """List notifications."""
        stored = self.stack.notifications.arr[self.service]
        return web.json_response([self._notification_body(n) for n in stored.values()])

    async def notification(self, request: web.Request) -> web.Response:
        """Return one notification."""
        return web.json_response(
            self._notification_body(self._stored_notification(request))
        )

    def _stored_notification(self, request: web.Request) -> dict[str, Any]:
        """Return the stored notification named by the path id."""
        stored = self.stack.notifications.arr[self.service]
        notification_id = path_int(request)
        if notification_id not in stored:
            raise not_found()
        return stored[notification_id]

    async def add_notification(self, request: web.Request) -> web.Response:
        """Create a notification (Webhook implementation gets real deliveries)."""
        body = await json_body(request)
        if not body.get("implementation"):
            raise bad_request("Implementation must be set")
        body["id"] = self.stack.world.next_id("notification")
        self.stack.notifications.arr[self.service][body["id"]] = body
        return web.json_response(self._notification_body(body), status=201)

    async def update_notification(self, request: web.Request) -> web.Response:
        """Replace a notification."""
        stored = self._stored_notification(request)
        body = await json_body(request)
        body["id"] = stored["id"]
        self.stack.notifications.arr[self.service][stored["id"]] = body
        return web.json_response(self._notification_body(body), status=202)

    async def delete_notification(self, request: web.Request) -> web.Response:
        """Delete a notification."""
        stored = self._stored_notification(request)
        del self.stack.notifications.arr[self.service][stored["id"]]
        return web.json_response({})

    async def test_notification(self, request: web.Request) -> web.Response:
        """Send a Test event to the posted webhook settings."""
        body = await json_body(request)
        fields = {f.get("name"): f.get("value") for f in body.get("fields") or []}
        if body.get("implementation") == "Webhook" and fields.get("url"):
            self.stack.webhooks.send(
                self.service, str(fields["url"]), arr_envelope(self.service, "Test", {})
            )
        return web.json_response({})
