"""plan_cleanup: what to remove so each root folder is back under its disk target.

A plan is made from a fresh snapshot, stored with an id, a digest of its items and an
expiry, announced, and returned for review; nothing is removed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.ai.prompts import Candidate
from custom_components.smartplex.api.base import gc_paused
from custom_components.smartplex.assistant import async_rerank_rows
from custom_components.smartplex.care_settings import CareSettings, care_settings
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.cleanup import (
    GB,
    CleanupCandidate,
    CleanupPlan,
    CleanupPolicy,
    bytes_needed,
    plan_cleanup,
)
from custom_components.smartplex.models import SmartPlexConfigEntry
from custom_components.smartplex.store.plans import (
    PlanStatus,
    StoredPlan,
    digest,
    save_plan,
)

from .care_snapshot import Snapshot, async_snapshot, async_store_job
from .common import Caller, invalid, label

EVENT_CLEANUP_PLANNED = f"{DOMAIN}_cleanup_planned"
EVENT_LEAVING_SOON = f"{DOMAIN}_leaving_soon"
PLAN_LIFETIME = timedelta(hours=24)


def cleanup_policy(
    settings: CareSettings, max_items: int | None, keep_tag: str | None
) -> CleanupPolicy:
    """Return the cleanup policy of a call: its own values, else the hub's options."""
    return CleanupPolicy(
        max_items=settings.plan_cap if max_items is None else max_items,
        keep_tag=settings.keep_tag if keep_tag is None else keep_tag,
        recently_watched_days=settings.protect_days,
    )


@dataclass(frozen=True, slots=True)
class MadePlan:
    """A plan the engine made on a snapshot, before it is stored."""

    snapshot: Snapshot
    needed: dict[str, int]
    plan: CleanupPlan
    now: datetime


def _plan(
    snapshot: Snapshot, needed: dict[str, int], now: datetime, policy: CleanupPolicy
) -> CleanupPlan:
    """Rank the snapshot's candidates (in the executor, the collector held back)."""
    with gc_paused():
        return plan_cleanup(
            snapshot.candidates.values(),
            snapshot.usage,
            needed,
            now,
            policy,
            snapshot.library_sizes,
        )


async def async_make_plan(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    *,
    target_percent: int | None = None,
    max_items: int | None = None,
    keep_tag: str | None = None,
    instance: str | None = None,
) -> MadePlan:
    """Make a plan on a fresh snapshot; refuse when every root folder is under its target.

    Without target_percent, each root folder's target from the options applies.
    """
    settings = care_settings(entry.options)
    snapshot = await async_snapshot(hass, entry, instance)
    needed = {
        root: need
        for root, (_, total, free) in snapshot.disks.items()
        if (
            need := bytes_needed(
                total,
                free,
                settings.target_of(root) if target_percent is None else target_percent,
            )
        )
        > 0
    }
    if not needed:
        used = max(
            (
                (total - free) * 100 / total
                for _, total, free in snapshot.disks.values()
            ),
            default=0.0,
        )
        target = settings.target if target_percent is None else target_percent
        raise invalid("target_above_use", target=target, used=round(used, 1))
    now = dt_util.utcnow()
    plan = await hass.async_add_executor_job(
        _plan,
        snapshot,
        needed,
        now,
        cleanup_policy(settings, max_items, keep_tag),
    )
    return MadePlan(snapshot, needed, plan, now)


async def async_plan_cleanup(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    target_percent: int | None = None,
    max_items: int | None = None,
    keep_tag: str | None = None,
    grace_days: int | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Plan what to remove so every root folder is used at most its target.

    What a call leaves out comes from the hub's library care options.
    """
    made = await async_make_plan(
        hass,
        entry,
        target_percent=target_percent,
        max_items=max_items,
        keep_tag=keep_tag,
        instance=instance,
    )
    snapshot, needed, plan, now = made.snapshot, made.needed, made.plan, made.now
    if grace_days is None:
        grace_days = care_settings(entry.options).grace_days
    items = [
        {
            "key": item.candidate.key,
            "instance_id": item.candidate.entry.instance,
            "instance": snapshot.services[item.candidate.entry.instance].title,
            "media_type": item.candidate.entry.identity.media_type,
            "tmdb_id": item.candidate.entry.identity.tmdb_id,
            "item_id": item.candidate.item_id,
            "season": item.candidate.season,
            "tvdb_id": item.candidate.entry.tvdb_id,
            "year": item.candidate.entry.year,
            "title": plan_title(item.candidate),
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
    await async_store_job(hass, partial(save_plan, plan=stored))
    freed_gb = {root: round(freed / GB, 1) for root, freed in plan.freed.items()}
    result = {
        "plan_id": stored.id,
        "created": now.isoformat(),
        "executable_from": not_before.isoformat(),
        "expires": stored.expires.isoformat(),
        "target_percent": target_percent
        if target_percent is not None
        else care_settings(entry.options).target,
        "target_met": plan.target_met,
        "short": dict(plan.short),
        "needed_gb": {root: round(need / GB, 1) for root, need in needed.items()},
        "freed_gb": freed_gb,
        "items": items,
        "protected": [
            {
                "title": plan_title(p.candidate),
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
    # Only the order shown and the reasons: the stored plan keeps the engine's order.
    result["items"], ai = await async_rerank_rows(
        entry.runtime_data.assistant, "cleanup", items, _candidate
    )
    return result | ai


def plan_title(candidate: CleanupCandidate) -> str:
    """Return how a plan names a title or one season of it."""
    title = label(candidate.entry.title, candidate.entry.year)
    return title if candidate.season is None else f"{title} season {candidate.season}"


def _candidate(candidate_id: str, item: dict[str, Any]) -> Candidate:
    """Return the LLM's view of a planned title."""
    return Candidate(
        candidate_id,
        item["title"],
        None,
        "",
        {
            "last_watched": (item["last_watched"] or "never")[:10],
            "size_gb": item["size_gb"],
            "why_planned": item["reasons"],
        },
    )
