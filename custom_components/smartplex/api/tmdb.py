"""TMDB API v3 client and models (v3 api_key or v4 read-access token)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import aiohttp

from .base import ApiClient, QueryValue
from .errors import SmartPlexNotFoundError, SmartPlexWrongServiceError
from .models import Page, ServerInfo
from .parse import (
    JsonDict,
    as_dict,
    dict_list,
    int_tuple,
    opt_date,
    opt_float,
    opt_int,
    opt_str,
    str_tuple,
    to_bool,
    to_int,
    to_str,
)

TMDB_URL = "https://api.themoviedb.org"
DEFAULT_IMAGE_BASE_URL = "https://image.tmdb.org/t/p/"
DETAILS_APPEND = "external_ids,credits,keywords"
MAX_CAST = 20

type MediaType = Literal["movie", "tv"]


def is_read_access_token(api_key: str) -> bool:
    """Tell a v4 read-access token (a JWT: eyJ..., three dot-separated parts) from a v3 key."""
    return api_key.count(".") == 2 and len(api_key) > 40


@dataclass(frozen=True, slots=True)
class TmdbItem:
    """A movie, series or person in a list (search, trending, discover, similar, ...)."""

    id: int
    media_type: str
    title: str
    original_title: str | None
    overview: str | None
    release_date: date | None
    genre_ids: tuple[int, ...]
    original_language: str | None
    poster_path: str | None
    backdrop_path: str | None
    popularity: float
    vote_average: float
    vote_count: int
    adult: bool

    @property
    def year(self) -> int | None:
        """Return the release (or first air) year."""
        return self.release_date.year if self.release_date else None

    @classmethod
    def from_dict(cls, data: JsonDict, media_type: str | None = None) -> TmdbItem:
        """Build from the API object; media_type defaults to the item's own field."""
        return cls(
            id=to_int(data.get("id")),
            media_type=media_type or to_str(data.get("media_type"), "movie"),
            title=to_str(data.get("title") or data.get("name")),
            original_title=opt_str(
                data.get("original_title") or data.get("original_name")
            ),
            overview=opt_str(data.get("overview")),
            release_date=opt_date(
                data.get("release_date") or data.get("first_air_date")
            ),
            genre_ids=int_tuple(data.get("genre_ids")),
            original_language=opt_str(data.get("original_language")),
            poster_path=opt_str(data.get("poster_path") or data.get("profile_path")),
            backdrop_path=opt_str(data.get("backdrop_path")),
            popularity=opt_float(data.get("popularity")) or 0.0,
            vote_average=opt_float(data.get("vote_average")) or 0.0,
            vote_count=to_int(data.get("vote_count")),
            adult=to_bool(data.get("adult")),
        )


@dataclass(frozen=True, slots=True)
class Genre:
    """A genre."""

    id: int
    name: str

    @classmethod
    def from_dict(cls, data: JsonDict) -> Genre:
        """Build from the API object."""
        return cls(id=to_int(data.get("id")), name=to_str(data.get("name")))


@dataclass(frozen=True, slots=True)
class Person:
    """A cast or crew credit (role is the character or the job)."""

    id: int
    name: str
    role: str | None
    department: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> Person:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            name=to_str(data.get("name")),
            role=opt_str(data.get("character") or data.get("job")),
            department=opt_str(
                data.get("known_for_department") or data.get("department")
            ),
        )


@dataclass(frozen=True, slots=True)
class TmdbDetails:
    """Movie or series details with external ids, credits and keywords (creators: directors or series creators)."""

    id: int
    media_type: str
    title: str
    original_title: str | None
    overview: str | None
    tagline: str | None
    status: str | None
    release_date: date | None
    runtime: int | None
    number_of_seasons: int | None
    original_language: str | None
    genres: tuple[Genre, ...]
    keywords: tuple[str, ...]
    cast: tuple[Person, ...]
    creators: tuple[Person, ...]
    imdb_id: str | None
    tvdb_id: int | None
    poster_path: str | None
    backdrop_path: str | None
    popularity: float
    vote_average: float
    vote_count: int

    @property
    def year(self) -> int | None:
        """Return the release (or first air) year."""
        return self.release_date.year if self.release_date else None

    @classmethod
    def from_dict(cls, data: JsonDict, media_type: str) -> TmdbDetails:
        """Build from the API object (appended sub-resources are optional)."""
        external_ids = as_dict(data.get("external_ids"))
        keywords = as_dict(data.get("keywords"))
        credit_list = as_dict(data.get("credits"))
        crew = dict_list(credit_list.get("crew"))
        runtimes = int_tuple(data.get("episode_run_time"))
        return cls(
            id=to_int(data.get("id")),
            media_type=media_type,
            title=to_str(data.get("title") or data.get("name")),
            original_title=opt_str(
                data.get("original_title") or data.get("original_name")
            ),
            overview=opt_str(data.get("overview")),
            tagline=opt_str(data.get("tagline")),
            status=opt_str(data.get("status")),
            release_date=opt_date(
                data.get("release_date") or data.get("first_air_date")
            ),
            runtime=opt_int(data.get("runtime")) or (runtimes[0] if runtimes else None),
            number_of_seasons=opt_int(data.get("number_of_seasons")),
            original_language=opt_str(data.get("original_language")),
            genres=tuple(
                Genre.from_dict(item) for item in dict_list(data.get("genres"))
            ),
            keywords=tuple(
                to_str(item.get("name"))
                for item in dict_list(keywords.get("keywords", keywords.get("results")))
            ),
            cast=tuple(
                Person.from_dict(item)
                for item in dict_list(credit_list.get("cast"))[:MAX_CAST]
            ),
            creators=tuple(
                Person.from_dict(item) for item in dict_list(data.get("created_by"))
            )
            if media_type == "tv"
            else tuple(
                Person.from_dict(item) for item in crew if item.get("job") == "Director"
            ),
            imdb_id=opt_str(data.get("imdb_id") or external_ids.get("imdb_id")),
            tvdb_id=opt_int(external_ids.get("tvdb_id")),
            poster_path=opt_str(data.get("poster_path")),
            backdrop_path=opt_str(data.get("backdrop_path")),
            popularity=opt_float(data.get("popularity")) or 0.0,
            vote_average=opt_float(data.get("vote_average")) or 0.0,
            vote_count=to_int(data.get("vote_count")),
        )


@dataclass(frozen=True, slots=True)
class FindResult:
    """Titles matching an external id."""

    movies: tuple[TmdbItem, ...]
    tv: tuple[TmdbItem, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> FindResult:
        """Build from the API object."""
        return cls(
            movies=tuple(
                TmdbItem.from_dict(item, "movie")
                for item in dict_list(data.get("movie_results"))
            ),
            tv=tuple(
                TmdbItem.from_dict(item, "tv")
                for item in dict_list(data.get("tv_results"))
            ),
        )


@dataclass(frozen=True, slots=True)
class TmdbConfiguration:
    """Image base URL and sizes."""

    image_base_url: str
    poster_sizes: tuple[str, ...]
    backdrop_sizes: tuple[str, ...]

    def poster_url(self, poster_path: str | None, size: str = "w500") -> str | None:
        """Return the full poster URL for a poster_path (falls back to "original")."""
        if not poster_path:
            return None
        if self.poster_sizes and size not in self.poster_sizes:
            size = "original"
        return f"{self.image_base_url.rstrip('/')}/{size}/{poster_path.lstrip('/')}"

    @classmethod
    def from_dict(cls, data: JsonDict) -> TmdbConfiguration:
        """Build from the API object."""
        images = as_dict(data.get("images"))
        return cls(
            image_base_url=to_str(
                images.get("secure_base_url"), DEFAULT_IMAGE_BASE_URL
            ),
            poster_sizes=str_tuple(images.get("poster_sizes")),
            backdrop_sizes=str_tuple(images.get("backdrop_sizes")),
        )


class TmdbClient(ApiClient):
    """Async client for TMDB API v3."""

    service = "TMDB"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        url: str = TMDB_URL,
        verify_ssl: bool = True,
        timeout: float = 10.0,
    ) -> None:
        """Store the session and credential (v3 key or v4 read-access token)."""
        super().__init__(session, url, api_key, verify_ssl=verify_ssl, timeout=timeout)
        self._configuration: TmdbConfiguration | None = None
        self.genre_lists: dict[str, dict[int, str]] = {}

    def _auth_headers(self) -> dict[str, str]:
        """Send a read-access token as a bearer header."""
        if is_read_access_token(self._api_key):
            return {"Authorization": f"Bearer {self._api_key}"}
        return {}

    def _auth_query(self) -> list[tuple[str, str]]:
        """Send a v3 key as the api_key parameter (the only way v3 keys work)."""
        if is_read_access_token(self._api_key):
            return []
        return [("api_key", self._api_key)]

    async def configuration(self) -> TmdbConfiguration:
        """Return the image configuration."""
        return TmdbConfiguration.from_dict(await self._get_dict("/3/configuration"))

    async def validate(self) -> ServerInfo:
        """Check the credential with /3/configuration."""
        try:
            data = await self._get_dict("/3/configuration")
        except SmartPlexNotFoundError:
            raise SmartPlexWrongServiceError(
                self.service, "no TMDB API v3 at this URL"
            ) from None
        if "images" not in data:
            raise SmartPlexWrongServiceError(
                self.service, "the URL does not answer like the TMDB API"
            )
        return ServerInfo(
            service=self.service, name=self.service, version="3", instance_id=None
        )

    async def _page(
        self, path: str, params: dict[str, QueryValue], media_type: str | None = None
    ) -> Page[TmdbItem]:
        """GET a paged list of titles."""
        data = await self._get_dict(path, params)
        return Page.from_search(data, lambda item: TmdbItem.from_dict(item, media_type))

    async def search(
        self,
        query: str,
        *,
        media_type: Literal["movie", "tv", "multi"] = "multi",
        year: int | None = None,
        page: int = 1,
        language: str | None = None,
    ) -> Page[TmdbItem]:
        """Search movies, series or both (multi also returns people)."""
        params: dict[str, QueryValue] = {
            "query": query,
            "page": page,
            "language": language,
        }
        if year is not None and media_type == "movie":
            params["year"] = year
        elif year is not None and media_type == "tv":
            params["first_air_date_year"] = year
        return await self._page(
            f"/3/search/{media_type}",
            params,
            None if media_type == "multi" else media_type,
        )

    async def details(
        self, media_type: MediaType, tmdb_id: int, *, language: str | None = None
    ) -> TmdbDetails:
        """Return details with external ids, credits and keywords appended."""
        data = await self._get_dict(
            f"/3/{media_type}/{tmdb_id}",
            {"append_to_response": DETAILS_APPEND, "language": language},
        )
        return TmdbDetails.from_dict(data, media_type)

    async def recommendations(
        self, media_type: MediaType, tmdb_id: int, *, page: int = 1
    ) -> Page[TmdbItem]:
        """Return TMDB's recommendations for a title."""
        return await self._page(
            f"/3/{media_type}/{tmdb_id}/recommendations", {"page": page}, media_type
        )

    async def similar(
        self, media_type: MediaType, tmdb_id: int, *, page: int = 1
    ) -> Page[TmdbItem]:
        """Return titles similar to a title."""
        return await self._page(
            f"/3/{media_type}/{tmdb_id}/similar", {"page": page}, media_type
        )

    async def trending(
        self,
        media_type: Literal["all", "movie", "tv"] = "all",
        time_window: Literal["day", "week"] = "week",
        *,
        language: str | None = None,
    ) -> Page[TmdbItem]:
        """Return the first page of trending titles (the endpoint takes no page parameter)."""
        return await self._page(
            f"/3/trending/{media_type}/{time_window}",
            {"language": language},
            None if media_type == "all" else media_type,
        )

    async def discover(
        self,
        media_type: MediaType,
        *,
        genres: Iterable[int] = (),
        year: int | None = None,
        sort_by: str = "popularity.desc",
        min_votes: int | None = None,
        page: int = 1,
    ) -> Page[TmdbItem]:
        """Discover titles by genre (all of them) and year."""
        year_param = (
            "primary_release_year" if media_type == "movie" else "first_air_date_year"
        )
        params: dict[str, QueryValue] = {
            "with_genres": ",".join(str(genre) for genre in genres) or None,
            year_param: year,
            "sort_by": sort_by,
            "vote_count.gte": min_votes,
            "page": page,
        }
        return await self._page(f"/3/discover/{media_type}", params, media_type)

    async def genres(self, media_type: MediaType) -> list[Genre]:
        """Return the genre list for movies or series."""
        data = await self._get_dict(f"/3/genre/{media_type}/list")
        return [Genre.from_dict(item) for item in dict_list(data.get("genres"))]

    async def genre_names(self, media_type: MediaType) -> dict[int, str]:
        """Return genre names by id, fetching each media type's list once."""
        if media_type not in self.genre_lists:
            self.genre_lists[media_type] = {
                genre.id: genre.name for genre in await self.genres(media_type)
            }
        return self.genre_lists[media_type]

    @property
    def configuration_cached(self) -> TmdbConfiguration | None:
        """Return the image configuration if it was fetched already."""
        return self._configuration

    async def find(
        self, external_id: str, source: Literal["imdb_id", "tvdb_id"]
    ) -> FindResult:
        """Find titles by IMDb or TVDB id."""
        return FindResult.from_dict(
            await self._get_dict(f"/3/find/{external_id}", {"external_source": source})
        )

    async def poster_url(
        self, poster_path: str | None, size: str = "w500"
    ) -> str | None:
        """Return a full poster URL, fetching the configuration once."""
        if self._configuration is None:
            self._configuration = await self.configuration()
        return self._configuration.poster_url(poster_path, size)
