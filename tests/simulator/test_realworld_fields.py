"""The simulator answers as real servers do, so real clients (HA core's) work with it.

HA core's Overseerr integration (python-overseerr, which the benchmark runs) refuses a request
list whose users lack the quota fields and TV details without lastAirDate, lastEpisodeToAir or
season air dates.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import aiohttp

from simulator import Simulator

from .conftest import call
from .test_contracts import REALWORLD

OVERSEERR = REALWORLD / "overseerr"


async def test_overseerr_users_and_tv_details_have_the_real_fields(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Requests' users and TV details carry every field of the recorded responses."""
    real_request = json.loads(
        (OVERSEERR / "python-overseerr__request.json").read_text()
    )["results"][0]
    real_tv = json.loads((OVERSEERR / "python-overseerr__tv.json").read_text())
    _, requests = await call(
        http, sim, "overseerr", "GET", "/api/v1/request", params={"take": 100}
    )
    tv_request = next(r for r in requests["results"] if r["type"] == "tv")
    _, tv = await call(
        http, sim, "overseerr", "GET", f"/api/v1/tv/{tv_request['media']['tmdbId']}"
    )

    assert set(real_request["requestedBy"]) <= set(tv_request["requestedBy"])
    # No next episode: the contract has no null for it, so it is left out (clients default it).
    assert set(real_tv) - {"nextEpisodeToAir"} <= set(tv)
    assert set(real_tv["lastEpisodeToAir"]) <= set(tv["lastEpisodeToAir"])
    assert all(season["airDate"] for season in tv["seasons"])
    assert tv["lastAirDate"] == tv["seasons"][-1]["airDate"]
    assert tv["lastEpisodeToAir"]["episodeNumber"] == tv["seasons"][-1]["episodeCount"]


async def test_overseerr_search_takes_a_percent_encoded_query(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """python-overseerr quotes the query (spaces as %20 inside the value); it finds the same."""
    title = next(iter(sim.world.movies.values())).info.title
    _, plain = await call(
        http, sim, "overseerr", "GET", "/api/v1/search", params={"query": title}
    )
    _, quoted = await call(
        http,
        sim,
        "overseerr",
        "GET",
        "/api/v1/search",
        params={"query": quote(title)},
    )

    assert " " in title
    assert plain["totalResults"] >= 1
    assert quoted == plain
