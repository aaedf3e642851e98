"""Calendars for SmartPlex: Sonarr episodes and Radarr movie releases."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import SmartPlexError
from .api.radarr import Movie
from .api.sonarr import Episode
from .const import DOMAIN, SERVICE_SONARR
from .coordinator import ArrCalendarCoordinator, ArrCoordinators, CalendarItem
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0

DEFAULT_EPISODE_MINUTES = 30
RELEASE_KINDS = (
    ("in_cinemas", "In cinemas"),
    ("digital_release", "Digital release"),
    ("physical_release", "Physical release"),
)


def episode_event(episode: Episode) -> CalendarEvent | None:
    """Return the calendar event of an episode that has an air time."""
    if episode.air_date_utc is None:
        return None
    series = episode.series
    minutes = (series.runtime if series else None) or DEFAULT_EPISODE_MINUTES
    title = series.title if series else ""
    return CalendarEvent(
        start=dt_util.as_local(episode.air_date_utc),
        end=dt_util.as_local(episode.air_date_utc + timedelta(minutes=minutes)),
        summary=f"{title} S{episode.season_number:02d}E{episode.episode_number:02d}",
        description=episode.title,
        uid=f"episode_{episode.id}",
    )


def movie_events(movie: Movie) -> list[CalendarEvent]:
    """Return one all-day event per known release of a movie."""
    events = []
    for attribute, label in RELEASE_KINDS:
        released: datetime | None = getattr(movie, attribute)
        if released is None:
            continue
        day = dt_util.as_local(released).date()
        events.append(
            CalendarEvent(
                start=day,
                end=day + timedelta(days=1),
                summary=f"{movie.title} ({label})",
                description=movie.overview,
                uid=f"movie_{movie.id}_{attribute}",
            )
        )
    return events


def calendar_events(items: list[CalendarItem]) -> list[CalendarEvent]:
    """Return the calendar events of episodes or movies, sorted by start."""
    events: list[CalendarEvent] = []
    for item in items:
        if isinstance(item, Episode):
            if event := episode_event(item):
                events.append(event)
        else:
            events.extend(movie_events(item))
    return sorted(events, key=lambda event: event.start_datetime_local)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up a calendar for every Sonarr and Radarr."""
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, ArrCoordinators):
            async_add_entities(
                [SmartPlexCalendar(service.coordinators.calendar)],
                config_subentry_id=service.subentry_id,
            )


class SmartPlexCalendar(SmartPlexEntity[ArrCalendarCoordinator], CalendarEntity):
    """Upcoming episodes (Sonarr) or movie releases (Radarr)."""

    def __init__(self, coordinator: ArrCalendarCoordinator) -> None:
        """Initialise the calendar, named after what it shows."""
        key = (
            "episodes"
            if coordinator.service.service_type == SERVICE_SONARR
            else "releases"
        )
        super().__init__(coordinator, key)
        self._attr_translation_key = key

    @property
    def event(self) -> CalendarEvent | None:
        """Return the current or next event in the upcoming window."""
        now = dt_util.now()
        return next(
            (
                event
                # Before a first successful fetch there is no data yet.
                for event in calendar_events(self.coordinator.data or [])
                if event.end_datetime_local > now
            ),
            None,
        )

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the events between two times, fetched from the service."""
        try:
            items = await self.coordinator.async_get_range(start_date, end_date)
        except SmartPlexError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="calendar_failed",
                translation_placeholders={
                    "service": self.service.title,
                    "error": str(err),
                },
            ) from err
        return [
            event
            for event in calendar_events(items)
            if event.end_datetime_local > start_date
            and event.start_datetime_local < end_date
        ]
