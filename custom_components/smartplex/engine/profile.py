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
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import math
from typing import NamedTuple

from .models import Identity, Play, TitleInfo

RECENCY_DAYS = 90.0
EVIDENCE_PER_FACET = 3
# People beyond the first few credits say little about taste (extras, bit parts).
PEOPLE_PER_TITLE = 8
FACETS = ("genres", "keywords", "people", "decades", "languages")


# Seeds and tallies are named tuples: a household's profile builds 20,000 of each at
# `large`, and a frozen dataclass's __init__ took three times as long.
class Seed(NamedTuple):
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


class TitleTally(NamedTuple):
    """What some people's plays of one title add up to at a moment."""

    identity: Identity
    users: tuple[str, ...]  # whose plays, sorted
    engagement: float  # each play's completion times its recency, summed
    plays: int
    best: float  # the best single play's completion, 0..1
    last: float  # when the latest play started, POSIX seconds

    def merge(self, other: TitleTally) -> TitleTally:
        """Return the tally of both sets of plays (of the same title)."""
        return TitleTally(
            identity=self.identity,
            users=tuple(sorted({*self.users, *other.users})),
            engagement=self.engagement + other.engagement,
            plays=self.plays + other.plays,
            best=max(self.best, other.best),
            last=max(self.last, other.last),
        )


def tally_plays(plays: Iterable[Play], *, now: datetime) -> list[TitleTally]:
    """Add up the plays before `now` per person and title (store/taste.py does it in SQL)."""
    # Keyed by plain tuples: the Identity dataclass hashes in Python, and at 200,000
    # plays that hash was most of the time.
    sums: dict[tuple[str, str, int], list[float]] = {}
    now_ts = now.timestamp()
    for play in plays:
        identity = play.identity
        if identity is None:
            continue
        started = play.started.timestamp()
        if started > now_ts:
            continue
        completion = min(max(play.percent_complete, 0), 100) / 100
        key = (play.user_id, identity.media_type, identity.tmdb_id)
        if (row := sums.get(key)) is None:
            row = sums[key] = [0.0, 0, 0.0, started]
        row[0] += completion * recency(now_ts - started)
        row[1] += 1
        row[2] = max(row[2], completion)
        row[3] = max(row[3], started)
    return [
        TitleTally(
            identity=Identity(media_type, tmdb_id),  # type: ignore[arg-type]
            users=(user,),
            engagement=engagement,
            plays=int(count),
            best=best,
            last=last,
        )
        for (user, media_type, tmdb_id), (engagement, count, best, last) in sums.items()
    ]


def build_profile(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
    users: Collection[str] | None = None,
) -> TasteProfile:
    """Build the taste of `users` (None: everyone in `plays`) from plays before `now`."""
    if users is not None:
        wanted = frozenset(users)
        plays = (play for play in plays if play.user_id in wanted)
    return profile_from_tallies(
        tally_plays(plays, now=now), titles, now=now, users=users
    )


def profile_from_tallies(
    tallies: Iterable[TitleTally],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
    users: Collection[str] | None = None,
) -> TasteProfile:
    """Build the taste of everyone tallied (named `users` when given) from title tallies."""
    # Keyed by plain tuples: hashing the Identity dataclass runs in Python.
    merged: dict[tuple[str, int], TitleTally] = {}
    for tally in tallies:
        key = (tally.identity.media_type, tally.identity.tmdb_id)
        if (earlier := merged.get(key)) is not None:
            tally = earlier.merge(tally)
        merged[key] = tally
    seeds = [
        Seed(
            identity,
            math.sqrt(engagement) if identity.media_type == "tv" else engagement,
            plays,
            best,
            best >= 0.85,
            datetime.fromtimestamp(last, UTC),
            people,
        )
        for identity, people, engagement, plays, best, last in merged.values()
    ]
    seeds.sort(key=lambda seed: (-seed.weight, seed.identity))
    named = {user for seed in seeds for user in seed.users} if users is None else users
    return TasteProfile(
        users=tuple(sorted(named)),
        now=now,
        seeds=tuple(seeds),
        **_facets(seeds, titles),
    )


def profiles_by_user(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
) -> dict[str, TasteProfile]:
    """Build every user's profile from one tally of the plays; users sorted."""
    return profiles_from_tallies(tally_plays(plays, now=now), titles, now=now)


def profiles_from_tallies(
    tallies: Iterable[TitleTally],
    titles: Mapping[Identity, TitleInfo],
    *,
    now: datetime,
) -> dict[str, TasteProfile]:
    """Build every tallied user's profile (from tallies per person); users sorted."""
    grouped: dict[str, list[TitleTally]] = defaultdict(list)
    for tally in tallies:
        for user in tally.users:
            grouped[user].append(tally)
    return {
        user: profile_from_tallies(grouped[user], titles, now=now, users=(user,))
        for user in sorted(grouped)
    }


def _facets(
    seeds: list[Seed], titles: Mapping[Identity, TitleInfo]
) -> dict[str, tuple[Affinity, ...]]:
    """Sum seed weights per facet value, as shares, with the heaviest seeds as evidence."""
    total = sum(seed.weight for seed in seeds) or 1.0
    weights: dict[str, dict[str, float]] = {
        facet: defaultdict(float) for facet in FACETS
    }
    evidence: dict[str, dict[str, list[Identity]]] = {
        facet: defaultdict(list) for facet in FACETS
    }
    for seed in seeds:  # heaviest first, so evidence lists fill in order
        if (info := titles.get(seed.identity)) is None:
            continue
        for facet, values in (
            ("genres", info.genres),
            ("keywords", info.keywords),
            ("people", info.people[:PEOPLE_PER_TITLE]),
            ("decades", (decade(info.year),) if info.year else ()),
            ("languages", (info.language,) if info.language else ()),
        ):
            if not values:
                continue
            facet_weights, facet_evidence = weights[facet], evidence[facet]
            for value in dict.fromkeys(values) if len(values) > 1 else values:
                facet_weights[value] += seed.weight
                if len(shown := facet_evidence[value]) < EVIDENCE_PER_FACET:
                    shown.append(seed.identity)
    return {
        facet: tuple(
            Affinity(
                name=name, share=weight / total, evidence=tuple(evidence[facet][name])
            )
            for name, weight in sorted(
                weights[facet].items(), key=lambda kv: (-kv[1], kv[0])
            )
        )
        for facet in FACETS
    }
