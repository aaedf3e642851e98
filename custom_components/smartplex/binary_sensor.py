"""Binary sensors for SmartPlex: health problems and disk pressure of Sonarr and Radarr."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.arr_models import RootFolder
from .arr_coordinator import (
    ArrCoordinators,
    ArrHealthCoordinator,
    ArrRootFolderCoordinator,
)
from .care_settings import CareSettings, care_settings
from .const import DOMAIN
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry
from .sensor import track_dynamic

EVENT_DISK_PRESSURE = f"{DOMAIN}_disk_pressure"

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a health sensor for every Sonarr and Radarr, and disk pressure per root folder."""
    settings = care_settings(entry.options)
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, ArrCoordinators):
            async_add_entities(
                [SmartPlexHealthSensor(service.coordinators.health)],
                config_subentry_id=service.subentry_id,
            )
            track_dynamic(
                hass,
                entry,
                service,
                service.coordinators.root_folders,
                "disk_pressure_",
                lambda folders: {str(folder.id) for folder in folders},
                lambda coordinator, key: SmartPlexDiskPressureSensor(
                    coordinator, int(key), settings
                ),
                async_add_entities,
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


class SmartPlexDiskPressureSensor(
    SmartPlexEntity[ArrRootFolderCoordinator], BinarySensorEntity
):
    """On when the disk of a root folder is used at or above the threshold.

    Turning on (also the first time it is seen on after a start) fires
    smartplex_disk_pressure, which automations (and the blueprint) start a cleanup
    plan from.
    """

    _attr_translation_key = "disk_pressure"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(
        self,
        coordinator: ArrRootFolderCoordinator,
        folder_id: int,
        settings: CareSettings,
    ) -> None:
        """Initialise the sensor for a root folder, with its threshold from the options."""
        super().__init__(coordinator, f"disk_pressure_{folder_id}")
        self._folder_id = folder_id
        folder = self._folder
        self._path = folder.path if folder else ""
        self._threshold = settings.threshold_of(self._path)
        self._attr_translation_placeholders = {"path": self._path}
        self._was_on = False

    @property
    def _folder(self) -> RootFolder | None:
        """Return the root folder in the latest data, if it still exists."""
        return next(
            (f for f in self.coordinator.data or () if f.id == self._folder_id), None
        )

    @property
    def _used(self) -> float | None:
        """Return how full the folder's disk is, in percent."""
        folder = self._folder
        return self.coordinator.used_percent(folder) if folder else None

    @property
    def available(self) -> bool:
        """Return whether the folder and its disk are known."""
        return super().available and self._used is not None

    @property
    def is_on(self) -> bool:
        """Return whether the disk is used at or above the threshold."""
        used = self._used
        return used is not None and used >= self._threshold

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the use and the threshold."""
        return {"used_percent": self._used, "threshold": self._threshold}

    async def async_added_to_hass(self) -> None:
        """Announce pressure already present when the sensor starts."""
        await super().async_added_to_hass()
        self._announce()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Announce pressure when it starts, then write the state."""
        self._announce()
        super()._handle_coordinator_update()

    @callback
    def _announce(self) -> None:
        """Fire the pressure event when the state turns on."""
        on = self.available and self.is_on
        if on and not self._was_on:
            self.hass.bus.async_fire(
                EVENT_DISK_PRESSURE,
                {
                    "instance": self.service.title,
                    "root_folder": self._path,
                    "used_percent": self._used,
                    "threshold": self._threshold,
                },
            )
        self._was_on = on
