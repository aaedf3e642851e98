"""Tests for cleanup's queue and airing protections, seasons as plan items and how titles go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .helpers_actions import fixture_entry, fixture_events
from .test_care import execute, plan, run_sql

__all__ = ["fixture_entry", "fixture_events"]


async def add_episode_play(
    hass: HomeAssistant, row_id: int, tmdb_id: int, season: int, days_ago: float
) -> None:
    """Record a finished play of an episode of a series by Tautulli user 7."""
    started = int((dt_util.utcnow() - timedelta(days=days_ago)).timestamp())
    await run_sql(
        hass,
        "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
        " full_title, started, play_duration, paused_counter, percent_complete,"
        " watched_status, identity_type, tmdb_id, season, matched_by) VALUES"
        " ('t', ?, 7, 'anna', 'episode', 'x', 'x', ?, 3600, 0, 100, 1, 'tv', ?, ?,"
        " 'guid')",
        row_id,
        started,
        tmdb_id,
        season,
    )


def protections_of(made: dict[str, Any], title: str) -> list[str]:
    """Return the protections a plan names for a title (empty when it is not protected)."""
    return next(
        (p["protections"] for p in made["protected"] if p["title"] == title), []
    )


def series_named(simulator: Simulator, name: str) -> Any:
    """Return the simulated series with a title."""
    return next(s for s in simulator.world.series.values() if s.info.title == name)


def label(info: Any) -> str:
    """Return how a plan names a title."""
    return f"{info.title} ({info.year})"


async def test_downloading_and_seeding_titles_are_protected_when_planned_and_executed(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A title in the queue is named downloading or seeding, in the plan and at execution."""
    world = simulator.world
    before = await plan(hass, target_percent=40, instance="Radarr")
    assert len(before["items"]) == 2
    seeding, upgrading = (world.movies[item["item_id"]] for item in before["items"][:2])
    world.seed_download("radarr", seeding.id)
    world.enqueue_movie(upgrading, progress=0.5)
    made = await plan(hass, target_percent=40, instance="Radarr")
    assert protections_of(made, label(seeding.info)) == ["seeding"]
    assert protections_of(made, label(upgrading.info)) == ["downloading"]
    planned = {item["tmdb_id"] for item in made["items"]}
    assert not planned & {seeding.info.tmdb_id, upgrading.info.tmdb_id}

    first = made["items"][0]
    world.seed_download("radarr", first["item_id"])
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert done["skipped"] == [
        {"title": first["title"], "reason": "protected", "protections": ["seeding"]}
    ]
    assert first["item_id"] in world.movies
    assert len(done["removed"]) == len(made["items"]) - 1


async def test_an_airing_season_someone_follows_is_protected(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A continuing series watched recently is airing_followed; an ended one is not."""
    continuing = series_named(simulator, "Rising Echo")
    ended = series_named(simulator, "Restless Horizon")
    assert not continuing.info.ended
    assert ended.info.ended
    await add_episode_play(hass, 1, continuing.info.tmdb_id, 2, days_ago=45)
    await add_episode_play(hass, 2, ended.info.tmdb_id, 2, days_ago=45)
    made = await plan(hass, target_percent=40, instance="Sonarr")
    name = label(continuing.info)
    assert "airing_followed" in protections_of(made, name)
    assert protections_of(made, f"{name} season 2") == [
        "in_progress",
        "airing_followed",
    ]
    # An earlier season airs no more; an episode of it is in the download queue.
    assert protections_of(made, f"{name} season 1") == ["in_progress", "downloading"]
    assert protections_of(made, label(ended.info)) == ["in_progress"]


async def test_a_season_is_planned_and_removed_alone(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A never watched season goes: its files deleted and it is unmonitored, the rest stays."""
    world = simulator.world
    # Its last season is downloading (so is the series); Dynasty of Granite waits
    # for its requester.
    orbit = series_named(simulator, "The Orbit")
    row = 0
    for series in world.series.values():
        seasons = {world.episodes[eid][2] for eid in series.episode_ids}
        for season in sorted(seasons):
            row += 1
            if series is orbit and season > 1:
                await add_episode_play(hass, row, series.info.tmdb_id, season, 120)
            elif series is not orbit:
                await add_episode_play(hass, row, series.info.tmdb_id, season, 2)
    made = await plan(hass, target_percent=73, instance="Sonarr")
    [item] = made["items"]
    assert item["title"] == f"{label(orbit.info)} season 1"
    assert item["season"] == 1
    assert made["target_met"]

    others = {
        eid: world.episodes[eid]
        for eid in orbit.episode_ids
        if world.episodes[eid][2] > 1
    }
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert [removed["title"] for removed in done["removed"]] == [item["title"]]
    assert done["freed_gb"] == item["size_gb"]
    assert orbit.id in world.series
    first = [world.episodes[eid] for eid in orbit.episode_ids if eid not in others]
    assert first
    assert not any(episode[5] or episode[7] for episode in first)
    assert {eid: world.episodes[eid] for eid in others} == others


async def test_unmonitor_keeps_titles_with_or_without_their_files(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Unmonitor keeps each movie in Radarr; its file goes unless delete_files is off."""
    world = simulator.world
    made = await plan(hass, target_percent=40, instance="Radarr")
    done = await execute(
        hass, plan_id=made["plan_id"], confirm=True, unmonitor=True, add_exclusion=True
    )
    assert len(done["removed"]) == len(made["items"]) >= 1
    assert done["freed_gb"] > 0
    excluded = {ext_id for ext_id, _, _ in world.exclusions["radarr"].values()}
    for item in made["items"]:
        movie = world.movies[item["item_id"]]
        assert not movie.monitored
        assert not movie.has_file
        assert item["tmdb_id"] in excluded

    kept = await plan(hass, target_percent=40, instance="Radarr")
    done = await execute(
        hass, plan_id=kept["plan_id"], confirm=True, unmonitor=True, delete_files=False
    )
    assert done["freed_gb"] == 0
    for item in kept["items"]:
        movie = world.movies[item["item_id"]]
        assert not movie.monitored
        assert movie.has_file


async def test_tags_that_only_look_like_keep_protect_nothing_end_to_end(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Tags set in Radarr after planning: ' KEEP ' keeps a title; look-alikes do not."""
    world = simulator.world
    made = await plan(hass, target_percent=40, instance="Radarr")
    first, second = (world.movies[item["item_id"]] for item in made["items"][:2])
    # 'kеep' has a Cyrillic e.
    world.tags.update({90: " KEEP ", 91: "keeper", 92: "k\u0435ep", 93: "do-not-keep"})
    first.tags = [90]
    second.tags = [91, 92, 93]
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert done["skipped"] == [
        {"title": label(first.info), "reason": "protected", "protections": ["keep_tag"]}
    ]
    assert [item["title"] for item in done["removed"]] == [label(second.info)]
    assert first.id in world.movies
    assert second.id not in world.movies


async def test_overrides_remove_single_titles_another_way(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The call only unmonitors; an override deletes one title with an exclusion instead."""
    world = simulator.world
    made = await plan(hass, target_percent=40, instance="Radarr")
    kept, excluded = made["items"][:2]
    done = await execute(
        hass,
        plan_id=made["plan_id"],
        confirm=True,
        unmonitor=True,
        delete_files=False,
        overrides=[
            {
                "key": excluded["key"],
                "unmonitor": False,
                "delete_files": True,
                "add_exclusion": True,
            }
        ],
    )
    assert len(done["removed"]) == len(made["items"])
    how = {row["title"]: row for row in done["removed"]}
    assert (
        how[kept["title"]]["unmonitor"],
        how[kept["title"]]["delete_files"],
        how[kept["title"]]["add_exclusion"],
    ) == (True, False, False)
    assert (
        how[excluded["title"]]["unmonitor"],
        how[excluded["title"]]["delete_files"],
        how[excluded["title"]]["add_exclusion"],
    ) == (False, True, True)
    movie = world.movies[kept["item_id"]]
    assert not movie.monitored
    assert movie.has_file
    assert excluded["item_id"] not in world.movies
    assert {ext_id for ext_id, _, _ in world.exclusions["radarr"].values()} == {
        excluded["tmdb_id"]
    }
    assert done["freed_gb"] == round(excluded["size_bytes"] / 1e9, 1)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ([{"key": "nope/movie:1", "unmonitor": True}], "plan_item_unknown"),
        ([{"key": "FIRST", "unmonitor": "yes"}], "invalid_overrides"),
        ([{"key": "FIRST", "delete": True}], "invalid_overrides"),
        ([{"unmonitor": True}], "invalid_overrides"),
        ([], "invalid_overrides"),
        ("FIRST", "invalid_overrides"),
        ([{"key": "FIRST"}, {"key": "FIRST", "unmonitor": True}], "plan_item_conflict"),
        ([{"key": "LEFT", "unmonitor": True}], "plan_item_conflict"),
    ],
)
async def test_bad_overrides_are_refused_and_nothing_is_removed(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    overrides: Any,
    error: str,
) -> None:
    """Unknown items, wrong flags and items given twice are refused; the plan stays executable."""
    world = simulator.world
    made = await plan(hass, target_percent=40, instance="Radarr")
    first, left = made["items"][0]["key"], made["items"][1]["key"]

    def filled(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("FIRST", first).replace("LEFT", left)
        if isinstance(value, list):
            return [filled(part) for part in value]
        if isinstance(value, dict):
            return {key: filled(part) for key, part in value.items()}
        return value

    movies = set(world.movies)
    with pytest.raises(ServiceValidationError) as refused:
        await execute(
            hass,
            plan_id=made["plan_id"],
            confirm=True,
            leave_out=[left],
            overrides=filled(overrides),
        )
    assert refused.value.translation_key == error
    assert set(world.movies) == movies
    done = await execute(hass, plan_id=made["plan_id"], confirm=True)
    assert len(done["removed"]) == len(made["items"])
