"""Fixtures for simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from simulator import Simulator

FIXED_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Run a tiny simulator with a pinned reference time."""
    async with Simulator(scale="tiny", seed=1, now=FIXED_NOW) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a client session."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=10)
    ) as session:
        yield session
