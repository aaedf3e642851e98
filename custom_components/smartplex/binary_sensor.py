"""Binary sensors for SmartPlex: health problems reported by Sonarr and Radarr."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import ArrCoordinators, ArrHealthCoordinator
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a health sensor for every Sonarr and Radarr."""
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, ArrCoordinators):
            async_add_entities(
                [SmartPlexHealthSensor(service.coordinators.health)],
                config_subentry_id=service.subentry_id,
            )


class SmartPlexHealthSensor(SmartPlexEntity[ArrHealthCoordinator], BinarySensorEntity):
    """On when Sonarr or Radarr reports health problems."""

    _attr_translation_key = "health"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _unrecorded_attributes = frozenset({"messages"})

    def __init__(self, coordinator: ArrHealthCoordinator) -> None:
        """Initialise the sensor."""
        super().__init__(coordinator, "health")

    @property
    def is_on(self) -> bool:
        """Return whether there is any health problem."""
        return bool(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the problem messages."""
        return {"messages": [check.message for check in self.coordinator.data]}
