"""Calendars for SmartPlex: Sonarr episodes and Radarr movie releases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import SmartPlexError
from .api.radarr import Movie
from .api.sonarr import Episode
from .arr_coordinator import ArrCalendarCoordinator, ArrCoordinators, CalendarItem
from .const import DOMAIN, SERVICE_SONARR
from .entity import SmartPlexEntity
from .models import SmartPlexConfigEntry

# Read-only platform: the coordinators serialise requests.
PARALLEL_UPDATES = 0

DEFAULT_EPISODE_MINUTES = 30
# (Movie attribute, release kind, calendar label) in the order a movie comes out.
RELEASE_KINDS = (
    ("in_cinemas", "cinema", "In cinemas"),
    ("digital_release", "digital", "Digital release"),
    ("physical_release", "physical", "Physical release"),
)
RELEASE_LABELS = {kind: text for _, kind, text in RELEASE_KINDS}


@dataclass(frozen=True, slots=True)
class MovieRelease:
    """One release of a movie: the day it comes out and how (cinema, digital, physical)."""

    day: date
    kind: str


def movie_releases(movie: Movie, start: datetime, end: datetime) -> list[MovieRelease]:
    """Return the releases of a movie whose day overlaps a window, soonest first."""
    releases = []
    for attribute, kind, _ in RELEASE_KINDS:
        released: datetime | None = getattr(movie, attribute)
        if released is None:
            continue
        # Radarr stores release dates as midnight UTC: the UTC date is the release day.
        day = dt_util.as_utc(released).date()
        # The day counts as local midnight to midnight, as calendars show all-day events.
        if dt_util.start_of_local_day(day) < end and (
            dt_util.start_of_local_day(day + timedelta(days=1)) > start
        ):
            releases.append(MovieRelease(day, kind))
    return sorted(releases, key=lambda release: release.day)


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


def movie_events(movie: Movie, start: datetime, end: datetime) -> list[CalendarEvent]:
    """Return one all-day event per release of a movie in a window."""
    return [
        CalendarEvent(
            start=release.day,
            end=release.day + timedelta(days=1),
            summary=f"{movie.title} ({RELEASE_LABELS[release.kind]})",
            description=movie.overview,
            uid=f"movie_{movie.id}_{release.kind}",
        )
        for release in movie_releases(movie, start, end)
    ]


def calendar_events(
    items: list[CalendarItem], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Return the calendar events of episodes or movies in a window, sorted by start."""
    events: list[CalendarEvent] = []
    for item in items:
        if isinstance(item, Episode):
            event = episode_event(item)
            if (
                event
                and event.end_datetime_local > start
                and event.start_datetime_local < end
            ):
                events.append(event)
        else:
            events.extend(movie_events(item, start, end))
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
        self._events_of: list[CalendarItem] | None = None
        self._events: list[CalendarEvent] = []

    @property
    def event(self) -> CalendarEvent | None:
        """Return the current or next event of the fetched window."""
        # Home Assistant reads this several times per state write: build the events once
        # per fetch (the window only moves on) and scan them from the earliest.
        if self._events_of is not self.coordinator.data:
            self._events_of = self.coordinator.data
            self._events = calendar_events(
                self.coordinator.data or [],
                datetime.min.replace(tzinfo=dt_util.UTC),
                datetime.max.replace(tzinfo=dt_util.UTC),
            )
        now = dt_util.now()
        return next(
            (event for event in self._events if event.end_datetime_local > now), None
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
        return calendar_events(items, start_date, end_date)
