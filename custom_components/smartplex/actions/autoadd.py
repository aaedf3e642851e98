"""Auto-add: the household's best new recommendations added each day, capped, audited.

Each add goes through add_movie/add_series (the instance's defaults, searching), so it is
audited and announced like any add; on top, smartplex_recommendation_added carries the
reason and the title is remembered as added. A dry run says what would be added. When a
title SmartPlex auto-added or someone requested is imported, smartplex_ready_to_watch
tells so. An auto-add can be undone within UNDO_GRACE (undo_auto_add): the title is
deleted from its Sonarr/Radarr if nothing was downloaded yet (with its files only when
delete_files confirms it), audited, and dismissed so auto-add never picks it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
import sqlite3
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import SonarrClient
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.models import Identity, MediaType
from custom_components.smartplex.models import SmartPlexConfigEntry
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.audit import count_since, done_since
from custom_components.smartplex.store.decisions import (
    HOUSEHOLD,
    RecommendationState,
    set_state,
    titles_in_state,
)
from custom_components.smartplex.store.loaders import async_load_requests

from .common import (
    ARR_OF_MEDIA,
    Caller,
    arr_client,
    arr_coordinators,
    audited_write,
    invalid,
    label,
    library_index,
    resolve_service,
    upstream,
)
from .library import async_add_movie, async_add_series
from .recommend import CONF_RECOMMENDATIONS, async_rank, recommendation_row

EVENT_RECOMMENDATION_ADDED = f"{DOMAIN}_recommendation_added"
EVENT_READY_TO_WATCH = f"{DOMAIN}_ready_to_watch"
# A title announced ready is announced again only after this long without an import.
READY_AGAIN = timedelta(days=1)
EVENT_DOWNLOAD = f"{DOMAIN}_download"
SOURCE_AUTOPILOT = "autopilot"
CONF_DAILY_CAP = "auto_add_daily_cap"
CONF_MIN_SCORE = "auto_add_min_score"
DEFAULT_DAILY_CAP = 2
# About the score of a title most of whose seeds point at it (similar_to_watched near 1).
DEFAULT_MIN_SCORE = 0.8
ADD_ACTIONS = {"movie": "movie_added", "tv": "series_added"}
EVENT_AUTO_ADD_UNDONE = f"{DOMAIN}_auto_add_undone"
# Long enough to see the morning's add announced and change one's mind that evening.
UNDO_GRACE = timedelta(hours=24)
GB = 1024**3


def autopilot_limits(entry: SmartPlexConfigEntry) -> tuple[int, float]:
    """Return the daily cap and the minimum score set in the hub's options."""
    saved = entry.options.get(CONF_RECOMMENDATIONS, {})
    return (
        int(saved.get(CONF_DAILY_CAP, DEFAULT_DAILY_CAP)),
        float(saved.get(CONF_MIN_SCORE, DEFAULT_MIN_SCORE)),
    )


async def async_auto_add(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    media_type: MediaType,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Add today's best recommendations above the minimum score, up to the daily cap."""
    service = resolve_service(entry, ARR_OF_MEDIA[media_type], None)
    cap, min_score = autopilot_limits(entry)
    now = dt_util.utcnow()
    done = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(
            count_since,
            action=ADD_ACTIONS[media_type],
            source=SOURCE_AUTOPILOT,
            since=now - timedelta(days=1),
        ),
    )
    left = max(cap - done, 0)
    ranked = await async_rank(hass, entry, media_type=media_type, count=max(left, 1))
    picks = [d for d in ranked.decisions if d.score.total >= min_score][:left]
    add = async_add_movie if media_type == "movie" else async_add_series
    autopilot = Caller(source=SOURCE_AUTOPILOT, context=caller.context)
    rows = []
    for decision in picks:
        row = recommendation_row(decision, ranked.titles, owned=False)
        if not dry_run:
            try:
                added = await add(
                    hass, entry, autopilot, tmdb_id=decision.identity.tmdb_id
                )
            except HomeAssistantError as err:
                row["outcome"] = f"skipped: {err}"
                rows.append(row)
                continue
            row["outcome"] = "added"
            row["instance"] = added["instance"]
            await hass.async_add_executor_job(
                async_get_store(hass).run,
                partial(
                    set_state,
                    user=HOUSEHOLD,
                    identity=decision.identity,
                    state=RecommendationState.ADDED,
                    now=now,
                ),
            )
            hass.bus.async_fire(
                EVENT_RECOMMENDATION_ADDED,
                {
                    **{
                        k: row[k]
                        for k in (
                            "identity",
                            "media_type",
                            "tmdb_id",
                            "title",
                            "year",
                            "score",
                            "reason",
                            "instance",
                        )
                    },
                    "undo_until": (now + UNDO_GRACE).isoformat(),
                    "source": caller.source,
                },
                context=caller.context,
            )
        rows.append(row)
    return {
        "media_type": media_type,
        "instance": service.title,
        "dry_run": dry_run,
        "daily_cap": cap,
        "min_score": min_score,
        "added_today": done,
        "titles": rows,
    }


async def async_undo_auto_add(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    media_type: MediaType,
    tmdb_id: int,
    delete_files: bool = False,
) -> dict[str, Any]:
    """Delete a title auto-add added within the grace window, and never auto-add it again.

    A title with downloaded files is only deleted (files included) when delete_files
    confirms it; otherwise it is refused and nothing changes.
    """
    now = dt_util.utcnow()
    store = async_get_store(hass)
    records = await hass.async_add_executor_job(
        store.run,
        partial(
            done_since,
            action=ADD_ACTIONS[media_type],
            source=SOURCE_AUTOPILOT,
            since=now - UNDO_GRACE,
        ),
    )
    added = next((r.details for r in records if r.details["tmdb_id"] == tmdb_id), None)
    if added is None:
        raise invalid(
            "undo_not_auto_added",
            title=f"{media_type}:{tmdb_id}",
            hours=int(UNDO_GRACE.total_seconds() // 3600),
        )
    service = resolve_service(entry, ARR_OF_MEDIA[media_type], added["instance"])
    title = label(added["title"], added["year"])
    index = library_index(service)
    item = None
    if index is not None:
        item = (
            index.by_tmdb(tmdb_id)
            if media_type == "movie"
            else index.by_tvdb(added.get("tvdb_id") or 0)
        )
    if item is None:
        raise invalid("undo_not_in_library", title=title, instance=service.title)
    client = arr_client(service)
    with upstream(service):
        current = await client.library_item(item.id)
    on_disk = int(
        current.get("sizeOnDisk")
        or (current.get("statistics") or {}).get("sizeOnDisk")
        or 0
    )
    if on_disk and not delete_files:
        raise invalid("undo_has_files", title=title, size_gb=round(on_disk / GB, 1))
    data = {
        "instance": service.title,
        "media_type": media_type,
        "tmdb_id": tmdb_id,
        "tvdb_id": added.get("tvdb_id"),
        "title": added["title"],
        "year": added["year"],
        "files_deleted_gb": round(on_disk / GB, 1),
    }

    async def write() -> dict[str, Any]:
        if isinstance(client, SonarrClient):
            await client.delete_series(item.id, delete_files=bool(on_disk))
        else:
            await client.delete_movie(item.id, delete_files=bool(on_disk))
        return data

    await audited_write(
        hass,
        caller,
        service,
        event=EVENT_AUTO_ADD_UNDONE,
        target=f"{service.title}: {title}",
        intent=data,
        write=write,
    )
    arr_coordinators(service).library.index.remove(item.id)
    await hass.async_add_executor_job(
        store.run,
        partial(
            set_state,
            user=HOUSEHOLD,
            identity=Identity(media_type, tmdb_id),
            state=RecommendationState.DISMISSED,
            now=now,
        ),
    )
    return {**data, "undone": True}


@callback
def async_listen_ready(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Announce imports of auto-added or requested titles as ready to watch.

    A series imports episode by episode: it is announced at its first import, and again
    only after READY_AGAIN without one (a new season), never once per episode. The import
    is noted before the lookups, so the events of a season pack arriving together pass
    one at a time.
    """
    announced: dict[Identity, datetime] = {}

    async def announce(event: Event) -> None:
        data = event.data
        if data.get("type") != "imported" or not data.get("tmdb_id"):
            return
        identity = Identity(data["media_type"], int(data["tmdb_id"]))
        now = dt_util.utcnow()
        last = announced.get(identity)
        announced[identity] = now
        if last is not None and now - last < READY_AGAIN:
            return

        def auto_added(connection: sqlite3.Connection) -> bool:
            added = titles_in_state(connection, HOUSEHOLD, RecommendationState.ADDED)
            return identity in added

        store = async_get_store(hass)
        reason = None
        if await hass.async_add_executor_job(store.run, auto_added):
            reason = "auto_added"
        elif any(r.identity == identity for r in await async_load_requests(hass)):
            reason = "requested"
        if reason is None:
            # Imports that are not anyone's wait: nothing to remember.
            announced.pop(identity, None)
            return
        hass.bus.async_fire(
            EVENT_READY_TO_WATCH,
            {
                "identity": str(identity),
                "media_type": identity.media_type,
                "tmdb_id": identity.tmdb_id,
                "title": data.get("title"),
                "instance": data.get("instance"),
                "because": reason,
                "notify_target": data.get("notify_target"),
            },
        )

    return hass.bus.async_listen(EVENT_DOWNLOAD, announce)
