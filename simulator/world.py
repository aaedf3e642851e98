"""Seeded, deterministic world model behind every simulated service."""

from __future__ import annotations

from bisect import bisect
from datetime import datetime, timedelta
import itertools
import random

from .models import Disk, Kind, Movie, Play, Series, Title, User
from .vocabulary import (
    ADJECTIVES,
    FIRST,
    LAST,
    MOVIE_GENRES,
    NETWORKS,
    NOUNS,
    PLACES,
    PLATFORMS,
    QUALITIES,
    STUDIOS,
    TV_GENRES,
    USERNAMES,
)
from .world_changes import WorldChanges


class World(WorldChanges):
    """Everything the simulated services know, generated from a seed."""

    def __init__(
        self, scale: str = "tiny", seed: int = 1, now: datetime | None = None
    ) -> None:
        """Generate the world for a scale and seed at a fixed reference time."""
        super().__init__(scale, seed, now)
        self._generate()

    def _generate(self) -> None:
        """Build people, titles, library, users, history, requests, queue and disks."""
        spec = self.spec
        rng = self.rng
        self.people = [
            f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST) + i) % len(LAST)]}"
            + (
                ""
                if i < len(FIRST) * len(LAST)
                else f" {i // (len(FIRST) * len(LAST)) + 1}"
            )
            for i in range(spec.people)
        ]
        movie_titles = [
            self._make_title("movie", i) for i in range(spec.movies + spec.extra_movies)
        ]
        tv_titles = [
            self._make_title("tv", i) for i in range(spec.series + spec.extra_series)
        ]
        # The library holds a deterministic sample; the rest are TMDB-only candidates.
        owned_movies = rng.sample(movie_titles, spec.movies)
        owned_series = rng.sample(tv_titles, spec.series)
        oldest = self.start - timedelta(days=spec.history_days + 400)
        for movie_id, info in enumerate(
            sorted(owned_movies, key=lambda t: t.tmdb_id), 1
        ):
            quality = rng.choice(QUALITIES[1:])
            has_file = info.release < self.start and rng.random() < 0.95
            self.movies[movie_id] = Movie(
                id=movie_id,
                info=info,
                monitored=rng.random() < 0.9,
                has_file=has_file,
                size=self._movie_size(info, quality[0]) if has_file else 0,
                quality_id=quality[0],
                added=max(oldest, info.release)
                + timedelta(hours=rng.randrange(1, 2000)),
                tags=[1] if rng.random() < 0.03 else [],
            )
        episode_id = 1
        for series_id, info in enumerate(
            sorted(owned_series, key=lambda t: t.tmdb_id), 1
        ):
            quality = rng.choice(QUALITIES[:4])
            ids = []
            air = info.release
            for season, count in enumerate(info.seasons, 1):
                for number in range(1, count + 1):
                    aired = air < self.start
                    has_file = aired and rng.random() < 0.93
                    size = rng.randrange(300, 2500) * 1_000_000 if has_file else 0
                    self.episodes[episode_id] = (
                        episode_id,
                        series_id,
                        season,
                        number,
                        air,
                        has_file,
                        size,
                        True,
                    )
                    ids.append(episode_id)
                    episode_id += 1
                    air += timedelta(days=7)
                air += timedelta(days=rng.randrange(200, 400))
            self.series[series_id] = Series(
                id=series_id,
                info=info,
                monitored=rng.random() < 0.9,
                added=max(oldest, info.release)
                + timedelta(hours=rng.randrange(1, 2000)),
                episode_ids=ids,
                quality_id=quality[0],
            )
        for movie in self.movies.values():
            self._index_movie(movie)
        for series in self.series.values():
            self._index_series(series)
        self._series_bytes = sum(episode[6] for episode in self.episodes.values())
        self._next_id = {
            "movie": len(self.movies) + 1,
            "series": len(self.series) + 1,
            "episode": episode_id,
            "request": 1,
            "queue": 1,
            "history": 1,
            "command": 1,
            "notification": 1,
            "sonarr_exclusion": 1,
            "radarr_exclusion": 1,
            "play": 1,
            "tag": 4,
        }
        for title in itertools.chain(movie_titles, tv_titles):
            for genre in title.genre_ids:
                self._by_genre.setdefault((title.kind, genre), []).append(title)
            for person in title.cast[:2] + title.crew:
                self._by_person.setdefault(person, []).append(title)
        self._make_users()
        self._make_history()
        self._make_requests()
        self._make_queue()
        self._make_disks()
        self._make_fulfilled_requests()

    def _make_title(self, kind: Kind, index: int) -> Title:
        """Create one TMDB title whose people and keywords follow its genres."""
        rng = self.rng
        genre_pool = list(MOVIE_GENRES if kind == "movie" else TV_GENRES)
        genres = tuple(rng.sample(genre_pool, rng.choice((1, 2, 2, 3))))
        # People cluster by primary genre so similar titles share cast.
        people = len(self.people)
        band = max(1, people // len(genre_pool))
        base = genre_pool.index(genres[0]) * band
        cast = tuple(
            sorted({(base + rng.randrange(band * 2)) % people for _ in range(4)})
        )
        crew = ((base + rng.randrange(band)) % people,)
        kw_base = genre_pool.index(genres[0]) % len(self.keywords)
        keywords = tuple(
            sorted(
                {(kw_base + rng.randrange(6)) % len(self.keywords) for _ in range(3)}
            )
        )
        name = rng.choice(
            (
                f"The {rng.choice(NOUNS)}",
                f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
                f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
                f"{rng.choice(NOUNS)} of {rng.choice(PLACES)}",
            )
        )
        release = self.start - timedelta(
            days=rng.randrange(-120, 365 * 40), hours=rng.randrange(24)
        )
        release = release.replace(hour=0, minute=0, second=0, microsecond=0)
        if kind == "movie":
            tmdb_id = 10_000 + index * 3
            seasons: tuple[int, ...] = ()
            runtime = rng.randrange(80, 170)
        else:
            tmdb_id = 60_000 + index * 3
            seasons = tuple(rng.randrange(8, 15) for _ in range(rng.randrange(1, 9)))
            runtime = rng.choice((22, 30, 45, 50, 60))
        title = Title(
            kind=kind,
            tmdb_id=tmdb_id,
            imdb_id=f"tt{1_000_000 + tmdb_id * 7:07d}",
            tvdb_id=0 if kind == "movie" else 300_000 + index * 5,
            title=name,
            year=release.year,
            release=release,
            genre_ids=genres,
            cast=cast,
            crew=crew,
            keywords=keywords,
            vote_average=round(min(9.4, max(3.5, rng.gauss(6.6, 1.0))), 1),
            vote_count=int(rng.paretovariate(1.2) * 200),
            popularity=round(rng.paretovariate(1.5) * 10, 3),
            runtime=runtime,
            studio=rng.choice(STUDIOS if kind == "movie" else NETWORKS),
            certification=rng.choice(
                ("PG", "PG-13", "R") if kind == "movie" else ("TV-14", "TV-MA")
            ),
            seasons=seasons,
            ended=rng.random() < 0.5,
        )
        self.titles[kind, tmdb_id] = title
        self._title_by_imdb.setdefault(title.imdb_id, title)
        if kind == "tv":
            self._title_by_tvdb[title.tvdb_id] = title
        return title

    def _make_users(self) -> None:
        """Create Plex users with distinct genre tastes."""
        rng = self.rng
        genres = list(MOVIE_GENRES)
        for index in range(self.spec.users):
            name = USERNAMES[index % len(USERNAMES)] + (
                "" if index < len(USERNAMES) else str(index // len(USERNAMES))
            )
            favourites = rng.sample(genres, 3)
            taste = dict.fromkeys(genres, 0.2)
            for rank, genre in enumerate(favourites):
                taste[genre] = 6.0 - rank * 1.5
            self.users.append(
                User(
                    index=index,
                    plex_id=1_000_000 + index * 7919,
                    username=name,
                    email=f"{name.lower()}@example.com",
                    taste=taste,
                    overseerr_id=index + 1,
                    ip=f"192.168.1.{20 + index}",
                )
            )

    def _make_history(self) -> None:
        """Create Tautulli plays consistent with library contents and user tastes."""
        rng = self.rng
        spec = self.spec
        movies_by_genre: dict[int, list[Movie]] = {}
        for movie in self.movies.values():
            if movie.has_file:
                for genre in movie.info.genre_ids:
                    movies_by_genre.setdefault(genre, []).append(movie)
        series_by_genre: dict[int, list[Series]] = {}
        for series in self.series.values():
            for genre in self.taste_genres(series.info):
                series_by_genre.setdefault(genre, []).append(series)
        user_genres = []
        for user in self.users:
            genres = list(user.taste)
            cumulative = list(itertools.accumulate(user.taste[g] for g in genres))
            user_genres.append((genres, cumulative))
        end = int(self.start.timestamp()) - 3600
        begin = end - spec.history_days * 86_400
        watched: dict[int, list[int]] = {}
        plays: list[Play] = []
        row = 1
        while len(plays) < spec.plays:
            user_index = rng.randrange(len(self.users))
            genres, cumulative = user_genres[user_index]
            genre = genres[bisect(cumulative, rng.random() * cumulative[-1])]
            started = rng.randrange(begin, end)
            platform = (user_index + rng.randrange(2)) % len(PLATFORMS)
            if rng.random() < 0.45 and movies_by_genre:
                pool = (
                    movies_by_genre.get(genre)
                    or movies_by_genre[next(iter(movies_by_genre))]
                )
                plays.append(
                    self._movie_play(row, pool, watched, user_index, started, platform)
                )
                row += 1
                continue
            pool_s = series_by_genre.get(genre)
            if pool_s:
                row = self._series_session(
                    plays, rng.choice(pool_s), row, user_index, started, platform
                )

        plays.sort(key=lambda play: play[1])
        self.plays = [(i, *play[1:]) for i, play in enumerate(plays[: spec.plays], 1)]
        self._next_id["play"] = len(self.plays) + 1

    def _movie_play(
        self,
        row: int,
        pool: list[Movie],
        watched: dict[int, list[int]],
        user_index: int,
        started: int,
        platform: int,
    ) -> Play:
        """Return one movie play: mostly finished, sometimes abandoned, occasionally a rewatch."""
        rng = self.rng
        seen = watched.get(user_index)
        movie = (
            self.movies[rng.choice(seen)]
            if seen and rng.random() < 0.05
            else rng.choice(pool)
        )
        percent = rng.randrange(92, 101) if rng.random() < 0.8 else rng.randrange(5, 60)
        watched.setdefault(user_index, []).append(movie.id)
        duration = movie.info.runtime * 60 * percent // 100
        return (
            row,
            started,
            started + duration,
            user_index,
            "movie",
            movie.id,
            percent,
            0,
            platform,
        )

    def _series_session(
        self,
        plays: list[Play],
        series: Series,
        row: int,
        user_index: int,
        started: int,
        platform: int,
    ) -> int:
        """Append one viewing session of a series (an abandoned pilot or a binge); return the next row id."""
        rng = self.rng
        available = [eid for eid in series.episode_ids if self.episodes[eid][5]]
        if not available:
            return row
        if rng.random() < 0.2:
            length, first = 1, 0
        else:
            first = rng.randrange(len(available))
            length = rng.randrange(1, 7)
        for eid in available[first : first + length]:
            percent = (
                rng.randrange(10, 50)
                if length == 1 and first == 0
                else rng.randrange(90, 101)
            )
            duration = series.info.runtime * 60 * percent // 100
            plays.append(
                (
                    row,
                    started,
                    started + duration,
                    user_index,
                    "episode",
                    eid,
                    percent,
                    0,
                    platform,
                )
            )
            row += 1
            started += duration + 120
        return row

    def _make_requests(self) -> None:
        """Create Overseerr requests for titles TMDB knows, mostly outside the library."""
        rng = self.rng
        owned = self.owned_tmdb_ids()
        candidates = [
            t for t in self.titles.values() if (t.kind, t.tmdb_id) not in owned
        ]
        candidates.sort(key=lambda t: (t.kind, t.tmdb_id))
        statuses = (1, 1, 1, 2, 3)
        primary = [self.taste_genres(t)[0] for t in candidates]
        cum_weights: dict[int, list[float]] = {}
        for _ in range(self.spec.requests):
            user = rng.choice(self.users)
            if user.index not in cum_weights:
                cum_weights[user.index] = list(
                    itertools.accumulate(user.taste.get(g, 0.2) for g in primary)
                )
            title = rng.choices(candidates, cum_weights=cum_weights[user.index])[0]
            created = self.start - timedelta(
                days=rng.randrange(0, 60), minutes=rng.randrange(1440)
            )
            status = rng.choice(statuses)
            self.add_request(user.index, title, created, status=status)

    def _make_fulfilled_requests(self) -> None:
        """Add approved requests for library titles, made before each was added.

        Half are titles the requester went on to watch. They use their own random
        stream, so the rest of the world stays what it was before they existed.
        """
        rng = random.Random(f"{self.seed}-fulfilled")
        watched: dict[int, list[tuple[Kind, int]]] = {}
        for play in self.plays:
            if play[4] == "movie":
                key: tuple[Kind, int] = ("movie", self.movies[play[5]].info.tmdb_id)
            else:
                series_id = self.episodes[play[5]][1]
                key = ("tv", self.series[series_id].info.tmdb_id)
            watched.setdefault(play[3], []).append(key)
        library: list[Movie | Series] = [*self.movies.values(), *self.series.values()]
        taken: set[tuple[Kind, int]] = set()
        for _ in range(max(2, self.spec.requests // 4)):
            user = rng.choice(self.users)
            seen = watched.get(user.index)
            if seen and rng.random() < 0.5:
                kind, tmdb_id = rng.choice(seen)
                item: Movie | Series | None = (
                    self._movie_by_tmdb.get(tmdb_id)
                    if kind == "movie"
                    else self._series_by_tmdb.get(tmdb_id)
                )
            else:
                item = rng.choice(library)
            if item is None or (item.info.kind, item.info.tmdb_id) in taken:
                continue
            taken.add((item.info.kind, item.info.tmdb_id))
            created = item.added - timedelta(hours=rng.randrange(12, 24 * 21))
            request = self.add_request(user.index, item.info, created, status=2)
            request.updated = created + timedelta(minutes=rng.randrange(5, 600))

    def _make_queue(self) -> None:
        """Put a few missing monitored titles into the download queues."""
        missing = [m for m in self.movies.values() if m.monitored and not m.has_file]
        for movie in missing[: self.spec.queue]:
            self.enqueue_movie(movie, progress=0.4)
        for index, series in enumerate(list(self.series.values())[: self.spec.queue]):
            aired = [
                eid
                for eid in series.episode_ids
                if not self.episodes[eid][5] and self.episodes[eid][4] < self.start
            ]
            if not aired:
                continue
            if index % 2:
                # Every other series grabs a pack of the whole season of its first
                # missing episode (replacing the files it has of that season).
                season = self.episodes[aired[0]][2]
                self.enqueue_episodes(
                    series,
                    [
                        eid
                        for eid in series.episode_ids
                        if self.episodes[eid][2] == season
                        and self.episodes[eid][4] < self.start
                    ],
                    progress=0.7,
                )
            else:
                self.enqueue_episode(series, aired[0], progress=0.7)

    def _make_disks(self) -> None:
        """Size disks so each is about 80% full."""
        step = 100_000_000_000
        for path, used in (
            ("/movies", self.movies_size()),
            ("/tv", self.series_size()),
        ):
            total = max(1, -(-used * 10 // 8 // step)) * step
            self.disks[path] = Disk(
                path=path, total=total, other_used=int(total * 0.05)
            )
