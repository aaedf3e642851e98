"""Overseerr's and Tautulli's webhooks as their templates render them, from the simulator.

The simulator renders the template a webhook agent holds: Overseerr's recorded stock one,
Home Assistant's own Seerr integration's, or SmartPlex's; each notification must carry
exactly the template's keys, filled in, and parse to what happened.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.smartplex.api.push import (
    OVERSEERR_SUBSCRIBED_TYPES,
    TAUTULLI_TRIGGERS,
    overseerr_template,
    parse_overseerr,
    parse_tautulli,
    tautulli_template,
)
from custom_components.smartplex.webhook import (
    CONNECTION_NAME,
    encode_overseerr_payload,
)
from simulator import Simulator
from simulator.webhooks import OVERSEERR_DEFAULT_PAYLOAD
from tests.helpers_world import unknown_title

from .conftest import Receiver
from .test_contracts import REALWORLD


def recorded_template(name: str) -> str:
    """Return the webhook template of a recorded Overseerr-family webhook agent."""
    recording = json.loads(
        (REALWORLD / name / "python-overseerr__webhook_config.json").read_text()
    )
    return str(recording["options"]["jsonPayload"])


def unrendered(template: Any) -> Any:
    """Return the shape a template renders to: {{media}} and its kin lose their braces."""
    if isinstance(template, dict):
        return {key.strip("{}"): unrendered(value) for key, value in template.items()}
    return None


def shape(payload: Any, expected: Any) -> Any:
    """Return a payload's shape; a block it leaves out (null) counts as the template's."""
    if isinstance(payload, dict):
        return {
            key: shape(value, expected.get(key) if isinstance(expected, dict) else None)
            for key, value in payload.items()
        }
    return expected if payload is None and isinstance(expected, dict) else None


def strings(node: Any) -> list[str]:
    """Return every string value of a JSON document."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return [node] if isinstance(node, str) else []


def test_simulator_sends_overseerr_stock_template() -> None:
    """Without a template of its own, the simulator renders Overseerr's recorded stock one."""
    assert json.loads(OVERSEERR_DEFAULT_PAYLOAD) == json.loads(
        recorded_template("overseerr")
    )


@pytest.mark.parametrize(
    "template",
    [
        pytest.param(recorded_template("overseerr"), id="overseerr stock"),
        # Home Assistant's own Seerr integration's template, as recorded from Jellyseerr.
        pytest.param(recorded_template("jellyseerr"), id="core snake_case"),
        pytest.param(overseerr_template("sub_o"), id="smartplex"),
    ],
)
async def test_overseerr_webhooks_render_their_template(
    sim: Simulator, receiver: Receiver, template: str
) -> None:
    """Each request notification has exactly the template's keys and parses to the request."""
    stack, world = sim.stack, sim.world
    stack.notifications.overseerr.update(
        {
            "enabled": True,
            "types": OVERSEERR_SUBSCRIBED_TYPES,
            "options": {
                "webhookUrl": receiver.url,
                "jsonPayload": encode_overseerr_payload(template),
            },
        }
    )
    title = unknown_title(world, "movie")
    request = stack.create_request(1, title)
    stack.approve_request(request, by_user=0)
    stack.decline_request(request, by_user=0)
    await stack.webhooks.drain()
    expected = unrendered(json.loads(template))
    assert [p["notification_type"] for p in receiver.received] == [
        "MEDIA_PENDING",
        "MEDIA_APPROVED",
        "MEDIA_DECLINED",
    ]
    for payload in receiver.received:
        assert shape(payload, expected) == expected
        assert not [text for text in strings(payload) if "{{" in text]
        parsed = parse_overseerr(payload)
        assert parsed is not None
        assert (parsed.data["request_id"], parsed.data["tmdb_id"]) == (
            request.id,
            title.tmdb_id,
        )
        assert parsed.data["requested_by"] == world.users[1].username


async def test_tautulli_webhooks_render_smartplex_template(
    sim: Simulator, receiver: Receiver
) -> None:
    """Playback notifications carry every key of SmartPlex's body template, filled in."""
    stack, world = sim.stack, sim.world
    template = tautulli_template("sub_t")
    stack.notifications.tautulli[7] = {
        "agent_id": 25,
        "friendly_name": CONNECTION_NAME,
        "config": {"hook": receiver.url, "method": "POST"},
        "actions": dict.fromkeys(TAUTULLI_TRIGGERS, 1),
        "notify_text": {
            t: {"subject": "", "body": template} for t in TAUTULLI_TRIGGERS
        },
    }
    movie = next(m for m in world.movies.values() if m.has_file)
    session = stack.start_session(2, "movie", movie.id)
    stack.pause_session(session.session_key)
    await stack.webhooks.drain()
    keys = set(json.loads(template))
    for payload in receiver.received:
        assert set(payload) == keys
        assert all(isinstance(value, str) for value in payload.values())
        parsed = parse_tautulli(payload)
        assert parsed is not None and parsed.data["user"] == world.users[2].username
    assert [p["action"] for p in receiver.received] == ["play", "pause"]
