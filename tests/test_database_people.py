"""Tests for the SmartPlex database sync: people, requests, the sync log, diagnostics and rebuilds."""

from __future__ import annotations

import json
import os
from pathlib import Path
import sqlite3
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartplex import sync_requests
from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import requests as requests_store
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import ALL_SERVICES, hub
from .helpers_database import rows


async def test_a_failed_requests_page_leaves_neither_its_requests_nor_the_cursor(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """A requests listing cut after its first page goes on from there: none lost or doubled."""
    real_write = requests_store.write_requests
    pages = 0
    before: list[tuple[int, int]] = []

    def failing_write(connection: sqlite3.Connection, *args: Any) -> tuple[int, int]:
        nonlocal pages
        pages += 1
        if pages == 3:
            # What the retry starts from: the first page and its cursor only.
            before.extend(
                connection.execute(
                    "SELECT (SELECT COUNT(*) FROM requests), done FROM sync_state"
                    " WHERE kind = 'requests'"
                ).fetchall()
            )
        counts = real_write(connection, *args)
        if pages == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return counts

    entry = hub(simulator, [("overseerr", "Overseerr")])
    query = "SELECT done, full_done FROM sync_state WHERE kind = 'requests'"
    with (
        patch.object(sync_requests, "REQUESTS_PAGE", 3),
        patch.object(requests_store, "write_requests", failing_write),
    ):
        # The first listing fails at its second page; the next poll's sync goes on
        # from the first page's cursor.
        await setup_entry(hass, entry)
        coordinator = entry.runtime_data.services["sub_0"].coordinators.request_events
        await coordinator.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
    assert before == [(3, 3)]
    stored = [
        request_id
        for (request_id,) in rows(database, "SELECT request_id FROM requests")
    ]
    assert sorted(stored) == sorted(simulator.world.requests)
    assert rows(database, query) == [(len(simulator.world.requests), 1)]
    assert rows(
        database,
        "SELECT status, error FROM sync_log WHERE kind = 'requests' ORDER BY id",
    ) == [("failed", "disk I/O error"), ("done", None)]


def options_links(database: Path) -> list[tuple[Any, ...]]:
    """Return the people linked in the options: Plex id, Overseerr id, how."""
    return rows(
        database,
        "SELECT user_id, overseerr_user_id, linked_by FROM users"
        " WHERE linked_by = 'options' ORDER BY user_id",
    )


async def test_people_are_linked_by_plex_id_then_username_then_email(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Each Tautulli user gets its Overseerr account; the options override a link."""
    world = simulator.world
    entry = hub(simulator, [("tautulli", "Tautulli"), ("overseerr", "Overseerr")])
    await setup_entry(hass, entry)
    links = {
        user_id: (overseerr_id, linked_by)
        for user_id, overseerr_id, linked_by in rows(
            database, "SELECT user_id, overseerr_user_id, linked_by FROM users"
        )
    }
    assert links == {
        user.plex_id: (
            user.overseerr_id,
            ("plex_id", "username", "email")[user.index % 3],
        )
        for user in world.users
    }
    first, second = world.users[0], world.users[1]
    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            "user_links": {
                str(first.plex_id): 0,
                str(second.plex_id): first.overseerr_id,
            },
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert options_links(database) == sorted(
        [
            (first.plex_id, None, "options"),
            (second.plex_id, first.overseerr_id, "options"),
        ]
    )


async def test_links_are_shown_and_set_in_the_options(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """The options show each person's automatic link; a link chosen there replaces it."""
    world = simulator.world
    entry = hub(simulator, [("tautulli", "Tautulli"), ("overseerr", "Overseerr")])
    await setup_entry(hass, entry)
    names = dict(rows(database, "SELECT user_id, display_name FROM overseerr_users"))
    people = dict(rows(database, "SELECT user_id, friendly_name FROM users"))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"upcoming_days": 7, "voice_sentences": False, "edit_user_links": True},
    )
    assert result["step_id"] == "user_links"
    fields = {key.schema: value for key, value in result["data_schema"].schema.items()}
    assert set(fields) == set(people.values())
    how = ("plex_id", "username", "email")
    for user in world.users:
        options = fields[people[user.plex_id]].config["options"]
        assert options[0] == {
            "value": "automatic",
            "label": f"= {names[user.overseerr_id]} ({how[user.index % 3]})",
        }
        assert {option["value"] for option in options[2:]} == {
            str(user_id) for user_id in names
        }
    first, second = world.users[0], world.users[1]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            people[first.plex_id]: "0",
            people[second.plex_id]: str(first.overseerr_id),
            people[world.users[2].plex_id]: "automatic",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["user_links"] == {
        str(first.plex_id): 0,
        str(second.plex_id): first.overseerr_id,
    }
    await hass.async_block_till_done(wait_background_tasks=True)
    assert options_links(database) == sorted(
        [
            (first.plex_id, None, "options"),
            (second.plex_id, first.overseerr_id, "options"),
        ]
    )
    # Saving the options again without the people step keeps the links.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"upcoming_days": 7, "voice_sentences": False}
    )
    assert entry.options["user_links"] == {
        str(first.plex_id): 0,
        str(second.plex_id): first.overseerr_id,
    }


async def test_the_people_step_is_skipped_without_people(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Without Tautulli users there is no one to link: the options are saved at once."""
    entry = hub(simulator, [("radarr", "Radarr")])
    await setup_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"upcoming_days": 5, "voice_sentences": False, "edit_user_links": True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["upcoming_days"] == 5
    assert "user_links" not in entry.options


async def test_requests_are_stored_with_their_history(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Every request is stored with its states; a decision seen later is added."""
    world = simulator.world
    entry = hub(simulator, [("overseerr", "Overseerr")])
    await setup_entry(hass, entry)
    stored = dict(rows(database, "SELECT request_id, status FROM requests"))
    assert stored == {rid: request.status for rid, request in world.requests.items()}
    history_rows = rows(
        database,
        "SELECT request_id, state, time, by_user FROM request_history"
        " WHERE state IN ('created', 'approved', 'declined')",
    )
    users = {user.index: user.overseerr_id for user in world.users}
    expected = set()
    for rid, request in world.requests.items():
        expected.add(
            (
                rid,
                "created",
                int(request.created.timestamp()),
                users[request.user_index],
            )
        )
    assert {row for row in history_rows if row[1] == "created"} == expected
    decided = {row[0]: row[1] for row in history_rows if row[1] != "created"}
    assert decided == {
        rid: {2: "approved", 3: "declined"}[request.status]
        for rid, request in world.requests.items()
        if request.status in (2, 3)
    }
    pending = next(r for r in world.requests.values() if r.status == 1)
    await hass.services.async_call(
        DOMAIN, "approve_request", {"request_id": pending.id}, blocking=True
    )
    coordinator = entry.runtime_data.services["sub_0"].coordinators.request_events
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert rows(
        database,
        "SELECT state FROM request_history WHERE request_id = ? ORDER BY state",
        pending.id,
    ) == [("approved",), ("created",)]


async def test_diagnostics_show_size_and_counts_without_personal_data(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    database: Path,
    simulator: Simulator,
) -> None:
    """Diagnostics give the database's size and row counts, and no one's name or address."""
    world = simulator.world
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    summary = diagnostics["database"]
    assert summary["size_bytes"] > 0
    assert summary["rows"]["plays"] == len(world.plays)
    assert summary["rows"]["requests"] == len(world.requests)
    assert summary["rows"]["users"] == len(world.users)
    tables = rows(
        database,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    assert set(summary["rows"]) == {name for (name,) in tables}
    assert summary["rows"]["proposals"] == 0
    assert summary["history_sync"] == {
        "Tautulli": {
            "progress": 100.0,
            "rows_read": len(world.plays),
            "rows_total": len(world.plays),
        }
    }
    text = json.dumps(summary)
    for user in world.users:
        assert user.username not in text
        assert user.email not in text
        assert user.ip not in text


async def test_database_is_deleted_with_the_entry(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """Removing SmartPlex removes its database and the WAL files beside it."""
    entry = hub(simulator, [("tautulli", "Tautulli")])
    await setup_entry(hass, entry)
    assert rows(database, "SELECT COUNT(*) FROM plays")[0][0] > 0
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert not [
        name
        for name in await hass.async_add_executor_job(os.listdir, database.parent)
        if name.startswith("smartplex.db")
    ]


async def test_get_sync_log_lists_runs_newest_first(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """The log answers what ran, filtered by instance and kind, newest first."""
    await setup_entry(hass, hub(simulator, ALL_SERVICES))
    everything = await hass.services.async_call(
        DOMAIN, "get_sync_log", {}, blocking=True, return_response=True
    )
    stored = rows(
        database,
        "SELECT service, kind, added, status FROM sync_log ORDER BY id DESC",
    )
    assert [
        (run["instance"], run["kind"], run["added"], run["status"])
        for run in everything["runs"]
    ] == stored
    assert {run["kind"] for run in everything["runs"]} == {
        "library",
        "history",
        "users",
        "requests",
        "stream_details",
    }
    history_runs = await hass.services.async_call(
        DOMAIN,
        "get_sync_log",
        {"instance": "tautulli", "kind": "history", "limit": 1},
        blocking=True,
        return_response=True,
    )
    newest_history = next(
        run
        for run in everything["runs"]
        if run["kind"] == "history" and run["instance"] == "Tautulli"
    )
    assert history_runs == {"runs": [newest_history], "total": 1}
    assert newest_history["added"] == len(simulator.world.plays)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"kind": "plays"}, "invalid_choice"),
        ({"limit": 0}, "invalid_whole_number"),
        ({"limit": 1.5}, "invalid_whole_number"),
        ({"instance": "Plex"}, "instance_not_found"),
        ({"since": "yesterday"}, "unknown_field"),
    ],
)
async def test_get_sync_log_refuses_bad_input(
    hass: HomeAssistant,
    database: Path,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input is refused with a translated error naming it."""
    await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "get_sync_log", data, blocking=True, return_response=True
        )
    assert err.value.translation_key == key


async def test_sync_rebuilds_one_service_from_scratch(
    hass: HomeAssistant, database: Path, simulator: Simulator
) -> None:
    """A rebuild reads the whole history again, audited; without an instance, nothing."""
    world = simulator.world
    await setup_entry(hass, hub(simulator, [("tautulli", "Tautulli")]))
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "sync", {"rebuild": True}, blocking=True)
    assert err.value.translation_key == "rebuild_needs_instance"
    assert not rows(database, "SELECT 1 FROM audit")
    traffic = simulator.stack.traffic
    traffic.reset()
    result = await hass.services.async_call(
        DOMAIN,
        "sync",
        {"instance": "Tautulli", "rebuild": True},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result == {"refreshed": ["Tautulli"], "failed": [], "rebuilt": ["history"]}
    assert rows(database, "SELECT COUNT(*) FROM plays") == [(len(world.plays),)]
    # Every rating key was looked up again.
    assert (
        traffic.endpoints["tautulli"]["GET /api/v2?cmd=get_metadata"].requests
        == rows(database, "SELECT COUNT(*) FROM rating_keys")[0][0]
    )
    assert rows(database, "SELECT action, target, status FROM audit") == [
        ("database_rebuilt", "Tautulli: SmartPlex database", "done")
    ]
