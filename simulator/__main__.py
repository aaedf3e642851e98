"""Command line: python -m simulator [--scale home] [--seed N] [--port-base P] [--speed S]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import TextIO

from . import Simulator
from .models import SCALES

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="home")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="first port (services use 6 consecutive ports); free ports when omitted",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per wall-clock second (0 freezes time)",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, stop: asyncio.Event, out: TextIO) -> None:
    """Start the simulator, print URLs and keys, and serve until `stop` is set."""
    async with Simulator(
        scale=args.scale,
        seed=args.seed,
        port_base=args.port_base,
        realtime_speed=args.speed,
    ) as sim:
        described = sim.describe()
        for service, info in described.items():
            print(f"{service:<10} {info['url']}  key={info['api_key']}", file=out)
        print(f"{'tmdb':<10} bearer={sim.tmdb_bearer}", file=out)
        print(json.dumps(described), file=out, flush=True)
        await stop.wait()


async def serve(args: argparse.Namespace, out: TextIO) -> None:
    """Run until SIGINT/SIGTERM, then restore the default signal handling."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(args, stop, out)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve on stdout."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args, sys.stdout))


if __name__ == "__main__":
    main()
