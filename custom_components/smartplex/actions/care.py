"""Library care: cleanup plans when disks fill, and their confirmed execution.

A plan is made from a fresh snapshot (library indexes, disks, tags, queue, plays,
requests, live streams), stored with an id and an expiry, and returned for review.
Executing it needs the id and confirm: true; everything is checked again then
(things change), and each title is removed as its own audited write with an event.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
import sqlite3
from typing import Any
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import RadarrClient, SonarrClient
from custom_components.smartplex.arr_coordinator import disk_of
from custom_components.smartplex.const import (
    CONF_DISK_TARGET,
    DEFAULT_DISK_TARGET,
    DOMAIN,
    SERVICE_TAUTULLI,
)
from custom_components.smartplex.engine.cleanup import (
    GB,
    CleanupCandidate,
    CleanupPolicy,
    TitleUsage,
    UsageKey,
    bytes_needed,
    plan_cleanup,
    protections,
    title_usage,
)
from custom_components.smartplex.engine.models import (
    Identity,
    LibraryEntry,
    Play,
    RequestRecord,
    RequestStatus,
)
from custom_components.smartplex.library import LibraryItem
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import StoreError, async_get_store
from custom_components.smartplex.store.plans import (
    PlanStatus,
    StoredPlan,
    claim_plan,
    digest,
    finish_plan,
    load_plan,
    save_plan,
)
from custom_components.smartplex.tautulli_coordinator import TautulliCoordinators

from .common import (
    ARR_TYPES,
    Caller,
    arr_client,
    audited_write,
    invalid,
    label,
    library_index,
    normalize,
    resolve_services,
    upstream,
)

EVENT_CLEANUP_PLANNED = f"{DOMAIN}_cleanup_planned"
EVENT_LEAVING_SOON = f"{DOMAIN}_leaving_soon"
EVENT_TITLE_REMOVED = f"{DOMAIN}_title_removed"
EVENT_CLEANUP_EXECUTED = f"{DOMAIN}_cleanup_executed"
PLAN_LIFETIME = timedelta(hours=24)
# Overseerr request statuses (1 pending, 2 approved) and media status 5 (available).
OVERSEERR_WAITING = {1: RequestStatus.PENDING, 2: RequestStatus.APPROVED}
OVERSEERR_DECLINED = 3
MEDIA_AVAILABLE = 5


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a plan is made from, and what an execution checks again."""

    candidates: dict[str, CleanupCandidate]
    usage: dict[UsageKey, TitleUsage]
    library_sizes: dict[tuple[str, str], int]
    # Per root folder: (instance title, total bytes, free bytes).
    disks: dict[str, tuple[str, int, int]]
    services: dict[str, SmartPlexService]


def _load_plays(connection: sqlite3.Connection) -> list[Play]:
    """Return the synced plays as engine snapshots (the user: Tautulli's user id)."""
    return [
        Play(
            user_id=user,
            identity=Identity(media_type, tmdb_id),
            started=datetime.fromtimestamp(started, UTC),
            watched_seconds=duration,
            percent_complete=percent,
            season=season,
            episode=episode,
        )
        for user, media_type, tmdb_id, started, duration, percent, season, episode in (
            connection.execute(
                "SELECT COALESCE(CAST(user_id AS TEXT), user), identity_type, tmdb_id,"
                " started, play_duration, percent_complete, season, episode FROM plays"
                " WHERE tmdb_id IS NOT NULL AND identity_type IN ('movie', 'tv')"
                " AND started IS NOT NULL"
            )
        )
    ]


def _load_requests(connection: sqlite3.Connection) -> list[RequestRecord]:
    """Return requests not declined, the requester linked to their Tautulli user id."""
    records = []
    for (
        request_id,
        media_type,
        tmdb_id,
        status,
        media_status,
        by,
        created,
        linked,
    ) in connection.execute(
        "SELECT request_id, media_type, tmdb_id, status, media_status, requested_by,"
        " created, (SELECT MIN(users.user_id) FROM users"
        " WHERE users.overseerr_user_id = requests.requested_by) FROM requests"
        " WHERE tmdb_id IS NOT NULL AND created IS NOT NULL AND status != ?",
        (OVERSEERR_DECLINED,),
    ):
        records.append(
            RequestRecord(
                request_id=request_id,
                identity=Identity(media_type, tmdb_id),
                requested_by=str(linked) if linked is not None else f"overseerr:{by}",
                created=datetime.fromtimestamp(created, UTC),
                status=RequestStatus.AVAILABLE
                if media_status == MEDIA_AVAILABLE
                else OVERSEERR_WAITING.get(status, RequestStatus.APPROVED),
            )
        )
    return records


def _history(connection: sqlite3.Connection) -> tuple[list[Play], list[RequestRecord]]:
    """Return plays and requests in one executor job."""
    return _load_plays(connection), _load_requests(connection)


def _streaming(
    entry: SmartPlexConfigEntry, titles: dict[tuple[str, int | None], Identity]
) -> dict[Identity, set[str]]:
    """Return who streams each title now (from Tautulli's activity), matched by title."""
    streaming: dict[Identity, set[str]] = {}
    for service in entry.runtime_data.services.values():
        coordinators = getattr(service, "coordinators", None)
        if service.service_type != SERVICE_TAUTULLI or not isinstance(
            coordinators, TautulliCoordinators
        ):
            continue
        activity = coordinators.activity.data
        for session in activity.sessions if activity else ():
            name = session.grandparent_title or session.title
            identity = titles.get((normalize(name), session.year)) or titles.get(
                (normalize(name), None)
            )
            if identity is not None:
                streaming.setdefault(identity, set()).add(
                    str(session.user_id) if session.user_id else session.user
                )
    return streaming


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
        tags=tuple(tags.get(tag, "") for tag in item.tags),
        root_folder=item.root_folder,
        added=item.added,
        tvdb_id=item.tvdb_id,
        imdb_id=item.imdb_id,
    )


async def _snapshot(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, instance: str | None
) -> Snapshot:
    """Gather everything a plan or its execution decides on."""
    services = resolve_services(entry, ARR_TYPES, instance)
    indexes = []
    for service in services:
        if (index := library_index(service)) is None:
            raise invalid("library_not_loaded", instance=service.title)
        indexes.append((service, index))

    async def fetch(service: SmartPlexService) -> tuple[Any, Any, Any]:
        client = arr_client(service)
        with upstream(service):
            return await asyncio.gather(
                client.tags(), client.root_folders(), client.disk_space()
            )

    fetched = await asyncio.gather(*(fetch(service) for service, _ in indexes))
    store = async_get_store(hass)
    try:
        plays, requests = await hass.async_add_executor_job(store.run, _history)
    except StoreError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="database_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    candidates: dict[str, CleanupCandidate] = {}
    titles: dict[tuple[str, int | None], Identity] = {}
    library_sizes: dict[tuple[str, str], int] = {}
    disks: dict[str, tuple[str, int, int]] = {}
    for (service, index), (tags, folders, mounts) in zip(indexes, fetched, strict=True):
        labels = {tag.id: tag.label for tag in tags}
        media_type = "movie" if isinstance(arr_client(service), RadarrClient) else "tv"
        library_sizes[(service.subentry_id, media_type)] = len(index)
        for folder in folders:
            if (mount := disk_of(folder.path, mounts)) is not None:
                disks[folder.path] = (
                    service.title,
                    mount.total_space,
                    mount.free_space,
                )
        for item in index:
            if not item.tmdb_id:
                continue
            library_entry = _entry(service, item, labels)
            candidate = CleanupCandidate(
                entry=library_entry,
                item_id=item.id,
                size=item.size_on_disk,
                downloading=index.downloading(item.id),
            )
            candidates[candidate.key] = candidate
            titles[(normalize(item.title), item.year)] = library_entry.identity
            titles.setdefault((normalize(item.title), None), library_entry.identity)
    now = dt_util.utcnow()
    usage = title_usage(
        plays, requests, _streaming(entry, titles), now, CleanupPolicy()
    )
    return Snapshot(
        candidates, usage, library_sizes, disks, {s.subentry_id: s for s in services}
    )


def _policy(max_items: int, keep_tag: str) -> CleanupPolicy:
    """Return the cleanup policy of a call."""
    return CleanupPolicy(max_items=max_items, keep_tag=keep_tag)


async def async_plan_cleanup(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    target_percent: int | None = None,
    max_items: int = 50,
    keep_tag: str = "keep",
    grace_days: int = 0,
    instance: str | None = None,
) -> dict[str, Any]:
    """Plan what to remove so every root folder is used at most target_percent.

    Without target_percent, the hub's disk target option (75% by default) applies.
    """
    if target_percent is None:
        target_percent = int(entry.options.get(CONF_DISK_TARGET, DEFAULT_DISK_TARGET))
    snapshot = await _snapshot(hass, entry, instance)
    needed = {
        root: need
        for root, (_, total, free) in snapshot.disks.items()
        if (need := bytes_needed(total, free, target_percent)) > 0
    }
    if not needed:
        used = max(
            (
                (total - free) * 100 / total
                for _, total, free in snapshot.disks.values()
            ),
            default=0.0,
        )
        raise invalid("target_above_use", target=target_percent, used=round(used, 1))
    now = dt_util.utcnow()
    plan = plan_cleanup(
        snapshot.candidates.values(),
        snapshot.usage,
        needed,
        now,
        _policy(max_items, keep_tag),
        snapshot.library_sizes,
    )
    items = [
        {
            "key": item.candidate.key,
            "instance_id": item.candidate.entry.instance,
            "instance": snapshot.services[item.candidate.entry.instance].title,
            "media_type": item.candidate.entry.identity.media_type,
            "tmdb_id": item.candidate.entry.identity.tmdb_id,
            "item_id": item.candidate.item_id,
            "title": label(item.candidate.entry.title, item.candidate.entry.year),
            "size_bytes": item.candidate.size,
            "size_gb": round(item.candidate.size / GB, 1),
            "root_folder": item.candidate.entry.root_folder,
            "last_watched": item.usage.last_watched.isoformat()
            if item.usage.last_watched
            else None,
            "last_watched_by": item.usage.last_watched_by,
            "reasons": list(item.reasons),
            "score": item.score.as_dict(),
        }
        for item in plan.items
    ]
    not_before = now + timedelta(days=grace_days)
    stored = StoredPlan(
        id=uuid.uuid4().hex,
        entry_id=entry.entry_id,
        created=now,
        not_before=not_before,
        expires=not_before + PLAN_LIFETIME,
        status=PlanStatus.PLANNED,
        items=items,
        digest=digest(items),
    )
    await _store(hass, partial(save_plan, plan=stored))
    freed_gb = {root: round(freed / GB, 1) for root, freed in plan.freed.items()}
    result = {
        "plan_id": stored.id,
        "created": now.isoformat(),
        "executable_from": not_before.isoformat(),
        "expires": stored.expires.isoformat(),
        "target_percent": target_percent,
        "target_met": plan.target_met,
        "short": dict(plan.short),
        "needed_gb": {root: round(need / GB, 1) for root, need in needed.items()},
        "freed_gb": freed_gb,
        "items": items,
        "protected": [
            {
                "title": label(p.candidate.entry.title, p.candidate.entry.year),
                "instance": snapshot.services[p.candidate.entry.instance].title,
                "protections": [str(found) for found in p.protections],
            }
            for p in plan.protected
        ][:100],
        "protected_total": len(plan.protected),
    }
    event = {
        "plan_id": stored.id,
        "items": len(items),
        "freed_gb": round(sum(freed_gb.values()), 1),
        "executable_from": result["executable_from"],
        "source": caller.source,
    }
    hass.bus.async_fire(EVENT_CLEANUP_PLANNED, event, context=caller.context)
    if grace_days:
        hass.bus.async_fire(
            EVENT_LEAVING_SOON,
            {**event, "titles": [item["title"] for item in items]},
            context=caller.context,
        )
    return result


async def _store(hass: HomeAssistant, job: Any) -> Any:
    """Run a plan job on the database, refusing with a translated error if it fails."""
    store = async_get_store(hass)
    try:
        return await hass.async_add_executor_job(store.run, job)
    except StoreError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="database_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err


def _refuse_plan(
    plan: StoredPlan | None, plan_id: str, entry_id: str, now: datetime
) -> StoredPlan:
    """Return the plan if it may be executed now, else refuse with why not."""
    if plan is None:
        raise invalid("plan_not_found", plan_id=plan_id)
    if plan.entry_id != entry_id:
        raise invalid("plan_other_hub", plan_id=plan_id)
    if plan.status is not PlanStatus.PLANNED:
        raise invalid("plan_already_executed", plan_id=plan_id, status=plan.status)
    if now >= plan.expires:
        raise invalid("plan_expired", plan_id=plan_id, expires=plan.expires.isoformat())
    if now < plan.not_before:
        raise invalid(
            "plan_in_grace", plan_id=plan_id, not_before=plan.not_before.isoformat()
        )
    if not plan.intact:
        raise invalid("plan_changed", plan_id=plan_id)
    return plan


async def async_execute_cleanup(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    plan_id: str,
    confirm: bool = False,
    delete_files: bool = True,
    add_exclusion: bool = False,
    keep_tag: str = "keep",
) -> dict[str, Any]:
    """Remove a reviewed plan's titles, each still checked, audited and announced."""
    if confirm is not True:
        raise invalid("confirm_required", plan_id=plan_id)
    now = dt_util.utcnow()
    plan = _refuse_plan(
        await _store(hass, partial(load_plan, plan_id=plan_id)),
        plan_id,
        entry.entry_id,
        now,
    )
    if not await _store(hass, partial(claim_plan, plan_id=plan_id)):
        raise invalid("plan_already_executed", plan_id=plan_id, status="executing")
    try:
        result, status = await _execute(
            hass, entry, caller, plan, delete_files, add_exclusion, keep_tag
        )
    except BaseException as err:
        # Refused before any removal (or cancelled): the plan may run again later, and
        # a title already removed is then skipped as no longer in the library.
        await _store(
            hass,
            partial(
                finish_plan,
                plan_id=plan_id,
                status=PlanStatus.PLANNED,
                result={"error": str(err)},
                finished=dt_util.utcnow(),
            ),
        )
        raise
    await _store(
        hass,
        partial(
            finish_plan,
            plan_id=plan_id,
            status=status,
            result=result,
            finished=dt_util.utcnow(),
        ),
    )
    hass.bus.async_fire(
        EVENT_CLEANUP_EXECUTED,
        {
            "plan_id": plan_id,
            "status": status,
            "removed": [item["title"] for item in result["removed"]],
            "failed": [item["title"] for item in result["failed"]],
            "freed_gb": result["freed_gb"],
            "source": caller.source,
        },
        context=caller.context,
    )
    return result


async def _execute(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    plan: StoredPlan,
    delete_files: bool,
    add_exclusion: bool,
    keep_tag: str,
) -> tuple[dict[str, Any], PlanStatus]:
    """Check every title again, enforce the library share, then remove one by one."""
    snapshot = await _snapshot(hass, entry, None)
    now = dt_util.utcnow()
    policy = _policy(len(plan.items), keep_tag)
    eligible: list[tuple[dict[str, Any], CleanupCandidate]] = []
    skipped: list[dict[str, Any]] = []
    for item in plan.items:
        candidate = snapshot.candidates.get(str(item.get("key")))
        if (
            candidate is None
            or candidate.item_id != item.get("item_id")
            or candidate.entry.identity.tmdb_id != item.get("tmdb_id")
        ):
            skipped.append(
                {"title": item.get("title"), "reason": "no longer in the library"}
            )
            continue
        usage = snapshot.usage.get((candidate.entry.identity, None), TitleUsage())
        if found := protections(candidate, usage, now, policy):
            skipped.append(
                {
                    "title": item["title"],
                    "reason": "protected",
                    "protections": list(found),
                }
            )
            continue
        eligible.append((item, candidate))
    for library, count in snapshot.library_sizes.items():
        taking = sum(candidate.library == library for _, candidate in eligible)
        if taking > count * policy.max_library_share:
            raise invalid(
                "plan_too_large",
                count=taking,
                library=snapshot.services[library[0]].title,
                total=count,
            )
    removed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    not_attempted: list[dict[str, Any]] = []
    for index, (item, candidate) in enumerate(eligible):
        service = snapshot.services[candidate.entry.instance]
        try:
            await _remove(hass, caller, service, item, delete_files, add_exclusion)
        except HomeAssistantError as err:
            failed.append({"title": item["title"], "error": str(err)})
            not_attempted = [
                {"title": rest["title"]} for rest, _ in eligible[index + 1 :]
            ]
            break
        removed.append(item)
    freed = sum(item["size_bytes"] for item in removed)
    result = {
        "plan_id": plan.id,
        "removed": [
            {
                "title": item["title"],
                "instance": item["instance"],
                "size_gb": item["size_gb"],
            }
            for item in removed
        ],
        "failed": failed,
        "skipped": skipped,
        "not_attempted": not_attempted,
        "freed_gb": round(freed / GB, 1),
    }
    status = PlanStatus.EXECUTED if not failed and not skipped else PlanStatus.PARTIAL
    return result, status


async def _remove(
    hass: HomeAssistant,
    caller: Caller,
    service: SmartPlexService,
    item: dict[str, Any],
    delete_files: bool,
    add_exclusion: bool,
) -> None:
    """Remove one title from its Sonarr or Radarr (audited, announced)."""
    client = arr_client(service)
    data = {
        "instance": service.title,
        "media_type": item["media_type"],
        "tmdb_id": item["tmdb_id"],
        "title": item["title"],
        "size_gb": item["size_gb"],
        "delete_files": delete_files,
        "add_exclusion": add_exclusion,
        "reasons": item["reasons"],
    }

    async def write() -> dict[str, Any]:
        if isinstance(client, SonarrClient):
            await client.delete_series(
                item["item_id"],
                delete_files=delete_files,
                add_import_exclusion=add_exclusion,
            )
        else:
            await client.delete_movie(
                item["item_id"],
                delete_files=delete_files,
                add_import_exclusion=add_exclusion,
            )
        return data

    await audited_write(
        hass,
        caller,
        service,
        event=EVENT_TITLE_REMOVED,
        target=f"{service.title}: {item['title']}",
        intent=data,
        write=write,
    )
    coordinators = getattr(service, "coordinators", None)
    if coordinators is not None and hasattr(coordinators, "library"):
        coordinators.library.index.remove(item["item_id"])
