"""Sensors of what SmartPlex recommends: strong recommendations waiting, ready next week.

Both sit on the TMDB device and are worked out every few hours (and on
homeassistant.update_entity) by the same code as `recommend` and `predict`, so a
refresh on a warm cache asks TMDB nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later, async_track_time_interval

from .actions.autoadd import autopilot_limits
from .actions.common import Caller, label
from .actions.predict import async_predict
from .actions.recommend import async_rank
from .const import LOGGER
from .entity import service_device_info
from .models import SmartPlexConfigEntry, SmartPlexService

REFRESH_INTERVAL = timedelta(hours=6)
FIRST_REFRESH = timedelta(minutes=5)
SOURCE_SENSOR = "sensor"
SHOWN = 5


class RecommendationSensor(SensorEntity):
    """A count worked out by the recommendation engine, refreshed every few hours."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_state_class = SensorStateClass.MEASUREMENT
    _unrecorded_attributes = frozenset({"titles"})

    def __init__(
        self, entry: SmartPlexConfigEntry, service: SmartPlexService, key: str
    ) -> None:
        """Attach the sensor to the TMDB device."""
        self._entry = entry
        self._attr_unique_id = f"{service.subentry_id}_{key}"
        self._attr_translation_key = key
        self._attr_device_info = service_device_info(service)
        self._attr_native_value = None

    async def async_added_to_hass(self) -> None:
        """Work the count out a few minutes after start (the syncs go first), then every few hours."""
        self.async_on_remove(
            async_call_later(self.hass, FIRST_REFRESH, self._async_refresh)
        )
        self.async_on_remove(
            async_track_time_interval(self.hass, self._async_refresh, REFRESH_INTERVAL)
        )

    async def _async_refresh(self, now: datetime) -> None:
        """Work the count out again (the timer's job)."""
        await self.async_update_ha_state(True)

    async def async_update(self) -> None:
        """Work the count out again; on failure keep the last one and say so once."""
        try:
            self._attr_native_value, titles = await self._async_count()
        except HomeAssistantError as err:
            if self.available:
                LOGGER.warning("%s could not be worked out: %s", self.entity_id, err)
            self._attr_available = False
            return
        self._attr_available = True
        self._attr_extra_state_attributes = {"titles": titles}

    async def _async_count(self) -> tuple[float, list[str]]:
        """Return the count and the first titles it counts."""
        raise NotImplementedError


class RecommendationsReadySensor(RecommendationSensor):
    """New titles for the household whose score reaches auto-add's minimum."""

    async def _async_count(self) -> tuple[int, list[str]]:
        """Count the strong recommendations."""
        _, min_score = autopilot_limits(self._entry)
        ranked = await async_rank(self.hass, self._entry, count=20)
        strong = [d for d in ranked.decisions if d.score.total >= min_score]
        titles = [
            label(info.title, info.year)
            for d in strong[:SHOWN]
            if (info := ranked.titles.get(d.identity))
        ]
        return len(strong), titles


class ReadyNextWeekSensor(RecommendationSensor):
    """What the household will likely watch in the next 7 days that is on disk now."""

    async def _async_count(self) -> tuple[int, list[str]]:
        """Count the predicted titles on disk."""
        result: dict[str, Any] = await async_predict(
            self.hass, self._entry, Caller(source=SOURCE_SENSOR)
        )
        ready = [
            row
            for row in (*result["continuing"], *result["titles"])
            if row["status"] == "on_disk"
        ]
        return result["ready"], [row["title"] for row in ready[:SHOWN]]
