"""The next-week benchmark's protocol, on made-up rows (never MovieLens data)."""

from __future__ import annotations

import random

from bench import next_week, rdatasets_loader

DAY = rdatasets_loader.DAY


def _row(user: int, movie: int, day: float, genre: str) -> dict[str, object]:
    """Return one made-up rating row."""
    return rdatasets_loader.record(
        user, movie, 4.5, int(day * DAY), f"M{movie}", 2000.0, genre
    )


def test_future_weeks_count_only_new_titles_of_users_with_history() -> None:
    """A re-watch is not new, and someone without history before the cut-off is left out."""
    week = 7 * DAY
    plays = rdatasets_loader.from_records(
        [
            _row(1, 10, 0, "Drama"),
            _row(1, 10, 8, "Drama"),  # a re-watch in the week
            _row(1, 11, 9, "Drama"),
            _row(1, 12, 15, "Drama"),  # after the week
            _row(2, 13, 9, "Drama"),  # no history before the cut-off
        ]
    ).plays

    assert next_week.future_weeks(plays, [week]) == {week: {1: frozenset({11})}}


def test_the_engine_names_next_weeks_titles_where_popularity_cannot() -> None:
    """Two tastes: the many watch comedies, the few dramas, each at their own pace.

    Popularity names the many's comedies to everyone; the engine, through the graph
    trained on the plays before each cut-off, names the few the dramas they go on to.
    """
    rng = random.Random(5)
    rows = []
    for user in range(1, 25):
        genre, first = ("Drama", 1) if user <= 8 else ("Comedy", 101)
        movies = list(range(first, first + 30))
        rng.shuffle(movies)
        start = rng.uniform(0, 20)
        rows.extend(
            _row(user, movie, start + step * 1.5, genre)
            for step, movie in enumerate(movies)
        )
    data = rdatasets_loader.from_records(rows)
    methods = {
        "popularity": next_week.popularity_method,
        "recent": next_week.recent_popularity_method,
        "item-item": next_week.item_item_method,
        "engine": next_week.engine_method(8),
    }

    results = next_week.run(
        data, methods, cutoffs=4, regularisation=10.0, neighbours=20
    )

    drama = [
        index
        for index, week in enumerate(results["engine"])
        if week.watched < set(range(1, 31))
    ]
    assert drama
    engine = [results["engine"][index] for index in drama]
    popular = [results["popularity"][index] for index in drama]
    assert next_week.hit_rate(engine) >= 0.5
    assert next_week.hit_rate(popular) <= 0.25
    assert next_week.recall(engine) > next_week.recall(popular)
    overall = next_week.hit_rate(results["engine"])
    for baseline in ("popularity", "recent", "item-item"):
        assert overall > next_week.hit_rate(results[baseline])
    low, high = next_week.bootstrap(results["engine"], next_week.hit_rate, 0)
    assert low <= overall <= high
