"""The development scripts: ports, refusing a server they did not start, and HTTP settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import importlib
import importlib.util
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import threading
from types import ModuleType
from typing import Any

from homeassistant import config as conf_util
import homeassistant.components
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

SCRIPTS = Path(__file__).parents[1] / "scripts"
SMARTPLEX_MANIFEST = "custom_components/smartplex/manifest.json"


@pytest.fixture(name="connect")
def connect_module(monkeypatch: pytest.MonkeyPatch, socket_enabled: None) -> ModuleType:
    """Import scripts/develop_connect.py as scripts/develop runs it."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    for name in ("SMARTPLEX_HA_PORT", "SMARTPLEX_SIM_PORT"):
        monkeypatch.delenv(name, raising=False)
    return importlib.import_module("develop_connect")


class FakeServer(ThreadingHTTPServer):
    """A web server on loopback that answers every request with one body and records paths."""

    def __init__(self, status: int, body: str) -> None:
        """Listen on a free loopback port."""
        super().__init__(("127.0.0.1", 0), Handler)
        self.status, self.body = status, body
        self.paths: list[str] = []


class Handler(BaseHTTPRequestHandler):
    """Answer GET and POST with the server's status and body."""

    server: FakeServer

    def do_GET(self) -> None:
        """Record the path and answer."""
        self.server.paths.append(f"{self.command} {self.path}")
        body = self.server.body.encode()
        self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        """Answer as for GET."""
        self.do_GET()

    def log_message(self, *args: object) -> None:
        """Stay quiet."""


@pytest.fixture(name="serve")
def serve_fixture(socket_enabled: None) -> Iterator[Callable[[int, str], FakeServer]]:
    """Start fake servers in threads and stop them after the test."""
    servers: list[FakeServer] = []

    def start(status: int, body: str) -> FakeServer:
        server = FakeServer(status, body)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def listening_socket() -> socket.socket:
    """Return a socket listening on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def free_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dead_pid() -> int:
    """Return the id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("0", 1),
        ("65536", 1),
        ("80a", 1),
        (" 8123", 1),
        ("٨١٢٣", 1),
        ("-1", 1),
        ("65531", 6),
    ],
)
def test_port_setting_refuses_what_is_no_port(
    connect: ModuleType, monkeypatch: pytest.MonkeyPatch, value: str, span: int
) -> None:
    """A port variable that is not a whole port range gives one clear line."""
    monkeypatch.setenv("SMARTPLEX_SIM_PORT", value)
    with pytest.raises(SystemExit, match="SMARTPLEX_SIM_PORT=.* is not a port number"):
        connect.port_setting("SMARTPLEX_SIM_PORT", span)


def test_port_setting(connect: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """A set variable gives its port, an unset one None."""
    assert connect.port_setting("SMARTPLEX_HA_PORT") is None
    monkeypatch.setenv("SMARTPLEX_HA_PORT", "18423")
    assert connect.port_setting("SMARTPLEX_HA_PORT") == 18423
    monkeypatch.setenv("SMARTPLEX_SIM_PORT", "65530")
    assert connect.port_setting("SMARTPLEX_SIM_PORT", 6) == 65530


def test_busy_ports(connect: ModuleType) -> None:
    """A port with a listening server is busy, a free one is not."""
    with listening_socket() as server:
        taken = server.getsockname()[1]
        free = free_port()
        assert connect.busy_ports([free, taken]) == [taken]


@pytest.mark.parametrize(
    ("variable", "offset", "hint"),
    [
        ("SMARTPLEX_HA_PORT", 0, "SMARTPLEX_HA_PORT to a free port"),
        ("SMARTPLEX_SIM_PORT", 3, "SMARTPLEX_SIM_PORT to the first of 6 free ports"),
    ],
)
def test_check_ports_refuses_a_busy_port(
    connect: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    offset: int,
    hint: str,
) -> None:
    """Another server on Home Assistant's or a simulator's port stops scripts/develop at once."""
    with listening_socket() as server:
        taken = server.getsockname()[1]
        monkeypatch.setenv("SMARTPLEX_HA_PORT", str(free_port()))
        monkeypatch.setenv(variable, str(taken - offset))
        with pytest.raises(
            SystemExit, match=rf"in use on 127\.0\.0\.1: port .*\b{taken}\b.* {hint}$"
        ):
            connect.check_ports()


def test_check_ports_refuses_overlapping_ports(
    connect: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home Assistant cannot share a port with the simulator."""
    monkeypatch.setenv("SMARTPLEX_HA_PORT", "18402")
    monkeypatch.setenv("SMARTPLEX_SIM_PORT", "18400")
    with pytest.raises(SystemExit, match="18402 is one of the simulator's 18400-18405"):
        connect.check_ports()


def test_check_ports_accepts_free_ports(
    connect: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Free ports pass silently."""
    monkeypatch.setenv("SMARTPLEX_HA_PORT", str(free_port()))
    connect.check_ports()


def test_write_nonce(connect: ModuleType, tmp_path: Path) -> None:
    """Each run writes a new nonce where Home Assistant serves /local/."""
    first = connect.write_nonce(tmp_path)
    second = connect.write_nonce(tmp_path)
    assert first.startswith("smartplex-develop-")
    assert first != second
    assert (tmp_path / "www" / "develop-nonce.txt").read_text() == second


def test_connect_refuses_a_server_it_did_not_start(
    connect: ModuleType,
    serve: Callable[[int, str], FakeServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that does not serve this run's nonce is never onboarded or configured."""
    other = serve(
        200, "[]"
    )  # answers everything, as a Home Assistant before onboarding
    monkeypatch.setenv("SMARTPLEX_HA_PORT", str(other.server_port))
    monkeypatch.setattr(connect, "START_TIMEOUT", 2)
    environ = {
        "NONCE": "0123",
        "HA_PID": str(os.getpid()),
        "HA_USER": "dev",
        "HA_PASSWORD": "smartplex-dev",
        "SIM_JSON": "{}",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(
        SystemExit, match="is not the Home Assistant scripts/develop started"
    ):
        connect.main([])
    assert other.paths
    assert set(other.paths) == {"GET /local/develop-nonce.txt"}


def test_wait_accepts_the_server_serving_the_nonce(
    connect: ModuleType, serve: Callable[[int, str], FakeServer]
) -> None:
    """The Home Assistant that serves this run's nonce is the one to configure."""
    ours = serve(200, "abc")
    ha = connect.HomeAssistant(f"http://127.0.0.1:{ours.server_port}")
    connect.wait_for_home_assistant(ha, "abc", os.getpid(), 5)
    assert ours.paths == ["GET /local/develop-nonce.txt"]


def test_wait_stops_when_home_assistant_exits(connect: ModuleType) -> None:
    """A Home Assistant that exits during its start (say, on a taken port) ends the wait at once."""
    ha = connect.HomeAssistant(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SystemExit, match="Home Assistant stopped during its start"):
        connect.wait_for_home_assistant(ha, "abc", dead_pid(), 60)


def test_wait_gives_up_when_nothing_answers(connect: ModuleType) -> None:
    """Nothing listening within the time limit gives one clear line."""
    ha = connect.HomeAssistant(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SystemExit, match="did not answer on .* within 1 s"):
        connect.wait_for_home_assistant(ha, "abc", os.getpid(), 1)


HAS_HTTP_STORE = (
    importlib.util.find_spec("homeassistant.components.http.config") is not None
)


@pytest.fixture(name="http_settings")
def http_settings_module(
    monkeypatch: pytest.MonkeyPatch, hass: HomeAssistant, tmp_path: Path
) -> ModuleType:
    """Import scripts/develop_http.py; the configuration directory is a copy of config/."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    shutil.copy(SCRIPTS.parent / "config" / "configuration.yaml", tmp_path)
    hass.config.config_dir = str(tmp_path)
    return importlib.import_module("develop_http")


async def load_http_config(hass: HomeAssistant) -> dict[str, Any]:
    """Return the HTTP settings the next start of Home Assistant would use."""
    config = await conf_util.async_hass_config_yaml(hass)
    if not HAS_HTTP_STORE:
        return dict(config["http"])
    from homeassistant.components.http.config import (
        ActiveConfigType,
        async_get_and_load_store,
        async_load_config,
    )

    settings = dict(await async_load_config(hass, config))
    store = await async_get_and_load_store(hass)
    # Nothing pending: no "Confirm new HTTP server configuration" dialog, no revert in 5 minutes.
    assert store.active_config_type is ActiveConfigType.STABLE
    assert store.pending is None
    assert store.revert_deadline is None
    return settings


async def test_home_assistant_listens_on_the_chosen_port(
    hass: HomeAssistant, http_settings: ModuleType
) -> None:
    """The development configuration makes Home Assistant listen on 127.0.0.1 and the port."""
    await http_settings.save_http_settings(hass, 18423)
    settings = await load_http_config(hass)
    assert settings["server_port"] == 18423
    assert settings["server_host"] in (["127.0.0.1"], "127.0.0.1")
    # No repair about an `http:` block in configuration.yaml.
    assert not ir.async_get(hass).issues


async def test_a_changed_port_is_used_on_the_next_start(
    hass: HomeAssistant, http_settings: ModuleType
) -> None:
    """A different SMARTPLEX_HA_PORT on a later start moves Home Assistant too."""
    await http_settings.save_http_settings(hass, 18423)
    await load_http_config(hass)
    hass.data.pop("http", None)  # a new start loads the HTTP store again
    await http_settings.save_http_settings(hass, 18424)
    assert (await load_http_config(hass))["server_port"] == 18424


async def test_yaml_package_only_for_releases_reading_yaml(
    hass: HomeAssistant, http_settings: ModuleType, tmp_path: Path
) -> None:
    """The `http:` package exists only where Home Assistant reads HTTP settings from YAML."""
    package = tmp_path / "packages" / "develop_http.yaml"
    http_settings.write_yaml_package(package, 18423)
    await http_settings.save_http_settings(hass, 18425)
    assert package.exists() is not HAS_HTTP_STORE


async def test_internal_url_is_the_loopback_port(
    hass: HomeAssistant, http_settings: ModuleType, hass_storage: dict[str, Any]
) -> None:
    """Webhook URLs point at 127.0.0.1 and the port, where Home Assistant listens."""
    await http_settings.save_internal_url(hass, 18426)
    assert hass.config.internal_url == "http://127.0.0.1:18426"
    assert hass_storage["core.config"]["data"]["internal_url"] == (
        "http://127.0.0.1:18426"
    )


def test_a_server_not_speaking_http_is_not_ours(connect: ModuleType) -> None:
    """Something else on the port (not HTTP at all) counts as another server, not as no answer."""
    with listening_socket() as server:

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(b"SSH-2.0-OpenSSH_9.9\r\n")

        threading.Thread(target=answer, daemon=True).start()
        ha = connect.HomeAssistant(f"http://127.0.0.1:{server.getsockname()[1]}")
        assert connect.serves_nonce(ha, "smartplex-develop-0") is False


def test_requirements_cover_what_the_configuration_loads(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Requirements of what the first start sets up or imports are installed before it.

    SmartPlex's own too: removing an entry left from an earlier run imports it without
    installing them.

    conversation is in configuration.yaml; tts is google_translate's platform (onboarding);
    listing actions imports assist_satellite, which needs assist_pipeline's voice packages.
    """
    monkeypatch.syspath_prepend(str(SCRIPTS))
    importlib.import_module("develop_requirements").main()
    printed = set(capsys.readouterr().out.split())
    components = Path(homeassistant.components.__path__[0])
    for domain in ("conversation", "tts", "google_translate", "assist_pipeline"):
        manifest = json.loads((components / domain / "manifest.json").read_text())
        assert set(manifest["requirements"]) <= printed, domain
    smartplex = json.loads((SCRIPTS.parent / SMARTPLEX_MANIFEST).read_text())
    assert set(smartplex["requirements"]) <= printed


@pytest.mark.parametrize(
    ("version", "shown"),
    [("2026.2.3", False), ("2026.9.9", False), ("2026.10.4", True), ("2027.1.0", True)],
)
def test_check_skips_refusals_where_rest_hides_them(
    connect: ModuleType,
    serve: Callable[[int, str], FakeServer],
    version: str,
    shown: bool,
) -> None:
    """develop_check.py checks refusals only where the REST API shows their message."""
    server = serve(200, json.dumps({"version": version}))
    check = importlib.import_module("develop_check")
    ha = check.HomeAssistant(f"http://127.0.0.1:{server.server_port}")
    assert check.rest_shows_refusals(ha) == (shown, version)
