"""suggest_upgrades: better copies for what is watched, smaller ones for what is not.

Read only. Movies below their profile's cutoff come from the library index; series
count as below cutoff when Sonarr's cutoff-unmet list (its first CUTOFF_PAGE_SIZE
episodes) has an episode of them. Demand is the last year's plays from the
SmartPlex database (engine/upgrades.py).

After execute_cleanup freed space, the hub's upgrades_after_cleanup (0, off, by
default) most watched of those upgrades that fit the free space are searched
(SeriesSearch / MoviesSearch), each audited with smartplex_search_triggered and
counted in the hourly searches cap.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import SonarrClient
from custom_components.smartplex.care_settings import (
    MAX_UPGRADES_AFTER_CLEANUP,
    care_settings,
)
from custom_components.smartplex.engine.cleanup import GB
from custom_components.smartplex.engine.upgrades import (
    DEMAND_WINDOW_DAYS,
    Suggestion,
    UpgradeReport,
    suggest_upgrades,
)
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_from_store
from custom_components.smartplex.store.loaders import async_load_plays

from .care_searches import Search, async_search, async_searches_left
from .care_snapshot import Snapshot, async_snapshot
from .common import Caller, arr_client, label, upstream

CUTOFF_PAGE_SIZE = 1000


async def _series_below_cutoff(
    services: list[SmartPlexService],
) -> set[tuple[str, int]]:
    """Return (instance, series id) of series with an episode below its cutoff."""

    async def fetch(service: SmartPlexService) -> set[tuple[str, int]]:
        client = arr_client(service)
        if not isinstance(client, SonarrClient):
            return set()
        with upstream(service):
            page = await client.cutoff_unmet(page_size=CUTOFF_PAGE_SIZE)
        return {(service.subentry_id, episode.series_id) for episode in page.records}

    found: set[tuple[str, int]] = set()
    for part in await asyncio.gather(*(fetch(service) for service in services)):
        found |= part
    return found


def _row(snapshot: Snapshot, suggestion: Suggestion) -> dict[str, Any]:
    """Return one suggestion as the response shows it."""
    entry = suggestion.entry
    return {
        "instance": snapshot.services[entry.instance].title,
        "media_type": entry.identity.media_type,
        "tmdb_id": entry.identity.tmdb_id,
        "title": label(entry.title, entry.year),
        "size_gb": round(entry.size_bytes / GB, 1),
        "size_change_gb": round(suggestion.size_change / GB, 1),
        "fits": suggestion.fits,
        "root_folder": entry.root_folder,
        "demand": suggestion.demand.as_dict(),
        "reason": suggestion.reason,
    }


async def _upgrade_report(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, limit: int, instance: str | None
) -> tuple[Snapshot, UpgradeReport]:
    """Return a fresh snapshot and its upgrade and downgrade suggestions."""
    snapshot = await async_snapshot(hass, entry, instance)
    below = await _series_below_cutoff(list(snapshot.services.values()))
    now = dt_util.utcnow()
    plays = await async_from_store(
        async_load_plays(hass, since=now - timedelta(days=DEMAND_WINDOW_DAYS))
    )
    entries = [
        replace(candidate.entry, cutoff_met=False)
        if (candidate.entry.instance, candidate.item_id) in below
        else candidate.entry
        for candidate in snapshot.candidates.values()
        if candidate.season is None  # a series is suggested once, not per season
    ]
    report = suggest_upgrades(
        entries,
        plays,
        {root: free for root, (_, _, free) in snapshot.disks.items()},
        now,
        limit,
    )
    return snapshot, report


async def async_suggest_upgrades(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    limit: int = 20,
    instance: str | None = None,
) -> dict[str, Any]:
    """Rank titles below their cutoff by how much they are watched, and large unwatched ones."""
    snapshot, report = await _upgrade_report(hass, entry, limit, instance)
    return {
        "upgrades": [_row(snapshot, suggestion) for suggestion in report.upgrades],
        "downgrades": [_row(snapshot, suggestion) for suggestion in report.downgrades],
        "free_gb": {
            root: round(free / GB, 1) for root, (_, _, free) in snapshot.disks.items()
        },
    }


async def async_search_upgrades(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, caller: Caller
) -> list[dict[str, Any]]:
    """Search the most watched titles below their cutoff that fit, as the hub's options allow."""
    settings = care_settings(entry.options)
    if not settings.upgrades_after_cleanup:
        return []
    allowed = await async_searches_left(
        hass, settings.searches_per_hour, dt_util.utcnow()
    )
    snapshot, report = await _upgrade_report(
        hass, entry, MAX_UPGRADES_AFTER_CLEANUP, None
    )
    picks = [suggestion for suggestion in report.upgrades if suggestion.fits][
        : min(settings.upgrades_after_cleanup, allowed)
    ]
    rows = []
    for suggestion in picks:
        found = _upgrade_search(snapshot, suggestion)
        await async_search(hass, caller, found)
        rows.append(found[1])
    return rows


def _upgrade_search(snapshot: Snapshot, suggestion: Suggestion) -> Search:
    """Return the search of a whole title for a better copy."""
    key = f"{suggestion.entry.instance}/{suggestion.entry.identity}"
    item_id = snapshot.candidates[key].item_id
    service = snapshot.services[suggestion.entry.instance]
    client = arr_client(service)
    row = {
        "key": key,
        "instance": service.title,
        "media_type": suggestion.entry.identity.media_type,
        "tmdb_id": suggestion.entry.identity.tmdb_id,
        "title": label(suggestion.entry.title, suggestion.entry.year),
        "kind": "upgrade",
        "reasons": [suggestion.reason],
    }
    if isinstance(client, SonarrClient):
        return service, row, partial(client.search_series, item_id)
    return service, row, partial(client.search_movies, [item_id])
