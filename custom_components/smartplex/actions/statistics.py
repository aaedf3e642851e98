"""Watch, stream-quality, geography and request statistics from the SmartPlex database."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from functools import partial
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.api import SmartPlexError, TautulliClient
from custom_components.smartplex.const import DOMAIN, SERVICE_TAUTULLI
from custom_components.smartplex.engine.play_columns import (
    GROUPINGS,
    PlayColumns,
    make_buckets,
)
from custom_components.smartplex.engine.request_statistics import RequestFacts
from custom_components.smartplex.engine.statistics import report
from custom_components.smartplex.models import SmartPlexConfigEntry
from custom_components.smartplex.store import StoreError, async_get_store
from custom_components.smartplex.store.statistics import PlaysCache, save_locations

from .common import Caller, invalid

_LOGGER = logging.getLogger(__name__)

DATA_PLAYS: HassKey[PlaysCache] = HassKey(f"{DOMAIN}_plays")
# Days each period covers, ending today (today: 1).
PERIODS = {"today": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
PERIOD_CHOICES = ("today", "yesterday", *list(PERIODS)[1:])
# Ten years: a longer window is a typo, not a question.
MAX_DAYS = 3660
# New WAN addresses looked up per call (each one once, then cached), and at once.
LOCATE_PER_CALL = 50
LOCATE_AT_ONCE = 4


def plays_cache(hass: HomeAssistant) -> PlaysCache:
    """Return the plays cache of this Home Assistant."""
    if (cache := hass.data.get(DATA_PLAYS)) is None:
        cache = hass.data[DATA_PLAYS] = PlaysCache()
    return cache


def period_days(
    period: str, start: datetime | None, end: datetime | None, today: date
) -> tuple[date, date]:
    """Return the first and last local day asked for; refuse reversed or huge windows."""
    if start is not None or end is not None:
        first = dt_util.as_local(start).date() if start else today - timedelta(days=29)
        last = dt_util.as_local(end).date() if end else today
    elif period == "yesterday":
        first = last = today - timedelta(days=1)
    else:
        first, last = today - timedelta(days=PERIODS[period] - 1), today
    if last < first:
        raise invalid("invalid_window", start=first.isoformat(), end=last.isoformat())
    if (last - first).days >= MAX_DAYS:
        raise invalid("statistics_period_too_long", days=MAX_DAYS)
    return first, last


async def async_locate_addresses(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, cache: PlaysCache
) -> None:
    """Look up where new WAN addresses are through Tautulli (each address once).

    The plays are only searched for addresses when some were synced since the last
    complete lookup; a lookup that failed is tried again at the next call.
    """
    clients = [
        service.client
        for service in entry.runtime_data.services.values()
        if service.service_type == SERVICE_TAUTULLI
        and isinstance(service.client, TautulliClient)
    ]
    if not clients:
        return
    store = async_get_store(hass)
    count, addresses = await hass.async_add_executor_job(
        store.run, partial(cache.unlocated, limit=LOCATE_PER_CALL)
    )
    if not addresses:
        cache.located(count)
        return
    gate = asyncio.Semaphore(LOCATE_AT_ONCE)
    client = clients[0]
    found: dict[str, tuple[str, str]] = {}

    async def locate(address: str) -> None:
        async with gate:
            try:
                where = await client.geoip_lookup(address)
            except SmartPlexError as err:
                # Down or refusing: ask again next time; the play counts as not located.
                _LOGGER.debug("No location for an address: %s", err)
                return
        found[address] = (where.country or "unknown", where.city or "unknown")

    await asyncio.gather(*(locate(address) for address in addresses))
    if found:
        await hass.async_add_executor_job(
            store.run, partial(save_locations, locations=found)
        )
    if len(found) == len(addresses) < LOCATE_PER_CALL:
        cache.located(count)


async def async_get_statistics(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    period: str = "month",
    start: datetime | None = None,
    end: datetime | None = None,
    user: str | None = None,
    group_by: str = "day",
    limit: int = 10,
) -> dict[str, Any]:
    """Return the statistics of a period for the household or one user."""
    first, last = period_days(period, start, end, dt_util.now().date())
    store = async_get_store(hass)
    cache = plays_cache(hass)
    try:
        await async_locate_addresses(hass, entry, cache)
        columns, requests = await hass.async_add_executor_job(
            store.run,
            lambda connection: (cache.refresh(connection), cache.requests(connection)),
        )
    except StoreError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="statistics_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    name = _resolve_user(user, columns, requests) if user is not None else None
    buckets = make_buckets(first, last, group_by, dt_util.get_default_time_zone())
    result = await hass.async_add_executor_job(
        partial(report, columns, requests, buckets, user=name, limit=limit)
    )
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "user": name,
        "group_by": group_by,
        **result,
    }


def _resolve_user(user: str, columns: PlayColumns, requests: list[RequestFacts]) -> str:
    """Return the name a user is known by in the plays or requests (case ignored)."""
    names = sorted({*columns.users, *(request.user for request in requests)})
    wanted = user.strip().casefold()
    for name in names:
        if name.casefold() == wanted:
            return name
    raise invalid(
        "statistics_user_not_found", user=user, candidates=", ".join(names) or "-"
    )


__all__ = ["GROUPINGS", "PERIOD_CHOICES", "async_get_statistics"]
