"""Usage for cleanup plans: what people did with each title, from plays, requests and streams.

Pure and deterministic on snapshots; no I/O. store/usage.py gives the same tallies
from SQL, so that plans never load every play.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from .models import Identity, Play, RequestRecord, RequestStatus

# Requests whose title never came (declined, failed) protect nothing.
LIVE_REQUESTS = frozenset(
    {RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.AVAILABLE}
)
FINISHED_PERCENT = 85
# Someone who played an airing series this recently follows it.
FOLLOW_DAYS = 60
# Plays this recent count toward the household's genre activity (engine/cleanup.py).
LAST_YEAR_DAYS = 365


type UsageKey = tuple[Identity, int | None]


class LatestPlay(NamedTuple):
    """A person's latest play of a title (a series: of any episode)."""

    identity: Identity
    user_id: str
    started: datetime
    percent_complete: int


class TitleUsage(NamedTuple):
    """What people did with one title (or one season), from plays, requests and streams.

    A named tuple, not a frozen dataclass: a plan at `large` makes 30,000 of them,
    and a tuple is made in a fraction of the time. A title's play tally is a usage
    with nobody in its four sets of people (the first TALLY_FIELDS fields).
    """

    last_watched: datetime | None = None
    last_watched_by: str | None = None
    plays: int = 0
    # How many different people played it.
    watchers: int = 0
    # Mean share of the title each play covered (0-1).
    completion: float = 0.0
    # Plays in the last LAST_YEAR_DAYS.
    plays_last_year: int = 0
    # People part-way through it (a movie not finished, a series they are watching).
    in_progress: frozenset[str] = frozenset()
    streaming: frozenset[str] = frozenset()
    # People who watched it recently enough to count as following an airing series.
    followers: frozenset[str] = frozenset()
    # Requesters who have not watched it since they asked for it.
    requesters_not_watched: frozenset[str] = frozenset()


NOBODY: frozenset[str] = frozenset()
NO_PEOPLE = (NOBODY, NOBODY, NOBODY, NOBODY)
# A usage's play tally: its fields before the four sets of people.
TALLY_FIELDS = len(TitleUsage._fields) - len(NO_PEOPLE)
# A title nobody played, asked for or streams (shared: a library has thousands).
UNUSED = TitleUsage()


def tally_plays(
    plays: Iterable[Play], year_ago: datetime
) -> tuple[dict[UsageKey, TitleUsage], list[LatestPlay]]:
    """Add up plays per title and per season, and find each person's latest play of each title.

    The store does the same in SQL (store/usage.py) so that plans never load every play.
    """
    by_key: dict[UsageKey, list[Play]] = defaultdict(list)
    latest: dict[tuple[Identity, str], Play] = {}
    for play in plays:
        if (identity := play.identity) is None:
            continue
        by_key[(identity, None)].append(play)
        if play.season is not None:
            by_key[(identity, play.season)].append(play)
        person = (identity, play.user_id)
        if (before := latest.get(person)) is None or play.started > before.started:
            latest[person] = play
    tallies = {}
    for key, key_plays in by_key.items():
        last = max(key_plays, key=lambda play: (play.started, play.user_id))
        tallies[key] = TitleUsage(
            last_watched=last.started,
            last_watched_by=last.user_id,
            plays=len(key_plays),
            watchers=len({play.user_id for play in key_plays}),
            completion=sum(min(play.percent_complete, 100) for play in key_plays)
            / (100.0 * len(key_plays)),
            plays_last_year=sum(play.started >= year_ago for play in key_plays),
        )
    return tallies, [
        LatestPlay(
            identity=identity,
            user_id=user,
            started=play.started,
            percent_complete=play.percent_complete,
        )
        for (identity, user), play in latest.items()
    ]


def title_usage(
    plays: Iterable[Play],
    requests: Iterable[RequestRecord],
    streaming: Mapping[Identity, Iterable[str]],
    now: datetime,
    in_progress_days: int,
    follow_days: int = FOLLOW_DAYS,
) -> dict[UsageKey, TitleUsage]:
    """Aggregate plays, requests and live streams per title and per season."""
    tallies, latest = tally_plays(plays, now - timedelta(days=LAST_YEAR_DAYS))
    return usage_from_tallies(
        tallies, latest, requests, streaming, now, in_progress_days, follow_days
    )


def latest_requests(
    requests: Iterable[RequestRecord],
) -> dict[tuple[Identity, str], datetime]:
    """Return when each requester last asked for each title (live requests only).

    A requester waits for a title until they play it after that.
    """
    asked: dict[tuple[Identity, str], datetime] = {}
    for request in requests:
        if request.status in LIVE_REQUESTS:
            person = (request.identity, request.requested_by)
            if (before := asked.get(person)) is None or request.created > before:
                asked[person] = request.created
    return asked


def usage_from_tallies(
    tallies: Mapping[UsageKey, TitleUsage],
    latest: Sequence[LatestPlay],
    requests: Iterable[RequestRecord],
    streaming: Mapping[Identity, Iterable[str]],
    now: datetime,
    in_progress_days: int,
    follow_days: int = FOLLOW_DAYS,
) -> dict[UsageKey, TitleUsage]:
    """Return each title's and season's usage from its play tallies, requests and streams.

    latest needs every person's latest play of a title if it is recent (within the
    in-progress and follow windows) or the person requested the title; older ones
    change nothing. A season's usage carries its series' in-progress people,
    streams, followers and requesters, so a series someone is part-way through
    protects each season. tallies are usages with nobody in them yet
    (tally_plays, store/usage.py's load_tallies).
    """
    shared = _people(
        latest,
        latest_requests(requests),
        streaming,
        now - timedelta(days=in_progress_days),
        now - timedelta(days=follow_days),
    )
    # A copy keeps the tallies' hashes (Identity hashes in Python): only the titles
    # with people, and their seasons, are made again.
    usage = dict(tallies)
    make = tuple.__new__
    for identity, people in shared.items():
        title: UsageKey = (identity, None)
        usage[title] = make(
            TitleUsage, usage.get(title, UNUSED)[:TALLY_FIELDS] + people
        )
    for key, tally in tallies.items():
        if key[1] is not None and (found := shared.get(key[0])) is not None:
            usage[key] = make(TitleUsage, tally[:TALLY_FIELDS] + found)
    return usage


type People = tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]


def _people(
    latest: Sequence[LatestPlay],
    asked: Mapping[tuple[Identity, str], datetime],
    streaming: Mapping[Identity, Iterable[str]],
    progress_since: datetime,
    follow_since: datetime,
) -> dict[Identity, People]:
    """Return per title the people in progress, streaming, following and waiting.

    Each title is looked up once per latest play (Identity hashes in Python, so
    lookups count), and lists are made only for titles someone played recently.
    """
    people: dict[Identity, tuple[list[str], list[str]]] = {}
    for identity, user, started, percent in latest:
        if started < follow_since and started < progress_since:
            continue
        if (lists := people.get(identity)) is None:
            lists = people[identity] = ([], [])
        if started >= progress_since and (
            percent < FINISHED_PERCENT or identity.media_type == "tv"
        ):
            lists[0].append(user)
        if started >= follow_since:
            lists[1].append(user)
    shared = {
        identity: (
            frozenset(progressing) if progressing else NOBODY,
            NOBODY,
            frozenset(following) if following else NOBODY,
            NOBODY,
        )
        for identity, (progressing, following) in people.items()
    }
    for identity, users in streaming.items():
        found = shared.get(identity, NO_PEOPLE)
        shared[identity] = (found[0], frozenset(users), found[2], found[3])
    for identity, users in _waiting(latest, asked).items():
        found = shared.get(identity, NO_PEOPLE)
        shared[identity] = (found[0], found[1], found[2], frozenset(users))
    return shared


def _waiting(
    latest: Sequence[LatestPlay], asked: Mapping[tuple[Identity, str], datetime]
) -> dict[Identity, set[str]]:
    """Return per title the requesters who have not played it since they asked."""
    waiting: defaultdict[Identity, set[str]] = defaultdict(set)
    if not asked:
        return waiting
    # A TMDB id (an int, hashed in C) rules out most plays before a person is looked up.
    requested = {identity.tmdb_id for identity, _ in asked}
    answered = {
        person
        for identity, user, started, _ in latest
        if identity.tmdb_id in requested
        and (person := (identity, user)) in asked
        and started >= asked[person]
    }
    for identity, user in asked.keys() - answered:
        waiting[identity].add(user)
    return waiting


def usage_of(
    usage: Mapping[UsageKey, TitleUsage], identity: Identity, season: int | None
) -> TitleUsage:
    """Return a title's or season's usage; a season nobody played still carries its series' people."""
    if (found := usage.get((identity, season))) is not None:
        return found
    if season is None or (title := usage.get((identity, None))) is None:
        return UNUSED
    return TitleUsage(
        in_progress=title.in_progress,
        streaming=title.streaming,
        followers=title.followers,
        requesters_not_watched=title.requesters_not_watched,
    )
