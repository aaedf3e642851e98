"""What every action shares: who called, finding entries and services, titles, audited writes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal, cast
from weakref import WeakValueDictionary

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.api import (
    Movie,
    RadarrClient,
    Series,
    SmartPlexError,
    SonarrClient,
)
from custom_components.smartplex.arr_coordinator import ArrCoordinators
from custom_components.smartplex.const import (
    DOMAIN,
    SERVICE_OVERSEERR,
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)
from custom_components.smartplex.library import (
    LibraryIndex,
    LibraryItem,
    normalize_title,
)
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import (
    AuditRecord,
    AuditStatus,
    async_begin_audit,
    async_finish_audit,
)

SOURCE_INTENT = "intent"
SOURCE_LLM = "llm"
SOURCE_SERVICE = "service"


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


def label(title: str, year: int | None) -> str:
    """Return 'Title (year)'."""
    return f"{title} ({year})" if year else title


def pick_title[ItemT: (Movie, Series)](
    items: Sequence[ItemT], title: str, year: int | None
) -> ItemT:
    """Return the lookup result whose title (and year) match, refusing to guess."""
    wanted = normalize_title(title)
    matches = [item for item in items if normalize_title(item.title) == wanted]
    if year is not None:
        matches = [item for item in matches if item.year == year]
    if len(matches) == 1:
        return matches[0]
    if not (shown := (matches or items)[:MAX_CANDIDATES]):
        raise invalid("nothing_found", title=label(title, year))
    candidates = ", ".join(candidate_labels(shown))
    if matches:
        raise invalid("ambiguous_title", title=title, candidates=candidates)
    raise invalid("title_not_found", title=label(title, year), candidates=candidates)


def candidate_labels(items: Sequence[Movie | Series]) -> list[str]:
    """Return 'Title (year)' per item, with its id where title and year repeat."""
    labels = [label(item.title, item.year) for item in items]
    # Remakes share title and year; only the id then tells them apart.
    return [
        f"{text} {id_label(item)}" if labels.count(text) > 1 else text
        for text, item in zip(labels, items, strict=True)
    ]


def id_label(item: Movie | Series) -> str:
    """Return the id a title is added by: 'TMDB 123' for movies, 'TVDB 456' for series."""
    if isinstance(item, Movie):
        return f"TMDB {item.tmdb_id}"
    return f"TVDB {item.tvdb_id}"


def target_lock(hass: HomeAssistant, *key: object) -> asyncio.Lock:
    """Return the lock that serialises writes to one upstream object."""
    locks = hass.data.setdefault(DATA_TARGET_LOCKS, WeakValueDictionary())
    if (lock := locks.get(key)) is None:
        lock = locks[key] = asyncio.Lock()
    return lock


async def until_done[ResultT](
    hass: HomeAssistant, job: Coroutine[Any, Any, ResultT]
) -> ResultT:
    """Run a job to its end even if the caller is cancelled meanwhile."""
    return await asyncio.shield(hass.async_create_task(job))


async def audited_write(
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
        begin.add_done_callback(partial(abandon, hass))
        raise
    try:
        with upstream(service):
            data = await write()
    except asyncio.CancelledError:
        await until_done(
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
        await until_done(
            hass, async_finish_audit(hass, record, AuditStatus.FAILED, error=str(err))
        )
        raise
    await until_done(hass, async_announce(hass, caller, record, event, data))
    return data


def abandon(hass: HomeAssistant, begin: asyncio.Task[AuditRecord]) -> None:
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


async def async_announce(
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


def iso(value: datetime | None) -> str | None:
    """Return an ISO timestamp or None."""
    return value.isoformat() if value else None
