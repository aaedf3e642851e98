"""Voice intents for Assist without an LLM, and the opt-in install of their English sentences."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path
import shutil
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent
from homeassistant.util import dt as dt_util

from . import actions
from .action_fields import TITLE, USER, YEAR, Field, required, schema, validate
from .actions import Caller, describe_request, label
from .assistant import async_latest_proposal
from .const import CONF_VOICE_SENTENCES, LOGGER
from .declarations import (
    ADD_MOVIE,
    ADD_SERIES,
    ASK,
    CONFIRM_PROPOSAL,
    PREDICT,
    RECOMMEND,
    TRIAGE_REQUESTS,
    Action,
)
from .models import SmartPlexConfigEntry

CONVERSATION_DOMAIN = "conversation"
SENTENCES_FILE = "smartplex.yaml"
SENTENCES_LANGUAGE = "en"
BUNDLED_SENTENCES = (
    Path(__file__).parent / "sentences" / SENTENCES_LANGUAGE / SENTENCES_FILE
)

INTENT_ADD_MOVIE = "SmartPlexAddMovie"
INTENT_ADD_SERIES = "SmartPlexAddSeries"
INTENT_APPROVE_REQUEST = "SmartPlexApproveRequest"
INTENT_DISK_SPACE = "SmartPlexDiskSpace"
INTENT_QUEUE = "SmartPlexQueue"
INTENT_UPCOMING = "SmartPlexUpcoming"
INTENT_TRIAGE = "SmartPlexTriage"
INTENT_APPROVE_TRIAGED = "SmartPlexApproveTriaged"
INTENT_ASK = "SmartPlexAsk"
INTENT_CONFIRM = "SmartPlexConfirm"
INTENT_RECOMMEND = "SmartPlexRecommend"
INTENT_PREDICT = "SmartPlexPredict"

# Spoken lists stay short; the rest is summarised as "and N more".
MAX_SPOKEN = 5
UPCOMING_DAYS = 7


def _spoken_list(parts: list[str]) -> str:
    """Return a short spoken list: 'a, b and 3 more'."""
    shown = parts[:MAX_SPOKEN]
    if len(parts) > MAX_SPOKEN:
        return f"{', '.join(shown)} and {len(parts) - MAX_SPOKEN} more"
    if len(shown) > 1:
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return shown[0]


type Speech = Callable[
    [HomeAssistant, SmartPlexConfigEntry, Caller, dict[str, Any]], Awaitable[str]
]


def _request_of(row: dict[str, Any]) -> str:
    """Return a triaged request as said: its title and who asked for it."""
    return f"{row['title'] or row['identity']} for {row['requested_by']}"


class SmartPlexIntentHandler(intent.IntentHandler):
    """Run a SmartPlex action for a voice command and speak the outcome."""

    def __init__(
        self,
        intent_type: str,
        description: str,
        speech: Speech,
        slots: tuple[Field, ...] = (),
        platforms: set[str] | None = None,
    ) -> None:
        """Name the intent, what it says and its slots (fields of the actions)."""
        self.intent_type = intent_type
        self.description = description
        self.speech = speech
        self.slot_fields = slots
        self.platforms = platforms

    @property
    def slot_schema(self) -> dict[Any, Any] | None:
        """Return the slots' schema (Assist offers intents that have one to LLMs as tools)."""
        return schema(self.slot_fields) or None

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Validate slots, run the action and answer in words."""
        response = intent_obj.create_response()
        caller = Caller(source=actions.SOURCE_INTENT, context=intent_obj.context)
        try:
            slots = validate(
                self.slot_fields,
                {name: slot.get("value") for name, slot in intent_obj.slots.items()},
                ignore_unknown=True,
            )
            entry = actions.resolve_entry(intent_obj.hass, None)
            speech = await self.speech(intent_obj.hass, entry, caller, slots)
        except HomeAssistantError as err:
            response.async_set_error(
                intent.IntentResponseErrorCode.FAILED_TO_HANDLE, str(err)
            )
            return response
        response.async_set_speech(speech)
        return response


async def _say_add_title(
    add: Action,
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Add a movie or a series by title (and year)."""
    added = await add.handler(hass, entry, caller, **slots)
    return f"{label(added['title'], added['year'])} added to {added['instance']}, searching now."


async def _say_queue(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Say what is downloading."""
    items = (await actions.async_get_queue(entry))["items"]
    if not items:
        return "Nothing is downloading."
    parts = [f"{item['title']} at {round(item['progress'])}%" for item in items]
    noun = "download" if len(items) == 1 else "downloads"
    return f"{len(items)} {noun}: {_spoken_list(parts)}."


async def _say_upcoming(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Say what airs or is released this week."""
    items = (
        await actions.async_get_calendar(entry, start=dt_util.now(), days=UPCOMING_DAYS)
    )["items"]
    if not items:
        return f"Nothing is coming up in the next {UPCOMING_DAYS} days."
    parts = []
    for item in items:
        day = dt_util.as_local(datetime.fromisoformat(item["date"])).strftime("%A")
        what = (
            f"{item['title']} {item['episode']}"
            if item["type"] == "episode"
            else item["title"]
        )
        parts.append(f"{what} on {day}")
    return f"Coming up: {_spoken_list(parts)}."


async def _say_approve_request(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Approve one named request; never all of them."""
    request = await actions.async_find_pending_request(entry, **slots)
    await actions.async_approve_request(
        hass, entry, caller, request_id=request["request_id"]
    )
    return f"Approved {describe_request(request)}."


async def _say_triage(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Say which requests wait and why, as triage would decide them; changes nothing."""
    rows = (await TRIAGE_REQUESTS.handler(hass, entry, caller, **slots))["requests"]
    if not rows:
        return "No requests are waiting."
    parts = [f"{_request_of(row)}: {row['reason'].rstrip('.')}" for row in rows]
    noun = "request waits" if len(rows) == 1 else "requests wait"
    return f"{len(rows)} {noun}. {_spoken_list(parts)}."


async def _say_approve_triaged(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Approve the pending requests triage approves; the rest wait for a person."""
    rows = (await actions.async_approve_triaged(hass, entry, caller))["requests"]
    approved = [_request_of(row) for row in rows if row["outcome"] == "approved"]
    waiting = len(rows) - len(approved)
    said = f"Approved {_spoken_list(approved)}." if approved else "Approved none."
    if waiting:
        said += f" {waiting} {'waits' if waiting == 1 else 'wait'} for you."
    return said


async def _say_disk_space(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Say how much space is left on the library folders."""
    folders = (await actions.async_disk_space(entry))["folders"]
    parts = [
        f"{folder['instance']} {folder['path']} has {folder['free_gb']:g} GB free"
        if folder["free_gb"] is not None
        else f"{folder['instance']} {folder['path']} is not reachable"
        for folder in folders
    ]
    if not parts:
        return "No root folders are configured."
    return f"{_spoken_list(parts)}."


async def _say_ask(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Ask the AI helper anything (the voice fallback); changes wait for "confirm SmartPlex"."""
    reply = await ASK.handler(hass, entry, caller, **slots)
    speech = reply["answer"] or "I have no answer to that."
    if reply["proposal"]:
        speech = f"{speech} Say confirm SmartPlex to go ahead."
    return str(speech)


async def _say_confirm(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Carry out the latest proposal the user's own question got."""
    proposal_id = await async_latest_proposal(hass, entry.entry_id, caller.user_id)
    if proposal_id is None:
        raise actions.invalid("proposal_not_found", proposal_id="-")
    done = await CONFIRM_PROPOSAL.handler(hass, entry, caller, proposal_id=proposal_id)
    parts = [
        f"{result['summary']}: done"
        if result["done"]
        else f"{result['summary']}: failed, {result['error']}"
        for result in done["results"]
    ]
    return f"{_spoken_list(parts)}."


async def _say_recommend(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Recommend a few titles (optionally like a named one) and say why the first fits."""
    rows = (await RECOMMEND.handler(hass, entry, caller, **{"count": 3, **slots}))[
        "recommendations"
    ]
    if not rows:
        return "I have nothing new to recommend."
    titles = _spoken_list([row["label"] for row in rows])
    return f"Try {titles}. {rows[0]['label']}: {rows[0]['reason'].rstrip('.')}."


async def _say_predict(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    slots: dict[str, Any],
) -> str:
    """Say what the household (or a person) will likely want to watch next week."""
    week = await PREDICT.handler(hass, entry, caller, **{"count": 3, **slots})
    said = [
        f"{row['title']} S{row['season']:02d}E{row['episode']:02d}"
        f" ({row['status'].replace('_', ' ')})"
        for row in week["continuing"]
    ]
    if said:
        said = [f"Next up: {_spoken_list(said)}."]
    if week["titles"]:
        said.append(
            f"New to try: {_spoken_list([row['label'] for row in week['titles']])}."
        )
    return " ".join(said) or "Nothing is likely next week."


# Ask and confirm serve only the default agent: offered to an LLM agent as tools, they
# would run an LLM themselves.
DEFAULT_AGENT_ONLY = {CONVERSATION_DOMAIN}
TITLE_SLOTS = (required(TITLE), YEAR)

HANDLERS: tuple[SmartPlexIntentHandler, ...] = (
    SmartPlexIntentHandler(
        INTENT_ADD_MOVIE,
        "Adds a movie to Radarr by title and year",
        partial(_say_add_title, ADD_MOVIE),
        TITLE_SLOTS,
    ),
    SmartPlexIntentHandler(
        INTENT_ADD_SERIES,
        "Adds a series to Sonarr by title and year",
        partial(_say_add_title, ADD_SERIES),
        TITLE_SLOTS,
    ),
    SmartPlexIntentHandler(
        INTENT_QUEUE, "Tells what Sonarr and Radarr are downloading", _say_queue
    ),
    SmartPlexIntentHandler(
        INTENT_UPCOMING,
        "Tells which episodes and movies come this week",
        _say_upcoming,
    ),
    SmartPlexIntentHandler(
        INTENT_APPROVE_REQUEST,
        "Approves the pending Overseerr request for a named title (and requester)",
        _say_approve_request,
        (required(TITLE), USER),
    ),
    SmartPlexIntentHandler(
        INTENT_DISK_SPACE,
        "Tells the free space of the library folders",
        _say_disk_space,
    ),
    SmartPlexIntentHandler(
        INTENT_TRIAGE,
        "Tells which requests wait and what triage would do with each, and why",
        _say_triage,
        (USER,),
    ),
    SmartPlexIntentHandler(
        INTENT_APPROVE_TRIAGED,
        "Approves the pending requests that triage would approve, and no others",
        _say_approve_triaged,
    ),
    SmartPlexIntentHandler(
        INTENT_ASK,
        "Answers a question with the AI helper",
        _say_ask,
        ASK.fields,
        DEFAULT_AGENT_ONLY,
    ),
    SmartPlexIntentHandler(
        INTENT_CONFIRM,
        "Carries out what the last answer proposed",
        _say_confirm,
        platforms=DEFAULT_AGENT_ONLY,
    ),
    SmartPlexIntentHandler(
        INTENT_RECOMMEND,
        "Recommends something to watch, or titles like a named one",
        _say_recommend,
        RECOMMEND.pick("user", "media_type", "like"),
    ),
    SmartPlexIntentHandler(
        INTENT_PREDICT,
        "Tells what the household will likely want to watch next week",
        _say_predict,
        PREDICT.pick("user"),
    ),
)


@callback
def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the SmartPlex intents."""
    for handler in HANDLERS:
        intent.async_register(hass, handler)


def _installed_path(hass: HomeAssistant) -> Path:
    """Return where the sentences go for the default agent."""
    return Path(
        hass.config.path("custom_sentences", SENTENCES_LANGUAGE, SENTENCES_FILE)
    )


def _sync_sentences_file(target: Path, wanted: bool) -> bool:
    """Copy or remove the sentences file; return True if something changed."""
    if wanted:
        if target.is_file() and target.read_bytes() == BUNDLED_SENTENCES.read_bytes():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUNDLED_SENTENCES, target)
        return True
    if target.is_file():
        target.unlink()
        return True
    return False


async def async_sync_sentences(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> None:
    """Install or remove the English sentences as the options ask, then reload Assist."""
    wanted = bool(entry.options.get(CONF_VOICE_SENTENCES, False))
    changed = await hass.async_add_executor_job(
        _sync_sentences_file, _installed_path(hass), wanted
    )
    if changed and hass.services.has_service(CONVERSATION_DOMAIN, "reload"):
        LOGGER.debug("Reloading conversation sentences after installing=%s", wanted)
        await hass.services.async_call(
            CONVERSATION_DOMAIN,
            "reload",
            {"language": SENTENCES_LANGUAGE},
            blocking=True,
        )
