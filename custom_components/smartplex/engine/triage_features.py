"""Request triage, the score's features: what a title, the requester and the household say.

Quality is the TMDB vote average shrunk toward the mean by its vote count; taste is what
a person finishes more (or less) often than they usually do, per genre, keyword, person,
decade and language; follow-through is how much of what they requested they watched.
The weights were measured on MovieLens (bench/triage.py, numbers in the README). Pure and
deterministic: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .models import Identity, Play, RequestRecord, Score, TitleInfo

GIGABYTE = 1_000_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Weights:
    """How much each feature moves the score (points out of 10)."""

    # TMDB's mean vote and a prior worth this many votes: a title with 3 votes of 10
    # counts as about average, one with 3,000 as what its voters say.
    prior_mean: float = 6.5
    prior_votes: float = 50.0
    # Widely seen titles disappoint less often (bench: +.005 AUC at .1 per e-fold).
    popularity: float = 0.1
    # Leanings are deviations of the requester's finish rate (0..1) per attribute;
    # these turn a fully consistent leaning into points (genre and decade measured).
    genre: float = 8.0
    decade: float = 3.0
    keyword: float = 3.0
    person: float = 3.0
    language: float = 2.0
    # Pseudo-count: an attribute seen in few titles says little.
    leaning_prior: float = 5.0
    # Request-to-watch ratio, shrunk toward one half; +-1.5 points at the extremes.
    follow_through: float = 3.0
    # Per other household member whose taste fits, up to a cap.
    household: float = 0.3
    household_cap: int = 3
    owned: float = -3.0
    no_space: float = -10.0
    over_quota: float = -10.0


DEFAULT_WEIGHTS = Weights()
# How many of the requester's latest fulfilled requests the ratio looks at.
FOLLOW_THROUGH_WINDOW = 10
# A fulfilled request gets this long to be watched before it counts as not watched.
FOLLOW_THROUGH_GRACE = timedelta(days=14)
# An affinity above this many points counts a household member as "would watch".
WOULD_WATCH = 0.3
PEOPLE_PER_TITLE = 5
# A taste is learnt from this many titles last played: enough for a stable leaning,
# and it follows a changing taste and keeps triage fast on long histories.
TASTE_TITLES = 300


@dataclass(frozen=True, slots=True)
class Taste:
    """What a person finishes more (or less) often than they usually do, per attribute."""

    leanings: Mapping[tuple[str, str], float]
    titles: int


@dataclass(frozen=True, slots=True)
class Viewer:
    """What one person played (finished or not, last played last) and their taste."""

    outcome: Mapping[Identity, bool]
    taste: Taste
    # What it was learnt from (history_fingerprint): the same again needs no relearning.
    fingerprint: Hashable = None


@dataclass(frozen=True, slots=True)
class FollowThrough:
    """Of the requester's latest fulfilled requests, how many they watched."""

    fulfilled: int
    watched: int

    @property
    def ratio(self) -> float:
        """Return the share watched, shrunk toward one half (Laplace)."""
        return (self.watched + 1) / (self.fulfilled + 2)


@dataclass(frozen=True, slots=True)
class RequestQuota:
    """A requester's Overseerr quota for one media type: movies, or seasons of series."""

    limit: int
    used: int
    days: int

    @property
    def exceeded(self) -> bool:
        """Return whether more was requested than the quota allows (limit 0: none).

        Overseerr's `used` already counts the pending requests, this one included, so
        a request that fills the quota exactly is still within it.
        """
        return self.limit > 0 and self.used > self.limit


@dataclass(frozen=True, slots=True)
class Scored:
    """A request's score with what explains it."""

    score: Score
    evidence: tuple[str, ...]
    follow_through: FollowThrough
    strongest: tuple[str, str] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Household:
    """Everything triage looks at, taken at one moment."""

    now: datetime
    titles: Mapping[Identity, TitleInfo]
    # Per person (user id), from learn_viewers over the watch history.
    viewers: Mapping[str, Viewer] = field(default_factory=dict)
    # Every request known, any status, anyone's (past ones give the ratio).
    requests: Sequence[RequestRecord] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    owned: frozenset[Identity] = frozenset()
    # Free bytes where each media type goes; a type left out is not checked.
    free_bytes: Mapping[str, int] = field(default_factory=dict)
    # Typical size of a movie and of one season, from the library.
    movie_bytes: int = 8 * GIGABYTE
    season_bytes: int = 15 * GIGABYTE
    # Each requester's Overseerr quotas by (user id, media type); absent: not known.
    quotas: Mapping[tuple[str, str], RequestQuota] = field(default_factory=dict)
    # When SmartPlex approved each user's requests automatically (for the caps).
    auto_approvals: Mapping[str, Sequence[datetime]] = field(default_factory=dict)


def quality(title: TitleInfo, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """Return the vote average shrunk toward the prior mean by the vote count."""
    votes = max(title.vote_count, 0)
    average = min(max(title.vote_average, 0.0), 10.0) if votes else 0.0
    return (average * votes + weights.prior_mean * weights.prior_votes) / (
        votes + weights.prior_votes
    )


def attributes(title: TitleInfo) -> list[tuple[str, str]]:
    """Return the (kind, value) pairs a taste is learnt over."""
    found = [("genre", genre.casefold()) for genre in title.genres]
    found += [("keyword", keyword.casefold()) for keyword in title.keywords]
    found += [
        ("person", person.casefold()) for person in title.people[:PEOPLE_PER_TITLE]
    ]
    if title.year:
        found.append(("decade", f"{title.year // 10 * 10}s"))
    if title.language:
        found.append(("language", title.language.casefold()))
    return found


def finished_titles(plays: Iterable[Play]) -> dict[Identity, bool]:
    """Return each title a person played (last played last) and whether they finished it.

    Plays come in time order; any finished episode counts as finishing a series.
    """
    outcome: dict[Identity, bool] = {}
    for play in plays:
        if (identity := play.identity) is not None:
            outcome[identity] = outcome.pop(identity, False) or play.finished
    return outcome


def learn_taste(
    outcome: Mapping[Identity, bool],
    titles: Mapping[Identity, TitleInfo],
    weights: Weights = DEFAULT_WEIGHTS,
    attributes_of: Callable[[TitleInfo], Sequence[tuple[str, str]]] = attributes,
) -> Taste:
    """Learn leanings from the latest titles: per attribute, the finish rate's deviation."""
    known = [(titles[key], done) for key, done in outcome.items() if key in titles]
    known = known[-TASTE_TITLES:]
    if not known:
        return Taste({}, 0)
    base = sum(done for _, done in known) / len(known)
    sums: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for title, done in known:
        for attribute in attributes_of(title):
            sums[attribute] += done - base
            counts[attribute] += 1
    return Taste(
        {
            attribute: total / (counts[attribute] + weights.leaning_prior)
            for attribute, total in sums.items()
        },
        len(known),
    )


def affinity(
    taste: Taste,
    title: TitleInfo,
    weights: Weights = DEFAULT_WEIGHTS,
    attributes_of: Callable[[TitleInfo], Sequence[tuple[str, str]]] = attributes,
) -> tuple[float, tuple[str, str] | None]:
    """Return how many points the person's taste adds, and the attribute that matters most."""
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for attribute in attributes_of(title):
        by_kind[attribute[0]].append(attribute)
    points = 0.0
    strongest: tuple[str, str] | None = None
    strongest_points = 0.0
    for kind, found in by_kind.items():
        weight: float = getattr(weights, kind) / len(found)
        for attribute in found:
            part = weight * taste.leanings.get(attribute, 0.0)
            points += part
            if abs(part) > abs(strongest_points):
                strongest, strongest_points = attribute, part
    return points, strongest


def follow_through(
    requests: Iterable[RequestRecord],
    outcome: Mapping[Identity, bool],
    now: datetime,
    window: int = FOLLOW_THROUGH_WINDOW,
) -> FollowThrough:
    """Count how many of the latest fulfilled requests the requester finished.

    A request is fulfilled once available; it counts after a grace period, or earlier
    once watched, so a film that arrived yesterday is not held against anyone.
    """
    fulfilled = sorted(
        (
            request
            for request in requests
            if request.available is not None
            and (
                outcome.get(request.identity)
                or request.available <= now - FOLLOW_THROUGH_GRACE
            )
        ),
        key=lambda request: (request.created, request.request_id),
        reverse=True,
    )[:window]
    return FollowThrough(
        len(fulfilled),
        sum(bool(outcome.get(request.identity)) for request in fulfilled),
    )


def estimated_bytes(request: RequestRecord, household: Household) -> int:
    """Return the disk space a request will take, from the library's typical sizes."""
    if request.identity.media_type == "movie":
        return household.movie_bytes
    return household.season_bytes * max(len(request.seasons), 1)


def history_fingerprint(
    plays: Sequence[Play], titles: Mapping[Identity, TitleInfo]
) -> Hashable:
    """Return what changes when a person's plays (or the titles known) change.

    Cheap next to learning: counts and the last play, plus how many titles are known
    (a library or metadata loaded later adds some).
    """
    last = plays[-1]
    return (
        len(plays),
        sum(play.identity is not None for play in plays),
        last.started,
        last.identity,
        last.percent_complete,
        len(titles),
    )


def learn_viewers(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    weights: Weights = DEFAULT_WEIGHTS,
    known: Mapping[str, Viewer] | None = None,
) -> dict[str, Viewer]:
    """Learn every person's outcomes and taste in one pass over the plays (time order).

    This is the costly part (a second at 200,000 plays): a person whose history has the
    same fingerprint as in `known` (the last result) keeps their viewer.
    """
    plays_by_user: dict[str, list[Play]] = defaultdict(list)
    for play in plays:
        plays_by_user[play.user_id].append(play)
    cache: dict[Identity, list[tuple[str, str]]] = {}

    def cached_attributes(title: TitleInfo) -> list[tuple[str, str]]:
        if (found := cache.get(title.identity)) is None:
            found = cache[title.identity] = attributes(title)
        return found

    viewers = {}
    for user, own in sorted(plays_by_user.items()):
        fingerprint = history_fingerprint(own, titles)
        if known and (same := known.get(user)) and same.fingerprint == fingerprint:
            viewers[user] = same
            continue
        outcome = finished_titles(own)
        viewers[user] = Viewer(
            outcome,
            learn_taste(outcome, titles, weights, cached_attributes),
            fingerprint,
        )
    return viewers


type LearntViewers = tuple[Hashable, dict[str, Viewer]]


def relearn_viewers(
    plays: Sequence[Play],
    titles: Mapping[Identity, TitleInfo],
    last: LearntViewers | None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> LearntViewers:
    """Return the whole history's fingerprint and every viewer, from the last result.

    An unchanged history takes one pass over the plays; otherwise only the people
    whose own history changed are learnt again.
    """
    fingerprint = history_fingerprint(plays, titles) if plays else None
    if last is not None and last[0] == fingerprint:
        return last
    known = last[1] if last is not None else None
    return fingerprint, learn_viewers(plays, titles, weights, known)


NO_VIEWER = Viewer({}, Taste({}, 0))
