"""What SmartPlex can do, shared by the actions, the intents and the LLM tools."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import re
from typing import Any, Literal, cast
from weakref import WeakValueDictionary

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import (
    Episode,
    Movie,
    OverseerrClient,
    OverseerrRequest,
    QualityProfile,
    RadarrClient,
    RadarrQueueItem,
    RequestStatus,
    RootFolder,
    Series,
    SmartPlexError,
    SmartPlexNotFoundError,
    SonarrClient,
    SonarrQueueItem,
    TmdbClient,
)
from .api.overseerr import RequestFilter
from .calendar import movie_releases
from .const import (
    DOMAIN,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
    SERVICE_TYPES,
)
from .coordinator import ArrCoordinators, all_coordinators
from .library import LibraryIndex, LibraryItem, item_from_added
from .metadata import TitleInfo, TitleKey
from .models import SmartPlexConfigEntry, SmartPlexService
from .store import AuditRecord, AuditStatus, async_begin_audit, async_finish_audit

SOURCE_INTENT = "intent"
SOURCE_LLM = "llm"
SOURCE_SERVICE = "service"

EVENT_MOVIE_ADDED = f"{DOMAIN}_movie_added"
EVENT_SERIES_ADDED = f"{DOMAIN}_series_added"
EVENT_REQUEST_APPROVED = f"{DOMAIN}_request_approved"
EVENT_REQUEST_DECLINED = f"{DOMAIN}_request_declined"
EVENT_QUEUE_ITEM_REMOVED = f"{DOMAIN}_queue_item_removed"
EVENT_SYNCED = f"{DOMAIN}_synced"

# Writes to one upstream object (a request, a download, a title) wait for each other.
DATA_TARGET_LOCKS: HassKey[WeakValueDictionary[tuple[object, ...], asyncio.Lock]] = (
    HassKey(f"{DOMAIN}_target_locks")
)

SERVICE_NAMES = {
    SERVICE_OVERSEERR: "Overseerr",
    SERVICE_RADARR: "Radarr",
    SERVICE_SONARR: "Sonarr",
    SERVICE_TAUTULLI: "Tautulli",
    SERVICE_TMDB: "TMDB",
}
ARR_TYPES = (SERVICE_RADARR, SERVICE_SONARR)
ARR_OF_MEDIA = {"movie": SERVICE_RADARR, "tv": SERVICE_SONARR}
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
SERIES_MONITOR = {
    "all": "all",
    "existing": "existing",
    "first_season": "firstSeason",
    "future": "future",
    "last_season": "lastSeason",
    "missing": "missing",
    "none": "none",
    "pilot": "pilot",
}
# A request someone else approved or declined first is refused with what happened to it.
DECIDED_REQUEST_ERRORS: dict[int, str] = {
    RequestStatus.APPROVED: "request_already_approved",
    RequestStatus.DECLINED: "request_already_declined",
}
MINIMUM_AVAILABILITY = ("announced", "in_cinemas", "released")
# Requests older than the newest page are mostly settled; one page bounds the cost.
SEARCH_REQUEST_PAGE = 100
MAX_CANDIDATES = 8
GIGABYTE = 1_000_000_000

type MediaType = Literal["movie", "tv"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who asked for an action and through which surface."""

    source: str
    context: Context | None = None

    @property
    def user_id(self) -> str | None:
        """Return the Home Assistant user behind the call, if known."""
        return self.context.user_id if self.context else None


def client_of[ClientT](service: SmartPlexService, kind: type[ClientT]) -> ClientT:
    """Return the client of a service, narrowed to the expected kind."""
    client = service.client
    assert isinstance(client, kind)
    return client


def arr_client(service: SmartPlexService) -> RadarrClient | SonarrClient:
    """Return the client of a Sonarr or Radarr."""
    client = service.client
    assert isinstance(client, RadarrClient | SonarrClient)
    return client


def arr_coordinators(service: SmartPlexService) -> ArrCoordinators:
    """Return the coordinators of a Sonarr or Radarr."""
    coordinators = service.coordinators
    assert isinstance(coordinators, ArrCoordinators)
    return coordinators


def library_index(service: SmartPlexService) -> LibraryIndex | None:
    """Return the library index of a Sonarr or Radarr, None until it was first loaded."""
    index = arr_coordinators(service).library.index
    return index if index.loaded else None


type Owned = tuple[SmartPlexService, LibraryIndex, LibraryItem]


def find_owned(
    indexes: Iterable[tuple[SmartPlexService, LibraryIndex]],
    media_type: str,
    tmdb_id: int,
) -> Owned | None:
    """Return the instance, index and entry of a title in the first library holding it."""
    for service, index in indexes:
        if service.service_type == ARR_OF_MEDIA.get(media_type) and (
            item := index.by_tmdb(tmdb_id)
        ):
            return service, index, item
    return None


def invalid(key: str, **placeholders: object) -> ServiceValidationError:
    """Return a translated validation error."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            name: str(value) for name, value in placeholders.items()
        },
    )


@contextmanager
def upstream(service: SmartPlexService) -> Iterator[None]:
    """Turn a client error of one service into a translated Home Assistant error."""
    try:
        yield
    except SmartPlexError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="service_error",
            translation_placeholders={"service": service.title, "error": str(err)},
        ) from err


def resolve_entry(hass: HomeAssistant, entry_id: str | None) -> SmartPlexConfigEntry:
    """Return the loaded hub entry asked for, or the only one when none is named."""
    if entry_id is None:
        entries = hass.config_entries.async_entries(DOMAIN)
        if not entries:
            raise invalid("entry_not_found", entry=DOMAIN)
        entry = entries[0]
    elif (found := hass.config_entries.async_get_entry(entry_id)) is None or (
        found.domain != DOMAIN
    ):
        raise invalid("entry_not_found", entry=entry_id)
    else:
        entry = found
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", entry=entry.title)
    return cast("SmartPlexConfigEntry", entry)


def resolve_services(
    entry: SmartPlexConfigEntry, kinds: Sequence[str], name: str | None
) -> list[SmartPlexService]:
    """Return the named instance of the given kinds, or all of them when unnamed."""
    services = [
        service
        for service in entry.runtime_data.services.values()
        if service.service_type in kinds
    ]
    if not services:
        raise invalid(
            "service_not_configured",
            service=" / ".join(SERVICE_NAMES[kind] for kind in kinds),
        )
    if name is None:
        return services
    wanted = name.strip().casefold()
    if matches := [s for s in services if s.title.casefold() == wanted]:
        return matches
    raise invalid(
        "instance_not_found",
        name=name,
        candidates=", ".join(service.title for service in services),
    )


def resolve_service(
    entry: SmartPlexConfigEntry, kind: str, name: str | None
) -> SmartPlexService:
    """Return the named instance of a kind, or the first configured one."""
    return resolve_services(entry, (kind,), name)[0]


def _normalize(text: str) -> str:
    """Return a title reduced to lower-case words for matching."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def label(title: str, year: int | None) -> str:
    """Return 'Title (year)'."""
    return f"{title} ({year})" if year else title


def pick_title[ItemT: (Movie, Series)](
    items: Sequence[ItemT], title: str, year: int | None
) -> ItemT:
    """Return the lookup result whose title (and year) match, refusing to guess."""
    wanted = _normalize(title)
    matches = [item for item in items if _normalize(item.title) == wanted]
    if year is not None:
        matches = [item for item in matches if item.year == year]
    if len(matches) == 1:
        return matches[0]
    if not (shown := (matches or items)[:MAX_CANDIDATES]):
        raise invalid("nothing_found", title=label(title, year))
    candidates = ", ".join(_candidate_labels(shown))
    if matches:
        raise invalid("ambiguous_title", title=title, candidates=candidates)
    raise invalid("title_not_found", title=label(title, year), candidates=candidates)


def _candidate_labels(items: Sequence[Movie | Series]) -> list[str]:
    """Return 'Title (year)' per item, with its id where title and year repeat."""
    labels = [label(item.title, item.year) for item in items]
    # Remakes share title and year; only the id then tells them apart.
    return [
        f"{text} {_id_label(item)}" if labels.count(text) > 1 else text
        for text, item in zip(labels, items, strict=True)
    ]


def _id_label(item: Movie | Series) -> str:
    """Return the id a title is added by: 'TMDB 123' for movies, 'TVDB 456' for series."""
    if isinstance(item, Movie):
        return f"TMDB {item.tmdb_id}"
    return f"TVDB {item.tvdb_id}"


def _pick_profile(
    profiles: list[QualityProfile], wanted: str | None, by_use: Sequence[int]
) -> QualityProfile:
    """Return the named (or numbered) profile, else the one the library uses most."""
    if not profiles:
        raise invalid(
            "quality_profile_not_found", profile=wanted or "-", candidates="-"
        )
    if wanted is None:
        by_id = {profile.id: profile for profile in profiles}
        for profile_id in by_use:
            if profile_id in by_id:
                return by_id[profile_id]
        return profiles[0]
    for profile in profiles:
        if (
            profile.name.casefold() == wanted.strip().casefold()
            or str(profile.id) == wanted
        ):
            return profile
    raise invalid(
        "quality_profile_not_found",
        profile=wanted,
        candidates=", ".join(profile.name for profile in profiles),
    )


async def _profile_and_folder(
    client: RadarrClient | SonarrClient,
    index: LibraryIndex | None,
    quality_profile: str | None,
    root_folder: str | None,
) -> tuple[QualityProfile, RootFolder]:
    """Return the quality profile and root folder to add with, defaults from the instance.

    The most used profile comes from the library index; before the index was first
    loaded the instance's first profile is the default.
    """
    profiles, folders = await asyncio.gather(
        client.quality_profiles(), client.root_folders()
    )
    by_use = index.profiles_by_use() if index is not None else []
    return _pick_profile(profiles, quality_profile, by_use), _pick_folder(
        folders, root_folder
    )


def _pick_folder(folders: list[RootFolder], wanted: str | None) -> RootFolder:
    """Return the root folder asked for, else the reachable one with most free space."""
    if wanted is not None:
        for folder in folders:
            if folder.path.rstrip("/") == wanted.strip().rstrip("/"):
                return folder
    elif usable := [folder for folder in folders if folder.accessible]:
        return max(usable, key=lambda folder: folder.free_space or 0)
    raise invalid(
        "root_folder_not_found",
        folder=wanted or "-",
        candidates=", ".join(folder.path for folder in folders) or "-",
    )


def _target_lock(hass: HomeAssistant, *key: object) -> asyncio.Lock:
    """Return the lock that serialises writes to one upstream object."""
    locks = hass.data.setdefault(DATA_TARGET_LOCKS, WeakValueDictionary())
    if (lock := locks.get(key)) is None:
        lock = locks[key] = asyncio.Lock()
    return lock


async def _until_done[ResultT](
    hass: HomeAssistant, job: Coroutine[Any, Any, ResultT]
) -> ResultT:
    """Run a job to its end even if the caller is cancelled meanwhile."""
    return await asyncio.shield(hass.async_create_task(job))


async def _audited_write(
    hass: HomeAssistant,
    caller: Caller,
    service: SmartPlexService,
    *,
    event: str,
    target: str,
    intent: dict[str, Any],
    write: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Record the intent, make the upstream write, then record its outcome and announce it.

    The write returns the event data. Once the upstream accepted it, neither a
    cancellation nor a database problem loses its audit row or its event; a write
    cancelled while the upstream was answering is recorded as of unknown outcome.
    """
    begin = hass.async_create_task(
        async_begin_audit(
            hass,
            action=event.removeprefix(f"{DOMAIN}_"),
            target=target,
            details=intent,
            source=caller.source,
            user_id=caller.user_id,
        )
    )
    try:
        record = await asyncio.shield(begin)
    except asyncio.CancelledError:
        # Nothing was sent upstream: close the row once it is written.
        begin.add_done_callback(partial(_abandon, hass))
        raise
    try:
        with upstream(service):
            data = await write()
    except asyncio.CancelledError:
        await _until_done(
            hass,
            async_finish_audit(
                hass,
                record,
                AuditStatus.UNKNOWN,
                error="cancelled while the service was answering",
            ),
        )
        raise
    except Exception as err:
        await _until_done(
            hass, async_finish_audit(hass, record, AuditStatus.FAILED, error=str(err))
        )
        raise
    await _until_done(hass, _async_announce(hass, caller, record, event, data))
    return data


def _abandon(hass: HomeAssistant, begin: asyncio.Task[AuditRecord]) -> None:
    """Mark the audit row of a write cancelled before it was sent as failed."""
    if not begin.cancelled() and begin.exception() is None:
        hass.async_create_task(
            async_finish_audit(
                hass,
                begin.result(),
                AuditStatus.FAILED,
                error="cancelled before it was sent",
            )
        )


async def _async_announce(
    hass: HomeAssistant,
    caller: Caller,
    record: AuditRecord,
    event: str,
    data: dict[str, Any],
) -> None:
    """Record a successful write in the audit trail and fire its event."""
    await async_finish_audit(hass, record, AuditStatus.DONE, details=data)
    hass.bus.async_fire(
        event, {**data, "source": caller.source}, context=caller.context
    )


def _iso(value: datetime | None) -> str | None:
    """Return an ISO timestamp or None."""
    return value.isoformat() if value else None


# -- search ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    """A search hit reduced to what is annotated and returned."""

    tmdb_id: int
    media_type: str
    title: str
    year: int | None
    overview: str | None


async def _search_hits(
    entry: SmartPlexConfigEntry, query: str, media_type: str, year: int | None
) -> list[_Hit]:
    """Search TMDB, or Overseerr's TMDB proxy when no TMDB key is configured."""
    try:
        tmdb = resolve_service(entry, SERVICE_TMDB, None)
    except ServiceValidationError:
        overseerr = resolve_service(entry, SERVICE_OVERSEERR, None)
        client = client_of(overseerr, OverseerrClient)
        with upstream(overseerr):
            page = await client.search(query)
        return [
            _Hit(hit.id, hit.media_type, hit.title, hit.year, hit.overview)
            for hit in page.records
            if hit.media_type in ("movie", "tv")
            and (media_type in ("any", hit.media_type))
            and (year is None or hit.year == year)
        ]
    tmdb_client = client_of(tmdb, TmdbClient)
    kind = "multi" if media_type == "any" else media_type
    with upstream(tmdb):
        page_items = await tmdb_client.search(
            query, media_type=cast("Literal['movie', 'tv', 'multi']", kind), year=year
        )
    return [
        _Hit(item.id, item.media_type, item.title, item.year, item.overview)
        for item in page_items.records
        if item.media_type in ("movie", "tv")
        and (year is None or kind != "multi" or item.year == year)
    ]


@dataclass(slots=True)
class _LibraryState:
    """What the media stack knows about titles: library indexes and request statuses."""

    indexes: list[tuple[SmartPlexService, LibraryIndex]] = field(default_factory=list)
    requested: dict[tuple[str, int], str] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)

    async def add_requests(self, client: OverseerrClient) -> None:
        """Add the status of the most recent requests (the newest wins)."""
        page = await client.requests(take=SEARCH_REQUEST_PAGE)
        for request in reversed(page.records):
            if key := _request_key(request):
                self.requested[key] = request_status_name(request.status)


async def _library_state(
    services: Iterable[SmartPlexService], media_type: str
) -> _LibraryState:
    """Collect the library indexes of the media type and recent request statuses.

    Libraries come from the indexes the library coordinators keep: a search sends no
    request to Sonarr or Radarr. Only Overseerr is asked, for one page of requests.
    """
    kinds = ARR_TYPES if media_type == "any" else (ARR_OF_MEDIA[media_type],)
    state = _LibraryState()
    overseerrs = []
    for service in services:
        if service.service_type == SERVICE_OVERSEERR:
            overseerrs.append(service)
        elif service.service_type not in kinds:
            continue
        elif (index := library_index(service)) is None:
            state.unavailable.append(service.title)
        else:
            state.indexes.append((service, index))
    results = await asyncio.gather(
        *(
            state.add_requests(client_of(service, OverseerrClient))
            for service in overseerrs
        ),
        return_exceptions=True,
    )
    for service, result in zip(overseerrs, results, strict=True):
        if isinstance(result, SmartPlexError):
            state.unavailable.append(service.title)
        elif isinstance(result, BaseException):
            raise result
    return state


async def async_search(
    entry: SmartPlexConfigEntry,
    *,
    query: str,
    media_type: str = "any",
    year: int | None = None,
    limit: int = 10,
    instance: str | None = None,
) -> dict[str, Any]:
    """Search titles and say for each whether it is owned, monitored, requested or downloading.

    With an instance, only that Radarr, Sonarr or Overseerr annotates the results.
    """
    services = (
        list(entry.runtime_data.services.values())
        if instance is None
        else resolve_services(
            entry, (SERVICE_RADARR, SERVICE_SONARR, SERVICE_OVERSEERR), instance
        )
    )
    hits, state = await asyncio.gather(
        _search_hits(entry, query, media_type, year),
        _library_state(services, media_type),
    )
    results = []
    for hit in hits[:limit]:
        key = (hit.media_type, hit.tmdb_id)
        owned = find_owned(state.indexes, hit.media_type, hit.tmdb_id)
        service, index, item = owned if owned else (None, None, None)
        results.append(
            {
                "tmdb_id": hit.tmdb_id,
                "media_type": hit.media_type,
                "title": hit.title,
                "year": hit.year,
                "overview": hit.overview,
                "owned": item is not None,
                "instance": service.title if service else None,
                "monitored": bool(item and item.monitored),
                "has_file": bool(item and item.has_file),
                "requested": state.requested.get(key),
                "downloading": bool(index and item and index.downloading(item.id)),
            }
        )
    return {"results": results, "unavailable": state.unavailable}


# -- add ---------------------------------------------------------------------------------


async def _add_once(
    hass: HomeAssistant,
    caller: Caller,
    service: SmartPlexService,
    item: Movie | Series,
    *,
    event: str,
    planned: dict[str, Any],
    in_library: Callable[[], Awaitable[bool]],
    add: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Add a looked-up title unless it is in the library by now; adds of one title queue up."""
    title = label(item.title, item.year)
    async with _target_lock(hass, service.subentry_id, _id_label(item)):
        # Another call may have added it while this one looked it up.
        with upstream(service):
            if await in_library():
                raise invalid("already_added", title=title, instance=service.title)
        return await _audited_write(
            hass,
            caller,
            service,
            event=event,
            target=f"{service.title}: {title}",
            intent=planned,
            write=add,
        )


async def _find_movie(
    client: RadarrClient,
    *,
    tmdb_id: int | None,
    imdb_id: str | None,
    title: str | None,
    year: int | None,
) -> Movie:
    """Look a movie up by TMDB id, IMDb id or title and year."""
    if tmdb_id is not None:
        try:
            return await client.lookup_tmdb(tmdb_id)
        except SmartPlexNotFoundError:
            raise invalid("id_not_found", id=f"TMDB {tmdb_id}") from None
    if imdb_id is not None:
        found = await client.lookup(f"imdb:{imdb_id.strip()}")
        if not found:
            raise invalid("id_not_found", id=f"IMDb {imdb_id}")
        return found[0]
    if not title:
        raise invalid("missing_identifier")
    return pick_title(await client.lookup(title), title, year)


async def async_add_movie(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    tmdb_id: int | None = None,
    imdb_id: str | None = None,
    title: str | None = None,
    year: int | None = None,
    instance: str | None = None,
    quality_profile: str | None = None,
    root_folder: str | None = None,
    monitored: bool = True,
    minimum_availability: str = "released",
    search: bool = True,
) -> dict[str, Any]:
    """Add a movie to Radarr with defaults taken from the instance."""
    service = resolve_service(entry, SERVICE_RADARR, instance)
    client = client_of(service, RadarrClient)
    index = library_index(service)
    with upstream(service):
        movie = await _find_movie(
            client, tmdb_id=tmdb_id, imdb_id=imdb_id, title=title, year=year
        )
        if movie.id or (index and movie.tmdb_id and index.by_tmdb(movie.tmdb_id)):
            raise invalid(
                "already_added",
                title=label(movie.title, movie.year),
                instance=service.title,
            )
        profile, folder = await _profile_and_folder(
            client, index, quality_profile, root_folder
        )
    planned = {
        "instance": service.title,
        "movie_id": None,
        "tmdb_id": movie.tmdb_id,
        "imdb_id": movie.imdb_id,
        "title": movie.title,
        "year": movie.year,
        "quality_profile": profile.name,
        "root_folder": folder.path,
        "monitored": monitored,
        "searching": search,
    }

    async def add() -> dict[str, Any]:
        added = await client.add_movie(
            movie,
            quality_profile_id=profile.id,
            root_folder_path=folder.path,
            monitored=monitored,
            minimum_availability=minimum_availability.replace("_", ""),
            search=search,
        )
        arr_coordinators(service).library.async_title_added(
            item_from_added(added, folder.path)
        )
        return {**planned, "movie_id": added.id}

    async def in_library() -> bool:
        return movie.tmdb_id is not None and bool(
            await client.movie_by_tmdb(movie.tmdb_id)
        )

    return await _add_once(
        hass,
        caller,
        service,
        movie,
        event=EVENT_MOVIE_ADDED,
        planned=planned,
        in_library=in_library,
        add=add,
    )


async def _find_series(
    client: SonarrClient,
    *,
    tvdb_id: int | None,
    tmdb_id: int | None,
    imdb_id: str | None,
    title: str | None,
    year: int | None,
) -> Series:
    """Look a series up by TVDB, TMDB or IMDb id, or by title and year."""
    for prefix, value in (("tvdb", tvdb_id), ("tmdb", tmdb_id), ("imdb", imdb_id)):
        if value is not None:
            found = await client.lookup(f"{prefix}:{str(value).strip()}")
            if not found:
                raise invalid("id_not_found", id=f"{prefix.upper()} {value}")
            return found[0]
    if not title:
        raise invalid("missing_identifier")
    return pick_title(await client.lookup(title), title, year)


async def async_add_series(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    tvdb_id: int | None = None,
    tmdb_id: int | None = None,
    imdb_id: str | None = None,
    title: str | None = None,
    year: int | None = None,
    instance: str | None = None,
    quality_profile: str | None = None,
    root_folder: str | None = None,
    monitor: str = "all",
    seasons: list[int] | None = None,
    search: bool = True,
) -> dict[str, Any]:
    """Add a series to Sonarr, monitoring a choice of seasons."""
    service = resolve_service(entry, SERVICE_SONARR, instance)
    client = client_of(service, SonarrClient)
    with upstream(service):
        series = await _find_series(
            client,
            tvdb_id=tvdb_id,
            tmdb_id=tmdb_id,
            imdb_id=imdb_id,
            title=title,
            year=year,
        )
        index = library_index(service)
        if series.id or (index and series.tvdb_id and index.by_tvdb(series.tvdb_id)):
            raise invalid(
                "already_added",
                title=label(series.title, series.year),
                instance=service.title,
            )
        known = sorted(season.season_number for season in series.seasons)
        if seasons is not None and (unknown := sorted(set(seasons) - set(known))):
            raise invalid(
                "season_not_found",
                seasons=", ".join(map(str, unknown)),
                title=label(series.title, series.year),
                available=", ".join(map(str, known)) or "-",
            )
        profile, folder = await _profile_and_folder(
            client, index, quality_profile, root_folder
        )
    planned = {
        "instance": service.title,
        "series_id": None,
        "tvdb_id": series.tvdb_id,
        "tmdb_id": series.tmdb_id,
        "title": series.title,
        "year": series.year,
        "quality_profile": profile.name,
        "root_folder": folder.path,
        "monitor": "seasons" if seasons is not None else monitor,
        "seasons": sorted(seasons) if seasons is not None else None,
        "searching": search,
    }

    async def add() -> dict[str, Any]:
        added = await client.add_series(
            series,
            quality_profile_id=profile.id,
            root_folder_path=folder.path,
            monitor=SERIES_MONITOR[monitor],
            seasons=seasons,
            search_for_missing=search,
        )
        arr_coordinators(service).library.async_title_added(
            item_from_added(added, folder.path)
        )
        return {**planned, "series_id": added.id}

    async def in_library() -> bool:
        return series.tvdb_id is not None and bool(
            await client.series_by_tvdb(series.tvdb_id)
        )

    return await _add_once(
        hass,
        caller,
        service,
        series,
        event=EVENT_SERIES_ADDED,
        planned=planned,
        in_library=in_library,
        add=add,
    )


# -- requests ----------------------------------------------------------------------------


async def _titles(
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

    async def fetch(key: TitleKey) -> TitleInfo:
        details = await client.title(cast("MediaType", key[0]), key[1])
        return TitleInfo(
            title=details.title,
            year=details.year,
            poster_path=details.poster_path,
            genres=details.genres,
        )

    cached = await entry.runtime_data.titles.async_get_many(missing, fetch)
    titles.update((key, (info.title, info.year)) for key, info in cached.items())
    return titles


def _request_key(request: OverseerrRequest) -> tuple[str, int] | None:
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


def _request_dict(
    request: OverseerrRequest,
    titles: dict[tuple[str, int], tuple[str, int | None]],
    instance: str,
) -> dict[str, Any]:
    """Return a request as response data."""
    key = _request_key(request)
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
        "requested_at": _iso(request.created_at),
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
        titles = await _titles(
            entry, service, filter(None, map(_request_key, requests))
        )
    return {
        "requests": [
            _request_dict(request, titles, service.title) for request in requests
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
        key = _request_key(request)
        titles = await _titles(entry, service, [key] if key else [])
    found = _request_dict(request, titles, service.title)
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
    wanted = _normalize(title)
    matches = [
        request
        for request in pending
        if request["title"] and _normalize(request["title"]) == wanted
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
    service = resolve_service(entry, SERVICE_OVERSEERR, instance)
    client = client_of(service, OverseerrClient)
    async with _target_lock(hass, service.subentry_id, "request", request_id):
        # Checked inside the lock: a concurrent approval or decline wins or loses whole.
        request = await _pending_request(entry, service, request_id)
        result = {**request, "status": "approved"}

        async def approve() -> dict[str, Any]:
            await client.approve_request(request_id)
            return _event_request(result)

        await _audited_write(
            hass,
            caller,
            service,
            event=EVENT_REQUEST_APPROVED,
            target=f"{service.title}: {describe_request(request)}",
            intent=_event_request(result),
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
    async with _target_lock(hass, service.subentry_id, "request", request_id):
        # Checked inside the lock: a concurrent approval or decline wins or loses whole.
        request = await _pending_request(entry, service, request_id)
        result = {**request, "status": "declined", "reason": reason}

        async def decline() -> dict[str, Any]:
            await client.decline_request(request_id)
            return {**_event_request(result), "reason": reason}

        await _audited_write(
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


def _episode_code(episode: Episode) -> str:
    """Return 'S01E02'."""
    return f"S{episode.season_number:02d}E{episode.episode_number:02d}"


def _download_dict(
    service: SmartPlexService, records: Sequence[RadarrQueueItem | SonarrQueueItem]
) -> dict[str, Any]:
    """Return one download as response data, with the episodes or movies of its records."""
    first = records[0]
    download: dict[str, Any] = {
        "instance": service.title,
        # Any of queue_ids names the download in remove_queue_item.
        "queue_id": min(record.id for record in records),
        "queue_ids": sorted(record.id for record in records),
        "title": first.title,
        "release": first.title,
    }
    if isinstance(first, SonarrQueueItem):
        episodes = sorted(
            (
                record.episode
                for record in records
                if isinstance(record, SonarrQueueItem) and record.episode
            ),
            key=lambda episode: (episode.season_number, episode.episode_number),
        )
        download["episodes"] = [_episode_code(episode) for episode in episodes]
        if first.series is not None:
            download["title"] = _episodes_title(first.series.title, episodes)
    else:
        movies = [
            label(record.movie.title, record.movie.year)
            for record in records
            if isinstance(record, RadarrQueueItem) and record.movie
        ]
        download["movies"] = movies
        if movies:
            download["title"] = ", ".join(movies)
    # Every record of a download repeats the whole download's size and progress.
    return download | {
        "status": first.status,
        "tracked_state": first.tracked_download_state,
        "progress": first.progress,
        "size_bytes": int(first.size),
        "size_left_bytes": int(first.size_left),
        "time_left": first.time_left,
        "estimated_completion": _iso(first.estimated_completion_time),
        "quality": first.quality,
        "error": first.error_message,
    }


def _episodes_title(series: str, episodes: Sequence[Episode]) -> str:
    """Return 'Show S01E02' for one episode, 'Show S01 (8 episodes)' for a pack."""
    if len(episodes) == 1:
        return f"{series} {_episode_code(episodes[0])}"
    if not episodes:
        return series
    first = min(episode.season_number for episode in episodes)
    last = max(episode.season_number for episode in episodes)
    span = f"S{first:02d}" if first == last else f"S{first:02d}-S{last:02d}"
    return f"{series} {span} ({len(episodes)} episodes)"


def _downloads(
    service: SmartPlexService, records: Sequence[RadarrQueueItem | SonarrQueueItem]
) -> list[dict[str, Any]]:
    """Group queue records by download: a season pack is one download, not one per episode."""
    groups: dict[str | int, list[RadarrQueueItem | SonarrQueueItem]] = {}
    for record in records:
        # Records still waiting for a download client have no download id yet.
        groups.setdefault(record.download_id or record.id, []).append(record)
    return [_download_dict(service, group) for group in groups.values()]


async def _service_downloads(service: SmartPlexService) -> list[dict[str, Any]]:
    """Fetch the downloads of one Sonarr or Radarr."""
    client = arr_client(service)
    with upstream(service):
        records: Sequence[RadarrQueueItem | SonarrQueueItem] = await client.queue_all()
    return _downloads(service, records)


async def _queues(
    entry: SmartPlexConfigEntry, instance: str | None
) -> list[tuple[SmartPlexService, list[dict[str, Any]]]]:
    """Fetch the downloads of the named or every Sonarr and Radarr."""
    services = resolve_services(entry, ARR_TYPES, instance)
    queues = await asyncio.gather(*map(_service_downloads, services))
    return list(zip(services, queues, strict=True))


async def async_get_queue(
    entry: SmartPlexConfigEntry, *, instance: str | None = None
) -> dict[str, Any]:
    """List what Sonarr and Radarr are downloading, one entry per download."""
    items = [item for _, queue in await _queues(entry, instance) for item in queue]
    return {"items": items, "total": len(items)}


async def async_remove_queue_item(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    queue_id: int,
    instance: str | None = None,
    blocklist: bool = False,
    remove_from_client: bool = True,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Remove a download from a queue; with dry_run only say what would happen.

    queue_id names a download: for a season pack any of its records' ids names the
    whole pack, and all its records are removed together (one bulk removal).
    """
    found = [
        (service, item)
        for service, queue in await _queues(entry, instance)
        for item in queue
        if queue_id in item["queue_ids"]
    ]
    if not found:
        raise invalid("queue_item_not_found", queue_id=queue_id)
    if len(found) > 1:
        raise invalid(
            "ambiguous_queue_item",
            queue_id=queue_id,
            candidates=", ".join(service.title for service, _ in found),
        )
    service, item = found[0]
    options = [
        text
        for text, wanted in (
            ("delete it from the download client", remove_from_client),
            ("blocklist the release", blocklist),
        )
        if wanted
    ]
    summary = f"remove {item['title']} from the {service.title} queue" + (
        f" and {' and '.join(options)}" if options else ""
    )
    if dry_run:
        return {"planned": True, "summary": summary, "item": item}
    async with _target_lock(hass, service.subentry_id, "download", item["queue_id"]):
        # Checked inside the lock: a concurrent removal (or the download finishing) wins.
        current = [
            download
            for download in await _service_downloads(service)
            if queue_id in download["queue_ids"]
        ]
        if not current:
            raise invalid(
                "queue_item_already_removed",
                title=item["title"],
                instance=service.title,
            )
        item = current[0]
        result = {
            "instance": service.title,
            "queue_id": queue_id,
            "queue_ids": item["queue_ids"],
            "title": item["title"],
            "release": item["release"],
            "blocklist": blocklist,
            "remove_from_client": remove_from_client,
        }

        async def remove() -> dict[str, Any]:
            await arr_client(service).remove_queue_items(
                item["queue_ids"],
                remove_from_client=remove_from_client,
                blocklist=blocklist,
            )
            return result

        return await _audited_write(
            hass,
            caller,
            service,
            event=EVENT_QUEUE_ITEM_REMOVED,
            target=f"{service.title}: {item['release']}",
            intent=result,
            write=remove,
        )


# -- calendar, disk space, sync ------------------------------------------------------------


async def async_get_calendar(
    entry: SmartPlexConfigEntry,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    days: int = 7,
    instance: str | None = None,
) -> dict[str, Any]:
    """List episodes airing and movie releases (each kind that falls in it) in a window."""
    start = dt_util.as_utc(start or dt_util.start_of_local_day())
    end = dt_util.as_utc(end) if end else start + timedelta(days=days)
    if end <= start:
        raise invalid("invalid_window", start=start.isoformat(), end=end.isoformat())
    services = resolve_services(entry, ARR_TYPES, instance)

    async def fetch(
        service: SmartPlexService,
    ) -> list[tuple[datetime, dict[str, Any]]]:
        client = arr_client(service)
        with upstream(service):
            items: Sequence[Episode | Movie] = await client.calendar(start, end)
        found: list[tuple[datetime, dict[str, Any]]] = []
        for item in items:
            if isinstance(item, Movie):
                found.extend(
                    (
                        dt_util.start_of_local_day(release.day),
                        {
                            "instance": service.title,
                            "type": "movie",
                            "title": label(item.title, item.year),
                            "date": release.day.isoformat(),
                            "release": release.kind,
                            "has_file": item.has_file,
                        },
                    )
                    for release in movie_releases(item, start, end)
                )
            elif item.air_date_utc is not None and start <= item.air_date_utc < end:
                found.append(
                    (
                        item.air_date_utc,
                        {
                            "instance": service.title,
                            "type": "episode",
                            "title": item.series.title if item.series else item.title,
                            "episode": f"S{item.season_number:02d}E{item.episode_number:02d}",
                            "episode_title": item.title,
                            "date": item.air_date_utc.isoformat(),
                            "has_file": item.has_file,
                        },
                    )
                )
        return found

    dated = [
        item
        for found in await asyncio.gather(*(fetch(service) for service in services))
        for item in found
    ]
    items = [item for _, item in sorted(dated, key=lambda dated_item: dated_item[0])]
    return {"start": start.isoformat(), "end": end.isoformat(), "items": items}


async def async_disk_space(
    entry: SmartPlexConfigEntry, *, instance: str | None = None
) -> dict[str, Any]:
    """Return the free space of every Sonarr and Radarr root folder."""
    services = resolve_services(entry, ARR_TYPES, instance)

    async def fetch(service: SmartPlexService) -> list[dict[str, Any]]:
        client = arr_client(service)
        with upstream(service):
            folders = await client.root_folders()
        return [
            {
                "instance": service.title,
                "path": folder.path,
                "accessible": folder.accessible,
                "free_bytes": folder.free_space,
                "free_gb": round(folder.free_space / GIGABYTE, 1)
                if folder.free_space is not None
                else None,
            }
            for folder in folders
        ]

    folders = [
        folder
        for found in await asyncio.gather(*(fetch(service) for service in services))
        for folder in found
    ]
    return {"folders": folders}


async def async_sync(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    instance: str | None = None,
) -> dict[str, Any]:
    """Refresh every coordinator of the named or every service now."""
    services = resolve_services(entry, SERVICE_TYPES, instance)
    coordinators = [
        (service, coordinator)
        for service in services
        for coordinator in all_coordinators(service)
    ]
    await asyncio.gather(
        *(coordinator.async_refresh() for _, coordinator in coordinators)
    )
    failed = sorted(
        {
            service.title
            for service, coordinator in coordinators
            if not coordinator.last_update_success
        }
    )
    result = {
        "refreshed": sorted({service.title for service in services} - set(failed)),
        "failed": failed,
    }
    hass.bus.async_fire(
        EVENT_SYNCED, {**result, "source": caller.source}, context=caller.context
    )
    return result
