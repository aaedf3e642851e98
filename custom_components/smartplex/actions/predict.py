"""What each person will likely watch in the next days: next episodes first, then taste.

Series in progress come from the synced plays (engine/predict.py); Sonarr says which next
episode is on disk, downloading, missing or still to air (one episode list per series in
progress, and its queue). Taste-based titles are recommendations that may be in the
library already (exclude_owned off), marked by whether they can be watched now.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.smartplex.api import Episode, SonarrClient
from custom_components.smartplex.const import SERVICE_SONARR
from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.engine.predict import (
    IN_PROGRESS_DAYS,
    Continuation,
    continuations,
)
from custom_components.smartplex.library import LibraryItem
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store.loaders import async_load_plays

from .common import Caller, client_of, library_index, upstream
from .recommend import (
    Household,
    async_household,
    async_rank,
    find_person,
    recommendation_row,
)

ON_DISK = "on_disk"
DOWNLOADING = "downloading"
MISSING = "missing"
AIRS = "airs"
NOT_IN_LIBRARY = "not_in_library"
IN_LIBRARY = "in_library"  # a title Sonarr/Radarr has, without a file yet
# Sonarr is asked for the episodes of at most this many series in progress per call.
MAX_SERIES = 20

type Owned = dict[Identity, tuple[SmartPlexService, LibraryItem]]


def _sonarr_series(entry: SmartPlexConfigEntry) -> Owned:
    """Return every Sonarr series by identity with its instance."""
    owned: Owned = {}
    for service in entry.runtime_data.services.values():
        if service.service_type != SERVICE_SONARR:
            continue
        for item in library_index(service) or ():
            if item.tmdb_id:
                owned.setdefault(Identity("tv", item.tmdb_id), (service, item))
    return owned


async def _episodes(
    series: list[tuple[SmartPlexService, LibraryItem]],
) -> tuple[dict[Identity, list[Episode]], set[int]]:
    """Return the episodes of these series and the ids of episodes being downloaded."""

    async def listed(service: SmartPlexService, item: LibraryItem) -> list[Episode]:
        with upstream(service):
            return await client_of(service, SonarrClient).episodes(item.id)

    async def queued(service: SmartPlexService) -> set[int]:
        with upstream(service):
            records = await client_of(service, SonarrClient).queue_all()
        return {record.episode_id for record in records if record.episode_id}

    services = list({service.subentry_id: service for service, _ in series}.values())
    episodes, queues = await asyncio.gather(
        asyncio.gather(*(listed(service, item) for service, item in series)),
        asyncio.gather(*(queued(service) for service in services)),
    )
    return (
        {
            Identity("tv", item.tmdb_id or 0): found
            for (_, item), found in zip(series, episodes, strict=True)
        },
        set().union(*queues),
    )


def _status(episode: Episode | None, downloading: set[int], now: datetime) -> str:
    """Return whether the next episode can be watched, is coming, or is missing."""
    if episode is None:
        return NOT_IN_LIBRARY
    if episode.has_file:
        return ON_DISK
    if episode.id in downloading:
        return DOWNLOADING
    if episode.air_date_utc is not None and episode.air_date_utc > now:
        return AIRS
    return MISSING


def _continuing_row(
    household: Household,
    found: Continuation,
    title: str,
    episode: Episode | None,
    status: str,
) -> dict[str, Any]:
    """Return one next episode as response data, with a line saying why."""
    name = household.names.get(found.user_id, found.user_id)
    code = f"S{found.season:02d}E{found.episode:02d}"
    if found.recent_episodes:
        why = f"{name} watched {found.recent_episodes} episodes of {title} in the last 2 weeks"
    else:
        why = f"{name} is in the middle of {title}"
    what = {
        ON_DISK: "is on disk",
        DOWNLOADING: "is downloading",
        MISSING: "is missing",
        AIRS: "airs soon",
        NOT_IN_LIBRARY: "is not in Sonarr",
    }[status]
    return {
        "user": name,
        "identity": str(found.identity),
        "tmdb_id": found.identity.tmdb_id,
        "title": title,
        "season": found.season,
        "episode": found.episode,
        "episode_title": episode.title if episode else None,
        "air_date": episode.air_date_utc.isoformat()
        if episode and episode.air_date_utc
        else None,
        "kind": "next_season" if found.next_season else "next_episode",
        "resume": found.resume,
        "status": status,
        "likelihood": round(found.likelihood, 3),
        "reason": f"{why}; {code} {what}",
    }


async def async_predict(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    user: str | None = None,
    days: int = 7,
    count: int = 10,
) -> dict[str, Any]:
    """Say what a person (or everyone) will likely watch in the next days."""
    household = await async_household(hass, entry)
    person = None if user is None else find_person(household.people, user)
    users = None if person is None else [str(person.user_id)]
    now = household.now
    plays = await async_load_plays(hass, since=now - timedelta(days=IN_PROGRESS_DAYS))
    horizon = now + timedelta(days=days)
    owned = _sonarr_series(entry)
    first = continuations(plays, {}, now=now, users=users)
    wanted = list(dict.fromkeys(c.identity for c in first if c.identity in owned))
    episodes, downloading = await _episodes(
        [owned[identity] for identity in wanted[:MAX_SERIES]]
    )
    known = {
        identity: sorted((e.season_number, e.episode_number) for e in found)
        for identity, found in episodes.items()
    }
    continuing = []
    for found in continuations(plays, known, now=now, users=users):
        listed = {
            (e.season_number, e.episode_number): e
            for e in episodes.get(found.identity, ())
        }
        episode = listed.get((found.season, found.episode))
        status = _status(episode, downloading, now)
        if (
            status == AIRS
            and episode
            and episode.air_date_utc
            and episode.air_date_utc > horizon
        ):
            continue
        info = owned.get(found.identity)
        titles = household.owned.get(found.identity)
        title = (
            titles.title if titles else info[1].title if info else str(found.identity)
        )
        continuing.append(_continuing_row(household, found, title, episode, status))
    ranked = await async_rank(
        hass, entry, user=user, count=count, exclude_owned=False, household=household
    )
    files = _with_files(entry)
    taste = []
    for decision in ranked.decisions:
        row = recommendation_row(
            decision, ranked.titles, decision.identity in ranked.owned
        )
        row["status"] = (
            ON_DISK
            if decision.identity in files
            else IN_LIBRARY
            if decision.identity in ranked.owned
            else NOT_IN_LIBRARY
        )
        taste.append(row)
    ready = sum(row["status"] == ON_DISK for row in (*continuing, *taste))
    return {
        "user": person.name if person else None,
        "days": days,
        "continuing": continuing,
        "titles": taste,
        "ready": ready,
    }


def _with_files(entry: SmartPlexConfigEntry) -> set[Identity]:
    """Return the titles that have a file in some Sonarr or Radarr."""
    found: set[Identity] = set()
    for service in entry.runtime_data.services.values():
        if service.service_type not in ("radarr", "sonarr"):
            continue
        for item in library_index(service) or ():
            if item.tmdb_id and (item.has_file or item.size_on_disk):
                found.add(
                    Identity(
                        "movie" if item.media_type == "movie" else "tv", item.tmdb_id
                    )
                )
    return found
