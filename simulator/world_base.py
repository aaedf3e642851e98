"""The simulated world's state and the lookups every service reads."""

from __future__ import annotations

from bisect import bisect
from datetime import UTC, datetime
import random
from typing import Literal

from .models import (
    BITRATES,
    LOWER_RESOLUTION,
    SCALES,
    Disk,
    Episode,
    HistoryEvent,
    Kind,
    Movie,
    Play,
    QueueItem,
    Request,
    Series,
    Stream,
    Title,
    User,
)
from .vocabulary import KEYWORDS, QUALITIES, TV_TO_TASTE

# Each quality's picture height, by quality id.
HEIGHTS = {quality[0]: quality[3] for quality in QUALITIES}


class WorldBase:
    """Everything the simulated services know, and how they look it up."""

    def __init__(
        self, scale: str = "tiny", seed: int = 1, now: datetime | None = None
    ) -> None:
        """Set up an empty world for a scale and seed at a fixed reference time."""
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose from {sorted(SCALES)}")
        self.scale = scale
        self.seed = seed
        self.spec = SCALES[scale]
        self.start = now or datetime.now(UTC).replace(
            hour=12, minute=0, second=0, microsecond=0
        )
        self.rng = random.Random(seed)
        self.people: list[str] = []
        self.keywords: list[str] = list(KEYWORDS)
        self.titles: dict[tuple[Kind, int], Title] = {}
        self.movies: dict[int, Movie] = {}
        self.series: dict[int, Series] = {}
        self.episodes: dict[int, Episode] = {}
        self.users: list[User] = []
        self.plays: list[Play] = []
        self.requests: dict[int, Request] = {}
        self.queue: dict[int, QueueItem] = {}
        self.history: dict[str, list[HistoryEvent]] = {"sonarr": [], "radarr": []}
        self.exclusions: dict[str, dict[int, tuple[int, str, int]]] = {
            "sonarr": {},
            "radarr": {},
        }
        self.tags: dict[int, str] = {1: "keep", 2: "kids", 3: "4k"}
        self.disks: dict[str, Disk] = {}
        self.blocklist: list[tuple[str, int, str]] = []
        self._by_genre: dict[tuple[Kind, int], list[Title]] = {}
        # Lookups by external id and byte totals, kept current by the mutations below
        # so that a large world answers them without scanning every title.
        self._title_by_tvdb: dict[int, Title] = {}
        self._title_by_imdb: dict[str, Title] = {}
        self._movie_by_tmdb: dict[int, Movie] = {}
        self._series_by_tvdb: dict[int, Series] = {}
        self._series_by_tmdb: dict[int, Series] = {}
        self._movies_bytes = 0
        self._series_bytes = 0
        self._by_person: dict[int, list[Title]] = {}
        self._next_id: dict[str, int] = {}

    def _movie_size(self, info: Title, quality_id: int) -> int:
        """Return a plausible file size for a runtime and quality."""
        rate = {4: 20, 5: 25, 3: 45, 7: 70, 18: 160, 19: 300}[quality_id]
        return info.runtime * rate * 1_000_000 + info.tmdb_id % 977 * 100_000

    def taste_genres(self, title: Title) -> tuple[int, ...]:
        """Return a title's genres in the shared (movie) taste space."""
        if title.kind == "movie":
            return title.genre_ids
        return tuple(TV_TO_TASTE.get(genre, genre) for genre in title.genre_ids)

    def next_id(self, name: str) -> int:
        """Return the next id of a kind of object."""
        value = self._next_id[name]
        self._next_id[name] = value + 1
        return value

    def play_by_row(self, row_id: int) -> Play | None:
        """Return the play with a history row id."""
        index = bisect(self.plays, row_id, key=lambda play: play[0]) - 1
        if index >= 0 and self.plays[index][0] == row_id:
            return self.plays[index]
        return None

    def stream(self, play: Play) -> Stream:
        """Return how a play was streamed, derived from its row so no state is kept.

        A quarter of the plays transcode (audio, video or both, some burning
        subtitles), a fifth of the rest direct stream; one user in three often
        watches away from home (WAN, a documentation-range public address).
        """
        row_id, user_index = play[0], play[3]
        quality_id = 3
        if play[4] == "movie" and (movie := self.movies.get(play[5])) is not None:
            quality_id = movie.quality_id
        elif (episode := self.episodes.get(play[5])) is not None and (
            series := self.series.get(episode[1])
        ) is not None:
            quality_id = series.quality_id
        height = HEIGHTS[quality_id]
        source = "4k" if height == 2160 else str(height)
        video = audio = "direct play"
        subtitles = ""
        if (user_index + row_id) % 4 == 0:
            decision = "transcode"
            part = row_id % 3
            video = "copy" if part == 0 else "transcode"
            audio = "copy" if part == 1 else "transcode"
            if video == "transcode" and row_id % 7 == 0:
                subtitles = "burn"
        elif row_id % 5 == 0:
            decision = video = audio = "copy"
        else:
            decision = "direct play"
        resolution = LOWER_RESOLUTION[source] if video == "transcode" else source
        wan = row_id % 3 == 0 if user_index % 3 == 2 else row_id % 20 == 0
        return Stream(
            decision=decision,
            video_decision=video,
            audio_decision=audio,
            subtitle_decision=subtitles,
            source_resolution=source,
            stream_resolution=resolution,
            bitrate=BITRATES[source],
            stream_bitrate=BITRATES[resolution],
            location="wan" if wan else "lan",
            ip_address=f"203.0.113.{(user_index * 37 + row_id) % 254 + 1}"
            if wan
            else self.users[user_index].ip,
        )

    def owned_tmdb_ids(self) -> set[tuple[Kind, int]]:
        """Return (kind, tmdb id) of every title in Radarr or Sonarr."""
        owned: set[tuple[Kind, int]] = {
            ("movie", m.info.tmdb_id) for m in self.movies.values()
        }
        owned.update(("tv", s.info.tmdb_id) for s in self.series.values())
        return owned

    def _index_movie(self, movie: Movie) -> None:
        """Add a library movie to the lookups and byte total."""
        self._movie_by_tmdb[movie.info.tmdb_id] = movie
        self._movies_bytes += movie.size

    def _index_series(self, series: Series) -> None:
        """Add a library series to the lookups (its episodes count in add_series)."""
        self._series_by_tvdb[series.info.tvdb_id] = series
        self._series_by_tmdb[series.info.tmdb_id] = series

    def movie_by_tmdb(self, tmdb_id: int) -> Movie | None:
        """Return the library movie with a TMDB id."""
        return self._movie_by_tmdb.get(tmdb_id)

    def series_by_tvdb(self, tvdb_id: int) -> Series | None:
        """Return the library series with a TVDB id."""
        return self._series_by_tvdb.get(tvdb_id)

    def series_by_tmdb(self, tmdb_id: int) -> Series | None:
        """Return the library series with a TMDB id."""
        return self._series_by_tmdb.get(tmdb_id)

    def title_by_tvdb(self, tvdb_id: int) -> Title | None:
        """Return the TMDB TV title with a TVDB id."""
        return self._title_by_tvdb.get(tvdb_id)

    def title_by_imdb(self, imdb_id: str) -> Title | None:
        """Return the title with an IMDb id."""
        return self._title_by_imdb.get(imdb_id)

    def search(self, kind: Kind | None, query: str) -> list[Title]:
        """Return titles whose name contains the query, most popular first."""
        needle = query.lower().strip()
        found = [
            t
            for t in self.titles.values()
            if (kind is None or t.kind == kind) and needle in t.title.lower()
        ]
        return sorted(found, key=lambda t: (-t.popularity, t.tmdb_id))

    def related(
        self, title: Title, mode: Literal["similar", "recommendations"]
    ) -> list[Title]:
        """Return titles sharing genres (similar) or people and genres (recommendations)."""
        candidates: dict[int, Title] = {}
        for genre in title.genre_ids:
            for other in self._by_genre.get((title.kind, genre), []):
                candidates[other.tmdb_id] = other
        if mode == "recommendations":
            for person in title.cast[:2] + title.crew:
                for other in self._by_person.get(person, []):
                    if other.kind == title.kind:
                        candidates[other.tmdb_id] = other
        candidates.pop(title.tmdb_id, None)
        genres, people, keywords = (
            set(title.genre_ids),
            set(title.cast + title.crew),
            set(title.keywords),
        )

        def score(other: Title) -> tuple[float, int]:
            shared = 2.0 * len(genres.intersection(other.genre_ids)) + len(
                keywords.intersection(other.keywords)
            )
            if mode == "recommendations":
                shared += (
                    3.0 * len(people.intersection(other.cast + other.crew))
                    + other.vote_average / 5
                )
            return (-shared, other.tmdb_id)

        return sorted(candidates.values(), key=score)[:40]

    def trending(self, kind: Kind | None) -> list[Title]:
        """Return the most popular titles."""
        pool = [t for t in self.titles.values() if kind is None or t.kind == kind]
        return sorted(pool, key=lambda t: (-t.popularity, t.tmdb_id))[:100]

    def movies_size(self) -> int:
        """Return bytes used by movie files."""
        return self._movies_bytes

    def series_size(self) -> int:
        """Return bytes used by episode files."""
        return self._series_bytes

    def series_stats(self, series: Series) -> tuple[int, int, int, int]:
        """Return (episodes with file, monitored aired episodes, total episodes, bytes)."""
        have = aired = size = 0
        for eid in series.episode_ids:
            episode = self.episodes[eid]
            have += episode[5]
            aired += episode[4] < self.start and episode[7]
            size += episode[6]
        return have, aired, len(series.episode_ids), size

    def free_space(self, path: str) -> int:
        """Return free bytes on the disk holding a root folder."""
        disk = self.disks[path]
        used = self.movies_size() if path == "/movies" else self.series_size()
        return max(0, disk.total - disk.other_used - used)

    def media_status(self, kind: Kind, tmdb_id: int) -> int:
        """Return Overseerr's availability status for a title."""
        if kind == "movie":
            movie = self.movie_by_tmdb(tmdb_id)
            if movie is not None:
                return 5 if movie.has_file else 3
        else:
            series = self.series_by_tmdb(tmdb_id)
            if series is not None:
                have, _, total, _ = self.series_stats(series)
                return 5 if have == total else 4 if have else 3
        pending = any(
            r.status == 1
            for r in self.requests.values()
            if r.kind == kind and r.tmdb_id == tmdb_id
        )
        return 2 if pending else 1
