"""Reading the SmartPlex database file in tests, and the title a play of the world should get."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
import sqlite3
from typing import Any

from simulator.models import Play
from simulator.tautulli_base import LOCAL_AGENT_EVERY
from simulator.world import World


def rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Return the rows of a query on the database file."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def expected_title(world: World, play: Play) -> tuple[str, int, str] | None:
    """Return (media type, TMDB id, matched by) of a play, from the world itself."""
    if play[4] == "movie":
        movie = world.movies.get(play[5])
        if movie is None:
            return None
        info, owner = movie.info, movie.id
        media_type = "movie"
    else:
        episode = world.episodes.get(play[5])
        if episode is None:
            return None
        series = world.series[episode[1]]
        info, owner = series.info, series.id
        media_type = "tv"
    if owner % LOCAL_AGENT_EVERY:
        return media_type, info.tmdb_id, "guid"
    # Plex's local agent: only a unique name (and year, for movies) in the library.
    same = [
        title
        for title in world.titles.values()
        if title.kind == info.kind
        and title.title.casefold() == info.title.casefold()
        and (media_type == "tv" or title.year == info.year)
        and (
            world.movie_by_tmdb(title.tmdb_id)
            if media_type == "movie"
            else world.series_by_tmdb(title.tmdb_id)
        )
    ]
    return (media_type, info.tmdb_id, "title") if len(same) == 1 else None
