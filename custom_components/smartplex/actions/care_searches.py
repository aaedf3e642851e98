"""prioritize_searches: missing and below-cutoff items, most awaited first, searched within a cap.

The wanted lists come from each Sonarr/Radarr (their first WANTED_PAGE_SIZE items of
each list), demand from the last 30 days of plays and the live requests in the
SmartPlex database (engine/priorities.py). Next seasons are prefetched: someone
within 2 episodes of a season's end gets the next season searched (SeasonSearch)
when Sonarr still misses episodes of it; only the PREFETCH_SERIES_MAX series played
most recently are read for that (one request each). With search, the prefetches,
then the first items, are searched one by one, each an audited write with a
smartplex_search_triggered event. The cap (the hub's searches per hour, 20 by
default) counts those audit rows, so it holds across restarts and across callers.

The Search autopilot switch of a Sonarr/Radarr runs this every hour for its
instance, searching only what someone waits for and nothing it searched in the
last day; in the hub's dry-run mode it fires smartplex_search_dry_run per item
instead and searches nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import SonarrClient
from custom_components.smartplex.api.sonarr import Series
from custom_components.smartplex.care_settings import care_settings
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.models import Identity, Play
from custom_components.smartplex.engine.priorities import (
    ACTIVE_DAYS,
    Prioritized,
    WantedItem,
    prefetch,
    prioritize,
)
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_from_store
from custom_components.smartplex.store.audit import count_all_since, done_since
from custom_components.smartplex.store.loaders import (
    async_load_plays,
    async_load_requests,
)
from custom_components.smartplex.sync_base import async_each_bounded

from .autoadd import SOURCE_AUTOPILOT
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
EVENT_SEARCH_DRY_RUN = f"{DOMAIN}_search_dry_run"
SEARCH_ACTION = EVENT_SEARCH_TRIGGERED.removeprefix(f"{DOMAIN}_")
WANTED_PAGE_SIZE = 250
PREFETCH_SERIES_MAX = 20
PREFETCH_READS_AT_ONCE = 4
# The Search autopilot searches an item again only this long after it last did.
RESEARCH_AFTER = timedelta(days=1)
NOBODY_WAITING = ("nobody waiting",)

type Search = tuple[SmartPlexService, dict[str, Any], Callable[[], Awaitable[Any]]]


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


async def _prefetches(
    service: SmartPlexService, plays: list[Play], now: datetime
) -> list[Search]:
    """Return the next seasons of a Sonarr to search for people near a season's end."""
    client = arr_client(service)
    index = library_index(service)
    if not isinstance(client, SonarrClient) or index is None:
        return []
    latest: dict[int, datetime] = {}
    for play in plays:
        if (
            play.identity is not None
            and play.identity.media_type == "tv"
            and play.episode is not None
            and (item := index.by_tmdb(play.identity.tmdb_id)) is not None
        ):
            latest[item.id] = max(latest.get(item.id, play.started), play.started)
    watched = sorted(
        latest, key=lambda item_id: (-latest[item_id].timestamp(), item_id)
    )
    with upstream(service):
        found = await async_each_bounded(
            watched[:PREFETCH_SERIES_MAX], client.series_by_id, PREFETCH_READS_AT_ONCE
        )
    by_identity: dict[Identity, Series] = {
        Identity("tv", series.tmdb_id): series
        for series in found.values()
        if series.tmdb_id
    }
    # A season Sonarr would fetch nothing of (all aired monitored episodes on disk,
    # nothing aired yet, or unmonitored) counts as there.
    searches: list[Search] = []
    for wanted in prefetch(
        plays,
        {
            identity: {
                s.season_number: s.statistics.total_episode_count
                for s in series.seasons
            }
            for identity, series in by_identity.items()
        },
        {
            identity: [
                s.season_number
                for s in series.seasons
                if s.statistics.episode_file_count >= s.statistics.episode_count
            ]
            for identity, series in by_identity.items()
        },
        now,
    ):
        series = by_identity[wanted.identity]
        row = {
            "key": f"{service.subentry_id}/{wanted.identity}/season/{wanted.season}",
            "instance": service.title,
            "media_type": "tv",
            "tmdb_id": wanted.identity.tmdb_id,
            "title": f"{label(series.title, series.year)} season {wanted.season}",
            "kind": "prefetch",
            "users": list(wanted.users),
            "reasons": [wanted.reason],
        }
        searches.append(
            (service, row, partial(client.search_season, series.id, wanted.season))
        )
    return searches


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


def _item_search(service: SmartPlexService, item: WantedItem) -> partial[Any]:
    """Return the search command of one missing or below-cutoff movie or episode."""
    client = arr_client(service)
    if isinstance(client, SonarrClient):
        return partial(client.search_episodes, [item.item_id])
    return partial(client.search_movies, [item.item_id])


async def async_searches_left(hass: HomeAssistant, per_hour: int, now: datetime) -> int:
    """Return how many searches the hourly cap still allows (audit rows of any caller)."""
    done = await async_store_job(
        hass,
        partial(count_all_since, action=SEARCH_ACTION, since=now - timedelta(hours=1)),
    )
    return max(per_hour - done, 0)


async def async_search(hass: HomeAssistant, caller: Caller, search: Search) -> None:
    """Run one search in its Sonarr or Radarr (audited, announced)."""
    service, row, command = search
    data = {**row, "reasons": row["reasons"][:3]}

    async def write() -> dict[str, Any]:
        await command()
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


async def _ranked_searches(
    hass: HomeAssistant, services: list[SmartPlexService], now: datetime, limit: int
) -> tuple[list[Search], list[Search]]:
    """Return the prefetches and the first `limit` wanted items, most awaited first."""
    wanted = [
        item
        for part in await asyncio.gather(*(_wanted(service) for service in services))
        for item in part
    ]
    plays = await async_from_store(
        async_load_plays(hass, since=now - timedelta(days=ACTIVE_DAYS))
    )
    requests = await async_from_store(async_load_requests(hass))
    by_id = {service.subentry_id: service for service in services}
    items: list[Search] = [
        (
            by_id[ranked.item.instance],
            _row(ranked, by_id),
            _item_search(by_id[ranked.item.instance], ranked.item),
        )
        for ranked in prioritize(wanted, plays, requests, now)[:limit]
    ]
    prefetches = [
        search
        for part in await asyncio.gather(
            *(_prefetches(service, plays, now) for service in services)
        )
        for search in part
    ]
    return prefetches, items


async def async_prioritize_searches(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    limit: int = 20,
    search: bool = False,
    per_hour: int | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """List wanted items by demand; with search, search the first ones within the hourly cap."""
    services = resolve_services(entry, ARR_TYPES, instance)
    if per_hour is None:
        per_hour = care_settings(entry.options).searches_per_hour
    now = dt_util.utcnow()
    prefetches, items = await _ranked_searches(hass, services, now, limit)
    allowed = await async_searches_left(hass, per_hour, now)
    searched: list[str] = []
    if search:
        for found in [*prefetches, *items][:allowed]:
            await async_search(hass, caller, found)
            searched.append(found[1]["key"])
    return {
        "items": [row for _, row, _ in items],
        "prefetch": [row for _, row, _ in prefetches],
        "searched": searched,
        "dry_run": not search,
        "searches_left_this_hour": allowed - len(searched),
        "per_hour": per_hour,
    }


async def async_search_autopilot(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, service: SmartPlexService
) -> dict[str, Any]:
    """Search what people wait for in one Sonarr/Radarr, within the hub's hourly cap.

    Items nobody waits for are left to the *arr's own RSS sync, and an item this
    autopilot searched within RESEARCH_AFTER is not searched again. In dry-run mode
    each search it would make is announced instead.
    """
    settings = care_settings(entry.options)
    now = dt_util.utcnow()
    prefetches, items = await _ranked_searches(
        hass, [service], now, settings.searches_per_hour
    )
    recent = await async_store_job(
        hass,
        partial(
            done_since,
            action=SEARCH_ACTION,
            source=SOURCE_AUTOPILOT,
            since=now - RESEARCH_AFTER,
        ),
    )
    searched_lately = {record.details.get("key") for record in recent}
    allowed = await async_searches_left(hass, settings.searches_per_hour, now)
    chosen = [
        found
        for found in [*prefetches, *items]
        if tuple(found[1]["reasons"]) != NOBODY_WAITING
        and found[1]["key"] not in searched_lately
    ][:allowed]
    caller = Caller(source=SOURCE_AUTOPILOT)
    for found in chosen:
        if settings.search_dry_run:
            hass.bus.async_fire(
                EVENT_SEARCH_DRY_RUN,
                {
                    **found[1],
                    "reasons": found[1]["reasons"][:3],
                    "source": caller.source,
                },
            )
        else:
            await async_search(hass, caller, found)
    return {
        "searched": [] if settings.search_dry_run else [f[1]["key"] for f in chosen],
        "would_search": [f[1]["key"] for f in chosen]
        if settings.search_dry_run
        else [],
    }
