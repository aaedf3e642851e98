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

from custom_components.smartplex.engine.models import Decision, Identity, Play

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


def reconcile(
    connection: sqlite3.Connection,
    owned: Collection[Identity],
    plays: Iterable[Play],
    now: datetime,
) -> None:
    """Move shown titles now in a library to added, and titles played since shown to watched.

    A household recommendation counts as watched when anyone played it.
    """
    last: dict[tuple[str, Identity], datetime] = {}
    for play in plays:
        if play.identity is None:
            continue
        for key in ((play.user_id, play.identity), (HOUSEHOLD, play.identity)):
            if key not in last or play.started > last[key]:
                last[key] = play.started
    moves: list[tuple[str, int, str, str, int]] = []
    for user, media_type, tmdb_id, state, first_shown in connection.execute(
        "SELECT user, media_type, tmdb_id, state, first_shown FROM recommendations"
        " WHERE state IN (?, ?)",
        (RecommendationState.SHOWN, RecommendationState.ADDED),
    ):
        identity = Identity(media_type, tmdb_id)
        played = last.get((user, identity))
        if played is not None and played.timestamp() >= (first_shown or 0):
            moves.append(
                (
                    RecommendationState.WATCHED,
                    int(now.timestamp()),
                    user,
                    media_type,
                    tmdb_id,
                )
            )
        elif state == RecommendationState.SHOWN and identity in owned:
            moves.append(
                (
                    RecommendationState.ADDED,
                    int(now.timestamp()),
                    user,
                    media_type,
                    tmdb_id,
                )
            )
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
