"""One declaration per action: its handler and fields, for the actions, LLM tools and intents.

services.py builds the action schemas from it, llm_api.py the tool parameters and intents.py
the slot schemas; every surface refuses bad input through action_fields.validate(). The fields
themselves are declared in action_fields.py. services.yaml stays hand-written for the UI
(selectors, examples) and a test holds it to these declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import homeassistant.helpers.config_validation as cv
import voluptuous as vol

from . import actions
from .action_fields import (
    ADD_FIELDS,
    ID_MAX,
    INSTANCE,
    PLAN_ID_PATTERN,
    PLAN_ITEMS_MAX,
    REASON_MAX,
    REQUEST_ID,
    SEARCH_NOW,
    SEASON_MAX,
    SEASONS_MAX,
    TEXT_MAX,
    TMDB_ID,
    TVDB_ID,
    USER,
    YEAR,
    Field,
    FullMatch,
    choice,
    flag,
    integer,
    integers,
    moment,
    removal_overrides,
    required,
    text,
    texts,
    validate,
)
from .actions.ask import async_ask, async_confirm_proposal
from .actions.autoadd import async_auto_add, async_undo_auto_add
from .actions.predict import async_predict
from .actions.recommend import async_dismiss_recommendation, async_recommend
from .actions.statistics import GROUPINGS, PERIOD_CHOICES, async_get_statistics
from .care_settings import MAX_GRACE_DAYS


@dataclass(frozen=True, slots=True)
class Action:
    """An action: its handler (in actions/) and every field it takes."""

    name: str
    handler: Callable[..., Awaitable[dict[str, Any]]]
    writes: bool
    fields: tuple[Field, ...]
    # A read whose handler still takes (hass, entry, caller): it needs the user (ask).
    needs_caller: bool = False

    def pick(self, *names: str) -> tuple[Field, ...]:
        """Return some of the fields, in the order asked."""
        by_name = {item.name: item for item in self.fields}
        return tuple(by_name[name] for name in names)


SEARCH = Action(
    "search",
    actions.async_search,
    False,
    (
        text("query", "Title or part of it.", required=True),
        choice(
            "media_type",
            "Movies, series or both.",
            ("any", "movie", "tv"),
            default="any",
        ),
        YEAR,
        integer("limit", "Maximum number of results.", 1, 50, default=10),
        INSTANCE,
    ),
)
ADD_MOVIE = Action(
    "add_movie",
    actions.async_add_movie,
    True,
    (
        *ADD_FIELDS,
        flag("monitored", "Monitor the movie.", default=True),
        choice(
            "minimum_availability",
            "When the movie counts as available.",
            actions.MINIMUM_AVAILABILITY,
            default="released",
        ),
        SEARCH_NOW,
    ),
)
ADD_SERIES = Action(
    "add_series",
    actions.async_add_series,
    True,
    (
        TVDB_ID,
        *ADD_FIELDS,
        choice(
            "monitor",
            "Which episodes to monitor.",
            list(actions.SERIES_MONITOR),
            default="all",
        ),
        integers(
            "seasons",
            "Season numbers to monitor; omit for all.",
            0,
            SEASON_MAX,
            SEASONS_MAX,
        ),
        SEARCH_NOW,
    ),
)
APPROVE_REQUEST = Action(
    "approve_request", actions.async_approve_request, True, (REQUEST_ID, INSTANCE)
)
DECLINE_REQUEST = Action(
    "decline_request",
    actions.async_decline_request,
    True,
    (
        REQUEST_ID,
        text("reason", "Why, in the user's words.", REASON_MAX),
        INSTANCE,
    ),
)
GET_REQUESTS = Action(
    "get_requests",
    actions.async_get_requests,
    False,
    (
        choice(
            "status",
            "Which requests to list.",
            actions.REQUEST_STATUSES,
            default="pending",
        ),
        USER,
        choice("media_type", "Only movies or only series.", ("movie", "tv")),
        integer("limit", "Maximum number of requests.", 1, 100, default=20),
        INSTANCE,
    ),
)
GET_QUEUE = Action("get_queue", actions.async_get_queue, False, (INSTANCE,))
REMOVE_QUEUE_ITEM = Action(
    "remove_queue_item",
    actions.async_remove_queue_item,
    True,
    (
        integer(
            "queue_id",
            "Id of the queue item (from get_queue).",
            1,
            ID_MAX,
            required=True,
        ),
        INSTANCE,
        flag("blocklist", "Never grab this release again.", default=False),
        flag(
            "remove_from_client",
            "Also delete it from the download client.",
            default=True,
        ),
    ),
)
GET_CALENDAR = Action(
    "get_calendar",
    actions.async_get_calendar,
    False,
    (
        moment("start", "Start of the window; omit for today at midnight."),
        moment("end", "End of the window; omit for start plus days."),
        integer("days", "Length of the window when no end is given.", 1, 90, default=7),
        INSTANCE,
    ),
)
SYNC = Action(
    "sync",
    actions.async_sync,
    True,
    (
        INSTANCE,
        flag(
            "rebuild",
            "Delete what SmartPlex's database holds of the named instance and sync it"
            " again from scratch.",
            default=False,
        ),
    ),
)
GET_SYNC_LOG = Action(
    "get_sync_log",
    actions.async_get_sync_log,
    False,
    (
        INSTANCE,
        choice("kind", "Only this kind of sync.", actions.SYNC_KINDS),
        integer("limit", "How many runs, newest first.", 1, 500, default=50),
    ),
)
ASK = Action(
    "ask",
    async_ask,
    False,
    (
        text(
            "question",
            "A question or instruction in natural language.",
            REASON_MAX,
            required=True,
        ),
    ),
    needs_caller=True,
)
CONFIRM_PROPOSAL = Action(
    "confirm_proposal",
    async_confirm_proposal,
    True,
    (
        text(
            "proposal_id",
            "Id of the proposal an ask answered with.",
            40,
            required=True,
        ),
    ),
)
KEEP_TAG = text(
    "keep_tag",
    "Sonarr/Radarr tag that keeps a title out of every plan; omit for the hub's.",
    100,
)
PLAN_CLEANUP = Action(
    "plan_cleanup",
    actions.async_plan_cleanup,
    True,
    (
        integer(
            "target_percent",
            "Use each root folder's disk up to this percentage; omit for the hub's target.",
            1,
            99,
        ),
        integer(
            "max_items",
            "Most titles one plan removes; omit for the hub's cap.",
            1,
            PLAN_ITEMS_MAX,
        ),
        KEEP_TAG,
        integer(
            "grace_days",
            "Days the titles are announced as leaving soon before the plan can run;"
            " omit for the hub's grace period.",
            0,
            MAX_GRACE_DAYS,
        ),
        INSTANCE,
    ),
)
EXECUTE_CLEANUP = Action(
    "execute_cleanup",
    actions.async_execute_cleanup,
    True,
    (
        Field(
            name="plan_id",
            description="Id of the plan (from plan_cleanup).",
            validator=vol.All(cv.string, FullMatch(PLAN_ID_PATTERN)),
            error="invalid_plan_id",
            required=True,
        ),
        flag("confirm", "Must be true: you reviewed the plan.", default=False),
        flag("delete_files", "Delete the files too.", default=True),
        flag(
            "unmonitor",
            "Keep the titles in Sonarr/Radarr, unmonitored, instead of removing them.",
            default=False,
        ),
        flag(
            "add_exclusion",
            "Add an import-list exclusion so lists do not bring it back.",
            default=False,
        ),
        KEEP_TAG,
        texts(
            "leave_out",
            "Keys of plan items not to remove (the rest is removed as planned).",
            TEXT_MAX,
            PLAN_ITEMS_MAX,
        ),
        removal_overrides(
            "overrides",
            "Plan items removed another way than the call's flags: each a key and"
            " the delete_files, unmonitor or add_exclusion that differ for it.",
            PLAN_ITEMS_MAX,
        ),
    ),
)
SUGGEST_UPGRADES = Action(
    "suggest_upgrades",
    actions.async_suggest_upgrades,
    False,
    (
        integer("limit", "Most titles in each list.", 1, 100, default=20),
        INSTANCE,
    ),
    needs_caller=True,
)
PRIORITIZE_SEARCHES = Action(
    "prioritize_searches",
    actions.async_prioritize_searches,
    True,
    (
        integer("limit", "Most items listed.", 1, 100, default=20),
        flag(
            "search",
            "Search the first items now, within the hourly cap (off: only list them).",
            default=False,
        ),
        integer(
            "per_hour",
            "Most searches in any hour; omit for the hub's searches per hour.",
            1,
            100,
        ),
        INSTANCE,
    ),
)
GET_STATISTICS = Action(
    "get_statistics",
    async_get_statistics,
    False,
    (
        choice(
            "period",
            "Days ending today; ignored when start or end is given.",
            PERIOD_CHOICES,
            default="month",
        ),
        moment("start", "First day of the window; omit for 29 days before the end."),
        moment("end", "Last day of the window; omit for today."),
        text("user", "Only this person's plays and requests; omit for everyone."),
        choice("group_by", "Step of the time series.", GROUPINGS, default="day"),
        integer("limit", "Entries in each top list.", 1, 100, default=10),
    ),
    needs_caller=True,
)
TRIAGE_REQUESTS = Action(
    "triage_requests",
    actions.async_triage_requests,
    True,
    (
        USER,
        flag(
            "apply",
            "Approve what triage approves (declines only when automatic declines are on).",
            default=False,
        ),
        INSTANCE,
    ),
)
MEDIA_TYPE = choice("media_type", "Only movies or only series.", ("movie", "tv"))
RECOMMEND = Action(
    "recommend",
    async_recommend,
    False,
    (
        text("user", "Whose taste (Tautulli or Overseerr name); omit for everyone."),
        MEDIA_TYPE,
        integer("count", "How many titles.", 1, 50, default=10),
        text(
            "like", "A title to find titles like (add the year in brackets if needed)."
        ),
        text("genre", "Only titles of this TMDB genre (e.g. Crime)."),
        flag(
            "exclude_owned",
            "Leave out titles already in Sonarr or Radarr.",
            default=True,
        ),
        flag("include_unreleased", "Also titles not released yet.", default=False),
    ),
    needs_caller=True,
)
DISMISS_RECOMMENDATION = Action(
    "dismiss_recommendation",
    async_dismiss_recommendation,
    True,
    (
        required(MEDIA_TYPE),
        required(TMDB_ID),
        text("user", "Never for this person; omit for no one in the household."),
    ),
)
PREDICT = Action(
    "predict",
    async_predict,
    False,
    (
        text("user", "Whose week (Tautulli or Overseerr name); omit for everyone."),
        integer("days", "How many days ahead.", 1, 30, default=7),
        integer("count", "How many taste-based titles.", 1, 50, default=10),
    ),
    needs_caller=True,
)
AUTO_ADD = Action(
    "auto_add",
    async_auto_add,
    True,
    (
        required(MEDIA_TYPE),
        flag("dry_run", "Only say what would be added.", default=False),
    ),
)
UNDO_AUTO_ADD = Action(
    "undo_auto_add",
    async_undo_auto_add,
    True,
    (
        required(MEDIA_TYPE),
        required(TMDB_ID),
        flag(
            "delete_files",
            "Confirm deleting the files already downloaded, if any.",
            default=False,
        ),
    ),
)

ACTIONS: tuple[Action, ...] = (
    SEARCH,
    ADD_MOVIE,
    ADD_SERIES,
    APPROVE_REQUEST,
    DECLINE_REQUEST,
    GET_REQUESTS,
    GET_QUEUE,
    REMOVE_QUEUE_ITEM,
    GET_CALENDAR,
    SYNC,
    GET_SYNC_LOG,
    ASK,
    CONFIRM_PROPOSAL,
    PLAN_CLEANUP,
    EXECUTE_CLEANUP,
    SUGGEST_UPGRADES,
    PRIORITIZE_SEARCHES,
    GET_STATISTICS,
    TRIAGE_REQUESTS,
    RECOMMEND,
    DISMISS_RECOMMENDATION,
    PREDICT,
    AUTO_ADD,
    UNDO_AUTO_ADD,
)


def action_validator(action: Action, surface_fields: Sequence[Field]) -> vol.Schema:
    """Return the schema Home Assistant runs before an action: refusals are translated."""
    fields = (*surface_fields, *action.fields)

    def check(data: Mapping[str, Any]) -> dict[str, Any]:
        return validate(fields, data)

    return vol.Schema(check)
