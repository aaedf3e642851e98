"""Taste tallies added up by SQLite, so a profile never loads every play.

load_title_tallies gives what engine/profile.py's tally_plays gives from Play snapshots
(tests hold the two to each other): per person and title, the plays' completion decayed
by age and summed, the play count, the best completion and the latest start; or, for a
household, the same per title over everyone. The recency decay
exp((started - now) / 90 days) factors per play, so SQLite sums it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
import math
import sqlite3

from custom_components.smartplex.engine.models import Identity
from custom_components.smartplex.engine.profile import RECENCY_DAYS, TitleTally

# A play's person is COALESCE(CAST(user_id AS TEXT), user), as store/history.py's
# load_plays names it. Grouped in the plays_usage index's order, which covers every
# column read, SQLite streams the groups instead of sorting 200,000 plays. The best
# completion is clamped once per group (the clamp of the maximum is the maximum of the
# clamps); CASE clamps each play's for the sum, cheaper than two function calls.
TALLY = (
    "SELECT {who}, identity_type, tmdb_id, SUM(CASE WHEN percent_complete > 100 THEN"
    " 100 WHEN percent_complete > 0 THEN percent_complete ELSE 0 END"
    " * exp((started - :now) / :decay)) / 100.0, COUNT(*),"
    " MIN(MAX(MAX(percent_complete), 0), 100) / 100.0, MAX(started) FROM plays"
    " WHERE matched_by IS NOT NULL AND tmdb_id IS NOT NULL AND started IS NOT NULL"
    " AND started <= :now{people} GROUP BY identity_type, tmdb_id{per_person}"
)
PERSON = "COALESCE(CAST(user_id AS TEXT), user)"


# What changes when the plays a taste is learnt from change (a sync adds plays, matches
# titles to plays, or a resync replaces them): read from the plays_usage index alone,
# a small part of what the tallies cost.
FINGERPRINT = (
    "SELECT COUNT(*), COUNT(tmdb_id), TOTAL(tmdb_id), MAX(started),"
    " TOTAL(percent_complete) FROM plays WHERE started IS NOT NULL{people}"
)


def _people(users: Collection[str] | None) -> tuple[str, dict[str, object]]:
    """Return the SQL condition on a play's person and its parameters."""
    if users is None:
        return "", {}
    names = sorted(users)
    condition = ", ".join(f":user{index}" for index in range(len(names)))
    return (
        f" AND COALESCE(CAST(user_id AS TEXT), user) IN ({condition})",
        {f"user{index}": name for index, name in enumerate(names)},
    )


def history_fingerprint(
    connection: sqlite3.Connection, users: Collection[str] | None = None
) -> tuple[object, ...]:
    """Return what changes whenever `users`' plays (None: everyone's) change."""
    people, parameters = _people(users)
    return tuple(
        connection.execute(FINGERPRINT.format(people=people), parameters).fetchone()
    )


def load_title_tallies(
    connection: sqlite3.Connection,
    now: datetime,
    users: Collection[str] | None = None,
    *,
    per_person: bool = True,
) -> list[TitleTally]:
    """Return the tallies of `users`' plays (None: everyone's) before `now`.

    One per person and title, or with per_person false one per title for them all.
    """
    try:
        connection.execute("SELECT exp(0)")
    except sqlite3.OperationalError:  # SQLite built without its math functions
        connection.create_function("exp", 1, math.exp, deterministic=True)
    people, names = _people(users)
    parameters: dict[str, object] = {
        "now": now.timestamp(),
        "decay": RECENCY_DAYS * 86_400,
        **names,
    }
    if not per_person:
        # One row per title naming each play's person; char(31) cannot be in a name.
        everyone = f"group_concat({PERSON}, char(31))"
        rows = connection.execute(
            TALLY.format(who=everyone, people=people, per_person=""), parameters
        )
        return [
            TitleTally(
                Identity(media_type, tmdb_id),
                tuple(sorted(set(who.split("\x1f")))),
                engagement,
                plays,
                best,
                float(last),
            )
            for who, media_type, tmdb_id, engagement, plays, best, last in rows
        ]
    rows = connection.execute(
        TALLY.format(who=PERSON, people=people, per_person=", user_id, user"),
        parameters,
    )
    # A person whose username changed comes twice per title: the two are merged.
    tallies: dict[tuple[str, str, int], TitleTally] = {}
    for who, media_type, tmdb_id, engagement, plays, best, last in rows:
        tally = TitleTally(
            Identity(media_type, tmdb_id), (who,), engagement, plays, best, float(last)
        )
        if (earlier := tallies.get(key := (who, media_type, tmdb_id))) is not None:
            tally = earlier.merge(tally)
        tallies[key] = tally
    return list(tallies.values())
