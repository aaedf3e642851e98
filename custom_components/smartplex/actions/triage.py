"""Request triage: what each policy would do with the pending requests, and doing it.

The snapshot comes from one Overseerr listing (every request, so each requester's
earlier ones count), the library indexes (owned titles, typical sizes, genres of what was
watched), the root folders' free space and the title cache (TMDB votes, keywords, people).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
import statistics
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.ai.prompts import Candidate
from custom_components.smartplex.api import (
    OverseerrClient,
    OverseerrRequest,
    RequestStatus as OverseerrStatus,
    SmartPlexNotFoundError,
    UserQuota,
)
from custom_components.smartplex.api.overseerr_models import MediaStatus
from custom_components.smartplex.arr_coordinator import ArrCoordinators
from custom_components.smartplex.assistant import async_rerank_rows
from custom_components.smartplex.const import (
    CONF_APPROVE_ABOVE,
    CONF_AUTO_DECLINE,
    CONF_DAILY_CAP,
    CONF_DECLINE_BELOW,
    CONF_FAVOURITE_GENRES,
    CONF_FAVOURITE_PEOPLE,
    CONF_TRIAGE,
    CONF_USER_RULES,
    CONF_WEEKLY_CAP,
    DOMAIN,
    SERVICE_OVERSEERR,
)
from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
    TitleInfo,
)
from custom_components.smartplex.engine.triage import Triage, Triager
from custom_components.smartplex.engine.triage_analytics import (
    DecisionRecord,
    auto_approvals,
    request_analytics,
)
from custom_components.smartplex.engine.triage_features import (
    Household,
    LearntViewers,
    RequestQuota,
    Viewer,
    relearn_viewers,
)
from custom_components.smartplex.engine.triage_policies import (
    Action,
    Policy,
    Rule,
    names,
    parse_user_rules,
)
from custom_components.smartplex.metadata import TitleInfo as CachedTitle
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import SmartPlexStore, async_get_store
from custom_components.smartplex.store.loaders import (
    async_load_people,
    async_load_plays,
)
from custom_components.smartplex.store.metadata import get_titles
from custom_components.smartplex.store.triage_decisions import (
    load_decisions,
    record_decisions,
)

from .common import (
    ARR_TYPES,
    Caller,
    client_of,
    invalid,
    label,
    library_index,
    resolve_service,
    upstream,
)
from .requests import approve_pending, async_decline_request, fetch_title
from .triage_alternatives import async_alternatives

EVENT_REQUEST_TRIAGED = f"{DOMAIN}_request_triaged"
# The last run's viewers: the next run relearns only people whose history changed.
TRIAGE_VIEWERS: HassKey[LearntViewers] = HassKey(f"{DOMAIN}_triage_viewers")
SOURCE_AUTOPILOT = "autopilot"
# Every request, newest first: earlier ones give each requester's request-to-watch
# ratio. A household's whole request history fits in one page.
REQUEST_PAGE = 1000
# Requests the score kept back get titles the requester is likelier to enjoy.
ALTERNATIVE_RULES = (Rule.SCORE_HOLD, Rule.SCORE_DECLINE)
STATUSES = {
    OverseerrStatus.PENDING: RequestStatus.PENDING,
    OverseerrStatus.APPROVED: RequestStatus.APPROVED,
    OverseerrStatus.DECLINED: RequestStatus.DECLINED,
    OverseerrStatus.FAILED: RequestStatus.FAILED,
    OverseerrStatus.COMPLETED: RequestStatus.AVAILABLE,
}


def policy_from_options(options: Mapping[str, Any]) -> Policy:
    """Return the triage policies saved in the hub's options (defaults when unset)."""
    saved = options.get(CONF_TRIAGE, {})
    default = Policy()
    return Policy(
        approve_above=float(saved.get(CONF_APPROVE_ABOVE, default.approve_above)),
        auto_decline=bool(saved.get(CONF_AUTO_DECLINE, False)),
        decline_below=float(saved.get(CONF_DECLINE_BELOW, default.decline_below)),
        favourite_genres=names(saved.get(CONF_FAVOURITE_GENRES, "")),
        favourite_people=names(saved.get(CONF_FAVOURITE_PEOPLE, "")),
        daily_cap=saved.get(CONF_DAILY_CAP),
        weekly_cap=saved.get(CONF_WEEKLY_CAP),
        users=parse_user_rules(saved.get(CONF_USER_RULES, "")),
    )


def requester_id(request: OverseerrRequest, linked: Mapping[int, str]) -> str:
    """Return the person key of a request's requester, as store/requests.py names them.

    A requester linked to a Tautulli user is that user's id (the `user_id` of their
    plays), so their own history feeds the score; anyone else is `overseerr:<id>`.
    """
    overseerr_id = request.requested_by.id if request.requested_by else 0
    return linked.get(overseerr_id, f"overseerr:{overseerr_id}")


def request_record(
    request: OverseerrRequest, linked: Mapping[int, str]
) -> RequestRecord | None:
    """Return a request as the engine sees it (None without a TMDB id or a date)."""
    media = request.media
    if media is None or not media.tmdb_id or request.created_at is None:
        return None
    if request.media_type not in ("movie", "tv"):
        return None
    available = media.status == MediaStatus.AVAILABLE
    return RequestRecord(
        request_id=request.id,
        identity=Identity(request.media_type, media.tmdb_id),  # type: ignore[arg-type]
        requested_by=requester_id(request, linked),
        created=request.created_at,
        status=RequestStatus.AVAILABLE
        if available
        else STATUSES.get(OverseerrStatus(request.status), RequestStatus.PENDING)
        if request.status in OverseerrStatus
        else RequestStatus.PENDING,
        available=(media.media_added_at or request.updated_at) if available else None,
        seasons=request.seasons,
    )


def engine_title(identity: Identity, cached: CachedTitle) -> TitleInfo:
    """Return a cached title as the engine's metadata."""
    return TitleInfo(
        identity=identity,
        title=cached.title,
        year=cached.year,
        genres=cached.genres,
        keywords=cached.keywords,
        people=cached.people,
        language=cached.language,
        vote_average=cached.vote_average,
        vote_count=cached.vote_count,
    )


def _library(
    entry: SmartPlexConfigEntry,
) -> tuple[dict[Identity, TitleInfo], frozenset[Identity], dict[str, int], int | None]:
    """Return the library's titles, what has a file, free space per type, median movie size."""
    titles: dict[Identity, TitleInfo] = {}
    owned: set[Identity] = set()
    free: dict[str, int] = {}
    movie_sizes: list[int] = []
    for service in entry.runtime_data.services.values():
        if service.service_type not in ARR_TYPES:
            continue
        if (index := library_index(service)) is not None:
            for item in index:
                if not item.tmdb_id or item.media_type not in ("movie", "tv"):
                    continue
                identity = Identity(item.media_type, item.tmdb_id)  # type: ignore[arg-type]
                titles[identity] = TitleInfo(
                    identity=identity,
                    title=item.title,
                    year=item.year,
                    genres=item.genres,
                )
                if item.has_file or item.size_on_disk:
                    owned.add(identity)
                if item.media_type == "movie" and item.size_on_disk:
                    movie_sizes.append(item.size_on_disk)
        coordinators = service.coordinators
        if isinstance(coordinators, ArrCoordinators) and coordinators.root_folders.data:
            media_type = "movie" if service.service_type == "radarr" else "tv"
            space = max(
                (folder.free_space or 0 for folder in coordinators.root_folders.data),
                default=0,
            )
            free[media_type] = max(free.get(media_type, 0), space)
    median = int(statistics.median(movie_sizes)) if movie_sizes else None
    return titles, frozenset(owned), free, median


def _learn(
    store: SmartPlexStore,
    plays: list[Play],
    library: Mapping[Identity, TitleInfo],
    now: datetime,
    last: LearntViewers | None,
) -> LearntViewers:
    """Return every person's viewer; run in the executor (it walks every play)."""
    played = {play.identity for play in plays if play.identity is not None}
    titles = {identity: library[identity] for identity in played if identity in library}
    # The cached TMDB details add keywords, people and language to the library's genres.
    titles.update(store.run(partial(get_titles, identities=played, now=now)))
    return relearn_viewers(plays, titles, last)


async def async_household_history(
    hass: HomeAssistant, library: Mapping[Identity, TitleInfo], now: datetime
) -> tuple[list[Play], dict[str, Viewer], dict[int, str], dict[str, str]]:
    """Return the plays, each viewer's taste, the Overseerr-to-Tautulli links and names.

    Read from the database (no upstream request). Learning runs in the executor, since
    it takes about a second on 200,000 plays; only the people whose history changed
    since the last run are learnt again.
    """
    plays = await async_load_plays(hass)
    people = await async_load_people(hass)
    learnt = hass.data[TRIAGE_VIEWERS] = await hass.async_add_executor_job(
        _learn,
        async_get_store(hass),
        plays,
        library,
        now,
        hass.data.get(TRIAGE_VIEWERS),
    )
    viewers = learnt[1]
    linked = {
        person.overseerr_user_id: str(person.user_id)
        for person in people
        if person.overseerr_user_id is not None
    }
    names = {
        str(person.user_id): person.overseerr_name or person.name for person in people
    }
    return plays, viewers, linked, names


async def async_snapshot(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, service: SmartPlexService
) -> tuple[Household, dict[int, OverseerrRequest], list[Play]]:
    """Gather what triage looks at; Overseerr errors propagate (nothing was changed)."""
    client = client_of(service, OverseerrClient)
    page = await client.requests(take=REQUEST_PAGE, request_filter="all")
    now = dt_util.utcnow()
    titles, owned, free, movie_bytes = _library(entry)
    plays, viewers, linked, viewer_names = await async_household_history(
        hass, titles, now
    )
    by_id = {request.id: request for request in page.records}
    records = [
        record
        for request in page.records
        if (record := request_record(request, linked))
    ]
    pending = {
        record.identity for record in records if record.status is RequestStatus.PENDING
    }
    cached = await entry.runtime_data.titles.async_get_many(
        [(identity.media_type, identity.tmdb_id) for identity in sorted(pending)],
        partial(fetch_title, client),
    )
    for (media_type, tmdb_id), info in cached.items():
        identity = Identity(media_type, tmdb_id)  # type: ignore[arg-type]
        titles[identity] = engine_title(identity, info)
    people = viewer_names | {
        requester_id(request, linked): request.requested_by.display_name
        for request in page.records
        if request.requested_by
    }
    household = Household(
        now=now,
        titles=titles,
        viewers=viewers,
        requests=records,
        names=people,
        owned=owned,
        free_bytes=free,
    )
    if movie_bytes:
        household = replace(household, movie_bytes=movie_bytes)
    return household, by_id, plays


async def async_quotas(
    client: OverseerrClient, requests: Iterable[tuple[str, OverseerrRequest]]
) -> dict[tuple[str, str], RequestQuota]:
    """Read the quotas of the people behind these requests, once per requester.

    Not cached between runs: every new request changes them. The client bounds how many
    are read at once; a requester Overseerr no longer knows has none.
    """
    people = {
        request.requested_by.id: person
        for person, request in requests
        if request.requested_by is not None
    }

    async def read(overseerr_id: int) -> UserQuota | None:
        try:
            return await client.user_quota(overseerr_id)
        except SmartPlexNotFoundError:
            return None

    replies = await asyncio.gather(*(read(overseerr_id) for overseerr_id in people))
    return {
        (person, media_type): RequestQuota(
            limit=quota.limit, used=quota.used, days=quota.days
        )
        for person, reply in zip(people.values(), replies, strict=True)
        if reply is not None
        for media_type, quota in (("movie", reply.movie), ("tv", reply.tv))
    }


def _matches(wanted: str | None, name: str) -> bool:
    """Return whether a requester's name is the one asked for (any when none)."""
    return wanted is None or wanted.strip().casefold() == name.casefold()


def _row(
    triage: Triage, triager: Triager, request: OverseerrRequest, service: str
) -> dict[str, Any]:
    """Return one decision as response (and event) data."""
    title = triager.household.titles.get(triage.decision.identity)
    return {
        **triage.as_dict(),
        "instance": service,
        "title": label(title.title, title.year) if title else None,
        "requested_by": triager.name(triage.requested_by),
        "requested_at": request.created_at.isoformat() if request.created_at else None,
    }


async def async_triage_requests(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    user: str | None = None,
    apply: bool = False,
    instance: str | None = None,
) -> dict[str, Any]:
    """Say what each policy would do with every pending request; with apply, do it.

    Applying approves what triage approves, and declines only when automatic declines
    are switched on in the options; holds stay for a person.
    """
    service = resolve_service(entry, SERVICE_OVERSEERR, instance)
    return await run_triage(hass, entry, service, caller, user=user, apply=apply)


async def async_approve_triaged(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, caller: Caller
) -> dict[str, Any]:
    """Approve what triage approves and nothing else ("approve the ones you would").

    What triage would decline stays pending even with automatic declines on: the words
    asked for approvals.
    """
    service = resolve_service(entry, SERVICE_OVERSEERR, None)
    return await run_triage(hass, entry, service, caller, apply=True, declines=False)


async def run_triage(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    service: SmartPlexService,
    caller: Caller,
    *,
    user: str | None = None,
    apply: bool = False,
    declines: bool = True,
    only: Iterable[int] | None = None,
) -> dict[str, Any]:
    """Triage the pending requests (or only some), applying the decisions when asked.

    Without declines, applying only approves; what triage declines is held.
    """
    with upstream(service):
        household, by_id, plays = await async_snapshot(hass, entry, service)
    store = async_get_store(hass)
    earlier = await hass.async_add_executor_job(
        store.run, partial(load_decisions, instance=service.subentry_id)
    )
    wanted_ids = None if only is None else set(only)
    pending = sorted(
        (
            record
            for record in household.requests
            if record.status is RequestStatus.PENDING
            and (wanted_ids is None or record.request_id in wanted_ids)
            and _matches(user, household.names.get(record.requested_by, ""))
        ),
        key=lambda record: (record.created, record.request_id),
    )
    if (
        user is not None
        and not pending
        and not any(_matches(user, name) for name in household.names.values())
    ):
        raise invalid(
            "user_not_found",
            user=user,
            candidates=", ".join(sorted(set(household.names.values()))) or "-",
        )
    with upstream(service):
        quotas = await async_quotas(
            client_of(service, OverseerrClient),
            [(record.requested_by, by_id[record.request_id]) for record in pending],
        )
    household = replace(
        household, auto_approvals=auto_approvals(earlier), quotas=quotas
    )
    triager = Triager(household, policy_from_options(entry.options))
    decided = [triager.decide(record) for record in pending]
    with_alternatives = await async_alternatives(
        hass, triager, [t for t in decided if t.rule in ALTERNATIVE_RULES], plays
    )
    rows = []
    applied: list[DecisionRecord] = []
    failed: str | None = None
    for decision in decided:
        triage = with_alternatives.get(decision.request_id, decision)
        row = _row(triage, triager, by_id[triage.request_id], service.title)
        if apply:
            if failed is None:
                row["outcome"], failed = await _apply(
                    hass,
                    entry,
                    service,
                    caller,
                    triage,
                    triager.policy.auto_decline and declines,
                )
            else:
                row["outcome"] = "untouched"
            applied.append(_record(triage, row["outcome"], caller, household.now))
            if row["outcome"] in ("approved", "declined", "held"):
                hass.bus.async_fire(
                    EVENT_REQUEST_TRIAGED,
                    {**_event(row), "source": caller.source},
                    context=caller.context,
                )
        rows.append(row)
    if applied:
        await hass.async_add_executor_job(
            store.transaction,
            partial(record_decisions, instance=service.subentry_id, decisions=applied),
        )
    counts = {action.value: 0 for action in Action}
    for row in rows:
        counts[row["action"]] += 1
    return {
        "requests": rows,
        "total": len(rows),
        "counts": counts,
        "applied": apply,
        **({"error": failed} if failed else {}),
        **await _ai_order(entry, rows),
        "analytics": request_analytics(
            household.requests,
            [*earlier, *applied],
            {user: viewer.outcome for user, viewer in household.viewers.items()},
            household.now,
        ),
    }


def _record(
    triage: Triage, outcome: str, caller: Caller, now: datetime
) -> DecisionRecord:
    """Return an applied decision as the decision store keeps it."""
    decision = triage.decision
    return DecisionRecord(
        request_id=triage.request_id,
        identity=decision.identity,
        requested_by=triage.requested_by,
        action=decision.action,
        policy=triage.rule,
        score=round(decision.score.total, 4),
        features=decision.score.as_dict(),
        reason=decision.reason,
        source=caller.source,
        decided=now,
        outcome=outcome,
    )


async def _ai_order(
    entry: SmartPlexConfigEntry, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """Reorder the rows by the LLM when re-ranking is on; the decisions stay the engine's."""
    rows[:], note = await async_rerank_rows(
        entry.runtime_data.assistant, "triage", rows, _candidate
    )
    return note


def _candidate(candidate_id: str, row: dict[str, Any]) -> Candidate:
    """Return the LLM's view of a triage row."""
    return Candidate(
        candidate_id,
        row["title"] or row["identity"],
        None,
        row["reason"],
        {
            "requested_by": row["requested_by"],
            "engine_action": row["action"],
            "score": row["score"],
        },
    )


def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the small event payload of a decision."""
    return {
        key: row[key]
        for key in (
            "request_id",
            "instance",
            "identity",
            "title",
            "requested_by",
            "action",
            "policy",
            "score",
            "reason",
        )
    }


async def _apply(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    service: SmartPlexService,
    caller: Caller,
    triage: Triage,
    declines: bool,
) -> tuple[str, str | None]:
    """Approve or decline one request; return its outcome and, if Overseerr failed, why.

    The write re-reads the request inside its lock: one approved or declined by someone
    else meanwhile is skipped, not changed.
    """
    decision = triage.decision
    try:
        if decision.action is Action.APPROVE:
            await approve_pending(
                hass,
                entry,
                caller,
                triage.request_id,
                service.title,
                reason=decision.reason,
            )
            return "approved", None
        if decision.action is Action.DECLINE and declines:
            await async_decline_request(
                hass,
                entry,
                caller,
                request_id=triage.request_id,
                reason=decision.reason,
                instance=service.title,
            )
            return "declined", None
    except ServiceValidationError as err:
        return f"skipped: {err}", None
    except HomeAssistantError as err:
        return "untouched", str(err)
    return "held", None


async def async_autopilot(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    service: SmartPlexService,
    request_ids: Iterable[int],
) -> dict[str, Any]:
    """Triage and act on new requests (HomeAssistantError: Overseerr failed, none touched)."""
    result = await run_triage(
        hass,
        entry,
        service,
        Caller(source=SOURCE_AUTOPILOT),
        apply=True,
        only=request_ids,
    )
    if error := result.get("error"):
        raise HomeAssistantError(error)
    return result
