"""Models shared by every client: server identity and pages of results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math

from .parse import JsonDict, dict_list, opt_int, to_int, to_str


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Identity of a validated upstream server."""

    service: str
    name: str
    version: str
    instance_id: str | None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A title Sonarr or Radarr must never add (its import-list exclusions)."""

    tmdb_id: int | None
    tvdb_id: int | None
    title: str

    @classmethod
    def from_dict(cls, data: JsonDict) -> Exclusion:
        """Build from Radarr's (tmdbId, movieTitle) or Sonarr's (tvdbId, title) resource."""
        return cls(
            tmdb_id=opt_int(data.get("tmdbId")),
            tvdb_id=opt_int(data.get("tvdbId")),
            title=to_str(data.get("movieTitle") or data.get("title")),
        )


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a paged listing (page numbers start at 1)."""

    page: int
    total_pages: int
    total_records: int
    records: tuple[T, ...]

    @classmethod
    def from_arr(cls, data: JsonDict, item: Callable[[JsonDict], T]) -> Page[T]:
        """Build from a Sonarr/Radarr paging resource (page, pageSize, totalRecords, records)."""
        total = to_int(data.get("totalRecords"))
        page_size = max(to_int(data.get("pageSize"), 1), 1)
        return cls(
            page=to_int(data.get("page"), 1),
            total_pages=math.ceil(total / page_size),
            total_records=total,
            records=tuple(item(record) for record in dict_list(data.get("records"))),
        )

    @classmethod
    def from_overseerr(cls, data: JsonDict, item: Callable[[JsonDict], T]) -> Page[T]:
        """Build from an Overseerr listing ({pageInfo: {page, pages, results}, results})."""
        info = data.get("pageInfo")
        info = info if isinstance(info, dict) else {}
        return cls(
            page=to_int(info.get("page"), 1),
            total_pages=to_int(info.get("pages")),
            total_records=to_int(info.get("results")),
            records=tuple(item(record) for record in dict_list(data.get("results"))),
        )

    @classmethod
    def from_search(cls, data: JsonDict, item: Callable[[JsonDict], T]) -> Page[T]:
        """Build from a TMDB-style search page (page, total_pages/totalPages, results)."""
        return cls(
            page=to_int(data.get("page"), 1),
            total_pages=to_int(data.get("total_pages", data.get("totalPages"))),
            total_records=to_int(data.get("total_results", data.get("totalResults"))),
            records=tuple(item(record) for record in dict_list(data.get("results"))),
        )
