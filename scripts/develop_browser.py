"""Drive the SmartPlex dashboard of a scripts/develop Home Assistant in headless Chromium.

Used by tests/test_browser.py and bench/dashboard.py. `DevelopStack` starts scripts/develop (the
simulator at home scale and a real Home Assistant with SmartPlex, onboarded and connected) in a
configuration directory of its own; `browser_tokens` logs in as the frontend does, and
`open_page` opens a page already logged in. Playwright drives Debian's chromium (Playwright's own
browser download is not used).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any
import urllib.request

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from develop_check import HomeAssistant  # noqa: E402

USER = "dev"
PASSWORD = "smartplex-dev"
DASHBOARD = "smartplex-dashboard"
STRATEGY_TIMEOUT = (
    "Timeout waiting for strategy element ll-strategy-dashboard-smartplex"
)
# The first run installs Home Assistant and its frontend into .venv/develop-py3.X.
START_TIMEOUT = 1500
SIMULATOR_PORTS = 6
# The views of the SmartPlex dashboard, in its order.
VIEWS = (
    "status",
    "downloads",
    "requests",
    "discover",
    "activity",
    "statistics",
    "care",
    "history",
)
# Whether a view's card (found through the shadow roots) has its first data.
CARD_HAS_DATA = """(view) => {
  const find = (root) => {
    for (const element of root.querySelectorAll("*")) {
      if (element.localName === `smartplex-${view}-card`) return element;
      const inner = element.shadowRoot && find(element.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const card = find(document);
  return card && card._data !== undefined;
}"""


def chromium_path() -> str | None:
    """Return Debian's chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def develop_python() -> str | None:
    """Return the Python scripts/develop would run Home Assistant with (3.13.2+), if any."""
    for name in ("python3.14", "python3.13", "python3"):
        if (path := shutil.which(name)) is None:
            continue
        check = subprocess.run(
            [path, "-c", "import sys; sys.exit(sys.version_info < (3, 13, 2))"],
            check=False,
        )
        if check.returncode == 0:
            return path
    return None


def free_ports(count: int) -> int:
    """Return the first of `count` consecutive free loopback ports."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return first
    raise RuntimeError("no free loopback ports")


@dataclass
class DevelopStack:
    """A running scripts/develop: Home Assistant's URL and the simulated services."""

    url: str
    services: dict[str, dict[str, str]]
    config_dir: Path

    def sim(self, service: str, path: str, body: Any = None, method: str = "") -> Any:
        """Call a simulated service's API with its key and return the decoded reply."""
        info = self.services[service]
        request = urllib.request.Request(
            info["url"] + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-Api-Key": info["api_key"], "Content-Type": "application/json"},
            method=method or None,
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")


@contextlib.contextmanager
def develop_stack(config_dir: Path, scale: str = "home") -> Iterator[DevelopStack]:
    """Run scripts/develop (the simulator at `scale`) in `config_dir` until the context ends."""
    ha_port = free_ports(1)
    sim_port = free_ports(SIMULATOR_PORTS)
    env = {
        **os.environ,
        "SMARTPLEX_HA_PORT": str(ha_port),
        "SMARTPLEX_SIM_PORT": str(sim_port),
        "SMARTPLEX_CONFIG_DIR": str(config_dir),
        "SMARTPLEX_SIM_SCALE": scale,
    }
    log = config_dir / "develop-run.log"
    config_dir.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", str(REPO / "scripts" / "develop")],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "Press Ctrl-C" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"scripts/develop did not start:\n{log.read_text()[-3000:]}"
                )
            time.sleep(1)
        simulator_log = (config_dir / "simulator.log").read_text()
        services = json.loads(
            next(line for line in simulator_log.splitlines() if line.startswith("{"))
        )
        yield DevelopStack(f"http://127.0.0.1:{ha_port}", services, config_dir)
    finally:
        # scripts/develop stops Home Assistant and the simulator on SIGTERM.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def browser_tokens(url: str) -> dict[str, Any]:
    """Log in as the development user and return the tokens as the frontend stores them."""
    ha = HomeAssistant(url)
    client_id = f"{url}/"
    _, flow = ha.request(
        "/auth/login_flow",
        {
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    )
    _, result = ha.request(
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": client_id, "username": USER, "password": PASSWORD},
    )
    tokens: dict[str, Any] = ha.call(
        "/auth/token",
        {
            "grant_type": "authorization_code",
            "code": result["result"],
            "client_id": client_id,
        },
        form=True,
    )
    return {
        **tokens,
        "hassUrl": url,
        "clientId": client_id,
        "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
    }


def open_page(
    browser: Browser,
    stack: DevelopStack,
    tokens: dict[str, Any],
    *,
    width: int,
    height: int,
    dark: bool = False,
) -> tuple[Page, list[str]]:
    """Open a logged-in page; return it and the list its console errors are collected in."""
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme="dark" if dark else "light",
        base_url=stack.url,
    )
    context.add_init_script(
        f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
    )
    # A new context loads the whole frontend without a cache: slow on a busy machine.
    context.set_default_timeout(90_000)
    page = context.new_page()
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # The frontend's own give-up when the strategy module loads slowly (a busy machine);
        # tests/test_browser.py reloads the page then, so it is not an error of the dashboard.
        if STRATEGY_TIMEOUT in message.text:
            return
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def wait_for_hass(page: Page) -> None:
    """Wait until the frontend is connected to Home Assistant."""
    page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.connected === true",
        timeout=90_000,
    )


def create_dashboard(page: Page) -> None:
    """Create the SmartPlex dashboard (the strategy) as a user would, over the websocket."""
    page.goto("/")
    wait_for_hass(page)
    page.evaluate(
        """async (urlPath) => {
          const hass = document.querySelector("home-assistant").hass;
          const dashboards = await hass.callWS({type: "lovelace/dashboards/list"});
          if (!dashboards.some((dashboard) => dashboard.url_path === urlPath)) {
            await hass.callWS({type: "lovelace/dashboards/create", url_path: urlPath,
              title: "SmartPlex", icon: "mdi:plex", mode: "storage",
              show_in_sidebar: true, require_admin: false});
          }
          await hass.callWS({type: "lovelace/config/save", url_path: urlPath,
            config: {strategy: {type: "custom:smartplex"}}});
        }""",
        DASHBOARD,
    )
