"""The ratings loader turns rows into plays deterministically (a few invented rows, no real data)."""

from __future__ import annotations

import pytest

from bench import cleanup_regret, rdatasets_loader

# Invented rows: two users, a tie on time resolved by row order.
ROWS = [
    rdatasets_loader.record(2, 10, 4.0, 300, "B", 1999.0, "Drama|Crime"),
    rdatasets_loader.record(1, 11, 3.0, 100, "C", float("nan"), "(no genres listed)"),
    rdatasets_loader.record(1, 10, 3.5, 200, "B", 1999.0, "Drama|Crime"),
    rdatasets_loader.record(2, 12, 5.0, 300, "D", "2001", "Comedy"),
]


def test_ratings_become_plays_in_time_order() -> None:
    """Rows sort by (timestamp, row); 3.5 stars or more is finished and liked."""
    data = rdatasets_loader.from_records(ROWS)

    assert [(r.user, r.movie) for r in data.ratings] == [
        (1, 11),
        (1, 10),
        (2, 10),
        (2, 12),
    ]
    plays = data.plays
    assert [(p.movie, p.liked, p.completion) for p in plays] == [
        (11, False, rdatasets_loader.ABANDONED_COMPLETION),
        (10, True, 1.0),
        (10, True, 1.0),
        (12, True, 1.0),
    ]
    assert data.users == (1, 2)
    assert data.movies[10] == rdatasets_loader.Movie(10, "B", 1999, ("Drama", "Crime"))
    assert data.movies[11].year is None
    assert data.movies[11].genres == ()
    assert data.movies[12].year == 2001


def test_leave_last_out_and_grouping() -> None:
    """Each user's last play is held out; fewer than two plays cannot be split."""
    grouped = rdatasets_loader.plays_by_user(rdatasets_loader.from_records(ROWS).plays)

    history, held_out = rdatasets_loader.leave_last_out(grouped[2])
    assert [p.movie for p in history] == [10]
    assert held_out.movie == 12
    with pytest.raises(ValueError, match="two plays"):
        rdatasets_loader.leave_last_out(grouped[2][:1])


def test_households_and_folds_are_seeded() -> None:
    """The same seed gives the same households; every user lands in exactly one."""
    users = list(range(1, 26))

    first = rdatasets_loader.households(users, size=10, seed=3)
    assert first == rdatasets_loader.households(list(reversed(users)), size=10, seed=3)
    assert first != rdatasets_loader.households(users, size=10, seed=4)
    assert [len(group) for group in first] == [10, 10, 5]
    assert sorted(user for group in first for user in group) == users
    dealt = rdatasets_loader.folds(first, 2)
    assert dealt == [[first[0], first[2]], [first[1]]]


def test_weekly_cutoffs_fall_on_weeks_before_the_last_week() -> None:
    """Cut-offs are whole weeks from the first play and leave a week after them."""
    week = 7 * rdatasets_loader.DAY
    plays = [
        rdatasets_loader.MovieLensPlay(1, 1, week * index, 1.0, True, 4.0)
        for index in range(21)
    ]

    cutoffs = rdatasets_loader.weekly_cutoffs(plays, 4)
    assert cutoffs == sorted(set(cutoffs))
    assert all(cutoff % week == 0 for cutoff in cutoffs)
    assert cutoffs[0] >= 9 * week
    assert cutoffs[-1] <= 19 * week
    assert rdatasets_loader.weekly_cutoffs([], 4) == []


def test_engine_snapshots() -> None:
    """Plays and movies become the engine's Play and TitleInfo, genres in TMDB's names."""
    data = rdatasets_loader.from_records(
        [
            *ROWS,
            rdatasets_loader.record(3, 13, 4.5, 400, "E", 2010, "Sci-Fi|Children"),
        ]
    )

    plays = [rdatasets_loader.engine_play(play) for play in data.plays]
    assert plays[0].user_id == "1"
    assert plays[0].identity == rdatasets_loader.identity(11)
    assert not plays[0].finished
    assert plays[1].finished
    assert plays[1].started.timestamp() == 200
    info = rdatasets_loader.title_info(data.movies[13])
    assert info.genres == ("Science Fiction", "Family")
    assert (info.title, info.year) == ("E", 2010)


def test_triage_cross_validation_holds_every_user_out_once() -> None:
    """Each fold chooses on the other users; each user is scored once, held out.

    Ten users each finish dramas and abandon comedies, then rate a later drama high
    and a later comedy low: every held-out user's dramas outscore their comedies.
    """
    from bench import triage as triage_bench

    rows = []
    for user in range(1, 11):
        for step in range(10):
            drama = step % 2 == 0
            rows.append(
                rdatasets_loader.record(
                    user,
                    # The last three (rated after the 70% of history) are shared.
                    100 * user + step if step < 7 else step,
                    5.0 if drama else 1.0,
                    step,
                    f"T{user}-{step}",
                    2000.0,
                    "Drama" if drama else "Comedy",
                )
            )
    result = triage_bench.cross_validated(rdatasets_loader.from_records(rows), 5)
    assert result.users == 10
    assert len(result.chosen) == 5
    assert result.auc == 1.0
    assert 0.0 < result.share <= 1.0
    assert result.precision == 1.0


def test_regret_and_its_wilson_interval() -> None:
    """Regret is the share of removed titles watched later; the interval is Wilson's."""
    assert cleanup_regret.regret([1, 2, 3, 4], watched_later={2, 9}) == 0.25
    assert cleanup_regret.regret([], watched_later={2}) == 0.0
    # The textbook case: 10 of 100 at 95%.
    low, high = cleanup_regret.wilson_interval(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-4)
    assert high == pytest.approx(0.1744, abs=1e-4)
    low, high = cleanup_regret.wilson_interval(0, 50)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert 0.05 < high < 0.08
    assert cleanup_regret.wilson_interval(0, 0) == (0.0, 1.0)
