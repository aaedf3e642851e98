"""Tests for the push payload parsers, on payloads the simulator builds as the services do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.smartplex.api.push import (
    INSTANCE_KEY,
    PushPayloadError,
    overseerr_template,
    parse_arr,
    parse_overseerr,
    parse_tautulli,
    tautulli_template,
)
from simulator import World
from simulator.webhooks import (
    arr_download,
    arr_grab,
    arr_manual_interaction,
    overseerr_payload,
    sonarr_added,
    tautulli_payload,
)
from tests.conftest import NOW

# Overseerr's stock template before the {{extra}} block (older releases and hand-made
# agents) and today's, as recorded from a real server.
LEGACY_TEMPLATE = json.dumps(
    {
        "notification_type": "{{notification_type}}",
        "subject": "{{subject}}",
        "message": "{{message}}",
        "image": "{{image}}",
        "email": "{{notifyuser_email}}",
        "username": "{{notifyuser_username}}",
        "avatar": "{{notifyuser_avatar}}",
        "{{media}}": {
            "media_type": "{{media_type}}",
            "tmdbId": "{{media_tmdbid}}",
            "imdbId": "{{media_imdbid}}",
            "tvdbId": "{{media_tvdbid}}",
            "status": "{{media_status}}",
            "status4k": "{{media_status4k}}",
        },
        "{{request}}": {
            "request_id": "{{request_id}}",
            "requestedBy_email": "{{requestedBy_email}}",
            "requestedBy_username": "{{requestedBy_username}}",
            "requestedBy_avatar": "{{requestedBy_avatar}}",
        },
    }
)


@pytest.fixture(scope="module")
def world() -> World:
    """Return a small simulated world."""
    return World("tiny", 1, NOW)


def test_sonarr_payloads(world: World) -> None:
    """Grab and import of an episode name the series, the episode and the quality."""
    item = next(q for q in world.queue.values() if q.service == "sonarr")
    grab = parse_arr("sonarr", arr_grab(world, item))
    assert grab is not None
    assert (grab.category, grab.event_type) == ("download", "grabbed")
    assert grab.item_ids == (item.media_id,)
    assert grab.data["series_id"] == item.media_id
    assert str(grab.data["episodes"]).startswith("S")
    assert grab.data["download_id"] == item.download_id
    # A grab re-reads the queue, not the title (its files did not change).
    assert grab.refresh == {"queue"}
    upgraded = parse_arr("sonarr", arr_download(world, item, NOW, upgrade=True))
    assert upgraded is not None
    assert upgraded.event_type == "upgraded"
    assert upgraded.data["is_upgrade"] is True
    assert {"calendar", "wanted", "cutoff_unmet"} <= upgraded.refresh
    series = world.series[item.media_id]
    added = parse_arr("sonarr", sonarr_added(world, series))
    assert added is not None and (added.category, added.event_type) == (
        "library",
        "added",
    )


def test_arr_requester_from_overseerr_tag(world: World) -> None:
    """Overseerr's request tag ("3 - anna") names who asked for the title."""
    item = next(q for q in world.queue.values() if q.service == "radarr")
    payload = arr_download(world, item, NOW)
    payload["movie"]["tags"] = ["4k", "3 - anna"]
    payload["episodeFiles"] = [{"quality": "Bluray-1080p"}]
    del payload["movieFile"]
    parsed = parse_arr("radarr", payload)
    assert parsed is not None
    assert parsed.data["requested_by"] == "anna"
    assert parsed.data["quality"] == "Bluray-1080p"
    failed = parse_arr("radarr", arr_manual_interaction(world, item, "Sample"))
    assert failed is not None and failed.data["message"] == "Sample"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"eventType": "Grab"}, "without movie"),
        ({"eventType": "Download", "movie": {"title": "x"}}, "without a movie id"),
        ({"instanceName": "Radarr"}, "eventType is missing"),
        ({"eventType": "Grab", "series": {"id": 1}}, "series payload sent to radarr"),
    ],
)
def test_arr_refused(payload: dict[str, Any], error: str) -> None:
    """Payloads that are not Radarr notifications are refused with the reason."""
    with pytest.raises(PushPayloadError, match=error):
        parse_arr("radarr", payload)


@pytest.mark.parametrize("template", [LEGACY_TEMPLATE, overseerr_template("sub_o")])
def test_overseerr_templates(world: World, template: str) -> None:
    """The stock template and SmartPlex's give the same request event."""
    request = next(iter(world.requests.values()))
    payload = overseerr_payload(world, template, "MEDIA_APPROVED", request, "")
    parsed = parse_overseerr(payload)
    assert parsed is not None
    assert parsed.event_type == "approved"
    assert parsed.data["request_id"] == request.id
    assert parsed.data["tmdb_id"] == request.tmdb_id
    assert parsed.data["media_type"] == request.kind
    assert parsed.data["requested_by"] == world.users[request.user_index].username
    assert parsed.data["is_4k"] is False
    expected_instance = "sub_o" if INSTANCE_KEY in template else None
    assert parsed.instance == expected_instance
    test = overseerr_payload(world, template, "TEST_NOTIFICATION", None, "Test")
    parsed_test = parse_overseerr(test)
    assert parsed_test is not None and parsed_test.category == "test"


def test_overseerr_refused_and_ignored() -> None:
    """Unknown types are ignored; payloads without a type or media are refused."""
    assert parse_overseerr({"notification_type": "ISSUE_CREATED"}) is None
    with pytest.raises(PushPayloadError, match="notification_type"):
        parse_overseerr({"subject": "x"})
    with pytest.raises(PushPayloadError, match="movie or tv"):
        parse_overseerr({"notification_type": "MEDIA_PENDING", "media": None})


def test_tautulli_template() -> None:
    """SmartPlex's Tautulli body, rendered as Tautulli does, parses back."""
    values = {
        "action": "play",
        "user": "anna",
        "username": "anna",
        "user_id": "7",
        "media_type": "movie",
        "title": "Dune",
        "full_title": "Dune",
        "year": "2021",
        "rating_key": "12",
        "tmdb_id": "438631",
        "session_key": "3",
        "progress_percent": "0",
    }
    parsed = parse_tautulli(tautulli_payload(tautulli_template("sub_t"), values))
    assert parsed is not None
    assert (parsed.event_type, parsed.instance) == ("started", "sub_t")
    assert parsed.data["user_id"] == 7
    assert parsed.data["tmdb_id"] == 438631
    assert parse_tautulli({"action": "created"}) is None
    with pytest.raises(PushPayloadError, match="action"):
        parse_tautulli({"text": "not json"})
    with pytest.raises(PushPayloadError, match="without a user"):
        parse_tautulli({"action": "play"})
