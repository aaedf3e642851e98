"""What SmartPlex recommended to whom, and what became of it (shown, dismissed, added, watched).

The engine learns from it whether its picks get watched, and never suggests a dismissed
title to that user again. These functions run in the executor on the store's connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
import sqlite3

from custom_components.smartplex.engine.models import Decision, Identity

HOUSEHOLD = ""  # the user key of recommendations made for everyone


class RecommendationState(StrEnum):
    """Where a recommendation stands for a user."""

    SHOWN = "shown"
    DISMISSED = "dismissed"
    ADDED = "added"
    WATCHED = "watched"


def record_shown(
    connection: sqlite3.Connection,
    user: str,
    decisions: Iterable[Decision[str]],
    now: datetime,
) -> None:
    """Remember titles shown to a user (a title already dismissed, added or watched keeps its state)."""
    connection.executemany(
        "INSERT INTO recommendations (user, media_type, tmdb_id, state, score, reason,"
        " first_shown, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (user, media_type, tmdb_id) DO UPDATE SET score = excluded.score,"
        " reason = excluded.reason, updated = excluded.updated",
        [
            (
                user,
                decision.identity.media_type,
                decision.identity.tmdb_id,
                RecommendationState.SHOWN,
                decision.score.total,
                decision.reason,
                int(now.timestamp()),
                int(now.timestamp()),
            )
            for decision in decisions
        ],
    )


def set_state(
    connection: sqlite3.Connection,
    user: str,
    identity: Identity,
    state: RecommendationState,
    now: datetime,
) -> None:
    """Move a user's recommendation to a state (a title never shown is recorded too)."""
    connection.execute(
        "INSERT INTO recommendations (user, media_type, tmdb_id, state, score, reason,"
        " first_shown, updated) VALUES (?, ?, ?, ?, NULL, NULL, NULL, ?)"
        " ON CONFLICT (user, media_type, tmdb_id) DO UPDATE SET state = excluded.state,"
        " updated = excluded.updated",
        (user, identity.media_type, identity.tmdb_id, state, int(now.timestamp())),
    )


def titles_in_state(
    connection: sqlite3.Connection, user: str, state: RecommendationState
) -> set[Identity]:
    """Return the titles in a state for a user (the household's count for everyone)."""
    return {
        Identity(media_type, tmdb_id)
        for media_type, tmdb_id in connection.execute(
            "SELECT media_type, tmdb_id FROM recommendations"
            " WHERE user IN (?, ?) AND state = ?",
            (user, HOUSEHOLD, state),
        )
    }
