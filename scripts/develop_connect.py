"""Onboard the development Home Assistant and connect SmartPlex to the simulator via the flow API."""

from __future__ import annotations

from http import HTTPStatus
import json
import os
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

BASE = f"http://127.0.0.1:{os.environ.get('HA_PORT', '8123')}"
CLIENT_ID = f"{BASE}/"
SERVICES = ("sonarr", "radarr", "overseerr", "tautulli", "tmdb")
VOICE_SENTENCES = "voice_sentences"


def call(
    path: str, body: Any = None, token: str | None = None, form: bool = False
) -> Any:
    """Send one request to Home Assistant and return the decoded JSON reply."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form:
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_for_home_assistant() -> list[dict[str, Any]]:
    """Wait until the HTTP API answers and return the onboarding state."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            return call("/api/onboarding")  # type: ignore[no-any-return]
        except urllib.error.HTTPError as err:
            # Once onboarding is complete Home Assistant no longer serves its API.
            if err.code == HTTPStatus.NOT_FOUND:
                return []
            time.sleep(1)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
    raise SystemExit(
        "Home Assistant did not start within 5 minutes (see config/develop.log)"
    )


def done(steps: list[dict[str, Any]], name: str) -> bool:
    """Return whether an onboarding step is complete (all are once onboarding is over)."""
    return bool(next((s["done"] for s in steps if s["step"] == name), True))


def login(steps: list[dict[str, Any]]) -> str:
    """Create the owner on a fresh install (or log in) and return an access token."""
    user, password = os.environ["HA_USER"], os.environ["HA_PASSWORD"]
    if not done(steps, "user"):
        code = call(
            "/api/onboarding/users",
            {
                "client_id": CLIENT_ID,
                "name": "Developer",
                "username": user,
                "password": password,
                "language": "en",
            },
        )["auth_code"]
    else:
        flow = call(
            "/auth/login_flow",
            {
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": CLIENT_ID,
            },
        )
        code = call(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": CLIENT_ID, "username": user, "password": password},
        )["result"]
    token: str = call(
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )["access_token"]
    for step, path, body in (
        ("core_config", "/api/onboarding/core_config", {}),
        ("analytics", "/api/onboarding/analytics", {}),
        (
            "integration",
            "/api/onboarding/integration",
            {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID},
        ),
    ):
        if not done(steps, step):
            call(path, body, token)
    return token


def connect(token: str, simulator: dict[str, dict[str, str]]) -> None:
    """Create the SmartPlex hub (unless present) and add every simulated service."""
    # A restarted simulator listens on new ports, so an old hub is replaced.
    for entry in call("/api/config/config_entries/entry?domain=smartplex", token=token):
        call_delete(f"/api/config/config_entries/entry/{entry['entry_id']}", token)
    flow = call("/api/config/config_entries/flow", {"handler": "smartplex"}, token)
    entry_id = call(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"name": "SmartPlex"},
        token,
    )["result"]["entry_id"]
    for service in SERVICES:
        flow = call(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, service]},
            token,
        )
        result = call(
            f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
            {
                "url": simulator[service]["url"],
                "api_key": simulator[service]["api_key"],
                "verify_ssl": True,
            },
            token,
        )
        outcome = result.get("title") or result.get("errors") or result.get("reason")
        print(f"  {service:10} {result.get('type')}: {outcome}")  # noqa: T201
    enable_voice_sentences(token, entry_id)


def enable_voice_sentences(token: str, entry_id: str) -> None:
    """Turn on the hub option that installs SmartPlex's sentences for Assist."""
    flow = call("/api/config/config_entries/options/flow", {"handler": entry_id}, token)
    # Submit the form's own suggested values so only voice_sentences changes.
    values = {
        field["name"]: (field.get("description") or {}).get("suggested_value")
        for field in flow["data_schema"]
    }
    values[VOICE_SENTENCES] = True
    result = call(
        f"/api/config/config_entries/options/flow/{flow['flow_id']}", values, token
    )
    print(f"  {'options':10} {result.get('type')}: {VOICE_SENTENCES} on")  # noqa: T201


def call_delete(path: str, token: str) -> None:
    """Send a DELETE request."""
    request = urllib.request.Request(
        BASE + path, method="DELETE", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=60):
        pass


def main() -> None:
    """Onboard, log in and connect every service."""
    simulator = json.loads(os.environ["SIM_JSON"])
    token = login(wait_for_home_assistant())
    print("Connecting SmartPlex to the simulated services:")  # noqa: T201
    connect(token, simulator)


if __name__ == "__main__":
    main()
