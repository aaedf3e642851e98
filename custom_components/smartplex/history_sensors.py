"""Sensors of the play history in the SmartPlex database: sync progress and today's figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.typing import StateType

from .daily_statistics import SIGNAL_DAILY_UPDATED, DailyStatistics
from .engine.daily_statistics import DayTotals
from .entity import SmartPlexEntity, service_device_info
from .models import SmartPlexService
from .sync_history import SIGNAL_HISTORY_PROGRESS, HistoryDatabaseSync
from .tautulli_coordinator import TautulliUsersCoordinator

# Read-only platform: the coordinators serialise requests.

# Unique id (after the service's) of a user's request-to-watch ratio sensor.
WATCH_RATIO_PREFIX = "request_to_watch_ratio_"


@dataclass(frozen=True, kw_only=True)
class SmartPlexDailySensorEntityDescription(SensorEntityDescription):
    """Describes a sensor of today's plays, from the SmartPlex database."""

    value_fn: Callable[[DayTotals], StateType]


DAILY_SENSORS = (
    SmartPlexDailySensorEntityDescription(
        key="watch_time_today",
        translation_key="watch_time_today",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda day: round(day.watch_seconds / 3600, 2),
    ),
    SmartPlexDailySensorEntityDescription(
        key="peak_concurrent_streams_today",
        translation_key="peak_concurrent_streams_today",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda day: day.peak_concurrent_streams,
    ),
    SmartPlexDailySensorEntityDescription(
        key="transcode_share_today",
        translation_key="transcode_share_today",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda day: day.transcode_share,
    ),
)


class SmartPlexHistorySyncSensor(SensorEntity):
    """How much of Tautulli's play history is in the SmartPlex database (percent)."""

    _attr_has_entity_name = True
    _attr_translation_key = "history_sync"
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_should_poll = False

    def __init__(self, service: SmartPlexService, sync: HistoryDatabaseSync) -> None:
        """Initialise the sensor on the Tautulli device."""
        self._sync = sync
        self._attr_unique_id = f"{service.subentry_id}_history_sync"
        self._attr_device_info = service_device_info(service)

    async def async_added_to_hass(self) -> None:
        """Follow the sync's progress."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_HISTORY_PROGRESS.format(self._sync.instance),
                self.async_write_ha_state,
            )
        )

    @property
    def native_value(self) -> float | None:
        """Return the share of the first full sync that is done."""
        return self._sync.progress


class SmartPlexWatchRatioSensor(
    SmartPlexEntity[TautulliUsersCoordinator], SensorEntity
):
    """Percent of one user's available requests they played (off by default)."""

    _attr_translation_key = "request_to_watch_ratio"
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 0
    _attr_entity_registry_enabled_default = False

    def __init__(
        self, coordinator: TautulliUsersCoordinator, key: str, *, daily: DailyStatistics
    ) -> None:
        """Initialise the sensor of one Tautulli user."""
        super().__init__(coordinator, f"{WATCH_RATIO_PREFIX}{key}")
        self._daily = daily
        self._user_id = int(key)
        user = next(
            (user for user in coordinator.data if user.user_id == self._user_id), None
        )
        self._attr_translation_placeholders = {
            "user": user.friendly_name or user.username if user else key
        }

    async def async_added_to_hass(self) -> None:
        """Follow the figures as well as the user list."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_DAILY_UPDATED, self.async_write_ha_state
            )
        )

    @property
    def native_value(self) -> float | None:
        """Return the ratio (unknown while none of the user's requests is available)."""
        return self._daily.watch_ratios.get(self._user_id)


class SmartPlexDailySensor(SensorEntity):
    """One of today's figures of the household's plays (local day, from the database)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: SmartPlexDailySensorEntityDescription

    def __init__(
        self,
        service: SmartPlexService,
        daily: DailyStatistics,
        description: SmartPlexDailySensorEntityDescription,
    ) -> None:
        """Initialise the sensor on the Tautulli device."""
        self.entity_description = description
        self._daily = daily
        self._attr_unique_id = f"{service.subentry_id}_{description.key}"
        self._attr_device_info = service_device_info(service)

    async def async_added_to_hass(self) -> None:
        """Follow the daily figures."""
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, SIGNAL_DAILY_UPDATED, self.async_write_ha_state
            )
        )

    @property
    def available(self) -> bool:
        """Return whether the figures were worked out yet."""
        return self._daily.today is not None

    @property
    def native_value(self) -> StateType:
        """Return today's figure."""
        today = self._daily.today
        return None if today is None else self.entity_description.value_fn(today)
