"""Changes the simulated services make to the world: adds, downloads, imports, deletions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from .models import HistoryEvent, Movie, QueueItem, Request, Series, Title
from .world_base import WorldBase


class WorldChanges(WorldBase):
    """The world with what the services change in it."""

    def add_request(
        self, user_index: int, title: Title, created: datetime, status: int = 1
    ) -> Request:
        """Record a new Overseerr request."""
        request = Request(
            id=self.next_id("request"),
            user_index=user_index,
            kind=title.kind,
            tmdb_id=title.tmdb_id,
            status=status,
            created=created,
            updated=created,
            modified_by=None if status == 1 else 0,
        )
        self.requests[request.id] = request
        return request

    def add_movie(
        self,
        info: Title,
        *,
        monitored: bool,
        quality_id: int,
        tags: list[int],
        now: datetime,
    ) -> Movie:
        """Put a movie into Radarr's library without a file."""
        movie = Movie(
            id=self.next_id("movie"),
            info=info,
            monitored=monitored,
            has_file=False,
            size=0,
            quality_id=quality_id,
            added=now,
            tags=tags,
        )
        self.movies[movie.id] = movie
        self._index_movie(movie)
        return movie

    def add_series(
        self,
        info: Title,
        *,
        monitored: bool,
        quality_id: int,
        tags: list[int],
        now: datetime,
    ) -> Series:
        """Put a series and its (file-less) episodes into Sonarr's library."""
        series_id = self.next_id("series")
        ids = []
        air = info.release
        for season, count in enumerate(info.seasons, 1):
            for number in range(1, count + 1):
                eid = self.next_id("episode")
                self.episodes[eid] = (
                    eid,
                    series_id,
                    season,
                    number,
                    air,
                    False,
                    0,
                    monitored,
                )
                ids.append(eid)
                air += timedelta(days=7)
            air += timedelta(days=300)
        series = Series(
            id=series_id,
            info=info,
            monitored=monitored,
            added=now,
            episode_ids=ids,
            quality_id=quality_id,
            tags=tags,
        )
        self.series[series_id] = series
        self._index_series(series)
        return series

    def enqueue_movie(
        self, movie: Movie, progress: float = 0.0, now: datetime | None = None
    ) -> QueueItem:
        """Start a download of a movie."""
        size = self._movie_size(movie.info, movie.quality_id)
        item = QueueItem(
            id=self.next_id("queue"),
            service="radarr",
            media_id=movie.id,
            episode_id=None,
            title=f"{movie.info.title.replace(' ', '.')}.{movie.info.year}.1080p.WEB-DL-SIM",
            size=size,
            sizeleft=int(size * (1 - progress)),
            added=now or self.start,
            quality_id=movie.quality_id,
            download_id=f"SIM{self.seed:04d}{movie.id:08d}R",
        )
        self.queue[item.id] = item
        self.record("grabbed", item, item.added)
        return item

    def enqueue_episode(
        self,
        series: Series,
        episode_id: int,
        progress: float = 0.0,
        now: datetime | None = None,
    ) -> QueueItem:
        """Start a download of one episode."""
        [item] = self.enqueue_episodes(series, [episode_id], progress, now)
        return item

    def enqueue_episodes(
        self,
        series: Series,
        episode_ids: list[int],
        progress: float = 0.0,
        now: datetime | None = None,
    ) -> list[QueueItem]:
        """Start one download of one episode or a pack of a season, reported as Sonarr does.

        Sonarr lists one queue record per episode of a pack, all with the same
        downloadId, release title, size and size left (those of the whole pack).
        """
        _, _, season, number, *_ = self.episodes[episode_ids[0]]
        name = series.info.title.replace(" ", ".")
        if len(episode_ids) == 1:
            release, kind = f"{name}.S{season:02d}E{number:02d}", "S"
        else:
            release, kind = f"{name}.S{season:02d}", "P"
        size = series.info.runtime * 25_000_000 * len(episode_ids)
        items = []
        for episode_id in episode_ids:
            item = QueueItem(
                id=self.next_id("queue"),
                service="sonarr",
                media_id=series.id,
                episode_id=episode_id,
                title=f"{release}.1080p.WEB-DL-SIM",
                size=size,
                sizeleft=int(size * (1 - progress)),
                added=now or self.start,
                quality_id=series.quality_id,
                download_id=f"SIM{self.seed:04d}{episode_ids[0]:08d}{kind}",
                records=len(episode_ids),
            )
            self.queue[item.id] = item
            self.record("grabbed", item, item.added)
            items.append(item)
        return items

    def remove_download(self, item: QueueItem) -> list[QueueItem]:
        """Remove a download from the queue: every record that shares its download id."""
        removed = [
            queued
            for queued in self.queue.values()
            if queued.service == item.service and queued.download_id == item.download_id
        ]
        for queued in removed:
            del self.queue[queued.id]
        return removed

    def record(self, event_type: str, item: QueueItem, when: datetime) -> None:
        """Append a download's event to its service's history."""
        self.history[item.service].append(
            HistoryEvent(
                id=self.next_id("history"),
                event_type=event_type,
                media_id=item.media_id,
                episode_id=item.episode_id,
                date=when,
                source_title=item.title,
                download_id=item.download_id,
                quality_id=item.quality_id,
            )
        )

    def import_item(self, item: QueueItem, now: datetime | None = None) -> None:
        """Turn a finished download into a file in the library."""
        del self.queue[item.id]
        self.record("downloadFolderImported", item, now or self.start)
        if item.service == "radarr":
            movie = self.movies.get(item.media_id)
            if movie is not None:
                movie.has_file = True
                self._movies_bytes += item.size - movie.size
                movie.size = item.size
            return
        if item.episode_id is not None and item.episode_id in self.episodes:
            episode = self.episodes[item.episode_id]
            size = item.size // item.records
            self.episodes[item.episode_id] = (*episode[:5], True, size, episode[7])
            self._series_bytes += size - episode[6]

    def seed_download(
        self,
        service: Literal["sonarr", "radarr"],
        media_id: int,
        episode_id: int | None = None,
    ) -> QueueItem:
        """List a finished torrent of a title (or an episode) that its client still seeds."""
        item = QueueItem(
            id=self.next_id("queue"),
            service=service,
            media_id=media_id,
            episode_id=episode_id,
            title=f"Seeding.{service}.{media_id}.{episode_id or 0}-SIM",
            size=1_000_000_000,
            sizeleft=0,
            added=self.start,
            quality_id=3,
            download_id=f"SIMSEED{media_id:08d}{episode_id or 0:08d}",
            protocol="torrent",
            seeding=True,
        )
        self.queue[item.id] = item
        return item

    def delete_movie_file(self, movie_id: int) -> None:
        """Delete a movie's file, keeping the movie in Radarr."""
        movie = self.movies[movie_id]
        self._movies_bytes -= movie.size
        movie.has_file = False
        movie.size = 0

    def delete_episode_files(self, episode_ids: list[int]) -> None:
        """Delete episode files (an episode's file id is its episode id)."""
        for eid in episode_ids:
            episode = self.episodes.get(eid)
            if episode is not None and episode[5]:
                self._series_bytes -= episode[6]
                self.episodes[eid] = (*episode[:5], False, 0, episode[7])

    def set_season_monitored(
        self, series: Series, season: int, monitored: bool
    ) -> None:
        """Monitor or unmonitor every episode of a season."""
        for eid in series.episode_ids:
            episode = self.episodes[eid]
            if episode[2] == season:
                self.episodes[eid] = (*episode[:7], monitored)

    def delete_movie(
        self, movie_id: int, *, delete_files: bool, exclude: bool
    ) -> Movie:
        """Remove a movie (and optionally its file) from Radarr."""
        movie = self.movies.pop(movie_id)
        del self._movie_by_tmdb[movie.info.tmdb_id]
        self._movies_bytes -= movie.size
        if not delete_files:
            # The file stays on disk outside the library.
            self.disks["/movies"].other_used += movie.size
        if exclude:
            self.add_exclusion("radarr", movie.info)
        self._drop_queued("radarr", movie_id)
        self._drop_history("radarr", movie_id)
        return movie

    def delete_series(
        self, series_id: int, *, delete_files: bool, exclude: bool
    ) -> Series:
        """Remove a series (and optionally its files) from Sonarr."""
        series = self.series.pop(series_id)
        del self._series_by_tvdb[series.info.tvdb_id]
        del self._series_by_tmdb[series.info.tmdb_id]
        size = 0
        for eid in series.episode_ids:
            size += self.episodes.pop(eid)[6]
        self._series_bytes -= size
        if not delete_files:
            self.disks["/tv"].other_used += size
        if exclude:
            self.add_exclusion("sonarr", series.info)
        self._drop_queued("sonarr", series_id)
        self._drop_history("sonarr", series_id)
        return series

    def _drop_queued(self, service: str, media_id: int) -> None:
        """Remove a deleted movie's or series' downloads from the queue."""
        for item in [
            q
            for q in self.queue.values()
            if q.service == service and q.media_id == media_id
        ]:
            del self.queue[item.id]

    def _drop_history(self, service: str, media_id: int) -> None:
        """Forget a deleted title's history, as Sonarr and Radarr do."""
        self.history[service] = [
            event for event in self.history[service] if event.media_id != media_id
        ]

    def add_exclusion(self, service: str, info: Title) -> int:
        """Record an import list exclusion and return its id."""
        external = info.tmdb_id if service == "radarr" else info.tvdb_id
        for exclusion_id, (ext_id, _, _) in self.exclusions[service].items():
            if ext_id == external:
                return exclusion_id
        exclusion_id = self.next_id(f"{service}_exclusion")
        self.exclusions[service][exclusion_id] = (external, info.title, info.year)
        return exclusion_id
