"""predict on the simulated stack: next episodes checked against the world's files and queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .helpers_actions import fixture_entry, world_state  # noqa: F401
from .test_services import call


@pytest.fixture(name="simulator")
async def fixture_simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Run a tiny world whose history ends now (series are in progress this week)."""
    now = datetime.now(UTC).replace(microsecond=0)
    async with Simulator(scale="tiny", now=now) as sim:
        yield sim


def world_episode(simulator: Simulator, row: dict[str, Any]) -> tuple[Any, ...]:
    """Return the world's episode a row names."""
    world = simulator.world
    series = world.series_by_tmdb(row["tmdb_id"])
    assert series is not None
    return next(
        world.episodes[episode_id]
        for episode_id in series.episode_ids
        if world.episodes[episode_id][2:4] == (row["season"], row["episode"])
    )


async def test_next_episodes_say_whether_they_can_be_watched(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Each next episode is on disk exactly when the world has its file; ready counts them."""
    result = await call(hass, "predict", {})
    continuing = result["continuing"]
    assert continuing
    for row in continuing:
        episode = world_episode(simulator, row)
        assert row["status"] == ("on_disk" if episode[5] else "missing")
        assert row["reason"].startswith(row["user"])
        assert f"S{row['season']:02d}E{row['episode']:02d}" in row["reason"]
    assert [row["likelihood"] for row in continuing] == sorted(
        (row["likelihood"] for row in continuing), reverse=True
    )
    assert result["titles"]
    assert {row["status"] for row in result["titles"]} <= {
        "on_disk",
        "in_library",
        "not_in_library",
    }
    assert result["ready"] == sum(
        row["status"] == "on_disk" for row in (*continuing, *result["titles"])
    )

    # The first next episode loses its file and is downloaded again.
    first = continuing[0]
    world = simulator.world
    series = world.series_by_tmdb(first["tmdb_id"])
    assert series is not None
    episode = world_episode(simulator, first)
    world.episodes[episode[0]] = (*episode[:5], False, 0, episode[7])
    world.enqueue_episode(series, episode[0])
    user = first["user"]
    again = await call(hass, "predict", {"user": user.upper(), "days": 3})
    assert again["user"] == user
    assert {row["user"] for row in again["continuing"]} == {user}
    assert again["continuing"][0]["status"] == "downloading"
    assert again["continuing"][0]["reason"].endswith("is downloading")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"user": "nobody"}, "recommend_user_not_found"),
        ({"days": 0}, "invalid_whole_number"),
        ({"days": 31}, "invalid_whole_number"),
    ],
)
async def test_bad_input_is_refused(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """An unknown person or a horizon out of range is refused and changes nothing."""
    before = world_state(simulator)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "predict", data)
    assert err.value.translation_key == key
    assert world_state(simulator) == before


async def test_sensors_count_what_the_actions_say(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Ready next week is predict's ready count; Recommendations ready counts strong picks."""
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {
            "entity_id": [
                "sensor.tmdb_ready_next_week",
                "sensor.tmdb_recommendations_ready",
            ]
        },
        blocking=True,
    )
    predicted = await call(hass, "predict", {})
    ready = hass.states.get("sensor.tmdb_ready_next_week")
    assert ready is not None
    assert int(ready.state) == predicted["ready"] > 0
    assert ready.attributes["titles"]
    recommended = await call(hass, "recommend", {"count": 20})
    strong = [row for row in recommended["recommendations"] if row["score"] >= 0.8]
    waiting = hass.states.get("sensor.tmdb_recommendations_ready")
    assert waiting is not None
    assert int(waiting.state) == len(strong)
    assert waiting.attributes["titles"] == [row["label"] for row in strong[:5]]
