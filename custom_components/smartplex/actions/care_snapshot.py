"""Library care's snapshot: what a cleanup plan is made from and what its execution checks.

The library indexes come from memory; disks, tags and the download queue from
Sonarr/Radarr (fresh, each time: a plan and its execution both see what is
downloading or seeding now), plays and requests from the SmartPlex database
(store/loaders.py), live streams from Tautulli's activity.

Candidates are movies, whole series and each season of a series that has files.
Seeding is what the *arr exposes of it: a torrent its download client finished but
still holds (queue status completed). Once Sonarr/Radarr stop listing a download,
a torrent that still seeds is invisible to them, and so to SmartPlex.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
import sqlite3
from typing import Any, NamedTuple

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import RadarrClient
from custom_components.smartplex.api.arr_models import QueueItem
from custom_components.smartplex.api.base import gc_paused
from custom_components.smartplex.api.radarr import RadarrQueueItem
from custom_components.smartplex.api.sonarr import SonarrQueueItem
from custom_components.smartplex.arr_coordinator import disk_of
from custom_components.smartplex.const import SERVICE_TAUTULLI
from custom_components.smartplex.engine.cleanup import CleanupCandidate, CleanupPolicy
from custom_components.smartplex.engine.cleanup_usage import (
    FOLLOW_DAYS,
    LAST_YEAR_DAYS,
    LatestPlay,
    TitleUsage,
    UsageKey,
    usage_from_tallies,
)
from custom_components.smartplex.engine.models import (
    Identity,
    LibraryEntry,
    RequestRecord,
)
from custom_components.smartplex.library import (
    LibraryItem,
    SeasonFiles,
    normalize_title,
)
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_from_store, async_get_store
from custom_components.smartplex.store.loaders import async_load_requests
from custom_components.smartplex.store.usage import load_tallies
from custom_components.smartplex.tautulli_coordinator import TautulliCoordinators

from .common import (
    ARR_TYPES,
    arr_client,
    invalid,
    library_index,
    resolve_services,
    upstream,
)

# Queue states: a download still coming in, or one finished and seeding.
DOWNLOADING = "downloading"
SEEDING = "seeding"
# A queue record without a season number holds every season of its series.
EVERY_SEASON = -1


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a plan is made from, and what an execution checks again."""

    candidates: dict[str, CleanupCandidate]
    usage: dict[UsageKey, TitleUsage]
    library_sizes: dict[tuple[str, str], int]
    # Per root folder: (instance title, total bytes, free bytes).
    disks: dict[str, tuple[str, int, int]]
    services: dict[str, SmartPlexService]


def _sessions(entry: SmartPlexConfigEntry) -> list[tuple[str, int | None, str]]:
    """Return who streams what now (Tautulli's activity): normalized title, year, person."""
    sessions: list[tuple[str, int | None, str]] = []
    for service in entry.runtime_data.services.values():
        coordinators = getattr(service, "coordinators", None)
        if service.service_type != SERVICE_TAUTULLI or not isinstance(
            coordinators, TautulliCoordinators
        ):
            continue
        activity = coordinators.activity.data
        sessions.extend(
            (
                normalize_title(session.grandparent_title or session.title),
                session.year,
                str(session.user_id) if session.user_id else session.user,
            )
            for session in (activity.sessions if activity else ())
        )
    return sessions


def _streaming(
    sessions: list[tuple[str, int | None, str]],
    titles: dict[tuple[str, int | None], Identity],
) -> dict[Identity, set[str]]:
    """Return who streams each title now, matched by title (and year where it tells)."""
    streaming: dict[Identity, set[str]] = {}
    for name, year, person in sessions:
        identity = titles.get((name, year)) or titles.get((name, None))
        if identity is not None:
            streaming.setdefault(identity, set()).add(person)
    return streaming


def queue_holds(
    records: Iterable[QueueItem],
) -> dict[tuple[int, int | None], set[str]]:
    """Return what the queue holds per (title id, season): downloading and/or seeding.

    A record marks its title (season None) and its season; a Sonarr record without a
    season number marks EVERY_SEASON.
    """
    holds: dict[tuple[int, int | None], set[str]] = {}
    for record in records:
        season: int | None = None
        if isinstance(record, SonarrQueueItem):
            item_id = record.series_id
            season = (
                EVERY_SEASON if record.season_number is None else record.season_number
            )
        elif isinstance(record, RadarrQueueItem):
            item_id = record.movie_id
        else:
            continue
        if not item_id:
            continue
        state = (
            SEEDING
            if record.status == "completed" and record.protocol == "torrent"
            else DOWNLOADING
        )
        holds.setdefault((item_id, None), set()).add(state)
        if season is not None:
            holds.setdefault((item_id, season), set()).add(state)
    return holds


def _held(
    holds: dict[tuple[int, int | None], set[str]], item_id: int, season: int | None
) -> set[str]:
    """Return what the queue holds of a title or one of its seasons."""
    if season is None:
        return holds.get((item_id, None), set())
    return holds.get((item_id, season), set()) | holds.get(
        (item_id, EVERY_SEASON), set()
    )


def _candidates(
    entry: LibraryEntry,
    item: LibraryItem,
    holds: dict[tuple[int, int | None], set[str]],
    downloading: bool,
) -> list[CleanupCandidate]:
    """Return a title's candidates: the movie or series, and each season with files."""
    airing = item.media_type == "tv" and item.ended is False
    current = max((season.number for season in item.seasons), default=None)
    parts: list[tuple[int | None, int]] = [(None, item.size_on_disk)]
    parts.extend(
        (season.number, season.size_on_disk)
        for season in item.seasons
        if _removable_season(season, item)
    )
    candidates = []
    for season, size in parts:
        held = _held(holds, item.id, season)
        candidates.append(
            CleanupCandidate(
                entry=entry,
                item_id=item.id,
                season=season,
                size=size,
                downloading=DOWNLOADING in held or (season is None and downloading),
                seeding=SEEDING in held,
                airing=airing and season in (None, current),
                share=1.0 if season is None else 1 / len(item.seasons),
            )
        )
    return candidates


def _removable_season(season: SeasonFiles, item: LibraryItem) -> bool:
    """Return whether a season is a plan item of its own (a series of one season is not)."""
    return season.size_on_disk > 0 and len(item.seasons) > 1


def _entry(
    service: SmartPlexService, item: LibraryItem, tags: dict[int, str]
) -> LibraryEntry:
    """Return the engine's view of a library title."""
    return LibraryEntry(
        identity=Identity(item.media_type, item.tmdb_id or 0),  # type: ignore[arg-type]
        instance=service.subentry_id,
        title=item.title,
        year=item.year,
        size_bytes=item.size_on_disk,
        monitored=item.monitored,
        has_file=item.has_file,
        cutoff_met=item.cutoff_met,
        tags=tuple(tags.get(tag, "") for tag in item.tags),
        root_folder=item.root_folder,
        added=item.added,
        tvdb_id=item.tvdb_id,
        imdb_id=item.imdb_id,
        genres=item.genres,
    )


async def async_snapshot(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, instance: str | None
) -> Snapshot:
    """Gather everything a plan or its execution decides on."""
    services = resolve_services(entry, ARR_TYPES, instance)
    indexes = []
    for service in services:
        if (index := library_index(service)) is None:
            raise invalid("library_not_loaded", instance=service.title)
        indexes.append((service, index))

    async def fetch(service: SmartPlexService) -> tuple[Any, Any, Any, Any]:
        client = arr_client(service)
        with upstream(service):
            return await asyncio.gather(
                client.tags(),
                client.root_folders(),
                client.disk_space(),
                client.queue_all(include_media=False),
            )

    fetched = await asyncio.gather(*(fetch(service) for service, _ in indexes))
    now = dt_util.utcnow()
    policy = CleanupPolicy()
    recent_since = now - timedelta(days=max(policy.in_progress_days, FOLLOW_DAYS))
    tallies, latest = await async_store_job(
        hass,
        partial(
            load_tallies,
            recent_since=recent_since,
            year_ago=now - timedelta(days=LAST_YEAR_DAYS),
        ),
    )
    requests = await async_from_store(async_load_requests(hass))
    library_sizes: dict[tuple[str, str], int] = {}
    disks: dict[str, tuple[str, int, int]] = {}
    listings: list[Listing] = []
    for (service, index), (tags, folders, mounts, queue) in zip(
        indexes, fetched, strict=True
    ):
        media_type = "movie" if isinstance(arr_client(service), RadarrClient) else "tv"
        library_sizes[(service.subentry_id, media_type)] = len(index)
        for folder in folders:
            if (mount := disk_of(folder.path, mounts)) is not None:
                disks[folder.path] = (
                    service.title,
                    mount.total_space,
                    mount.free_space,
                )
        # Copied here: the index and the queue change on the event loop.
        listings.append(
            Listing(
                service,
                list(index),
                index.downloading_ids(),
                {tag.id: tag.label for tag in tags},
                queue_holds(queue),
            )
        )
    # Tens of thousands of candidates and usages: off the event loop.
    candidates, usage = await hass.async_add_executor_job(
        partial(
            _candidates_and_usage,
            listings,
            tallies=tallies,
            latest=latest,
            requests=requests,
            sessions=_sessions(entry),
            now=now,
            in_progress_days=policy.in_progress_days,
        )
    )
    return Snapshot(
        candidates, usage, library_sizes, disks, {s.subentry_id: s for s in services}
    )


class Listing(NamedTuple):
    """What a snapshot reads of one Sonarr/Radarr, copied on the event loop."""

    service: SmartPlexService
    items: list[LibraryItem]
    downloading: set[int]
    labels: dict[int, str]
    holds: dict[tuple[int, int | None], set[str]]


def _candidates_and_usage(
    listings: list[Listing],
    *,
    tallies: dict[UsageKey, TitleUsage],
    latest: list[LatestPlay],
    requests: list[RequestRecord],
    sessions: list[tuple[str, int | None, str]],
    now: datetime,
    in_progress_days: int,
) -> tuple[dict[str, CleanupCandidate], dict[UsageKey, TitleUsage]]:
    """Return the candidates and every title's usage (in the executor, collector held back)."""
    candidates: dict[str, CleanupCandidate] = {}
    titles: dict[tuple[str, int | None], Identity] = {}
    with gc_paused():
        for service, items, downloading, labels, holds in listings:
            for item in items:
                if not item.tmdb_id:
                    continue
                library_entry = _entry(service, item, labels)
                for candidate in _candidates(
                    library_entry, item, holds, item.id in downloading
                ):
                    candidates[candidate.key] = candidate
                name = normalize_title(item.title)
                titles[(name, item.year)] = library_entry.identity
                titles.setdefault((name, None), library_entry.identity)
        usage = usage_from_tallies(
            tallies,
            latest,
            requests,
            _streaming(sessions, titles),
            now,
            in_progress_days,
        )
    return candidates, usage


async def async_store_job[ResultT](
    hass: HomeAssistant, job: Callable[[sqlite3.Connection], ResultT]
) -> ResultT:
    """Run a job on the SmartPlex database in the executor (translated error if it fails)."""
    return await async_from_store(
        hass.async_add_executor_job(async_get_store(hass).run, job)
    )
