"""List, approve and decline Overseerr requests."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, cast

from homeassistant.core import HomeAssistant

from custom_components.smartplex.api import (
    OverseerrClient,
    OverseerrRequest,
    RequestStatus,
    SmartPlexNotFoundError,
)
from custom_components.smartplex.api.overseerr import RequestFilter
from custom_components.smartplex.const import DOMAIN, SERVICE_OVERSEERR
from custom_components.smartplex.library import normalize_title
from custom_components.smartplex.metadata import TitleInfo, TitleKey
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService

from .common import (
    ARR_TYPES,
    MAX_CANDIDATES,
    Caller,
    MediaType,
    audited_write,
    client_of,
    find_owned,
    invalid,
    iso,
    label,
    library_index,
    resolve_service,
    target_lock,
    upstream,
)

# -- requests ----------------------------------------------------------------------------


EVENT_REQUEST_APPROVED = f"{DOMAIN}_request_approved"
EVENT_REQUEST_DECLINED = f"{DOMAIN}_request_declined"
REQUEST_STATUSES = (
    "pending",
    "approved",
    "declined",
    "processing",
    "available",
    "unavailable",
    "failed",
    "all",
)
REQUEST_STATUS_NAMES = {
    RequestStatus.PENDING: "pending",
    RequestStatus.APPROVED: "approved",
    RequestStatus.DECLINED: "declined",
    RequestStatus.FAILED: "failed",
    RequestStatus.COMPLETED: "completed",
}
# A request someone else approved or declined first is refused with what happened to it.
DECIDED_REQUEST_ERRORS: dict[int, str] = {
    RequestStatus.APPROVED: "request_already_approved",
    RequestStatus.DECLINED: "request_already_declined",
}
# Requests older than the newest page are mostly settled; one page bounds the cost.
SEARCH_REQUEST_PAGE = 100


async def request_titles(
    entry: SmartPlexConfigEntry,
    overseerr: SmartPlexService,
    keys: Iterable[TitleKey],
) -> dict[TitleKey, tuple[str, int | None]]:
    """Return (title, year) per (media type, TMDB id); unknown ones are left out.

    Titles in a library come from its index, the rest from Overseerr (which has them
    from TMDB), cached: a steady-state list costs no request per row.
    """
    titles: dict[TitleKey, tuple[str, int | None]] = {}
    missing: list[TitleKey] = []
    indexes = [
        (service, index)
        for service in entry.runtime_data.services.values()
        if service.service_type in ARR_TYPES
        and (index := library_index(service)) is not None
    ]
    for key in dict.fromkeys(keys):
        if owned := find_owned(indexes, *key):
            titles[key] = (owned[2].title, owned[2].year)
        else:
            missing.append(key)
    client = client_of(overseerr, OverseerrClient)

    cached = await entry.runtime_data.titles.async_get_many(
        missing, partial(fetch_title, client)
    )
    titles.update((key, (info.title, info.year)) for key, info in cached.items())
    return titles


async def fetch_title(client: OverseerrClient, key: TitleKey) -> TitleInfo:
    """Return what Overseerr has of a title from TMDB (for the title cache)."""
    details = await client.title(cast("MediaType", key[0]), key[1])
    return TitleInfo(
        title=details.title,
        year=details.year,
        poster_path=details.poster_path,
        genres=details.genres,
        vote_average=details.vote_average,
        vote_count=details.vote_count,
        language=details.language,
        keywords=details.keywords,
        people=details.people,
    )


def request_key(request: OverseerrRequest) -> tuple[str, int] | None:
    """Return (media type, TMDB id) of a request."""
    if request.media is None or not request.media.tmdb_id:
        return None
    return (request.media_type, request.media.tmdb_id)


def request_status_name(status: int) -> str:
    """Return the name of a request status."""
    for value, name in REQUEST_STATUS_NAMES.items():
        if value == status:
            return name
    return str(status)


def request_dict(
    request: OverseerrRequest,
    titles: dict[tuple[str, int], tuple[str, int | None]],
    instance: str,
) -> dict[str, Any]:
    """Return a request as response data."""
    key = request_key(request)
    title, year = titles.get(key, (None, None)) if key else (None, None)
    return {
        "request_id": request.id,
        "instance": instance,
        "status": request_status_name(request.status),
        "media_type": request.media_type,
        "tmdb_id": key[1] if key else None,
        "title": title,
        "year": year,
        "requested_by": request.requested_by.display_name
        if request.requested_by
        else None,
        "requested_at": iso(request.created_at),
        "is_4k": request.is_4k,
        "seasons": list(request.seasons),
    }


def describe_request(request: dict[str, Any]) -> str:
    """Return "Anna's request for Dune (2021)" for a request dict."""
    what = (
        label(request["title"], request["year"])
        if request["title"]
        else f"{request['media_type']} {request['tmdb_id']}"
    )
    who = request["requested_by"]
    return (
        f"{who}'s request for {what}"
        if who
        else f"request {request['request_id']} for {what}"
    )


async def async_get_requests(
    entry: SmartPlexConfigEntry,
    *,
    status: str = "pending",
    user: str | None = None,
    media_type: str | None = None,
    limit: int = 20,
    instance: str | None = None,
) -> dict[str, Any]:
    """List requests by status, requester and type, with titles."""
    service = resolve_service(entry, SERVICE_OVERSEERR, instance)
    client = client_of(service, OverseerrClient)
    with upstream(service):
        user_id = None
        if user is not None:
            users = (await client.users(take=1000)).records
            wanted = user.strip().casefold()
            matches = [
                item.id
                for item in users
                if wanted
                in {
                    (name or "").casefold()
                    for name in (
                        item.display_name,
                        item.username,
                        item.plex_username,
                        item.email,
                    )
                }
            ]
            if not matches:
                raise invalid(
                    "user_not_found",
                    user=user,
                    candidates=", ".join(item.display_name for item in users) or "-",
                )
            user_id = matches[0]
        # Overseerr has no "declined" filter: fetch everything and filter here.
        request_filter = cast(
            "RequestFilter", "all" if status == "declined" else status
        )
        page = await client.requests(
            take=limit if status != "declined" and media_type is None else 1000,
            request_filter=request_filter,
            requested_by=user_id,
        )
        requests = [
            request
            for request in page.records
            if (status != "declined" or request.status == RequestStatus.DECLINED)
            and (media_type is None or request.media_type == media_type)
        ][:limit]
        titles = await request_titles(
            entry, service, filter(None, map(request_key, requests))
        )
    return {
        "requests": [
            request_dict(request, titles, service.title) for request in requests
        ],
        "total": len(requests),
    }


async def _pending_request(
    entry: SmartPlexConfigEntry, service: SmartPlexService, request_id: int
) -> dict[str, Any]:
    """Fetch a request that can still be approved or declined."""
    client = client_of(service, OverseerrClient)
    with upstream(service):
        try:
            request = await client.request(request_id)
        except SmartPlexNotFoundError:
            raise invalid("request_not_found", request_id=request_id) from None
        key = request_key(request)
        titles = await request_titles(entry, service, [key] if key else [])
    found = request_dict(request, titles, service.title)
    if request.status != RequestStatus.PENDING:
        raise invalid(
            DECIDED_REQUEST_ERRORS.get(request.status, "request_not_pending"),
            request=describe_request(found),
            status=found["status"],
        )
    return found


async def async_find_pending_request(
    entry: SmartPlexConfigEntry, *, title: str, user: str | None = None
) -> dict[str, Any]:
    """Return the one pending request for a title (and requester); refuse to guess."""
    listing = await async_get_requests(entry, status="pending", user=user, limit=1000)
    pending: list[dict[str, Any]] = listing["requests"]
    wanted = normalize_title(title)
    matches = [
        request
        for request in pending
        if request["title"] and normalize_title(request["title"]) == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    candidates = ", ".join(
        describe_request(request) for request in (matches or pending)[:MAX_CANDIDATES]
    )
    if matches:
        raise invalid("ambiguous_request", title=title, candidates=candidates)
    raise invalid(
        "pending_request_not_found", title=title, candidates=candidates or "-"
    )


async def async_approve_request(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    request_id: int,
    instance: str | None = None,
) -> dict[str, Any]:
    """Approve a pending request (Overseerr then sends it to Radarr or Sonarr)."""
    return await approve_pending(hass, entry, caller, request_id, instance)


async def approve_pending(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    request_id: int,
    instance: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Approve a pending request; a reason (triage's) rides in the audit row and event."""
    service = resolve_service(entry, SERVICE_OVERSEERR, instance)
    client = client_of(service, OverseerrClient)
    async with target_lock(hass, service.subentry_id, "request", request_id):
        # Checked inside the lock: a concurrent approval or decline wins or loses whole.
        request = await _pending_request(entry, service, request_id)
        result = {**request, "status": "approved"}
        announced = _event_request(result) | ({"reason": reason} if reason else {})

        async def approve() -> dict[str, Any]:
            await client.approve_request(request_id)
            return announced

        await audited_write(
            hass,
            caller,
            service,
            event=EVENT_REQUEST_APPROVED,
            target=f"{service.title}: {describe_request(request)}",
            intent=announced,
            write=approve,
        )
    return result


def _event_request(request: dict[str, Any]) -> dict[str, Any]:
    """Return the small event payload of a request."""
    return {
        key: request[key]
        for key in (
            "request_id",
            "instance",
            "media_type",
            "tmdb_id",
            "title",
            "year",
            "requested_by",
        )
    }


async def async_decline_request(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    request_id: int,
    reason: str | None = None,
    instance: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Decline a pending request; with dry_run only say what would happen."""
    service = resolve_service(entry, SERVICE_OVERSEERR, instance)
    client = client_of(service, OverseerrClient)
    if dry_run:
        request = await _pending_request(entry, service, request_id)
        summary = f"decline {describe_request(request)}"
        return {"planned": True, "summary": summary, "request": request}
    async with target_lock(hass, service.subentry_id, "request", request_id):
        # Checked inside the lock: a concurrent approval or decline wins or loses whole.
        request = await _pending_request(entry, service, request_id)
        result = {**request, "status": "declined", "reason": reason}

        async def decline() -> dict[str, Any]:
            await client.decline_request(request_id)
            return {**_event_request(result), "reason": reason}

        await audited_write(
            hass,
            caller,
            service,
            event=EVENT_REQUEST_DECLINED,
            target=f"{service.title}: {describe_request(request)}",
            intent={**_event_request(result), "reason": reason},
            write=decline,
        )
    return result


# -- queue -------------------------------------------------------------------------------
