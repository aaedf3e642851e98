"""Read the database sync's log."""

from __future__ import annotations

from typing import Any

from custom_components.smartplex.const import SERVICE_TYPES
from custom_components.smartplex.models import SmartPlexConfigEntry
from custom_components.smartplex.store import async_from_store, database_unavailable

from .common import resolve_services

SYNC_KINDS = ("library", "history", "users", "requests", "stream_details")
NOT_OPENED = "it could not be opened at setup (see the log)"


async def async_get_sync_log(
    entry: SmartPlexConfigEntry,
    *,
    instance: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Return the newest sync runs first: what ran, when, rows added or changed, errors."""
    database = entry.runtime_data.database
    if database is None:
        raise database_unavailable(NOT_OPENED)
    subentry_id = (
        resolve_services(entry, SERVICE_TYPES, instance)[0].subentry_id
        if instance is not None
        else None
    )
    runs = await async_from_store(database.async_read_log(subentry_id, kind, limit))
    return {
        "runs": [
            {
                "instance": run.service,
                "kind": run.kind,
                "started": run.started.isoformat(),
                "finished": run.finished.isoformat(),
                "added": run.added,
                "changed": run.changed,
                "status": run.status,
                "error": run.error,
            }
            for run in runs
        ],
        "total": len(runs),
    }
