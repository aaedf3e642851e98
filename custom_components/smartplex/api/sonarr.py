"""Sonarr API v3 client and models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .arr import ArrClient
from .arr_models import Command, QueueItem, poster_url, quality_name
from .base import QueryValue
from .listing import ListedSeries
from .models import Exclusion, Page
from .parse import (
    JsonDict,
    as_dict,
    dict_list,
    int_tuple,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    str_tuple,
    to_bool,
    to_float,
    to_int,
    to_str,
)


@dataclass(frozen=True, slots=True)
class SeriesStatistics:
    """Episode and size counters of a series or season."""

    season_count: int
    episode_file_count: int
    episode_count: int
    total_episode_count: int
    size_on_disk: int
    percent_of_episodes: float

    @classmethod
    def from_dict(cls, data: JsonDict) -> SeriesStatistics:
        """Build from the API object (missing counters are 0)."""
        return cls(
            season_count=to_int(data.get("seasonCount")),
            episode_file_count=to_int(data.get("episodeFileCount")),
            episode_count=to_int(data.get("episodeCount")),
            total_episode_count=to_int(data.get("totalEpisodeCount")),
            size_on_disk=to_int(data.get("sizeOnDisk")),
            percent_of_episodes=to_float(data.get("percentOfEpisodes")),
        )


@dataclass(frozen=True, slots=True)
class Season:
    """A season of a series."""

    season_number: int
    monitored: bool
    statistics: SeriesStatistics

    @classmethod
    def from_dict(cls, data: JsonDict) -> Season:
        """Build from the API object."""
        return cls(
            season_number=to_int(data.get("seasonNumber")),
            monitored=to_bool(data.get("monitored")),
            statistics=SeriesStatistics.from_dict(as_dict(data.get("statistics"))),
        )


@dataclass(frozen=True, slots=True)
class Series:
    """A series in the library (id 0 for lookup results not yet added)."""

    id: int
    title: str
    sort_title: str | None
    year: int | None
    tvdb_id: int | None
    tmdb_id: int | None
    imdb_id: str | None
    title_slug: str | None
    status: str | None
    ended: bool
    monitored: bool
    network: str | None
    series_type: str | None
    overview: str | None
    genres: tuple[str, ...]
    tags: tuple[int, ...]
    quality_profile_id: int | None
    path: str | None
    added: datetime | None
    first_aired: datetime | None
    next_airing: datetime | None
    previous_airing: datetime | None
    rating: float | None
    runtime: int | None
    poster_url: str | None
    seasons: tuple[Season, ...]
    statistics: SeriesStatistics

    @classmethod
    def from_dict(cls, data: JsonDict) -> Series:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            title=to_str(data.get("title")),
            sort_title=opt_str(data.get("sortTitle")),
            year=opt_int(data.get("year")) or None,
            tvdb_id=opt_int(data.get("tvdbId")) or None,
            tmdb_id=opt_int(data.get("tmdbId")) or None,
            imdb_id=opt_str(data.get("imdbId")),
            title_slug=opt_str(data.get("titleSlug")),
            status=opt_str(data.get("status")),
            ended=to_bool(data.get("ended")),
            monitored=to_bool(data.get("monitored")),
            network=opt_str(data.get("network")),
            series_type=opt_str(data.get("seriesType")),
            overview=opt_str(data.get("overview")),
            genres=str_tuple(data.get("genres")),
            tags=int_tuple(data.get("tags")),
            quality_profile_id=opt_int(data.get("qualityProfileId")),
            path=opt_str(data.get("path")),
            added=opt_datetime(data.get("added")),
            first_aired=opt_datetime(data.get("firstAired")),
            next_airing=opt_datetime(data.get("nextAiring")),
            previous_airing=opt_datetime(data.get("previousAiring")),
            rating=opt_float(as_dict(data.get("ratings")).get("value")),
            runtime=opt_int(data.get("runtime")),
            poster_url=poster_url(data),
            seasons=tuple(
                Season.from_dict(item) for item in dict_list(data.get("seasons"))
            ),
            statistics=SeriesStatistics.from_dict(as_dict(data.get("statistics"))),
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode; `series` is set when the request embedded it."""

    id: int
    series_id: int
    season_number: int
    episode_number: int
    title: str
    air_date_utc: datetime | None
    has_file: bool
    monitored: bool
    episode_file_id: int | None
    size: int | None
    quality: str | None
    quality_cutoff_not_met: bool
    series: Series | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> Episode:
        """Build from the API object."""
        episode_file = as_dict(data.get("episodeFile"))
        series = data.get("series")
        return cls(
            id=to_int(data.get("id")),
            series_id=to_int(data.get("seriesId")),
            season_number=to_int(data.get("seasonNumber")),
            episode_number=to_int(data.get("episodeNumber")),
            title=to_str(data.get("title")),
            air_date_utc=opt_datetime(data.get("airDateUtc")),
            has_file=to_bool(data.get("hasFile")),
            monitored=to_bool(data.get("monitored")),
            episode_file_id=opt_int(data.get("episodeFileId")) or None,
            size=opt_int(episode_file.get("size")),
            quality=quality_name(episode_file),
            quality_cutoff_not_met=to_bool(episode_file.get("qualityCutoffNotMet")),
            series=Series.from_dict(series) if isinstance(series, dict) else None,
        )


@dataclass(frozen=True, slots=True)
class SonarrQueueItem(QueueItem):
    """A Sonarr queue record with the embedded series and episode."""

    series_id: int | None
    episode_id: int | None
    series: Series | None
    episode: Episode | None
    season_number: int | None = None

    @classmethod
    def from_dict(cls, data: JsonDict) -> SonarrQueueItem:
        """Build from the API object."""
        series = data.get("series")
        episode = data.get("episode")
        return cls(
            **QueueItem.common_fields(data),
            series_id=opt_int(data.get("seriesId")),
            episode_id=opt_int(data.get("episodeId")),
            series=Series.from_dict(series) if isinstance(series, dict) else None,
            episode=Episode.from_dict(episode) if isinstance(episode, dict) else None,
            season_number=opt_int(data.get("seasonNumber")),
        )


class SonarrClient(ArrClient[SonarrQueueItem]):
    """Async client for Sonarr API v3 (Sonarr v3 and v4)."""

    service = "Sonarr"
    media_param = "Series"
    library_path = "/api/v3/series"
    listed_type = ListedSeries

    def _parse_queue_item(self, data: JsonDict) -> SonarrQueueItem:
        """Build a Sonarr queue record."""
        return SonarrQueueItem.from_dict(data)

    def _queue_extra_params(self) -> dict[str, QueryValue]:
        """Embed the episode as well."""
        return {"includeEpisode": True}

    async def exclusions(self) -> list[Exclusion]:
        """Return the import-list exclusions (series Sonarr must never add)."""
        return [
            Exclusion.from_dict(item)
            for item in await self._get_list("/api/v3/importlistexclusion")
        ]

    async def series(self) -> list[Series]:
        """Return every series in the library with statistics."""
        return [
            Series.from_dict(item) for item in await self._get_list("/api/v3/series")
        ]

    async def series_by_tvdb(self, tvdb_id: int) -> Series | None:
        """Return the library series with a TVDB id, or None when it is not in the library."""
        found = await self._get_list("/api/v3/series", {"tvdbId": tvdb_id})
        return Series.from_dict(found[0]) if found else None

    async def series_by_id(self, series_id: int) -> Series:
        """Return one series."""
        return Series.from_dict(await self._get_dict(f"/api/v3/series/{series_id}"))

    async def episodes(
        self, series_id: int, *, season_number: int | None = None
    ) -> list[Episode]:
        """Return the episodes of a series (with file details)."""
        params: dict[str, QueryValue] = {
            "seriesId": series_id,
            "seasonNumber": season_number,
            "includeEpisodeFile": True,
        }
        return [
            Episode.from_dict(item)
            for item in await self._get_list("/api/v3/episode", params)
        ]

    async def calendar(
        self, start: datetime, end: datetime, *, unmonitored: bool = False
    ) -> list[Episode]:
        """Return episodes airing between start and end, with their series."""
        params = self._calendar_params(start, end, unmonitored)
        params["includeSeries"] = True
        return [
            Episode.from_dict(item)
            for item in await self._get_list("/api/v3/calendar", params)
        ]

    async def wanted_missing(
        self, *, page: int = 1, page_size: int = 20
    ) -> Page[Episode]:
        """Return monitored episodes without a file."""
        return await self._episode_page("/api/v3/wanted/missing", page, page_size)

    async def cutoff_unmet(
        self, *, page: int = 1, page_size: int = 20
    ) -> Page[Episode]:
        """Return episodes whose file is below the profile cutoff."""
        return await self._episode_page("/api/v3/wanted/cutoff", page, page_size)

    async def _episode_page(
        self, path: str, page: int, page_size: int
    ) -> Page[Episode]:
        """GET a paged list of monitored episodes with their series."""
        params: dict[str, QueryValue] = {
            "page": page,
            "pageSize": page_size,
            "includeSeries": True,
            "monitored": True,
        }
        return Page.from_arr(await self._get_dict(path, params), Episode.from_dict)

    async def lookup(self, term: str) -> list[Series]:
        """Search for series to add; accepts titles and `tvdb:`/`tmdb:`/`imdb:` terms."""
        return [
            Series.from_dict(item)
            for item in await self._get_list("/api/v3/series/lookup", {"term": term})
        ]

    async def add_series(
        self,
        series: Series,
        *,
        quality_profile_id: int,
        root_folder_path: str,
        monitor: str = "all",
        seasons: Iterable[int] | None = None,
        search_for_missing: bool = True,
        search_for_cutoff_unmet: bool = False,
        series_type: str = "standard",
        season_folder: bool = True,
        tags: Iterable[int] = (),
        language_profile_id: int = 1,
    ) -> Series:
        """Add a looked-up series; `seasons` monitors exactly those seasons, else `monitor` applies."""
        if series.tvdb_id is None:
            raise ValueError("series has no TVDB id; use a lookup result")
        add_options: dict[str, Any] = {
            "searchForMissingEpisodes": search_for_missing,
            "searchForCutoffUnmetEpisodes": search_for_cutoff_unmet,
        }
        body: dict[str, Any] = {
            "title": series.title,
            "tvdbId": series.tvdb_id,
            "titleSlug": series.title_slug,
            "year": series.year,
            "qualityProfileId": quality_profile_id,
            "languageProfileId": language_profile_id,
            "rootFolderPath": root_folder_path,
            "seriesType": series_type,
            "seasonFolder": season_folder,
            "monitored": True,
            "tags": list(tags),
            "addOptions": add_options,
        }
        if seasons is None:
            add_options["monitor"] = monitor
        else:
            wanted = set(seasons)
            body["seasons"] = [
                {
                    "seasonNumber": season.season_number,
                    "monitored": season.season_number in wanted,
                }
                for season in series.seasons
            ]
        return Series.from_dict(await self._post_dict("/api/v3/series", body))

    async def delete_series(
        self,
        series_id: int,
        *,
        delete_files: bool = False,
        add_import_exclusion: bool = False,
    ) -> None:
        """Delete a series, optionally with its files and an import-list exclusion."""
        await self._request(
            "DELETE",
            f"/api/v3/series/{series_id}",
            params={
                "deleteFiles": delete_files,
                "addImportListExclusion": add_import_exclusion,
            },
        )

    async def episode_file_ids(
        self, series_id: int, season_number: int | None = None
    ) -> list[int]:
        """Return the ids of a series' episode files (of one season, if given)."""
        return [
            to_int(item.get("id"))
            for item in await self._get_list(
                "/api/v3/episodefile", {"seriesId": series_id}
            )
            if season_number is None
            or opt_int(item.get("seasonNumber")) == season_number
        ]

    async def delete_episode_files(self, episode_file_ids: Iterable[int]) -> None:
        """Delete episode files (the episodes stay, without a file)."""
        await self._request(
            "DELETE",
            "/api/v3/episodefile/bulk",
            json_body={"episodeFileIds": list(episode_file_ids)},
        )

    async def unmonitor_series(self, series_id: int) -> None:
        """Stop monitoring a series (Sonarr keeps it and its files)."""
        await self._request(
            "PUT",
            "/api/v3/series/editor",
            json_body={"seriesIds": [series_id], "monitored": False},
        )

    async def unmonitor_season(self, series_id: int, season_number: int) -> None:
        """Stop monitoring one season: the series is read and saved back with it off."""
        series = dict(await self._get_dict(f"/api/v3/series/{series_id}"))
        series["seasons"] = [
            {**season, "monitored": False}
            if opt_int(season.get("seasonNumber")) == season_number
            else season
            for season in dict_list(series.get("seasons"))
        ]
        await self._request("PUT", f"/api/v3/series/{series_id}", json_body=series)

    async def add_exclusion(self, tvdb_id: int, title: str) -> None:
        """Add an import-list exclusion so lists never add the series again."""
        await self._post_dict(
            "/api/v3/importlistexclusion", {"tvdbId": tvdb_id, "title": title}
        )

    async def search_series(self, series_id: int) -> Command:
        """Search for all monitored episodes of a series."""
        return await self.command("SeriesSearch", seriesId=series_id)

    async def search_season(self, series_id: int, season_number: int) -> Command:
        """Search for the monitored episodes of one season."""
        return await self.command(
            "SeasonSearch", seriesId=series_id, seasonNumber=season_number
        )

    async def search_episodes(self, episode_ids: Iterable[int]) -> Command:
        """Search for specific episodes."""
        return await self.command("EpisodeSearch", episodeIds=list(episode_ids))

    async def search_missing(self) -> Command:
        """Search for every missing monitored episode."""
        return await self.command("MissingEpisodeSearch")

    async def search_cutoff_unmet(self) -> Command:
        """Search for upgrades of every episode below cutoff."""
        return await self.command("CutoffUnmetEpisodeSearch")
