"""Coordinators that poll an Overseerr, Jellyseerr or Seerr."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant

from .api import OverseerrClient
from .api.overseerr_models import (
    IssueCounts,
    MediaStatus,
    OverseerrRequest,
    RequestCounts,
    RequestStatus,
)
from .const import INTERVAL_REQUESTS
from .coordinator import BaseCoordinators, SmartPlexCoordinator
from .models import SmartPlexConfigEntry, SmartPlexService

RECENT_REQUESTS = 20
STATUS_EVENTS: dict[int, str] = {
    RequestStatus.APPROVED: "approved",
    RequestStatus.DECLINED: "declined",
    RequestStatus.FAILED: "failed",
}


@dataclass(frozen=True, kw_only=True)
class RequestEvent:
    """A change of an Overseerr request seen between two polls."""

    event_type: str
    request: OverseerrRequest


class OverseerrCoordinator[DataT](SmartPlexCoordinator[DataT]):
    """A coordinator for Overseerr, Jellyseerr or Seerr."""

    @property
    def client(self) -> OverseerrClient:
        """Return the Overseerr client."""
        client = self.service.client
        assert isinstance(client, OverseerrClient)
        return client


class OverseerrRequestCountsCoordinator(OverseerrCoordinator[RequestCounts]):
    """Poll the request totals by status."""

    kind = "requests"
    interval = INTERVAL_REQUESTS

    async def _async_fetch(self) -> RequestCounts:
        """Return the request totals."""
        return await self.client.request_counts()


class OverseerrIssueCountsCoordinator(OverseerrCoordinator[IssueCounts]):
    """Poll the issue totals."""

    kind = "issues"
    interval = INTERVAL_REQUESTS

    async def _async_fetch(self) -> IssueCounts:
        """Return the issue totals."""
        return await self.client.issue_counts()


class OverseerrRequestEventsCoordinator(OverseerrCoordinator[list[RequestEvent]]):
    """Detect request changes for the event entity."""

    kind = "request_events"
    interval = INTERVAL_REQUESTS

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartPlexConfigEntry,
        service: SmartPlexService,
    ) -> None:
        """Start without knowledge of earlier requests."""
        super().__init__(hass, entry, service)
        self._seen: dict[int, tuple[int, int | None]] | None = None
        self.recent: list[OverseerrRequest] = []
        # Request ids only grow, so an id above every one seen before is a new
        # request; unlike timestamps this does not depend on the two clocks agreeing.
        self._newest_id = 0

    async def _async_fetch(self) -> list[RequestEvent]:
        """Return the events derived from recently modified requests."""
        recent = await self.client.requests(take=RECENT_REQUESTS, sort="modified")
        # The database sync stores these as they are (no request of its own).
        self.recent = list(recent.records)
        return self._diff(self.recent)

    def _diff(self, requests: list[OverseerrRequest]) -> list[RequestEvent]:
        """Compare requests with the previous poll and return what changed, oldest first."""
        previous = self._seen
        self._seen = {
            request.id: (
                request.status,
                request.media.status if request.media else None,
            )
            for request in requests
        }
        newest_before = self._newest_id
        self._newest_id = max([newest_before, *self._seen])
        if previous is None:
            # The first poll only learns the current state; it is not news.
            return []
        events = []
        for request in reversed(requests):
            state = self._seen[request.id]
            if previous.get(request.id) == state:
                continue
            if event_type := self._event_type(request, newest_before):
                events.append(RequestEvent(event_type=event_type, request=request))
        return events

    @staticmethod
    def _event_type(request: OverseerrRequest, newest_before: int) -> str | None:
        """Name what happened to a request that is new or changed."""
        if request.id > newest_before:
            return "created"
        if request.media is not None and request.media.status == MediaStatus.AVAILABLE:
            return "available"
        return STATUS_EVENTS.get(request.status)


@dataclass(kw_only=True)
class OverseerrCoordinators(BaseCoordinators):
    """The coordinators of an Overseerr, Jellyseerr or Seerr."""

    requests: OverseerrRequestCountsCoordinator
    issues: OverseerrIssueCountsCoordinator
    request_events: OverseerrRequestEventsCoordinator
