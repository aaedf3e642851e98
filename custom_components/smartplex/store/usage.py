"""Play tallies for library care, added up by SQLite so a plan never loads every play.

load_tallies gives what engine/cleanup_usage.py's tally_plays gives from Play snapshots
(tests hold the two to each other): per title and per season the last play, who
made it, the play count, the distinct watchers, the mean completion and the plays of
the last year; and each person's latest play of a title when it is recent or the
person requested it.
"""

from __future__ import annotations

from datetime import UTC, datetime
import sqlite3

from custom_components.smartplex.engine.cleanup_usage import (
    LatestPlay,
    TitleUsage,
    UsageKey,
)
from custom_components.smartplex.engine.models import Identity, MediaType

# A play's person is COALESCE(CAST(user_id AS TEXT), user), as store/history.py's
# load_plays names it; the last play of a group is the largest zero-padded start time
# and person as text (ties broken by the larger person, as the engine does).
# Per title, then per season: plays, watchers, summed completion, last play, plays
# since a year ago (bound once per part).
TALLIES = (
    "SELECT identity_type, tmdb_id, NULL AS season, COUNT(*), COUNT(DISTINCT "
    "COALESCE(CAST(user_id AS TEXT), user)), SUM(MIN(percent_complete, 100)), "
    "MAX(printf('%012d %s', started, COALESCE(CAST(user_id AS TEXT), user))), "
    "SUM(started >= ?) FROM "
    "plays WHERE matched_by IS NOT NULL AND tmdb_id IS NOT NULL AND started IS NOT "
    "NULL AND identity_type IN ('movie', 'tv') GROUP BY identity_type, tmdb_id "
    "UNION ALL SELECT identity_type, tmdb_id, season, COUNT(*), COUNT(DISTINCT "
    "COALESCE(CAST(user_id AS TEXT), user)), SUM(MIN(percent_complete, 100)), "
    "MAX(printf('%012d %s', started, COALESCE(CAST(user_id AS TEXT), user))), "
    "SUM(started >= ?) FROM "
    "plays WHERE matched_by IS NOT NULL AND tmdb_id IS NOT NULL AND started IS NOT "
    "NULL AND identity_type IN ('movie', 'tv') AND season IS NOT NULL GROUP BY "
    "identity_type, tmdb_id, season"
)
# Each person's latest play of a title (the percent is that play's: SQLite's
# bare column of MAX), if recent or the person requested the title. Two parts
# joined by UNION (a pair both recent and requested is one row): the recent
# plays alone (the latest play is recent exactly when some play is), and the
# requested titles' plays by their requesters, looked up per request; one
# grouping over every play with a per-group EXISTS took three times as long.
LATEST = (
    "SELECT identity_type, tmdb_id, COALESCE(CAST(user_id AS TEXT), user) AS "
    "person, MAX(started), percent_complete FROM plays WHERE matched_by IS NOT "
    "NULL AND tmdb_id IS NOT NULL AND started >= ? AND identity_type IN ('movie', "
    "'tv') GROUP BY identity_type, tmdb_id, person UNION SELECT identity_type, "
    "plays.tmdb_id, COALESCE(CAST(plays.user_id AS TEXT), user) AS person, "
    "MAX(started), percent_complete FROM (SELECT DISTINCT requests.media_type AS "
    "media_type, requests.tmdb_id AS tmdb_id, CAST(users.user_id AS TEXT) AS "
    "requester FROM requests JOIN users ON users.overseerr_user_id = "
    "requests.requested_by) AS asked CROSS JOIN plays ON plays.identity_type = "
    "asked.media_type AND plays.tmdb_id = asked.tmdb_id AND "
    "COALESCE(CAST(plays.user_id AS TEXT), user) = asked.requester WHERE "
    "matched_by IS NOT NULL AND started IS NOT NULL GROUP BY identity_type, "
    "plays.tmdb_id, person"
)


def load_tallies(
    connection: sqlite3.Connection, recent_since: datetime, year_ago: datetime
) -> tuple[dict[UsageKey, TitleUsage], list[LatestPlay]]:
    """Return the play tallies per title and season, and the latest plays that matter.

    A person's latest play of a title is returned when it started at or after
    recent_since, or when the person (linked to Overseerr) requested the title.
    Plays from year_ago on are counted as the last year's.
    """
    fromtimestamp = datetime.fromtimestamp
    # One Identity per title, shared by its tallies and latest plays: fewer objects,
    # and dict lookups that find the same object skip Identity's Python __eq__.
    identities: dict[tuple[str, int], Identity] = {}

    def identity_of(media_type: MediaType, tmdb_id: int) -> Identity:
        found = identities.get((media_type, tmdb_id))
        if found is None:
            found = identities[(media_type, tmdb_id)] = Identity(media_type, tmdb_id)
        return found

    tallies: dict[UsageKey, TitleUsage] = {}
    year_ago_seconds = int(year_ago.timestamp())
    for (
        media_type,
        tmdb_id,
        season,
        plays,
        watchers,
        percent,
        last,
        last_year,
    ) in connection.execute(TALLIES, (year_ago_seconds, year_ago_seconds)):
        started, _, person = last.partition(" ")
        tallies[(identity_of(media_type, tmdb_id), season)] = TitleUsage(
            fromtimestamp(int(started), UTC),
            person,
            plays,
            watchers,
            percent / (100.0 * plays),
            last_year,
        )
    latest = [
        LatestPlay(
            identity_of(media_type, tmdb_id),
            person,
            fromtimestamp(started, UTC),
            percent,
        )
        for media_type, tmdb_id, person, started, percent in connection.execute(
            LATEST,
            (int(recent_since.timestamp()),),
        )
    ]
    return tallies, latest
