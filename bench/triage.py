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

Speed: the engine time (snapshot built beforehand) to triage every pending request of the
simulator's `large` world (30 users, 200,000 plays, 23,000 library titles), median of 5.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import statistics
import time

from bench.movielens import (
    MovieLens,
    engine_play,
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
    learn_viewers,
    quality,
)
from custom_components.smartplex.engine.triage_policies import APPROVE_MARGIN, Policy
from simulator.world import MOVIE_GENRES, TV_GENRES, World

HISTORY_SHARE = 0.7
LIKED, DISLIKED = 4.0, 2.5
BENCH_PRIOR_VOTES = 5.0
SPEED_RUNS = 5
MARGINS = (0.0, 1.0, APPROVE_MARGIN, 2.0)
MS = 1000
SCORERS = ("quality", "quality + taste", "popularity")
# Triage has no clock of its own; the taste does not depend on it.
NOW = datetime(2016, 10, 17, tzinfo=UTC)


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


def quality_report(data: MovieLens, margins: Iterable[float]) -> QualityReport:
    """Score every user's later-rated titles and compare the scorers."""
    votes_of: dict[int, list[float]] = defaultdict(list)
    for rating in data.ratings:
        votes_of[rating.movie].append(rating.rating)
    mean = statistics.fmean(rating.rating for rating in data.ratings) * 2
    weights = replace(DEFAULT_WEIGHTS, prior_mean=mean, prior_votes=BENCH_PRIOR_VOTES)
    titles = {identity(movie): title_info(info) for movie, info in data.movies.items()}
    aucs: dict[str, list[float]] = {name: [] for name in SCORERS}
    pooled: list[tuple[float, bool]] = []
    for user, plays in plays_by_user(data.plays).items():
        cut = int(len(plays) * HISTORY_SHARE)
        later = [
            play
            for play in plays[cut:]
            if play.rating >= LIKED or play.rating <= DISLIKED
        ]
        if len({play.rating >= LIKED for play in later}) < 2:
            continue
        triager = Triager(
            Household(
                now=NOW,
                titles=titles,
                viewers=learn_viewers(
                    [engine_play(play) for play in plays[:cut]], titles, weights
                ),
            ),
            Policy(),
            weights,
        )
        scores: dict[str, list[tuple[float, bool]]] = {name: [] for name in SCORERS}
        for play in later:
            others = len(votes_of[play.movie]) - 1
            voted = replace(
                titles[identity(play.movie)],
                vote_average=(sum(votes_of[play.movie]) - play.rating) / others * 2
                if others
                else 0.0,
                vote_count=others,
            )
            liked = play.rating >= LIKED
            title_score = triager.title_score(str(user), voted)
            scores["quality"].append((quality(voted, weights), liked))
            scores["quality + taste"].append((title_score, liked))
            scores["popularity"].append((float(others), liked))
            pooled.append((title_score - mean, liked))
        for name, pairs in scores.items():
            aucs[name].append(
                auc(
                    [score for score, liked in pairs if liked],
                    [score for score, liked in pairs if not liked],
                )
            )
    return QualityReport(
        users=len(aucs["quality"]),
        auc={name: statistics.fmean(values) for name, values in aucs.items()},
        approvals=tuple((margin, *_precision(pooled, margin)) for margin in margins),
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


def speed_report(scale: str = "large") -> tuple[int, int, float, float]:
    """Return plays, pending requests, and the median CPU seconds to learn and to triage."""
    household, plays, pending = world_household(World(scale, seed=1))
    learning, deciding = [], []
    for _ in range(SPEED_RUNS):
        started = time.process_time()
        viewers = learn_viewers(plays, household.titles)
        learnt = time.process_time()
        triage(replace(household, viewers=viewers), pending, Policy())
        learning.append(learnt - started)
        deciding.append(time.process_time() - learnt)
    return (
        len(plays),
        len(pending),
        statistics.median(learning),
        statistics.median(deciding),
    )


def main() -> None:
    """Print the benchmark's numbers as README table rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quality", action="store_true", help="MovieLens AUC and precision"
    )
    parser.add_argument("--speed", action="store_true", help="engine time at large")
    args = parser.parse_args()
    if args.quality or not args.speed:
        report = quality_report(load(), MARGINS)
        print(f"MovieLens users with liked and disliked later titles: {report.users}")
        for name, value in report.auc.items():
            print(f"| AUC, {name} | {value:.3f} |")
        for margin, precision, share in report.approvals:
            print(
                f"| approve at prior mean + {margin:.1f} | precision {precision:.3f},"
                f" approves {share:.1%} |"
            )
    if args.speed or not args.quality:
        plays, pending, learning, deciding = speed_report()
        print(
            f"| learn {plays:,} plays (once per history sync) | {learning * MS:.0f} ms |"
        )
        print(f"| triage {pending} pending requests | {deciding * MS:.0f} ms |")


if __name__ == "__main__":
    main()
