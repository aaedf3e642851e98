"""Sensors for SmartPlex: queues, libraries, requests, streams and sync times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EntityCategory, UnitOfDataRate, UnitOfInformation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api.arr_models import RootFolder
from .api.overseerr_models import IssueCounts, RequestCounts
from .api.tautulli_history import HistoryRow
from .api.tautulli_models import Activity, StreamSession, TautulliUser
from .arr_coordinator import ArrCoordinators, ArrLibrary, CalendarItem
from .care_sensors import ReclaimableSpaceSensor
from .const import SERVICE_SONARR, SERVICE_TMDB
from .coordinator import SmartPlexCoordinator, all_coordinators
from .dashboard import session_poster
from .entity import SmartPlexEntity, service_device_info
from .history_sensors import (
    DAILY_SENSORS,
    WATCH_RATIO_PREFIX,
    SmartPlexDailySensor,
    SmartPlexHistorySyncSensor,
    SmartPlexWatchRatioSensor,
)
from .models import SmartPlexConfigEntry, SmartPlexService
from .overseerr_coordinator import OverseerrCoordinators
from .recommendation_sensors import ReadyNextWeekSensor, RecommendationsReadySensor
from .tautulli_coordinator import TautulliCoordinators, TautulliUsersCoordinator

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0

STREAM_STATES = ["buffering", "idle", "paused", "playing"]
# Sizes in GB and bandwidth in Mbit/s, rounded to what is shown: the state itself reads
# 282.5 (not 282.500067328) in history, templates and Assist, and small changes write
# nothing. Users can still pick another unit; Home Assistant converts.
SIZE_DECIMALS = 1
RATE_DECIMALS = 1
BYTES_PER_GB = 1_000_000_000
KBITS_PER_MBIT = 1_000
# While a service works, Last successful sync moves at most this often (a Tautulli polled
# every 15 s would otherwise write 240 logbook and recorder entries an hour).
SYNC_RESOLUTION = timedelta(minutes=15)


@dataclass(frozen=True, kw_only=True)
class SmartPlexSensorEntityDescription[DataT](SensorEntityDescription):
    """Describes a SmartPlex sensor computed from one coordinator's data."""

    value_fn: Callable[[DataT], StateType]


def _count(**kwargs: Any) -> dict[str, Any]:
    """Return the settings shared by counting sensors."""
    return {"state_class": SensorStateClass.MEASUREMENT, **kwargs}


def gigabytes(size: int | None) -> float | None:
    """Return a byte count in GB, rounded as shown."""
    return None if size is None else round(size / BYTES_PER_GB, SIZE_DECIMALS)


def megabits_per_second(rate: int) -> float:
    """Return a kbit/s rate (Tautulli's unit) in Mbit/s, rounded as shown."""
    return round(rate / KBITS_PER_MBIT, RATE_DECIMALS)


SIZE_SETTINGS: dict[str, Any] = {
    "device_class": SensorDeviceClass.DATA_SIZE,
    "native_unit_of_measurement": UnitOfInformation.GIGABYTES,
    "suggested_display_precision": SIZE_DECIMALS,
    "state_class": SensorStateClass.MEASUREMENT,
}
RATE_SETTINGS: dict[str, Any] = {
    "device_class": SensorDeviceClass.DATA_RATE,
    "native_unit_of_measurement": UnitOfDataRate.MEGABITS_PER_SECOND,
    "suggested_display_precision": RATE_DECIMALS,
    "state_class": SensorStateClass.MEASUREMENT,
}


QUEUE_SENSOR = SmartPlexSensorEntityDescription[int](
    key="queue", translation_key="queue", value_fn=lambda count: count, **_count()
)
UPCOMING_SENSOR = SmartPlexSensorEntityDescription[list[CalendarItem]](
    key="upcoming", translation_key="upcoming", value_fn=len, **_count()
)
WANTED_SENSOR = SmartPlexSensorEntityDescription[int](
    key="wanted_missing",
    translation_key="wanted_missing",
    value_fn=lambda count: count,
    **_count(),
)
CUTOFF_UNMET_SENSOR = SmartPlexSensorEntityDescription[int](
    key="cutoff_unmet",
    translation_key="cutoff_unmet",
    value_fn=lambda count: count,
    entity_registry_enabled_default=False,
    **_count(),
)


def library_sensors(
    service_type: str,
) -> tuple[SmartPlexSensorEntityDescription[ArrLibrary], ...]:
    """Return the library sensors; the count is named after what Sonarr or Radarr holds."""
    count_key = "series" if service_type == SERVICE_SONARR else "movies"
    return (
        SmartPlexSensorEntityDescription[ArrLibrary](
            key=count_key,
            translation_key=count_key,
            value_fn=lambda library: library.count,
            **_count(),
        ),
        SmartPlexSensorEntityDescription[ArrLibrary](
            key="library_size",
            translation_key="library_size",
            value_fn=lambda library: gigabytes(library.size_on_disk),
            **SIZE_SETTINGS,
        ),
    )


def _request_count(status: str) -> Callable[[RequestCounts], StateType]:
    """Return a function reading one request total."""

    def _value(counts: RequestCounts) -> StateType:
        """Return the total of requests with the status."""
        count: int = getattr(counts, status)
        return count

    return _value


REQUEST_SENSORS = tuple(
    SmartPlexSensorEntityDescription[RequestCounts](
        key=f"requests_{status}",
        translation_key=f"requests_{status}",
        value_fn=_request_count(status),
        entity_registry_enabled_default=status != "declined",
        **_count(),
    )
    for status in (
        "total",
        "pending",
        "approved",
        "processing",
        "available",
        "declined",
    )
)
ISSUES_SENSOR = SmartPlexSensorEntityDescription[IssueCounts](
    key="open_issues",
    translation_key="open_issues",
    value_fn=lambda issues: issues.open,
    **_count(),
)

ACTIVITY_SENSORS = (
    SmartPlexSensorEntityDescription[Activity](
        key="active_streams",
        translation_key="active_streams",
        value_fn=lambda activity: activity.stream_count,
        **_count(),
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="transcodes",
        translation_key="transcodes",
        value_fn=lambda activity: activity.stream_count_transcode,
        **_count(),
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="direct_plays",
        translation_key="direct_plays",
        value_fn=lambda activity: activity.stream_count_direct_play,
        **_count(),
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="direct_streams",
        translation_key="direct_streams",
        value_fn=lambda activity: activity.stream_count_direct_stream,
        entity_registry_enabled_default=False,
        **_count(),
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="bandwidth_total",
        translation_key="bandwidth_total",
        value_fn=lambda activity: megabits_per_second(activity.total_bandwidth),
        **RATE_SETTINGS,
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="bandwidth_lan",
        translation_key="bandwidth_lan",
        value_fn=lambda activity: megabits_per_second(activity.lan_bandwidth),
        entity_registry_enabled_default=False,
        **RATE_SETTINGS,
    ),
    SmartPlexSensorEntityDescription[Activity](
        key="bandwidth_wan",
        translation_key="bandwidth_wan",
        value_fn=lambda activity: megabits_per_second(activity.wan_bandwidth),
        entity_registry_enabled_default=False,
        **RATE_SETTINGS,
    ),
)
PLAYS_TODAY_SENSOR = SmartPlexSensorEntityDescription[list[HistoryRow]](
    key="plays_today",
    translation_key="plays_today",
    value_fn=len,
    state_class=SensorStateClass.TOTAL,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of every service, each on its own device."""
    for service in entry.runtime_data.services.values():
        coordinators = service.coordinators
        entities: list[SensorEntity] = [SmartPlexLastSyncSensor(service)]
        if isinstance(coordinators, ArrCoordinators):
            entities.append(SmartPlexSensor(coordinators.queue, QUEUE_SENSOR))
            entities.append(SmartPlexSensor(coordinators.calendar, UPCOMING_SENSOR))
            entities.append(SmartPlexSensor(coordinators.wanted, WANTED_SENSOR))
            entities.append(
                SmartPlexSensor(coordinators.cutoff_unmet, CUTOFF_UNMET_SENSOR)
            )
            entities.append(ReclaimableSpaceSensor(entry, service))
            entities.extend(
                SmartPlexSensor(coordinators.library, description)
                for description in library_sensors(service.service_type)
            )
            track_dynamic(
                hass,
                entry,
                service,
                coordinators.root_folders,
                "free_space_",
                lambda folders: {str(folder.id) for folder in folders},
                lambda coordinator, key: SmartPlexFreeSpaceSensor(
                    coordinator, int(key)
                ),
                async_add_entities,
            )
        elif isinstance(coordinators, OverseerrCoordinators):
            entities.extend(
                SmartPlexSensor(coordinators.requests, description)
                for description in REQUEST_SENSORS
            )
            entities.append(SmartPlexSensor(coordinators.issues, ISSUES_SENSOR))
        elif service.service_type == SERVICE_TMDB:
            entities.append(
                RecommendationsReadySensor(entry, service, "recommendations_ready")
            )
            entities.append(ReadyNextWeekSensor(entry, service, "ready_next_week"))
        elif isinstance(coordinators, TautulliCoordinators):
            entities.extend(
                SmartPlexSensor(coordinators.activity, description)
                for description in ACTIVITY_SENSORS
            )
            entities.append(SmartPlexSensor(coordinators.history, PLAYS_TODAY_SENSOR))
            database = entry.runtime_data.database
            if database is not None and service.subentry_id in database.histories:
                entities.append(
                    SmartPlexHistorySyncSensor(
                        service, database.histories[service.subentry_id]
                    )
                )
                # The household's figures, once, on the first Tautulli's device.
                if service.subentry_id == next(iter(database.histories)):
                    entities.extend(
                        SmartPlexDailySensor(service, database.daily, description)
                        for description in DAILY_SENSORS
                    )
                    if database.requests:
                        track_dynamic(
                            hass,
                            entry,
                            service,
                            coordinators.users,
                            WATCH_RATIO_PREFIX,
                            lambda users: {str(user.user_id) for user in users},
                            partial(SmartPlexWatchRatioSensor, daily=database.daily),
                            async_add_entities,
                        )
            track_dynamic(
                hass,
                entry,
                service,
                coordinators.users,
                "user_",
                lambda users: {str(user.user_id) for user in users},
                partial(_user_sensor, coordinators.activity),
                async_add_entities,
            )
        async_add_entities(entities, config_subentry_id=service.subentry_id)


def _user_sensor(
    activity: SmartPlexCoordinator[Activity],
    coordinator: TautulliUsersCoordinator,
    key: str,
) -> SensorEntity:
    """Return the now-playing sensor of one Tautulli user."""
    return SmartPlexUserSensor(coordinator, activity, int(key))


def track_dynamic[DataT](
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    service: SmartPlexService,
    coordinator: SmartPlexCoordinator[DataT],
    prefix: str,
    keys_fn: Callable[[DataT], set[str]],
    create: Callable[[Any, str], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add entities for items (root folders, users) as they appear and remove stale ones."""
    known: set[str] = set()
    unique_prefix = f"{service.subentry_id}_{prefix}"
    registry = er.async_get(hass)

    @callback
    def _async_sync() -> None:
        """Match the entities to the items in the latest data."""
        if not coordinator.last_update_success or coordinator.data is None:
            return
        # A poll that ends while the entry unloads would add to the platform going away;
        # the sensors would stay behind and clash with the next setup's.
        if entry.state not in (
            ConfigEntryState.SETUP_IN_PROGRESS,
            ConfigEntryState.LOADED,
        ):
            return
        current = keys_fn(coordinator.data)
        if new := current - known:
            known.update(new)
            async_add_entities(
                [create(coordinator, key) for key in sorted(new)],
                config_subentry_id=service.subentry_id,
            )
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            if (
                entity.unique_id.startswith(unique_prefix)
                and entity.unique_id.removeprefix(unique_prefix) not in current
            ):
                known.discard(entity.unique_id.removeprefix(unique_prefix))
                registry.async_remove(entity.entity_id)

    _async_sync()
    entry.async_on_unload(coordinator.async_add_listener(_async_sync))


class SmartPlexSensor[DataT](
    SmartPlexEntity[SmartPlexCoordinator[DataT]], SensorEntity
):
    """A sensor whose value is computed from one coordinator's data."""

    entity_description: SmartPlexSensorEntityDescription[DataT]

    def __init__(
        self,
        coordinator: SmartPlexCoordinator[DataT],
        description: SmartPlexSensorEntityDescription[DataT],
    ) -> None:
        """Initialise the sensor from its description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """Return the sensor value."""
        return self.entity_description.value_fn(self.coordinator.data)


class SmartPlexFreeSpaceSensor(
    SmartPlexEntity[SmartPlexCoordinator[list[RootFolder]]], SensorEntity
):
    """Free space of one root folder of Sonarr or Radarr."""

    entity_description = SensorEntityDescription(
        key="free_space", translation_key="free_space", **SIZE_SETTINGS
    )

    def __init__(
        self, coordinator: SmartPlexCoordinator[list[RootFolder]], folder_id: int
    ) -> None:
        """Initialise the sensor for a root folder."""
        super().__init__(coordinator, f"free_space_{folder_id}")
        self._folder_id = folder_id
        folder = self._folder
        self._attr_translation_placeholders = {"path": folder.path if folder else ""}

    @property
    def _folder(self) -> RootFolder | None:
        """Return the root folder in the latest data, if it still exists."""
        return next(
            (
                folder
                for folder in self.coordinator.data
                if folder.id == self._folder_id
            ),
            None,
        )

    @property
    def available(self) -> bool:
        """Return whether the folder is reachable and still configured."""
        return super().available and self._folder is not None

    @property
    def native_value(self) -> StateType:
        """Return the free space of the folder in GB."""
        folder = self._folder
        return gigabytes(folder.free_space) if folder else None


class SmartPlexUserSensor(SmartPlexEntity[TautulliUsersCoordinator], SensorEntity):
    """What one Tautulli user is doing right now."""

    _attr_translation_key = "user_activity"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = STREAM_STATES
    _unrecorded_attributes = frozenset({"title", "player", "transcode_decision"})

    def __init__(
        self,
        coordinator: TautulliUsersCoordinator,
        activity: SmartPlexCoordinator[Activity],
        user_id: int,
    ) -> None:
        """Initialise the sensor for a user; it follows the activity coordinator too."""
        super().__init__(coordinator, f"user_{user_id}")
        self._activity = activity
        self._user_id = user_id
        user = self._user
        self._attr_translation_placeholders = {
            "user": user.friendly_name or user.username if user else str(user_id)
        }

    async def async_added_to_hass(self) -> None:
        """Listen to the live activity as well as to the user list."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._activity.async_add_listener(self._handle_coordinator_update)
        )

    @property
    def _user(self) -> TautulliUser | None:
        """Return the user in the latest user list."""
        return next(
            (user for user in self.coordinator.data if user.user_id == self._user_id),
            None,
        )

    @property
    def _session(self) -> StreamSession | None:
        """Return the user's current stream, if any."""
        return next(
            (
                session
                for session in self._activity.data.sessions
                if session.user_id == self._user_id
            ),
            None,
        )

    @property
    def available(self) -> bool:
        """Return whether both the user list and the live activity are current."""
        return super().available and self._activity.last_update_success

    @property
    def native_value(self) -> str:
        """Return the state of the user's stream, or idle."""
        session = self._session
        if session is None:
            return "idle"
        return session.state if session.state in STREAM_STATES else "playing"

    @property
    def entity_picture(self) -> str | None:
        """Return the poster of what the user plays, when a library has it."""
        if (session := self._session) is None:
            return None
        return session_poster(self.hass, self.coordinator.config_entry, session)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return what is playing and how, kept small."""
        session = self._session
        if session is None:
            return {}
        return {
            "title": session.full_title,
            "player": session.player,
            "transcode_decision": session.transcode_decision,
            "progress": session.progress_percent,
        }


class SmartPlexLastSyncSensor(SensorEntity):
    """When SmartPlex last fetched data from a service successfully.

    While the service works the shown time moves once per SYNC_RESOLUTION; when it
    starts or stops failing, the shown time is exact at once.
    """

    _attr_has_entity_name = True
    _attr_translation_key = "last_sync"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_should_poll = False

    def __init__(self, service: SmartPlexService) -> None:
        """Initialise the sensor on the service's device."""
        self._service = service
        self._attr_unique_id = f"{service.subentry_id}_last_sync"
        self._attr_device_info = service_device_info(service)
        self._shown = service.last_success
        self._failing = bool(service.failing)

    async def async_added_to_hass(self) -> None:
        """Follow every coordinator of the service."""
        for coordinator in all_coordinators(self._service):
            self.async_on_remove(coordinator.async_add_listener(self._async_refreshed))

    @callback
    def _async_refreshed(self) -> None:
        """Move the shown time when the service fails or recovers, or it is a step old."""
        last_success = self._service.last_success
        failing = bool(self._service.failing)
        shown = self._shown
        if last_success is not None and (
            failing != self._failing
            or shown is None
            or last_success - shown >= SYNC_RESOLUTION
        ):
            self._shown = last_success
            self.async_write_ha_state()
        self._failing = failing

    @property
    def native_value(self) -> datetime | None:
        """Return the shown time of the last successful fetch."""
        return self._shown
