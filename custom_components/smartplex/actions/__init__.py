"""What SmartPlex can do, shared by the actions, the intents and the LLM tools.

One module per area; the handlers and the names the surfaces need are listed here.
"""

from .care_execute import async_execute_cleanup
from .care_plan import async_plan_cleanup
from .care_searches import async_prioritize_searches
from .care_suggest import async_suggest_upgrades
from .common import (
    SOURCE_INTENT,
    SOURCE_LLM,
    SOURCE_SERVICE,
    Caller,
    invalid,
    label,
    resolve_entry,
)
from .downloads import (
    async_disk_space,
    async_get_calendar,
    async_get_queue,
    async_remove_queue_item,
)
from .library import (
    MINIMUM_AVAILABILITY,
    SERIES_MONITOR,
    async_add_movie,
    async_add_series,
    async_search,
)
from .requests import (
    REQUEST_STATUSES,
    async_approve_request,
    async_decline_request,
    async_find_pending_request,
    async_get_requests,
    describe_request,
)
from .sync import async_sync
from .sync_log import SYNC_KINDS, async_get_sync_log
from .triage import async_approve_triaged, async_triage_requests

__all__ = [
    "MINIMUM_AVAILABILITY",
    "REQUEST_STATUSES",
    "SERIES_MONITOR",
    "SOURCE_INTENT",
    "SOURCE_LLM",
    "SOURCE_SERVICE",
    "SYNC_KINDS",
    "Caller",
    "async_add_movie",
    "async_add_series",
    "async_approve_request",
    "async_approve_triaged",
    "async_decline_request",
    "async_disk_space",
    "async_execute_cleanup",
    "async_find_pending_request",
    "async_get_calendar",
    "async_get_queue",
    "async_get_requests",
    "async_get_sync_log",
    "async_plan_cleanup",
    "async_prioritize_searches",
    "async_remove_queue_item",
    "async_search",
    "async_suggest_upgrades",
    "async_sync",
    "async_triage_requests",
    "describe_request",
    "invalid",
    "label",
    "resolve_entry",
]
