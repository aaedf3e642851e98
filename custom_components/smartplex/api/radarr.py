"""Radarr API v3 client and models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .arr import ArrClient
from .arr_models import Command, QueueItem, poster_url, quality_name
from .listing import ListedMovie
from .models import Exclusion, Page
from .parse import (
    JsonDict,
    as_dict,
    int_tuple,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    str_tuple,
    to_bool,
    to_int,
    to_str,
)


@dataclass(frozen=True, slots=True)
class Movie:
    """A movie in the library (id 0 for lookup results not yet added)."""

    id: int
    title: str
    sort_title: str | None
    year: int | None
    tmdb_id: int | None
    imdb_id: str | None
    title_slug: str | None
    status: str | None
    monitored: bool
    has_file: bool
    is_available: bool
    minimum_availability: str | None
    overview: str | None
    studio: str | None
    genres: tuple[str, ...]
    tags: tuple[int, ...]
    quality_profile_id: int | None
    path: str | None
    size_on_disk: int
    runtime: int | None
    added: datetime | None
    in_cinemas: datetime | None
    digital_release: datetime | None
    physical_release: datetime | None
    tmdb_rating: float | None
    imdb_rating: float | None
    poster_url: str | None
    file_quality: str | None
    quality_cutoff_not_met: bool

    @classmethod
    def from_dict(cls, data: JsonDict) -> Movie:
        """Build from the API object (size from statistics on Radarr 5+, else sizeOnDisk)."""
        ratings = as_dict(data.get("ratings"))
        movie_file = as_dict(data.get("movieFile"))
        statistics = as_dict(data.get("statistics"))
        return cls(
            id=to_int(data.get("id")),
            title=to_str(data.get("title")),
            sort_title=opt_str(data.get("sortTitle")),
            year=opt_int(data.get("year")) or None,
            tmdb_id=opt_int(data.get("tmdbId")) or None,
            imdb_id=opt_str(data.get("imdbId")),
            title_slug=opt_str(data.get("titleSlug")),
            status=opt_str(data.get("status")),
            monitored=to_bool(data.get("monitored")),
            has_file=to_bool(data.get("hasFile")),
            is_available=to_bool(data.get("isAvailable")),
            minimum_availability=opt_str(data.get("minimumAvailability")),
            overview=opt_str(data.get("overview")),
            studio=opt_str(data.get("studio")),
            genres=str_tuple(data.get("genres")),
            tags=int_tuple(data.get("tags")),
            quality_profile_id=opt_int(data.get("qualityProfileId")),
            path=opt_str(data.get("path")),
            size_on_disk=to_int(statistics.get("sizeOnDisk", data.get("sizeOnDisk"))),
            runtime=opt_int(data.get("runtime")),
            added=opt_datetime(data.get("added")),
            in_cinemas=opt_datetime(data.get("inCinemas")),
            digital_release=opt_datetime(data.get("digitalRelease")),
            physical_release=opt_datetime(data.get("physicalRelease")),
            tmdb_rating=opt_float(as_dict(ratings.get("tmdb")).get("value")),
            imdb_rating=opt_float(as_dict(ratings.get("imdb")).get("value")),
            poster_url=poster_url(data),
            file_quality=quality_name(movie_file),
            quality_cutoff_not_met=to_bool(movie_file.get("qualityCutoffNotMet")),
        )


@dataclass(frozen=True, slots=True)
class RadarrQueueItem(QueueItem):
    """A Radarr queue record with the embedded movie."""

    movie_id: int | None
    movie: Movie | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> RadarrQueueItem:
        """Build from the API object."""
        movie = data.get("movie")
        return cls(
            **QueueItem.common_fields(data),
            movie_id=opt_int(data.get("movieId")),
            movie=Movie.from_dict(movie) if isinstance(movie, dict) else None,
        )


class RadarrClient(ArrClient[RadarrQueueItem]):
    """Async client for Radarr API v3 (Radarr v3 to v6)."""

    service = "Radarr"
    media_param = "Movie"
    library_path = "/api/v3/movie"
    listed_type = ListedMovie

    def _parse_queue_item(self, data: JsonDict) -> RadarrQueueItem:
        """Build a Radarr queue record."""
        return RadarrQueueItem.from_dict(data)

    async def movies(self) -> list[Movie]:
        """Return every movie in the library."""
        return [Movie.from_dict(item) for item in await self._get_list("/api/v3/movie")]

    async def movie_by_tmdb(self, tmdb_id: int) -> Movie | None:
        """Return the library movie with a TMDB id, or None when it is not in the library."""
        found = await self._get_list("/api/v3/movie", {"tmdbId": tmdb_id})
        return Movie.from_dict(found[0]) if found else None

    async def exclusions(self) -> list[Exclusion]:
        """Return the import exclusions (movies Radarr must never add)."""
        return [
            Exclusion.from_dict(item)
            for item in await self._get_list("/api/v3/exclusions")
        ]

    async def movie(self, movie_id: int) -> Movie:
        """Return one movie."""
        return Movie.from_dict(await self._get_dict(f"/api/v3/movie/{movie_id}"))

    async def calendar(
        self, start: datetime, end: datetime, *, unmonitored: bool = False
    ) -> list[Movie]:
        """Return movies with a cinema, digital or physical release between start and end."""
        params = self._calendar_params(start, end, unmonitored)
        return [
            Movie.from_dict(item)
            for item in await self._get_list("/api/v3/calendar", params)
        ]

    async def wanted_missing(
        self, *, page: int = 1, page_size: int = 20
    ) -> Page[Movie]:
        """Return monitored movies without a file (Radarr 5+)."""
        return await self._movie_page("/api/v3/wanted/missing", page, page_size)

    async def cutoff_unmet(self, *, page: int = 1, page_size: int = 20) -> Page[Movie]:
        """Return movies whose file is below the profile cutoff (Radarr 5+)."""
        return await self._movie_page("/api/v3/wanted/cutoff", page, page_size)

    async def _movie_page(self, path: str, page: int, page_size: int) -> Page[Movie]:
        """GET a paged list of monitored movies."""
        params = {"page": page, "pageSize": page_size, "monitored": True}
        return Page.from_arr(await self._get_dict(path, params), Movie.from_dict)

    async def lookup(self, term: str) -> list[Movie]:
        """Search for movies to add; accepts titles and `tmdb:`/`imdb:` terms."""
        return [
            Movie.from_dict(item)
            for item in await self._get_list("/api/v3/movie/lookup", {"term": term})
        ]

    async def lookup_tmdb(self, tmdb_id: int) -> Movie:
        """Look up one movie by TMDB id."""
        return Movie.from_dict(
            await self._get_dict("/api/v3/movie/lookup/tmdb", {"tmdbId": tmdb_id})
        )

    async def add_movie(
        self,
        movie: Movie,
        *,
        quality_profile_id: int,
        root_folder_path: str,
        monitored: bool = True,
        monitor: str = "movieOnly",
        minimum_availability: str = "released",
        search: bool = True,
        tags: Iterable[int] = (),
    ) -> Movie:
        """Add a looked-up movie, optionally searching for it right away."""
        if movie.tmdb_id is None:
            raise ValueError("movie has no TMDB id; use a lookup result")
        body: dict[str, Any] = {
            "title": movie.title,
            "tmdbId": movie.tmdb_id,
            "year": movie.year,
            "titleSlug": movie.title_slug,
            "qualityProfileId": quality_profile_id,
            "rootFolderPath": root_folder_path,
            "monitored": monitored,
            "minimumAvailability": minimum_availability,
            "tags": list(tags),
            "addOptions": {"searchForMovie": search, "monitor": monitor},
        }
        return Movie.from_dict(await self._post_dict("/api/v3/movie", body))

    async def delete_movie(
        self,
        movie_id: int,
        *,
        delete_files: bool = False,
        add_import_exclusion: bool = False,
    ) -> None:
        """Delete a movie, optionally with its files and an import exclusion."""
        await self._request(
            "DELETE",
            f"/api/v3/movie/{movie_id}",
            params={
                "deleteFiles": delete_files,
                "addImportExclusion": add_import_exclusion,
            },
        )

    async def delete_movie_files(self, movie_id: int) -> None:
        """Delete a movie's files (Radarr keeps the movie, without a file)."""
        files = await self._get_list("/api/v3/moviefile", {"movieId": movie_id})
        if ids := [to_int(item.get("id")) for item in files]:
            await self._request(
                "DELETE", "/api/v3/moviefile/bulk", json_body={"movieFileIds": ids}
            )

    async def unmonitor_movie(self, movie_id: int) -> None:
        """Stop monitoring a movie (Radarr keeps it and its file)."""
        await self._request(
            "PUT",
            "/api/v3/movie/editor",
            json_body={"movieIds": [movie_id], "monitored": False},
        )

    async def add_exclusion(self, tmdb_id: int, title: str, year: int | None) -> None:
        """Add an import exclusion so lists never add the movie again."""
        await self._post_dict(
            "/api/v3/exclusions",
            {"tmdbId": tmdb_id, "movieTitle": title, "movieYear": year or 0},
        )

    async def search_movies(self, movie_ids: Iterable[int]) -> Command:
        """Search for specific movies."""
        return await self.command("MoviesSearch", movieIds=list(movie_ids))

    async def search_missing(self) -> Command:
        """Search for every missing monitored movie."""
        return await self.command("MissingMoviesSearch")

    async def search_cutoff_unmet(self) -> Command:
        """Search for upgrades of every movie below cutoff."""
        return await self.command("CutoffUnmetMoviesSearch")
