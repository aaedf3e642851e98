"""Request triage: each score feature, each policy, the reasons and the alternatives."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.smartplex.engine.models import (
    Identity,
    Play,
    RequestRecord,
    RequestStatus,
    TitleInfo,
)
from custom_components.smartplex.engine.triage import Triager, triage
from custom_components.smartplex.engine.triage_features import (
    DEFAULT_WEIGHTS,
    GIGABYTE,
    FollowThrough,
    Household,
    RequestQuota,
    follow_through,
    learn_viewers,
    quality,
    relearn_viewers,
)
from custom_components.smartplex.engine.triage_policies import (
    Action,
    Exception_,
    Policy,
    Rule,
    UserPolicy,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ANNA, BEN, CAROL = "1", "2", "3"
NAMES = {ANNA: "Anna", BEN: "Ben", CAROL: "Carol"}


def movie(tmdb_id: int, **info: object) -> TitleInfo:
    """Return a movie's metadata with sensible defaults."""
    defaults: dict[str, object] = {
        "title": f"Movie {tmdb_id}",
        "year": 2015,
        "vote_average": 6.5,
        "vote_count": 1000,
    }
    return TitleInfo(identity=Identity("movie", tmdb_id), **{**defaults, **info})  # type: ignore[arg-type]


def play(user: str, title: TitleInfo, percent: int, days_ago: float = 30) -> Play:
    """Return one play of a title."""
    return Play(
        user_id=user,
        identity=title.identity,
        started=NOW - timedelta(days=days_ago),
        watched_seconds=5400 * percent // 100,
        percent_complete=percent,
    )


def request(
    request_id: int,
    title: TitleInfo,
    user: str = ANNA,
    status: RequestStatus = RequestStatus.PENDING,
    available_days_ago: float | None = None,
    seasons: tuple[int, ...] = (),
) -> RequestRecord:
    """Return a request for a title."""
    return RequestRecord(
        request_id=request_id,
        identity=title.identity,
        requested_by=user,
        created=NOW - timedelta(days=(available_days_ago or 0) + 1, minutes=request_id),
        status=status,
        available=None
        if available_days_ago is None
        else NOW - timedelta(days=available_days_ago),
        seasons=seasons,
    )


# Anna finishes science fiction and abandons romance; Ben the other way round.
SCIFI = [movie(100 + n, genres=("Science Fiction",)) for n in range(6)]
ROMANCE = [movie(200 + n, genres=("Romance",)) for n in range(6)]
WANTED_SCIFI = movie(1, genres=("Science Fiction",), vote_average=7.9, vote_count=4000)
WANTED_ROMANCE = movie(2, genres=("Romance",), vote_average=7.9, vote_count=4000)
HISTORY = [
    *(play(ANNA, title, 100) for title in SCIFI),
    *(play(ANNA, title, 20) for title in ROMANCE),
    *(play(BEN, title, 100) for title in ROMANCE),
    *(play(BEN, title, 15) for title in SCIFI),
]
TITLES = {
    title.identity: title for title in [*SCIFI, *ROMANCE, WANTED_SCIFI, WANTED_ROMANCE]
}


def household(**changes: object) -> Household:
    """Return Anna's and Ben's household with the default history."""
    base = Household(
        now=NOW,
        titles=TITLES,
        viewers=learn_viewers(HISTORY, TITLES),
        names=NAMES,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def decide(
    wanted: RequestRecord,
    policy: Policy | None = None,
    title: TitleInfo | None = None,
    **changes: object,
) -> tuple[Action, Rule, str, dict[str, float]]:
    """Return the action, rule, reason and feature contributions for one request."""
    snapshot = household(**changes)
    if title is not None:
        snapshot = replace(snapshot, titles={**snapshot.titles, title.identity: title})
    result = Triager(snapshot, policy or Policy()).decide(wanted)
    return (
        result.decision.action,
        result.rule,
        result.decision.reason,
        result.decision.score.as_dict(),
    )


# -- features ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "votes", "expected"),
    [
        (9.0, 0, 6.5),  # no votes: the prior mean
        (9.0, 50, 7.75),  # as many votes as the prior: halfway
        (9.0, 100_000, 8.999),  # many votes: what the voters say
        (3.0, 5_000, 3.03),
        (12.0, 50, 8.25),  # out of range: clamped to 10
        (7.0, -5, 6.5),  # negative count: none
    ],
)
def test_quality_shrinks_the_vote_average_by_the_vote_count(
    average: float, votes: int, expected: float
) -> None:
    """Few votes pull toward the mean, many votes keep the average."""
    title = movie(9, vote_average=average, vote_count=votes)
    assert quality(title) == pytest.approx(expected, abs=0.01)


def test_affinity_follows_what_the_requester_finishes() -> None:
    """The same film scores higher for the person who finishes its genre."""
    _, _, _, for_anna = decide(request(1, WANTED_SCIFI, ANNA))
    _, _, _, for_ben = decide(request(1, WANTED_SCIFI, BEN))
    assert for_anna["affinity"] > 1.0
    assert for_ben["affinity"] < -1.0
    assert for_anna["quality"] == for_ben["quality"]


def test_affinity_is_zero_without_history() -> None:
    """A requester who never played anything gets no taste adjustment."""
    _, _, _, features = decide(request(1, WANTED_SCIFI, CAROL))
    assert features["affinity"] == 0
    assert features["follow_through"] == 0


def test_follow_through_counts_fulfilled_requests_watched() -> None:
    """1 of 6 fulfilled requests finished: the ratio lowers the score and names it."""
    earlier = [
        request(10 + n, title, ANNA, RequestStatus.AVAILABLE, available_days_ago=30)
        for n, title in enumerate([SCIFI[0], *ROMANCE[:5]])
    ]
    weaker = replace(WANTED_SCIFI, vote_average=5.5)
    wanted = request(1, weaker, ANNA)
    assert decide(wanted, title=weaker)[0] is Action.APPROVE
    action, rule, reason, features = decide(
        wanted, title=weaker, requests=[*earlier, wanted]
    )
    assert features["follow_through"] == pytest.approx(3 * (2 / 8 - 0.5))
    assert (action, rule) == (Action.HOLD, Rule.SCORE_HOLD)
    assert reason == (
        "You finished 1 of your last 6 requests; this one waits for approval."
    )


def test_follow_through_gives_new_arrivals_time() -> None:
    """A request that arrived yesterday counts only once watched, not against anyone."""
    fresh = request(10, ROMANCE[0], ANNA, RequestStatus.AVAILABLE, available_days_ago=1)
    watched = request(11, SCIFI[0], ANNA, RequestStatus.AVAILABLE, available_days_ago=1)
    old = request(12, ROMANCE[1], ANNA, RequestStatus.AVAILABLE, available_days_ago=20)
    pending = request(13, SCIFI[1], ANNA)
    outcome = household().viewers[ANNA].outcome
    assert follow_through([fresh, watched, old, pending], outcome, NOW) == (
        FollowThrough(fulfilled=2, watched=1)
    )


def test_follow_through_looks_at_the_latest_ten() -> None:
    """Only the ten latest fulfilled requests count."""
    titles = [*ROMANCE, *SCIFI]
    requests = [
        request(n, title, ANNA, RequestStatus.AVAILABLE, available_days_ago=30 + n)
        for n, title in enumerate(titles)
    ]
    # The latest ten are the ones created last: the lowest numbers here.
    ratio = follow_through(requests, household().viewers[ANNA].outcome, NOW)
    assert ratio == FollowThrough(fulfilled=10, watched=4)


def test_household_counts_others_who_would_watch() -> None:
    """Ben finishes romance, so Anna's romance request would suit him too."""
    _, _, _, features = decide(request(1, WANTED_ROMANCE, ANNA))
    assert features["household"] == pytest.approx(DEFAULT_WEIGHTS.household)
    _, _, _, features = decide(request(1, WANTED_ROMANCE, BEN))
    assert features["household"] == 0  # Anna abandons romance


def test_household_leaves_out_who_already_watched_it() -> None:
    """Someone who played the title already is not counted as a future viewer."""
    played = [*HISTORY, play(BEN, WANTED_ROMANCE, 100)]
    snapshot = household(viewers=learn_viewers(played, TITLES))
    result = Triager(snapshot, Policy()).decide(request(1, WANTED_ROMANCE, ANNA))
    assert result.decision.score.as_dict()["household"] == 0


def test_owned_lowers_the_score() -> None:
    """A title already in the library loses points and says so."""
    wanted = request(1, WANTED_SCIFI, ANNA)
    _, _, _, before = decide(wanted)
    _, _, _, after = decide(wanted, owned=frozenset({WANTED_SCIFI.identity}))
    assert after["owned"] == DEFAULT_WEIGHTS.owned
    assert before["owned"] == 0


@pytest.mark.parametrize(
    ("free_gb", "seasons", "held"),
    [(100, (), False), (5, (), True), (40, (1, 2), False), (40, (1, 2, 3), True)],
)
def test_space_holds_what_does_not_fit(
    free_gb: int, seasons: tuple[int, ...], held: bool
) -> None:
    """A movie (8 GB) or seasons (15 GB each) larger than the free space wait."""
    title = (
        WANTED_SCIFI
        if not seasons
        else TitleInfo(identity=Identity("tv", 1), title="Show")
    )
    action, rule, reason, _ = decide(
        request(1, title, ANNA, seasons=seasons),
        Policy(approve_above=0),
        free_bytes={"movie": free_gb * GIGABYTE, "tv": free_gb * GIGABYTE},
    )
    assert (rule is Rule.NO_SPACE) is held
    if held:
        assert action is Action.HOLD
        assert "not enough free disk space" in reason


@pytest.mark.parametrize(
    ("limit", "used", "over"),
    [
        (5, 6, True),
        # Overseerr's `used` counts this pending request: filling the quota is within it.
        (5, 5, False),
        (5, 2, False),
        (0, 40, False),  # limit 0: no quota
    ],
)
def test_quota_holds_only_what_goes_beyond_it(
    limit: int, used: int, over: bool
) -> None:
    """A requester over their Overseerr quota waits for a person, with the numbers."""
    quota = RequestQuota(limit=limit, used=used, days=7)
    action, rule, reason, features = decide(
        request(1, WANTED_SCIFI, ANNA),
        Policy(approve_above=0),
        quotas={(ANNA, "movie"): quota, (ANNA, "tv"): RequestQuota(1, 9, 7)},
    )
    assert (rule is Rule.QUOTA) is over
    assert (features["quota"] < 0) is over
    if over:
        assert action is Action.HOLD
        assert reason == (
            "Waits for approval: it goes beyond your request quota "
            f"({used} movies requested, {limit} allowed in 7 days)."
        )
    else:
        assert action is Action.APPROVE


def test_missing_metadata_scores_as_an_average_title() -> None:
    """A request whose title is unknown gets the prior mean and no taste."""
    unknown = TitleInfo(identity=Identity("movie", 999), title="?")
    _, rule, _, features = decide(request(1, unknown, ANNA))
    assert features["quality"] == DEFAULT_WEIGHTS.prior_mean
    assert features["affinity"] == 0
    assert rule is Rule.SCORE_HOLD


# -- policies ---------------------------------------------------------------------------


def test_score_above_the_threshold_approves_with_its_reason() -> None:
    """Anna's well rated science fiction passes the default threshold."""
    action, rule, reason, _ = decide(request(1, WANTED_SCIFI, ANNA))
    assert (action, rule) == (Action.APPROVE, Rule.SCORE_APPROVE)
    assert reason.startswith("Approved: it scores ")
    assert reason.endswith("(you often finish Science Fiction).")


def test_score_below_holds_and_never_declines_unless_enabled() -> None:
    """A poor fit waits; only with auto-decline on and under the stricter score it is declined."""
    poor = replace(WANTED_ROMANCE, vote_average=3.0)
    action, rule, reason, _ = decide(request(1, poor, ANNA), title=poor)
    assert (action, rule) == (Action.HOLD, Rule.SCORE_HOLD)
    assert "below the 8.1 approved automatically" in reason
    declining = Policy(auto_decline=True)
    action, rule, reason, _ = decide(request(1, poor, ANNA), declining, poor)
    assert (action, rule) == (Action.DECLINE, Rule.SCORE_DECLINE)
    assert reason.startswith("Declined: it scores ")
    # Between the decline and approve thresholds it only waits.
    action, _, _, _ = decide(request(1, WANTED_ROMANCE, ANNA), declining)
    assert action is Action.HOLD


def test_favourite_genre_and_person_approve() -> None:
    """A favourite genre (household) or person (per user) approves whatever the score."""
    poor = replace(WANTED_ROMANCE, vote_average=3.0, people=("Meryl Streep",))
    household_rule = Policy(favourite_genres=frozenset({"romance"}))
    assert decide(request(1, poor, ANNA), household_rule, poor)[:3] == (
        Action.APPROVE,
        Rule.FAVOURITE_GENRE,
        "Approved: Romance is a favourite.",
    )
    personal = Policy(
        users={"anna": UserPolicy(favourite_people=frozenset({"meryl streep"}))}
    )
    assert decide(request(1, poor, ANNA), personal, poor)[:2] == (
        Action.APPROVE,
        Rule.FAVOURITE_PERSON,
    )
    # Ben has no such favourite.
    assert decide(request(1, poor, BEN), personal, poor)[0] is Action.HOLD


def test_exceptions_override_the_score() -> None:
    """Always approve and always ask win over scores, favourites and limits."""
    poor = replace(WANTED_ROMANCE, vote_average=3.0)
    always = Policy(
        auto_decline=True,
        users={ANNA: UserPolicy(exception=Exception_.ALWAYS_APPROVE)},
    )
    assert decide(request(1, poor, ANNA), always, poor)[:3] == (
        Action.APPROVE,
        Rule.ALWAYS_APPROVE,
        "Approved: your requests are always approved.",
    )
    ask = Policy(
        favourite_genres=frozenset({"science fiction"}),
        users={"ben": UserPolicy(exception=Exception_.ALWAYS_ASK)},
    )
    assert decide(request(1, WANTED_SCIFI, BEN), ask)[:2] == (
        Action.HOLD,
        Rule.ALWAYS_ASK,
    )


def test_daily_and_weekly_caps_count_earlier_and_current_approvals() -> None:
    """Caps hold the approval after the limit, counting this run's approvals too."""
    titles = [
        replace(WANTED_SCIFI, identity=Identity("movie", 50 + n)) for n in range(3)
    ]
    snapshot = household(titles={**TITLES, **{t.identity: t for t in titles}})
    requests = [request(n + 1, title, ANNA) for n, title in enumerate(titles)]
    daily = triage(snapshot, requests, Policy(daily_cap=2))
    assert [(t.decision.action, t.rule) for t in daily] == [
        (Action.APPROVE, Rule.SCORE_APPROVE),
        (Action.APPROVE, Rule.SCORE_APPROVE),
        (Action.HOLD, Rule.DAILY_CAP),
    ]
    assert daily[2].decision.reason == (
        "Waits for approval: today's automatic approvals are used up."
    )
    # Two approvals three days ago: the day is free, the week (cap 3) has one left.
    earlier = {ANNA: [NOW - timedelta(days=3)] * 2}
    weekly = triage(
        replace(snapshot, auto_approvals=earlier),
        requests,
        Policy(daily_cap=5, users={ANNA: UserPolicy(weekly_cap=3)}),
    )
    assert [t.rule for t in weekly] == [
        Rule.SCORE_APPROVE,
        Rule.WEEKLY_CAP,
        Rule.WEEKLY_CAP,
    ]
    # Other requesters have their own count.
    assert triage(snapshot, [request(9, titles[0], BEN)], Policy(daily_cap=0))[
        0
    ].rule in (Rule.DAILY_CAP, Rule.SCORE_HOLD)


def test_triage_decides_pending_requests_oldest_first() -> None:
    """Only pending requests are decided, in the order they were made."""
    older = replace(request(5, WANTED_SCIFI), created=NOW - timedelta(days=3))
    newer = replace(request(4, WANTED_ROMANCE), created=NOW - timedelta(days=1))
    done = request(6, SCIFI[0], status=RequestStatus.APPROVED)
    result = triage(household(), [newer, done, older], Policy())
    assert [t.request_id for t in result] == [5, 4]
    assert result[0].as_dict()["identity"] == "movie:1"
    assert result[0].as_dict()["action"] == "approve"


# -- workflow 2: alternatives -----------------------------------------------------------


def test_alternatives_offer_better_fitting_titles_with_a_hold() -> None:
    """Ben's held science fiction request comes with romance he is likelier to finish."""
    candidates = [
        movie(300, genres=("Romance",), vote_average=7.5, vote_count=3000),
        movie(301, genres=("Science Fiction",), vote_average=7.5, vote_count=3000),
        movie(302, genres=("Romance",), vote_average=8.2, vote_count=9000),
        ROMANCE[0],  # already played by Ben
        WANTED_ROMANCE,  # already requested
    ]
    snapshot = household(requests=[request(7, WANTED_ROMANCE, ANNA)])
    triager = Triager(snapshot, Policy())
    held = triager.decide(request(1, WANTED_SCIFI, BEN))
    assert held.rule is Rule.SCORE_HOLD
    offered = triager.alternatives(held, candidates)
    assert [title.identity.tmdb_id for title in offered.alternatives] == [302, 300]
    assert [a["title"] for a in offered.as_dict()["alternatives"]] == [  # type: ignore[union-attr]
        "Movie 302",
        "Movie 300",
    ]


def test_alternatives_only_for_score_holds_and_declines() -> None:
    """An approval or a cap hold gets no alternatives."""
    triager = Triager(household(), Policy())
    approved = triager.decide(request(1, WANTED_SCIFI, ANNA))
    candidates = [movie(302, genres=("Science Fiction",), vote_average=9.5)]
    assert triager.alternatives(approved, candidates).alternatives == ()


@pytest.mark.parametrize(
    ("kind", "liked", "disliked", "expected"),
    [
        ("language", {"language": "ko"}, {"language": "fr"}, "titles in 'ko'"),
        ("decade", {"year": 1975}, {"year": 2015}, "titles from the 1970s"),
        ("person", {"people": ("Ann Hui",)}, {"people": ("Bo Li",)}, "Ann Hui"),
        ("keyword", {"keywords": ("heist",)}, {"keywords": ("war",)}, "about heist"),
    ],
)
def test_reasons_name_the_attribute_that_decided(
    kind: str, liked: dict[str, object], disliked: dict[str, object], expected: str
) -> None:
    """The reason names the language, decade, person or keyword the requester finishes."""
    finished = [movie(400 + n, **{"year": None, **liked}) for n in range(8)]
    dropped = [movie(500 + n, **{"year": None, **disliked}) for n in range(8)]
    wanted = movie(3, vote_average=7.0, vote_count=20_000, **{"year": None, **liked})
    titles = {t.identity: t for t in [*finished, *dropped, wanted]}
    plays = [play(CAROL, t, 100) for t in finished] + [
        play(CAROL, t, 10) for t in dropped
    ]
    snapshot = Household(now=NOW, titles=titles, viewers=learn_viewers(plays, titles))
    result = Triager(snapshot, Policy()).decide(request(1, wanted, CAROL))
    assert result.decision.action is Action.APPROVE, kind
    assert expected in result.decision.reason
    assert any("finishes" in line for line in result.decision.evidence)


def test_a_poorly_rated_title_says_so() -> None:
    """With no taste to go on, the vote average is what the reason names."""
    poor = movie(4, vote_average=2.0, vote_count=5000)
    result = Triager(
        replace(household(), titles={**TITLES, poor.identity: poor}),
        Policy(auto_decline=True),
    ).decide(request(1, poor, CAROL))
    assert result.decision.action is Action.DECLINE
    assert result.decision.reason.endswith("(poorly rated: 2.0/10).")
    assert result.decision.evidence[0] == "rated 2.0/10 by 5000 voters"


def test_history_of_unknown_titles_learns_no_taste() -> None:
    """Plays of titles without metadata (or unmatched plays) teach nothing."""
    stray = Play(
        user_id=CAROL,
        identity=None,
        started=NOW,
        watched_seconds=60,
        percent_complete=100,
    )
    unknown = play(CAROL, movie(777), 100)
    viewers = learn_viewers([stray, unknown], TITLES)
    assert viewers[CAROL].taste.titles == 0
    assert dict(viewers[CAROL].outcome) == {Identity("movie", 777): True}


def test_viewers_whose_history_is_unchanged_are_kept() -> None:
    """Only a person whose plays (or the known titles) changed is learnt again."""
    first = learn_viewers(HISTORY, TITLES)
    again = learn_viewers(HISTORY, TITLES, known=first)
    assert again[ANNA] is first[ANNA]
    assert again[BEN] is first[BEN]

    # Anna abandons a science fiction film: only her viewer is learnt again.
    later = [*HISTORY, play(ANNA, SCIFI[0], 10, days_ago=1)]
    changed = learn_viewers(later, TITLES, known=first)
    assert changed[BEN] is first[BEN]
    assert changed[ANNA] is not first[ANNA]
    assert changed[ANNA] == learn_viewers(later, TITLES)[ANNA]

    # A title becoming known (library or metadata loaded later) relearns everyone.
    extra = movie(300, genres=("Drama",))
    known_more = {**TITLES, extra.identity: extra}
    relearnt = learn_viewers(HISTORY, known_more, known=first)
    assert relearnt[BEN] is not first[BEN]


def test_an_unchanged_history_is_not_learnt_again() -> None:
    """The last result comes back as it was; a new play relearns only its person."""
    first = relearn_viewers(HISTORY, TITLES, None)
    assert relearn_viewers(HISTORY, TITLES, first) is first
    later = [*HISTORY, play(BEN, ROMANCE[0], 100, days_ago=1)]
    _, viewers = relearn_viewers(later, TITLES, first)
    assert viewers[ANNA] is first[1][ANNA]
    assert viewers[BEN] is not first[1][BEN]
