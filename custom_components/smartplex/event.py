"""Event entities for SmartPlex: downloads, health, library changes, releases, requests, playback.

Push notifications feed them; the release entities follow the polled calendar
(releases.py); the Overseerr request entity also learns of changes seen between polls,
and a change seen both ways fires once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.push import (
    CATEGORY_DOWNLOAD,
    CATEGORY_HEALTH,
    CATEGORY_LIBRARY,
    CATEGORY_PLAYBACK,
    CATEGORY_RELEASE,
    CATEGORY_REQUEST,
    REFRESH_REQUEST_EVENTS,
    PushNotification,
    PushValue,
)
from .api.tmdb import DEFAULT_IMAGE_BASE_URL
from .calendar import RELEASE_KINDS
from .const import SERVICE_RADARR, SERVICE_SONARR, SERVICE_TAUTULLI
from .coordinator import SmartPlexCoordinator
from .dashboard import owned_title
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry
from .overseerr_coordinator import (
    OverseerrCoordinators,
    OverseerrRequestEventsCoordinator,
    RequestEvent,
)
from .poster import ARR_OF_MEDIA, poster_cache
from .releases import EVENT_AIRED
from .webhook import push_signal

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0

REQUEST_EVENT_TYPES = [
    "approved",
    "auto_approved",
    "available",
    "created",
    "declined",
    "failed",
]
DOWNLOAD_EVENT_TYPES = ["failed", "grabbed", "imported", "upgraded"]
HEALTH_EVENT_TYPES = ["issue", "restored"]
LIBRARY_EVENT_TYPES = ["added", "deleted", "file_deleted", "renamed"]
PLAYBACK_EVENT_TYPES = ["paused", "resumed", "started", "stopped", "watched"]
RELEASE_EVENT_TYPES = {
    SERVICE_SONARR: [EVENT_AIRED],
    SERVICE_RADARR: sorted(kind for _, kind, _ in RELEASE_KINDS),
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entities of every service that reports events."""
    for service in entry.runtime_data.services.values():
        coordinators = service.coordinators
        entities: list[SmartPlexPushEvent] = []
        if isinstance(coordinators, OverseerrCoordinators):
            entities.append(SmartPlexRequestEvent(coordinators.request_events))
        elif service.service_type in (SERVICE_SONARR, SERVICE_RADARR):
            entities += [
                SmartPlexPushEvent(
                    coordinators.status,
                    "download",
                    CATEGORY_DOWNLOAD,
                    DOWNLOAD_EVENT_TYPES,
                ),
                SmartPlexPushEvent(
                    coordinators.status,
                    "health_event",
                    CATEGORY_HEALTH,
                    HEALTH_EVENT_TYPES,
                ),
                SmartPlexPushEvent(
                    coordinators.status,
                    "library_event",
                    CATEGORY_LIBRARY,
                    LIBRARY_EVENT_TYPES,
                ),
                SmartPlexPushEvent(
                    coordinators.status,
                    "release",
                    CATEGORY_RELEASE,
                    RELEASE_EVENT_TYPES[service.service_type],
                ),
            ]
        elif service.service_type == SERVICE_TAUTULLI:
            entities.append(
                SmartPlexPushEvent(
                    coordinators.status,
                    "playback",
                    CATEGORY_PLAYBACK,
                    PLAYBACK_EVENT_TYPES,
                )
            )
        if entities:
            async_add_entities(entities, config_subentry_id=service.subentry_id)


def request_notification(event: RequestEvent) -> PushNotification:
    """Return the notification a request change seen by polling stands for."""
    request = event.request
    media = request.media
    requester = request.requested_by
    data: dict[str, PushValue] = {
        "request_id": request.id,
        "media_type": request.media_type,
        "tmdb_id": media.tmdb_id if media else None,
        "tvdb_id": media.tvdb_id if media else None,
        "is_4k": request.is_4k,
        "requested_by": requester.display_name if requester else None,
    }
    return PushNotification(
        category=CATEGORY_REQUEST,
        event_type=event.event_type,
        data=data,
        refresh=frozenset({REFRESH_REQUEST_EVENTS}),
        key=(event.event_type, request.id, data["tmdb_id"]),
    )


class SmartPlexPushEvent(SmartPlexEntity[SmartPlexCoordinator[Any]], EventEntity):
    """Fires for one category of a service's push notifications."""

    def __init__(
        self,
        coordinator: SmartPlexCoordinator[Any],
        key: str,
        category: str,
        event_types: list[str],
    ) -> None:
        """Initialise the event entity."""
        super().__init__(coordinator, key)
        self._attr_translation_key = key
        self._attr_event_types = event_types
        self._category = category

    async def async_added_to_hass(self) -> None:
        """Listen to the service's notifications."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, push_signal(self.service.subentry_id), self._async_notified
            )
        )

    @callback
    def _async_notified(self, notification: PushNotification) -> None:
        """Fire for a notification of this entity's category."""
        if (
            notification.category == self._category
            and notification.event_type in self.event_types
        ):
            self._trigger_event(notification.event_type, event_attributes(notification))
            self.async_write_ha_state()


def event_attributes(notification: PushNotification) -> dict[str, PushValue]:
    """Return the event's attributes: the notification's data without empty values."""
    data: Mapping[str, PushValue] = notification.data
    return {key: value for key, value in data.items() if value is not None}


def request_poster(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, data: Mapping[str, PushValue]
) -> str | None:
    """Return the poster URL (through Home Assistant) of a request's title, if known.

    Overseerr's notification names the poster on TMDB's image server; a request seen by
    polling names none, so its poster comes from a Sonarr or Radarr that has the title.
    Only TMDB's image server is fetched from, whatever a payload says.
    """
    media_type, tmdb_id, source = (
        data.get("media_type"),
        data.get("tmdb_id"),
        data.get("poster"),
    )
    if not isinstance(media_type, str) or media_type not in ARR_OF_MEDIA:
        return None
    if not isinstance(tmdb_id, int):
        return None
    posters = poster_cache(hass)
    if isinstance(source, str) and source.startswith(DEFAULT_IMAGE_BASE_URL):
        return posters.remote_url(media_type, tmdb_id, source)
    if owned_title(entry, media_type, tmdb_id):
        return posters.url(media_type, tmdb_id)
    return None


class SmartPlexRequestEvent(SmartPlexPushEvent):
    """Fires when a request is created, approved, declined, fails or becomes available."""

    coordinator: OverseerrRequestEventsCoordinator

    def __init__(self, coordinator: OverseerrRequestEventsCoordinator) -> None:
        """Initialise the event entity."""
        super().__init__(coordinator, "request", CATEGORY_REQUEST, REQUEST_EVENT_TYPES)

    @callback
    def _async_notified(self, notification: PushNotification) -> None:
        """Fire for a request notification, showing the title's poster."""
        if (
            notification.category == CATEGORY_REQUEST
            and notification.event_type in self.event_types
        ):
            self._attr_entity_picture = request_poster(
                self.hass, self.coordinator.config_entry, notification.data
            )
        super()._async_notified(notification)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Announce the request changes found by the latest poll (push may have already)."""
        push = self.service.push
        if self.coordinator.last_update_success:
            for event in self.coordinator.data:
                notification = request_notification(event)
                if push is None:
                    self._async_notified(notification)
                else:
                    push.async_announce(notification, source="poll")
        self.async_write_ha_state()
