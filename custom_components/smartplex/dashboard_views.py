"""The dashboard's views: what each one shows, which services it needs, what refreshes it.

Status, downloads, requests and activity are built in dashboard.py from the coordinators
and the read actions. Here the requests view gains triage's decisions (a dry run of
triage_requests, kept until the options change, a request is new or ten minutes passed,
so neither Overseerr nor an LLM is asked at every refresh) and the recent decisions from
the audit trail; statistics come from get_statistics, discover from recommend (posters of
titles no library has through the poster proxy), history from the sync log and the audit
trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .actions import Caller
from .const import (
    CONF_TRIAGE,
    DOMAIN,
    SERVICE_OVERSEERR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)
from .coordinator import SmartPlexCoordinator, all_coordinators
from .dashboard import (
    ACTION_HANDLERS,
    ARR_TYPES,
    CONFIG_URL,
    MAX_PAGE,
    Page,
    async_activity_view,
    async_downloads_view,
    async_requests_view,
    async_status_view,
    services_of,
)
from .models import SmartPlexConfigEntry
from .poster import poster_cache
from .store import AuditRecord, StoreError, async_get_store
from .store.audit import page as audit_page
from .store.loaders import async_load_people
from .store.plans import plans_in_grace

SOURCE_DASHBOARD = "dashboard"
# Triage's dry run is reused this long while its requests and the options stay.
TRIAGE_TTL = timedelta(minutes=10)
ALTERNATIVES_SHOWN = 3
RECENT_DECISIONS = 5
DECISION_ACTIONS = ("request_approved", "request_declined")
# A long period is drawn by week: a chart of at most 53 bars, a bounded message.
STATISTICS_GROUPING = {"quarter": "week", "year": "week"}
STATISTICS_TOP = 10
# Changes SmartPlex does not see reach a view within this; slow-changing views wait longer.
REFRESH_FALLBACK = timedelta(minutes=1)
SLOW_REFRESH = timedelta(minutes=10)
MAX_RECOMMENDATIONS = 50
# The care view's most wanted upgrades and largest downgrades (fewer with a smaller page).
SUGGESTIONS_SHOWN = 10
DATA_TRIAGE: HassKey[dict[str, TriageSnapshot]] = HassKey(f"{DOMAIN}_dashboard_triage")
WRITE_EVENTS = tuple(
    f"{DOMAIN}_{name}"
    for name in (
        "request_approved",
        "request_declined",
        "queue_item_removed",
        "movie_added",
        "series_added",
        "title_removed",
        "cleanup_executed",
    )
)

type ViewBuilder = Callable[
    [HomeAssistant, SmartPlexConfigEntry, Page], Awaitable[dict[str, Any]]
]


@dataclass(frozen=True, slots=True)
class View:
    """One dashboard view: its data, the services it needs and what changes it."""

    build: ViewBuilder
    # Coordinator kinds whose updates change the view.
    kinds: tuple[str, ...] = ()
    # SmartPlex events that change it (its own writes, syncs).
    events: tuple[str, ...] = ()
    # Kinds of service of which at least one must be configured.
    needs: tuple[str, ...] = ()
    # How often it is rebuilt anyway (sent only when it changed).
    every: timedelta = REFRESH_FALLBACK


@dataclass(frozen=True, slots=True)
class TriageSnapshot:
    """Triage's dry run of the pending requests, and what it depended on."""

    options: Any
    taken: datetime
    decisions: dict[int, dict[str, Any]]


def _decision(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the dashboard shows of one triage decision."""
    return {
        "action": row["action"],
        "policy": row["policy"],
        "score": row["score"],
        "reason": row["reason"],
        "ai_reason": row.get("ai_reason"),
        "alternatives": [
            f"{title['title']} ({title['year']})" if title["year"] else title["title"]
            for title in row["alternatives"][:ALTERNATIVES_SHOWN]
        ],
    }


async def triage_decisions(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, request_ids: set[int]
) -> dict[int, dict[str, Any]]:
    """Return triage's decision on pending requests, from a recent dry run if it has them."""
    kept = hass.data.setdefault(DATA_TRIAGE, {})
    options = entry.options.get(CONF_TRIAGE)
    now = dt_util.utcnow()
    snapshot = kept.get(entry.entry_id)
    if (
        snapshot is None
        or snapshot.options != options
        or now - snapshot.taken > TRIAGE_TTL
        or not request_ids <= snapshot.decisions.keys()
    ):
        result = await ACTION_HANDLERS["triage_requests"](
            hass, entry, Caller(source=SOURCE_DASHBOARD), apply=False
        )
        snapshot = kept[entry.entry_id] = TriageSnapshot(
            options,
            now,
            {row["request_id"]: _decision(row) for row in result["requests"]},
        )
    return snapshot.decisions


async def audit_rows(
    hass: HomeAssistant, limit: int, offset: int = 0, actions: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], int]:
    """Return a page of the audit trail, newest first, and its length (StoreError)."""
    records, total = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(audit_page, limit=limit, offset=offset, actions=actions),
    )
    names: dict[str, str | None] = {}
    for user_id in {record.user_id for record in records if record.user_id}:
        user = await hass.auth.async_get_user(user_id)
        names[user_id] = user.name if user else None
    return [_audit_row(record, names) for record in records], total


def _audit_row(record: AuditRecord, names: Mapping[str, str | None]) -> dict[str, Any]:
    """Return one audited write as the dashboard shows it (no raw details)."""
    reason = record.details.get("reason")
    return {
        "id": record.id,
        "time": record.time.isoformat(),
        "action": record.action,
        "target": record.target,
        "source": record.source,
        "user": names.get(record.user_id) if record.user_id else None,
        "status": str(record.status),
        "error": record.error,
        "reason": reason if isinstance(reason, str) else None,
    }


async def async_triaged_requests_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return a page of pending requests with triage's decisions and the recent decisions."""
    data = await async_requests_view(hass, entry, page)
    if request_ids := {item["request_id"] for item in data["items"]}:
        try:
            decisions = await triage_decisions(hass, entry, request_ids)
        except HomeAssistantError as err:
            decisions = {}
            data["triage_error"] = str(err)
        for item in data["items"]:
            item["triage"] = decisions.get(item["request_id"])
    try:
        data["recent"], _ = await audit_rows(
            hass, RECENT_DECISIONS, actions=DECISION_ACTIONS
        )
    except StoreError:
        data["recent"] = []
    return data


async def async_statistics_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return the household's statistics of a period (top lists of ten)."""
    statistics: dict[str, Any] = await ACTION_HANDLERS["get_statistics"](
        hass,
        entry,
        Caller(source=SOURCE_DASHBOARD),
        period=page.period,
        group_by=STATISTICS_GROUPING.get(page.period, "day"),
        limit=STATISTICS_TOP,
    )
    return {"period": page.period, **statistics}


async def async_history_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return the newest sync runs and a page of the audit trail."""
    data: dict[str, Any] = {"runs": []}
    try:
        data["runs"] = (await ACTION_HANDLERS["get_sync_log"](entry, limit=page.limit))[
            "runs"
        ]
    except HomeAssistantError as err:
        data["sync_error"] = str(err)
    try:
        data["items"], data["total"] = await audit_rows(
            hass, page.limit, offset=page.offset
        )
    except StoreError as err:
        data["items"], data["total"] = [], 0
        data["audit_error"] = str(err)
    return data


async def async_discover_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return a page of recommendations for a person or everyone, with posters."""
    people: list[str] = []
    with suppress(StoreError):
        people = sorted({person.name for person in await async_load_people(hass)})
    found: dict[str, Any] = await ACTION_HANDLERS["recommend"](
        hass,
        entry,
        Caller(source=SOURCE_DASHBOARD),
        user=page.user,
        media_type=page.media_type,
        count=min(page.end, MAX_RECOMMENDATIONS),
    )
    posters = poster_cache(hass)
    items = [
        {
            key: row[key]
            for key in (
                "media_type",
                "tmdb_id",
                "title",
                "year",
                "label",
                "overview",
                "genres",
                "vote_average",
                "reason",
            )
        }
        | {
            "poster": posters.remote_url(row["media_type"], row["tmdb_id"], source)
            if (source := row["poster"])
            else None
        }
        for row in found["recommendations"][page.offset : page.end]
    ]
    return {
        "items": items,
        "total": found["total"],
        "user": found["user"],
        "people": people,
        "cold_start": found["cold_start"],
    }


def _with_poster(hass: HomeAssistant, row: dict[str, Any]) -> dict[str, Any]:
    """Return a library title's row with its poster URL."""
    return row | {"poster": poster_cache(hass).url(row["media_type"], row["tmdb_id"])}


async def async_care_view(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, page: Page
) -> dict[str, Any]:
    """Return the titles leaving soon (plans in their grace period) and upgrade suggestions."""
    data: dict[str, Any] = {"leaving_soon": [], "upgrades": [], "downgrades": []}
    try:
        plans = await hass.async_add_executor_job(
            async_get_store(hass).run,
            partial(plans_in_grace, entry_id=entry.entry_id, now=dt_util.utcnow()),
        )
    except StoreError as err:
        data["leaving_error"] = str(err)
    else:
        leaving = [
            _with_poster(
                hass,
                {
                    key: item[key]
                    for key in ("title", "instance", "media_type", "tmdb_id")
                }
                | {
                    "size_bytes": item["size_bytes"],
                    "leaves": plan.not_before.isoformat(),
                },
            )
            for plan in plans
            for item in plan.items
        ]
        data["leaving_soon"] = leaving[:MAX_PAGE]
        data["leaving_total"] = len(leaving)
    try:
        found = await ACTION_HANDLERS["suggest_upgrades"](
            hass,
            entry,
            Caller(source=SOURCE_DASHBOARD),
            limit=min(page.limit, SUGGESTIONS_SHOWN),
        )
    except HomeAssistantError as err:
        data["suggest_error"] = str(err)
    else:
        data["upgrades"] = [_with_poster(hass, row) for row in found["upgrades"]]
        data["downgrades"] = [_with_poster(hass, row) for row in found["downgrades"]]
    return data


VIEWS: dict[str, View] = {
    "status": View(
        async_status_view,
        kinds=("status", "health", "root_folders", "queue"),
        events=(f"{DOMAIN}_synced",),
    ),
    "downloads": View(
        async_downloads_view,
        kinds=("queue", "calendar"),
        events=(f"{DOMAIN}_queue_item_removed", f"{DOMAIN}_movie_added"),
        needs=ARR_TYPES,
    ),
    "requests": View(
        async_triaged_requests_view,
        kinds=("requests", "request_events"),
        events=(f"{DOMAIN}_request_approved", f"{DOMAIN}_request_declined"),
        needs=(SERVICE_OVERSEERR,),
    ),
    "activity": View(
        async_activity_view, kinds=("activity",), needs=(SERVICE_TAUTULLI,)
    ),
    "statistics": View(
        async_statistics_view,
        events=(f"{DOMAIN}_history_synced",),
        needs=(SERVICE_TAUTULLI, SERVICE_OVERSEERR),
        every=SLOW_REFRESH,
    ),
    "discover": View(
        async_discover_view,
        events=(
            f"{DOMAIN}_recommendation_dismissed",
            f"{DOMAIN}_movie_added",
            f"{DOMAIN}_series_added",
        ),
        needs=(SERVICE_TMDB,),
        every=SLOW_REFRESH,
    ),
    "care": View(
        async_care_view,
        events=tuple(
            f"{DOMAIN}_{name}"
            for name in ("cleanup_planned", "cleanup_executed", "title_removed")
        ),
        needs=ARR_TYPES,
        every=SLOW_REFRESH,
    ),
    "history": View(
        async_history_view,
        events=(f"{DOMAIN}_synced", f"{DOMAIN}_history_synced", *WRITE_EVENTS),
    ),
}


def missing_services(entry: SmartPlexConfigEntry, view: str) -> list[str]:
    """Return the kinds of service a view needs of which none is configured."""
    needs = VIEWS[view].needs
    if not needs or services_of(entry, needs):
        return []
    return list(needs)


def view_coordinators(
    entry: SmartPlexConfigEntry, view: str
) -> list[SmartPlexCoordinator[Any]]:
    """Return the coordinators whose updates change a view."""
    kinds = VIEWS[view].kinds
    return [
        coordinator
        for service in entry.runtime_data.services.values()
        for coordinator in all_coordinators(service)
        if coordinator.kind in kinds
    ]


async def async_view_data(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, view: str, page: Page
) -> dict[str, Any]:
    """Return one page of a view, or what to add when it has no service to show."""
    if missing := missing_services(entry, view):
        return {"view": view, "not_configured": missing, "config_url": CONFIG_URL}
    try:
        data = await VIEWS[view].build(hass, entry, page)
    except HomeAssistantError as err:
        data = {"error": str(err)}
    return {"view": view, "offset": page.offset, "limit": page.limit, **data}
