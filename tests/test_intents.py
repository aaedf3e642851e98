"""Tests for the voice intents and their sentences, through Assist's default agent."""

from __future__ import annotations

from pathlib import Path

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartplex.const import CONF_TRIAGE, CONF_VOICE_SENTENCES, DOMAIN
from custom_components.smartplex.intents import BUNDLED_SENTENCES
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
from .test_services import call


@pytest.fixture(name="voice")
async def fixture_voice(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> MockConfigEntry:
    """Return a loaded hub with voice sentences on and Assist running."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    entry = hub(simulator, ALL_SERVICES, **{CONF_VOICE_SENTENCES: True})
    await setup_entry(hass, entry)
    return entry


async def ask(hass: HomeAssistant, text: str) -> intent.IntentResponse:
    """Say something to the default agent and return its response."""
    result = await conversation.async_converse(
        hass, text, None, Context(user_id="voice-user"), language="en"
    )
    return result.response


def speech(response: intent.IntentResponse) -> str:
    """Return the plain spoken answer."""
    return str(response.speech["plain"]["speech"])


async def test_sentences_are_installed(
    hass: HomeAssistant, voice: MockConfigEntry, tmp_path: Path
) -> None:
    """Opting in copies the bundled sentences for the default agent."""
    installed = tmp_path / "custom_sentences" / "en" / "smartplex.yaml"
    assert installed.read_bytes() == BUNDLED_SENTENCES.read_bytes()


@pytest.mark.parametrize(
    ("text", "tmdb_id", "answer"),
    [
        (
            "add the movie The Mirror from 2008",
            10042,
            "The Mirror (2008) added to Radarr, searching now.",
        ),
        (
            "download movie Scarlet Verdict",
            10009,
            "Scarlet Verdict (2003) added to Radarr, searching now.",
        ),
        (
            "get the film gentle archive",
            10006,
            "Gentle Archive (2003) added to Radarr, searching now.",
        ),
    ],
)
async def test_add_movie_sentence(
    hass: HomeAssistant,
    voice: MockConfigEntry,
    simulator: Simulator,
    events: EventLog,
    text: str,
    tmdb_id: int,
    answer: str,
) -> None:
    """Saying 'add the movie X from YEAR' adds it and confirms in words."""
    response = await ask(hass, text)
    assert speech(response) == answer
    assert simulator.world.movie_by_tmdb(tmdb_id) is not None
    [event] = events.of("smartplex_movie_added")
    assert event["source"] == "intent"
    [record] = await audit_trail(hass)
    assert (record.source, record.user_id) == ("intent", "voice-user")


async def test_add_movie_sentence_ambiguous(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """An ambiguous title is refused aloud with the candidates; nothing is added."""
    before = world_state(simulator)
    response = await ask(hass, "add the movie The Mirror")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert speech(response) == (
        "Several titles match The Mirror: The Mirror (2002), The Mirror (2008), "
        "The Mirror (2005). Add the year or use an id"
    )
    assert world_state(simulator) == before


async def test_add_series_sentence(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """Saying 'add the show X' adds the series."""
    response = await ask(hass, "add the show Brave Horizon")
    assert speech(response) == "Brave Horizon (2007) added to Sonarr, searching now."
    assert simulator.world.series_by_tvdb(300000) is not None
    response = await ask(hass, "add the tv show Endless River from 2017")
    assert speech(response) == "Endless River (2017) added to Sonarr, searching now."


async def test_add_series_already_there(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """A series already in Sonarr is refused aloud."""
    response = await ask(hass, "add the series Rising Echo")
    assert speech(response) == "Rising Echo (1998) is already in Sonarr"


@pytest.mark.parametrize(
    "text", ["what's downloading", "what is in the queue", "list the downloads"]
)
async def test_queue_sentence(
    hass: HomeAssistant, voice: MockConfigEntry, text: str
) -> None:
    """Asking what is downloading lists the queue with progress."""
    response = await ask(hass, text)
    assert speech(response) == (
        "3 downloads: Lost Empire (2021) at 40%, Rising Echo S01E08 at 70% "
        "and The Orbit S06 (8 episodes) at 70%."
    )


async def test_queue_sentence_empty(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """An empty queue is said so."""
    simulator.world.queue.clear()
    response = await ask(hass, "what's downloading right now")
    assert speech(response) == "Nothing is downloading."


async def test_upcoming_sentence(
    hass: HomeAssistant,
    voice: MockConfigEntry,
    simulator: Simulator,
    freezer: pytest.FixtureRequest,
) -> None:
    """Asking what is coming up lists this week's releases with weekdays."""
    response = await ask(hass, "what's coming up")
    assert speech(response) == "Nothing is coming up in the next 7 days."
    freezer.move_to("2021-06-18T12:00:00+00:00")  # type: ignore[attr-defined]
    response = await ask(hass, "what is coming out this week")
    # Radarr says 2021-06-21T00:00:00Z: the release day is that Monday in every time
    # zone, not the Sunday evening that midnight UTC is in the test time zone.
    assert hass.config.time_zone == "US/Pacific"
    assert speech(response) == "Coming up: Lost Empire (2021) on Monday."


async def test_approve_sentence(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Approving names the title (and requester) and approves exactly that request."""
    response = await ask(hass, "approve Ben's request for Hollow Orbit")
    assert speech(response) == "Approved Ben's request for Hollow Orbit (2002)."
    assert simulator.world.requests[4].status == 2
    assert simulator.world.requests[1].status == 1
    [event] = events.of("smartplex_request_approved")
    assert event["source"] == "intent"
    response = await ask(hass, "approve the request for the signal")
    assert speech(response) == "Approved Ben's request for The Signal (2012)."
    assert simulator.world.requests[1].status == 2


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "approve anna's request for Hollow Orbit",
            "No pending request for Hollow Orbit. Pending: -",
        ),
        (
            "approve the request for The Station",
            (
                "No pending request for The Station. Pending: Ben's request for "
                "Hollow Orbit (2002), Ben's request for The Signal (2012)"
            ),
        ),
    ],
)
async def test_approve_sentence_refused(
    hass: HomeAssistant,
    voice: MockConfigEntry,
    simulator: Simulator,
    text: str,
    answer: str,
) -> None:
    """A request that is not pending for that title or user is not approved."""
    before = world_state(simulator)
    response = await ask(hass, text)
    assert speech(response) == answer
    assert world_state(simulator) == before


async def test_approve_sentence_two_requesters(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """Two pending requests for one title need the requester's name."""
    world = simulator.world
    world.add_request(0, world.titles[("movie", 10024)], world.start)
    before = world_state(simulator)
    response = await ask(hass, "approve the request for Hollow Orbit")
    assert speech(response).startswith("Several pending requests for Hollow Orbit:")
    assert world_state(simulator) == before
    response = await ask(hass, "approve anna's request for Hollow Orbit")
    assert speech(response) == "Approved anna's request for Hollow Orbit (2002)."


async def test_approve_everything_is_not_understood(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """There is no sentence that approves requests without naming one."""
    before = world_state(simulator)
    response = await ask(hass, "approve everything")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert world_state(simulator) == before


@pytest.mark.parametrize(
    "text",
    [
        "how much space is left",
        "how much disk space do I have",
        "what's the free space",
    ],
)
async def test_disk_space_sentence(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator, text: str
) -> None:
    """Asking for space reports every root folder in GB."""
    world = simulator.world
    movies = round(world.free_space("/movies") / 1e9, 1)
    tv = round(world.free_space("/tv") / 1e9, 1)
    response = await ask(hass, text)
    assert speech(response) == (
        f"Radarr /movies has {movies:g} GB free and Sonarr /tv has {tv:g} GB free."
    )


async def test_sentences_removed_when_opting_out(
    hass: HomeAssistant, voice: MockConfigEntry, tmp_path: Path
) -> None:
    """Turning the option off removes the sentences and Assist forgets them."""
    installed = tmp_path / "custom_sentences" / "en" / "smartplex.yaml"
    hass.config_entries.async_update_entry(voice, options={CONF_VOICE_SENTENCES: False})
    await hass.async_block_till_done()
    assert not installed.exists()
    response = await ask(hass, "what's downloading")
    assert response.intent is None or response.intent.intent_type != "SmartPlexQueue"
    assert "downloads" not in speech(response)


async def test_sentences_not_installed_by_default(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Without opting in nothing is written to the config directory."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, ALL_SERVICES))
    assert not (tmp_path / "custom_sentences").exists()


async def test_intent_without_hub(hass: HomeAssistant, tmp_path: Path) -> None:
    """Without a loaded hub the intent answers with an error."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "smartplex", {})
    response = await intent.async_handle(hass, "test", "SmartPlexQueue", {})
    assert response.response_type is intent.IntentResponseType.ERROR


async def test_disk_space_with_radarr_down(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """A failing service is reported aloud."""
    hass.config.config_dir = str(tmp_path)
    await setup_entry(hass, hub(simulator, [("radarr", "Radarr")]))
    simulator.faults.inject("radarr", "status", status=500, path="/api/v3/rootfolder")
    response = await intent.async_handle(hass, "test", "SmartPlexDiskSpace", {})
    assert response.response_type is intent.IntentResponseType.ERROR
    assert speech(response).startswith("Radarr could not do this:")


async def test_ask_and_confirm_by_voice(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Saying "SmartPlex ..." asks the AI helper; "confirm SmartPlex" runs its proposal."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    entry = hub(
        simulator,
        ALL_SERVICES,
        **{
            CONF_VOICE_SENTENCES: True,
            "ai_provider": "openai",
            "ai_base_url": simulator.url("openai") + "/v1",
            "ai_api_key": simulator.api_key("openai"),
            "ai_model": "gpt-4o-mini",
        },
    )
    await setup_entry(hass, entry)
    nothing = await ask(hass, "confirm SmartPlex")
    assert nothing.response_type is intent.IntentResponseType.ERROR
    add = {"title": "The Mirror", "year": 2005, "search": False}
    simulator.openai.script(
        [
            {"tool_calls": [{"name": "add_movie", "arguments": add}]},
            "I can add The Mirror (2005).",
        ]
    )
    before = world_state(simulator)
    answer = await ask(hass, "SmartPlex add the movie The Mirror from 2005")
    assert speech(answer) == (
        "I can add The Mirror (2005). Say confirm SmartPlex to go ahead."
    )
    assert simulator.openai.requests[0]["messages"][1]["content"] == (
        "add the movie The Mirror from 2005"
    )
    assert world_state(simulator) == before
    done = await ask(hass, "confirm SmartPlex")
    assert speech(done).endswith(": done.")
    assert simulator.world.movie_by_tmdb(10138) is not None
    # Not offered to LLM agents as a tool: it would run an LLM itself.
    handler = next(h for h in intent.async_get(hass) if h.intent_type == "SmartPlexAsk")
    assert handler.platforms == {"conversation"}


async def test_triage_sentences_say_what_waits_and_why(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator, events: EventLog
) -> None:
    """Asking what waits, or why Ben's request is on hold, reads triage's dry run."""
    before = world_state(simulator)
    waiting = speech(await ask(hass, "what requests are waiting"))
    assert waiting.startswith("2 requests wait. ")
    assert waiting.count(" for Ben: Waits for approval") == 2
    why = speech(await ask(hass, "why is Ben's request on hold"))
    assert why == waiting
    assert world_state(simulator) == before
    assert events.events == []


async def test_triage_sentence_for_someone_unknown(
    hass: HomeAssistant, voice: MockConfigEntry
) -> None:
    """A name triage does not know is answered with the names it does know."""
    response = await ask(hass, "why is Zoe's request on hold")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert "Zoe" in speech(response)


async def test_approve_the_ones_you_would_approve(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator, events: EventLog
) -> None:
    """Triage's approvals are applied and audited; what it declines stays pending."""
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    world = simulator.world
    # Request 1 is rated far below request 4: only 4 clears the bar, and 1 falls
    # below the decline score with automatic declines on.
    world.titles["movie", world.requests[1].tmdb_id].vote_average = 1.0
    world.titles["movie", world.requests[4].tmdb_id].vote_average = 9.5
    options = {"approve_above": 6.0, "auto_decline": True, "decline_below": 5.0}
    entry = hub(
        simulator, ALL_SERVICES, **{CONF_VOICE_SENTENCES: True, CONF_TRIAGE: options}
    )
    await setup_entry(hass, entry)
    dry_run = await hass.services.async_call(
        DOMAIN, "triage_requests", {}, blocking=True, return_response=True
    )
    assert isinstance(dry_run, dict)
    assert {row["request_id"]: row["action"] for row in dry_run["requests"]} == {
        1: "decline",
        4: "approve",
    }
    said = speech(await ask(hass, "approve the ones you would approve"))
    title = world.titles["movie", world.requests[4].tmdb_id]
    assert said == f"Approved {title.title} ({title.year}) for Ben. 1 waits for you."
    assert (world.requests[1].status, world.requests[4].status) == (1, 2)
    [approved] = events.of("smartplex_request_approved")
    assert (approved["request_id"], approved["source"]) == (4, "intent")
    assert events.of("smartplex_request_declined") == []


async def test_recommend_sentences(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """'Recommend me something' and 'shows like X' read three picks and why the first fits."""
    before = world_state(simulator)
    anything = speech(await ask(hass, "recommend me something to watch"))
    assert anything.startswith("Try ")
    assert ": Because " in anything
    for movie in sorted(m.info.title for m in simulator.world.movies.values()):
        data = {"like": movie, "media_type": "movie", "count": 3}
        if picks := (await call(hass, "recommend", data))["recommendations"]:
            break
    like = speech(await ask(hass, f"movies like {movie}"))
    labels = [row["label"] for row in picks]
    assert like.startswith(f"Try {', '.join(labels[:-1])} and {labels[-1]}. ")
    # Series like a series: understood (the simulated world owns every related series).
    series = min(s.info.title for s in simulator.world.series.values())
    shows = await ask(hass, f"shows like {series}")
    assert shows.response_type is intent.IntentResponseType.ACTION_DONE
    assert world_state(simulator) == before


async def test_recommend_sentence_like_an_unknown_title(
    hass: HomeAssistant, voice: MockConfigEntry
) -> None:
    """A title TMDB does not know is refused in words."""
    response = await ask(hass, "movies like Zzyzx Qwerty")
    assert response.response_type is intent.IntentResponseType.ERROR


async def test_next_week_sentence(
    hass: HomeAssistant, voice: MockConfigEntry, simulator: Simulator
) -> None:
    """Asking what we will want next week reads the series in progress, then new titles."""
    answer = speech(await ask(hass, "what will we want to watch next week"))
    week = await call(hass, "predict", {"count": 3})
    labels = [row["label"] for row in week["titles"]]
    assert answer.endswith(f"New to try: {', '.join(labels[:-1])} and {labels[-1]}.")
    assert not week["continuing"] or answer.startswith("Next up: ")
    anna = speech(await ask(hass, "what will Anna want to watch next week"))
    assert "New to try: " in anna
