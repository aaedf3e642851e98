"""Tests for the recommendation options: auto-add's cap and minimum score, the quality floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.actions.recommend import CONF_RECOMMENDATIONS
from custom_components.smartplex.const import CONF_UPCOMING_DAYS, CONF_VOICE_SENTENCES
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub
from .test_services import call


async def configure(
    hass: HomeAssistant, entry: MockConfigEntry, recommendations: Any
) -> Any:
    """Submit the options form with a recommendations section."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    section = result["data_schema"].schema[CONF_RECOMMENDATIONS]
    assert section.schema.schema  # the form offers the section
    return await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_UPCOMING_DAYS: 7,
            CONF_VOICE_SENTENCES: False,
            CONF_RECOMMENDATIONS: recommendations,
        },
    )


async def test_options_set_the_cap_score_and_quality_floor(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Saved options change what auto-add adds and what recommend lets through."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    before = await call(hass, "auto_add", {"media_type": "movie", "dry_run": True})
    assert (before["daily_cap"], before["min_score"]) == (2, 0.8)
    assert len(before["titles"]) == 2

    result = await configure(
        hass, entry, {"auto_add_daily_cap": 1.0, "auto_add_min_score": 0.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_RECOMMENDATIONS] == {
        "auto_add_daily_cap": 1,
        "auto_add_min_score": 0.5,
        "min_votes": 50,
        "min_rating": 6.0,
    }
    await hass.async_block_till_done()
    after = await call(hass, "auto_add", {"media_type": "movie", "dry_run": True})
    assert (after["daily_cap"], after["min_score"]) == (1, 0.5)
    assert len(after["titles"]) == 1
    picks = await call(hass, "recommend", {"media_type": "movie", "count": 5})
    assert picks["recommendations"]

    await configure(hass, entry, {"min_votes": 100_000, "min_rating": 9.5})
    await hass.async_block_till_done()
    picks = await call(hass, "recommend", {"media_type": "movie", "count": 5})
    assert picks["recommendations"] == []


@pytest.mark.parametrize(
    "recommendations",
    [
        {"auto_add_daily_cap": 2.5},
        {"auto_add_min_score": float("nan")},
        {"min_votes": 1.5},
        {"min_rating": float("nan")},
    ],
)
async def test_options_refuse_bad_recommendation_numbers(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    recommendations: dict[str, Any],
) -> None:
    """What the number boxes let through but is no whole or real number is refused."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    options = dict(entry.options)
    result = await configure(hass, entry, recommendations)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_RECOMMENDATIONS: "invalid_recommendation_number"}
    assert entry.options == options
