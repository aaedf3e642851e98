"""Request triage through the action, the LLM tool and the autopilot switch, on the simulator."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from functools import partial
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
)

from custom_components.smartplex.actions import triage as triage_actions
from custom_components.smartplex.const import CONF_TRIAGE, DOMAIN
from custom_components.smartplex.engine.models import Identity, TitleInfo
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.metadata import put_related, put_titles
from custom_components.smartplex.store.triage_decisions import load_decisions
from simulator import Simulator

from .conftest import NOW, deliver, setup_entry
from .helpers_actions import (
    ALL_SERVICES,
    EventLog,
    audit_trail,
    fixture_events,  # noqa: F401
    hub,
    world_state,
)
from .helpers_world import unknown_title

AUTOPILOT = "switch.overseerr_request_autopilot"
# Everything scores above 0: every pending request is approved.
APPROVE_ALL = {CONF_TRIAGE: {"approve_above": 0.0, "decline_below": 0.0}}
# Everything scores below 15: with declines on, every pending request is declined.
DECLINE_ALL = {
    CONF_TRIAGE: {"approve_above": 15.0, "auto_decline": True, "decline_below": 14.0}
}


async def loaded(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, **options: Any
) -> MockConfigEntry:
    """Return a loaded hub with every simulated service and the given options."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES, **options)
    await setup_entry(hass, entry)
    return entry


async def call(
    hass: HomeAssistant, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Call triage_requests and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "triage_requests", data or {}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def test_dry_run_says_what_each_policy_would_do(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Every pending request gets a decision, a score with its features and a reason; nothing changes."""
    await loaded(hass, tmp_path, simulator)
    before = world_state(simulator)
    response = await call(hass)
    pending = sorted(r.id for r in simulator.world.requests.values() if r.status == 1)
    assert [row["request_id"] for row in response["requests"]] == pending
    assert response["applied"] is False
    for row in response["requests"]:
        assert row["action"] in ("approve", "hold", "decline")
        assert row["requested_by"] == "Ben"
        assert row["title"]
        assert row["reason"]
        assert set(row["features"]) == {
            "quality",
            "popularity",
            "affinity",
            "follow_through",
            "household",
            "owned",
            "space",
            "quota",
        }
        # The quality feature is the title's TMDB vote shrunk toward the mean.
        tmdb_id = int(row["identity"].split(":")[1])
        vote = next(t for t in simulator.world.titles.values() if t.tmdb_id == tmdb_id)
        assert row["features"]["quality"] == pytest.approx(
            (vote.vote_average * vote.vote_count + 6.5 * 50) / (vote.vote_count + 50),
            abs=0.001,
        )
    assert sum(response["counts"].values()) == len(pending)
    assert world_state(simulator) == before
    assert events.events == []


async def test_dry_run_for_one_requester_and_an_unknown_one(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A requester filter keeps only theirs; an unknown name is refused with the names known."""
    await loaded(hass, tmp_path, simulator)
    assert (await call(hass, {"user": "ben"}))["total"] == 2
    assert (await call(hass, {"user": "anna"}))["total"] == 0
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, {"user": "zoe"})
    assert err.value.translation_key == "user_not_found"


async def test_apply_approves_by_policy_with_audit_and_events(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Applying approves what triage approves; each carries its reason in the audit and events."""
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    response = await call(hass, {"apply": True})
    assert {row["outcome"] for row in response["requests"]} == {"approved"}
    assert simulator.world.requests[1].status == 2
    assert simulator.world.requests[4].status == 2
    approved = events.of("smartplex_request_approved")
    assert {event["request_id"] for event in approved} == {1, 4}
    assert all(event["reason"].startswith("Approved: ") for event in approved)
    triaged = events.of("smartplex_request_triaged")
    assert [(e["request_id"], e["policy"]) for e in triaged] == [
        (4, "score_approve"),
        (1, "score_approve"),
    ] or [(e["request_id"], e["policy"]) for e in triaged] == [
        (1, "score_approve"),
        (4, "score_approve"),
    ]
    rows = [r for r in await audit_trail(hass) if r.action == "request_approved"]
    assert {row.details["reason"] for row in rows} == {
        event["reason"] for event in approved
    }


async def test_apply_declines_only_when_enabled(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """With automatic declines on and a low score, applying declines with the reason."""
    await loaded(hass, tmp_path, simulator, **DECLINE_ALL)
    response = await call(hass, {"apply": True})
    assert {row["outcome"] for row in response["requests"]} == {"declined"}
    assert simulator.world.requests[1].status == 3
    declined = events.of("smartplex_request_declined")
    assert all(event["reason"].startswith("Declined: ") for event in declined)


async def test_apply_holds_by_default(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Under the default (strict) threshold with declines off, requests wait for a person."""
    await loaded(hass, tmp_path, simulator, **{CONF_TRIAGE: {"approve_above": 15.0}})
    before = world_state(simulator)
    response = await call(hass, {"apply": True})
    assert {row["outcome"] for row in response["requests"]} == {"held"}
    assert world_state(simulator) == before


async def test_apply_skips_a_request_decided_by_someone_else_meanwhile(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A request declined by hand between triage and action is re-checked and left alone."""
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    snapshot = triage_actions.async_snapshot

    async def decided_meanwhile(*args: Any) -> Any:
        taken = await snapshot(*args)
        simulator.world.requests[1].status = 3  # declined by an admin in Overseerr
        return taken

    with patch.object(triage_actions, "async_snapshot", decided_meanwhile):
        response = await call(hass, {"apply": True})
    outcomes = {row["request_id"]: row["outcome"] for row in response["requests"]}
    assert outcomes[1].startswith("skipped: ")
    assert "already declined" in outcomes[1]
    assert outcomes[4] == "approved"
    assert simulator.world.requests[1].status == 3


async def test_apply_with_overseerr_failing_touches_nothing_and_says_so_once(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """When approving fails, the rest are left untouched and the error is given once."""
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    simulator.faults.inject("overseerr", "status", status=500, method="POST")
    response = await call(hass, {"apply": True})
    assert [row["outcome"] for row in response["requests"]] == ["untouched"] * 2
    assert "Overseerr could not do this" in response["error"]
    assert simulator.world.requests[1].status == 1
    assert simulator.world.requests[4].status == 1


@pytest.mark.parametrize(("limit", "held"), [(1, True), (2, False), (0, False)])
async def test_a_requester_beyond_their_overseerr_quota_waits(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    limit: int,
    held: bool,
) -> None:
    """Ben's quota is read once a run; only going beyond it holds his requests.

    Overseerr counts his two pending movies in `used`: a limit of 2 is met, not
    exceeded, and 0 means no quota.
    """
    ben = simulator.world.users[1]
    ben.movie_quota_limit, ben.movie_quota_days = limit, 365
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    traffic = simulator.stack.traffic
    traffic.reset()
    rows = (await call(hass))["requests"]
    assert [row["request_id"] for row in rows] == [1, 4]
    reads = traffic.endpoints["overseerr"]["GET /api/v1/user/{userId}/quota"]
    assert reads.requests == 1
    for row in rows:
        assert (row["policy"] == "quota") is held
        assert (row["features"]["quota"] < 0) is held
        if held:
            assert row["action"] == "hold"
            assert row["reason"] == (
                "Waits for approval: it goes beyond your request quota "
                "(2 movies requested, 1 allowed in 365 days)."
            )
        else:
            assert row["action"] == "approve"
        if limit:
            assert (
                f"quota: 2 movies requested, {limit} allowed in 365 days"
                in (row["evidence"])
            )


async def test_a_failing_quota_read_changes_nothing(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Triage without the quota does not act: a translated error, nothing changed."""
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    simulator.faults.inject(
        "overseerr", "status", status=500, path="/api/v1/user/2/quota"
    )
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, {"apply": True})
    assert getattr(err.value, "translation_key", None) == "service_error"
    assert simulator.world.requests[1].status == 1


async def test_triage_with_overseerr_down_is_refused(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """No snapshot, no decision: a translated error, nothing changed."""
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/request")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, {"apply": True})
    assert getattr(err.value, "translation_key", None) == "service_error"
    assert simulator.world.requests[1].status == 1


def overseerr_of(entry: MockConfigEntry) -> Any:
    """Return the hub's Overseerr service."""
    return next(
        service
        for service in entry.runtime_data.services.values()
        if service.service_type == "overseerr"
    )


async def new_request(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> int:
    """Make Ben request a title not yet requested and let the next poll see it."""
    world = simulator.world
    requested = {(r.kind, r.tmdb_id) for r in world.requests.values()}
    owned = world.owned_tmdb_ids()
    title = next(
        t
        for t in sorted(world.titles.values(), key=lambda t: (t.kind, t.tmdb_id))
        if t.kind == "movie" and (t.kind, t.tmdb_id) not in requested | owned
    )
    request = world.add_request(1, title, NOW + timedelta(minutes=1))
    await overseerr_of(entry).coordinators.request_events.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    return request.id


async def test_autopilot_is_off_by_default_and_acts_on_new_requests_when_on(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Off: a new request stays pending. On: the next one is approved by policy."""
    entry = await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    assert hass.states.get(AUTOPILOT).state == STATE_OFF
    first = await new_request(hass, entry, simulator)
    assert simulator.world.requests[first].status == 1

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": AUTOPILOT}, blocking=True
    )
    second = await new_request(hass, entry, simulator)
    assert simulator.world.requests[second].status == 2
    # Only new requests: the earlier pending ones stay for a person.
    assert simulator.world.requests[first].status == 1
    assert simulator.world.requests[1].status == 1
    [triaged] = events.of("smartplex_request_triaged")
    assert triaged["request_id"] == second
    assert triaged["source"] == "autopilot"
    [approved] = events.of("smartplex_request_approved")
    assert approved["source"] == "autopilot"


async def test_autopilot_acts_on_a_pushed_request_at_once(
    hass: HomeAssistant, ha_url: str, tmp_path: Path, simulator: Simulator
) -> None:
    """Overseerr's webhook for a new request triages it without waiting for a poll."""
    mock_restore_cache(hass, [State(AUTOPILOT, STATE_ON)])
    await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    await deliver(hass, simulator)
    world = simulator.world
    title = unknown_title(world, "movie")
    request = simulator.stack.create_request(1, title)
    await deliver(hass, simulator)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert request.status == 2
    assert world.requests[1].status == 1


async def test_autopilot_with_overseerr_failing_logs_once(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing Overseerr leaves new requests untouched and is logged once, not per poll."""
    mock_restore_cache(hass, [State(AUTOPILOT, STATE_ON)])
    entry = await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    assert hass.states.get(AUTOPILOT).state == STATE_ON
    simulator.faults.inject("overseerr", "status", status=500, method="POST")
    with caplog.at_level(logging.WARNING):
        first = await new_request(hass, entry, simulator)
        second = await new_request(hass, entry, simulator)
    assert simulator.world.requests[first].status == 1
    assert simulator.world.requests[second].status == 1
    warnings = [r for r in caplog.records if "Request autopilot left" in r.message]
    assert len(warnings) == 1
    simulator.faults.clear()
    third = await new_request(hass, entry, simulator)
    assert simulator.world.requests[third].status == 2


async def test_llm_tool_explains_a_hold(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """The triage tool answers "why is Ben's request on hold?" with the reason."""
    from homeassistant.helpers import llm

    from custom_components.smartplex.llm_api import create_tools

    await loaded(hass, tmp_path, simulator, **{CONF_TRIAGE: {"approve_above": 15.0}})
    tool = next(t for t in create_tools() if t.name == "triage_requests")
    result = await tool.async_call(
        hass,
        llm.ToolInput(tool_name=tool.name, tool_args={"user": "Ben"}),
        llm.LLMContext(
            platform="test",
            context=None,
            language="en",
            assistant="conversation",
            device_id=None,
        ),
    )
    data = getattr(result, "data", result)
    assert data["success"] is True
    assert all(row["action"] == "hold" for row in data["requests"])
    assert all(
        row["reason"].startswith(("Waits", "You finished")) for row in data["requests"]
    )


async def test_held_requests_come_with_alternatives_from_the_recommender(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A request the score holds lists titles like it that score better for the requester.

    The recommendations engine draws them from TMDB's recommendations and similar lists
    of the requested title (cached), above its quality floor; triage keeps the ones the
    requester would score higher, best first.
    """
    await loaded(hass, tmp_path, simulator, **{CONF_TRIAGE: {"approve_above": 15.0}})
    requested = Identity("movie", simulator.world.requests[1].tmdb_id)
    better = TitleInfo(
        identity=Identity("movie", 990_001),
        title="Better Film",
        year=2020,
        vote_average=9.0,
        vote_count=20_000,
    )
    similar = replace(
        better, identity=Identity("movie", 990_004), title="Similar", vote_average=8.5
    )
    worse = replace(
        better, identity=Identity("movie", 990_002), title="Worse", vote_average=2.0
    )

    def seed(connection: Any) -> None:
        put_titles(connection, [better, similar, worse], dt_util.utcnow())
        put_related(
            connection,
            requested,
            "recommendations",
            [worse.identity, better.identity, Identity("movie", 990_003)],
            dt_util.utcnow(),
        )
        put_related(
            connection, requested, "similar", [similar.identity], dt_util.utcnow()
        )

    await hass.async_add_executor_job(async_get_store(hass).run, seed)
    rows = {row["request_id"]: row for row in (await call(hass))["requests"]}
    assert rows[1]["policy"] == "score_hold"
    assert rows[1]["alternatives"] == [
        {"identity": "movie:990001", "title": "Better Film", "year": 2020},
        {"identity": "movie:990004", "title": "Similar", "year": 2020},
    ]
    assert rows[4]["alternatives"] == []


def play_title(simulator: Simulator, play: tuple[Any, ...]) -> Any:
    """Return the simulated title a play is of (the series for an episode)."""
    world = simulator.world
    if play[4] == "movie":
        return world.movies[play[5]].info
    return world.series[world.episodes[play[5]][1]].info


def finishing_only(simulator: Simulator, users: set[int], genre: int) -> list[Any]:
    """Make these users finish every title of one genre and abandon the rest.

    Return the library movies of that genre they finished, once per play.
    """
    world = simulator.world
    finished = []
    for index, play in enumerate(world.plays):
        if play[3] not in users:
            continue
        title = play_title(simulator, play)
        liked = genre in world.taste_genres(title)
        world.plays[index] = (*play[:6], 100 if liked else 10, *play[7:])
        if liked and play[4] == "movie":
            finished.append(world.movies[play[5]])
    return finished


async def test_history_feeds_taste_follow_through_and_household(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A requester's own plays, earlier requests and the household's tastes move the score.

    Ben and another member finish every title of a genre they both watch and abandon
    everything else; Ben watched what he asked for before. His new request of that genre
    gets taste, follow-through and a household member who would watch it, all from the
    synced Tautulli history.
    """
    world = simulator.world
    ben = 1
    seen: dict[int, Counter[int]] = {user.index: Counter() for user in world.users}
    for play in {(play[3], play[4], play[5]): play for play in world.plays}.values():
        seen[play[3]].update(world.taste_genres(play_title(simulator, play)))
    other, genre = max(
        ((user, genre) for user in seen if user != ben for genre in seen[ben]),
        key=lambda pair: (min(seen[ben][pair[1]], seen[pair[0]][pair[1]]), pair),
    )
    liked = {movie.id: movie for movie in finishing_only(simulator, {ben}, genre)}
    finishing_only(simulator, {other}, genre)
    finished = [liked[movie_id] for movie_id in sorted(liked)[:3]]
    assert len(finished) == 3
    for movie in finished:
        world.add_request(ben, movie.info, movie.added - timedelta(days=2), status=2)
    requested = {(r.kind, r.tmdb_id) for r in world.requests.values()}
    wanted = next(
        title
        for title in sorted(world.titles.values(), key=lambda t: t.tmdb_id)
        if title.kind == "movie"
        and genre in title.genre_ids
        and (title.kind, title.tmdb_id) not in requested | world.owned_tmdb_ids()
    )
    request = world.add_request(ben, wanted, NOW - timedelta(hours=1))
    await loaded(hass, tmp_path, simulator)

    row = next(
        row for row in (await call(hass))["requests"] if row["request_id"] == request.id
    )
    assert row["features"]["affinity"] > 0.3
    assert row["features"]["follow_through"] > 0
    assert row["features"]["household"] > 0
    assert f"would suit {world.users[other].username}" in row["evidence"]
    assert "watched 3 of 3 requests" in row["evidence"]


async def test_applied_decisions_are_kept_and_caps_count_earlier_runs(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Applied decisions are kept; a daily cap counts earlier runs' approvals too.

    Each is stored with its features, reason and outcome.
    """
    entry = await loaded(
        hass,
        tmp_path,
        simulator,
        **{CONF_TRIAGE: {"approve_above": 0.0, "decline_below": 0.0, "daily_cap": 2}},
    )
    first = await call(hass, {"apply": True})
    assert {row["outcome"] for row in first["requests"]} == {"approved"}
    request_id = await new_request(hass, entry, simulator)

    second = await call(hass, {"apply": True})
    [row] = second["requests"]
    assert (row["request_id"], row["policy"], row["outcome"]) == (
        request_id,
        "daily_cap",
        "held",
    )
    assert simulator.world.requests[request_id].status == 1

    kept = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(load_decisions, instance=overseerr_of(entry).subentry_id),
    )
    assert [(d.request_id, d.outcome, d.policy) for d in kept] == [
        (1, "approved", "score_approve"),
        (4, "approved", "score_approve"),
        (request_id, "held", "daily_cap"),
    ]
    assert kept[0].features == first["requests"][0]["features"]
    assert kept[0].reason == first["requests"][0]["reason"]
    assert kept[0].source == "service"
    assert second["analytics"]["approvals"]["by_policy"] == 2
    assert second["analytics"]["pending"]["count"] == 1


async def test_a_dry_run_keeps_nothing_and_reports_analytics(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A dry run stores no decision; its analytics count the world's requests."""
    entry = await loaded(hass, tmp_path, simulator, **APPROVE_ALL)
    response = await call(hass)
    kept = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(load_decisions, instance=overseerr_of(entry).subentry_id),
    )
    assert kept == []
    world = simulator.world.requests.values()
    analytics = response["analytics"]
    assert analytics["pending"]["count"] == sum(r.status == 1 for r in world)
    assert analytics["approvals"]["by_policy"] == 0
    assert analytics["approvals"]["by_hand"] == sum(r.status == 2 for r in world)


async def test_tastes_are_learnt_again_only_after_the_history_changed(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A second run with the same synced history reuses every person's taste."""
    from custom_components.smartplex.engine import triage_features

    await loaded(hass, tmp_path, simulator)
    learnt: list[Any] = []
    learn_taste = triage_features.learn_taste

    def counted(*args: Any) -> Any:
        learnt.append(args[0])
        return learn_taste(*args)

    with patch.object(triage_features, "learn_taste", counted):
        first = await call(hass)
        people = len(learnt)
        second = await call(hass)
    # Everyone who played something was learnt once, by the first run only.
    assert people == len({play[3] for play in simulator.world.plays}) > 1
    assert len(learnt) == people
    assert second["requests"] == first["requests"]
