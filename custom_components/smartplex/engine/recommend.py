"""Recommendations: candidates from the outside world's item graph of a taste profile's seeds.

A household's own history is too small to find new titles (on MovieLens it scores no better
than popularity), so candidates come from an item graph: TMDB's recommendations and similar
titles in production, a graph trained on other people in the benchmark, both behind the
ItemGraph protocol. Each candidate sums, over the seeds that point at it, the seed's weight
(recency and completion) times the edge weight; taste (genres, keywords, people), quality
and popularity re-rank; filters drop what is owned, requested, excluded, dismissed, already
watched, below the quality floor or unreleased. Trending titles fill in for a cold start.
Every result carries its named features and one line a person can read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import math
from typing import Literal, Protocol

from .models import Decision, Feature, Identity, MediaType, Score, TitleInfo
from .profile import Seed, TasteProfile

RECOMMEND: Literal["recommend"] = "recommend"
# Seeds asked of the graph per call: TMDB costs a request per seed on a cold cache.
MAX_SEEDS = 10
DEFAULT_MIN_VOTES = 50
DEFAULT_MIN_RATING = 6.0
# Bayesian shrinkage of the vote average: a title with few votes counts as the mean.
PRIOR_VOTES = 50
PRIOR_RATING = 6.5

# Feature weights: the graph generates and dominates; taste and quality re-rank.
W_GRAPH = 1.0
W_TASTE = 0.15
W_QUALITY = 0.05
W_POPULARITY = 0.05
W_TRENDING = 0.5


class ItemGraph(Protocol):
    """Titles related to a title, most related first, with a weight (higher: closer)."""

    def neighbours(self, identity: Identity) -> Sequence[tuple[Identity, float]]:
        """Return the titles related to `identity` (none when unknown)."""


@dataclass(frozen=True, slots=True)
class MappingGraph:
    """An item graph held in memory: the cached TMDB lists, or a test's hand-made edges."""

    edges: Mapping[Identity, Sequence[tuple[Identity, float]]]

    def neighbours(self, identity: Identity) -> Sequence[tuple[Identity, float]]:
        """Return the stored neighbours."""
        return self.edges.get(identity, ())


def ranked_edges(identities: Sequence[Identity]) -> tuple[tuple[Identity, float], ...]:
    """Weigh a ranked list (TMDB recommendations) by rank: 1, 1/sqrt(2), 1/sqrt(3), ..."""
    return tuple(
        (identity, 1 / math.sqrt(rank))
        for rank, identity in enumerate(dict.fromkeys(identities), start=1)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendOptions:
    """What to recommend and what to leave out."""

    count: int = 10
    media_type: MediaType | None = None
    genre: str | None = None
    like: Identity | None = None  # "titles like this one": it becomes the only seed
    exclude: Collection[Identity] = ()  # owned, requested, excluded, dismissed
    within: Collection[Identity] | None = (
        None  # only these (the library: what to watch)
    )
    exclude_watched: bool = True
    min_votes: int = DEFAULT_MIN_VOTES
    min_rating: float = DEFAULT_MIN_RATING
    include_unreleased: bool = False
    max_seeds: int = MAX_SEEDS


def recommend(
    profile: TasteProfile,
    graph: ItemGraph,
    titles: Mapping[Identity, TitleInfo],
    options: RecommendOptions,
    *,
    popularity: Mapping[Identity, float] | None = None,
    trending: Sequence[Identity] = (),
    names: Mapping[str, str] | None = None,
) -> list[Decision[Literal["recommend"]]]:
    """Return the best `count` titles for a profile, best first, each with its reasons.

    `titles` holds what is known of seeds and candidates (a candidate without it is
    kept only when no quality floor applies); `popularity` maps titles to a 0..1
    percentile; `trending` is the cold-start fallback, most trending first.
    """
    seeds = seeds_for(profile, options)
    total_weight = sum(seed.weight for seed in seeds) or 1.0
    graph_scores: dict[Identity, float] = defaultdict(float)
    because: dict[Identity, tuple[float, Seed]] = {}
    for seed in seeds:
        for identity, edge in graph.neighbours(seed.identity):
            pull = seed.weight * edge / total_weight
            graph_scores[identity] += pull
            if identity not in because or pull > because[identity][0]:
                because[identity] = (pull, seed)
    # On a 0..1 scale, so the re-ranking weights mean the same whatever graph is used.
    strongest = max(graph_scores.values(), default=0.0) or 1.0
    trending_rank = {
        identity: rank for rank, identity in enumerate(dict.fromkeys(trending))
    }
    candidates = dict.fromkeys([*graph_scores, *trending_rank])
    popularity = popularity or {}
    scored: list[tuple[float, Identity, Score]] = []
    for identity in candidates:
        info = titles.get(identity)
        if not _allowed(identity, info, profile, options):
            continue
        features = [
            Feature(
                "similar_to_watched",
                graph_scores.get(identity, 0.0) / strongest,
                W_GRAPH,
            ),
            Feature("taste", _taste(profile, info), W_TASTE),
            Feature("quality", _quality(info), W_QUALITY),
            Feature("popularity", popularity.get(identity, 0.0), W_POPULARITY),
        ]
        if identity in trending_rank:
            features.append(
                Feature("trending", 1 / (1 + trending_rank[identity]), W_TRENDING)
            )
        score = Score(tuple(features))
        scored.append((-score.total, identity, score))
    decisions: list[Decision[Literal["recommend"]]] = []
    # Only the shown titles need a reason.
    for _, identity, score in sorted(scored)[: options.count]:
        source = because[identity][1] if identity in because else None
        decisions.append(
            Decision(
                identity=identity,
                action=RECOMMEND,
                score=score,
                reason=_reason(
                    source, profile, titles.get(identity), titles, names or {}
                ),
                evidence=(str(source.identity),) if source else (),
            )
        )
    return decisions


def seeds_for(profile: TasteProfile, options: RecommendOptions) -> list[Seed]:
    """Return the seeds to expand: the `like` title alone, or the heaviest of the media type."""
    if options.like is not None:
        known = profile.seed(options.like)
        return [
            Seed(
                identity=options.like,
                weight=1.0,
                plays=known.plays if known else 0,
                completion=known.completion if known else 0.0,
                finished=known.finished if known else False,
                last_played=known.last_played if known else profile.now,
                users=known.users if known else (),
            )
        ]
    seeds = [
        seed
        for seed in profile.seeds
        if options.media_type is None or seed.identity.media_type == options.media_type
    ]
    return seeds[: options.max_seeds]


def _allowed(
    identity: Identity,
    info: TitleInfo | None,
    profile: TasteProfile,
    options: RecommendOptions,
) -> bool:
    """Return whether a candidate passes every filter."""
    if options.media_type is not None and identity.media_type != options.media_type:
        return False
    if identity in options.exclude or identity == options.like:
        return False
    if options.within is not None and identity not in options.within:
        return False
    if options.exclude_watched and profile.seed(identity) is not None:
        return False
    if info is None:
        return not (options.genre or options.min_votes or options.min_rating)
    if options.genre and options.genre.casefold() not in {
        genre.casefold() for genre in info.genres
    }:
        return False
    if info.vote_count < options.min_votes or (
        options.min_rating and info.vote_average < options.min_rating
    ):
        return False
    return (
        options.include_unreleased
        or info.release_date is None
        or info.release_date <= profile.now
    )


def _taste(profile: TasteProfile, info: TitleInfo | None) -> float:
    """Return how well a title fits the profile's genres, keywords and people (0..1)."""
    if info is None:
        return 0.0
    match = profile.match(info)
    return 0.5 * match["genres"] + 0.25 * match["keywords"] + 0.25 * match["people"]


def _quality(info: TitleInfo | None) -> float:
    """Return the vote average shrunk toward the mean by vote count, scaled to 0..1."""
    if info is None or not info.vote_count:
        return 0.0
    votes = info.vote_count
    shrunk = (votes * info.vote_average + PRIOR_VOTES * PRIOR_RATING) / (
        votes + PRIOR_VOTES
    )
    return shrunk / 10


def _reason(
    seed: Seed | None,
    profile: TasteProfile,
    info: TitleInfo | None,
    titles: Mapping[Identity, TitleInfo],
    names: Mapping[str, str],
) -> str:
    """Return one line: the seed that pulled the title in, and the taste it fits."""
    genre = _shared_genre(profile, info)
    if seed is None:
        return f"Trending now; you watch {genre.lower()}" if genre else "Trending now"
    seed_info = titles.get(seed.identity)
    seed_title = seed_info.title if seed_info else str(seed.identity)
    if not seed.users:
        line = f"Because you asked for titles like {seed_title}"
        return f"{line} and watch {genre.lower()}" if genre else line
    verb = "finished" if seed.finished else "watched"
    ago = _ago(seed.last_played, profile.now)
    line = f"Because {_who(seed.users, names)} {verb} {seed_title} {ago}"
    if not genre:
        return line
    return f"{line} and {'watch' if len(seed.users) > 1 else 'watches'} {genre.lower()}"


def _shared_genre(profile: TasteProfile, info: TitleInfo | None) -> str | None:
    """Return the candidate's genre the profile likes most."""
    if info is None or not info.genres:
        return None
    genre = max(info.genres, key=lambda name: profile.share("genres", name))
    return genre if profile.share("genres", genre) > 0 else None


def _who(users: Sequence[str], names: Mapping[str, str]) -> str:
    """Name who watched: one name, two joined by 'and', or the first and how many more."""
    named = [names.get(user, user) for user in users]
    if len(named) == 1:
        return named[0]
    if len(named) == 2:
        return f"{named[0]} and {named[1]}"
    return f"{named[0]} and {len(named) - 1} others"


def _ago(when: datetime, now: datetime) -> str:
    """Say how long ago, in days, weeks or months."""
    days = max((now - when).days, 0)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 21:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"
