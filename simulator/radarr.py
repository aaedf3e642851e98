"""Simulated Radarr v3 API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
import orjson

from .arr import ArrRoutes, listing_response, paged, quality
from .arr_params import (
    bad_request,
    json_body,
    not_found,
    parse_time,
    path_int,
    query_bool,
)
from .clock import iso
from .core import Stack
from .models import HistoryEvent, Movie, QueueItem, Title
from .vocabulary import MOVIE_GENRES
from .webhooks import arr_deleted, images, radarr_file_deleted

# Digital and physical releases follow the cinema release, as they usually do.
DIGITAL_DELAY = timedelta(days=45)
PHYSICAL_DELAY = timedelta(days=90)


def releases(info: Title) -> tuple[datetime, datetime, datetime]:
    """Return the cinema, digital and physical release of a movie."""
    return (info.release, info.release + DIGITAL_DELAY, info.release + PHYSICAL_DELAY)


class RadarrRoutes(ArrRoutes):
    """Radarr-specific handlers on top of the shared *arr ones."""

    def __init__(self, service: str, stack: Stack) -> None:
        """Bind handlers; no movie is encoded yet."""
        super().__init__(service, stack)
        # movie id -> (the state its JSON shows, that JSON)
        self._encoded_movies: dict[int, tuple[tuple[object, ...], bytes]] = {}

    def routes(self) -> list[web.RouteDef]:
        """Return Radarr's route table."""
        return [
            *super().routes(),
            web.get("/api/v3/movie", self.movies),
            web.post("/api/v3/movie", self.add_movie),
            web.get("/api/v3/movie/lookup", self.lookup),
            web.get("/api/v3/movie/lookup/tmdb", self.lookup_tmdb),
            web.get("/api/v3/movie/lookup/imdb", self.lookup_imdb),
            web.get("/api/v3/movie/{id}", self.movie),
            web.delete("/api/v3/movie/{id}", self.delete_movie),
            web.put("/api/v3/movie/editor", self.edit_movies),
            web.get("/api/v3/moviefile", self.movie_files),
            web.delete("/api/v3/moviefile/bulk", self.delete_movie_files),
            web.get("/api/v3/calendar", self.calendar),
            web.get("/api/v3/wanted/missing", self.missing),
            web.get("/api/v3/wanted/cutoff", self.cutoff),
            web.get("/api/v3/exclusions", self.exclusions),
            web.post("/api/v3/exclusions", self.add_exclusion),
            web.delete("/api/v3/exclusions/{id}", self.delete_exclusion),
        ]

    def movie_body(self, info: Title, movie: Movie | None) -> dict[str, Any]:
        """Return a MovieResource for a library movie or a lookup result."""
        released = info.release <= self.stack.clock.now()
        covers = images("movie", info.tmdb_id)
        body: dict[str, Any] = {
            "id": movie.id if movie else 0,
            "title": info.title,
            "originalTitle": info.title,
            "originalLanguage": {"id": 1, "name": "English"},
            "alternateTitles": [],
            "secondaryYearSourceId": 0,
            "sortTitle": info.title.lower().removeprefix("the "),
            "sizeOnDisk": movie.size if movie else 0,
            "status": "released" if released else "announced",
            "overview": info.overview,
            "inCinemas": iso(info.release),
            "digitalRelease": iso(releases(info)[1]),
            "physicalRelease": iso(releases(info)[2]),
            "releaseDate": iso(info.release),
            "images": covers,
            "website": "",
            "remotePoster": covers[0]["remoteUrl"],
            "year": info.year,
            "youTubeTrailerId": "",
            "studio": info.studio,
            "qualityProfileId": 2 if movie else 0,
            "hasFile": bool(movie and movie.has_file),
            "movieFileId": movie.id if movie and movie.has_file else 0,
            "monitored": bool(movie and movie.monitored),
            "minimumAvailability": "released",
            "isAvailable": released,
            "folderName": movie.path
            if movie
            else f"/movies/{info.title} ({info.year})",
            "runtime": info.runtime,
            "cleanTitle": info.title.lower().replace(" ", ""),
            "imdbId": info.imdb_id,
            "tmdbId": info.tmdb_id,
            "titleSlug": info.slug,
            "certification": info.certification,
            "genres": [MOVIE_GENRES[g] for g in info.genre_ids],
            "keywords": [self.stack.world.keywords[k] for k in info.keywords],
            "tags": list(movie.tags) if movie else [],
            "added": iso(movie.added) if movie else "0001-01-01T00:00:00Z",
            "ratings": {
                "imdb": {
                    "votes": info.vote_count * 3,
                    "value": info.vote_average,
                    "type": "user",
                },
                "tmdb": {
                    "votes": info.vote_count,
                    "value": info.vote_average,
                    "type": "user",
                },
            },
            "popularity": info.popularity,
            "statistics": {
                "movieFileCount": 1 if movie and movie.has_file else 0,
                "sizeOnDisk": movie.size if movie else 0,
                "releaseGroups": ["SIM"] if movie and movie.has_file else [],
            },
        }
        if movie is not None:
            body["path"] = movie.path
            body["rootFolderPath"] = "/movies"
            if movie.has_file:
                body["movieFile"] = self.movie_file(movie)
        return body

    def movie_file(self, movie: Movie) -> dict[str, Any]:
        """Return a MovieFileResource."""
        name = f"{movie.info.title} ({movie.info.year}).mkv"
        return {
            "id": movie.id,
            "movieId": movie.id,
            "relativePath": name,
            "path": f"{movie.path}/{name}",
            "size": movie.size,
            "dateAdded": iso(movie.added),
            "releaseGroup": "SIM",
            "languages": [{"id": 1, "name": "English"}],
            "quality": quality(movie.quality_id, radarr=True),
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "qualityCutoffNotMet": movie.quality_id not in {7, 18, 19},
        }

    def _movie(self, request: web.Request) -> Movie:
        """Return the library movie named by the path id."""
        movie = self.stack.world.movies.get(path_int(request))
        if movie is None:
            raise not_found()
        return movie

    async def movies(self, request: web.Request) -> web.Response:
        """List library movies (optionally one TMDB id)."""
        world = self.stack.world
        movies = list(world.movies.values())
        if "tmdbId" in request.query:
            tmdb_id = request.query["tmdbId"]
            found = world.movie_by_tmdb(int(tmdb_id)) if tmdb_id.isdigit() else None
            movies = [found] if found else []
        now = self.stack.clock.now()
        return listing_response(self._encoded(movie, now) for movie in movies)

    def _encoded(self, movie: Movie, now: datetime) -> bytes:
        """Return a library movie's MovieResource as JSON, reused while the movie is unchanged.

        A large listing is 20,000 of them: building each again for every listing made the
        simulator, not the client, the slow side of the benchmark.
        """
        state = (
            movie.monitored,
            movie.has_file,
            movie.size,
            movie.quality_id,
            movie.added,
            tuple(movie.tags),
            movie.info.release <= now,
        )
        cached = self._encoded_movies.get(movie.id)
        if cached is None or cached[0] != state:
            body = orjson.dumps(self.movie_body(movie.info, movie))
            cached = self._encoded_movies[movie.id] = (state, body)
        return cached[1]

    async def movie(self, request: web.Request) -> web.Response:
        """Return one library movie."""
        movie = self._movie(request)
        return web.json_response(self.movie_body(movie.info, movie))

    def _lookup_result(self, info: Title) -> dict[str, Any]:
        """Return a lookup result, with the library id when owned."""
        return self.movie_body(info, self.stack.world.movie_by_tmdb(info.tmdb_id))

    async def lookup(self, request: web.Request) -> web.Response:
        """Search TMDB titles by name or tmdb:/imdb: term."""
        term = request.query.get("term", "")
        world = self.stack.world
        if term.startswith("tmdb:"):
            info = (
                world.titles.get(("movie", int(term[5:])))
                if term[5:].isdigit()
                else None
            )
            found = [info] if info else []
        elif term.startswith("imdb:"):
            match = world.title_by_imdb(term[5:])
            found = [match] if match and match.kind == "movie" else []
        else:
            found = world.search("movie", term)[:20] if term else []
        return web.json_response([self._lookup_result(t) for t in found])

    async def lookup_tmdb(self, request: web.Request) -> web.Response:
        """Look up one movie by TMDB id."""
        raw = request.query.get("tmdbId", "")
        info = (
            self.stack.world.titles.get(("movie", int(raw))) if raw.isdigit() else None
        )
        if info is None:
            raise not_found()
        return web.json_response(self._lookup_result(info))

    async def lookup_imdb(self, request: web.Request) -> web.Response:
        """Look up one movie by IMDb id."""
        info = self.stack.world.title_by_imdb(request.query.get("imdbId", ""))
        if info is None or info.kind != "movie":
            raise not_found()
        return web.json_response(self._lookup_result(info))

    async def add_movie(self, request: web.Request) -> web.Response:
        """Add a movie; searchForMovie queues it at once."""
        body = await json_body(request)
        world = self.stack.world
        info = world.titles.get(("movie", int(body.get("tmdbId") or 0)))
        if info is None:
            raise bad_request("Invalid Path / TmdbId")
        if world.movie_by_tmdb(info.tmdb_id) is not None:
            raise bad_request("This movie has already been added")
        options = body.get("addOptions") or {}
        movie = self.stack.add_movie(
            info,
            monitored=bool(body.get("monitored", True)),
            quality_id=3,
            tags=[int(t) for t in body.get("tags") or []],
            search=bool(options.get("searchForMovie")),
        )
        return web.json_response(self.movie_body(info, movie), status=201)

    async def edit_movies(self, request: web.Request) -> web.Response:
        """Apply the movie editor's monitoring to several movies."""
        body = await json_body(request)
        world = self.stack.world
        found = [
            world.movies[i] for i in body.get("movieIds") or [] if i in world.movies
        ]
        if body.get("monitored") is not None:
            for movie in found:
                movie.monitored = bool(body["monitored"])
        return web.json_response(
            [self.movie_body(m.info, m) for m in found], status=202
        )

    async def movie_files(self, request: web.Request) -> web.Response:
        """List a movie's file (its id is the movie's)."""
        movie = self.stack.world.movies.get(int(request.query.get("movieId") or 0))
        return web.json_response(
            [self.movie_file(movie)] if movie is not None and movie.has_file else []
        )

    async def delete_movie_files(self, request: web.Request) -> web.Response:
        """Delete movie files (MovieFileListResource), keeping the movies."""
        ids = (await json_body(request)).get("movieFileIds") or []
        world = self.stack.world
        for movie_id in ids:
            if isinstance(movie_id, int) and movie_id in world.movies:
                movie = world.movies[movie_id]
                deleted = radarr_file_deleted(world, movie) if movie.has_file else None
                world.delete_movie_file(movie_id)
                if deleted is not None:
                    self.stack.notify_arr("radarr", "onMovieFileDelete", deleted)
        return web.json_response({})

    async def delete_movie(self, request: web.Request) -> web.Response:
        """Delete a movie, optionally its file and adding an import exclusion."""
        movie = self._movie(request)
        delete_files = query_bool(request, "deleteFiles")
        deleted = arr_deleted(self.stack.world, movie, deleted_files=delete_files)
        self.stack.world.delete_movie(
            movie.id,
            delete_files=delete_files,
            exclude=query_bool(request, "addImportExclusion"),
        )
        self.stack.notify_arr("radarr", "onMovieDelete", deleted)
        return web.json_response({})

    async def calendar(self, request: web.Request) -> web.Response:
        """Return movies releasing between start and end."""
        now = self.stack.clock.now()
        start = parse_time(request.query.get("start")) or now
        end = parse_time(request.query.get("end")) or start + timedelta(days=2)
        unmonitored = query_bool(request, "unmonitored")
        found = [
            m
            for m in self.stack.world.movies.values()
            if any(start <= day <= end for day in releases(m.info))
            and (unmonitored or m.monitored)
        ]
        return web.json_response([self.movie_body(m.info, m) for m in found])

    async def missing(self, request: web.Request) -> web.Response:
        """Return monitored released movies without a file (paged)."""
        now = self.stack.clock.now()
        monitored = query_bool(request, "monitored", default=True)
        found = [
            m
            for m in self.stack.world.movies.values()
            if not m.has_file and m.monitored == monitored and m.info.release <= now
        ]
        return web.json_response(
            paged(
                request,
                found,
                lambda m: self.movie_body(m.info, m),
                "movieMetadata.sortTitle",
            )
        )

    async def cutoff(self, request: web.Request) -> web.Response:
        """Return movies whose file is below the profile cutoff (paged)."""
        found = [
            m
            for m in self.stack.world.movies.values()
            if m.has_file and m.quality_id not in {7, 18, 19}
        ]
        return web.json_response(
            paged(
                request,
                found,
                lambda m: self.movie_body(m.info, m),
                "movieMetadata.sortTitle",
            )
        )

    def queue_media(self, item: QueueItem, include_media: bool) -> dict[str, Any]:
        """Return Radarr's queue media fields."""
        body: dict[str, Any] = {"movieId": item.media_id}
        movie = self.stack.world.movies.get(item.media_id)
        if include_media and movie is not None:
            body["movie"] = self.movie_body(movie.info, movie)
        return body

    def history_media(
        self, event: HistoryEvent, request: web.Request
    ) -> dict[str, Any]:
        """Return Radarr's history media fields (the movie when includeMovie)."""
        body: dict[str, Any] = {"movieId": event.media_id}
        movie = self.stack.world.movies.get(event.media_id)
        if query_bool(request, "includeMovie") and movie is not None:
            body["movie"] = self.movie_body(movie.info, movie)
        return body

    def _exclusion_body(
        self, exclusion_id: int, value: tuple[int, str, int]
    ) -> dict[str, Any]:
        """Return an ImportListExclusionResource."""
        tmdb_id, title, year = value
        return {
            "id": exclusion_id,
            "tmdbId": tmdb_id,
            "movieTitle": title,
            "movieYear": year,
        }

    async def exclusions(self, request: web.Request) -> web.Response:
        """List import exclusions."""
        stored = self.stack.world.exclusions["radarr"]
        return web.json_response(
            [self._exclusion_body(i, v) for i, v in stored.items()]
        )

    async def add_exclusion(self, request: web.Request) -> web.Response:
        """Add an import exclusion."""
        body = await json_body(request)
        world = self.stack.world
        info = world.titles.get(("movie", int(body.get("tmdbId") or 0)))
        if info is None:
            raise bad_request("TmdbId must be set")
        exclusion_id = world.add_exclusion("radarr", info)
        return web.json_response(
            self._exclusion_body(
                exclusion_id, world.exclusions["radarr"][exclusion_id]
            ),
            status=201,
        )

    async def delete_exclusion(self, request: web.Request) -> web.Response:
        """Remove an import exclusion."""
        stored = self.stack.world.exclusions["radarr"]
        if stored.pop(path_int(request), None) is None:
            raise not_found()
        return web.json_response({})
