"""Titles, years, posters and genres of TMDB ids, cached in memory with a time to live.

Lists (requests, recommendations) name titles by TMDB id only; looking each one up on
every call would cost one request per listed row. The cache makes a steady-state list
cost nothing beyond the list itself. No Home Assistant imports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
import time

from .api import SmartPlexError

# Titles, years, posters and genres of released titles almost never change; a day
# bounds how long a correction upstream takes to show.
TITLE_TTL_SECONDS = 24 * 3600.0
# About 200 bytes each: a few thousand titles stay well under a megabyte.
MAX_TITLES = 5000

type TitleKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class TitleInfo:
    """What lists show of a title."""

    title: str
    year: int | None
    poster_path: str | None
    genres: tuple[str, ...]
    # What request triage weighs (TMDB's votes and what taste is learnt over).
    vote_average: float = 0.0
    vote_count: int = 0
    language: str | None = None
    keywords: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


class TitleCache:
    """Title details by (media type, TMDB id), each kept for a time to live."""

    def __init__(
        self,
        ttl: float = TITLE_TTL_SECONDS,
        max_entries: int = MAX_TITLES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start empty."""
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[TitleKey, tuple[float, TitleInfo]] = {}

    def get(self, key: TitleKey) -> TitleInfo | None:
        """Return a cached title that has not expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, info = entry
        if expires <= self._clock():
            del self._entries[key]
            return None
        return info

    def put(self, key: TitleKey, info: TitleInfo) -> None:
        """Cache a title, dropping the oldest entry when full."""
        self._entries.pop(key, None)
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (self._clock() + self._ttl, info)

    async def async_get_many(
        self,
        keys: Iterable[TitleKey],
        fetch: Callable[[TitleKey], Awaitable[TitleInfo]],
    ) -> dict[TitleKey, TitleInfo]:
        """Return the titles asked for, fetching only the missing ones, once each.

        The client bounds how many fetches run at a time; a title whose fetch fails
        is left out (and asked for again next time).
        """
        found: dict[TitleKey, TitleInfo] = {}
        missing: list[TitleKey] = []
        for key in dict.fromkeys(keys):
            if (info := self.get(key)) is None:
                missing.append(key)
            else:
                found[key] = info
        results = await asyncio.gather(
            *(fetch(key) for key in missing), return_exceptions=True
        )
        for key, result in zip(missing, results, strict=True):
            if isinstance(result, SmartPlexError):
                continue
            if isinstance(result, BaseException):
                raise result
            self.put(key, result)
            found[key] = result
        return found
