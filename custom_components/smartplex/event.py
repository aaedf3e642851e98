"""Event entity for SmartPlex: Overseerr request changes seen while polling."""

from __future__ import annotations

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import (
    OverseerrCoordinators,
    OverseerrRequestEventsCoordinator,
    RequestEvent,
)
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0

REQUEST_EVENT_TYPES = ["approved", "available", "created", "declined", "failed"]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a request event entity for every Overseerr."""
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, OverseerrCoordinators):
            async_add_entities(
                [SmartPlexRequestEvent(service.coordinators.request_events)],
                config_subentry_id=service.subentry_id,
            )


def event_attributes(event: RequestEvent) -> dict[str, str | int | bool | None]:
    """Return the small, flat attributes of a request event."""
    request = event.request
    media = request.media
    return {
        "request_id": request.id,
        "media_type": request.media_type,
        "tmdb_id": media.tmdb_id if media else None,
        "is_4k": request.is_4k,
        "requested_by": request.requested_by.display_name
        if request.requested_by
        else None,
    }


class SmartPlexRequestEvent(
    SmartPlexEntity[OverseerrRequestEventsCoordinator], EventEntity
):
    """Fires when a request is created, approved, declined, fails or becomes available."""

    _attr_translation_key = "request"
    _attr_event_types = REQUEST_EVENT_TYPES

    def __init__(self, coordinator: OverseerrRequestEventsCoordinator) -> None:
        """Initialise the event entity."""
        super().__init__(coordinator, "request")

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire one event per request change found by the latest poll."""
        if self.coordinator.last_update_success:
            for event in self.coordinator.data:
                self._trigger_event(event.event_type, event_attributes(event))
        self.async_write_ha_state()
