"""Request triage, the reasons: one line a requester can read, naming what weighed most."""

from __future__ import annotations

from .models import TitleInfo
from .triage_features import RequestQuota, Scored, Weights
from .triage_policies import Rule

FIXED_REASONS = {
    Rule.ALWAYS_APPROVE: "Approved: your requests are always approved.",
    Rule.ALWAYS_ASK: "Waits for approval: your requests are always checked by hand.",
    Rule.NO_SPACE: "Waits for approval: there is not enough free disk space for it.",
    Rule.DAILY_CAP: "Waits for approval: today's automatic approvals are used up.",
    Rule.WEEKLY_CAP: "Waits for approval: this week's automatic approvals are used up.",
}


def hold_reason(
    scored: Scored, title: TitleInfo | None, approve_above: float, weights: Weights
) -> str:
    """Return why a request waits: the follow-through when it weighs, else the score."""
    ratio = scored.follow_through
    if scored.score.as_dict()["follow_through"] < 0:
        return (
            f"You finished {ratio.watched} of your last {ratio.fulfilled} "
            "requests; this one waits for approval."
        )
    return (
        f"Waits for approval: it scores {scored.score.total:.1f} for you, "
        f"below the {approve_above:.1f} approved automatically"
        f"{because(scored, title, weights, positive=False)}."
    )


def because(
    scored: Scored, title: TitleInfo | None, weights: Weights, *, positive: bool
) -> str:
    """Return ' (because ...)' naming the feature that helped or hurt most."""
    contributions = scored.score.as_dict()
    candidates = {
        "quality": contributions["quality"] - weights.prior_mean,
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
    return f" (you {habit} finish {attribute_label(scored.strongest)})"


def quota_label(quota: RequestQuota, media_type: str) -> str:
    """Return '6 movies requested, 5 allowed in 7 days' (series count seasons)."""
    unit = "movies" if media_type == "movie" else "seasons"
    return f"{quota.used} {unit} requested, {quota.limit} allowed in {quota.days} days"


def quota_reason(quota: RequestQuota, media_type: str) -> str:
    """Return why a request beyond the requester's Overseerr quota waits."""
    return (
        "Waits for approval: it goes beyond your request quota "
        f"({quota_label(quota, media_type)})."
    )


def attribute_label(attribute: tuple[str, str]) -> str:
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
