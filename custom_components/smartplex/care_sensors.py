"""Reclaimable space: what a cleanup plan would free now, per Sonarr/Radarr and root folder.

Worked out every hour (and on homeassistant.update_entity) by the same code as
plan_cleanup, towards each root folder's target from the options; nothing is
stored or announced. A disk already under its target has nothing to reclaim.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import UnitOfInformation
from homeassistant.exceptions import ServiceValidationError

from .actions.care_plan import async_make_plan, plan_title
from .actions.common import arr_coordinators
from .engine.cleanup import GB
from .models import SmartPlexConfigEntry, SmartPlexService
from .recommendation_sensors import SHOWN, RecommendationSensor

RECLAIMABLE_SPACE = "reclaimable_space"


class ReclaimableSpaceSensor(RecommendationSensor):
    """GB a cleanup plan for this Sonarr or Radarr would free now."""

    _attr_device_class = SensorDeviceClass.DATA_SIZE
    _attr_native_unit_of_measurement = UnitOfInformation.GIGABYTES
    _attr_suggested_display_precision = 1
    _unrecorded_attributes = frozenset({"titles", "root_folders"})

    def __init__(self, entry: SmartPlexConfigEntry, service: SmartPlexService) -> None:
        """Attach the sensor to its Sonarr or Radarr."""
        super().__init__(entry, service, RECLAIMABLE_SPACE)
        self._service = service
        # Its disks' poll: while the service is down, so is the sensor.
        self._disks = arr_coordinators(service).root_folders
        self._titles: list[str] = []
        self._root_folders: dict[str, dict[str, Any]] = {}

    async def async_added_to_hass(self) -> None:
        """Follow the service's availability, then start the refresh timers."""
        await super().async_added_to_hass()
        self.async_on_remove(self._disks.async_add_listener(self.async_write_ha_state))

    @property
    def available(self) -> bool:
        """Return whether the service answers and the last plan could be made."""
        return self._disks.last_update_success and super().available

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the first titles and, per root folder, what it needs and what is freed."""
        return {"titles": self._titles, "root_folders": self._root_folders}

    async def _async_count(self) -> tuple[float, list[str]]:
        """Plan without storing, and return the GB freed and the first titles."""
        try:
            made = await async_make_plan(
                self.hass, self._entry, instance=self._service.title
            )
        except ServiceValidationError as err:
            if err.translation_key != "target_above_use":
                raise
            self._titles, self._root_folders = [], {}
            return 0.0, []
        plan = made.plan
        self._root_folders = {
            root: {
                "needed_gb": round(need / GB, 1),
                "reclaimable_gb": round(plan.freed.get(root, 0) / GB, 1),
                "not_met_because": plan.short.get(root),
            }
            for root, need in made.needed.items()
        }
        self._titles = [plan_title(item.candidate) for item in plan.items[:SHOWN]]
        return round(sum(plan.freed.values()) / GB, 1), self._titles
