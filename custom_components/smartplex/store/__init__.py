"""The SmartPlex database: a SQLite file under the config directory.

core.py holds the connection (opened and migrated once at entry setup, used from the
executor only), schema.py the migrations, audit.py the audit trail of upstream
writes, and one module per synced kind of data.
"""

from __future__ import annotations

from .audit import AuditRecord, AuditStatus
from .core import (
    DATA_STORE,
    DB_FILENAME,
    SmartPlexStore,
    StoreError,
    async_begin_audit,
    async_close_store,
    async_delete_store,
    async_finish_audit,
    async_from_store,
    async_get_store,
    async_open_store,
    async_run_job,
    database_unavailable,
)
from .schema import MIGRATIONS

__all__ = [
    "DATA_STORE",
    "DB_FILENAME",
    "MIGRATIONS",
    "AuditRecord",
    "AuditStatus",
    "SmartPlexStore",
    "StoreError",
    "async_begin_audit",
    "async_close_store",
    "async_delete_store",
    "async_finish_audit",
    "async_from_store",
    "async_get_store",
    "async_open_store",
    "async_run_job",
    "database_unavailable",
]
