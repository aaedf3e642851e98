"""The base of SmartPlex's coordinators, which poll one kind of data from one service, and the status check."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
import logging
from typing import Any

from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    OverseerrClient,
    RadarrClient,
    ServerInfo,
    SmartPlexApiDisabledError,
    SmartPlexAuthError,
    SmartPlexError,
    SmartPlexRateLimitError,
    SmartPlexUnsupportedVersionError,
    SonarrClient,
    TautulliClient,
    TmdbClient,
)
from .const import (
    CONF_SUBENTRY_ID,
    DEFAULT_TMDB_URL,
    DOMAIN,
    INTERVAL_STATUS,
    INTERVAL_TMDB,
    LOGGER,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)
from .models import SmartPlexConfigEntry, SmartPlexService

type ArrClient = SonarrClient | RadarrClient
type ServiceClient = ArrClient | OverseerrClient | TautulliClient | TmdbClient

# A failing service is retried sooner than a slow interval, so it recovers quickly.
RETRY_INTERVAL = timedelta(minutes=2)
# A burst of push notifications or writes refreshes a coordinator at once, then at
# most once per this window (Home Assistant's default waits 10 s).
REFRESH_COOLDOWN = 2.0
# LAN services answer within a second; 10 s still tolerates a busy NAS waking its disks.
REQUEST_TIMEOUT = 10.0


# The coordinators' own per-poll failure and recovery lines: SmartPlex logs once per
# service instead (a Sonarr has five coordinators, and all fail together).
COORDINATOR_STATUS_MESSAGES = frozenset(
    {
        "Error fetching %s data: %s",
        "Authentication failed while fetching %s data: %s",
        "Fetching %s data recovered",
    }
)


class _PerServiceLogFilter(logging.Filter):
    """Drop the coordinators' per-poll status lines; unexpected errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether the record is logged."""
        return record.msg not in COORDINATOR_STATUS_MESSAGES


POLL_LOGGER = LOGGER.getChild("poll")
POLL_LOGGER.addFilter(_PerServiceLogFilter())


def create_client(
    hass: HomeAssistant, service_type: str, data: Mapping[str, Any]
) -> ServiceClient:
    """Return a client for a service, on Home Assistant's shared HTTP session."""
    session = async_get_clientsession(hass, verify_ssl=data[CONF_VERIFY_SSL])
    url: str = data[CONF_URL]
    api_key: str = data[CONF_API_KEY]
    verify_ssl: bool = data[CONF_VERIFY_SSL]
    if service_type == SERVICE_TMDB:
        return TmdbClient(
            session,
            api_key,
            url=url or DEFAULT_TMDB_URL,
            verify_ssl=verify_ssl,
            timeout=REQUEST_TIMEOUT,
        )
    client_types: dict[str, type[ArrClient | OverseerrClient | TautulliClient]] = {
        SERVICE_SONARR: SonarrClient,
        SERVICE_RADARR: RadarrClient,
        SERVICE_OVERSEERR: OverseerrClient,
        SERVICE_TAUTULLI: TautulliClient,
    }
    client_type = client_types[service_type]
    return client_type(
        session, url, api_key, verify_ssl=verify_ssl, timeout=REQUEST_TIMEOUT
    )


class SmartPlexCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Poll one kind of data from one service and map its errors."""

    config_entry: SmartPlexConfigEntry
    kind: str
    interval: timedelta

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
    ) -> None:
        """Set up polling at the interval that fits this kind of data."""
        super().__init__(
            hass,
            POLL_LOGGER,
            config_entry=entry,
            name=f"{service.title} {self.kind}",
            update_interval=self.interval,
            request_refresh_debouncer=Debouncer(
                hass, POLL_LOGGER, cooldown=REFRESH_COOLDOWN, immediate=True
            ),
        )
        self.service = service
        # Unavailable until the first fetch succeeds: setup does not wait for it.
        self.last_update_success = False

    async def _async_update_data(self) -> DataT:
        """Fetch the data, turning client errors into coordinator errors."""
        try:
            self._check_version()
            # A task of the entry, so that unloading cancels a request still running.
            data = await self.config_entry.async_create_background_task(
                self.hass, self._async_fetch(), f"{self.name} fetch"
            )
        except SmartPlexError as err:
            self._report_failure(err)
            raise self._coordinator_error(err) from err
        self._report_success()
        self.service.last_success = dt_util.utcnow()
        return data

    def _check_version(self) -> None:
        """Refuse to fetch while the service runs an unsupported version."""
        if (version := self.service.unsupported_version) is not None:
            raise SmartPlexUnsupportedVersionError(
                self.service.title,
                f"version {version} is not supported",
                version=version,
            )

    def _report_failure(self, err: SmartPlexError) -> None:
        """Log once when the first coordinator of a working service fails."""
        if not self.service.failing:
            LOGGER.info("%s is unavailable: %s", self.service.title, err)
        self.service.failing.add(self.kind)

    def _report_success(self) -> None:
        """Close a stale reauth flow, and log when the last failing coordinator recovers."""
        service = self.service
        if service.key_rejected:
            service.key_rejected = False
            self._abort_reauth()
        if self.kind not in service.failing:
            return
        service.failing.discard(self.kind)
        if service.failing:
            return
        LOGGER.info("%s is available again", service.title)
        ir.async_delete_issue(self.hass, DOMAIN, f"api_disabled_{service.subentry_id}")

    def _abort_reauth(self) -> None:
        """Close the reauth flow of this service: its key works (again)."""
        flows = self.hass.config_entries.flow
        subentry_id = self.service.subentry_id
        for flow in flows.async_progress_by_init_data_type(
            dict, lambda data: data.get(CONF_SUBENTRY_ID) == subentry_id
        ):
            if (
                flow["handler"] == DOMAIN
                and flow["context"].get("entry_id") == self.config_entry.entry_id
            ):
                flows.async_abort(flow["flow_id"])

    def _coordinator_error(self, err: SmartPlexError) -> UpdateFailed:
        """Return the coordinator error for a client error, starting reauth or a repair."""
        service = self.service
        placeholders = {"service": service.title}
        translation_key = "update_failed"
        if isinstance(err, SmartPlexAuthError):
            # Only this service asks for a key; its polls go on, so a key that works
            # again by itself closes the flow (see _report_success).
            service.key_rejected = True
            translation_key = "auth_failed"
            self.config_entry.async_start_reauth(
                self.hass,
                context={"title_placeholders": {"name": service.title}},
                data={CONF_SUBENTRY_ID: service.subentry_id},
            )
        elif isinstance(err, SmartPlexApiDisabledError):
            # A new key would not help: the user has to switch the API back on.
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"api_disabled_{service.subentry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="api_disabled",
                translation_placeholders=placeholders,
            )
        retry_after = (
            err.retry_after
            if isinstance(err, SmartPlexRateLimitError) and err.retry_after
            else min(self.interval, RETRY_INTERVAL).total_seconds()
        )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={**placeholders, "error": str(err)},
            retry_after=retry_after,
        )

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Fetch this coordinator's data from the service."""


class ServiceStatusCoordinator(SmartPlexCoordinator[ServerInfo]):
    """Identify the service and check its version; its other data waits while unsupported."""

    kind = "status"
    interval = INTERVAL_STATUS

    def _check_version(self) -> None:
        """Always ask: this is the coordinator that finds out."""

    async def _async_fetch(self) -> ServerInfo:
        """Return the service's identity, raising a repair for an unsupported version."""
        service = self.service
        issue_id = f"unsupported_version_{service.subentry_id}"
        was_unsupported = service.unsupported_version is not None
        try:
            info = await service.client.validate()
        except SmartPlexUnsupportedVersionError as err:
            service.unsupported_version = err.version
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="unsupported_version",
                translation_placeholders={
                    "service": service.title,
                    "version": err.version,
                },
            )
            if not was_unsupported:
                self._refresh_data()
            raise
        ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        service.unsupported_version = None
        if was_unsupported:
            self._refresh_data()
        if info != service.info:
            service.info = info
            self._update_device(info)
        return info

    def _refresh_data(self) -> None:
        """Poll the service's other data now: it just became usable or unusable."""
        for coordinator in data_coordinators(self.service):
            self.config_entry.async_create_background_task(
                self.hass, coordinator.async_refresh(), f"{coordinator.name} refresh"
            )

    def _update_device(self, info: ServerInfo) -> None:
        """Show the service's current name and version on its device."""
        registry = dr.async_get(self.hass)
        # Looked up within the entry: HA 2026.10 deprecates the global identifier lookup.
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            if (DOMAIN, self.service.subentry_id) in device.identifiers:
                registry.async_update_device(
                    device.id, model=info.name, sw_version=info.version
                )


class TmdbStatusCoordinator(ServiceStatusCoordinator):
    """Check that TMDB is reachable and the key still works."""

    interval = INTERVAL_TMDB


@dataclass(kw_only=True)
class BaseCoordinators:
    """The coordinator every service has."""

    status: ServiceStatusCoordinator


def all_coordinators(service: SmartPlexService) -> list[SmartPlexCoordinator[Any]]:
    """Return every coordinator of a service."""
    return list(vars(service.coordinators).values())


def data_coordinators(service: SmartPlexService) -> list[SmartPlexCoordinator[Any]]:
    """Return the coordinators of a service except its status check."""
    status = service.coordinators.status
    return [
        coordinator
        for coordinator in all_coordinators(service)
        if coordinator is not status
    ]
