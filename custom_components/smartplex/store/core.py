"""The connection to the SmartPlex database and its use from Home Assistant.

It is opened and migrated once at entry setup, in WAL mode, through one connection
that only the executor uses (one job at a time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from functools import partial
import logging
import os
import sqlite3
import threading
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.const import DOMAIN

from . import audit
from .audit import AuditRecord, AuditStatus
from .schema import MIGRATIONS

_LOGGER = logging.getLogger(__name__)

DB_FILENAME = f"{DOMAIN}.db"
DATA_STORE: HassKey[SmartPlexStore] = HassKey(f"{DOMAIN}_store")
# How long a write waits for another process (a backup, the sqlite3 shell) to let go.
BUSY_TIMEOUT = 5.0
ISSUE_AUDIT_FAILED = "audit_write_failed"
ISSUE_UNKNOWN_OUTCOME = "audit_unknown_outcome"


class StoreError(Exception):
    """The database cannot be used (missing, locked, corrupt, read-only, too new)."""


class SmartPlexStore:
    """Blocking access to the database; call every method through the executor."""

    def __init__(self, path: str, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        """Remember where the database lives; open() connects."""
        self.path = path
        self.busy_timeout = busy_timeout
        self._connection: sqlite3.Connection | None = None
        # Set by close(): a job still running after the entry unloaded must not reopen it.
        self._closed = False
        # Executor threads take turns on the one connection.
        self._lock = threading.Lock()

    def open(self) -> list[AuditRecord]:
        """Connect, migrate, and return the writes a killed process left pending, now unknown."""
        with self._lock:
            self._closed = False
            if self._connection is None:
                self._connection = self._guard(self._connect)
            return self._guard(self._reconcile)

    def close(self) -> None:
        """Close the connection; only open() connects again."""
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> sqlite3.Connection:
        """Open a connection in WAL mode and bring the schema up to date."""
        connection = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        """Apply the missing migrations; a second opener waits, then finds them applied."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            _apply_migrations(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _guard[ResultT](self, job: Callable[[], ResultT]) -> ResultT:
        """Run a database job, turning sqlite errors into StoreError."""
        try:
            return job()
        except sqlite3.Error as err:
            raise StoreError(str(err)) from err

    def _run[ResultT](self, job: Callable[[sqlite3.Connection], ResultT]) -> ResultT:
        """Run a job on the connection, reopening it if an earlier open failed."""
        with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            if self._connection is None:
                self._connection = self._guard(self._connect)
            connection = self._connection
            return self._guard(lambda: job(connection))

    def run[ResultT](self, job: Callable[[sqlite3.Connection], ResultT]) -> ResultT:
        """Run a job on the connection outside any transaction (each statement commits)."""
        return self._run(job)

    def transaction[ResultT](
        self, job: Callable[[sqlite3.Connection], ResultT]
    ) -> ResultT:
        """Run a job in one transaction: all of its writes land, or none does."""

        def atomic(connection: sqlite3.Connection) -> ResultT:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = job(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        return self._run(atomic)

    def _reconcile(self) -> list[AuditRecord]:
        """Mark writes left pending by a killed process as unknown and return them."""
        assert self._connection is not None
        return audit.reconcile(self._connection)

    def begin_audit(self, record: AuditRecord) -> int:
        """Record a write about to be made (pending) and return its id."""
        return self._run(partial(audit.begin, record=record))

    def finish_audit(
        self,
        audit_id: int,
        status: AuditStatus,
        *,
        details: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of a write (and its final details)."""
        self._run(
            partial(
                audit.finish,
                audit_id=audit_id,
                status=status,
                details=details,
                error=error,
            )
        )

    def audit(self, limit: int = 100) -> list[AuditRecord]:
        """Return the newest audit records first."""
        return self._run(partial(audit.newest, limit=limit))


def _apply_migrations(connection: sqlite3.Connection) -> None:
    """Bring the schema from its version to the newest, inside the caller's transaction."""
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"database schema {version} is newer than this SmartPlex ({len(MIGRATIONS)})"
        )
    for number, statements in enumerate(MIGRATIONS[version:], version + 1):
        for statement in statements:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")


def database_summary(connection: sqlite3.Connection) -> dict[str, Any]:
    """Return the database's size in bytes and the row count of every table.

    Row counts only: no personal data. Every table is counted, so a new one never goes
    missing from diagnostics.
    """
    page_size, page_count, free_pages = (
        connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("page_size", "page_count", "freelist_count")
    )
    return {
        "size_bytes": page_size * page_count,
        "free_bytes": page_size * free_pages,
        "rows": {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for (table,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).fetchall()
        },
    }


def async_get_store(hass: HomeAssistant) -> SmartPlexStore:
    """Return the store of this Home Assistant instance."""
    if (store := hass.data.get(DATA_STORE)) is None:
        store = hass.data[DATA_STORE] = SmartPlexStore(hass.config.path(DB_FILENAME))
    return store


async def async_open_store(hass: HomeAssistant) -> bool:
    """Open and migrate the database at entry setup, and report what a killed process left.

    Return whether it opened.
    """
    store = async_get_store(hass)
    try:
        unknown = await hass.async_add_executor_job(store.open)
    except StoreError as err:
        # SmartPlex still sets up; each write refuses with a clear error until it opens.
        _LOGGER.error("Cannot open the SmartPlex database %s: %s", store.path, err)
        return False
    for record in unknown:
        _async_report_unknown(hass, record)
    return True


async def async_delete_store(hass: HomeAssistant) -> None:
    """Close the database and delete its files (with the SmartPlex entry)."""
    path = hass.config.path(DB_FILENAME)
    await async_close_store(hass)

    def delete() -> None:
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                os.remove(path + suffix)

    await hass.async_add_executor_job(delete)


async def async_close_store(hass: HomeAssistant) -> None:
    """Close the database when the last entry unloads."""
    if (store := hass.data.pop(DATA_STORE, None)) is not None:
        await hass.async_add_executor_job(store.close)


def database_unavailable(error: str) -> HomeAssistantError:
    """Return the translated error of a database that cannot be read or written."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="database_unavailable",
        translation_placeholders={"error": error},
    )


async def async_from_store[ResultT](job: Awaitable[ResultT]) -> ResultT:
    """Await a database job, refusing with a translated error if the database fails."""
    try:
        return await job
    except StoreError as err:
        raise database_unavailable(str(err)) from err


async def async_run_job[ResultT](
    hass: HomeAssistant, job: Callable[[sqlite3.Connection], ResultT]
) -> ResultT:
    """Run a job in one transaction in the executor; refuse with a translated error if it fails."""
    store = async_get_store(hass)
    return await async_from_store(hass.async_add_executor_job(store.transaction, job))


async def async_begin_audit(
    hass: HomeAssistant,
    *,
    action: str,
    target: str,
    details: dict[str, Any],
    source: str,
    user_id: str | None,
) -> AuditRecord:
    """Record a write about to be made; refuse with a translated error if the database cannot."""
    store = async_get_store(hass)
    record = AuditRecord(
        time=dt_util.utcnow(),
        action=action,
        target=target,
        details=details,
        source=source,
        user_id=user_id,
    )
    try:
        audit_id = await hass.async_add_executor_job(store.begin_audit, record)
    except StoreError as err:
        _LOGGER.error("Cannot record %s in the audit trail: %s", target, err)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="audit_unavailable",
            translation_placeholders={"path": store.path, "error": str(err)},
        ) from err
    return replace(record, id=audit_id)


async def async_finish_audit(
    hass: HomeAssistant,
    record: AuditRecord,
    status: AuditStatus,
    *,
    details: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of a write; a database problem is logged and repaired, never raised."""
    assert record.id is not None
    store = async_get_store(hass)
    job = partial(store.finish_audit, record.id, status, details=details, error=error)
    try:
        await hass.async_add_executor_job(job)
    except StoreError as err:
        # The write itself is over: it must not fail because its record could not be kept.
        _LOGGER.error(
            "Could not record that %s is %s in the audit trail: %s",
            record.target,
            status,
            err,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            ISSUE_AUDIT_FAILED,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_AUDIT_FAILED,
            translation_placeholders={
                "path": store.path,
                "target": record.target,
                "status": status,
                "error": str(err),
            },
        )
    if status is AuditStatus.UNKNOWN:
        _async_report_unknown(hass, replace(record, status=status))


def _async_report_unknown(hass: HomeAssistant, record: AuditRecord) -> None:
    """Raise a repair asking to check a write whose outcome is unknown."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_UNKNOWN_OUTCOME}_{record.id}",
        is_fixable=False,
        # Nothing can detect it again once the row says unknown.
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_UNKNOWN_OUTCOME,
        translation_placeholders={
            "action": record.action.replace("_", " "),
            "target": record.target,
            "time": dt_util.as_local(record.time).strftime("%Y-%m-%d %H:%M"),
        },
    )
