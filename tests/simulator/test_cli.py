"""The command line, in process: argument parsing, output, serving and stopping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import io
import json
import os
import signal
from typing import Any

import aiohttp
import pytest

from simulator.__main__ import main, parse_args, run, serve


class Captured(io.StringIO):
    """Captured stdout that calls back once the JSON line (printed when serving) arrives."""

    def __init__(self, on_json: Callable[[], object]) -> None:
        """Remember the callback."""
        super().__init__()
        self.on_json = on_json

    def write(self, text: str) -> int:
        """Record the text and call back on the JSON line."""
        written = super().write(text)
        if text.startswith("{"):
            self.on_json()
        return written


def interrupt() -> None:
    """Send SIGINT to this process, like Ctrl-C."""
    os.kill(os.getpid(), signal.SIGINT)


def described(out: io.StringIO) -> dict[str, Any]:
    """Return the JSON line of the output, or {} before it is printed."""
    for line in out.getvalue().splitlines():
        if line.startswith("{"):
            result: dict[str, Any] = json.loads(line)
            return result
    return {}


def test_parse_args_defaults_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Defaults are home/seed 1/free ports/real time; invalid values exit with usage."""
    args = parse_args([])
    assert (args.scale, args.seed, args.port_base, args.speed) == ("home", 1, None, 1.0)
    args = parse_args(["--scale", "tiny", "--seed", "5", "--port-base", "9000"])
    assert (args.scale, args.seed, args.port_base) == ("tiny", 5, 9000)
    with pytest.raises(SystemExit) as exited:
        parse_args(["--scale", "huge"])
    assert exited.value.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err


async def test_run_prints_working_credentials_and_advances_time(
    socket_enabled: None,
) -> None:
    """Printed URLs and keys work; --speed moves simulated time; stop ends the run."""
    ready, stop = asyncio.Event(), asyncio.Event()
    out = Captured(ready.set)
    task = asyncio.get_running_loop().create_task(
        run(
            parse_args(["--scale", "tiny", "--seed", "2", "--speed", "3600"]), stop, out
        )
    )
    async with asyncio.timeout(30):
        await ready.wait()
    services = described(out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("sonarr") and "key=" in lines[0]
    assert lines[6].startswith("tmdb       bearer=eyJ")
    url, key = services["radarr"]["url"], services["radarr"]["api_key"]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        async with http.get(url + "/api/v3/movie", headers={"X-Api-Key": key}) as r:
            assert r.status == 200 and len(await r.json()) == 20
        async with http.get(url + "/_sim/state") as r:
            before = (await r.json())["now"]
        await asyncio.sleep(1.2)
        async with http.get(url + "/_sim/state") as r:
            after = (await r.json())["now"]
    assert after > before  # one wall second is an hour of simulated time
    stop.set()
    async with asyncio.timeout(10):
        await task
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(url + "/ping")


async def test_serve_stops_on_sigint_and_restores_handlers(
    socket_enabled: None,
) -> None:
    """SIGINT ends serve(); afterwards the loop no longer swallows SIGINT."""
    out = Captured(interrupt)
    async with asyncio.timeout(30):
        await serve(parse_args(["--scale", "tiny", "--speed", "0"]), out)
    assert set(described(out)) == {
        "sonarr",
        "radarr",
        "overseerr",
        "tautulli",
        "tmdb",
        "openai",
    }
    assert not asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)


def test_main_serves_until_sigint(socket_enabled: None) -> None:
    """main() runs its own loop and returns cleanly on SIGINT."""
    out = Captured(interrupt)
    with contextlib.redirect_stdout(out):
        main(["--scale", "tiny", "--seed", "4"])
    assert "openai" in described(out)
