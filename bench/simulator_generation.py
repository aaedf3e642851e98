"""Time world generation at each scale: PYTHONPATH=. python bench/simulator_generation.py."""

from __future__ import annotations

from datetime import UTC, datetime
import time

from simulator.models import SCALES
from simulator.world import World


def main() -> None:
    """Generate each scale three times and print the best time."""
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for scale in SCALES:
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            world = World(scale, 1, now)
            best = min(best, time.perf_counter() - began)
        print(
            f"{scale:<6} {best:6.2f} s  movies={len(world.movies)} series={len(world.series)} episodes={len(world.episodes)} users={len(world.users)} plays={len(world.plays)}"
        )


if __name__ == "__main__":
    main()
