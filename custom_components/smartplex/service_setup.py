"""Create and start the client and coordinators of one configured service."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant

from .arr_coordinator import (
    ArrCalendarCoordinator,
    ArrCoordinators,
    ArrCutoffUnmetCoordinator,
    ArrHealthCoordinator,
    ArrLibraryCoordinator,
    ArrQueueCoordinator,
    ArrRootFolderCoordinator,
    ArrWantedCoordinator,
)
from .const import (
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)
from .coordinator import (
    BaseCoordinators,
    ServiceStatusCoordinator,
    TmdbStatusCoordinator,
    create_client,
    data_coordinators,
)
from .models import SmartPlexConfigEntry, SmartPlexService
from .overseerr_coordinator import (
    OverseerrCoordinators,
    OverseerrIssueCountsCoordinator,
    OverseerrRequestCountsCoordinator,
    OverseerrRequestEventsCoordinator,
)
from .tautulli_coordinator import (
    TautulliActivityCoordinator,
    TautulliCoordinators,
    TautulliHistoryCoordinator,
    TautulliUsersCoordinator,
)

type ServiceCoordinators = (
    ArrCoordinators | OverseerrCoordinators | TautulliCoordinators | BaseCoordinators
)


def create_service(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, subentry: ConfigSubentry
) -> SmartPlexService:
    """Create the client and coordinators of one configured service."""
    service = SmartPlexService(
        subentry=subentry,
        client=create_client(hass, subentry.subentry_type, subentry.data),
    )
    coordinators: ServiceCoordinators
    status_type = (
        TmdbStatusCoordinator
        if subentry.subentry_type == SERVICE_TMDB
        else ServiceStatusCoordinator
    )
    status = status_type(hass, entry, service)
    if subentry.subentry_type in (SERVICE_SONARR, SERVICE_RADARR):
        coordinators = ArrCoordinators(
            status=status,
            queue=ArrQueueCoordinator(hass, entry, service),
            health=ArrHealthCoordinator(hass, entry, service),
            root_folders=ArrRootFolderCoordinator(hass, entry, service),
            library=ArrLibraryCoordinator(hass, entry, service),
            wanted=ArrWantedCoordinator(hass, entry, service),
            cutoff_unmet=ArrCutoffUnmetCoordinator(hass, entry, service),
            calendar=ArrCalendarCoordinator(hass, entry, service),
        )
    elif subentry.subentry_type == SERVICE_OVERSEERR:
        coordinators = OverseerrCoordinators(
            status=status,
            requests=OverseerrRequestCountsCoordinator(hass, entry, service),
            issues=OverseerrIssueCountsCoordinator(hass, entry, service),
            request_events=OverseerrRequestEventsCoordinator(hass, entry, service),
        )
    elif subentry.subentry_type == SERVICE_TAUTULLI:
        coordinators = TautulliCoordinators(
            status=status,
            activity=TautulliActivityCoordinator(hass, entry, service),
            history=TautulliHistoryCoordinator(hass, entry, service),
            users=TautulliUsersCoordinator(hass, entry, service),
        )
    else:
        coordinators = BaseCoordinators(status=status)
    service.coordinators = coordinators
    return service


async def async_start_service(service: SmartPlexService) -> None:
    """Identify a service, then fetch its data; until then its entities are unavailable.

    Setup runs this in the background, so a slow service holds up nothing else.
    """
    await service.coordinators.status.async_refresh()
    if service.unsupported_version is None:
        await asyncio.gather(
            *(coordinator.async_refresh() for coordinator in data_coordinators(service))
        )
