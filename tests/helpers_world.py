"""Picking titles of the simulated world for a test."""

from __future__ import annotations

from datetime import datetime

from simulator.models import Kind, Title
from simulator.world import World

# Overseerr's media status of a title that no library holds and nobody has pending.
UNKNOWN = 1


def unknown_title(
    world: World,
    kind: Kind,
    *,
    released_before: datetime | None = None,
    unrequested: bool = False,
) -> Title:
    """Return the first title of a kind no library holds and no request is pending for.

    Optionally it must be released before a time, and nobody may have requested it at all.
    """
    return next(
        title
        for title in world.titles.values()
        if title.kind == kind
        and world.media_status(kind, title.tmdb_id) == UNKNOWN
        and (released_before is None or title.release < released_before)
        and not (
            unrequested
            and any(r.tmdb_id == title.tmdb_id for r in world.requests.values())
        )
    )
