"""Release dates reached: an episode airs, a movie comes out in cinemas, digitally or on disc.

Derived from the calendar SmartPlex already polls (no extra requests). Each release in
the polled window fires `smartplex_release` and the service's release event entity once,
when its time comes: at the episode's air time, or at local midnight of a movie's
release day. At that moment the calendar is read again first, so a date Sonarr or Radarr
moved since the last (hourly) poll fires on its new day only. What fired is kept in
`.storage/smartplex.releases`, so a restart fires nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.push import CATEGORY_RELEASE, PushNotification, PushValue
from .api.radarr import Movie
from .api.sonarr import Episode
from .arr_coordinator import ArrCalendarCoordinator, ArrCoordinators, CalendarItem
from .calendar import movie_releases
from .const import DOMAIN
from .models import SmartPlexConfigEntry, SmartPlexService

STORAGE_KEY = f"{DOMAIN}.releases"
STORAGE_VERSION = 1
RELEASE_STORE: HassKey[ReleaseStore] = HassKey(STORAGE_KEY)
# The polled window starts today: releases reached longer ago than this cannot come
# back, so they are forgotten.
FORGET_AFTER = timedelta(days=14)
EVENT_AIRED = "aired"
EVER_START = datetime.min.replace(tzinfo=dt_util.UTC)
EVER_END = datetime.max.replace(tzinfo=dt_util.UTC)


@dataclass(frozen=True, slots=True)
class Release:
    """One release date of a title, when it is reached and what it announces."""

    key: str
    reached_at: datetime
    notification: PushNotification


def episode_release(episode: Episode) -> Release | None:
    """Return the air time of an episode as a release (None without an air time)."""
    if episode.air_date_utc is None:
        return None
    series = episode.series
    data: dict[str, PushValue] = {
        "media_type": "tv",
        "title": series.title if series else None,
        "year": series.year if series else None,
        "series_id": episode.series_id,
        "episode_id": episode.id,
        "tvdb_id": series.tvdb_id if series else None,
        "tmdb_id": series.tmdb_id if series else None,
        "imdb_id": series.imdb_id if series else None,
        "episodes": f"S{episode.season_number:02d}E{episode.episode_number:02d}",
        "episode_title": episode.title,
        "poster": series.poster_url if series else None,
        "date": dt_util.as_utc(episode.air_date_utc).isoformat(),
    }
    return Release(
        key=f"episode_{episode.id}_{data['date']}",
        reached_at=dt_util.as_utc(episode.air_date_utc),
        notification=PushNotification(
            category=CATEGORY_RELEASE, event_type=EVENT_AIRED, data=data
        ),
    )


def movie_release_dates(movie: Movie) -> list[Release]:
    """Return a movie's cinema, digital and physical releases that have a date."""
    data: dict[str, PushValue] = {
        "media_type": "movie",
        "title": movie.title,
        "year": movie.year,
        "movie_id": movie.id,
        "tmdb_id": movie.tmdb_id,
        "imdb_id": movie.imdb_id,
        "poster": movie.poster_url,
    }
    return [
        Release(
            key=f"movie_{movie.id}_{release.kind}_{release.day.isoformat()}",
            # A release day is reached at its start where Home Assistant is.
            reached_at=dt_util.as_utc(dt_util.start_of_local_day(release.day)),
            notification=PushNotification(
                category=CATEGORY_RELEASE,
                event_type=release.kind,
                data={**data, "date": release.day.isoformat()},
            ),
        )
        for release in movie_releases(movie, EVER_START, EVER_END)
    ]


def calendar_releases(items: list[CalendarItem]) -> list[Release]:
    """Return every release date of the calendar's episodes or movies."""
    releases: list[Release] = []
    for item in items:
        if isinstance(item, Episode):
            if (release := episode_release(item)) is not None:
                releases.append(release)
        else:
            releases.extend(movie_release_dates(item))
    return releases


class ReleaseStore:
    """The releases already announced per service, kept across restarts."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Open the store (loaded by async_load)."""
        self._store: Store[dict[str, dict[str, str]]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY
        )
        self.fired: dict[str, dict[str, str]] = {}

    async def async_load(self) -> None:
        """Load what fired, forgetting releases too old to come back."""
        self.fired = await self._store.async_load() or {}
        oldest = dt_util.utcnow() - FORGET_AFTER
        for keys in self.fired.values():
            for key, reached in list(keys.items()):
                if datetime.fromisoformat(reached) < oldest:
                    del keys[key]

    def mark(self, subentry_id: str, release: Release) -> bool:
        """Remember a release; return False when it had fired already."""
        keys = self.fired.setdefault(subentry_id, {})
        if release.key in keys:
            return False
        keys[release.key] = release.reached_at.isoformat()
        self._store.async_delay_save(lambda: self.fired, 1)
        return True

    async def async_remove(self) -> None:
        """Delete the store (the hub is being removed)."""
        self.fired = {}
        await self._store.async_remove()


class ReleaseWatcher:
    """Announces the releases of one Sonarr or Radarr's polled calendar as they arrive."""

    def __init__(
        self,
        hass: HomeAssistant,
        service: SmartPlexService,
        coordinator: ArrCalendarCoordinator,
        store: ReleaseStore,
    ) -> None:
        """Prepare; nothing is watched until async_setup."""
        self.hass = hass
        self.service = service
        self.coordinator = coordinator
        self.store = store
        self._next_check: CALLBACK_TYPE | None = None

    @callback
    def async_setup(self) -> CALLBACK_TYPE:
        """Check after every calendar poll; return what stops watching."""
        remove_listener = self.coordinator.async_add_listener(self.async_check)

        @callback
        def stop() -> None:
            remove_listener()
            self._cancel_next_check()

        return stop

    def _cancel_next_check(self) -> None:
        """Cancel the timer of the next release, if one is set."""
        if self._next_check is not None:
            self._next_check()
            self._next_check = None

    @callback
    def async_check(self, due: datetime | None = None) -> None:
        """Announce the releases reached (by the timer's due time) and wait for the next."""
        self._cancel_next_check()
        if not self.coordinator.last_update_success or not self.coordinator.data:
            return
        now = max(due, dt_util.utcnow()) if due else dt_util.utcnow()
        # A movie is listed for any release in the window: its earlier ones are history.
        today = dt_util.start_of_local_day(dt_util.as_local(now))
        upcoming: list[datetime] = []
        for release in calendar_releases(self.coordinator.data):
            if release.reached_at > now:
                upcoming.append(release.reached_at)
            elif release.reached_at >= today and self.store.mark(
                self.service.subentry_id, release
            ):
                assert self.service.push is not None
                self.service.push.async_announce(
                    release.notification, source="calendar"
                )
        if upcoming:
            self._next_check = async_track_point_in_utc_time(
                self.hass, self._async_release_due, min(upcoming)
            )

    async def _async_release_due(self, due: datetime) -> None:
        """Read the calendar again, then announce: the date may have moved since the poll."""
        self._next_check = None
        await self.coordinator.async_refresh()
        self.async_check(due)


async def async_setup_releases(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> None:
    """Watch the calendar of every Sonarr and Radarr for release dates reached."""
    if (store := hass.data.get(RELEASE_STORE)) is None:
        store = hass.data[RELEASE_STORE] = ReleaseStore(hass)
        await store.async_load()
    for service in entry.runtime_data.services.values():
        if isinstance(service.coordinators, ArrCoordinators):
            watcher = ReleaseWatcher(
                hass, service, service.coordinators.calendar, store
            )
            entry.async_on_unload(watcher.async_setup())


async def async_remove_entry_releases(hass: HomeAssistant) -> None:
    """Forget every release announced (the hub is being deleted)."""
    store = hass.data.pop(RELEASE_STORE, None) or ReleaseStore(hass)
    await store.async_remove()
