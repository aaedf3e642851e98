"""Tests for cleanup usage: plays, requests and streams per title and per season."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.smartplex.engine.cleanup import CleanupPolicy
from custom_components.smartplex.engine.cleanup_usage import (
    TitleUsage,
    title_usage,
    usage_of,
)
from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
)

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
DAYS = CleanupPolicy().in_progress_days


def play(
    user: str,
    identity: Identity,
    days_ago: float,
    percent: int = 100,
    season_number: int | None = None,
) -> Play:
    """Return a play of a title days_ago."""
    return Play(
        user_id=user,
        identity=identity,
        started=NOW - timedelta(days=days_ago),
        watched_seconds=3600,
        percent_complete=percent,
        season=season_number,
        episode=1 if season_number is not None else None,
    )


def test_title_usage_from_plays_requests_and_streams() -> None:
    """Plays, requests and streams become usage per title and per season."""
    film = Identity("movie", 1)
    show = Identity("tv", 2)
    requested = Identity("movie", 3)
    watched_request = Identity("movie", 4)
    declined = Identity("movie", 5)
    plays = [
        play("anna", film, 400),
        play("ben", film, 300, percent=50),
        play("anna", film, 20, percent=40),
        play("cleo", show, 200, season_number=1),
        play("cleo", show, 100, season_number=2),
        play("dan", watched_request, 10),
        Play(
            user_id="x",
            identity=None,
            started=NOW,
            watched_seconds=1,
            percent_complete=1,
        ),
    ]

    def request(identity: Identity, user: str, status: RequestStatus) -> RequestRecord:
        return RequestRecord(
            request_id=identity.tmdb_id,
            identity=identity,
            requested_by=user,
            created=NOW - timedelta(days=50),
            status=status,
        )

    requests = [
        request(requested, "eve", RequestStatus.AVAILABLE),
        request(watched_request, "dan", RequestStatus.AVAILABLE),
        request(declined, "eve", RequestStatus.DECLINED),
    ]
    usage = title_usage(plays, requests, {show: ["fay"]}, NOW, DAYS)
    assert usage[(film, None)] == TitleUsage(
        last_watched=NOW - timedelta(days=20),
        last_watched_by="anna",
        plays=3,
        watchers=2,
        completion=(100 + 50 + 40) / 300,
        # The plays 300 and 20 days ago; the one 400 days ago is older than a year.
        plays_last_year=2,
        in_progress=frozenset({"anna"}),
        followers=frozenset({"anna"}),
    )
    assert usage[(show, 1)].plays == 1
    assert usage[(show, 1)].streaming == frozenset({"fay"})
    assert usage[(show, 2)].last_watched == NOW - timedelta(days=100)
    assert usage[(show, None)].in_progress == frozenset()
    assert usage[(requested, None)].requesters_not_watched == frozenset({"eve"})
    assert usage[(watched_request, None)].requesters_not_watched == frozenset()
    assert (declined, None) not in usage
    recent = title_usage(plays, [], {}, NOW, 150)
    assert recent[(show, 1)].in_progress == frozenset({"cleo"})
    assert recent[(show, None)].followers == frozenset()
    following = title_usage(plays, [], {}, NOW, DAYS, follow_days=120)
    assert following[(show, 1)].followers == frozenset({"cleo"})


def test_a_season_nobody_played_carries_its_series_people() -> None:
    """usage_of gives an unplayed season its series' in-progress people, streams and followers."""
    show = Identity("tv", 2)
    plays = [play("cleo", show, 5, season_number=1)]
    usage = title_usage(plays, [], {show: ["fay"]}, NOW, DAYS)
    assert usage_of(usage, show, 3) == TitleUsage(
        in_progress=frozenset({"cleo"}),
        streaming=frozenset({"fay"}),
        followers=frozenset({"cleo"}),
    )
    assert usage_of(usage, show, 1).plays == 1
    assert usage_of(usage, Identity("tv", 3), None) == TitleUsage()
