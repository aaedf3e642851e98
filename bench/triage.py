"""Request triage benchmarks: quality on MovieLens, speed on the simulator's `large` world.

python -m bench.triage [--quality] [--speed]   (README "Request triage"; quality needs
bench/requirements-quality.txt)

Quality: each user's ratings in time order; the first 70% are their history (plays), the
titles they rated afterwards are the requests. A title's "TMDB vote" is every other user's
mean rating (times two, out of 10) and their count, as TMDB's are today. Per user, the AUC
of the score between liked (>= 4 stars) and disliked (<= 2.5) later titles, averaged over
users with both; and, pooled, the precision on "liked" of the titles scoring at or above
the auto-approve threshold with the share of them it approves. MovieLens has about 100x
fewer votes per title than TMDB, so the prior is MovieLens' own mean and 5 votes; the taste
weights are the engine's defaults.

The engine's genre and decade weights and its approve margin were chosen on this same
data, so those numbers are in-sample. `--folds 5` measures out of sample: users are dealt
into folds; for each fold the weights (from a small grid) and the smallest margin with
precision >= 0.9 are chosen on the other folds' users only, and the fold's own users are
scored with them. Each user is scored once, as a held-out user.

Speed: the engine time (snapshot built beforehand) to learn every person's taste, to do
so again with the history unchanged, and to triage 200 pending requests of the simulator's
`large` world (30 users, 200,000 plays, 23,000 library titles), median of 5.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import statistics
import time

from bench.rdatasets_loader import (
    MovieLens,
    engine_play,
    households,
    identity,
    load,
    plays_by_user,
    title_info,
)
from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
    TitleInfo,
)
from custom_components.smartplex.engine.triage import Triager, triage
from custom_components.smartplex.engine.triage_features import (
    DEFAULT_WEIGHTS,
    Household,
    Viewer,
    Weights,
    learn_viewers,
    quality,
    relearn_viewers,
)
from custom_components.smartplex.engine.triage_policies import APPROVE_MARGIN, Policy
from simulator.vocabulary import MOVIE_GENRES, TV_GENRES
from simulator.world import World

HISTORY_SHARE = 0.7
LIKED, DISLIKED = 4.0, 2.5
BENCH_PRIOR_VOTES = 5.0
SPEED_RUNS = 5
# The goal: 200 pending requests in 300 ms of engine time.
PENDING = 200
MARGINS = (0.0, 1.0, APPROVE_MARGIN, 2.0)
MS = 1000
SCORERS = ("quality", "quality + taste", "popularity")
# Triage has no clock of its own; the taste does not depend on it.
NOW = datetime(2016, 10, 17, tzinfo=UTC)
# What the out-of-sample run may choose from: weights per fully consistent leaning, and
# margins above the prior mean (the smallest meeting the precision goal is kept).
GENRE_WEIGHTS = (4.0, 8.0, 12.0)
DECADE_WEIGHTS = (0.0, 3.0, 6.0)
MARGIN_GRID = tuple(step / 10 for step in range(31))
PRECISION_GOAL = 0.9
FOLD_SEED = 0


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Mean per-user AUC by scorer, and precision at the auto-approve threshold."""

    users: int
    auc: Mapping[str, float]
    # (margin above the prior mean, precision on liked, share approved) per margin.
    approvals: tuple[tuple[float, float, float], ...]


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """Return the probability that a positive outscores a negative (ties count half)."""
    wins = sum(
        1.0 if p > n else 0.5 if p == n else 0.0 for p in positive for n in negative
    )
    return wins / (len(positive) * len(negative))


@dataclass(frozen=True, slots=True)
class Judged:
    """One user's taste and their later-rated titles, each with its vote and whether liked."""

    user: int
    viewers: Mapping[str, Viewer]
    later: tuple[tuple[TitleInfo, bool], ...]


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Held-out users' AUC and approvals, with what each fold chose on the others."""

    users: int
    auc: float
    precision: float
    share: float
    # (genre weight, decade weight, margin) chosen per fold.
    chosen: tuple[tuple[float, float, float], ...]


def bench_weights(data: MovieLens) -> Weights:
    """Return the engine's weights with MovieLens' own mean and a 5-vote prior."""
    mean = statistics.fmean(rating.rating for rating in data.ratings) * 2
    return replace(DEFAULT_WEIGHTS, prior_mean=mean, prior_votes=BENCH_PRIOR_VOTES)


def judged_users(data: MovieLens, weights: Weights) -> list[Judged]:
    """Learn each user's taste from their first 70% and vote their later titles."""
    votes_of: dict[int, list[float]] = defaultdict(list)
    for rating in data.ratings:
        votes_of[rating.movie].append(rating.rating)
    titles = {identity(movie): title_info(info) for movie, info in data.movies.items()}
    judged = []
    for user, plays in plays_by_user(data.plays).items():
        cut = int(len(plays) * HISTORY_SHARE)
        later = [
            play
            for play in plays[cut:]
            if play.rating >= LIKED or play.rating <= DISLIKED
        ]
        if len({play.rating >= LIKED for play in later}) < 2:
            continue
        voted = []
        for play in later:
            # A title's vote is everyone else's ratings, as TMDB's would be.
            others = len(votes_of[play.movie]) - 1
            title = replace(
                titles[identity(play.movie)],
                vote_average=(sum(votes_of[play.movie]) - play.rating) / others * 2
                if others
                else 0.0,
                vote_count=others,
            )
            voted.append((title, play.rating >= LIKED))
        viewers = learn_viewers(
            [engine_play(play) for play in plays[:cut]], titles, weights
        )
        judged.append(Judged(user, viewers, tuple(voted)))
    return judged


def triage_scores(judged: Judged, weights: Weights) -> list[tuple[float, bool]]:
    """Return the triage score (quality + taste) of a user's later titles, and liked."""
    triager = Triager(
        Household(now=NOW, titles={}, viewers=judged.viewers), Policy(), weights
    )
    return [
        (triager.title_score(str(judged.user), title), liked)
        for title, liked in judged.later
    ]


def pairs_auc(pairs: Sequence[tuple[float, bool]]) -> float:
    """Return the AUC of scores between liked and disliked."""
    return auc(
        [score for score, liked in pairs if liked],
        [score for score, liked in pairs if not liked],
    )


def quality_report(data: MovieLens, margins: Iterable[float]) -> QualityReport:
    """Score every user's later-rated titles with the engine's weights; compare scorers."""
    weights = bench_weights(data)
    aucs: dict[str, list[float]] = {name: [] for name in SCORERS}
    pooled: list[tuple[float, bool]] = []
    for judged in judged_users(data, weights):
        scored = triage_scores(judged, weights)
        aucs["quality + taste"].append(pairs_auc(scored))
        aucs["quality"].append(
            pairs_auc([(quality(t, weights), liked) for t, liked in judged.later])
        )
        aucs["popularity"].append(
            pairs_auc([(float(t.vote_count), liked) for t, liked in judged.later])
        )
        pooled += [(score - weights.prior_mean, liked) for score, liked in scored]
    return QualityReport(
        users=len(aucs["quality"]),
        auc={name: statistics.fmean(values) for name, values in aucs.items()},
        approvals=tuple((margin, *_precision(pooled, margin)) for margin in margins),
    )


def cross_validated(data: MovieLens, fold_count: int) -> CrossValidation:
    """Choose weights and the approve margin on other users; measure on held-out ones."""
    base = bench_weights(data)
    judged = judged_users(data, base)
    # Every candidate's scores, once: {candidate: {user: [(score - mean, liked)]}}.
    candidates = [
        replace(base, genre=genre, decade=decade)
        for genre in GENRE_WEIGHTS
        for decade in DECADE_WEIGHTS
    ]
    scores = {
        weights: {
            one.user: [
                (score - base.prior_mean, liked)
                for score, liked in triage_scores(one, weights)
            ]
            for one in judged
        }
        for weights in candidates
    }
    users = [one.user for one in judged]
    size = -(-len(users) // fold_count)
    held_out_aucs: list[float] = []
    held_out_pooled: list[tuple[float, bool]] = []
    chosen = []
    for fold in households(users, size=size, seed=FOLD_SEED):
        testing = set(fold)
        training = [user for user in users if user not in testing]
        weights = max(
            candidates,
            key=lambda w: statistics.fmean(pairs_auc(scores[w][u]) for u in training),
        )
        trained = [pair for user in training for pair in scores[weights][user]]
        margin = next(
            (m for m in MARGIN_GRID if _precision(trained, m)[0] >= PRECISION_GOAL),
            MARGIN_GRID[-1],
        )
        chosen.append((weights.genre, weights.decade, margin))
        for user in fold:
            held_out_aucs.append(pairs_auc(scores[weights][user]))
            held_out_pooled += [
                (score - margin, liked) for score, liked in scores[weights][user]
            ]
    precision, share = _precision(held_out_pooled, 0.0)
    return CrossValidation(
        users=len(held_out_aucs),
        auc=statistics.fmean(held_out_aucs),
        precision=precision,
        share=share,
        chosen=tuple(chosen),
    )


def _precision(
    pooled: Sequence[tuple[float, bool]], margin: float
) -> tuple[float, float]:
    """Return the share liked among the scores at or above a margin, and their share."""
    approved = [liked for score, liked in pooled if score >= margin]
    if not approved:
        return 0.0, 0.0
    return sum(approved) / len(approved), len(approved) / len(pooled)


def world_household(
    world: World,
) -> tuple[Household, list[Play], list[RequestRecord]]:
    """Build the triage snapshot of a simulated world and its pending requests."""
    genre_names = {**MOVIE_GENRES, **TV_GENRES}
    titles = {
        Identity(kind, tmdb_id): TitleInfo(
            identity=Identity(kind, tmdb_id),
            title=info.title,
            year=info.year,
            genres=tuple(genre_names[genre] for genre in info.genre_ids),
            keywords=tuple(
                world.keywords[k % len(world.keywords)] for k in info.keywords
            ),
            people=tuple(world.people[p % len(world.people)] for p in info.cast),
            vote_average=info.vote_average,
            vote_count=info.vote_count,
        )
        for (kind, tmdb_id), info in world.titles.items()
    }
    series_of_episode = {
        episode_id: world.series[episode[1]].info.tmdb_id
        for episode_id, episode in world.episodes.items()
    }
    plays = [
        Play(
            user_id=str(user_index),
            identity=Identity("movie", world.movies[ref].info.tmdb_id)
            if kind == "movie"
            else Identity("tv", series_of_episode[ref]),
            started=datetime.fromtimestamp(started, UTC),
            watched_seconds=stopped - started,
            percent_complete=percent,
        )
        for _, started, stopped, user_index, kind, ref, percent, _, _ in world.plays
    ]
    statuses = {
        1: RequestStatus.PENDING,
        2: RequestStatus.APPROVED,
        3: RequestStatus.DECLINED,
    }
    requests = [
        RequestRecord(
            request_id=request.id,
            identity=Identity(request.kind, request.tmdb_id),
            requested_by=str(request.user_index),
            created=request.created,
            status=statuses[request.status],
        )
        for request in world.requests.values()
    ]
    household = Household(
        now=world.start,
        titles=titles,
        requests=requests,
        names={str(user.index): user.username for user in world.users},
        owned=frozenset(
            Identity(kind, tmdb_id) for kind, tmdb_id in world.owned_tmdb_ids()
        ),
    )
    pending = [r for r in requests if r.status is RequestStatus.PENDING]
    return household, plays, pending


def speed_report(scale: str = "large") -> tuple[int, int, float, float, float]:
    """Return plays, pending requests and median CPU seconds: learn, relearn, triage.

    Relearning is with the history unchanged: the last run's viewers are kept.
    """
    household, plays, pending = world_household(World(scale, seed=1))
    learning, relearning, deciding = [], [], []
    for _ in range(SPEED_RUNS):
        started = time.process_time()
        learnt_once = relearn_viewers(plays, household.titles, None)
        learnt = time.process_time()
        _, kept = relearn_viewers(plays, household.titles, learnt_once)
        relearnt = time.process_time()
        triage(replace(household, viewers=kept), pending[:PENDING], Policy())
        learning.append(learnt - started)
        relearning.append(relearnt - learnt)
        deciding.append(time.process_time() - relearnt)
    return (
        len(plays),
        len(pending[:PENDING]),
        statistics.median(learning),
        statistics.median(relearning),
        statistics.median(deciding),
    )


def main() -> None:
    """Print the benchmark's numbers as README table rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quality", action="store_true", help="MovieLens AUC and precision"
    )
    parser.add_argument("--speed", action="store_true", help="engine time at large")
    parser.add_argument(
        "--folds", type=int, default=0, help="also measure out of sample, k-fold"
    )
    args = parser.parse_args()
    if args.folds:
        folded = cross_validated(load(), args.folds)
        print(f"{args.folds}-fold, held-out users: {folded.users}")
        print(f"| AUC, quality + taste, held out | {folded.auc:.3f} |")
        print(
            f"| approve at the margin chosen on the other folds | precision "
            f"{folded.precision:.4f}, approves {folded.share:.1%} |"
        )
        for genre, decade, margin in folded.chosen:
            print(
                f"| chosen: genre {genre:g}, decade {decade:g}, margin {margin:.1f} |"
            )
    if args.quality or not (args.speed or args.folds):
        report = quality_report(load(), MARGINS)
        print(f"MovieLens users with liked and disliked later titles: {report.users}")
        for name, value in report.auc.items():
            print(f"| AUC, {name} | {value:.3f} |")
        for margin, precision, share in report.approvals:
            print(
                f"| approve at prior mean + {margin:.1f} | precision {precision:.3f},"
                f" approves {share:.1%} |"
            )
    if args.speed or not (args.quality or args.folds):
        plays, pending, learning, relearning, deciding = speed_report()
        print(f"| learn {plays:,} plays | {learning * MS:.0f} ms |")
        print(f"| again, history unchanged | {relearning * MS:.0f} ms |")
        print(f"| triage {pending} pending requests | {deciding * MS:.0f} ms |")


if __name__ == "__main__":
    main()
