"""Seeded, deterministic world model behind every simulated service."""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import itertools
import random
from typing import Literal

Kind = Literal["movie", "tv"]

MOVIE_GENRES: dict[int, str] = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}
TV_GENRES: dict[int, str] = {
    10759: "Action & Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    10762: "Kids",
    9648: "Mystery",
    10763: "News",
    10764: "Reality",
    10765: "Sci-Fi & Fantasy",
    10766: "Soap",
    10767: "Talk",
    10768: "War & Politics",
    37: "Western",
}
# Maps TV genres onto the movie genre space so one taste profile covers both.
TV_TO_TASTE: dict[int, int] = {
    10759: 28,
    10762: 10751,
    10763: 99,
    10764: 35,
    10765: 878,
    10766: 10749,
    10767: 35,
    10768: 10752,
}
TASTE_TO_TV: dict[int, int] = {
    28: 10759,
    12: 10759,
    14: 10765,
    878: 10765,
    10752: 10768,
    36: 10768,
    27: 9648,
    53: 80,
    10749: 18,
    10402: 35,
    10770: 18,
}

_ADJECTIVES = [
    "Silent",
    "Crimson",
    "Hidden",
    "Broken",
    "Golden",
    "Last",
    "Dark",
    "Distant",
    "Frozen",
    "Burning",
    "Lost",
    "Secret",
    "Wild",
    "Quiet",
    "Endless",
    "Hollow",
    "Iron",
    "Paper",
    "Electric",
    "Velvet",
    "Midnight",
    "Northern",
    "Savage",
    "Gentle",
    "Bitter",
    "Shattered",
    "Restless",
    "Fading",
    "Rising",
    "Scarlet",
    "Glass",
    "Silver",
    "Hungry",
    "Lonely",
    "Brave",
    "Stolen",
    "Forgotten",
    "Sacred",
]
_NOUNS = [
    "Harbor",
    "Empire",
    "Garden",
    "Signal",
    "Orbit",
    "River",
    "Kingdom",
    "Witness",
    "Frontier",
    "Legacy",
    "Horizon",
    "Machine",
    "Tide",
    "Lantern",
    "Canyon",
    "Citadel",
    "Echo",
    "Verdict",
    "Station",
    "Meridian",
    "Covenant",
    "Cipher",
    "Summit",
    "Archive",
    "Voyage",
    "Outpost",
    "Dynasty",
    "Mirror",
    "Protocol",
    "Reckoning",
    "Sanctuary",
    "Paradox",
    "Inheritance",
    "Wolves",
    "Storm",
]
_PLACES = [
    "Avalon",
    "Brighton",
    "Cairo",
    "Dover",
    "Everton",
    "Fairhaven",
    "Granite",
    "Falls",
    "Hollowell",
    "Ironwood",
    "Juniper",
    "Kingsport",
    "Lakemont",
    "Marrow",
    "Bay",
    "Northgate",
    "Oakridge",
    "Port",
    "Elise",
    "Quarry",
    "Hill",
    "Redwater",
    "Stonebridge",
]
_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Kate",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zane",
    "Alba",
    "Bruno",
    "Chloe",
    "Dario",
    "Eva",
    "Finn",
]
_LAST = [
    "Adler",
    "Brooks",
    "Carter",
    "Dalton",
    "Ellis",
    "Fischer",
    "Garcia",
    "Hale",
    "Ito",
    "Jensen",
    "Keller",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quint",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Vance",
    "Walsh",
    "Xu",
    "Young",
    "Zimmer",
    "Berg",
    "Costa",
    "Duval",
]
_KEYWORDS = [
    "heist",
    "revenge",
    "time-travel",
    "dystopia",
    "small-town",
    "coming-of-age",
    "space-station",
    "serial-killer",
    "courtroom",
    "road-trip",
    "haunted-house",
    "artificial-intelligence",
    "undercover-cop",
    "family-secret",
    "post-apocalypse",
    "royal-court",
    "high-school",
    "alien-invasion",
    "treasure-hunt",
    "survival",
    "politics",
    "friendship",
    "based-on-novel",
    "sports-team",
    "island",
    "whodunit",
    "musician",
    "cold-war",
    "monster",
    "spy",
]
_NETWORKS = (
    "HBO",
    "Netflix",
    "BBC One",
    "AMC",
    "FX",
    "Apple TV+",
    "Prime Video",
    "Hulu",
)
_STUDIOS = (
    "Warner Bros.",
    "Universal",
    "A24",
    "Paramount",
    "Lionsgate",
    "Focus Features",
)
_PLATFORMS = (
    ("Roku", "Plex for Roku", "Living Room Roku"),
    ("Android", "Plex for Android (TV)", "SHIELD Android TV"),
    ("iOS", "Plex for iOS", "iPhone"),
    ("Chrome", "Plex Web", "Chrome"),
    ("Windows", "Plex for Windows", "Desktop-PC"),
    ("tvOS", "Plex for Apple TV", "Apple TV"),
)
_USERNAMES = [
    "anna",
    "Ben",
    "clara",
    "dave",
    "elena",
    "felix",
    "grace",
    "hugo",
    "iris",
    "jonas",
    "kate",
    "liam",
    "maya",
    "noah",
    "olivia",
    "paul",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "uma",
    "victor",
    "wendy",
    "xavier",
    "yara",
    "zane",
    "alba",
    "bruno",
    "chloe",
    "dario",
]
QUALITIES: tuple[tuple[int, str, str, int], ...] = (
    # (id, name, source, resolution)
    (4, "HDTV-720p", "television", 720),
    (5, "WEBDL-720p", "web", 720),
    (3, "WEBDL-1080p", "web", 1080),
    (7, "Bluray-1080p", "bluray", 1080),
    (18, "WEBDL-2160p", "web", 2160),
    (19, "Bluray-2160p", "bluray", 2160),
)


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """Sizes of a generated world."""

    movies: int
    series: int
    users: int
    plays: int
    extra_movies: int
    extra_series: int
    requests: int
    people: int
    history_days: int
    queue: int


SCALES: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec(20, 5, 3, 150, 30, 10, 6, 80, 60, 2),
    "home": ScaleSpec(300, 60, 5, 4_000, 400, 80, 25, 800, 365, 4),
    "large": ScaleSpec(20_000, 3_000, 30, 200_000, 10_000, 1_500, 400, 20_000, 365, 25),
}


@dataclass(slots=True)
class Title:
    """A title TMDB knows about (in the library or not)."""

    kind: Kind
    tmdb_id: int
    imdb_id: str
    tvdb_id: int
    title: str
    year: int
    release: datetime
    genre_ids: tuple[int, ...]
    cast: tuple[int, ...]
    crew: tuple[int, ...]
    keywords: tuple[int, ...]
    vote_average: float
    vote_count: int
    popularity: float
    runtime: int
    studio: str
    certification: str
    seasons: tuple[int, ...] = ()
    ended: bool = True

    @property
    def overview(self) -> str:
        """Return a deterministic synopsis."""
        return f"A {self.year} story of {self.title.lower()}."

    @property
    def slug(self) -> str:
        """Return the *arr title slug."""
        return f"{self.title.lower().replace(' ', '-')}-{self.tmdb_id}"


@dataclass(slots=True)
class Movie:
    """A movie in Radarr's library."""

    id: int
    info: Title
    monitored: bool
    has_file: bool
    size: int
    quality_id: int
    added: datetime
    tags: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Return the movie folder."""
        return f"/movies/{self.info.title} ({self.info.year})"

    @property
    def rating_key(self) -> int:
        """Return the Plex rating key."""
        return 50_000 + self.id


@dataclass(slots=True)
class Series:
    """A series in Sonarr's library; its episodes live in World.episodes."""

    id: int
    info: Title
    monitored: bool
    added: datetime
    episode_ids: list[int]
    quality_id: int
    tags: list[int] = field(default_factory=list)

    @property
    def path(self) -> str:
        """Return the series folder."""
        return f"/tv/{self.info.title}"

    @property
    def rating_key(self) -> int:
        """Return the Plex rating key of the show."""
        return 900_000 + self.id


# Episode row: (id, series_id, season, number, air_time, has_file, size, monitored)
Episode = tuple[int, int, int, int, datetime, bool, int, bool]
# Play row: (row_id, started_ts, stopped_ts, user_index, kind, ref_id, percent, paused, platform)
Play = tuple[int, int, int, int, str, int, int, int, int]
# Plex resolution names and the bitrate (kbit/s) the simulator gives each.
BITRATES = {"480": 1_500, "720": 4_000, "1080": 10_000, "4k": 40_000}
_LOWER = {"4k": "1080", "1080": "720", "720": "480", "480": "480"}


@dataclass(frozen=True, slots=True)
class Stream:
    """How one play was streamed and from where (Tautulli's stream data of a history row)."""

    decision: str  # "direct play", "copy" (direct stream) or "transcode"
    video_decision: str
    audio_decision: str
    subtitle_decision: str  # "burn" or ""
    source_resolution: str
    stream_resolution: str
    bitrate: int
    stream_bitrate: int
    location: str  # "lan" or "wan"
    ip_address: str


@dataclass(slots=True)
class User:
    """A Plex user known to Tautulli and Overseerr."""

    index: int
    plex_id: int
    username: str
    email: str
    taste: dict[int, float]
    overseerr_id: int
    ip: str
    # Overseerr request quotas (None: the server default, no limit): movies per days,
    # seasons per days.
    movie_quota_limit: int | None = None
    movie_quota_days: int | None = None
    tv_quota_limit: int | None = None
    tv_quota_days: int | None = None


@dataclass(slots=True)
class Request:
    """An Overseerr media request."""

    id: int
    user_index: int
    kind: Kind
    tmdb_id: int
    status: int  # 1 pending, 2 approved, 3 declined
    created: datetime
    updated: datetime
    modified_by: int | None = None


@dataclass(slots=True)
class QueueItem:
    """A download in the Sonarr or Radarr queue."""

    id: int
    service: Literal["sonarr", "radarr"]
    media_id: int
    episode_id: int | None
    title: str
    size: int
    sizeleft: int
    added: datetime
    quality_id: int
    download_id: str
    # Records sharing the download (a season pack has one per episode, each with its size).
    records: int = 1
    protocol: Literal["usenet", "torrent"] = "usenet"
    # A finished torrent its client still seeds: listed as completed, never imported again.
    seeding: bool = False


@dataclass(slots=True)
class HistoryEvent:
    """An entry of Sonarr's or Radarr's history (their change feed)."""

    id: int
    event_type: str
    media_id: int
    episode_id: int | None
    date: datetime
    source_title: str
    download_id: str
    quality_id: int


@dataclass(slots=True)
class Disk:
    """A mounted disk holding one root folder."""

    path: str
    total: int
    other_used: int


class World:
    """Everything the simulated services know, generated from a seed."""

    def __init__(
        self, scale: str = "tiny", seed: int = 1, now: datetime | None = None
    ) -> None:
        """Generate the world for a scale and seed at a fixed reference time."""
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
        self.keywords: list[str] = list(_KEYWORDS)
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
        self._generate()

    # -- generation -------------------------------------------------------------------------

    def _generate(self) -> None:
        """Build people, titles, library, users, history, requests, queue and disks."""
        spec = self.spec
        rng = self.rng
        self.people = [
            f"{_FIRST[i % len(_FIRST)]} {_LAST[(i // len(_FIRST) + i) % len(_LAST)]}"
            + (
                ""
                if i < len(_FIRST) * len(_LAST)
                else f" {i // (len(_FIRST) * len(_LAST)) + 1}"
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
                f"The {rng.choice(_NOUNS)}",
                f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}",
                f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}",
                f"{rng.choice(_NOUNS)} of {rng.choice(_PLACES)}",
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
            studio=rng.choice(_STUDIOS if kind == "movie" else _NETWORKS),
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

    def _movie_size(self, info: Title, quality_id: int) -> int:
        """Return a plausible file size for a runtime and quality."""
        rate = {4: 20, 5: 25, 3: 45, 7: 70, 18: 160, 19: 300}[quality_id]
        return info.runtime * rate * 1_000_000 + info.tmdb_id % 977 * 100_000

    def _make_users(self) -> None:
        """Create Plex users with distinct genre tastes."""
        rng = self.rng
        genres = list(MOVIE_GENRES)
        for index in range(self.spec.users):
            name = _USERNAMES[index % len(_USERNAMES)] + (
                "" if index < len(_USERNAMES) else str(index // len(_USERNAMES))
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

    def taste_genres(self, title: Title) -> tuple[int, ...]:
        """Return a title's genres in the shared (movie) taste space."""
        if title.kind == "movie":
            return title.genre_ids
        return tuple(TV_TO_TASTE.get(genre, genre) for genre in title.genre_ids)

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
            platform = (user_index + rng.randrange(2)) % len(_PLATFORMS)
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

    # -- ids and lookups ---------------------------------------------------------------------

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
        height = next(q[3] for q in QUALITIES if q[0] == quality_id)
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
        resolution = _LOWER[source] if video == "transcode" else source
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

    # -- sizes and disks ---------------------------------------------------------------------

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

    # -- mutations ---------------------------------------------------------------------------

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
