"""Onboard the development Home Assistant and connect SmartPlex to the simulator via the flow API.

scripts/develop runs `develop_connect.py ports` before it starts anything: it refuses ports that are
not valid or already in use (another Home Assistant on 8123, say). Then, once Home Assistant is
starting, `develop_connect.py` talks to it only after the server on the port served the nonce that
scripts/develop wrote for this run into config/www: it never onboards or configures a server it did
not start. Standard library only, so it also runs before the development environment exists.
"""

from __future__ import annotations

from collections.abc import Iterable
import errno
from http import HTTPStatus
from http.client import HTTPException
import json
import os
from pathlib import Path
import socket
import sys
import time
from typing import Any

from develop_check import HomeAssistant

HOST = "127.0.0.1"
DEFAULT_HA_PORT = 8123
# The simulator serves its services on consecutive ports from SMARTPLEX_SIM_PORT.
SIMULATOR_PORTS = 6
NONCE_FILE = Path("www") / "develop-nonce.txt"
SERVICES = ("sonarr", "radarr", "overseerr", "tautulli", "tmdb")
VOICE_SENTENCES = "voice_sentences"
START_TIMEOUT = 300


def port_setting(name: str, span: int = 1) -> int | None:
    """Return the port (the first of `span` consecutive ones) set in the environment variable."""
    if not (value := os.environ.get(name, "")):
        return None
    highest = 65535 - span + 1
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= highest:
        raise SystemExit(
            f"develop: {name}={value!r} is not a port number (1-{highest})"
        )
    return int(value)


def busy_ports(ports: Iterable[int]) -> list[int]:
    """Return the ports that a server already listens on (or that cannot be bound)."""
    busy = []
    for port in ports:
        with socket.socket() as probe:
            # Like aiohttp: a port with only closing connections of a stopped server counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError as err:
                if err.errno != errno.EADDRINUSE:
                    raise SystemExit(f"develop: cannot use port {port}: {err}") from err
                busy.append(port)
    return busy


def check_ports() -> None:
    """Refuse to start when a port of Home Assistant or the simulator is taken."""
    ha_port = port_setting("SMARTPLEX_HA_PORT") or DEFAULT_HA_PORT
    hints = {ha_port: "SMARTPLEX_HA_PORT to a free port"}
    if (sim_base := port_setting("SMARTPLEX_SIM_PORT", SIMULATOR_PORTS)) is not None:
        sim_ports = range(sim_base, sim_base + SIMULATOR_PORTS)
        if ha_port in sim_ports:
            raise SystemExit(
                f"develop: Home Assistant's port {ha_port} is one of the simulator's"
                f" {sim_ports[0]}-{sim_ports[-1]}; choose other ports"
            )
        hint = f"SMARTPLEX_SIM_PORT to the first of {SIMULATOR_PORTS} free ports"
        hints |= dict.fromkeys(sim_ports, hint)
    if busy := busy_ports(sorted(hints)):
        raise SystemExit(
            f"develop: already in use on {HOST}: port {', '.join(map(str, busy))}"
            " (another Home Assistant or simulator?); stop what listens there or set "
            + " and ".join(sorted({hints[port] for port in busy}))
        )


def write_nonce(config_dir: Path) -> str:
    """Write a new random nonce that the Home Assistant started on `config_dir` will serve."""
    # Not a JSON value, so HomeAssistant.request returns it as text.
    nonce = f"smartplex-develop-{os.urandom(16).hex()}"
    path = config_dir / NONCE_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text(nonce)
    return nonce


def running(pid: int) -> bool:
    """Return whether the process still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def serves_nonce(ha: HomeAssistant, nonce: str) -> bool | None:
    """Return whether the server serves `nonce` (None when nothing answers yet)."""
    try:
        status, text = ha.request(f"/local/{NONCE_FILE.name}")
    except OSError:
        return None
    except HTTPException:  # not even an HTTP server
        return False
    return status == HTTPStatus.OK and text == nonce


def wait_for_home_assistant(
    ha: HomeAssistant, nonce: str, pid: int, timeout: float
) -> None:
    """Wait until the Home Assistant started with `pid` answers; refuse any other server."""
    deadline = time.monotonic() + timeout
    other = False
    while time.monotonic() < deadline:
        if not running(pid):
            raise SystemExit(
                "develop: Home Assistant stopped during its start (see config/develop.log)"
            )
        match serves_nonce(ha, nonce):
            case True:
                return
            case False if not other:
                other = True
                print(  # noqa: T201
                    f"develop: {ha.url} answers but is not (yet) the Home Assistant"
                    " scripts/develop started; waiting"
                )
        time.sleep(1)
    if other:
        raise SystemExit(
            f"develop: {ha.url} is not the Home Assistant scripts/develop started;"
            " refusing to configure it (see config/develop.log)"
        )
    raise SystemExit(
        f"develop: Home Assistant did not answer on {ha.url} within {timeout:.0f} s"
        " (see config/develop.log)"
    )


def done(steps: list[dict[str, Any]], name: str) -> bool:
    """Return whether an onboarding step is complete (all are once onboarding is over)."""
    return bool(next((s["done"] for s in steps if s["step"] == name), True))


def onboarding_steps(ha: HomeAssistant) -> list[dict[str, Any]]:
    """Return the onboarding steps (none once onboarding is complete)."""
    status, steps = ha.request("/api/onboarding")
    # Once onboarding is complete Home Assistant no longer serves this view.
    if status == HTTPStatus.NOT_FOUND:
        return []
    if status != HTTPStatus.OK:
        raise SystemExit(f"develop: /api/onboarding answered HTTP {status}: {steps}")
    return steps  # type: ignore[no-any-return]


def log_in(ha: HomeAssistant, user: str, password: str) -> None:
    """Create the owner on a fresh install (or log in) and finish onboarding."""
    steps = onboarding_steps(ha)
    client_id = f"{ha.url}/"
    if done(steps, "user"):
        ha.log_in(user, password)
    else:
        owner = {"name": "Developer", "username": user, "password": password}
        reply = ha.call(
            "/api/onboarding/users",
            {"client_id": client_id, "language": "en", **owner},
        )
        ha.authorize(reply["auth_code"])
    for step, path, body in (
        ("core_config", "/api/onboarding/core_config", {}),
        ("analytics", "/api/onboarding/analytics", {}),
        (
            "integration",
            "/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": client_id},
        ),
    ):
        if not done(steps, step):
            ha.call(path, body)


def connect(ha: HomeAssistant, simulator: dict[str, dict[str, str]]) -> None:
    """Create the SmartPlex hub (replacing an old one) and add every simulated service."""
    # A restarted simulator listens on new ports, so an old hub is replaced.
    for entry in ha.call("/api/config/config_entries/entry?domain=smartplex"):
        ha.call(
            f"/api/config/config_entries/entry/{entry['entry_id']}", method="DELETE"
        )
    flow = ha.call("/api/config/config_entries/flow", {"handler": "smartplex"})
    entry_id = ha.call(
        f"/api/config/config_entries/flow/{flow['flow_id']}", {"name": "SmartPlex"}
    )["result"]["entry_id"]
    for service in SERVICES:
        flow = ha.call(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, service]},
        )
        result = ha.call(
            f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
            {
                "url": simulator[service]["url"],
                "api_key": simulator[service]["api_key"],
                "verify_ssl": True,
            },
        )
        outcome = result.get("title") or result.get("errors") or result.get("reason")
        print(f"  {service:10} {result.get('type')}: {outcome}")  # noqa: T201
    enable_voice_sentences(ha, entry_id)


def suggested_values(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a form's suggested values, sections as mappings, fields without one left out."""
    values: dict[str, Any] = {}
    for field in fields:
        if field.get("type") == "expandable":
            values[field["name"]] = suggested_values(field["schema"])
        elif (
            value := (field.get("description") or {}).get("suggested_value")
        ) is not None:
            values[field["name"]] = value
    return values


def enable_voice_sentences(ha: HomeAssistant, entry_id: str) -> None:
    """Turn on the hub option that installs SmartPlex's sentences for Assist."""
    flow = ha.call("/api/config/config_entries/options/flow", {"handler": entry_id})
    # Submit the form's own suggested values so only voice_sentences changes.
    values = suggested_values(flow["data_schema"])
    values[VOICE_SENTENCES] = True
    result = ha.call(
        f"/api/config/config_entries/options/flow/{flow['flow_id']}", values
    )
    print(f"  {'options':10} {result.get('type')}: {VOICE_SENTENCES} on")  # noqa: T201


def main(argv: list[str]) -> None:
    """Check the ports, write the nonce, or wait for Home Assistant and connect everything."""
    match argv:
        case ["ports"]:
            check_ports()
            return
        case ["nonce", config_dir]:
            print(write_nonce(Path(config_dir)))  # noqa: T201
            return
    port = port_setting("SMARTPLEX_HA_PORT") or DEFAULT_HA_PORT
    ha = HomeAssistant(f"http://{HOST}:{port}")
    nonce, pid = os.environ["NONCE"], int(os.environ["HA_PID"])
    wait_for_home_assistant(ha, nonce, pid, START_TIMEOUT)
    log_in(ha, os.environ["HA_USER"], os.environ["HA_PASSWORD"])
    print("Connecting SmartPlex to the simulated services:")  # noqa: T201
    connect(ha, json.loads(os.environ["SIM_JSON"]))


if __name__ == "__main__":
    main(sys.argv[1:])
