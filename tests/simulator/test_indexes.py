"""The world's lookups and byte totals stay equal to a full scan through every change."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.core import Stack
from simulator.world import World

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def assert_consistent(world: World) -> None:
    """Compare every indexed answer with a scan of the world."""
    assert world.movies_size() == sum(m.size for m in world.movies.values())
    assert world.series_size() == sum(e[6] for e in world.episodes.values())
    for title in world.titles.values():
        movie = next(
            (m for m in world.movies.values() if m.info.tmdb_id == title.tmdb_id), None
        )
        series = next(
            (s for s in world.series.values() if s.info.tmdb_id == title.tmdb_id), None
        )
        if title.kind == "movie":
            assert world.movie_by_tmdb(title.tmdb_id) is movie
        else:
            assert world.series_by_tmdb(title.tmdb_id) is series
            assert world.series_by_tvdb(title.tvdb_id) is series
            assert world.title_by_tvdb(title.tvdb_id) is title
        assert world.title_by_imdb(title.imdb_id) is title


def test_indexes_follow_adds_imports_and_deletes() -> None:
    """Adding, downloading, importing and deleting keep lookups and totals exact."""
    world = World("tiny", now=NOW)
    stack = Stack(world)
    assert_consistent(world)
    owned = world.owned_tmdb_ids()
    movie_info, series_info = (
        next(
            t
            for t in world.titles.values()
            if t.kind == kind and (kind, t.tmdb_id) not in owned and t.release < NOW
        )
        for kind in ("movie", "tv")
    )
    movie = stack.add_movie(
        movie_info, monitored=True, quality_id=3, tags=[], search=True
    )
    series = stack.add_series(
        series_info, monitored=True, quality_id=3, tags=[], search=True
    )
    assert world.movie_by_tmdb(movie_info.tmdb_id) is movie
    assert world.series_by_tvdb(series_info.tvdb_id) is series
    before = world.movies_size(), world.series_size()

    stack.tick(86_400)

    assert world.movies_size() > before[0]
    assert world.series_size() > before[1]
    assert_consistent(world)
    world.delete_movie(movie.id, delete_files=True, exclude=False)
    world.delete_series(series.id, delete_files=False, exclude=False)
    assert world.movie_by_tmdb(movie_info.tmdb_id) is None
    assert world.series_by_tmdb(series_info.tmdb_id) is None
    assert_consistent(world)
    assert all(event.media_id != movie.id for event in world.history["radarr"]), (
        "Radarr forgets a deleted movie's history"
    )
