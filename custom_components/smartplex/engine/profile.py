"""Taste profiles: what a user (or a household) watches, weighted by recency and completion.

A seed is a title someone watched. Each play adds its completion (0..1) decayed by its age,
exp(-age / 90 days), so a finished binge outweighs an abandoned pilot, last week outweighs
last year, and a re-watch adds a second time. A series sums its episodes' plays under a
square root, so a 60-episode binge counts more than a film, but not 60 times more.

Facets (genres, keywords, people, decades, languages) are the seeds' weights summed over
the titles that carry them, as a share of all seed weight, each with the seeds that gave the
most of it as evidence. Pure and deterministic: `now` is passed in, ties sort by identity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import math

from .models import Identity, Play, TitleInfo

RECENCY_DAYS = 90.0
EVIDENCE_PER_FACET = 3
# People beyond the first few credits say little about taste (extras, bit parts).
PEOPLE_PER_TITLE = 8
FACETS = ("genres", "keywords", "people", "decades", "languages")


@dataclass(frozen=True, slots=True, kw_only=True)
class Seed:
    """A watched title and how much it says about taste."""

    identity: Identity
    weight: float
    plays: int  # every play counts, re-watches and episodes included
    completion: float  # the best single play's completion, 0..1
    finished: bool  # some play reached the end
    last_played: datetime
    users: tuple[str, ...]  # who watched it, sorted


@dataclass(frozen=True, slots=True, kw_only=True)
class Affinity:
    """A liked genre, keyword, person, decade or language, and the seeds behind it."""

    name: str
    share: float  # of all seed weight, 0..1
    evidence: tuple[Identity, ...]  # the seeds that gave the most, heaviest first


@dataclass(frozen=True, slots=True, kw_only=True)
class TasteProfile:
    """One user's or a household's taste at a moment."""

    users: tuple[str, ...]
    now: datetime
    seeds: tuple[Seed, ...]  # heaviest first
    genres: tuple[Affinity, ...] = ()
    keywords: tuple[Affinity, ...] = ()
    people: tuple[Affinity, ...] = ()
    decades: tuple[Affinity, ...] = ()
    languages: tuple[Affinity, ...] = ()
    _seed_index: dict[Identity, Seed] = field(init=False, repr=False, compare=False)
    _shares: dict[str, dict[str, float]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index seeds and facet shares for lookups."""
        object.__setattr__(
            self, "_seed_index", {seed.identity: seed for seed in self.seeds}
        )
        object.__setattr__(
            self,
            "_shares",
            {
                facet: {
                    affinity.name: affinity.share for affinity in getattr(self, facet)
                }
                for facet in FACETS
            },
        )

    @property
    def empty(self) -> bool:
        """Return whether nothing was watched (cold start)."""
        return not self.seeds

    def seed(self, identity: Identity) -> Seed | None:
        """Return the seed for a title, if it was watched."""
        return self._seed_index.get(identity)

    def share(self, facet: str, name: str) -> float:
        """Return the share of taste a facet value holds (0 when never watched)."""
        return self._shares[facet].get(name, 0.0)

    def match(self, info: TitleInfo) -> dict[str, float]:
        """Return how well a title fits each facet, 0..1 (genres: the mean share of its genres)."""
        genres = [self.share("genres", genre) for genre in info.genres]
        return {
            "genres": sum(genres) / len(genres) if genres else 0.0,
            "keywords": min(
                1.0, sum(self.share("keywords", word) for word in info.keywords)
            ),
            "people": min(
                1.0,
                sum(
                    self.share("people", person)
                    for person in info.people[:PEOPLE_PER_TITLE]
                ),
            ),
            "decades": self.share("decades", decade(info.year)) if info.year else 0.0,
            "languages": self.share("languages", info.language)
            if info.language
            else 0.0,
        }


def decade(year: int | None) -> str:
    """Return a year's decade as a facet value ("1990s")."""
    return f"{year - year % 10}s" if year else ""


def recency(age_seconds: float) -> float:
    """Return the decay of a play this old: 1 now, 1/e after 90 days."""
    return math.exp(-max(age_seconds, 0.0) / (RECENCY_DAYS * 86_400))


@dataclass(slots=True)
class _Tally:
    """What the plays of one title add up to while a profile is built."""

    last: datetime
    engagement: float = 0.0
    plays: int = 0
    best: float = 0.0
    watchers: set[str] = field(default_factory=set)


def build_profile(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
    users: Collection[str] | None = None,
) -> TasteProfile:
    """Build the taste of `users` (None: everyone in `plays`) from plays before `now`."""
    wanted = None if users is None else frozenset(users)
    # One accumulator per title, so each play hashes its identity once (at 200,000
    # plays the dataclass hash was most of the time).
    tally: dict[Identity, _Tally] = {}
    seen_users: set[str] = set()
    now_ts = now.timestamp()
    for play in plays:
        identity = play.identity
        if identity is None or play.started > now:
            continue
        if wanted is not None and play.user_id not in wanted:
            continue
        completion = min(max(play.percent_complete, 0), 100) / 100
        started = play.started
        if (title := tally.get(identity)) is None:
            title = tally[identity] = _Tally(started)
        title.engagement += completion * recency(now_ts - started.timestamp())
        title.plays += 1
        title.best = max(title.best, completion)
        title.last = max(title.last, started)
        title.watchers.add(play.user_id)
        seen_users.add(play.user_id)
    seeds = sorted(
        (
            Seed(
                identity=identity,
                weight=math.sqrt(title.engagement)
                if identity.media_type == "tv"
                else title.engagement,
                plays=title.plays,
                completion=title.best,
                finished=title.best >= 0.85,
                last_played=title.last,
                users=tuple(sorted(title.watchers)),
            )
            for identity, title in tally.items()
        ),
        key=lambda seed: (-seed.weight, seed.identity),
    )
    facets = _facets(seeds, titles)
    return TasteProfile(
        users=tuple(sorted(seen_users if wanted is None else wanted)),
        now=now,
        seeds=tuple(seeds),
        **facets,
    )


def profiles_by_user(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
) -> dict[str, TasteProfile]:
    """Build every user's profile in one pass over the plays; users sorted."""
    grouped: dict[str, list[Play]] = defaultdict(list)
    for play in plays:
        grouped[play.user_id].append(play)
    return {
        user: build_profile(grouped[user], titles, now=now, users=(user,))
        for user in sorted(grouped)
    }


_FACET_VALUES: dict[str, Callable[[TitleInfo], Iterable[str]]] = {
    "genres": lambda info: info.genres,
    "keywords": lambda info: info.keywords,
    "people": lambda info: info.people[:PEOPLE_PER_TITLE],
    "decades": lambda info: (decade(info.year),) if info.year else (),
    "languages": lambda info: (info.language,) if info.language else (),
}


def _facets(
    seeds: list[Seed], titles: Mapping[Identity, TitleInfo]
) -> dict[str, tuple[Affinity, ...]]:
    """Sum seed weights per facet value, as shares, with the heaviest seeds as evidence."""
    total = sum(seed.weight for seed in seeds) or 1.0
    result: dict[str, tuple[Affinity, ...]] = {}
    for facet, values_of in _FACET_VALUES.items():
        weights: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[Identity]] = defaultdict(list)
        for seed in seeds:  # heaviest first, so evidence lists fill in order
            info = titles.get(seed.identity)
            if info is None:
                continue
            for value in dict.fromkeys(values_of(info)):
                weights[value] += seed.weight
                if len(evidence[value]) < EVIDENCE_PER_FACET:
                    evidence[value].append(seed.identity)
        result[facet] = tuple(
            Affinity(name=name, share=weight / total, evidence=tuple(evidence[name]))
            for name, weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
        )
    return result
