"""Switches for SmartPlex: the autopilots of Overseerr, TMDB (auto-add), Sonarr and Radarr."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.restore_state import RestoreEntity

from .actions.autoadd import SOURCE_AUTOPILOT, async_auto_add
from .actions.care_plan import async_plan_cleanup
from .actions.care_searches import async_search_autopilot
from .actions.common import Caller
from .actions.triage import async_autopilot
from .api import RequestStatus
from .binary_sensor import EVENT_DISK_PRESSURE
from .const import (
    DOMAIN,
    LOGGER,
    REQUEST_AUTOPILOT,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TMDB,
)
from .coordinator import ServiceStatusCoordinator
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry
from .overseerr_coordinator import (
    OverseerrCoordinators,
    OverseerrRequestEventsCoordinator,
)

# The switch only changes SmartPlex's own state; writes go through the actions' locks.
PARALLEL_UPDATES = 0
AUTO_ADD_INTERVAL = timedelta(days=1)
SEARCH_INTERVAL = timedelta(hours=1)
SEARCH_AUTOPILOT = "search_autopilot"
PLAN_ON_PRESSURE = "plan_on_pressure"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the autopilot switches of each Overseerr, Sonarr, Radarr and TMDB."""
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, OverseerrCoordinators):
            async_add_entities(
                [RequestAutopilotSwitch(service.coordinators.request_events)],
                config_subentry_id=service.subentry_id,
            )
        if service.service_type == SERVICE_TMDB:
            async_add_entities(
                [
                    AutoAddSwitch(service.coordinators.status, media_type)
                    for media_type in ("movie", "tv")
                ],
                config_subentry_id=service.subentry_id,
            )
        if service.service_type in (SERVICE_SONARR, SERVICE_RADARR):
            async_add_entities(
                [
                    SearchAutopilotSwitch(service.coordinators.status),
                    PlanOnPressureSwitch(service.coordinators.status),
                ],
                config_subentry_id=service.subentry_id,
            )


class RememberedSwitch(SwitchEntity, RestoreEntity):
    """A configuration switch, off by default, that a restart does not turn on or off."""

    _attr_entity_category = EntityCategory.CONFIG
    _attr_is_on = False

    async def async_added_to_hass(self) -> None:
        """Restore the last state."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self._attr_is_on = last.state == STATE_ON

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        self._attr_is_on = False
        self.async_write_ha_state()


class RequestAutopilotSwitch(
    SmartPlexEntity[OverseerrRequestEventsCoordinator], RememberedSwitch
):
    """Off by default; on, new requests are triaged and approved or declined by policy."""

    _attr_translation_key = REQUEST_AUTOPILOT

    def __init__(self, coordinator: OverseerrRequestEventsCoordinator) -> None:
        """Initialise the switch, off."""
        super().__init__(coordinator, REQUEST_AUTOPILOT)
        # Set while Overseerr fails, so the outage is logged once, not per poll.
        self._failing = False

    @callback
    def _handle_coordinator_update(self) -> None:
        """Triage the requests created since the last poll, while switched on."""
        if self.is_on and self.coordinator.last_update_success:
            created = [
                event.request.id
                for event in self.coordinator.data
                if event.event_type == "created"
                and event.request.status == RequestStatus.PENDING
            ]
            if created:
                self.coordinator.config_entry.async_create_background_task(
                    self.hass,
                    self._async_triage(created),
                    f"{DOMAIN} request autopilot {self.service.title}",
                )
        self.async_write_ha_state()

    async def _async_triage(self, request_ids: Sequence[int]) -> None:
        """Act on new requests; say once when Overseerr fails (they stay untouched)."""
        try:
            await async_autopilot(
                self.hass, self.coordinator.config_entry, self.service, request_ids
            )
        except HomeAssistantError as err:
            if not self._failing:
                LOGGER.warning(
                    "Request autopilot left %s untouched: %s", self.service.title, err
                )
            self._failing = True
        else:
            if self._failing:
                LOGGER.info("Request autopilot works again for %s", self.service.title)
            self._failing = False


class AutoAddSwitch(SmartPlexEntity[ServiceStatusCoordinator], RememberedSwitch):
    """Off by default; on, the best new recommendations are added once a day (capped)."""

    def __init__(self, coordinator: ServiceStatusCoordinator, media_type: str) -> None:
        """Initialise the switch of one media type, off."""
        key = f"auto_add_{'movies' if media_type == 'movie' else 'series'}"
        super().__init__(coordinator, key)
        self._attr_translation_key = key
        self.media_type = media_type

    async def async_added_to_hass(self) -> None:
        """Restore the last state and run once a day while on."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._async_daily, AUTO_ADD_INTERVAL)
        )

    async def _async_daily(self, now: datetime | None = None) -> None:
        """Add the day's titles while on; a failure is logged and retried tomorrow."""
        if not self.is_on:
            return
        try:
            await async_auto_add(
                self.hass,
                self.coordinator.config_entry,
                Caller(source=SOURCE_AUTOPILOT),
                media_type="movie" if self.media_type == "movie" else "tv",
            )
        except HomeAssistantError as err:
            LOGGER.warning("Auto-add of %s failed: %s", self.media_type, err)


class SearchAutopilotSwitch(
    SmartPlexEntity[ServiceStatusCoordinator], RememberedSwitch
):
    """Off by default; on, what people wait for in this Sonarr/Radarr is searched hourly (capped)."""

    _attr_translation_key = SEARCH_AUTOPILOT

    def __init__(self, coordinator: ServiceStatusCoordinator) -> None:
        """Initialise the switch, off."""
        super().__init__(coordinator, SEARCH_AUTOPILOT)

    async def async_added_to_hass(self) -> None:
        """Restore the last state and run every hour while on."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_track_time_interval(self.hass, self._async_hourly, SEARCH_INTERVAL)
        )

    async def _async_hourly(self, now: datetime | None = None) -> None:
        """Search the hour's items while on; a failure is logged and retried next hour."""
        if not self.is_on:
            return
        try:
            await async_search_autopilot(
                self.hass, self.coordinator.config_entry, self.service
            )
        except HomeAssistantError as err:
            LOGGER.warning("Search autopilot of %s failed: %s", self.service.title, err)


class PlanOnPressureSwitch(SmartPlexEntity[ServiceStatusCoordinator], RememberedSwitch):
    """Off by default; on, disk pressure on this Sonarr/Radarr makes a cleanup plan to review.

    Only a plan: it is announced (smartplex_cleanup_planned, and leaving soon with a
    grace period) and nothing is removed until someone executes it with confirm.
    """

    _attr_translation_key = PLAN_ON_PRESSURE

    def __init__(self, coordinator: ServiceStatusCoordinator) -> None:
        """Initialise the switch, off."""
        super().__init__(coordinator, PLAN_ON_PRESSURE)

    async def async_added_to_hass(self) -> None:
        """Restore the last state and listen for this instance's disk pressure."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.bus.async_listen(EVENT_DISK_PRESSURE, self._async_pressure)
        )

    async def _async_pressure(self, event: Event) -> None:
        """Plan a cleanup of this instance when one of its disks comes under pressure."""
        if not self.is_on or event.data.get("instance") != self.service.title:
            return
        try:
            await async_plan_cleanup(
                self.hass,
                self.coordinator.config_entry,
                Caller(source=SOURCE_AUTOPILOT, context=event.context),
                instance=self.service.title,
            )
        except HomeAssistantError as err:
            LOGGER.warning(
                "Cleanup plan on disk pressure of %s failed: %s",
                self.service.title,
                err,
            )
