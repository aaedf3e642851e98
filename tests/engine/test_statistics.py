"""Statistics over the simulator's plays, checked against values worked out here row by row."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from custom_components.smartplex.engine.geography_statistics import geography_statistics
from custom_components.smartplex.engine.play_columns import (
    ColumnsBuilder,
    PlayColumns,
    PlayRow,
    columns_from_rows,
    make_buckets,
    period_slice,
)
from custom_components.smartplex.engine.request_statistics import (
    RequestFacts,
    request_statistics,
    watch_ratios,
)
from custom_components.smartplex.engine.stream_statistics import quality_statistics
from custom_components.smartplex.engine.watch_statistics import watch_statistics
from simulator.models import Play
from simulator.world import World

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CITIES = (
    ("Netherlands", "Amsterdam"),
    ("Germany", "Berlin"),
    ("United States", "Denver"),
)


@cache
def world() -> World:
    """Return the home-scale world (4,000 plays of 5 users over a year)."""
    return World("home", 1, NOW)


def title_of(play: Play) -> tuple[str, str, str, str]:
    """Return (title key, title, played item, library) of a play."""
    sim = world()
    if play[4] == "movie":
        movie = sim.movies[play[5]]
        return f"movie:{movie.info.tmdb_id}", movie.info.title, f"m{movie.id}", "Movies"
    episode = sim.episodes[play[5]]
    series = sim.series[episode[1]]
    return f"tv:{series.info.tmdb_id}", series.info.title, f"e{episode[0]}", "TV Shows"


def place_of(play: Play) -> str | tuple[str, str]:
    """Return "lan" or the city the simulator's geoip gives the play's address."""
    stream = world().stream(play)
    if stream.location == "lan":
        return "lan"
    return CITIES[int(stream.ip_address.rsplit(".", 1)[1]) % 3]


def row_of(play: Play) -> PlayRow:
    """Return a play as the store hands it to the engine."""
    sim = world()
    stream = sim.stream(play)
    key, title, item, library = title_of(play)
    return PlayRow(
        started=play[1],
        stopped=play[2],
        seconds=play[2] - play[1] - play[7],
        user=sim.users[play[3]].username,
        media_type=play[4],
        library=library,
        title_key=key,
        title=title,
        item=item,
        watched=play[6] >= 90,
        decision=stream.decision,
        video_decision=stream.video_decision,
        audio_decision=stream.audio_decision,
        player=f"player {play[8]}",
        resolution=stream.stream_resolution,
        bandwidth=stream.stream_bitrate,
        place=place_of(play),
    )


@cache
def columns() -> PlayColumns:
    """Return every play of the world as columns (shuffled order in: sorted out)."""
    plays = world().plays
    return columns_from_rows(row_of(play) for play in plays[::2] + plays[1::2])


def day_of(timestamp: int) -> date:
    """Return the UTC day of a time."""
    return datetime.fromtimestamp(timestamp, UTC).date()


def year() -> tuple[date, date, list[Play]]:
    """Return the first and last day with plays, and the plays."""
    plays = world().plays
    return day_of(plays[0][1]), day_of(plays[-1][1]), plays


def test_watch_statistics_match_the_plays() -> None:
    """Plays, hours and completion per day, user, library and type, as counted by hand."""
    first, last, plays = year()
    buckets = make_buckets(first, last, "day", UTC)
    result = watch_statistics(
        period_slice(columns(), buckets.days[0], buckets.days[-1]), buckets, 10
    )
    sim = world()
    assert result["plays"] == len(plays) == 4000
    seconds = sum(p[2] - p[1] - p[7] for p in plays)
    assert result["watch_hours"] == round(seconds / 3600, 2)
    assert result["completion_rate"] == round(
        sum(p[6] >= 90 for p in plays) / len(plays), 4
    )
    per_day = Counter(day_of(p[1]).isoformat() for p in plays)
    series = {row["start"]: row["plays"] for row in result["series"]}
    assert len(series) == (last - first).days + 1
    assert series == {day: per_day.get(day, 0) for day in series}
    per_user = Counter(sim.users[p[3]].username for p in plays)
    assert [(row["name"], row["plays"]) for row in result["by_user"]] == sorted(
        per_user.items(), key=lambda item: (-item[1], item[0])
    )
    movies = [p for p in plays if p[4] == "movie"]
    by_type = {row["name"]: row for row in result["by_media_type"]}
    assert by_type["movie"]["plays"] == len(movies)
    assert by_type["episode"]["plays"] == len(plays) - len(movies)
    assert by_type["movie"]["completion_rate"] == round(
        sum(p[6] >= 90 for p in movies) / len(movies), 4
    )
    assert {row["name"]: row["plays"] for row in result["by_library"]} == {
        "Movies": len(movies),
        "TV Shows": len(plays) - len(movies),
    }


def test_binges_most_watched_and_rewatched() -> None:
    """Runs of 3+ episodes of a series, top titles and re-watches, as counted by hand."""
    first, last, plays = year()
    buckets = make_buckets(first, last, "month", UTC)
    result = watch_statistics(columns(), buckets, 5)
    by_user: dict[int, list[Play]] = defaultdict(list)
    for play in sorted(plays, key=lambda p: (p[3], p[1])):
        by_user[play[3]].append(play)
    binges: list[tuple[str, int]] = []
    for own in by_user.values():
        run: list[Play] = []
        for play in own:
            if (
                run
                and play[4] == "episode"
                and title_of(play)[0] == title_of(run[-1])[0]
                and play[1] - run[-1][2] <= 1800
            ):
                run.append(play)
                continue
            if len(run) >= 3:
                binges.append((title_of(run[0])[0], len(run)))
            run = [play] if play[4] == "episode" else []
        if len(run) >= 3:
            binges.append((title_of(run[0])[0], len(run)))
    assert binges, "the simulated world has binges"
    assert result["binges"]["count"] == len(binges)
    assert result["binges"]["episodes"] == sum(length for _, length in binges)
    assert result["binges"]["longest"] == max(length for _, length in binges)

    counts = Counter(title_of(p)[0] for p in plays)
    names = {title_of(p)[0]: title_of(p)[1] for p in plays}
    expected = sorted(counts.items(), key=lambda item: (-item[1], names[item[0]]))[:5]
    assert [(row["title"], row["plays"]) for row in result["most_watched"]] == [
        (names[key], count) for key, count in expected
    ]
    top = expected[0][0]
    assert result["most_watched"][0]["viewers"] == len(
        {p[3] for p in plays if title_of(p)[0] == top}
    )
    again = Counter((p[3], title_of(p)[2]) for p in plays)
    rewatches: Counter[str] = Counter()
    for (_, item), count in again.items():
        if count > 1:
            key = next(title_of(p)[0] for p in plays if title_of(p)[2] == item)
            rewatches[key] += count - 1
    assert rewatches
    assert [(row["title"], row["rewatches"]) for row in result["most_rewatched"]] == [
        (names[key], count)
        for key, count in sorted(
            rewatches.items(), key=lambda item: (-item[1], names[item[0]])
        )[:5]
    ]


def test_stream_quality_matches_the_streams() -> None:
    """Decision shares, reasons, peaks of streams and bandwidth, as swept by hand."""
    first, last, plays = year()
    buckets = make_buckets(first, last, "day", UTC)
    result = quality_statistics(columns(), buckets)
    streams = [world().stream(p) for p in plays]
    decisions = Counter(s.decision for s in streams)
    assert result["direct_play_share"] == round(decisions["direct play"] / 4000, 4)
    assert result["direct_stream_share"] == round(decisions["copy"] / 4000, 4)
    assert result["transcode_share"] == round(decisions["transcode"] / 4000, 4)
    transcodes = [s for s in streams if s.decision == "transcode"]
    assert result["transcode_reasons"] == {
        "video": sum(s.video_decision == "transcode" for s in transcodes),
        "audio": sum(s.audio_decision == "transcode" for s in transcodes),
        "video_and_audio": sum(
            s.video_decision == s.audio_decision == "transcode" for s in transcodes
        ),
    }
    by_resolution = Counter(s.stream_resolution for s in streams)
    assert {row["name"]: row["plays"] for row in result["by_resolution"]} == dict(
        by_resolution
    )
    events = sorted(
        [(p[1], 1, s.stream_bitrate) for p, s in zip(plays, streams, strict=True)]
        + [(p[2], -1, -s.stream_bitrate) for p, s in zip(plays, streams, strict=True)]
    )
    running = rate = peak = peak_rate = 0
    by_day: Counter[str] = Counter()
    for moment, step, bitrate in events:
        running += step
        rate += bitrate
        if step > 0:
            day = day_of(moment).isoformat()
            by_day[day] = max(by_day[day], running)
            peak, peak_rate = max(peak, running), max(peak_rate, rate)
    assert result["peak_concurrent_streams"] == peak >= 2
    assert result["peak_bandwidth_mbps"] == round(peak_rate / 1000, 1)
    assert {
        row["date"]: row["streams"] for row in result["concurrent_peaks_by_day"]
    } == {day: by_day.get(day, 0) for day in buckets.day_labels}
    assert max(result["concurrent_peaks_by_hour"]) == peak


def test_geography_counts_cities_and_never_addresses() -> None:
    """Plays at home, and away by country and city; no address appears in the result."""
    _, _, plays = year()
    result = geography_statistics(columns(), 10)
    places = Counter(place_of(p) for p in plays)
    assert result["home_plays"] == places.pop("lan")
    assert result["away_plays"] == sum(places.values()) > 0
    assert result["not_located"] == 0
    assert {
        (row["country"], row["city"]): row["plays"] for row in result["by_city"]
    } == (dict(places))
    assert "203.0.113." not in repr(result) and "192.168." not in repr(result)


def test_time_zone_and_grouping() -> None:
    """Days are local days (23 hours on a spring-forward day) and weeks start on Monday."""
    zone = ZoneInfo("Europe/Amsterdam")
    buckets = make_buckets(date(2026, 3, 28), date(2026, 3, 30), "day", zone)
    assert [b - a for a, b in zip(buckets.days, buckets.days[1:], strict=False)] == [
        86_400,
        82_800,
        86_400,
    ]
    assert buckets.hour_of_day[:3] == [0, 1, 2] and buckets.hour_of_day[24:27] == [
        0,
        1,
        3,
    ]
    weeks = make_buckets(date(2026, 3, 4), date(2026, 3, 20), "week", zone)
    assert weeks.labels == ["2026-03-04", "2026-03-09", "2026-03-16"]
    months = make_buckets(date(2026, 1, 15), date(2026, 3, 2), "month", UTC)
    assert months.labels == ["2026-01-15", "2026-02-01", "2026-03-01"]


def test_empty_period() -> None:
    """A period without plays gives zeros and no shares, not errors."""
    buckets = make_buckets(date(2000, 1, 1), date(2000, 1, 2), "day", UTC)
    empty = period_slice(columns(), buckets.days[0], buckets.days[-1])
    assert len(empty) == 0
    watch = watch_statistics(empty, buckets, 10)
    assert (watch["plays"], watch["completion_rate"], watch["binges"]["count"]) == (
        0,
        None,
        0,
    )
    quality = quality_statistics(empty, buckets)
    assert (quality["transcode_share"], quality["peak_concurrent_streams"]) == (None, 0)
    assert geography_statistics(empty, 10)["by_country"] == []


def test_request_statistics() -> None:
    """Counts, rates, median time to available, watch ratios and trending genres."""
    day = 86_400
    facts = [
        RequestFacts(
            user="anna",
            created=10 * day,
            status="available",
            decided=10 * day + 60,
            available=12 * day,
            genres=("Drama",),
            plays=2,
            finished=True,
        ),
        RequestFacts(
            user="anna",
            created=11 * day,
            status="available",
            decided=None,
            available=11 * day + 3600,
            genres=("Drama", "Comedy"),
            plays=0,
            finished=False,
        ),
        RequestFacts(
            user="ben",
            created=12 * day,
            status="declined",
            decided=12 * day + 5,
            available=None,
            genres=("Horror",),
            plays=0,
            finished=False,
        ),
        RequestFacts(
            user="ben",
            created=13 * day,
            status="pending",
            decided=None,
            available=None,
            genres=("Comedy",),
            plays=0,
            finished=False,
        ),
        RequestFacts(
            user="ben",
            created=3 * day,
            status="approved",
            decided=None,
            available=None,
            genres=("Horror",),
            plays=0,
            finished=False,
        ),
    ]
    result = request_statistics(facts, 7 * day, 14 * day, 10)
    assert (result["requests"], result["pending"], result["approved"]) == (4, 1, 2)
    assert (result["approval_rate"], result["decline_rate"]) == (0.6667, 0.3333)
    assert result["median_hours_to_available"] == round(median([48, 1]), 1)
    assert result["request_to_watch_ratio"] == 0.5
    anna, ben = result["by_user"][0], result["by_user"][1]
    assert (ben["name"], ben["requests"], ben["request_to_watch_ratio"]) == (
        "ben",
        2,
        None,
    )
    assert (anna["available"], anna["watched"], anna["finished"]) == (2, 1, 1)
    assert result["trending_genres"][0] == {
        "genre": "Comedy",
        "requests": 2,
        "before": 0,
    }
    assert {"genre": "Horror", "requests": 1, "before": 1} in result["trending_genres"]


def test_watch_ratios_per_linked_user() -> None:
    """Percent of each linked user's available requests they played; others left out."""

    def fact(user_id: int | None, *, available: bool, plays: int) -> RequestFacts:
        return RequestFacts(
            user=f"user {user_id}",
            created=0,
            status="available" if available else "approved",
            decided=None,
            available=60 if available else None,
            genres=(),
            plays=plays,
            finished=False,
            user_id=user_id,
        )

    facts = [
        *(fact(7, available=True, plays=plays) for plays in (3, 0, 1)),
        fact(7, available=False, plays=0),
        fact(8, available=True, plays=0),
        fact(9, available=False, plays=0),
        # Requests of an Overseerr user linked to no Tautulli user.
        fact(None, available=True, plays=1),
    ]
    assert watch_ratios(facts) == {7: 66.7, 8: 0.0}


@pytest.mark.parametrize("grouping", ["day", "week", "month"])
def test_series_buckets_add_up(grouping: str) -> None:
    """Whatever the grouping, the series adds up to the period's plays and hours."""
    first, last, plays = year()
    buckets = make_buckets(first, last + timedelta(days=1), grouping, UTC)
    result = watch_statistics(columns(), buckets, 10)
    assert sum(row["plays"] for row in result["series"]) == len(plays)


def test_later_plays_extend_the_columns() -> None:
    """Adding plays in two batches gives the statistics of one build of them all."""
    first, last, plays = year()
    buckets = make_buckets(first, last, "week", UTC)
    builder = ColumnsBuilder()
    builder.extend(row_of(play) for play in plays[2000:])
    extended = builder.extend(row_of(play) for play in plays[:2000])
    assert watch_statistics(extended, buckets, 10) == watch_statistics(
        columns(), buckets, 10
    )
    assert quality_statistics(extended, buckets) == quality_statistics(
        columns(), buckets
    )
