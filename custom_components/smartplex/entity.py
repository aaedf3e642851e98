"""Base entity for SmartPlex."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from homeassistant.const import CONF_URL
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, SERVICE_TMDB
from .coordinator import SmartPlexCoordinator
from .models import SmartPlexService

MANUFACTURERS = {
    "overseerr": "Overseerr",
    "radarr": "Radarr",
    "sonarr": "Sonarr",
    "tautulli": "Tautulli",
    "tmdb": "TMDB",
}


def safe_url(url: str) -> str:
    """Return the URL without user info, query or fragment, so no credential leaks."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def service_device_info(service: SmartPlexService) -> DeviceInfo:
    """Return the device of a service instance."""
    info = service.info
    return DeviceInfo(
        identifiers={(DOMAIN, service.subentry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURERS[service.service_type],
        model=info.name if info else None,
        name=service.title,
        sw_version=info.version if info else None,
        configuration_url=(
            "https://www.themoviedb.org/settings/api"
            if service.service_type == SERVICE_TMDB
            else safe_url(service.subentry.data[CONF_URL])
        ),
    )


class SmartPlexEntity[CoordinatorT: SmartPlexCoordinator[Any]](
    CoordinatorEntity[CoordinatorT]
):
    """An entity on the device of one service instance."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, key: str) -> None:
        """Attach the entity to its service's device."""
        super().__init__(coordinator)
        self.service = coordinator.service
        self._attr_unique_id = f"{self.service.subentry_id}_{key}"
        self._attr_device_info = service_device_info(self.service)
