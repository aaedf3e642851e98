"""execute_cleanup: remove a reviewed plan's titles, each checked again, audited and announced.

Executing needs the plan id and confirm: true. The plan is claimed once (so two
executions cannot both run it), every title is checked against a fresh snapshot,
the library-share guard is applied to what is left, and each removal is its own
audited write with an event; a failure stops the run and the answer says exactly
what was and was not removed.

How a title goes: a movie or series is deleted from its Sonarr/Radarr (with its
files unless delete_files is false), or with unmonitor kept there unmonitored (its
files deleted unless delete_files is false: "unmonitor only"). A season is never
deleted from Sonarr: its episode files are deleted and the season unmonitored, so
Sonarr does not download it again. An import-list exclusion applies to whole titles.
overrides change delete_files, unmonitor or add_exclusion for single plan items.

Once space was freed, the most watched titles below their quality cutoff are
searched when the hub's options allow it (care_suggest.async_search_upgrades); a
failing search is answered, the removals stand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from custom_components.smartplex.api import SonarrClient
from custom_components.smartplex.care_settings import care_settings
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.cleanup import (
    GB,
    SHARE_SLACK,
    CleanupCandidate,
    protections,
)
from custom_components.smartplex.engine.cleanup_usage import usage_of
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store.plans import (
    PlanStatus,
    StoredPlan,
    claim_plan,
    finish_plan,
    load_plan,
)

from .care_plan import cleanup_policy
from .care_snapshot import async_snapshot, async_store_job
from .care_suggest import async_search_upgrades
from .common import (
    ARR_TYPES,
    Caller,
    arr_client,
    arr_coordinators,
    audited_write,
    invalid,
    upstream,
)

EVENT_TITLE_REMOVED = f"{DOMAIN}_title_removed"
EVENT_CLEANUP_EXECUTED = f"{DOMAIN}_cleanup_executed"


@dataclass(frozen=True, slots=True)
class Removal:
    """How an execution removes each title."""

    delete_files: bool
    unmonitor: bool
    add_exclusion: bool


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
    unmonitor: bool = False,
    add_exclusion: bool = False,
    keep_tag: str | None = None,
    leave_out: list[str] | None = None,
    overrides: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Remove a reviewed plan's titles, each still checked, audited and announced.

    leave_out names plan items (by key) the user unticked: they are not removed and
    the rest runs exactly as planned. overrides give single items their own flags.
    """
    if confirm is not True:
        raise invalid("confirm_required", plan_id=plan_id)
    now = dt_util.utcnow()
    plan = _refuse_plan(
        await async_store_job(hass, partial(load_plan, plan_id=plan_id)),
        plan_id,
        entry.entry_id,
        now,
    )
    left_out = set(leave_out or ())
    default = Removal(delete_files, unmonitor, add_exclusion)
    removals = _removals(plan_id, default, overrides or [], left_out)
    if unknown := (left_out | removals.keys()) - {
        str(item.get("key")) for item in plan.items
    }:
        raise invalid("plan_item_unknown", plan_id=plan_id, item=min(unknown))
    if not await async_store_job(hass, partial(claim_plan, plan_id=plan_id)):
        raise invalid("plan_already_executed", plan_id=plan_id, status="executing")
    try:
        result, status = await _execute(
            hass,
            entry,
            caller,
            plan,
            left_out,
            lambda key: removals.get(key, default),
            keep_tag,
        )
    except BaseException as err:
        # Refused before any removal (or cancelled): the plan may run again later, and
        # a title already removed is then skipped as no longer in the library.
        await async_store_job(
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
    await async_store_job(
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
    result["upgrade_searches"] = []
    if result["freed_gb"] > 0:
        try:
            result["upgrade_searches"] = await async_search_upgrades(
                hass, entry, caller
            )
        except HomeAssistantError as err:
            result["upgrade_searches_error"] = str(err)
    return result


def _removals(
    plan_id: str,
    default: Removal,
    overrides: list[dict[str, Any]],
    left_out: set[str],
) -> dict[str, Removal]:
    """Return the removal of each overridden plan item; refuse one given twice."""
    removals: dict[str, Removal] = {}
    for override in overrides:
        key = override["key"]
        if key in removals or key in left_out:
            raise invalid("plan_item_conflict", plan_id=plan_id, item=key)
        removals[key] = replace(
            default, **{k: v for k, v in override.items() if k != "key"}
        )
    return removals


async def _execute(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    plan: StoredPlan,
    left_out: set[str],
    removal_of: Callable[[str], Removal],
    keep_tag: str | None,
) -> tuple[dict[str, Any], PlanStatus]:
    """Check every title again, enforce the library share, then remove one by one."""
    await _reread_titles(entry, plan)
    snapshot = await async_snapshot(hass, entry, None)
    now = dt_util.utcnow()
    policy = cleanup_policy(care_settings(entry.options), len(plan.items), keep_tag)
    eligible: list[tuple[dict[str, Any], CleanupCandidate]] = []
    skipped: list[dict[str, Any]] = []
    unticked: list[dict[str, Any]] = []
    for item in plan.items:
        if item.get("key") in left_out:
            unticked.append({"key": item["key"], "title": item["title"]})
            continue
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
        usage = usage_of(snapshot.usage, candidate.entry.identity, candidate.season)
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
        taking = sum(
            candidate.share for _, candidate in eligible if candidate.library == library
        )
        if taking > count * policy.max_library_share + SHARE_SLACK:
            raise invalid(
                "plan_too_large",
                count=round(taking, 2),
                library=snapshot.services[library[0]].title,
                total=count,
            )
    removed: list[tuple[dict[str, Any], Removal]] = []
    failed: list[dict[str, Any]] = []
    not_attempted: list[dict[str, Any]] = []
    for index, (item, candidate) in enumerate(eligible):
        service = snapshot.services[candidate.entry.instance]
        removal = removal_of(str(item["key"]))
        try:
            await _remove(hass, caller, service, item, removal)
        except HomeAssistantError as err:
            failed.append({"title": item["title"], "error": str(err)})
            not_attempted = [
                {"title": rest["title"]} for rest, _ in eligible[index + 1 :]
            ]
            break
        removed.append((item, removal))
    freed = sum(item["size_bytes"] for item, how in removed if how.delete_files)
    result = {
        "plan_id": plan.id,
        "removed": [
            {
                "title": item["title"],
                "instance": item["instance"],
                "size_gb": item["size_gb"],
                "delete_files": how.delete_files,
                "unmonitor": how.unmonitor or item.get("season") is not None,
                "add_exclusion": how.add_exclusion and item.get("season") is None,
            }
            for item, how in removed
        ],
        "failed": failed,
        "skipped": skipped,
        "not_attempted": not_attempted,
        "left_out": unticked,
        "freed_gb": round(freed / GB, 1),
    }
    status = PlanStatus.EXECUTED if not failed and not skipped else PlanStatus.PARTIAL
    return result, status


async def _reread_titles(entry: SmartPlexConfigEntry, plan: StoredPlan) -> None:
    """Read the plan's titles again from Sonarr/Radarr: a tag added since shows.

    The change feed does not report tag or monitoring edits, so the library index
    may not know them. A title that cannot be read stops the execution.
    """
    item_ids: dict[str, set[int]] = {}
    for item in plan.items:
        item_ids.setdefault(str(item.get("instance_id")), set()).add(
            int(item.get("item_id") or 0)
        )
    for service in entry.runtime_data.services.values():
        if service.subentry_id in item_ids and service.service_type in ARR_TYPES:
            with upstream(service):
                await arr_coordinators(service).library.sync.async_titles_changed(
                    item_ids[service.subentry_id]
                )


async def _remove(
    hass: HomeAssistant,
    caller: Caller,
    service: SmartPlexService,
    item: dict[str, Any],
    removal: Removal,
) -> None:
    """Remove one title or season from its Sonarr or Radarr (audited, announced)."""
    client = arr_client(service)
    season = item.get("season")
    data = {
        "instance": service.title,
        "media_type": item["media_type"],
        "tmdb_id": item["tmdb_id"],
        "title": item["title"],
        "season": season,
        "size_gb": item["size_gb"],
        "delete_files": removal.delete_files,
        "unmonitor": removal.unmonitor or season is not None,
        "add_exclusion": removal.add_exclusion and season is None,
        "reasons": item["reasons"],
    }
    item_id = item["item_id"]

    async def write() -> dict[str, Any]:
        if isinstance(client, SonarrClient):
            await _remove_series(client, item, removal)
        elif removal.unmonitor:
            await client.unmonitor_movie(item_id)
            if removal.delete_files:
                await client.delete_movie_files(item_id)
            if removal.add_exclusion:
                await client.add_exclusion(
                    item["tmdb_id"], item["title"], item.get("year")
                )
        else:
            await client.delete_movie(
                item_id,
                delete_files=removal.delete_files,
                add_import_exclusion=removal.add_exclusion,
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
    if coordinators is None or not hasattr(coordinators, "library"):
        return
    if data["unmonitor"]:
        # Still in the library: read again what changed.
        await coordinators.library.async_title_changed([item_id])
    else:
        coordinators.library.index.remove(item_id)


async def _remove_series(
    client: SonarrClient, item: dict[str, Any], removal: Removal
) -> None:
    """Remove a season (files, then monitoring), or a whole series, from Sonarr."""
    series_id = item["item_id"]
    season = item.get("season")
    if season is not None:
        if removal.delete_files and (
            files := await client.episode_file_ids(series_id, season)
        ):
            await client.delete_episode_files(files)
        await client.unmonitor_season(series_id, season)
    elif removal.unmonitor:
        await client.unmonitor_series(series_id)
        if removal.delete_files and (files := await client.episode_file_ids(series_id)):
            await client.delete_episode_files(files)
        if removal.add_exclusion and item.get("tvdb_id"):
            await client.add_exclusion(item["tvdb_id"], item["title"])
    else:
        await client.delete_series(
            series_id,
            delete_files=removal.delete_files,
            add_import_exclusion=removal.add_exclusion,
        )
