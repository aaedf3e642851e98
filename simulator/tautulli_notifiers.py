"""Simulated Tautulli notifiers: the webhook agent SmartPlex registers, configures and tests."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import webhooks
from .tautulli_base import TautulliBase, TautulliError

WEBHOOK_AGENT_ID = 25


class TautulliNotifiers(TautulliBase):
    """Tautulli's notifier commands (only the webhook agent)."""

    def _notifier_summary(
        self, notifier_id: int, notifier: dict[str, Any]
    ) -> dict[str, Any]:
        """Return one get_notifiers row."""
        return {
            "id": notifier_id,
            "agent_id": notifier["agent_id"],
            "agent_name": "webhook",
            "agent_label": "Webhook",
            "friendly_name": notifier["friendly_name"],
            "active": int(any(notifier["actions"].values())),
        }

    async def notifiers(self, request: web.Request) -> Any:
        """List configured notifiers."""
        return [
            self._notifier_summary(i, n)
            for i, n in self.stack.notifications.tautulli.items()
        ]

    def _notifier(self, request: web.Request) -> tuple[int, dict[str, Any]]:
        """Return the notifier named by notifier_id."""
        notifier_id = self._int(request, "notifier_id", 0)
        notifier = self.stack.notifications.tautulli.get(notifier_id)
        if notifier is None:
            raise TautulliError("Invalid notifier_id")
        return notifier_id, notifier

    async def notifier_config(self, request: web.Request) -> Any:
        """Return one notifier's configuration."""
        notifier_id, notifier = self._notifier(request)
        return {
            **self._notifier_summary(notifier_id, notifier),
            "config": notifier["config"],
            "actions": notifier["actions"],
            "notify_text": notifier["notify_text"],
        }

    async def add_notifier(self, request: web.Request) -> Any:
        """Add a notifier; only the webhook agent (id 25) is simulated."""
        if request.query.get("agent_id") != str(WEBHOOK_AGENT_ID):
            raise TautulliError("Failed to add notification agent.")
        stored = self.stack.notifications.tautulli
        notifier_id = max(stored, default=0) + 1
        stored[notifier_id] = {
            "agent_id": WEBHOOK_AGENT_ID,
            "friendly_name": "",
            "config": {"hook": "", "method": "POST"},
            "actions": {
                "on_play": 0,
                "on_stop": 0,
                "on_pause": 0,
                "on_resume": 0,
                "on_watched": 0,
                "on_created": 0,
            },
            "notify_text": {},
        }
        return {"notifier_id": notifier_id}, "Added notification agent: Webhook."

    async def set_notifier(self, request: web.Request) -> Any:
        """Update a notifier from webhook_* settings, on_* flags and on_*_body templates."""
        _, notifier = self._notifier(request)
        query = request.query
        notifier["friendly_name"] = query.get(
            "friendly_name", notifier["friendly_name"]
        )
        notifier["config"]["hook"] = query.get(
            "webhook_hook", notifier["config"]["hook"]
        )
        notifier["config"]["method"] = query.get(
            "webhook_method", notifier["config"]["method"]
        )
        for action in notifier["actions"]:
            if action in query:
                notifier["actions"][action] = int(query[action] in {"1", "true", "on"})
            if f"{action}_body" in query:
                notifier["notify_text"][action] = {
                    "subject": query.get(f"{action}_subject", ""),
                    "body": query[f"{action}_body"],
                }
        return None, "Saved notification agent."

    async def notify(self, request: web.Request) -> Any:
        """Send a notification through a notifier (a webhook posts the JSON body)."""
        _, notifier = self._notifier(request)
        if not request.query.get("subject") or not request.query.get("body"):
            raise TautulliError("Missing notification subject or body.")
        hook = notifier["config"].get("hook")
        if not hook:
            raise TautulliError("Notification failed.")
        self.stack.webhooks.send(
            "tautulli",
            hook,
            webhooks.tautulli_payload(request.query["body"], {}),
            method=notifier["config"].get("method") or "POST",
        )
        return None, "Notification sent."

    async def delete_notifier(self, request: web.Request) -> Any:
        """Delete a notifier."""
        notifier_id, _ = self._notifier(request)
        del self.stack.notifications.tautulli[notifier_id]
        return None, "Deleted notifier."
