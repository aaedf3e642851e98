"""Download queues, calendars and disk space of Sonarr and Radarr."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import (
    Episode,
    Movie,
    RadarrQueueItem,
    SonarrQueueItem,
)
from custom_components.smartplex.calendar import movie_releases
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService

from .common import (
    ARR_TYPES,
    GIGABYTE,
    Caller,
    arr_client,
    audited_write,
    invalid,
    iso,
    label,
    resolve_services,
    target_lock,
    upstream,
)

EVENT_QUEUE_ITEM_REMOVED = f"{DOMAIN}_queue_item_removed"


def _episode_code(episode: Episode) -> str:
    """Return 'S01E02'."""
    return f"S{episode.season_number:02d}E{episode.episode_number:02d}"


def _download_dict(
    service: SmartPlexService, records: Sequence[RadarrQueueItem | SonarrQueueItem]
) -> dict[str, Any]:
    """Return one download as response data, with the episodes or movies of its records."""
    first = records[0]
    download: dict[str, Any] = {
        "instance": service.title,
        # Any of queue_ids names the download in remove_queue_item.
        "queue_id": min(record.id for record in records),
        "queue_ids": sorted(record.id for record in records),
        "title": first.title,
        "release": first.title,
    }
    if isinstance(first, SonarrQueueItem):
        episodes = sorted(
            (
                record.episode
                for record in records
                if isinstance(record, SonarrQueueItem) and record.episode
            ),
            key=lambda episode: (episode.season_number, episode.episode_number),
        )
        download["episodes"] = [_episode_code(episode) for episode in episodes]
        download["media_type"] = "tv"
        download["tmdb_id"] = first.series.tmdb_id if first.series else None
        if first.series is not None:
            download["title"] = _episodes_title(first.series.title, episodes)
    else:
        movies = [
            label(record.movie.title, record.movie.year)
            for record in records
            if isinstance(record, RadarrQueueItem) and record.movie
        ]
        download["movies"] = movies
        download["media_type"] = "movie"
        download["tmdb_id"] = first.movie.tmdb_id if first.movie else None
        if movies:
            download["title"] = ", ".join(movies)
    # Every record of a download repeats the whole download's size and progress.
    return download | {
        "status": first.status,
        "tracked_state": first.tracked_download_state,
        "progress": first.progress,
        "size_bytes": int(first.size),
        "size_left_bytes": int(first.size_left),
        "time_left": first.time_left,
        "estimated_completion": iso(first.estimated_completion_time),
        "quality": first.quality,
        "error": first.error_message,
    }


def _episodes_title(series: str, episodes: Sequence[Episode]) -> str:
    """Return 'Show S01E02' for one episode, 'Show S01 (8 episodes)' for a pack."""
    if len(episodes) == 1:
        return f"{series} {_episode_code(episodes[0])}"
    if not episodes:
        return series
    first = min(episode.season_number for episode in episodes)
    last = max(episode.season_number for episode in episodes)
    span = f"S{first:02d}" if first == last else f"S{first:02d}-S{last:02d}"
    return f"{series} {span} ({len(episodes)} episodes)"


def _downloads(
    service: SmartPlexService, records: Sequence[RadarrQueueItem | SonarrQueueItem]
) -> list[dict[str, Any]]:
    """Group queue records by download: a season pack is one download, not one per episode."""
    groups: dict[str | int, list[RadarrQueueItem | SonarrQueueItem]] = {}
    for record in records:
        # Records still waiting for a download client have no download id yet.
        groups.setdefault(record.download_id or record.id, []).append(record)
    return [_download_dict(service, group) for group in groups.values()]


async def _service_downloads(service: SmartPlexService) -> list[dict[str, Any]]:
    """Fetch the downloads of one Sonarr or Radarr."""
    client = arr_client(service)
    with upstream(service):
        records: Sequence[RadarrQueueItem | SonarrQueueItem] = await client.queue_all()
    return _downloads(service, records)


async def _queues(
    entry: SmartPlexConfigEntry, instance: str | None
) -> list[tuple[SmartPlexService, list[dict[str, Any]]]]:
    """Fetch the downloads of the named or every Sonarr and Radarr."""
    services = resolve_services(entry, ARR_TYPES, instance)
    queues = await asyncio.gather(*map(_service_downloads, services))
    return list(zip(services, queues, strict=True))


async def async_get_queue(
    entry: SmartPlexConfigEntry, *, instance: str | None = None
) -> dict[str, Any]:
    """List what Sonarr and Radarr are downloading, one entry per download."""
    items = [item for _, queue in await _queues(entry, instance) for item in queue]
    return {"items": items, "total": len(items)}


async def async_remove_queue_item(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    queue_id: int,
    instance: str | None = None,
    blocklist: bool = False,
    remove_from_client: bool = True,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Remove a download from a queue; with dry_run only say what would happen.

    queue_id names a download: for a season pack any of its records' ids names the
    whole pack, and all its records are removed together (one bulk removal).
    """
    found = [
        (service, item)
        for service, queue in await _queues(entry, instance)
        for item in queue
        if queue_id in item["queue_ids"]
    ]
    if not found:
        raise invalid("queue_item_not_found", queue_id=queue_id)
    if len(found) > 1:
        raise invalid(
            "ambiguous_queue_item",
            queue_id=queue_id,
            candidates=", ".join(service.title for service, _ in found),
        )
    service, item = found[0]
    options = [
        text
        for text, wanted in (
            ("delete it from the download client", remove_from_client),
            ("blocklist the release", blocklist),
        )
        if wanted
    ]
    summary = f"remove {item['title']} from the {service.title} queue" + (
        f" and {' and '.join(options)}" if options else ""
    )
    if dry_run:
        return {"planned": True, "summary": summary, "item": item}
    async with target_lock(hass, service.subentry_id, "download", item["queue_id"]):
        # Checked inside the lock: a concurrent removal (or the download finishing) wins.
        current = [
            download
            for download in await _service_downloads(service)
            if queue_id in download["queue_ids"]
        ]
        if not current:
            raise invalid(
                "queue_item_already_removed",
                title=item["title"],
                instance=service.title,
            )
        item = current[0]
        result = {
            "instance": service.title,
            "queue_id": queue_id,
            "queue_ids": item["queue_ids"],
            "title": item["title"],
            "release": item["release"],
            "blocklist": blocklist,
            "remove_from_client": remove_from_client,
        }

        async def remove() -> dict[str, Any]:
            await arr_client(service).remove_queue_items(
                item["queue_ids"],
                remove_from_client=remove_from_client,
                blocklist=blocklist,
            )
            return result

        return await audited_write(
            hass,
            caller,
            service,
            event=EVENT_QUEUE_ITEM_REMOVED,
            target=f"{service.title}: {item['release']}",
            intent=result,
            write=remove,
        )


# -- calendar, disk space, sync ------------------------------------------------------------


async def async_get_calendar(
    entry: SmartPlexConfigEntry,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    days: int = 7,
    instance: str | None = None,
) -> dict[str, Any]:
    """List episodes airing and movie releases (each kind that falls in it) in a window."""
    start = dt_util.as_utc(start or dt_util.start_of_local_day())
    end = dt_util.as_utc(end) if end else start + timedelta(days=days)
    if end <= start:
        raise invalid("invalid_window", start=start.isoformat(), end=end.isoformat())
    services = resolve_services(entry, ARR_TYPES, instance)

    async def fetch(
        service: SmartPlexService,
    ) -> list[tuple[datetime, dict[str, Any]]]:
        client = arr_client(service)
        with upstream(service):
            items: Sequence[Episode | Movie] = await client.calendar(start, end)
        found: list[tuple[datetime, dict[str, Any]]] = []
        for item in items:
            if isinstance(item, Movie):
                found.extend(
                    (
                        dt_util.start_of_local_day(release.day),
                        {
                            "instance": service.title,
                            "type": "movie",
                            "title": label(item.title, item.year),
                            "date": release.day.isoformat(),
                            "release": release.kind,
                            "has_file": item.has_file,
                        },
                    )
                    for release in movie_releases(item, start, end)
                )
            elif item.air_date_utc is not None and start <= item.air_date_utc < end:
                found.append(
                    (
                        item.air_date_utc,
                        {
                            "instance": service.title,
                            "type": "episode",
                            "title": item.series.title if item.series else item.title,
                            "episode": f"S{item.season_number:02d}E{item.episode_number:02d}",
                            "episode_title": item.title,
                            "date": item.air_date_utc.isoformat(),
                            "has_file": item.has_file,
                        },
                    )
                )
        return found

    dated = [
        item
        for found in await asyncio.gather(*(fetch(service) for service in services))
        for item in found
    ]
    items = [item for _, item in sorted(dated, key=lambda dated_item: dated_item[0])]
    return {"start": start.isoformat(), "end": end.isoformat(), "items": items}


async def async_disk_space(
    entry: SmartPlexConfigEntry, *, instance: str | None = None
) -> dict[str, Any]:
    """Return the free space of every Sonarr and Radarr root folder."""
    services = resolve_services(entry, ARR_TYPES, instance)

    async def fetch(service: SmartPlexService) -> list[dict[str, Any]]:
        client = arr_client(service)
        with upstream(service):
            folders = await client.root_folders()
        return [
            {
                "instance": service.title,
                "path": folder.path,
                "accessible": folder.accessible,
                "free_bytes": folder.free_space,
                "free_gb": round(folder.free_space / GIGABYTE, 1)
                if folder.free_space is not None
                else None,
            }
            for folder in folders
        ]

    folders = [
        folder
        for found in await asyncio.gather(*(fetch(service) for service in services))
        for folder in found
    ]
    return {"folders": folders}
