"""Tests for the SmartPlex config flow, subentry flows, options and reauth."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_NAME, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.data_entry_flow import FlowManagerIndexView
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.actions.recommend import CONF_RECOMMENDATIONS
from custom_components.smartplex.care_settings import CONF_CARE
from custom_components.smartplex.const import (
    CONF_SUBENTRY_ID,
    CONF_TRIAGE,
    CONF_UPCOMING_DAYS,
    CONF_VOICE_SENTENCES,
    DOMAIN,
)
from simulator import Simulator

from .conftest import closed_port_url, hub_with_services, service_data, setup_entry


@pytest.fixture(autouse=True)
async def wait_for_reloads(hass: HomeAssistant) -> AsyncIterator[None]:
    """Let the reload that adding or changing a service schedules finish before teardown."""
    yield
    await hass.async_block_till_done()


@pytest.fixture
def hub_entry() -> MockConfigEntry:
    """Return a hub entry without services."""
    return MockConfigEntry(
        domain=DOMAIN, title="SmartPlex", data={}, options={CONF_UPCOMING_DAYS: 7}
    )


async def start_subentry_flow(
    hass: HomeAssistant, entry: MockConfigEntry, service: str
) -> dict[str, Any]:
    """Start adding a service to the hub."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, service), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return dict(result)


async def test_user_creates_hub(hass: HomeAssistant) -> None:
    """The user step creates the hub with default options."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Media"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Media"
    assert result["options"] == {CONF_UPCOMING_DAYS: 7}


async def test_single_hub(hass: HomeAssistant, hub_entry: MockConfigEntry) -> None:
    """Only one hub can be set up."""
    hub_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_options(hass: HomeAssistant, hub_entry: MockConfigEntry) -> None:
    """The options flow stores the upcoming window and the voice-sentences switch."""
    await setup_entry(hass, hub_entry)
    result = await hass.config_entries.options.async_init(hub_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    defaults = {
        key.schema: key.description["suggested_value"]
        for key in schema
        if key.schema not in (CONF_TRIAGE, CONF_CARE, CONF_RECOMMENDATIONS)
    }
    assert defaults == {
        CONF_UPCOMING_DAYS: 7,
        CONF_VOICE_SENTENCES: False,
        "ai_provider": "none",
        "ai_rerank": False,
        "push_remote": False,
        "notify_targets": {},
        "recreate_webhooks": [],
        "create_dashboard": False,
        "edit_user_links": False,
    }
    triage_schema = next(
        value.schema for key, value in schema.items() if key.schema == CONF_TRIAGE
    ).schema
    assert {
        key.schema: key.description["suggested_value"]
        for key in triage_schema
        if key.description
    } == {"approve_above": 8.1, "auto_decline": False, "decline_below": 4.5}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UPCOMING_DAYS: 14, CONF_VOICE_SENTENCES: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(hub_entry.options) == {
        CONF_UPCOMING_DAYS: 14,
        CONF_VOICE_SENTENCES: True,
        "ai_provider": "none",
        "ai_rerank": False,
        "push_remote": False,
        "notify_targets": {},
        CONF_TRIAGE: {
            "approve_above": 8.1,
            "auto_decline": False,
            "decline_below": 4.5,
        },
        CONF_CARE: {
            "disk_threshold": 85.0,
            "disk_target": 75.0,
            "keep_tag": "keep",
            "protect_days": 30,
            "grace_days": 0,
            "plan_cap": 50,
            "searches_per_hour": 20,
            "search_dry_run": False,
            "upgrades_after_cleanup": 0,
        },
        CONF_RECOMMENDATIONS: {
            "auto_add_daily_cap": 2,
            "auto_add_min_score": 0.8,
            "min_votes": 50,
            "min_rating": 6.0,
        },
    }


async def test_options_store_triage_policies(
    hass: HomeAssistant, hub_entry: MockConfigEntry
) -> None:
    """Triage thresholds, caps, favourites and per-person rules are stored as given."""
    await setup_entry(hass, hub_entry)
    result = await hass.config_entries.options.async_init(hub_entry.entry_id)
    triage = {
        "approve_above": 7.5,
        "auto_decline": True,
        "decline_below": 3.0,
        "daily_cap": 2.0,
        "weekly_cap": 5,
        "favourite_genres": "Animation, Family",
        "favourite_people": " ",
        "user_rules": "Ben: always ask\nCarol: genres Drama; daily 1",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_UPCOMING_DAYS: 7, CONF_VOICE_SENTENCES: False, CONF_TRIAGE: triage},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert hub_entry.options[CONF_TRIAGE] == {
        "approve_above": 7.5,
        "auto_decline": True,
        "decline_below": 3.0,
        "daily_cap": 2,
        "weekly_cap": 5,
        "favourite_genres": "Animation, Family",
        "user_rules": "Ben: always ask\nCarol: genres Drama; daily 1",
    }


@pytest.mark.parametrize(
    ("triage", "error"),
    [
        ({"approve_above": 7.0, "decline_below": 7.5}, "invalid_triage_thresholds"),
        ({"approve_above": float("nan")}, "invalid_triage_number"),
        ({"daily_cap": 1.5}, "invalid_triage_number"),
        ({"user_rules": "Ben always ask"}, "invalid_user_rules"),
        ({"user_rules": "Ben: sometimes"}, "invalid_user_rules"),
        ({"user_rules": "Ben: daily two"}, "invalid_user_rules"),
    ],
)
async def test_options_refuse_bad_triage_policies(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    triage: dict[str, object],
    error: str,
) -> None:
    """Bad thresholds, caps or rules are refused with a clear error; nothing changes."""
    await setup_entry(hass, hub_entry)
    options = dict(hub_entry.options)
    result = await hass.config_entries.options.async_init(hub_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_UPCOMING_DAYS: 7, CONF_VOICE_SENTENCES: False, CONF_TRIAGE: triage},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_TRIAGE: error}
    assert hub_entry.options == options


@pytest.mark.parametrize("days", [1.5, float("nan")])
async def test_options_refuse_a_bad_window(
    hass: HomeAssistant, hub_entry: MockConfigEntry, days: object
) -> None:
    """A fraction or nan, which the number selector lets through, is refused; nothing changes."""
    await setup_entry(hass, hub_entry)
    options = dict(hub_entry.options)
    result = await hass.config_entries.options.async_init(hub_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UPCOMING_DAYS: days, CONF_VOICE_SENTENCES: False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_UPCOMING_DAYS: "invalid_upcoming_days"}
    assert hub_entry.options == options


@pytest.mark.parametrize(
    ("service", "title"),
    [
        ("sonarr", "Sonarr"),
        ("radarr", "Radarr"),
        ("overseerr", "Overseerr"),
        ("tautulli", "Tautulli"),
        ("tmdb", "TMDB"),
    ],
)
async def test_add_service(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    title: str,
) -> None:
    """Each service type is tested and added as a subentry."""
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, service)
    data = service_data(simulator, service)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**data, CONF_URL: data[CONF_URL] + "/"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title
    (subentry,) = hub_entry.subentries.values()
    assert subentry.subentry_type == service
    assert dict(subentry.data) == data


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 401}, "invalid_auth"),
        ({"kind": "old_version"}, "unsupported_version"),
        ({"kind": "html_login"}, "wrong_service"),
        ({"kind": "malformed_json"}, "wrong_service"),
        ({"kind": "status", "status": 500}, "cannot_connect"),
    ],
)
async def test_add_service_errors_recover(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    simulator: Simulator,
    fault: dict[str, Any],
    error: str,
) -> None:
    """A failing test shows a distinct error, and the flow recovers once fixed."""
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, "sonarr")
    simulator.faults.inject("sonarr", **fault)
    data = service_data(simulator, "sonarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    simulator.faults.clear()
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("url_fn", "key_of", "error"),
    [
        (lambda sim: closed_port_url(), "sonarr", "cannot_connect"),
        (lambda sim: sim.url("radarr"), "radarr", "wrong_service"),
        (lambda sim: sim.url("sonarr") + "/wrong/base", "sonarr", "wrong_service"),
        (
            lambda sim: sim.url("sonarr").replace("http://", "https://"),
            "sonarr",
            "certificate",
        ),
    ],
)
async def test_add_service_bad_url(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    simulator: Simulator,
    url_fn: Any,
    key_of: str,
    error: str,
) -> None:
    """Wrong addresses, wrong services, wrong paths and TLS problems are told apart."""
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, "sonarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**service_data(simulator, key_of), CONF_URL: url_fn(simulator)},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


@pytest.mark.parametrize(
    ("service", "other"), [("sonarr", "radarr"), ("radarr", "sonarr")]
)
@pytest.mark.parametrize("app_name", [True, False], ids=["app-name", "no-app-name"])
async def test_add_arr_identity(
    hass: HomeAssistant,
    hub_entry: MockConfigEntry,
    simulator: Simulator,
    service: str,
    other: str,
    app_name: bool,
) -> None:
    """Sonarr and Radarr, with or without appName, are accepted as themselves only."""
    if not app_name:
        for name in (service, other):
            simulator.faults.inject(name, "no_app_name")
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, other)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], service_data(simulator, service)
    )
    assert result["errors"] == {"base": "wrong_service"}
    result = await start_subentry_flow(hass, hub_entry, service)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], service_data(simulator, service)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == service.capitalize()


async def test_add_service_unexpected_error(
    hass: HomeAssistant, hub_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A bug while testing shows unknown and is logged."""
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, "tautulli")
    with patch(
        "custom_components.smartplex.api.TautulliClient.validate",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], service_data(simulator, "tautulli")
        )
    assert result["errors"] == {"base": "unknown"}


async def test_second_instance_and_duplicate(
    hass: HomeAssistant, hub_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """The same URL is refused; a second instance is named after its address."""
    await setup_entry(hass, hub_entry)
    data = service_data(simulator, "radarr")
    result = await start_subentry_flow(hass, hub_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await start_subentry_flow(hass, hub_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    async with Simulator(scale="tiny") as other:
        result = await start_subentry_flow(hass, hub_entry, "radarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], service_data(other, "radarr")
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    port = other.url("radarr").rsplit(":", 1)[1]
    assert result["title"] == f"Radarr (127.0.0.1:{port})"


async def test_reconfigure(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Reconfigure tests the new settings, keeps the key when left empty and reloads."""
    subentry = loaded_entry.subentries["sub_sonarr"]
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, "sub_sonarr")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The stored key is never sent to the form.
    key_field = next(k for k in result["data_schema"].schema if k == CONF_API_KEY)
    assert not (key_field.description or {}).get("suggested_value")

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_URL: closed_port_url(), CONF_VERIFY_SSL: True},
    )
    assert result["errors"] == {"base": "cannot_connect"}

    # Its own address with the key left empty succeeds and keeps the key.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_URL: simulator.url("sonarr"), CONF_VERIFY_SSL: True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.subentries["sub_sonarr"].data == subentry.data
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_duplicate(
    hass: HomeAssistant, hub_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A reconfigured service may not point at another configured instance."""
    await setup_entry(hass, hub_entry)
    data = service_data(simulator, "sonarr")
    async with Simulator(scale="tiny") as other:
        for sim in (simulator, other):
            result = await start_subentry_flow(hass, hub_entry, "sonarr")
            await hass.config_entries.subentries.async_configure(
                result["flow_id"], service_data(sim, "sonarr")
            )
        second = next(
            s
            for s in hub_entry.subentries.values()
            if s.data[CONF_URL] != data[CONF_URL]
        )
        result = await hub_entry.start_subentry_reconfigure_flow(
            hass, second.subentry_id
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**data, CONF_VERIFY_SSL: False}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_loaded(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Reauth names the service, rejects a bad key and stores a good one."""
    result = await loaded_entry.start_reauth_flow(
        hass, data={CONF_SUBENTRY_ID: "sub_tautulli"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["service"] == "Tautulli"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: simulator.api_key("tautulli")}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reauth_after_failed_setup(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A key rejected at setup starts reauth for that service, and a new key fixes it."""
    config_entry = hub_with_services(simulator, sonarr={CONF_API_KEY: "expired"})
    await setup_entry(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.api_key("sonarr")}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.subentries["sub_sonarr"].data[
        CONF_API_KEY
    ] == simulator.api_key("sonarr")


async def test_reauth_unknown_service(
    hass: HomeAssistant, hub_entry: MockConfigEntry
) -> None:
    """Reauth without a known service aborts."""
    hub_entry.add_to_hass(hass)
    result = await hub_entry.start_reauth_flow(hass, data={CONF_SUBENTRY_ID: "gone"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_service_unknown"


async def test_add_tautulli_api_disabled(
    hass: HomeAssistant, hub_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A Tautulli with its API switched off says so instead of blaming the key."""
    await setup_entry(hass, hub_entry)
    result = await start_subentry_flow(hass, hub_entry, "tautulli")
    simulator.faults.inject("tautulli", "status", status=404)
    data = service_data(simulator, "tautulli")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["errors"] == {"base": "api_disabled"}
    simulator.faults.clear()
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], data
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


SECRET = "s3cret-Pa55"


def with_credentials(url: str) -> str:
    """Return the URL with user info (basic auth for a reverse proxy)."""
    return url.replace("http://", f"http://smartplex:{SECRET}@")


def sent_to_browser(hass: HomeAssistant, result: Any) -> str:
    """Return what the frontend receives for a flow step (HA's own flow view serialises it)."""
    view = FlowManagerIndexView(hass.config_entries.flow)
    return json.dumps(view._prepare_result_json(result), default=str)


def shown_url(result: Any) -> str:
    """Return the URL the form is pre-filled with."""
    key = next(k for k in result["data_schema"].schema if k == CONF_URL)
    return str(key.description["suggested_value"])


async def test_url_credentials_never_shown_on_reauth_and_reconfigure(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Reauth names the URL and reconfigure pre-fills it without credentials, which are kept."""
    url = with_credentials(simulator.url("sonarr"))
    entry = hub_with_services(simulator, sonarr={CONF_URL: url})
    await setup_entry(hass, entry)

    result = await entry.start_reauth_flow(hass, data={CONF_SUBENTRY_ID: "sub_sonarr"})
    assert result["description_placeholders"]["url"] == simulator.url("sonarr")
    assert SECRET not in sent_to_browser(hass, result)

    result = await entry.start_subentry_reconfigure_flow(hass, "sub_sonarr")
    assert SECRET not in sent_to_browser(hass, result)
    assert shown_url(result) == simulator.url("sonarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_URL: shown_url(result), CONF_VERIFY_SSL: False}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries["sub_sonarr"].data[CONF_URL] == url
    await hass.async_block_till_done()


async def test_url_credentials_never_shown_after_an_error(
    hass: HomeAssistant, hub_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A form shown again after an error drops the credentials but keeps them on resubmit."""
    await setup_entry(hass, hub_entry)
    url = with_credentials(simulator.url("radarr"))
    data = {**service_data(simulator, "radarr"), CONF_URL: url + "/"}
    result = await start_subentry_flow(hass, hub_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**data, CONF_API_KEY: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert SECRET not in sent_to_browser(hass, result)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**data, CONF_URL: shown_url(result)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert SECRET not in sent_to_browser(hass, result)
    (subentry,) = hub_entry.subentries.values()
    assert subentry.data[CONF_URL] == url

    # The same server with or without credentials is one instance.
    result = await start_subentry_flow(hass, hub_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], service_data(simulator, "radarr")
    )
    assert result["reason"] == "already_configured"
