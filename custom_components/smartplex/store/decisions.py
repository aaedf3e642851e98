"""What SmartPlex recommended to whom, and what became of it (shown, dismissed, added, watched).

The engine learns from it whether its picks get watched, and never suggests a dismissed
title to that user again. These functions run in the executor on the store's connection.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum
import sqlite3
from typing import Any

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
    decisions: Iterable[Decision[Any]],
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


# The latest play of a remembered title since it was first shown, by its user (anyone
# for the household): a lookup in the plays_usage index per remembered title.
LAST_PLAYED = (
    "SELECT r.user, r.media_type, r.tmdb_id, r.state, (SELECT MAX(p.started) FROM plays p"
    " WHERE p.identity_type = r.media_type AND p.tmdb_id = r.tmdb_id"
    " AND p.started >= COALESCE(r.first_shown, 0)"
    " AND (r.user = :household OR COALESCE(CAST(p.user_id AS TEXT), p.user) = r.user))"
    " FROM recommendations r WHERE r.state IN (:shown, :added)"
)


def reconcile(
    connection: sqlite3.Connection, owned: Collection[Identity], now: datetime
) -> None:
    """Move shown titles now in a library to added, and titles played since shown to watched.

    A household recommendation counts as watched when anyone played it. Only the plays of
    the remembered titles are read.
    """
    moves: list[tuple[str, int, str, str, int]] = []
    for user, media_type, tmdb_id, state, played in connection.execute(
        LAST_PLAYED,
        {
            "household": HOUSEHOLD,
            "shown": RecommendationState.SHOWN,
            "added": RecommendationState.ADDED,
        },
    ):
        if played is not None:
            moved = RecommendationState.WATCHED
        elif (
            state == RecommendationState.SHOWN
            and Identity(media_type, tmdb_id) in owned
        ):
            moved = RecommendationState.ADDED
        else:
            continue
        moves.append((moved, int(now.timestamp()), user, media_type, tmdb_id))
    connection.executemany(
        "UPDATE recommendations SET state = ?, updated = ?"
        " WHERE user = ? AND media_type = ? AND tmdb_id = ?",
        [(str(state), *rest) for state, *rest in moves],
    )


def outcomes(connection: sqlite3.Connection) -> dict[str, int]:
    """Return how many recommendations are in each state (whether adds get watched)."""
    counted = dict(
        connection.execute("SELECT state, COUNT(*) FROM recommendations GROUP BY state")
    )
    return {str(state): counted.get(state, 0) for state in RecommendationState}
