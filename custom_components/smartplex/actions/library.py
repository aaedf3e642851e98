"""Search, add a movie, add a series."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from custom_components.smartplex.api import (
    Movie,
    OverseerrClient,
    QualityProfile,
    RadarrClient,
    RootFolder,
    Series,
    SmartPlexError,
    SmartPlexNotFoundError,
    SonarrClient,
    TmdbClient,
)
from custom_components.smartplex.const import (
    DOMAIN,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TMDB,
)
from custom_components.smartplex.library import LibraryIndex, item_from_added
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService

from .common import (
    ARR_OF_MEDIA,
    ARR_TYPES,
    Caller,
    arr_coordinators,
    audited_write,
    client_of,
    find_owned,
    id_label,
    invalid,
    label,
    library_index,
    pick_title,
    resolve_service,
    resolve_services,
    target_lock,
    upstream,
)
from .requests import SEARCH_REQUEST_PAGE, request_key, request_status_name

EVENT_MOVIE_ADDED = f"{DOMAIN}_movie_added"
EVENT_SERIES_ADDED = f"{DOMAIN}_series_added"
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
MINIMUM_AVAILABILITY = ("announced", "in_cinemas", "released")


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
            if key := request_key(request):
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
    async with target_lock(hass, service.subentry_id, id_label(item)):
        # Another call may have added it while this one looked it up.
        with upstream(service):
            if await in_library():
                raise _already_added(service, item)
        return await audited_write(
            hass,
            caller,
            service,
            event=event,
            target=f"{service.title}: {label(item.title, item.year)}",
            intent=planned,
            write=add,
        )


def _already_added(
    service: SmartPlexService, item: Movie | Series
) -> ServiceValidationError:
    """Return the error for a title the instance already has."""
    return invalid(
        "already_added", title=label(item.title, item.year), instance=service.title
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
    return await _lookup(client.lookup, (("imdb", imdb_id),), title, year)


async def _lookup[TitleT: (Movie, Series)](
    lookup: Callable[[str], Awaitable[list[TitleT]]],
    ids: tuple[tuple[str, int | str | None], ...],
    title: str | None,
    year: int | None,
) -> TitleT:
    """Look a title up by the first id given ("tvdb:81189"), else by title and year."""
    for prefix, value in ids:
        if value is not None:
            found = await lookup(f"{prefix}:{str(value).strip()}")
            if not found:
                raise invalid("id_not_found", id=f"{prefix.upper()} {value}")
            return found[0]
    if not title:
        raise invalid("missing_identifier")
    return pick_title(await lookup(title), title, year)


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
            raise _already_added(service, movie)
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
    ids = (("tvdb", tvdb_id), ("tmdb", tmdb_id), ("imdb", imdb_id))
    return await _lookup(client.lookup, ids, title, year)


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
            raise _already_added(service, series)
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
