"""Tests for cleanup plans: value order, every protection, caps and the disk target."""

from __future__ import annotations

from copy import replace
from datetime import UTC, datetime, timedelta
import math

import pytest

from custom_components.smartplex.engine.cleanup import (
    GB,
    CleanupCandidate,
    CleanupPolicy,
    GenreActivity,
    Protection,
    bytes_needed,
    genre_activity,
    plan_cleanup,
    protections,
    rewatch_score,
    title_activity,
)
from custom_components.smartplex.engine.cleanup_usage import TitleUsage, UsageKey
from custom_components.smartplex.engine.models import Identity, LibraryEntry

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
ROOT = "/movies"
POLICY = CleanupPolicy()
LIBRARIES = {("radarr-1", "movie"): 1000, ("sonarr-1", "tv"): 1000}


def movie(
    item_id: int,
    size_gb: float = 10.0,
    *,
    tags: tuple[str, ...] = (),
    added: datetime | None = NOW - timedelta(days=365),
    root: str = ROOT,
    year: int | None = 2010,
    **changes: object,
) -> CleanupCandidate:
    """Return a movie added a year ago."""
    entry = LibraryEntry(
        identity=Identity("movie", 1000 + item_id),
        instance="radarr-1",
        title=f"Movie {item_id}",
        year=year,
        size_bytes=int(size_gb * GB),
        tags=tags,
        root_folder=root,
        added=added,
    )
    base = CleanupCandidate(entry=entry, item_id=item_id, size=entry.size_bytes)
    return replace(base, **changes)  # type: ignore[arg-type]


def season(item_id: int, number: int, size_gb: float) -> CleanupCandidate:
    """Return one season of a series added long ago."""
    entry = LibraryEntry(
        identity=Identity("tv", 5000 + item_id),
        instance="sonarr-1",
        title=f"Show {item_id}",
        year=2012,
        size_bytes=int(3 * size_gb * GB),
        root_folder="/tv",
        added=NOW - timedelta(days=900),
    )
    return CleanupCandidate(
        entry=entry, item_id=item_id, season=number, size=int(size_gb * GB)
    )


def key(candidate: CleanupCandidate) -> UsageKey:
    """Return a candidate's usage key."""
    return (candidate.entry.identity, candidate.season)


def watched(days_ago: float, plays: int = 1, *watchers: str) -> TitleUsage:
    """Return usage last watched days_ago by the given people."""
    people = frozenset(watchers or ("anna",))
    return TitleUsage(
        last_watched=NOW - timedelta(days=days_ago),
        last_watched_by=sorted(people)[0],
        plays=plays,
        watchers=len(people),
        completion=1.0,
    )


def total(candidate: CleanupCandidate, usage: TitleUsage) -> float:
    """Return the log value per GB of a title."""
    return rewatch_score(candidate, usage, NOW).total


def test_days_since_last_watch_dominates_other_features() -> None:
    """A title watched a year ago by many, often, ranks below one watched last month once."""
    title = movie(1)
    often_long_ago = rewatch_score(title, watched(365, 20, "a", "b", "c", "d"), NOW)
    once_recently = total(title, watched(40, 1))
    never = total(title, TitleUsage())
    assert never < often_long_ago.total < once_recently
    assert set(often_long_ago.as_dict()) == {
        "days_since_watched",
        "plays",
        "watchers",
        "completion",
        "rating",
        "release_age",
        "genre_activity",
        "size",
    }


def test_value_grows_with_plays_watchers_completion_rating_and_shrinks_with_size() -> (
    None
):
    """At the same recency, more plays, watchers, completion and rating mean more value."""
    title = movie(1)
    base = total(title, watched(200, 1))
    assert total(title, watched(200, 5)) > base
    assert total(title, watched(200, 1, "a", "b")) > base
    assert total(title, replace(watched(200, 1), completion=0.5)) < base
    assert total(replace(title, rating=8.0), watched(200)) > total(
        replace(title, rating=3.0), watched(200)
    )
    assert total(movie(1, size_gb=40), watched(200)) < base
    assert total(movie(1, year=1950), watched(200)) < base


def test_added_date_never_lowers_value() -> None:
    """An old title is worth as much as a newer one with the same usage."""
    usage = watched(300)
    old = total(movie(1, added=NOW - timedelta(days=4000)), usage)
    assert old == total(movie(1, added=NOW - timedelta(days=100)), usage)


@pytest.mark.parametrize(
    ("candidate", "usage", "expected"),
    [
        (movie(1), watched(10), Protection.RECENTLY_WATCHED),
        (
            movie(1),
            replace(watched(400), in_progress=frozenset({"ben"})),
            Protection.IN_PROGRESS,
        ),
        (
            movie(1),
            replace(watched(400), streaming=frozenset({"ben"})),
            Protection.STREAMING,
        ),
        (
            movie(1),
            TitleUsage(requesters_not_watched=frozenset({"cleo"})),
            Protection.REQUESTED_NOT_WATCHED,
        ),
        (movie(1, tags=("4k", " KEEP ")), watched(400), Protection.KEEP_TAG),
        (movie(1, downloading=True), watched(400), Protection.DOWNLOADING),
        (movie(1, seeding=True), watched(400), Protection.SEEDING),
        (
            movie(1, airing=True),
            replace(watched(400), followers=frozenset({"anna"})),
            Protection.AIRING_FOLLOWED,
        ),
        (
            movie(1, added=NOW - timedelta(days=5)),
            TitleUsage(),
            Protection.RECENTLY_ADDED,
        ),
        (movie(1, added=None), TitleUsage(), Protection.RECENTLY_ADDED),
    ],
)
def test_each_protection_is_named(
    candidate: CleanupCandidate, usage: TitleUsage, expected: Protection
) -> None:
    """Each protection keeps the title out of the plan, with its name."""
    assert protections(candidate, usage, NOW, POLICY) == (expected,)
    plan = plan_cleanup(
        [candidate], {key(candidate): usage}, {ROOT: GB}, NOW, POLICY, LIBRARIES
    )
    assert plan.items == ()
    assert [(p.candidate.key, p.protections) for p in plan.protected] == [
        ("radarr-1/movie:1001", (expected,))
    ]
    assert plan.short == {ROOT: "not_enough_unprotected"}
    assert not plan.target_met


@pytest.mark.parametrize(
    "tags", [("keeper",), ("do-not-keep",), ("kee p",), ("keep-me",), ("kеep",), ()]
)
def test_tags_that_only_look_like_keep_do_not_protect(tags: tuple[str, ...]) -> None:
    """Only the exact keep tag (case and surrounding spaces ignored) protects."""
    assert protections(movie(1, tags=tags), watched(400), NOW, POLICY) == ()


def test_airing_without_followers_and_followers_without_airing_do_not_protect() -> None:
    """Only an airing season someone follows is protected."""
    followed = replace(watched(400), followers=frozenset({"anna"}))
    assert protections(movie(1, airing=True), watched(400), NOW, POLICY) == ()
    assert protections(movie(1), followed, NOW, POLICY) == ()


def test_configured_keep_tag_and_windows() -> None:
    """The keep tag and both windows come from the policy."""
    policy = CleanupPolicy(keep_tag="forever", recently_watched_days=500)
    assert protections(movie(1, tags=("keep",)), watched(400), NOW, policy) == (
        Protection.RECENTLY_WATCHED,
    )
    assert protections(movie(1, tags=("Forever",)), watched(600), NOW, policy) == (
        Protection.KEEP_TAG,
    )


def test_plan_stops_at_target_in_value_per_gb_order() -> None:
    """The plan removes the least valuable per GB first and stops once the need is met."""
    titles = [movie(i, size_gb=10) for i in range(1, 6)]
    usage = {key(t): watched(100 * t.item_id) for t in titles}
    plan = plan_cleanup(titles, usage, {ROOT: 25 * GB}, NOW, POLICY, LIBRARIES)
    assert [item.candidate.item_id for item in plan.items] == [5, 4, 3]
    assert plan.freed == {ROOT: 30 * GB}
    assert plan.target_met
    assert plan.short == {}
    assert plan.items[0].reasons == (
        "last watched 500 days ago by anna",
        "1 play by 1 person",
        "frees 10.0 GB",
    )


def test_plan_drops_picks_the_target_does_not_need() -> None:
    """A small low-value title is not removed when a larger one already covers the need."""
    small = movie(1, size_gb=1)
    big = movie(2, size_gb=5)
    usage = {key(small): watched(3000), key(big): watched(400)}
    assert total(small, usage[key(small)]) < total(big, usage[key(big)])
    plan = plan_cleanup([small, big], usage, {ROOT: 4 * GB}, NOW, POLICY, LIBRARIES)
    assert [item.candidate.item_id for item in plan.items] == [2]
    assert plan.freed == {ROOT: 5 * GB}


def test_plan_caps_items_and_library_share() -> None:
    """max_items and the 10% library share cap the plan and say so."""
    titles = [movie(i, size_gb=1) for i in range(1, 31)]
    usage = {key(t): watched(400) for t in titles}
    need = {ROOT: 100 * GB}
    capped = plan_cleanup(
        titles, usage, need, NOW, replace(POLICY, max_items=5), LIBRARIES
    )
    assert len(capped.items) == 5
    assert capped.short == {ROOT: "max_items"}
    share = plan_cleanup(titles, usage, need, NOW, POLICY, {("radarr-1", "movie"): 80})
    assert len(share.items) == 8
    assert share.short == {ROOT: "library_share"}
    assert plan_cleanup(titles, usage, need, NOW, POLICY, {}).items == ()


def test_plan_per_root_folder_skips_other_roots_and_empty_titles() -> None:
    """Each root folder is planned for its own need; titles elsewhere or of size 0 stay."""
    films = movie(1, size_gb=5)
    other = movie(2, size_gb=5, root="/other")
    empty = movie(3, size_gb=0)
    second = season(7, 2, 8)
    usage = {key(t): watched(400) for t in (films, other, empty, second)}
    plan = plan_cleanup(
        [films, other, empty, second],
        usage,
        {ROOT: GB, "/tv": GB},
        NOW,
        POLICY,
        LIBRARIES,
    )
    assert [item.candidate.key for item in plan.items] == [
        "radarr-1/movie:1001",
        "sonarr-1/tv:5007/2",
    ]
    assert plan.freed == {ROOT: 5 * GB, "/tv": 8 * GB}
    assert plan.target_met


def test_genre_activity_compares_the_last_year_with_all_time() -> None:
    """Genres watched more lately than ever score above zero, less lately below."""
    horror = replace(watched(900, 30), plays_last_year=2)
    comedy = replace(watched(10, 10), plays_last_year=10)
    unplayed = TitleUsage()
    activity = genre_activity(
        [
            (("Horror",), horror),
            (("Comedy", "Family"), comedy),
            (("Western",), unplayed),
        ]
    )
    # Each genre counts its titles' plays (Comedy's count for Family too), smoothed by
    # one: Horror has 3/23 of the year's plays against 31/51 of all of them.
    assert activity["Horror"] == pytest.approx(math.log(3 / 23) - math.log(31 / 51))
    assert activity["Comedy"] > 0 > activity["Horror"]
    assert "Western" not in activity
    assert title_activity(("Horror", "Comedy"), activity) == GenreActivity(
        activity["Comedy"], "Comedy"
    )
    assert title_activity(("Western",), activity) == GenreActivity()
    assert title_activity((), activity) == GenreActivity()
    # Without a play in the last year there is nothing to compare.
    assert genre_activity([(("Horror",), watched(900, 30))]) == {}


def test_plan_removes_the_quiet_genre_first_and_says_so() -> None:
    """Of two titles alike but for their genres, the one in a genre watched less lately goes."""
    quiet = replace(movie(1), entry=replace(movie(1).entry, genres=("Horror",)))
    lively = replace(movie(2), entry=replace(movie(2).entry, genres=("Comedy",)))
    # What the household watched: Horror long ago, Comedy this year (recent, so kept).
    watched_before = replace(
        movie(3), entry=replace(movie(3).entry, genres=("Horror",))
    )
    watched_lately = replace(
        movie(4), entry=replace(movie(4).entry, genres=("Comedy",))
    )
    usage = {
        key(quiet): watched(700),
        key(lively): watched(700),
        key(watched_before): replace(watched(600, 40), plays_last_year=0),
        key(watched_lately): replace(watched(5, 20), plays_last_year=20),
    }
    plan = plan_cleanup(
        [lively, quiet, watched_before, watched_lately],
        usage,
        {ROOT: 5 * GB},
        NOW,
        POLICY,
        LIBRARIES,
    )
    assert [item.candidate.item_id for item in plan.items] == [1]
    assert "Horror watched less this past year" in plan.items[0].reasons
    assert plan.items[0].score.as_dict()["genre_activity"] < 0


def test_never_watched_reason() -> None:
    """A never-watched title says so."""
    plan = plan_cleanup([movie(1)], {}, {ROOT: GB}, NOW, POLICY, LIBRARIES)
    assert plan.items[0].reasons[:2] == ("never watched", "0 plays by 0 people")


@pytest.mark.parametrize(
    ("total_bytes", "free", "target", "expected"),
    [(100, 10, 75.0, 15), (100, 30, 75.0, 0), (1000, 0, 0.0, 1000)],
)
def test_bytes_needed(
    total_bytes: int, free: int, target: float, expected: int
) -> None:
    """The need is what takes use down to the target, never negative."""
    assert bytes_needed(total_bytes, free, target) == expected
