"""Command line: python -m simulator [--scale home] [--seed N] [--port-base P]."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal

from . import Simulator
from .world import SCALES


async def serve(args: argparse.Namespace) -> None:
    """Run the simulator until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Simulator(
        scale=args.scale,
        seed=args.seed,
        port_base=args.port_base,
        realtime_speed=args.speed,
    ) as sim:
        described = sim.describe()
        for service, info in described.items():
            print(f"{service:<10} {info['url']}  key={info['api_key']}")
        print(f"{'tmdb':<10} bearer={sim.tmdb_bearer}")
        print(json.dumps(described), flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve."""
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
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
