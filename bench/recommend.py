"""Time the recommendation engine at the large scale (200,000 plays, 30 users, 23,000 titles).

As `recommend` runs it after the snapshot is loaded: one user's taste profile, then the
engine's ranking over the TMDB recommendations of their 8 heaviest seeds (the lists the
simulated TMDB serves, held in memory as the database cache hands them over); and every
user's profile at once. Reports the median engine time, the memory the results keep
(tracemalloc), and the household's taste as `recommend` builds it: the plays written to a
SmartPlex database, tallied per title by SQLite (store/taste.py), then the household's
profile and every user's profile from those tallies (wall and CPU seconds). TMDB requests are bounded by the catalogue's
budget whatever the scale (tests/test_recommend.py: at most 20 cold, none warm).

    PYTHONPATH=. python bench/recommend.py [--scale large] [--samples 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
import gc
from pathlib import Path
import statistics
import tempfile
import time
import tracemalloc

from custom_components.smartplex.actions.catalogue import RELATED_FETCHES
from custom_components.smartplex.engine.models import Identity, Play, TitleInfo
from custom_components.smartplex.engine.profile import (
    build_profile,
    profile_from_tallies,
    profiles_from_tallies,
)
from custom_components.smartplex.engine.recommend import (
    MappingGraph,
    RecommendOptions,
    ranked_edges,
    recommend,
    seeds_for,
)
from custom_components.smartplex.store import SmartPlexStore
from custom_components.smartplex.store.taste import (
    history_fingerprint,
    load_title_tallies,
)
from simulator.models import Title
from simulator.vocabulary import MOVIE_GENRES, TV_GENRES
from simulator.world import World

NOW = datetime(2026, 3, 14, 12, tzinfo=UTC)


def identity(title: Title) -> Identity:
    """Return a simulated title's identity."""
    return Identity(title.kind, title.tmdb_id)


def snapshot(world: World) -> tuple[list[Play], dict[Identity, TitleInfo]]:
    """Return the world's plays and titles as the database hands them to the engine."""
    titles = {}
    for title in world.titles.values():
        names = MOVIE_GENRES if title.kind == "movie" else TV_GENRES
        titles[identity(title)] = TitleInfo(
            identity=identity(title),
            title=title.title,
            year=title.year,
            release_date=title.release,
            genres=tuple(names[genre] for genre in title.genre_ids if genre in names),
            vote_average=title.vote_average,
            vote_count=title.vote_count,
            popularity=title.popularity,
        )
    plays = []
    for _, started, stopped, user, kind, item, percent, *_ in world.plays:
        if kind == "movie":
            title = world.movies[item].info
            season = episode = None
        else:
            _, series_id, season, episode, *_ = world.episodes[item]
            title = world.series[series_id].info
        plays.append(
            Play(
                user_id=str(user),
                identity=identity(title),
                started=datetime.fromtimestamp(started, UTC),
                watched_seconds=stopped - started,
                percent_complete=percent,
                season=season,
                episode=episode,
            )
        )
    return plays, titles


def write_plays(store: SmartPlexStore, plays: list[Play]) -> None:
    """Write the plays into the database as the history sync stores them."""
    rows = [
        (
            row_id,
            int(play.user_id),
            play.user_id,
            "movie" if play.identity.media_type == "movie" else "episode",
            int(play.started.timestamp()),
            play.watched_seconds,
            play.percent_complete,
            play.identity.media_type,
            play.identity.tmdb_id,
            play.season,
        )
        for row_id, play in enumerate(plays)
        if play.identity is not None
    ]
    store.run(
        lambda connection: connection.executemany(
            "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
            " full_title, started, play_duration, paused_counter, percent_complete,"
            " watched_status, identity_type, tmdb_id, season, matched_by) VALUES"
            " ('t', ?, ?, ?, ?, 'x', 'x', ?, ?, 0, ?, 1, ?, ?, ?, 'guid')",
            rows,
        )
    )


def timed[T](work: Callable[[], T]) -> tuple[T, float, float]:
    """Return what work returns, with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def household_taste(
    plays: list[Play], titles: dict[Identity, TitleInfo]
) -> dict[str, tuple[float, float]]:
    """Time the household's taste from a database: wall and CPU seconds per step."""
    with tempfile.TemporaryDirectory() as folder:
        store = SmartPlexStore(str(Path(folder) / "smartplex.db"))
        store.open()
        try:
            write_plays(store, plays)
            per_title, *sql = timed(
                lambda: store.run(
                    lambda c: load_title_tallies(c, NOW, per_person=False)
                )
            )
            per_person, *sql_people = timed(
                lambda: store.run(lambda c: load_title_tallies(c, NOW))
            )
            # What a call with a kept profile pays instead (actions/taste.py).
            _, *check = timed(lambda: store.run(history_fingerprint))
        finally:
            store.close()
    household, *merged = timed(lambda: profile_from_tallies(per_title, titles, now=NOW))
    everyone, *each = timed(lambda: profiles_from_tallies(per_person, titles, now=NOW))
    assert len(household.users) == len(everyone)
    return {
        "SQLite tallies per title, household": (sql[0], sql[1]),
        "household profile from them": (merged[0], merged[1]),
        "SQLite tallies per person and title": (sql_people[0], sql_people[1]),
        f"every user's profile from them ({len(everyone)} users)": (each[0], each[1]),
        "history fingerprint, all a kept profile costs": (check[0], check[1]),
    }


def main() -> None:
    """Build the world, then time the engine per user and for the household."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    world = World(args.scale, seed=1, now=NOW)
    plays, titles = snapshot(world)
    by_identity = {identity(title): title for title in world.titles.values()}
    owned = {identity(m.info) for m in world.movies.values()} | {
        identity(s.info) for s in world.series.values()
    }
    users = sorted({play.user_id for play in plays})
    options = RecommendOptions(count=10, exclude=owned, max_seeds=RELATED_FETCHES)
    engine_ms: list[float] = []
    retained: list[float] = []
    peaks: list[float] = []
    for user in users[: args.samples]:
        mine = [play for play in plays if play.user_id == user]
        seeds = seeds_for(build_profile(mine, titles, now=NOW), options)
        graph = MappingGraph(
            {
                seed.identity: ranked_edges(
                    [
                        identity(t)
                        for t in world.related(
                            by_identity[seed.identity], "recommendations"
                        )
                    ]
                )
                for seed in seeds
            }
        )
        started = time.perf_counter()
        profile = build_profile(mine, titles, now=NOW)
        result = recommend(profile, graph, titles, options)
        engine_ms.append((time.perf_counter() - started) * 1000)
        assert len(result) == options.count
        # Memory in a second pass: tracemalloc slows Python down several times.
        del profile, result
        gc.collect()
        tracemalloc.start()
        kept = recommend(build_profile(mine, titles, now=NOW), graph, titles, options)
        gc.collect()
        held, top = tracemalloc.get_traced_memory()
        retained.append(held / 1e6)
        peaks.append(top / 1e6)
        tracemalloc.stop()
        del kept
    taste = household_taste(plays, titles)
    print(
        f"{args.scale}: {len(plays):,} plays, {len(users)} users, {len(titles):,} titles\n"
        f"recommend for one user, engine time (profile + ranking), median of "
        f"{len(engine_ms)}: {statistics.median(engine_ms):.0f} ms "
        f"(max {max(engine_ms):.0f} ms)\n"
        f"memory the results keep: {max(retained):.2f} MB at most "
        f"(peak while ranking {max(peaks):.1f} MB)"
    )
    for step, (wall, cpu) in taste.items():
        print(f"{step}: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
