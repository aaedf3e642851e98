"""The SmartPlex database: a SQLite file under the config directory, used from the executor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
import json
import sqlite3
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

DB_FILENAME = f"{DOMAIN}.db"
DATA_STORE: HassKey[SmartPlexStore] = HassKey(f"{DOMAIN}_store")

# Each entry upgrades the schema by one version; later features append their tables here.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT
    );
    CREATE INDEX audit_time ON audit (time);
    """,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One action SmartPlex took, who asked for it and through which surface."""

    time: datetime
    action: str
    target: str
    details: dict[str, Any]
    source: str
    user_id: str | None


class SmartPlexStore:
    """Blocking access to the database; call every method through the executor."""

    def __init__(self, path: str) -> None:
        """Remember where the database lives; it is created on first use."""
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Open a connection, migrate the schema, and commit or roll back."""
        # A connection per call: writes are rare and it never crosses threads.
        with closing(sqlite3.connect(self.path, timeout=10)) as connection:
            with connection:
                version: int = connection.execute("PRAGMA user_version").fetchone()[0]
                for number, script in enumerate(MIGRATIONS[version:], version + 1):
                    connection.executescript(script)
                    connection.execute(f"PRAGMA user_version = {number}")
            with connection:
                yield connection

    def add_audit(self, record: AuditRecord) -> None:
        """Append one record to the audit trail."""
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO audit (time, action, target, details, source, user_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.time.isoformat(),
                    record.action,
                    record.target,
                    json.dumps(record.details, sort_keys=True, default=str),
                    record.source,
                    record.user_id,
                ),
            )

    def audit(self, limit: int = 100) -> list[AuditRecord]:
        """Return the newest audit records first."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT time, action, target, details, source, user_id FROM audit"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            AuditRecord(
                time=datetime.fromisoformat(time),
                action=action,
                target=target,
                details=json.loads(details),
                source=source,
                user_id=user_id,
            )
            for time, action, target, details, source, user_id in rows
        ]


def async_get_store(hass: HomeAssistant) -> SmartPlexStore:
    """Return the store of this Home Assistant instance."""
    if (store := hass.data.get(DATA_STORE)) is None:
        store = hass.data[DATA_STORE] = SmartPlexStore(hass.config.path(DB_FILENAME))
    return store


async def async_run[ResultT](
    hass: HomeAssistant, job: Callable[[SmartPlexStore], ResultT]
) -> ResultT:
    """Run a blocking store job in the executor."""
    return await hass.async_add_executor_job(job, async_get_store(hass))


async def async_add_audit(
    hass: HomeAssistant,
    *,
    action: str,
    target: str,
    details: dict[str, Any],
    source: str,
    user_id: str | None,
) -> None:
    """Write one audit record without blocking the event loop."""
    record = AuditRecord(
        time=dt_util.utcnow(),
        action=action,
        target=target,
        details=details,
        source=source,
        user_id=user_id,
    )
    await async_run(hass, lambda store: store.add_audit(record))
