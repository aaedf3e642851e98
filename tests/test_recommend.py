"""recommend and dismiss_recommendation on the simulated stack, through the real actions.

The hub's database holds the tiny world's play history (synced at setup); TMDB, Sonarr,
Radarr and Overseerr are the simulator's, so every filter is checked against the world.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.actions.recommend import EVENT_RECOMMENDATION_DISMISSED
from custom_components.smartplex.engine.profile import profile_from_tallies
from custom_components.smartplex.store import async_get_store
from simulator import Simulator
from simulator.vocabulary import MOVIE_GENRES, TV_GENRES

from .helpers_actions import EventLog, fixture_entry, fixture_events, world_state  # noqa: F401
from .test_llm_api import call_tool
from .test_services import call

FEATURES = {"similar_to_watched", "taste", "quality", "popularity"}


def tmdb_requests(simulator: Simulator) -> int:
    """Return how many requests TMDB served since the last reset."""
    served = simulator.stack.traffic.snapshot().get("tmdb", {})
    return sum(endpoint["requests"] for endpoint in served.values())


def taken(simulator: Simulator) -> set[tuple[str, int]]:
    """Return what must never be recommended: owned, requested or excluded titles."""
    world = simulator.world
    found = {("movie", movie.info.tmdb_id) for movie in world.movies.values()}
    found |= {("tv", series.info.tmdb_id) for series in world.series.values()}
    found |= {(request.kind, request.tmdb_id) for request in world.requests.values()}
    for tmdb_id, _, _ in world.exclusions["radarr"].values():
        found.add(("movie", tmdb_id))
    for tvdb_id, _, _ in world.exclusions["sonarr"].values():
        title = world.title_by_tvdb(tvdb_id)
        assert title is not None
        found.add(("tv", title.tmdb_id))
    return found


async def memory(hass: HomeAssistant) -> list[tuple[str, str, int, str]]:
    """Return the remembered recommendations (user, media type, TMDB id, state)."""

    def read(connection: sqlite3.Connection) -> list[tuple[str, str, int, str]]:
        return connection.execute(
            "SELECT user, media_type, tmdb_id, state FROM recommendations"
            " ORDER BY user, media_type, tmdb_id"
        ).fetchall()

    return await hass.async_add_executor_job(async_get_store(hass).run, read)


async def test_household_recommendations_are_new_good_and_explained(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Ten movies nobody has, requested or excluded, above the quality floor, each explained."""
    world = simulator.world
    excluded = next(
        title
        for title in world.titles.values()
        if title.kind == "movie" and ("movie", title.tmdb_id) not in taken(simulator)
    )
    before = await call(hass, "recommend", {"media_type": "movie"})
    shown = {row["tmdb_id"] for row in before["recommendations"]}
    # An exclusion added in Radarr takes a title out (the first one shown, if any).
    excluded = world.titles["movie", min(shown)] if shown else excluded
    world.add_exclusion("radarr", excluded)

    result = await call(hass, "recommend", {"media_type": "movie"})

    rows = result["recommendations"]
    assert result["total"] == len(rows) == 10
    assert result["user"] is None
    assert not result["cold_start"]
    never = taken(simulator)
    for row in rows:
        title = world.titles["movie", row["tmdb_id"]]
        assert (row["media_type"], row["tmdb_id"]) not in never
        assert title.vote_count >= 50
        assert title.vote_average >= 6
        assert title.release <= simulator.stack.clock.now()
        assert row["title"] == title.title
        assert row["year"] == title.year
        assert row["imdb_id"] == title.imdb_id
        assert row["overview"] == title.overview
        assert row["poster"].startswith("https://image.tmdb.org/t/p/")
        assert set(row["genres"]) == {MOVIE_GENRES[genre] for genre in title.genre_ids}
        assert set(row["features"]) == FEATURES
        assert row["score"] == pytest.approx(sum(row["features"].values()), abs=1e-3)
        assert row["reason"].startswith("Because ")
        assert " ago" in row["reason"]
        assert row["owned"] is False
    assert excluded.tmdb_id not in {row["tmdb_id"] for row in rows}
    assert [row["score"] for row in rows] == sorted(
        (row["score"] for row in rows), reverse=True
    )
    remembered = await memory(hass)
    assert {("", "movie", row["tmdb_id"], "shown") for row in rows} <= set(remembered)


async def test_tmdb_requests_cold_and_warm(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A cold cache costs at most 20 TMDB requests; the same call again costs none."""
    simulator.stack.traffic.reset()
    cold = await call(hass, "recommend", {"media_type": "tv", "count": 10})
    assert 0 < tmdb_requests(simulator) <= 20
    simulator.stack.traffic.reset()
    warm = await call(hass, "recommend", {"media_type": "tv", "count": 10})
    assert tmdb_requests(simulator) == 0
    assert warm["recommendations"] == cold["recommendations"]
    for row in warm["recommendations"]:
        title = simulator.world.titles["tv", row["tmdb_id"]]
        assert row["tvdb_id"] == title.tvdb_id
        assert set(row["genres"]) <= set(TV_GENRES.values())


async def test_one_persons_taste_and_titles_like_one(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A user's reasons name only them; `like` explains by the title asked for."""
    user = simulator.world.users[0].username
    result = await call(hass, "recommend", {"user": user.upper(), "count": 5})
    assert result["user"] == user
    assert result["total"] == 5
    for row in result["recommendations"]:
        assert row["reason"].startswith(f"Because {user} ")
    remembered = await memory(hass)
    assert {state for _, _, _, state in remembered} == {"shown"}
    assert {person for person, _, _, _ in remembered} == {
        str(simulator.world.users[0].plex_id)
    }

    seed = next(
        title
        for title in simulator.world.titles.values()
        if title.kind == "movie"
        and len(simulator.world.search("movie", title.title)) == 1
    )
    like = await call(
        hass, "recommend", {"like": seed.title, "media_type": "movie", "count": 3}
    )
    assert like["recommendations"]
    related = {t.tmdb_id for t in simulator.world.related(seed, "recommendations")}
    for row in like["recommendations"]:
        assert row["tmdb_id"] in related
        # A title someone watched is named with who watched it.
        assert f" {seed.title}" in row["reason"]


async def test_genre_filter_and_cold_start(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Every result has the genre asked for; with no plays, trending titles stand in."""
    result = await call(hass, "recommend", {"genre": "horror", "count": 5})
    assert result["recommendations"]
    for row in result["recommendations"]:
        assert "Horror" in row["genres"]

    def forget(connection: sqlite3.Connection) -> None:
        connection.execute("DELETE FROM plays")

    await hass.async_add_executor_job(async_get_store(hass).run, forget)
    cold = await call(hass, "recommend", {"media_type": "movie", "count": 5})
    assert cold["cold_start"]
    assert cold["total"] == 5
    trending = [
        title.tmdb_id
        for title in simulator.world.trending("movie")
        if ("movie", title.tmdb_id) not in taken(simulator)
    ]
    for row in cold["recommendations"]:
        assert row["reason"].startswith("Trending now")
        assert row["tmdb_id"] in trending


async def test_dismissed_titles_never_come_back(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """A title dismissed for a person is gone from their list, not from everyone's."""
    user = simulator.world.users[0].username
    first = await call(hass, "recommend", {"user": user, "media_type": "movie"})
    dismissed = first["recommendations"][0]
    answer = await call(
        hass,
        "dismiss_recommendation",
        {"user": user, "media_type": "movie", "tmdb_id": dismissed["tmdb_id"]},
    )
    assert answer == {
        "identity": dismissed["identity"],
        "media_type": "movie",
        "tmdb_id": dismissed["tmdb_id"],
        "user": user,
        "dismissed": True,
    }
    assert events.of(EVENT_RECOMMENDATION_DISMISSED) == [
        {**{k: v for k, v in answer.items() if k != "dismissed"}, "source": "service"}
    ]
    again = await call(hass, "recommend", {"user": user, "media_type": "movie"})
    shown = [row["tmdb_id"] for row in again["recommendations"]]
    assert dismissed["tmdb_id"] not in shown
    assert shown[:9] == [row["tmdb_id"] for row in first["recommendations"][1:]]
    assert again["memory"]["dismissed"] == 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"user": "nobody"}, "recommend_user_not_found"),
        ({"like": "No Such Title Anywhere"}, "like_not_found"),
        ({"count": 0}, "invalid_whole_number"),
        ({"count": 51}, "invalid_whole_number"),
        ({"media_type": "music"}, "invalid_choice"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Unknown people, unknown titles and counts out of range are refused, translated."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "recommend", data)
    assert err.value.translation_key == key
    assert world_state(simulator) == before
    assert await memory(hass) == []


async def test_ambiguous_like_lists_the_candidates(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A `like` title shared by several titles is refused until the year tells them apart."""
    by_name: dict[str, list[Any]] = {}
    for title in simulator.world.titles.values():
        by_name.setdefault(title.title, []).append(title)
    name, titles = next(
        (name, found)
        for name, found in sorted(by_name.items())
        if len(found) > 1 and len({t.year for t in found}) == len(found)
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "recommend", {"like": name})
    assert err.value.translation_key == "ambiguous_like"
    year = titles[0].year
    picked = await call(
        hass, "recommend", {"like": f"{name} ({year})", "media_type": titles[0].kind}
    )
    for row in picked["recommendations"]:
        assert row["reason"].startswith(f"Because you asked for titles like {name}")


async def test_llm_tools_recommend_and_dismiss(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The conversation agent gets the same rows and can dismiss one."""
    result = await call_tool(hass, "recommend", {"media_type": "movie", "count": 2})
    assert result["success"] is True
    assert result["total"] == 2
    tmdb_id = result["recommendations"][0]["tmdb_id"]
    dismissed = await call_tool(
        hass, "dismiss_recommendation", {"media_type": "movie", "tmdb_id": tmdb_id}
    )
    assert dismissed["success"] is True
    again = await call_tool(hass, "recommend", {"media_type": "movie", "count": 2})
    assert tmdb_id not in [row["tmdb_id"] for row in again["recommendations"]]
    refused = await call_tool(hass, "recommend", {"count": 99})
    assert refused["success"] is False


async def add_play(
    hass: HomeAssistant, user_id: int, identity: tuple[str, int]
) -> None:
    """Store one more matched play, as the history sync does."""

    def write(connection: sqlite3.Connection) -> None:
        connection.execute(
            "INSERT INTO plays (instance, row_id, user_id, user, media_type, title,"
            " full_title, started, play_duration, paused_counter, percent_complete,"
            " watched_status, identity_type, tmdb_id, matched_by) VALUES ('extra',"
            " 1, ?, 'extra', 'movie', 'x', 'x', strftime('%s', 'now'), 60, 0, 100,"
            " 1, ?, ?, 'guid')",
            (user_id, *identity),
        )

    await hass.async_add_executor_job(async_get_store(hass).run, write)


async def test_profiles_are_kept_until_the_history_changes(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A second recommend or predict reuses the taste; a new play has it learnt again."""
    person = simulator.world.users[0]
    with patch(
        "custom_components.smartplex.actions.taste.profile_from_tallies",
        wraps=profile_from_tallies,
    ) as learnt:
        first = await call(hass, "recommend", {"media_type": "movie"})
        assert learnt.call_count == 1
        again = await call(hass, "recommend", {"media_type": "movie"})
        await call(hass, "predict", {})
        assert learnt.call_count == 1
        assert again["recommendations"] == first["recommendations"]

        await call(hass, "recommend", {"user": person.username})
        await call(hass, "recommend", {"user": person.username, "count": 3})
        assert learnt.call_count == 2

        # Someone else's play changes the household's taste, not this person's.
        other = simulator.world.users[1].plex_id
        picked = first["recommendations"][0]
        await add_play(hass, other, ("movie", picked["tmdb_id"]))
        await call(hass, "recommend", {"user": person.username})
        assert learnt.call_count == 2
        after = await call(hass, "recommend", {"media_type": "movie"})
        assert learnt.call_count == 3
    # The household watched it now: remembered as watched, and not recommended again.
    assert picked["tmdb_id"] not in {row["tmdb_id"] for row in after["recommendations"]}
    assert ("", "movie", picked["tmdb_id"], "watched") in await memory(hass)
