"""Request triage: what each policy would do with the pending requests, and doing it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.smartplex.ai.prompts import Candidate
from custom_components.smartplex.api import OverseerrClient, OverseerrRequest
from custom_components.smartplex.assistant import async_rerank_rows
from custom_components.smartplex.const import DOMAIN, SERVICE_OVERSEERR
from custom_components.smartplex.engine.models import RequestStatus
from custom_components.smartplex.engine.triage import Triage, Triager
from custom_components.smartplex.engine.triage_analytics import (
    DecisionRecord,
    auto_approvals,
    request_analytics,
)
from custom_components.smartplex.engine.triage_policies import Action, Rule
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.triage_decisions import (
    load_decisions,
    record_decisions,
)

from .common import Caller, client_of, invalid, label, resolve_service, upstream
from .requests import approve_pending, async_decline_request
from .triage_alternatives import async_alternatives
from .triage_snapshot import async_quotas, async_snapshot, policy_from_options

EVENT_REQUEST_TRIAGED = f"{DOMAIN}_request_triaged"
SOURCE_AUTOPILOT = "autopilot"
# Requests the score kept back get titles the requester is likelier to enjoy.
ALTERNATIVE_RULES = (Rule.SCORE_HOLD, Rule.SCORE_DECLINE)


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
        household, by_id = await async_snapshot(hass, entry, service)
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
        hass, triager, [t for t in decided if t.rule in ALTERNATIVE_RULES]
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
