"""What TMDB knows of titles and their related titles, through the database cache.

Recommendations need TMDB's recommendations (or similar titles) of a user's seeds, the
votes, genres and dates of every candidate, and the ids and overview of the few shown.
Each comes from the cache in store/metadata.py while it is fresh; what is missing is asked
of TMDB within a budget of requests per call (the client bounds how many run at once),
and stored for the next call, so a warm cache answers without any request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
import sqlite3

from homeassistant.core import HomeAssistant

from custom_components.smartplex.api import TmdbClient, TmdbDetails, TmdbItem
from custom_components.smartplex.api.tmdb import MAX_CAST
from custom_components.smartplex.engine.models import Identity, MediaType, TitleInfo
from custom_components.smartplex.library import normalize_title
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.metadata import (
    RelatedKind,
    get_related,
    get_titles,
    put_related,
    put_titles,
)

from .common import invalid, label

# At most this many TMDB requests per call on a cold cache: 8 related lists, the
# details of 10 shown titles, a genre list and the image configuration.
REQUEST_BUDGET = 20
RELATED_FETCHES = 8
TRENDING_ID = 0


def _needs_details(info: TitleInfo) -> bool:
    """Return whether a title was only seen in a list (no external ids yet)."""
    if info.identity.media_type == "movie":
        return info.imdb_id is None
    return info.tvdb_id is None


class Catalogue:
    """TMDB titles and lists for one call: the cache first, then TMDB within the budget."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: TmdbClient,
        now: datetime,
        budget: int = REQUEST_BUDGET,
    ) -> None:
        """Start with what the caller already knows of no title."""
        self._hass = hass
        self._client = client
        self._now = now
        self.budget = budget
        self.requests = 0
        self.titles: dict[Identity, TitleInfo] = {}

    def _take(self, count: int = 1) -> bool:
        """Spend requests from the budget; False when too few are left."""
        if self.requests + count > self.budget:
            return False
        self.requests += count
        return True

    async def _store(
        self,
        titles: Iterable[TitleInfo],
        related: Sequence[tuple[Identity, RelatedKind, Sequence[Identity]]] = (),
    ) -> None:
        """Cache fetched titles and lists in one transaction."""
        titles = list(titles)

        def write(connection: sqlite3.Connection) -> None:
            put_titles(connection, titles, self._now)
            for identity, kind, others in related:
                put_related(connection, identity, kind, others, self._now)

        await self._hass.async_add_executor_job(
            async_get_store(self._hass).transaction, write
        )

    async def async_load(self, identities: Iterable[Identity]) -> None:
        """Add the cached details of these titles to `titles` (no request)."""
        wanted = [identity for identity in identities if identity not in self.titles]
        if not wanted:
            return

        def read(connection: sqlite3.Connection) -> dict[Identity, TitleInfo]:
            return get_titles(connection, wanted, self._now)

        store = async_get_store(self._hass)
        self.titles.update(await self._hass.async_add_executor_job(store.run, read))

    async def _genre_names(self, media_types: Iterable[MediaType]) -> bool:
        """Fetch the genre lists not fetched yet; False when the budget is spent."""
        for media_type in sorted(set(media_types)):
            if media_type not in self._client.genre_lists and not self._take():
                return False
            await self._client.genre_names(media_type)
        return True

    async def _poster(self, path: str | None) -> str | None:
        """Return a poster's URL (the image configuration is fetched once per client)."""
        if path and self._client.configuration_cached is None and not self._take():
            return None
        return await self._client.poster_url(path)

    async def _from_item(self, item: TmdbItem, media_type: MediaType) -> TitleInfo:
        """Return a list item as the engine's title."""
        names = await self._client.genre_names(media_type)
        return TitleInfo(
            identity=Identity(media_type, item.id),
            title=item.title,
            year=item.release_date.year if item.release_date else None,
            release_date=_midnight(item.release_date),
            overview=item.overview or "",
            poster_url=await self._poster(item.poster_path),
            genres=tuple(names[genre] for genre in item.genre_ids if genre in names),
            language=item.original_language,
            vote_average=item.vote_average,
            vote_count=item.vote_count,
            popularity=item.popularity,
        )

    async def async_related(
        self, seeds: Sequence[Identity]
    ) -> dict[Identity, tuple[Identity, ...]]:
        """Return TMDB's recommendations of each seed (its similar titles when it has none).

        Seeds whose lists are not cached are fetched, the heaviest first, at most
        RELATED_FETCHES of them; the others are left out of this call.
        """

        def read(
            connection: sqlite3.Connection,
        ) -> tuple[dict[Identity, tuple[Identity, ...]], ...]:
            return (
                get_related(connection, seeds, "recommendations", self._now),
                get_related(connection, seeds, "similar", self._now),
            )

        store = async_get_store(self._hass)
        recommended, similar = await self._hass.async_add_executor_job(store.run, read)
        related = {
            seed: recommended[seed] or similar.get(seed, ())
            for seed in seeds
            if seed in recommended
        }
        missing = [seed for seed in seeds if seed not in recommended]
        fetch = [
            seed
            for seed in missing[:RELATED_FETCHES]
            if await self._genre_names([seed.media_type])
        ]
        fetch = fetch[: max(0, self.budget - self.requests)]
        self.requests += len(fetch)
        pages = await asyncio.gather(
            *(
                self._client.recommendations(seed.media_type, seed.tmdb_id)
                for seed in fetch
            )
        )
        lists: list[tuple[Identity, RelatedKind, Sequence[Identity]]] = []
        empty = []
        for seed, page in zip(fetch, pages, strict=True):
            related[seed] = await self._add_items(page.records, seed.media_type)
            lists.append((seed, "recommendations", related[seed]))
            if not related[seed]:
                empty.append(seed)
        # TMDB has no recommendations for little-watched titles; similar ones stand in.
        empty = empty[: max(0, self.budget - self.requests)]
        self.requests += len(empty)
        pages = await asyncio.gather(
            *(self._client.similar(seed.media_type, seed.tmdb_id) for seed in empty)
        )
        for seed, page in zip(empty, pages, strict=True):
            related[seed] = await self._add_items(page.records, seed.media_type)
            lists.append((seed, "similar", related[seed]))
        await self._store(
            [
                info
                for _, _, others in lists
                for o in others
                if (info := self.titles.get(o))
            ],
            lists,
        )
        await self.async_load({o for others in related.values() for o in others})
        return related

    async def _add_items(
        self, items: Iterable[TmdbItem], media_type: MediaType
    ) -> tuple[Identity, ...]:
        """Keep list items as titles (details already known stay) and return their ids."""
        found = []
        for item in items:
            identity = Identity(media_type, item.id)
            if identity not in self.titles:
                self.titles[identity] = await self._from_item(item, media_type)
            found.append(identity)
        return tuple(dict.fromkeys(found))

    async def async_fallback(
        self, media_type: MediaType, genre: str | None
    ) -> tuple[Identity, ...]:
        """Return TMDB's trending titles, or the most popular of a genre (cold start)."""
        names = (
            await self._client.genre_names(media_type)
            if media_type in self._client.genre_lists
            else {}
        )
        genre_id = (
            next(
                (i for i, n in names.items() if n.casefold() == genre.casefold()), None
            )
            if genre
            else TRENDING_ID
        )
        key: RelatedKind = "trending" if genre_id == TRENDING_ID else "discover"
        anchor = Identity(media_type, genre_id or TRENDING_ID)

        def read(connection: sqlite3.Connection) -> tuple[Identity, ...] | None:
            return get_related(connection, [anchor], key, self._now).get(anchor)

        store = async_get_store(self._hass)
        if (cached := await self._hass.async_add_executor_job(store.run, read)) is None:
            if not await self._genre_names([media_type]) or not self._take():
                return ()
            if genre_id is None:  # the genre's id is known now
                return await self.async_fallback(media_type, genre)
            if key == "trending":
                page = await self._client.trending(media_type)
            else:
                page = await self._client.discover(media_type, genres=[genre_id])
            cached = await self._add_items(page.records, media_type)
            await self._store(
                [self.titles[identity] for identity in cached],
                [(anchor, key, cached)],
            )
        await self.async_load(cached)
        return cached

    async def async_details(self, identities: Iterable[Identity]) -> None:
        """Complete the shown titles with ids, keywords and people (within the budget)."""
        wanted = [
            identity
            for identity in identities
            if (info := self.titles.get(identity)) is None or _needs_details(info)
        ]
        wanted = wanted[: max(0, self.budget - self.requests)]
        self.requests += len(wanted)
        details = await asyncio.gather(
            *(
                self._client.details(identity.media_type, identity.tmdb_id)
                for identity in wanted
            )
        )
        fetched = [await self._from_details(found) for found in details]
        self.titles.update((info.identity, info) for info in fetched)
        await self._store(fetched)

    async def _from_details(self, details: TmdbDetails) -> TitleInfo:
        """Return a title's details as the engine's title."""
        media_type: MediaType = "movie" if details.media_type == "movie" else "tv"
        people = [*details.creators, *details.cast[:MAX_CAST]]
        return TitleInfo(
            identity=Identity(media_type, details.id),
            title=details.title,
            year=details.year,
            release_date=_midnight(details.release_date),
            overview=details.overview or "",
            poster_url=await self._poster(details.poster_path),
            genres=tuple(genre.name for genre in details.genres),
            keywords=details.keywords,
            people=tuple(dict.fromkeys(person.name for person in people)),
            language=details.original_language,
            vote_average=details.vote_average,
            vote_count=details.vote_count,
            popularity=details.popularity,
            tvdb_id=details.tvdb_id,
            imdb_id=details.imdb_id,
        )

    async def async_find(self, title: str, media_type: MediaType | None) -> Identity:
        """Return the one title TMDB has by this name ('like'); refuse none or several.

        A year in brackets ("Dune (2021)") picks among remakes.
        """
        name, year = _split_year(title)
        self._take()
        page = await self._client.search(
            name, media_type=media_type or "multi", year=year
        )
        items = [
            item
            for item in page.records
            if (media_type or item.media_type) in ("movie", "tv")
        ]
        matches = [
            item
            for item in items
            if normalize_title(item.title) == normalize_title(name)
            and (year is None or item.year == year)
        ]
        if not matches:
            raise invalid(
                "like_not_found",
                title=title,
                candidates=", ".join(label(i.title, i.year) for i in items[:8]) or "-",
            )
        if len(matches) > 1 and year is None:
            raise invalid(
                "ambiguous_like",
                title=title,
                candidates=", ".join(
                    f"{label(item.title, item.year)} ({item.media_type})"
                    for item in matches[:8]
                ),
            )
        item = matches[0]
        kind: MediaType = "tv" if (media_type or item.media_type) == "tv" else "movie"
        identity = Identity(kind, item.id)
        if identity not in self.titles:
            await self._genre_names([kind])
            self.titles[identity] = await self._from_item(item, kind)
        return identity


def _split_year(title: str) -> tuple[str, int | None]:
    """Split 'Dune (2021)' into the title and its year."""
    text = title.strip()
    if text.endswith(")") and "(" in text:
        head, _, tail = text[:-1].rpartition("(")
        if tail.isdigit() and len(tail) == 4:
            return head.strip(), int(tail)
    return text, None


def _midnight(day: object) -> datetime | None:
    """Return a release day as midnight UTC (None stays None)."""
    if not isinstance(day, date):
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
