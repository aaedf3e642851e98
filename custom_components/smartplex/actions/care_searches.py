"""prioritize_searches: missing and below-cutoff items, most awaited first, searched within a cap.

The wanted lists come from each Sonarr/Radarr (their first WANTED_PAGE_SIZE items of
each list), demand from the last 30 days of plays and the live requests in the
SmartPlex database (engine/priorities.py). With search, the first items are
searched one by one (EpisodeSearch or MoviesSearch), each an audited write with
a smartplex_search_triggered event. The cap (20 an hour by default) counts those
audit rows, so it holds across restarts and across callers.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import SonarrClient
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.engine.priorities import (
    ACTIVE_DAYS,
    SEARCHES_PER_HOUR,
    Prioritized,
    WantedItem,
    prioritize,
)
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_from_store
from custom_components.smartplex.store.audit import count_all_since
from custom_components.smartplex.store.loaders import (
    async_load_plays,
    async_load_requests,
)

from .care_snapshot import async_store_job
from .common import (
    ARR_TYPES,
    Caller,
    arr_client,
    audited_write,
    label,
    library_index,
    resolve_services,
    upstream,
)

EVENT_SEARCH_TRIGGERED = f"{DOMAIN}_search_triggered"
WANTED_PAGE_SIZE = 250


async def _wanted(service: SmartPlexService) -> list[WantedItem]:
    """Return a Sonarr's or Radarr's missing and below-cutoff items with their identity."""
    client = arr_client(service)
    index = library_index(service)
    items: list[WantedItem] = []
    with upstream(service):
        if isinstance(client, SonarrClient):
            episodes = await asyncio.gather(
                client.wanted_missing(page_size=WANTED_PAGE_SIZE),
                client.cutoff_unmet(page_size=WANTED_PAGE_SIZE),
            )
            movies = None
        else:
            movies = await asyncio.gather(
                client.wanted_missing(page_size=WANTED_PAGE_SIZE),
                client.cutoff_unmet(page_size=WANTED_PAGE_SIZE),
            )
    for kind, number in (("missing", 0), ("cutoff_unmet", 1)):
        if movies is not None:
            items.extend(
                WantedItem(
                    instance=service.subentry_id,
                    identity=Identity("movie", movie.tmdb_id),
                    item_id=movie.id,
                    title=label(movie.title, movie.year),
                    kind=kind,
                )
                for movie in movies[number].records
                if movie.tmdb_id
            )
            continue
        for episode in episodes[number].records:
            series = index.get(episode.series_id) if index else None
            if series is None or not series.tmdb_id:
                continue
            items.append(
                WantedItem(
                    instance=service.subentry_id,
                    identity=Identity("tv", series.tmdb_id),
                    item_id=episode.id,
                    title=f"{series.title} S{episode.season_number:02d}"
                    f"E{episode.episode_number:02d}",
                    kind=kind,
                    season=episode.season_number,
                    episode=episode.episode_number,
                    aired=episode.air_date_utc,
                )
            )
    return items


def _row(ranked: Prioritized, services: dict[str, SmartPlexService]) -> dict[str, Any]:
    """Return one prioritised item as the response shows it."""
    item = ranked.item
    return {
        "key": item.key,
        "instance": services[item.instance].title,
        "media_type": item.identity.media_type,
        "tmdb_id": item.identity.tmdb_id,
        "title": item.title,
        "kind": item.kind,
        "score": round(ranked.score.total, 2),
        "reasons": list(ranked.reasons),
    }


async def async_prioritize_searches(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    limit: int = 20,
    search: bool = False,
    per_hour: int = SEARCHES_PER_HOUR,
    instance: str | None = None,
) -> dict[str, Any]:
    """List wanted items by demand; with search, search the first ones within the hourly cap."""
    services = resolve_services(entry, ARR_TYPES, instance)
    now = dt_util.utcnow()
    wanted = [
        item
        for part in await asyncio.gather(*(_wanted(service) for service in services))
        for item in part
    ]
    plays = await async_from_store(
        async_load_plays(hass, since=now - timedelta(days=ACTIVE_DAYS))
    )
    requests = await async_from_store(async_load_requests(hass))
    ranked = prioritize(wanted, plays, requests, now)[:limit]
    by_id = {service.subentry_id: service for service in services}
    rows = [_row(item, by_id) for item in ranked]
    searched_last_hour = await async_store_job(
        hass,
        partial(
            count_all_since,
            action=EVENT_SEARCH_TRIGGERED.removeprefix(f"{DOMAIN}_"),
            since=now - timedelta(hours=1),
        ),
    )
    allowed = max(per_hour - searched_last_hour, 0)
    searched: list[str] = []
    if search:
        for item, row in zip(ranked[:allowed], rows, strict=False):
            await _search(hass, caller, by_id[item.item.instance], item, row)
            searched.append(row["key"])
    return {
        "items": rows,
        "searched": searched,
        "dry_run": not search,
        "searches_left_this_hour": allowed - len(searched),
        "per_hour": per_hour,
    }


async def _search(
    hass: HomeAssistant,
    caller: Caller,
    service: SmartPlexService,
    ranked: Prioritized,
    row: dict[str, Any],
) -> None:
    """Search one item in its Sonarr or Radarr (audited, announced)."""
    client = arr_client(service)
    data = {**row, "reasons": row["reasons"][:3]}

    async def write() -> dict[str, Any]:
        if isinstance(client, SonarrClient):
            await client.search_episodes([ranked.item.item_id])
        else:
            await client.search_movies([ranked.item.item_id])
        return data

    await audited_write(
        hass,
        caller,
        service,
        event=EVENT_SEARCH_TRIGGERED,
        target=f"{service.title}: {row['title']}",
        intent=data,
        write=write,
    )
