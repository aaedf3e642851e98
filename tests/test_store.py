"""Tests for the SmartPlex database."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
import sqlite3

from homeassistant.core import HomeAssistant

from custom_components.smartplex.store import (
    MIGRATIONS,
    AuditRecord,
    SmartPlexStore,
    async_add_audit,
    async_get_store,
)


def record(action: str, minute: int) -> AuditRecord:
    """Return an audit record."""
    return AuditRecord(
        time=datetime(2026, 3, 14, 12, minute, tzinfo=UTC),
        action=action,
        target="Radarr: Dune (2021)",
        details={"tmdb_id": 438631, "when": datetime(2026, 3, 14, tzinfo=UTC)},
        source="service",
        user_id=None,
    )


def test_audit_round_trip(tmp_path: Path) -> None:
    """Records come back newest first, limited, with their details."""
    store = SmartPlexStore(str(tmp_path / "smartplex.db"))
    for minute, action in enumerate(("first", "second", "third")):
        store.add_audit(record(action, minute))
    newest = store.audit(limit=2)
    assert [item.action for item in newest] == ["third", "second"]
    assert newest[0].details == {
        "tmdb_id": 438631,
        "when": "2026-03-14 00:00:00+00:00",
    }
    assert newest[0].time == datetime(2026, 3, 14, 12, 2, tzinfo=UTC)


def test_schema_is_migrated_once(tmp_path: Path) -> None:
    """Opening an existing database keeps its rows and schema version."""
    path = tmp_path / "smartplex.db"
    SmartPlexStore(str(path)).add_audit(record("kept", 0))
    store = SmartPlexStore(str(path))
    assert [item.action for item in store.audit()] == ["kept"]
    with closing(sqlite3.connect(path)) as connection:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS)


async def test_store_lives_in_the_config_directory(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """The database is one file under the config directory, written from the executor."""
    hass.config.config_dir = str(tmp_path)
    await async_add_audit(
        hass,
        action="request_declined",
        target="Overseerr: Ben's request for The Signal (2012)",
        details={"reason": None},
        source="intent",
        user_id="abc",
    )
    store = async_get_store(hass)
    assert store is async_get_store(hass)
    assert store.path == str(tmp_path / "smartplex.db")
    [item] = await hass.async_add_executor_job(store.audit)
    assert (item.action, item.source, item.user_id) == (
        "request_declined",
        "intent",
        "abc",
    )
