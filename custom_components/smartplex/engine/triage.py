"""Request triage: approve, hold or decline each pending request, with a score and a reason.

The score reads like a rating out of 10 that the requester would give the title: its
quality (TMDB vote average shrunk toward the mean by its vote count, plus a little for
being widely seen) moved up or down by what this requester actually finishes (genres,
keywords, people, decade, language), by whether they watch what they request, by how many
others in the household would watch it, and down for what makes the request wasteful or
impossible (already owned, too big for the free space, over the requester's quota).
Policies then turn the score into a decision; the weights were measured on MovieLens
(bench/triage.py, numbers in the README). Pure and deterministic: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
import math

from .models import (
    Decision,
    Feature,
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
    Score,
    TitleInfo,
)

GIGABYTE = 1_000_000_000


class Action(StrEnum):
    """What triage does with a request."""

    APPROVE = "approve"
    HOLD = "hold"
    DECLINE = "decline"


class Exception_(StrEnum):
    """A per-user exception that overrides the score."""

    ALWAYS_APPROVE = "always_approve"
    ALWAYS_ASK = "always_ask"


class Rule(StrEnum):
    """The policy that made a decision (kept with it, counted by the analytics)."""

    ALWAYS_APPROVE = "always_approve"
    ALWAYS_ASK = "always_ask"
    NO_SPACE = "not_enough_space"
    QUOTA = "quota"
    DAILY_CAP = "daily_cap"
    WEEKLY_CAP = "weekly_cap"
    FAVOURITE_GENRE = "favourite_genre"
    FAVOURITE_PERSON = "favourite_person"
    SCORE_APPROVE = "score_approve"
    SCORE_DECLINE = "score_decline"
    SCORE_HOLD = "score_hold"


FIXED_REASONS = {
    Rule.ALWAYS_APPROVE: "Approved: your requests are always approved.",
    Rule.ALWAYS_ASK: "Waits for approval: your requests are always checked by hand.",
    Rule.NO_SPACE: "Waits for approval: there is not enough free disk space for it.",
    Rule.QUOTA: "Waits for approval: you have used up your request quota.",
    Rule.DAILY_CAP: "Waits for approval: today's automatic approvals are used up.",
    Rule.WEEKLY_CAP: "Waits for approval: this week's automatic approvals are used up.",
}


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
# Approving from the prior mean plus this margin was right 9 times in 10 on MovieLens.
APPROVE_MARGIN = 1.6
# Declining (only when switched on) below the prior mean minus this margin.
DECLINE_MARGIN = 2.0
# How many of the requester's latest fulfilled requests the ratio looks at.
FOLLOW_THROUGH_WINDOW = 10
# A fulfilled request gets this long to be watched before it counts as not watched.
FOLLOW_THROUGH_GRACE = timedelta(days=14)
# An affinity above this many points counts a household member as "would watch".
WOULD_WATCH = 0.3
MAX_ALTERNATIVES = 3
PEOPLE_PER_TITLE = 5
# A taste is learnt from this many titles last played: enough for a stable leaning,
# and it follows a changing taste and keeps triage fast on long histories.
TASTE_TITLES = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class UserPolicy:
    """One requester's own rules (they add to the household's)."""

    favourite_genres: frozenset[str] = frozenset()
    favourite_people: frozenset[str] = frozenset()
    daily_cap: int | None = None
    weekly_cap: int | None = None
    exception: Exception_ | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The household's rules for turning scores into decisions."""

    approve_above: float = DEFAULT_WEIGHTS.prior_mean + APPROVE_MARGIN
    auto_decline: bool = False
    decline_below: float = DEFAULT_WEIGHTS.prior_mean - DECLINE_MARGIN
    favourite_genres: frozenset[str] = frozenset()
    favourite_people: frozenset[str] = frozenset()
    daily_cap: int | None = None
    weekly_cap: int | None = None
    # Keyed by the requester's user id or case-folded name.
    users: Mapping[str, UserPolicy] = field(default_factory=dict)

    def for_user(self, user_id: str, name: str) -> UserPolicy:
        """Return a requester's own rules (none: the defaults)."""
        return (
            self.users.get(user_id) or self.users.get(name.casefold()) or UserPolicy()
        )


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
    # Requests a user may still make in Overseerr (None or absent: no limit).
    quota_left: Mapping[str, int | None] = field(default_factory=dict)
    # When SmartPlex approved each user's requests automatically (for the caps).
    auto_approvals: Mapping[str, Sequence[datetime]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Triage:
    """The decision on one request, the rule that made it, and better-fitting titles."""

    request_id: int
    requested_by: str
    decision: Decision[Action]
    rule: Rule
    alternatives: tuple[TitleInfo, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the decision as response data."""
        decision = self.decision
        return {
            "request_id": self.request_id,
            "identity": str(decision.identity),
            "action": str(decision.action),
            "policy": str(self.rule),
            "score": round(decision.score.total, 2),
            "features": decision.score.as_dict(),
            "reason": decision.reason,
            "evidence": list(decision.evidence),
            "alternatives": [
                {
                    "identity": str(title.identity),
                    "title": title.title,
                    "year": title.year,
                }
                for title in self.alternatives
            ],
        }


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


def learn_viewers(
    plays: Iterable[Play],
    titles: Mapping[Identity, TitleInfo],
    weights: Weights = DEFAULT_WEIGHTS,
) -> dict[str, Viewer]:
    """Learn every person's outcomes and taste in one pass over the plays (time order).

    This is the costly part (a second at 200,000 plays): do it once per history sync
    and triage any number of requests against the result.
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
        outcome = finished_titles(own)
        viewers[user] = Viewer(
            outcome, learn_taste(outcome, titles, weights, cached_attributes)
        )
    return viewers


NO_VIEWER = Viewer({}, Taste({}, 0))


class Triager:
    """Scores and decides the requests of one household snapshot."""

    def __init__(
        self,
        household: Household,
        policy: Policy,
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> None:
        """Index the requests by person."""
        self.household = household
        self.policy = policy
        self.weights = weights
        self._attributes: dict[Identity, list[tuple[str, str]]] = {}
        self._requests_by_user: dict[str, list[RequestRecord]] = defaultdict(list)
        for request in household.requests:
            self._requests_by_user[request.requested_by].append(request)
        # Approvals decided in this run count toward the caps of the next requests.
        self._approved_now: dict[str, list[datetime]] = defaultdict(list)

    def outcome(self, user: str) -> Mapping[Identity, bool]:
        """Return the titles a person played and whether they finished each."""
        return self.household.viewers.get(user, NO_VIEWER).outcome

    def taste(self, user: str) -> Taste:
        """Return a person's taste."""
        return self.household.viewers.get(user, NO_VIEWER).taste

    def attributes(self, title: TitleInfo) -> list[tuple[str, str]]:
        """Return a title's attributes, worked out once per title."""
        if (found := self._attributes.get(title.identity)) is None:
            found = self._attributes[title.identity] = attributes(title)
        return found

    def affinity(
        self, user: str, title: TitleInfo
    ) -> tuple[float, tuple[str, str] | None]:
        """Return the points a person's taste adds to a title, and the strongest attribute."""
        return affinity(self.taste(user), title, self.weights, self.attributes)

    def name(self, user: str) -> str:
        """Return a person's display name."""
        return self.household.names.get(user, user)

    def score(self, request: RequestRecord) -> Scored:
        """Return the named features of a request's score and the evidence behind them."""
        household = self.household
        weights = self.weights
        title = household.titles.get(request.identity) or TitleInfo(
            identity=request.identity, title=str(request.identity)
        )
        user = request.requested_by
        evidence: list[str] = []
        title_quality = quality(title, weights)
        evidence.append(
            f"rated {title.vote_average:.1f}/10 by {title.vote_count} voters"
            if title.vote_count
            else "no votes yet"
        )
        taste_points, strongest = self.affinity(user, title)
        if strongest is not None and abs(taste_points) >= 0.05:
            evidence.append(
                f"{'finishes' if taste_points > 0 else 'rarely finishes'} "
                f"{_attribute_label(strongest)}"
            )
        ratio = follow_through(
            (
                earlier
                for earlier in self._requests_by_user.get(user, ())
                if earlier.request_id != request.request_id
            ),
            self.outcome(user),
            household.now,
        )
        if ratio.fulfilled:
            evidence.append(f"watched {ratio.watched} of {ratio.fulfilled} requests")
        others = sorted(
            other
            for other in self.household.viewers
            if other != user
            and request.identity not in self.outcome(other)
            and self.affinity(other, title)[0] > WOULD_WATCH
        )
        if others:
            evidence.append(
                "would suit " + ", ".join(self.name(other) for other in others)
            )
        owned = request.identity in household.owned
        if owned:
            evidence.append("already in the library")
        needed = estimated_bytes(request, household)
        free = household.free_bytes.get(request.identity.media_type)
        no_space = free is not None and needed > free
        if free is not None:
            evidence.append(
                f"needs about {needed / GIGABYTE:.0f} GB, {free / GIGABYTE:.0f} GB free"
            )
        quota_left = household.quota_left.get(user)
        over_quota = quota_left is not None and quota_left <= 0
        if over_quota:
            evidence.append("request quota used up")
        features = (
            Feature("quality", title_quality),
            Feature(
                "popularity", math.log1p(max(title.vote_count, 0)), weights.popularity
            ),
            Feature("affinity", taste_points),
            Feature(
                "follow_through",
                ratio.ratio - 0.5 if ratio.fulfilled else 0.0,
                weights.follow_through,
            ),
            Feature(
                "household",
                min(len(others), weights.household_cap),
                weights.household,
            ),
            Feature("owned", float(owned), weights.owned),
            Feature("space", float(no_space), weights.no_space),
            Feature("quota", float(over_quota), weights.over_quota),
        )
        return Scored(Score(features), tuple(evidence), ratio, strongest)

    def decide(self, request: RequestRecord) -> Triage:
        """Score a request and apply the policies to it."""
        scored = self.score(request)
        user = request.requested_by
        title = self.household.titles.get(request.identity)
        action, rule, reason = self._rule(request, scored, title)
        if action is Action.APPROVE:
            self._approved_now[user].append(self.household.now)
        return Triage(
            request_id=request.request_id,
            requested_by=user,
            decision=Decision(
                identity=request.identity,
                action=action,
                score=scored.score,
                reason=reason,
                evidence=scored.evidence,
            ),
            rule=rule,
        )

    def _rule(
        self, request: RequestRecord, scored: Scored, title: TitleInfo | None
    ) -> tuple[Action, Rule, str]:
        """Return the action, the rule that decides it and the reason, by precedence."""
        user = request.requested_by
        rules = self.policy.for_user(user, self.name(user))
        contributions = scored.score.as_dict()
        total = scored.score.total
        if rules.exception is Exception_.ALWAYS_ASK:
            return Action.HOLD, Rule.ALWAYS_ASK, FIXED_REASONS[Rule.ALWAYS_ASK]
        if rules.exception is Exception_.ALWAYS_APPROVE:
            return (
                Action.APPROVE,
                Rule.ALWAYS_APPROVE,
                FIXED_REASONS[Rule.ALWAYS_APPROVE],
            )
        if contributions["space"]:
            return Action.HOLD, Rule.NO_SPACE, FIXED_REASONS[Rule.NO_SPACE]
        if contributions["quota"]:
            return Action.HOLD, Rule.QUOTA, FIXED_REASONS[Rule.QUOTA]
        favourite = self._favourite(title, rules)
        if favourite is None and total < self.policy.approve_above:
            if self.policy.auto_decline and total < self.policy.decline_below:
                why = self._why(scored, title, positive=False)
                return (
                    Action.DECLINE,
                    Rule.SCORE_DECLINE,
                    f"Declined: it scores {total:.1f} for you{why}.",
                )
            return Action.HOLD, Rule.SCORE_HOLD, self._hold_reason(scored, title)
        if cap := self._cap_reached(user, rules):
            return Action.HOLD, cap, FIXED_REASONS[cap]
        if favourite is not None:
            return (
                Action.APPROVE,
                favourite[0],
                f"Approved: {favourite[1]} is a favourite.",
            )
        why = self._why(scored, title, positive=True)
        return (
            Action.APPROVE,
            Rule.SCORE_APPROVE,
            f"Approved: it scores {total:.1f} for you{why}.",
        )

    def _hold_reason(self, scored: Scored, title: TitleInfo | None) -> str:
        """Return why a request waits: the follow-through when it weighs, else the score."""
        ratio = scored.follow_through
        if scored.score.as_dict()["follow_through"] < 0:
            return (
                f"You finished {ratio.watched} of your last {ratio.fulfilled} "
                "requests; this one waits for approval."
            )
        return (
            f"Waits for approval: it scores {scored.score.total:.1f} for you, "
            f"below the {self.policy.approve_above:.1f} approved automatically"
            f"{self._why(scored, title, positive=False)}."
        )

    def _favourite(
        self, title: TitleInfo | None, rules: UserPolicy
    ) -> tuple[Rule, str] | None:
        """Return the favourite rule a title meets and the genre or person it names."""
        if title is None:
            return None
        for rule, names, wanted in (
            (
                Rule.FAVOURITE_GENRE,
                title.genres,
                self.policy.favourite_genres | rules.favourite_genres,
            ),
            (
                Rule.FAVOURITE_PERSON,
                title.people,
                self.policy.favourite_people | rules.favourite_people,
            ),
        ):
            for name in names:
                if name.casefold() in wanted:
                    return rule, name
        return None

    def _cap_reached(self, user: str, rules: UserPolicy) -> Rule | None:
        """Return the cap that keeps another automatic approval back, if any."""
        now = self.household.now
        approvals = [
            *self.household.auto_approvals.get(user, ()),
            *self._approved_now.get(user, ()),
        ]
        for rule, cap, window in (
            (Rule.DAILY_CAP, _tighter(rules.daily_cap, self.policy.daily_cap), 1),
            (Rule.WEEKLY_CAP, _tighter(rules.weekly_cap, self.policy.weekly_cap), 7),
        ):
            since = now - timedelta(days=window)
            if cap is not None and sum(when > since for when in approvals) >= cap:
                return rule
        return None

    def _why(self, scored: Scored, title: TitleInfo | None, positive: bool) -> str:
        """Return ' (because ...)' naming the feature that helped or hurt most."""
        contributions = scored.score.as_dict()
        candidates = {
            "quality": contributions["quality"] - self.weights.prior_mean,
            "affinity": contributions["affinity"],
            "follow_through": contributions["follow_through"],
            "owned": contributions["owned"],
        }
        name, value = (max if positive else min)(
            candidates.items(), key=lambda item: item[1]
        )
        if (value if positive else -value) < 0.05:
            return ""
        match name:
            case "quality":
                votes = title.vote_average if title else 0.0
                return f" ({'well' if positive else 'poorly'} rated: {votes:.1f}/10)"
            case "owned":
                return " (it is already in the library)"
            case "follow_through":
                habit = "often" if positive else "rarely"
                return f" (you {habit} watch what you request)"
        if scored.strongest is None:
            return ""
        habit = "often" if positive else "rarely"
        return f" (you {habit} finish {_attribute_label(scored.strongest)})"

    def alternatives(
        self,
        triage: Triage,
        candidates: Iterable[TitleInfo],
        limit: int = MAX_ALTERNATIVES,
    ) -> Triage:
        """Attach titles the requester is likelier to enjoy to a held or declined request.

        Only when the score (not a cap, quota or exception) kept it back; candidates
        already owned, requested or played by the requester are left out.
        """
        if triage.rule not in (Rule.SCORE_HOLD, Rule.SCORE_DECLINE):
            return triage
        user = triage.requested_by
        played = self.outcome(user)
        requested = {request.identity for request in self.household.requests}
        title = self.household.titles.get(triage.decision.identity)
        floor = self.title_score(user, title) if title else self.weights.prior_mean
        unique = {title.identity: title for title in candidates}
        better = sorted(
            (
                (points, title)
                for identity, title in unique.items()
                if identity not in self.household.owned
                and identity not in requested
                and identity not in played
                and identity != triage.decision.identity
                and (points := self.title_score(user, title)) > floor
            ),
            key=lambda item: (-item[0], item[1].identity),
        )
        return replace(triage, alternatives=tuple(title for _, title in better[:limit]))

    def title_score(self, user: str, title: TitleInfo) -> float:
        """Return quality plus taste: what a person would make of a title."""
        return (
            quality(title, self.weights)
            + self.weights.popularity * math.log1p(max(title.vote_count, 0))
            + self.affinity(user, title)[0]
        )


def _tighter(first: int | None, second: int | None) -> int | None:
    """Return the smaller of two caps, ignoring missing ones."""
    caps = [cap for cap in (first, second) if cap is not None]
    return min(caps) if caps else None


def _attribute_label(attribute: tuple[str, str]) -> str:
    """Return 'science fiction', 'films from the 1970s', 'films with Tom Hanks'."""
    kind, value = attribute
    match kind:
        case "decade":
            return f"titles from the {value}"
        case "person":
            return f"titles with {value.title()}"
        case "language":
            return f"titles in '{value}'"
        case "keyword":
            return f"titles about {value}"
    return value.title()


def triage(
    household: Household,
    pending: Iterable[RequestRecord],
    policy: Policy,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Triage]:
    """Decide every pending request of a household, oldest first."""
    triager = Triager(household, policy, weights)
    return [
        triager.decide(request)
        for request in sorted(
            pending, key=lambda request: (request.created, request.request_id)
        )
        if request.status is RequestStatus.PENDING
    ]


def names(text: str) -> frozenset[str]:
    """Return the case-folded names of a comma-separated list ("Drama, Tom Hanks")."""
    return frozenset(
        name.strip().casefold() for name in text.split(",") if name.strip()
    )


def parse_user_rules(text: str) -> dict[str, UserPolicy]:
    """Read one requester's rules per line; ValueError names the line it cannot read.

    `Ben: always ask`, `Anna: always approve`,
    `Carol: genres Animation, Family; people Hayao Miyazaki; daily 2; weekly 5`.
    """
    rules: dict[str, UserPolicy] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, spec = line.partition(":")
        if not colon or not name.strip() or not spec.strip():
            raise ValueError(f"line {number}: {line.strip()}")
        settings: dict[str, object] = {}
        for part in spec.split(";"):
            key, _, value = part.strip().partition(" ")
            match key.casefold(), value.strip():
                case "always", ("approve" | "ask") as which:
                    settings["exception"] = Exception_(f"always_{which}")
                case "genres", value if value:
                    settings["favourite_genres"] = names(value)
                case "people", value if value:
                    settings["favourite_people"] = names(value)
                case ("daily" | "weekly") as period, value if value.isdigit():
                    settings[f"{period}_cap"] = int(value)
                case _:
                    raise ValueError(f"line {number}: {part.strip()}")
        rules[name.strip().casefold()] = UserPolicy(**settings)  # type: ignore[arg-type]
    return rules
