"""Tests for the library care view: titles leaving soon and upgrade suggestions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartplex.dashboard import Page
from custom_components.smartplex.dashboard_views import async_view_data
from custom_components.smartplex.engine.upgrades import suggest_upgrades
from custom_components.smartplex.poster import poster_cache
from custom_components.smartplex.store import async_get_store
from simulator import Simulator

from .helpers_actions import fixture_entry  # noqa: F401
from .helpers_dashboard import next_event, subscribe
from .test_care import add_play, plan


async def test_care_view_lists_titles_leaving_soon(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A plan in its grace period lists its titles with the day they may go; others do not."""
    await plan(hass, target_percent=70, instance="Radarr")  # executable now
    graced = await plan(hass, target_percent=70, grace_days=3)
    data = await async_view_data(hass, entry, "care", Page(0, 20))
    posters = poster_cache(hass)
    leaves = dt_util.parse_datetime(graced["executable_from"])
    assert leaves is not None
    assert leaves > dt_util.utcnow() + timedelta(days=2)
    assert [item["title"] for item in data["leaving_soon"]] == [
        item["title"] for item in graced["items"]
    ]
    assert data["leaving_total"] == len(graced["items"])
    for item in data["leaving_soon"]:
        assert item["leaves"] == leaves.replace(microsecond=0).isoformat()
        assert item["poster"] == posters.url(item["media_type"], item["tmdb_id"])
        assert item["size_bytes"] > 0


async def test_care_view_suggests_upgrades(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A watched title below its cutoff is the first upgrade, with its poster and reason."""
    favourite = min(
        (
            movie
            for movie in simulator.world.movies.values()
            if movie.has_file and movie.quality_id not in {7, 18, 19}
        ),
        key=lambda movie: movie.info.tmdb_id,
    )
    for row in range(3):
        await add_play(hass, 300 + row, "movie", favourite.info.tmdb_id, days_ago=2)
    data = await async_view_data(hass, entry, "care", Page(0, 5))
    first = data["upgrades"][0]
    assert first["tmdb_id"] == favourite.info.tmdb_id
    assert "below its cutoff" in first["reason"]
    assert first["poster"] == poster_cache(hass).url("movie", favourite.info.tmdb_id)
    assert len(data["upgrades"]) <= 5
    assert data["downgrades"]
    assert data["leaving_soon"] == []
    with patch("custom_components.smartplex.dashboard_views.SUGGESTIONS_SHOWN", 2):
        widest = await async_view_data(hass, entry, "care", Page(0, 50))
    assert len(widest["upgrades"]) == 2


async def test_care_view_without_database(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Without its database the care view names the error for each list and answers."""
    await hass.async_add_executor_job(async_get_store(hass).close)
    data = await async_view_data(hass, entry, "care", Page(0, 20))
    assert data["leaving_error"] == "the database is closed"
    assert data["suggest_error"]
    assert data["leaving_soon"] == data["upgrades"] == data["downgrades"] == []


async def test_care_view_follows_a_new_plan(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, entry: MockConfigEntry
) -> None:
    """A plan made with a grace period reaches a subscribed care view at once."""
    client = await hass_ws_client(hass)
    subscription, first = await subscribe(client, view="care")
    assert first["leaving_soon"] == []
    graced = await plan(hass, target_percent=70, grace_days=2)
    updated = await next_event(client, subscription)
    assert len(updated["leaving_soon"]) == len(graced["items"]) > 0


async def test_each_title_is_suggested_once(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A series is weighed once for suggestions, not once more per season on disk."""
    weighed: list[Any] = []

    def spy(entries: list[Any], *args: Any) -> Any:
        weighed.extend(entries)
        return suggest_upgrades(entries, *args)

    with patch(
        "custom_components.smartplex.actions.care_suggest.suggest_upgrades", spy
    ):
        await async_view_data(hass, entry, "care", Page(0, 20))
    titles = [(title.instance, title.identity) for title in weighed]
    assert any(identity.media_type == "tv" for _, identity in titles)
    assert len(titles) == len(set(titles))
