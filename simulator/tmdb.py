"""Simulated TMDB API v3 (/3/...)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .core import Stack
from .faults import CONTROL_PREFIX, Handler
from .models import Kind, Title
from .vocabulary import MOVIE_GENRES, TV_GENRES

PAGE_SIZE = 20
_ERRORS = {
    401: (7, "Invalid API key: You must be granted a valid key."),
    403: (
        3,
        "Authentication failed: You do not have permissions to access the service.",
    ),
    404: (34, "The resource you requested could not be found."),
    429: (25, "Your request count (#) is over the allowed limit of (40)."),
    500: (11, "Internal error: Something went wrong, contact TMDB."),
    503: (9, "Service offline: This service is temporarily offline, try again later."),
}


def error_response(status: int) -> web.Response:
    """Return TMDB's error body for a status."""
    code, message = _ERRORS.get(
        status, (11, "Internal error: Something went wrong, contact TMDB.")
    )
    return web.json_response(
        {"success": False, "status_code": code, "status_message": message},
        status=status,
    )


def auth_middleware(stack: Stack, url_base: str) -> Any:
    """Return a middleware accepting the v3 api_key query or the v4 bearer token."""

    @web.middleware
    async def tmdb_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Reject requests without valid credentials."""
        if request.path.removeprefix(url_base).startswith(CONTROL_PREFIX):
            return await handler(request)
        bearer = request.headers.get("Authorization", "")
        if (
            request.query.get("api_key") == stack.keys["tmdb"]
            or bearer == f"Bearer {stack.tmdb_bearer}"
        ):
            return await handler(request)
        return error_response(401)

    return tmdb_auth


def _not_found() -> web.HTTPNotFound:
    """Return TMDB's 404."""
    code, message = _ERRORS[404]
    return web.HTTPNotFound(
        text=f'{{"success": false, "status_code": {code}, "status_message": "{message}"}}',
        content_type="application/json",
    )


class TmdbRoutes:
    """Handlers of the TMDB API."""

    def __init__(self, stack: Stack) -> None:
        """Bind handlers to the shared state."""
        self.stack = stack

    def routes(self) -> list[web.RouteDef]:
        """Return the route table."""
        routes = [
            web.get("/3/configuration", self.configuration),
            web.get("/3/authentication", self.authentication),
            web.get("/3/genre/movie/list", self.genres),
            web.get("/3/genre/tv/list", self.genres),
            web.get("/3/search/movie", self.search),
            web.get("/3/search/tv", self.search),
            web.get("/3/search/multi", self.search),
            web.get("/3/trending/{media_type}/{time_window}", self.trending),
            web.get("/3/discover/movie", self.discover),
            web.get("/3/discover/tv", self.discover),
            web.get("/3/find/{external_id}", self.find),
        ]
        for kind, name in (("movie", "movie_id"), ("tv", "series_id")):
            routes += [
                web.get(f"/3/{kind}/{{{name}}}", self.details),
                web.get(f"/3/{kind}/{{{name}}}/credits", self.credits),
                web.get(f"/3/{kind}/{{{name}}}/keywords", self.keywords),
                web.get(f"/3/{kind}/{{{name}}}/external_ids", self.external_ids),
                web.get(f"/3/{kind}/{{{name}}}/recommendations", self.related),
                web.get(f"/3/{kind}/{{{name}}}/similar", self.related),
            ]
        return routes

    # -- builders ----------------------------------------------------------------------------

    def _kind(self, request: web.Request) -> Kind:
        """Return movie or tv from the request path."""
        return (
            "tv"
            if "/3/tv/" in request.path
            or request.path.endswith("/tv")
            or "/search/tv" in request.path
            else "movie"
        )

    def _title(self, request: web.Request) -> Title:
        """Return the title named by the path id."""
        kind = self._kind(request)
        raw = request.match_info["movie_id" if kind == "movie" else "series_id"]
        title = self.stack.world.titles.get((kind, int(raw))) if raw.isdigit() else None
        if title is None:
            raise _not_found()
        return title

    @staticmethod
    def result(title: Title, with_media_type: bool = False) -> dict[str, Any]:
        """Return a list entry (movie or TV shape)."""
        body: dict[str, Any] = {
            "adult": False,
            "backdrop_path": f"/sim{title.kind}{title.tmdb_id}b.jpg",
            "genre_ids": list(title.genre_ids),
            "id": title.tmdb_id,
            "original_language": "en",
            "overview": title.overview,
            "popularity": title.popularity,
            "poster_path": f"/sim{title.kind}{title.tmdb_id}.jpg",
            "vote_average": title.vote_average,
            "vote_count": title.vote_count,
        }
        if title.kind == "movie":
            body.update(
                original_title=title.title,
                release_date=title.release.strftime("%Y-%m-%d"),
                title=title.title,
                video=False,
            )
        else:
            body.update(
                origin_country=["US"],
                original_name=title.title,
                first_air_date=title.release.strftime("%Y-%m-%d"),
                name=title.title,
            )
        if with_media_type:
            body["media_type"] = title.kind
        return body

    def _page(
        self, request: web.Request, titles: list[Title], with_media_type: bool = False
    ) -> dict[str, Any]:
        """Return a paged result list."""
        raw = request.query.get("page", "1")
        page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
        chunk = titles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return {
            "page": page,
            "results": [self.result(t, with_media_type) for t in chunk],
            "total_pages": max(1, -(-len(titles) // PAGE_SIZE)),
            "total_results": len(titles),
        }

    def _credits(self, title: Title) -> dict[str, Any]:
        """Return credits (cast and crew)."""
        people = self.stack.world.people
        person = {
            "adult": False,
            "gender": 0,
            "original_name": "",
            "popularity": 1.0,
            "profile_path": None,
        }
        cast = [
            {
                **person,
                "id": 1_000 + pid,
                "known_for_department": "Acting",
                "name": people[pid],
                "original_name": people[pid],
                "character": f"Role {order + 1}",
                "credit_id": f"sim{title.tmdb_id:08x}{pid:08x}",
                "order": order,
                **({"cast_id": order + 1} if title.kind == "movie" else {}),
            }
            for order, pid in enumerate(title.cast)
        ]
        crew = [
            {
                **person,
                "id": 1_000 + pid,
                "known_for_department": "Directing",
                "name": people[pid],
                "original_name": people[pid],
                "credit_id": f"sim{title.tmdb_id:08x}c{pid:07x}",
                "department": "Directing",
                "job": "Director" if title.kind == "movie" else "Executive Producer",
            }
            for pid in title.crew
        ]
        return {"id": title.tmdb_id, "cast": cast, "crew": crew}

    def _keywords(self, title: Title) -> dict[str, Any]:
        """Return keywords (movies under "keywords", TV under "results")."""
        words = self.stack.world.keywords
        items = [
            {"id": 9_000 + k, "name": words[k].replace("-", " ")}
            for k in title.keywords
        ]
        return {
            "id": title.tmdb_id,
            "keywords" if title.kind == "movie" else "results": items,
        }

    @staticmethod
    def _external_ids(title: Title) -> dict[str, Any]:
        """Return external ids."""
        body: dict[str, Any] = {
            "id": title.tmdb_id,
            "imdb_id": title.imdb_id,
            "wikidata_id": None,
            "facebook_id": None,
            "instagram_id": None,
            "twitter_id": None,
        }
        if title.kind == "tv":
            body.update(
                tvdb_id=title.tvdb_id,
                freebase_mid=None,
                freebase_id=None,
                tvrage_id=None,
            )
        return body

    def details_body(self, title: Title) -> dict[str, Any]:
        """Return movie or TV details."""
        genres = MOVIE_GENRES if title.kind == "movie" else TV_GENRES
        body: dict[str, Any] = {
            "adult": False,
            "backdrop_path": f"/sim{title.kind}{title.tmdb_id}b.jpg",
            "genres": [{"id": g, "name": genres[g]} for g in title.genre_ids],
            "homepage": "",
            "id": title.tmdb_id,
            "origin_country": ["US"],
            "original_language": "en",
            "overview": title.overview,
            "popularity": title.popularity,
            "poster_path": f"/sim{title.kind}{title.tmdb_id}.jpg",
            "production_companies": [
                {
                    "id": 1,
                    "logo_path": None,
                    "name": title.studio,
                    "origin_country": "US",
                }
            ],
            "status": "Released"
            if title.kind == "movie"
            else ("Ended" if title.ended else "Returning Series"),
            "tagline": "",
            "vote_average": title.vote_average,
            "vote_count": title.vote_count,
        }
        if title.kind == "movie":
            body.update(
                belongs_to_collection=None,
                budget=0,
                imdb_id=title.imdb_id,
                original_title=title.title,
                release_date=title.release.strftime("%Y-%m-%d"),
                revenue=0,
                runtime=title.runtime,
                title=title.title,
                video=False,
            )
        else:
            episodes = sum(title.seasons)
            body.update(
                episode_run_time=[title.runtime],
                first_air_date=title.release.strftime("%Y-%m-%d"),
                in_production=not title.ended,
                name=title.title,
                networks=[
                    {
                        "id": 1,
                        "logo_path": None,
                        "name": title.studio,
                        "origin_country": "US",
                    }
                ],
                number_of_episodes=episodes,
                number_of_seasons=len(title.seasons),
                original_name=title.title,
                seasons=[
                    {
                        "air_date": None,
                        "episode_count": count,
                        "id": title.tmdb_id * 100 + n,
                        "name": f"Season {n}",
                        "overview": "",
                        "poster_path": None,
                        "season_number": n,
                        "vote_average": 0,
                    }
                    for n, count in enumerate(title.seasons, 1)
                ],
                type="Scripted",
            )
        return body

    # -- handlers ----------------------------------------------------------------------------

    async def configuration(self, request: web.Request) -> web.Response:
        """Return image configuration."""
        return web.json_response(
            {
                "images": {
                    "base_url": "http://image.tmdb.org/t/p/",
                    "secure_base_url": "https://image.tmdb.org/t/p/",
                    "backdrop_sizes": ["w300", "w780", "w1280", "original"],
                    "logo_sizes": [
                        "w45",
                        "w92",
                        "w154",
                        "w185",
                        "w300",
                        "w500",
                        "original",
                    ],
                    "poster_sizes": [
                        "w92",
                        "w154",
                        "w185",
                        "w342",
                        "w500",
                        "w780",
                        "original",
                    ],
                    "profile_sizes": ["w45", "w185", "h632", "original"],
                    "still_sizes": ["w92", "w185", "w300", "original"],
                },
                "change_keys": [
                    "adult",
                    "genres",
                    "images",
                    "keywords",
                    "overview",
                    "title",
                ],
            }
        )

    async def authentication(self, request: web.Request) -> web.Response:
        """Validate the key."""
        return web.json_response(
            {"success": True, "status_code": 1, "status_message": "Success."}
        )

    async def genres(self, request: web.Request) -> web.Response:
        """Return the genre list."""
        genres = TV_GENRES if request.path.endswith("/tv/list") else MOVIE_GENRES
        return web.json_response(
            {"genres": [{"id": g, "name": n} for g, n in genres.items()]}
        )

    async def search(self, request: web.Request) -> web.Response:
        """Search titles by name."""
        query = request.query.get("query", "")
        multi = request.path.endswith("/multi")
        kind: Kind | None = None if multi else self._kind(request)
        found = self.stack.world.search(kind, query) if query else []
        if "year" in request.query and kind == "movie":
            found = [t for t in found if str(t.year) == request.query["year"]]
        return web.json_response(self._page(request, found, with_media_type=multi))

    async def trending(self, request: web.Request) -> web.Response:
        """Return trending titles."""
        media_type = request.match_info["media_type"]
        if media_type not in {"all", "movie", "tv"} or request.match_info[
            "time_window"
        ] not in {"day", "week"}:
            raise _not_found()
        kind: Kind | None = None if media_type == "all" else media_type  # type: ignore[assignment]
        return web.json_response(
            self._page(request, self.stack.world.trending(kind), with_media_type=True)
        )

    async def discover(self, request: web.Request) -> web.Response:
        """Discover titles filtered by genre, sorted by popularity."""
        kind = self._kind(request)
        titles = self.stack.world.trending(kind)
        wanted = request.query.get("with_genres")
        if wanted:
            ids = {int(g) for g in wanted.replace("|", ",").split(",") if g.isdigit()}
            titles = [t for t in titles if ids.intersection(t.genre_ids)]
        return web.json_response(self._page(request, titles))

    async def find(self, request: web.Request) -> web.Response:
        """Find titles by IMDb or TVDB id."""
        world = self.stack.world
        external = request.match_info["external_id"]
        source = request.query.get("external_source")
        match: Title | None = None
        if source == "imdb_id":
            match = world.title_by_imdb(external)
        elif source == "tvdb_id" and external.isdigit():
            match = world.title_by_tvdb(int(external))
        elif source is None:
            return error_response(404)
        body: dict[str, Any] = {
            "movie_results": [],
            "person_results": [],
            "tv_results": [],
            "tv_episode_results": [],
            "tv_season_results": [],
        }
        if match is not None:
            body["movie_results" if match.kind == "movie" else "tv_results"].append(
                self.result(match, with_media_type=True)
            )
        return web.json_response(body)

    async def details(self, request: web.Request) -> web.Response:
        """Return details, with append_to_response parts."""
        title = self._title(request)
        body = self.details_body(title)
        for part in request.query.get("append_to_response", "").split(","):
            if part == "credits":
                body["credits"] = self._credits(title)
            elif part == "keywords":
                body["keywords"] = self._keywords(title)
            elif part == "external_ids":
                body["external_ids"] = self._external_ids(title)
        return web.json_response(body)

    async def credits(self, request: web.Request) -> web.Response:
        """Return credits."""
        return web.json_response(self._credits(self._title(request)))

    async def keywords(self, request: web.Request) -> web.Response:
        """Return keywords."""
        return web.json_response(self._keywords(self._title(request)))

    async def external_ids(self, request: web.Request) -> web.Response:
        """Return external ids."""
        return web.json_response(self._external_ids(self._title(request)))

    async def related(self, request: web.Request) -> web.Response:
        """Return recommendations or similar titles (genre, people and keyword overlap)."""
        title = self._title(request)
        mode = (
            "recommendations"
            if request.path.endswith("/recommendations")
            else "similar"
        )
        found = self.stack.world.related(title, mode)  # type: ignore[arg-type]
        return web.json_response(
            self._page(request, found, with_media_type=mode == "recommendations")
        )
