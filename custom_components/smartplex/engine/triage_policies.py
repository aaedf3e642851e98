"""Request triage, the policies: the household's and each requester's rules, and caps.

Policies turn a score into approve, hold or decline: auto-approve above a score or for a
favourite genre or person, hold below, decline only when switched on and below a stricter
score, per-user daily and weekly caps on automatic approvals, and per-user exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .models import TitleInfo
from .triage_features import DEFAULT_WEIGHTS


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


# Approving from the prior mean plus this margin was right 9 times in 10 on MovieLens.
APPROVE_MARGIN = 1.6
# Declining (only when switched on) below the prior mean minus this margin.
DECLINE_MARGIN = 2.0


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


def favourite(
    policy: Policy, rules: UserPolicy, title: TitleInfo | None
) -> tuple[Rule, str] | None:
    """Return the favourite rule a title meets and the genre or person it names."""
    if title is None:
        return None
    for rule, names, wanted in (
        (
            Rule.FAVOURITE_GENRE,
            title.genres,
            policy.favourite_genres | rules.favourite_genres,
        ),
        (
            Rule.FAVOURITE_PERSON,
            title.people,
            policy.favourite_people | rules.favourite_people,
        ),
    ):
        for name in names:
            if name.casefold() in wanted:
                return rule, name
    return None


def cap_reached(
    policy: Policy, rules: UserPolicy, approvals: Iterable[datetime], now: datetime
) -> Rule | None:
    """Return the cap that keeps another automatic approval back, if any."""
    approvals = list(approvals)
    for rule, cap, window in (
        (Rule.DAILY_CAP, _tighter(rules.daily_cap, policy.daily_cap), 1),
        (Rule.WEEKLY_CAP, _tighter(rules.weekly_cap, policy.weekly_cap), 7),
    ):
        since = now - timedelta(days=window)
        if cap is not None and sum(when > since for when in approvals) >= cap:
            return rule
    return None


def _tighter(first: int | None, second: int | None) -> int | None:
    """Return the smaller of two caps, ignoring missing ones."""
    caps = [cap for cap in (first, second) if cap is not None]
    return min(caps) if caps else None


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
