"""Request triage: approve, hold or decline each pending request, with a score and a reason.

The score reads like a rating out of 10 that the requester would give the title: its
quality (TMDB vote average shrunk toward the mean by its vote count, plus a little for
being widely seen) moved up or down by what this requester actually finishes (genres,
keywords, people, decade, language), by whether they watch what they request, by how many
others in the household would watch it, and down for what makes the request wasteful or
impossible (already owned, too big for the free space, over the requester's quota).
Policies then turn the score into a decision. The features are in triage_features.py,
the rules in triage_policies.py, the sentences in triage_reasons.py; this module scores
and decides a household snapshot. Pure and deterministic: no I/O, no clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
import math

from .models import (
    Decision,
    Feature,
    Identity,
    RequestRecord,
    RequestStatus,
    Score,
    TitleInfo,
)
from .triage_features import (
    DEFAULT_WEIGHTS,
    GIGABYTE,
    NO_VIEWER,
    WOULD_WATCH,
    Household,
    Scored,
    Taste,
    Weights,
    affinity,
    attributes,
    estimated_bytes,
    follow_through,
    quality,
)
from .triage_policies import Action, Exception_, Policy, Rule, cap_reached, favourite
from .triage_reasons import (
    FIXED_REASONS,
    attribute_label,
    because,
    hold_reason,
    quota_label,
    quota_reason,
)

MAX_ALTERNATIVES = 3


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
                f"{attribute_label(strongest)}"
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
        quota = household.quotas.get((user, request.identity.media_type))
        over_quota = quota is not None and quota.exceeded
        if quota is not None and quota.limit:
            evidence.append(f"quota: {quota_label(quota, request.identity.media_type)}")
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
            quota = self.household.quotas[user, request.identity.media_type]
            reason = quota_reason(quota, request.identity.media_type)
            return Action.HOLD, Rule.QUOTA, reason
        favourite_rule = favourite(self.policy, rules, title)
        if favourite_rule is None and total < self.policy.approve_above:
            if self.policy.auto_decline and total < self.policy.decline_below:
                why = because(scored, title, self.weights, positive=False)
                return (
                    Action.DECLINE,
                    Rule.SCORE_DECLINE,
                    f"Declined: it scores {total:.1f} for you{why}.",
                )
            return (
                Action.HOLD,
                Rule.SCORE_HOLD,
                hold_reason(scored, title, self.policy.approve_above, self.weights),
            )
        approvals = [
            *self.household.auto_approvals.get(user, ()),
            *self._approved_now.get(user, ()),
        ]
        if cap := cap_reached(self.policy, rules, approvals, self.household.now):
            return Action.HOLD, cap, FIXED_REASONS[cap]
        if favourite_rule is not None:
            return (
                Action.APPROVE,
                favourite_rule[0],
                f"Approved: {favourite_rule[1]} is a favourite.",
            )
        why = because(scored, title, self.weights, positive=True)
        return (
            Action.APPROVE,
            Rule.SCORE_APPROVE,
            f"Approved: it scores {total:.1f} for you{why}.",
        )

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
