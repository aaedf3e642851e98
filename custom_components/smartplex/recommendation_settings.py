"""The hub's recommendation options: auto-add's daily cap and minimum score, the quality floor.

Stored under `recommendations` in the hub's options, where actions/recommend.py
(quality_floor) and actions/autoadd.py (autopilot_limits) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from .action_fields import WholeNumber
from .actions.autoadd import (
    CONF_DAILY_CAP as CONF_AUTO_ADD_CAP,
    CONF_MIN_SCORE,
    DEFAULT_DAILY_CAP,
    DEFAULT_MIN_SCORE,
)
from .actions.recommend import CONF_MIN_RATING, CONF_MIN_VOTES, CONF_RECOMMENDATIONS
from .engine.recommend import DEFAULT_MIN_RATING, DEFAULT_MIN_VOTES

MAX_AUTO_ADD_CAP = 20
MAX_MIN_SCORE = 10.0
MAX_MIN_VOTES = 100_000


def _box(maximum: float, step: float) -> NumberSelector:
    """Return a number box from 0 to maximum."""
    return NumberSelector(
        NumberSelectorConfig(min=0, max=maximum, step=step, mode=NumberSelectorMode.BOX)
    )


RECOMMENDATIONS_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_AUTO_ADD_CAP): _box(MAX_AUTO_ADD_CAP, 1),
        vol.Optional(CONF_MIN_SCORE): _box(MAX_MIN_SCORE, 0.05),
        vol.Optional(CONF_MIN_VOTES): _box(MAX_MIN_VOTES, 1),
        vol.Optional(CONF_MIN_RATING): _box(10, 0.1),
    }
)
VALIDATORS = {
    CONF_AUTO_ADD_CAP: vol.All(WholeNumber(), vol.Range(min=0, max=MAX_AUTO_ADD_CAP)),
    CONF_MIN_SCORE: vol.All(vol.Coerce(float), vol.Range(min=0, max=MAX_MIN_SCORE)),
    CONF_MIN_VOTES: vol.All(WholeNumber(), vol.Range(min=0, max=MAX_MIN_VOTES)),
    CONF_MIN_RATING: vol.All(vol.Coerce(float), vol.Range(min=0, max=10)),
}


def recommendation_values(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the recommendation options as the form shows them (defaults filled in)."""
    saved = options.get(CONF_RECOMMENDATIONS) or {}
    return {
        CONF_AUTO_ADD_CAP: saved.get(CONF_AUTO_ADD_CAP, DEFAULT_DAILY_CAP),
        CONF_MIN_SCORE: saved.get(CONF_MIN_SCORE, DEFAULT_MIN_SCORE),
        CONF_MIN_VOTES: saved.get(CONF_MIN_VOTES, DEFAULT_MIN_VOTES),
        CONF_MIN_RATING: saved.get(CONF_MIN_RATING, DEFAULT_MIN_RATING),
    }


def validate_recommendations(
    data: Mapping[str, Any],
) -> tuple[dict[str, Any], str | None]:
    """Return the recommendation options as stored, or the error key of a bad number."""
    settings = {**recommendation_values({}), **data}
    try:
        return {key: check(settings[key]) for key, check in VALIDATORS.items()}, None
    except vol.Invalid:
        return {}, "invalid_recommendation_number"
