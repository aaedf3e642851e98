"""What request triage looks at, gathered without changing anything.

Every request comes from one Overseerr listing (each requester's earlier ones count), the library
indexes give owned titles, typical sizes and genres of what was watched, the root folders give free
space and the title cache gives TMDB votes, keywords and people.
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
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.api import (
    OverseerrClient,
    OverseerrRequest,
    RequestStatus as OverseerrStatus,
    SmartPlexNotFoundError,
    UserQuota,
)
from custom_components.smartplex.api.overseerr_models import MediaStatus
from custom_components.smartplex.arr_coordinator import ArrCoordinators
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
)
from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
    TitleInfo,
)
from custom_components.smartplex.engine.triage_features import (
    Household,
    LearntViewers,
    RequestQuota,
    Viewer,
    relearn_viewers,
)
from custom_components.smartplex.engine.triage_policies import (
    Policy,
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

from .common import ARR_TYPES, client_of, library_index
from .requests import fetch_title

# The last run's viewers: the next run relearns only people whose history changed.
TRIAGE_VIEWERS: HassKey[LearntViewers] = HassKey(f"{DOMAIN}_triage_viewers")


# Every request, newest first: earlier ones give each requester's request-to-watch
# ratio. A household's whole request history fits in one page.
REQUEST_PAGE = 1000


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


def household_library(
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


def learn_viewers(
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
) -> tuple[dict[str, Viewer], dict[int, str], dict[str, str]]:
    """Return each viewer's taste, the Overseerr-to-Tautulli links and names.

    Read from the database (no upstream request). Learning runs in the executor, since
    it takes about a second on 200,000 plays; only the people whose history changed
    since the last run are learnt again.
    """
    plays = await async_load_plays(hass)
    people = await async_load_people(hass)
    learnt = hass.data[TRIAGE_VIEWERS] = await hass.async_add_executor_job(
        learn_viewers,
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
    return viewers, linked, names


async def async_snapshot(
    hass: HomeAssistant, entry: SmartPlexConfigEntry, service: SmartPlexService
) -> tuple[Household, dict[int, OverseerrRequest]]:
    """Gather what triage looks at; Overseerr errors propagate (nothing was changed)."""
    client = client_of(service, OverseerrClient)
    page = await client.requests(take=REQUEST_PAGE, request_filter="all")
    now = dt_util.utcnow()
    titles, owned, free, movie_bytes = household_library(entry)
    viewers, linked, viewer_names = await async_household_history(hass, titles, now)
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
    return household, by_id


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
