"""Simulated Sonarr v3 API."""

from __future__ import annotations

from datetime import timedelta
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
from .models import Episode, HistoryEvent, QueueItem, Series, Title
from .vocabulary import TV_GENRES
from .webhooks import arr_deleted, images, sonarr_file_deleted


class SonarrRoutes(ArrRoutes):
    """Sonarr-specific handlers on top of the shared *arr ones."""

    def routes(self) -> list[web.RouteDef]:
        """Return Sonarr's route table."""
        return [
            *super().routes(),
            web.get("/api/v3/series", self.all_series),
            web.post("/api/v3/series", self.add_series),
            web.get("/api/v3/series/lookup", self.lookup),
            web.get("/api/v3/series/{id}", self.one_series),
            web.put("/api/v3/series/{id}", self.update_series),
            web.delete("/api/v3/series/{id}", self.delete_series),
            web.put("/api/v3/series/editor", self.edit_series),
            web.get("/api/v3/episodefile", self.episode_files),
            web.delete("/api/v3/episodefile/bulk", self.delete_episode_files),
            web.get("/api/v3/episode", self.episodes),
            web.get("/api/v3/episode/{id}", self.episode),
            web.get("/api/v3/calendar", self.calendar),
            web.get("/api/v3/wanted/missing", self.missing),
            web.get("/api/v3/wanted/cutoff", self.cutoff),
            web.get("/api/v3/importlistexclusion", self.exclusions),
            web.post("/api/v3/importlistexclusion", self.add_exclusion),
            web.delete("/api/v3/importlistexclusion/{id}", self.delete_exclusion),
        ]

    def series_body(self, info: Title, series: Series | None) -> dict[str, Any]:
        """Return a SeriesResource for a library series or a lookup result."""
        world = self.stack.world
        now = self.stack.clock.now()
        seasons = []
        season_stats: dict[int, list[int]] = {}
        # A season is monitored while any of its episodes is.
        season_monitored: dict[int, bool] = {}
        have = aired = size = 0
        last_air = next_air = None
        if series is not None:
            for eid in series.episode_ids:
                _, _, season, _, air, has_file, file_size, monitored = world.episodes[
                    eid
                ]
                season_monitored[season] = (
                    season_monitored.get(season, False) or monitored
                )
                stats = season_stats.setdefault(season, [0, 0, 0, 0])
                stats[0] += has_file
                stats[1] += air <= now and monitored
                stats[2] += 1
                stats[3] += file_size
                if air <= now:
                    last_air = air
                elif next_air is None:
                    next_air = air
            have, aired, total, size = world.series_stats(series)
        else:
            total = sum(info.seasons)
        for number, count in enumerate(info.seasons, 1):
            stats = season_stats.get(number, [0, 0, count, 0])
            seasons.append(
                {
                    "seasonNumber": number,
                    "monitored": bool(
                        series
                        and series.monitored
                        and season_monitored.get(number, True)
                    ),
                    "statistics": {
                        "episodeFileCount": stats[0],
                        "episodeCount": stats[1],
                        "totalEpisodeCount": stats[2],
                        "sizeOnDisk": stats[3],
                        "releaseGroups": ["SIM"] if stats[0] else [],
                        "percentOfEpisodes": 100.0 * stats[0] / stats[1]
                        if stats[1]
                        else 0.0,
                    },
                }
            )
        body: dict[str, Any] = {
            "id": series.id if series else 0,
            "title": info.title,
            "alternateTitles": [],
            "sortTitle": info.title.lower().removeprefix("the "),
            "status": "ended" if info.ended else "continuing",
            "ended": info.ended,
            "overview": info.overview,
            "network": info.studio,
            "airTime": "21:00",
            "images": images("tv", info.tmdb_id),
            "originalLanguage": {"id": 1, "name": "English"},
            "remotePoster": images("tv", info.tmdb_id)[0]["remoteUrl"],
            "seasons": seasons,
            "year": info.year,
            "qualityProfileId": 2 if series else 0,
            "seasonFolder": True,
            "monitored": bool(series and series.monitored),
            "monitorNewItems": "all",
            "useSceneNumbering": False,
            "runtime": info.runtime,
            "tvdbId": info.tvdb_id,
            "tvRageId": 0,
            "tvMazeId": 0,
            "tmdbId": info.tmdb_id,
            "firstAired": iso(info.release),
            "seriesType": "standard",
            "cleanTitle": info.title.lower().replace(" ", ""),
            "imdbId": info.imdb_id,
            "titleSlug": info.slug,
            "folder": info.title,
            "certification": info.certification,
            "genres": [TV_GENRES[g] for g in info.genre_ids],
            "tags": list(series.tags) if series else [],
            "added": iso(series.added) if series else "0001-01-01T00:00:00Z",
            "ratings": {"votes": info.vote_count, "value": info.vote_average},
            "statistics": {
                "seasonCount": len(info.seasons),
                "episodeFileCount": have,
                "episodeCount": aired,
                "totalEpisodeCount": total,
                "sizeOnDisk": size,
                "releaseGroups": ["SIM"] if have else [],
                "percentOfEpisodes": 100.0 * have / aired if aired else 0.0,
            },
        }
        if series is not None:
            body["path"] = series.path
            body["rootFolderPath"] = "/tv"
            if last_air:
                body["previousAiring"] = iso(last_air)
                body["lastAired"] = iso(last_air)
            if next_air:
                body["nextAiring"] = iso(next_air)
        return body

    def episode_body(
        self, episode: Episode, include_series: bool = False
    ) -> dict[str, Any]:
        """Return an EpisodeResource."""
        eid, series_id, season, number, air, has_file, size, monitored = episode
        series = self.stack.world.series[series_id]
        body: dict[str, Any] = {
            "id": eid,
            "seriesId": series_id,
            "tvdbId": 5_000_000 + eid,
            "episodeFileId": eid if has_file else 0,
            "seasonNumber": season,
            "episodeNumber": number,
            "title": f"Episode {number}",
            "airDate": air.strftime("%Y-%m-%d"),
            "airDateUtc": iso(air),
            "runtime": series.info.runtime,
            "overview": f"Episode {number} of season {season} of {series.info.title}.",
            "hasFile": has_file,
            "monitored": monitored,
            "absoluteEpisodeNumber": series.episode_ids.index(eid) + 1,
            "unverifiedSceneNumbering": False,
            "endTime": iso(air + timedelta(minutes=series.info.runtime)),
        }
        if has_file:
            body["episodeFile"] = self.episode_file_body(episode)
        if include_series:
            body["series"] = self.series_body(series.info, series)
        return body

    def episode_file_body(self, episode: Episode) -> dict[str, Any]:
        """Return the EpisodeFileResource of an episode with a file (its id is the episode's)."""
        eid, series_id, season, number, _, _, size, _ = episode
        series = self.stack.world.series[series_id]
        name = f"{series.info.title} - S{season:02d}E{number:02d}.mkv"
        return {
            "id": eid,
            "seriesId": series_id,
            "seasonNumber": season,
            "relativePath": f"Season {season}/{name}",
            "path": f"{series.path}/Season {season}/{name}",
            "size": size,
            "dateAdded": iso(series.added),
            "releaseGroup": "SIM",
            "languages": [{"id": 1, "name": "English"}],
            "quality": quality(series.quality_id, radarr=False),
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "qualityCutoffNotMet": series.quality_id in {4, 5},
        }

    def _series(self, request: web.Request) -> Series:
        """Return the library series named by the path id."""
        series = self.stack.world.series.get(path_int(request))
        if series is None:
            raise not_found()
        return series

    async def all_series(self, request: web.Request) -> web.Response:
        """List library series (optionally one TVDB id)."""
        world = self.stack.world
        found = list(world.series.values())
        if "tvdbId" in request.query:
            tvdb_id = request.query["tvdbId"]
            match = world.series_by_tvdb(int(tvdb_id)) if tvdb_id.isdigit() else None
            found = [match] if match else []
        return listing_response(
            orjson.dumps(self.series_body(s.info, s)) for s in found
        )

    async def one_series(self, request: web.Request) -> web.Response:
        """Return one series."""
        series = self._series(request)
        return web.json_response(self.series_body(series.info, series))

    async def lookup(self, request: web.Request) -> web.Response:
        """Search series by name or tvdb:/tmdb:/imdb: term."""
        term = request.query.get("term", "")
        world = self.stack.world
        found: list[Title] = []
        prefix, _, value = term.partition(":")
        if prefix == "tvdb" and value.isdigit():
            match = world.title_by_tvdb(int(value))
            found = [match] if match else []
        elif prefix == "tmdb" and value.isdigit():
            info = world.titles.get(("tv", int(value)))
            found = [info] if info else []
        elif prefix == "imdb":
            info = world.title_by_imdb(value)
            found = [info] if info and info.kind == "tv" else []
        elif term:
            found = world.search("tv", term)[:20]
        return web.json_response(
            [self.series_body(t, world.series_by_tvdb(t.tvdb_id)) for t in found]
        )

    async def add_series(self, request: web.Request) -> web.Response:
        """Add a series; searchForMissingEpisodes queues aired episodes."""
        body = await json_body(request)
        world = self.stack.world
        info = world.title_by_tvdb(int(body.get("tvdbId") or 0))
        if info is None:
            raise bad_request("Invalid TvdbId")
        if world.series_by_tvdb(info.tvdb_id) is not None:
            raise bad_request("This series has already been added")
        options = body.get("addOptions") or {}
        series = self.stack.add_series(
            info,
            monitored=bool(body.get("monitored", True))
            and options.get("monitor") != "none",
            quality_id=3,
            tags=[int(t) for t in body.get("tags") or []],
            search=bool(options.get("searchForMissingEpisodes")),
        )
        return web.json_response(self.series_body(info, series), status=201)

    async def update_series(self, request: web.Request) -> web.Response:
        """Save a series' monitoring: the series and each season (its episodes)."""
        series = self._series(request)
        body = await json_body(request)
        world = self.stack.world
        series.monitored = bool(body.get("monitored", series.monitored))
        for season in body.get("seasons") or []:
            if isinstance(season, dict) and "monitored" in season:
                world.set_season_monitored(
                    series,
                    int(season.get("seasonNumber") or 0),
                    bool(season["monitored"]),
                )
        return web.json_response(self.series_body(series.info, series), status=202)

    async def edit_series(self, request: web.Request) -> web.Response:
        """Apply the series editor's monitoring to several series."""
        body = await json_body(request)
        world = self.stack.world
        found = [
            world.series[i] for i in body.get("seriesIds") or [] if i in world.series
        ]
        if body.get("monitored") is not None:
            for series in found:
                series.monitored = bool(body["monitored"])
        return web.json_response(
            [self.series_body(s.info, s) for s in found], status=202
        )

    async def episode_files(self, request: web.Request) -> web.Response:
        """List a series' episode files."""
        world = self.stack.world
        series = world.series.get(int(request.query.get("seriesId") or 0))
        if series is None:
            raise bad_request("seriesId or episodeFileIds must be provided")
        return web.json_response(
            [
                self.episode_file_body(world.episodes[eid])
                for eid in series.episode_ids
                if world.episodes[eid][5]
            ]
        )

    async def delete_episode_files(self, request: web.Request) -> web.Response:
        """Delete episode files (EpisodeFileListResource)."""
        ids = (await json_body(request)).get("episodeFileIds") or []
        world = self.stack.world
        with_file = [
            i
            for i in ids
            if isinstance(i, int) and i in world.episodes and world.episodes[i][5]
        ]
        deleted = [sonarr_file_deleted(world, i) for i in with_file]
        world.delete_episode_files(with_file)
        for payload in deleted:
            self.stack.notify_arr("sonarr", "onEpisodeFileDelete", payload)
        return web.json_response({})

    async def delete_series(self, request: web.Request) -> web.Response:
        """Delete a series, optionally its files and adding an import exclusion."""
        series = self._series(request)
        delete_files = query_bool(request, "deleteFiles")
        deleted = arr_deleted(self.stack.world, series, deleted_files=delete_files)
        self.stack.world.delete_series(
            series.id,
            delete_files=delete_files,
            exclude=query_bool(request, "addImportListExclusion"),
        )
        self.stack.notify_arr("sonarr", "onSeriesDelete", deleted)
        return web.json_response({})

    async def episodes(self, request: web.Request) -> web.Response:
        """List a series' episodes (or the given episodeIds)."""
        world = self.stack.world
        if "seriesId" in request.query:
            series = world.series.get(int(request.query["seriesId"]))
            if series is None:
                raise not_found()
            ids = series.episode_ids
            if "seasonNumber" in request.query:
                season = int(request.query["seasonNumber"])
                ids = [e for e in ids if world.episodes[e][2] == season]
        elif "episodeIds" in request.query:
            ids = [
                int(v)
                for v in request.query.getall("episodeIds")
                if int(v) in world.episodes
            ]
        else:
            raise bad_request("seriesId or episodeIds must be provided")
        include = query_bool(request, "includeSeries")
        return web.json_response(
            [self.episode_body(world.episodes[e], include) for e in ids]
        )

    async def episode(self, request: web.Request) -> web.Response:
        """Return one episode."""
        episode = self.stack.world.episodes.get(path_int(request))
        if episode is None:
            raise not_found()
        return web.json_response(self.episode_body(episode))

    async def calendar(self, request: web.Request) -> web.Response:
        """Return episodes airing between start and end."""
        world = self.stack.world
        start = parse_time(request.query.get("start")) or self.stack.clock.now()
        end = parse_time(request.query.get("end")) or start + timedelta(days=2)
        unmonitored = query_bool(request, "unmonitored")
        include = query_bool(request, "includeSeries")
        found = [
            e
            for e in world.episodes.values()
            if start <= e[4] <= end
            and (unmonitored or (e[7] and world.series[e[1]].monitored))
        ]
        found.sort(key=lambda e: (e[4], e[0]))
        return web.json_response([self.episode_body(e, include) for e in found])

    async def missing(self, request: web.Request) -> web.Response:
        """Return aired monitored episodes without a file (paged)."""
        world = self.stack.world
        now = self.stack.clock.now()
        monitored = query_bool(request, "monitored", default=True)
        include = query_bool(request, "includeSeries")
        found = [
            e
            for e in world.episodes.values()
            if not e[5] and e[4] <= now and e[7] == monitored
        ]
        found.sort(key=lambda e: e[4], reverse=True)
        return web.json_response(
            paged(
                request,
                found,
                lambda e: self.episode_body(e, include),
                "episodes.airDateUtc",
            )
        )

    async def cutoff(self, request: web.Request) -> web.Response:
        """Return episodes whose file is below the profile cutoff (paged)."""
        world = self.stack.world
        low = {s.id for s in world.series.values() if s.quality_id in {4, 5}}
        found = [e for e in world.episodes.values() if e[5] and e[1] in low]
        return web.json_response(
            paged(request, found, self.episode_body, "episodes.airDateUtc")
        )

    def queue_media(self, item: QueueItem, include_media: bool) -> dict[str, Any]:
        """Return Sonarr's queue media fields."""
        world = self.stack.world
        body: dict[str, Any] = {"seriesId": item.media_id}
        if item.episode_id is not None and item.episode_id in world.episodes:
            episode = world.episodes[item.episode_id]
            body["episodeId"] = item.episode_id
            body["seasonNumber"] = episode[2]
            body["episodeHasFile"] = episode[5]
            if include_media:
                body["episode"] = self.episode_body(episode)
        series = world.series.get(item.media_id)
        if include_media and series is not None:
            body["series"] = self.series_body(series.info, series)
        return body

    def history_media(
        self, event: HistoryEvent, request: web.Request
    ) -> dict[str, Any]:
        """Return Sonarr's history media fields (episode and series when asked)."""
        world = self.stack.world
        body: dict[str, Any] = {
            "seriesId": event.media_id,
            "episodeId": event.episode_id or 0,
        }
        episode = world.episodes.get(event.episode_id or 0)
        if query_bool(request, "includeEpisode") and episode is not None:
            body["episode"] = self.episode_body(episode)
        series = world.series.get(event.media_id)
        if query_bool(request, "includeSeries") and series is not None:
            body["series"] = self.series_body(series.info, series)
        return body

    async def exclusions(self, request: web.Request) -> web.Response:
        """List import list exclusions."""
        stored = self.stack.world.exclusions["sonarr"]
        return web.json_response(
            [{"id": i, "tvdbId": v[0], "title": v[1]} for i, v in stored.items()]
        )

    async def add_exclusion(self, request: web.Request) -> web.Response:
        """Add an import list exclusion."""
        body = await json_body(request)
        world = self.stack.world
        info = world.title_by_tvdb(int(body.get("tvdbId") or 0))
        if info is None:
            raise bad_request("TvdbId must be set")
        exclusion_id = world.add_exclusion("sonarr", info)
        return web.json_response(
            {"id": exclusion_id, "tvdbId": info.tvdb_id, "title": info.title},
            status=201,
        )

    async def delete_exclusion(self, request: web.Request) -> web.Response:
        """Remove an import list exclusion."""
        if self.stack.world.exclusions["sonarr"].pop(path_int(request), None) is None:
            raise not_found()
        return web.json_response({})
