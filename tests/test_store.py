"""Tests for the SmartPlex database and its audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
import sqlite3
import threading

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.store import (
    DATA_STORE,
    MIGRATIONS,
    AuditRecord,
    AuditStatus,
    SmartPlexStore,
    StoreError,
    async_get_store,
)
from simulator import Simulator

from .conftest import setup_entry
from .helpers_actions import (
    ALL_SERVICES,
    EventLog,
    audit_trail,
    fixture_events,  # noqa: F401
    hub,
    world_state,
)

DUNE = {"title": "The Mirror", "year": 2008}


def record(action: str, minute: int) -> AuditRecord:
    """Return an audit record about to be written."""
    return AuditRecord(
        time=datetime(2026, 3, 14, 12, minute, tzinfo=UTC),
        action=action,
        target="Radarr: Dune (2021)",
        details={"tmdb_id": 438631, "when": datetime(2026, 3, 14, tzinfo=UTC)},
        source="service",
        user_id=None,
    )


def schema_version(path: Path) -> int:
    """Return the schema version of a database file."""
    with closing(sqlite3.connect(path)) as connection:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def test_audit_round_trip(tmp_path: Path) -> None:
    """Records come back newest first, limited, with their details and outcome."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    ids = [store.begin_audit(record(action, n)) for n, action in enumerate("abc")]
    store.finish_audit(ids[2], AuditStatus.DONE, details={"movie_id": 7})
    store.finish_audit(ids[1], AuditStatus.FAILED, error="Radarr said no")
    newest = store.audit(limit=2)
    assert [(item.action, item.status) for item in newest] == [
        ("c", AuditStatus.DONE),
        ("b", AuditStatus.FAILED),
    ]
    assert newest[0].details == {"movie_id": 7}
    assert newest[0].finished is not None
    assert newest[1].details == {
        "tmdb_id": 438631,
        "when": "2026-03-14 00:00:00+00:00",
    }
    assert newest[1].error == "Radarr said no"
    assert store.audit()[-1].status is AuditStatus.PENDING
    store.close()


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    """80 connections opening a new database at once all succeed; it is migrated once.

    They take turns: on a loaded machine the last can wait longer than the default 5 s.
    """
    path = tmp_path / "smartplex.db"
    start = threading.Barrier(80)

    def first_write(minute: int) -> int:
        store = SmartPlexStore(str(path), busy_timeout=120)
        start.wait()
        store.open()
        try:
            return store.begin_audit(record("added", minute % 60))
        finally:
            store.close()

    with ThreadPoolExecutor(80) as pool:
        ids = list(pool.map(first_write, range(80)))
    assert sorted(ids) == list(range(1, 81))
    assert schema_version(path) == len(MIGRATIONS)
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upgrade_keeps_old_rows_as_done(tmp_path: Path) -> None:
    """A database of the first schema gains outcomes; its rows were written after success."""
    path = tmp_path / "smartplex.db"
    with closing(sqlite3.connect(path)) as connection:
        for statement in MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO audit (time, action, target, details, source)"
            " VALUES ('2026-03-01T10:00:00+00:00', 'movie_added', 'Radarr: X', '{}',"
            " 'service')"
        )
        connection.execute("PRAGMA user_version = 1")
        connection.commit()
    store = SmartPlexStore(str(path))
    assert store.open() == []
    [kept] = store.audit()
    assert (kept.action, kept.status) == ("movie_added", AuditStatus.DONE)
    assert schema_version(path) == len(MIGRATIONS)
    store.close()


def test_no_index_of_plays_is_the_start_of_another(tmp_path: Path) -> None:
    """Each index of the plays costs every insert: none may be covered by another."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    store.open()
    store.close()
    with closing(sqlite3.connect(tmp_path / "smartplex.db")) as connection:
        columns = {
            name: [
                column
                for _, _, column in connection.execute(
                    "SELECT seqno, cid, name FROM pragma_index_info(?)", (name,)
                )
            ]
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'plays' AND sql IS NOT NULL"
            )
        }
    assert len(columns) >= 2
    for name, own in columns.items():
        for other, theirs in columns.items():
            assert other == name or theirs[: len(own)] != own, (name, other)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database written by a newer SmartPlex is left alone, with a clear error."""
    path = tmp_path / "smartplex.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer"):
        SmartPlexStore(str(path)).open()
    assert schema_version(path) == len(MIGRATIONS) + 1


async def test_store_is_opened_at_setup_and_closed_at_unload(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """The database is one file under the config directory, open while an entry is."""
    hass.config.config_dir = str(tmp_path)
    entry = hub(simulator, [("radarr", "Radarr")])
    await setup_entry(hass, entry)
    store = async_get_store(hass)
    assert store.path == str(tmp_path / "smartplex.db")
    assert schema_version(tmp_path / "smartplex.db") == len(MIGRATIONS)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert DATA_STORE not in hass.data


async def test_pending_write_of_a_killed_process_is_reported(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A write left pending (the process died mid-write) is unknown at the next start."""
    path = tmp_path / "smartplex.db"
    killed = SmartPlexStore(str(path))
    killed.open()
    audit_id = killed.begin_audit(record("request_approved", 5))
    killed.close()
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, [("radarr", "Radarr")]))
    [row] = await audit_trail(hass)
    assert row.status is AuditStatus.UNKNOWN
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"audit_unknown_outcome_{audit_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["target"] == "Radarr: Dune (2021)"


async def test_unusable_database_refuses_writes(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Without a usable database SmartPlex still sets up, and writes change nothing."""
    (tmp_path / "smartplex.db").mkdir()
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, ALL_SERVICES))
    before = world_state(simulator)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
    assert err.value.translation_key == "audit_unavailable"
    assert not isinstance(err.value.__cause__, sqlite3.Error)
    assert world_state(simulator) == before
    assert events.events == []


@pytest.fixture(name="locked_entry")
async def fixture_locked_entry(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub whose database waits only briefly for a lock."""
    return await setup_with_store(hass, tmp_path, simulator, busy_timeout=0.2)


async def setup_with_store(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, *, busy_timeout: float
) -> MockConfigEntry:
    """Set up a hub whose database in tmp_path waits busy_timeout seconds for a lock."""
    hass.config.config_dir = str(tmp_path)
    hass.data[DATA_STORE] = SmartPlexStore(
        str(tmp_path / "smartplex.db"), busy_timeout=busy_timeout
    )
    entry = hub(simulator, ALL_SERVICES)
    await setup_entry(hass, entry)
    return entry


def lock_database(path: Path) -> sqlite3.Connection:
    """Hold the database's write lock from another connection, as a backup tool would."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


async def test_locked_database_refuses_before_the_write(
    hass: HomeAssistant,
    locked_entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    tmp_path: Path,
) -> None:
    """A locked database stops a write before it reaches the service, with a clear error."""
    before = world_state(simulator)
    with (
        closing(lock_database(tmp_path / "smartplex.db")),
        pytest.raises(HomeAssistantError) as err,
    ):
        await hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
    assert err.value.translation_key == "audit_unavailable"
    assert world_state(simulator) == before
    assert events.events == []
    assert await audit_trail(hass) == []


async def until(condition: Callable[[], object]) -> None:
    """Wait (10 s at most) until a condition holds."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def wait_for_pending(path: Path) -> None:
    """Wait until a write's intent is in the audit trail."""
    with closing(sqlite3.connect(path)) as connection:
        await until(
            lambda: connection.execute(
                "SELECT 1 FROM audit WHERE status = 'pending'"
            ).fetchone()
        )


async def test_database_failure_after_the_write_keeps_success(
    hass: HomeAssistant,
    locked_entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    tmp_path: Path,
) -> None:
    """A database problem after the service accepted a write: success, event and repair."""
    path = tmp_path / "smartplex.db"
    simulator.faults.inject(
        "radarr", "latency", seconds=0.5, path="/api/v3/movie", method="POST"
    )
    movies = len(simulator.world.movies)
    adding = hass.async_create_task(
        hass.services.async_call(
            DOMAIN, "add_movie", DUNE, blocking=True, return_response=True
        )
    )
    await wait_for_pending(path)
    with closing(lock_database(path)):
        response = await adding
    assert response is not None
    assert response["title"] == "The Mirror"
    assert len(simulator.world.movies) == movies + 1
    assert len(events.of("smartplex_movie_added")) == 1
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "audit_write_failed")
    assert issue is not None
    # The intent is kept; the next start turns it into an unknown outcome to check.
    [row] = await audit_trail(hass)
    assert row.status is AuditStatus.PENDING
    await hass.config_entries.async_reload(locked_entry.entry_id)
    [row] = await audit_trail(hass)
    assert row.status is AuditStatus.UNKNOWN


async def test_cancelled_while_the_service_answers(
    hass: HomeAssistant,
    locked_entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    tmp_path: Path,
) -> None:
    """A write cancelled before the service answered keeps its row, as unknown."""
    simulator.faults.inject(
        "radarr", "latency", seconds=1, path="/api/v3/movie", method="POST"
    )
    adding = hass.async_create_task(
        hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
    )
    await wait_for_pending(tmp_path / "smartplex.db")
    # The intent is recorded; let the request reach the service, then give up on it.
    await asyncio.sleep(0.2)
    adding.cancel()
    with pytest.raises(asyncio.CancelledError):
        await adding
    await hass.async_block_till_done()
    # Whether the service did it cannot be known from here: the row and a repair say so.
    [row] = await audit_trail(hass)
    assert (row.status, row.target) == (
        AuditStatus.UNKNOWN,
        "Radarr: The Mirror (2008)",
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"audit_unknown_outcome_{row.id}")
    assert events.events == []


async def test_cancelled_after_the_service_answered(
    hass: HomeAssistant,
    tmp_path: Path,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """A cancellation once the service accepted the write still records it and fires its event."""
    path = tmp_path / "smartplex.db"
    await setup_with_store(hass, tmp_path, simulator, busy_timeout=5)
    # The service takes a moment, so the database can be locked before it answers.
    simulator.faults.inject(
        "radarr", "latency", seconds=0.3, path="/api/v3/movie", method="POST"
    )
    movies = len(simulator.world.movies)
    adding = hass.async_create_task(
        hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
    )
    await wait_for_pending(path)
    with closing(lock_database(path)):
        await until(lambda: len(simulator.world.movies) > movies)
        # Let the reply arrive; the outcome then waits for the lock.
        await asyncio.sleep(0.3)
        adding.cancel()
        with pytest.raises(asyncio.CancelledError):
            await adding
    await hass.async_block_till_done()
    [row] = await audit_trail(hass)
    assert row.status is AuditStatus.DONE
    assert row.details["movie_id"] == simulator.world.movie_by_tmdb(10042).id  # type: ignore[union-attr]
    assert len(events.of("smartplex_movie_added")) == 1


async def test_failed_write_is_recorded(
    hass: HomeAssistant,
    locked_entry: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
) -> None:
    """A write the service refuses is recorded as failed with its error; no event."""
    simulator.faults.inject(
        "radarr", "status", status=500, path="/api/v3/movie", method="POST"
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
    assert err.value.translation_key == "service_error"
    [row] = await audit_trail(hass)
    assert row.status is AuditStatus.FAILED
    assert row.error is not None and "500" in row.error
    assert events.events == []


async def test_cancelled_before_the_write_is_sent(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """A write cancelled while its intent waits for the database is never sent; it is failed."""
    path = tmp_path / "smartplex.db"
    await setup_with_store(hass, tmp_path, simulator, busy_timeout=5)
    before = world_state(simulator)
    with closing(lock_database(path)) as lock:
        adding = hass.async_create_task(
            hass.services.async_call(DOMAIN, "add_movie", DUNE, blocking=True)
        )
        # The intent waits for the lock: nothing is sent before it is recorded.
        await asyncio.sleep(0.3)
        adding.cancel()
        with pytest.raises(asyncio.CancelledError):
            await adding
        lock.execute("COMMIT")
    await hass.async_block_till_done()
    [row] = await audit_trail(hass)
    assert (row.status, row.error) == (
        AuditStatus.FAILED,
        "cancelled before it was sent",
    )
    assert world_state(simulator) == before
    assert events.events == []
