"""Each client against the simulated media stack (simulator/), end to end over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.smartplex.api import (
    OverseerrClient,
    RadarrClient,
    SmartPlexAuthError,
    SmartPlexWrongServiceError,
    SonarrClient,
    TautulliClient,
    TmdbClient,
)
from simulator import Simulator


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Run a tiny simulated stack with Sonarr under a base path."""
    async with Simulator(scale="tiny", url_base={"sonarr": "/sonarr"}) as simulator:
        yield simulator


async def test_sonarr(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Sonarr: identity, library, queue, calendar, wanted, disk and profiles."""
    client = SonarrClient(session, sim.url("sonarr") + "/", sim.api_key("sonarr"))
    info = await client.validate()
    assert info.service == "Sonarr"
    series = await client.series()
    assert series and all(s.id > 0 for s in series)
    episodes = await client.episodes(series[0].id)
    assert all(e.series_id == series[0].id for e in episodes)
    now = datetime.now(UTC)
    await client.calendar(now - timedelta(days=7), now + timedelta(days=7))
    queue = await client.queue_all()
    assert all(item.id for item in queue)
    missing = await client.wanted_missing(page_size=5)
    assert missing.total_records >= len(missing.records)
    assert await client.disk_space()
    assert await client.root_folders()
    assert await client.quality_profiles()
    await client.health()
    await client.tags()


async def test_arr_without_app_name(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Sonarr and Radarr whose status has no appName are told apart by their naming config."""
    sonarr_url = sim.url("sonarr")
    radarr_url = sim.url("radarr")
    for service in ("sonarr", "radarr"):
        sim.faults.inject(service, "no_app_name")
    sonarr = SonarrClient(session, sonarr_url, sim.api_key("sonarr"))
    radarr = RadarrClient(session, radarr_url, sim.api_key("radarr"))
    assert (await sonarr.validate()).service == "Sonarr"
    assert (await radarr.validate()).service == "Radarr"
    with pytest.raises(SmartPlexWrongServiceError, match="answers as Radarr"):
        await SonarrClient(session, radarr_url, sim.api_key("radarr")).validate()
    with pytest.raises(SmartPlexWrongServiceError, match="answers as Sonarr"):
        await RadarrClient(session, sonarr_url, sim.api_key("sonarr")).validate()


async def test_radarr_add_and_delete(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """Radarr: lookup, add (enters the library), delete with files."""
    client = RadarrClient(session, sim.url("radarr"), sim.api_key("radarr"))
    assert (await client.validate()).service == "Radarr"
    before = await client.movies()
    owned = sim.world.owned_tmdb_ids()
    unowned = next(
        t
        for key, t in sorted(sim.world.titles.items())
        if key[0] == "movie" and key not in owned
    )
    candidates = await client.lookup(f"tmdb:{unowned.tmdb_id}")
    assert [m.tmdb_id for m in candidates] == [unowned.tmdb_id]
    assert candidates[0].id == 0
    profile = (await client.quality_profiles())[0]
    root = (await client.root_folders())[0]
    added = await client.add_movie(
        candidates[0],
        quality_profile_id=profile.id,
        root_folder_path=root.path,
        search=False,
    )
    assert added.id > 0
    assert len(await client.movies()) == len(before) + 1
    await client.delete_movie(added.id, delete_files=True)
    assert len(await client.movies()) == len(before)


async def test_overseerr(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Overseerr: identity, requests, counts, users."""
    client = OverseerrClient(session, sim.url("overseerr"), sim.api_key("overseerr"))
    info = await client.validate()
    assert info.version
    page = await client.requests(take=5)
    counts = await client.request_counts()
    assert counts.total >= len(page.records)
    users = await client.users()
    assert users.records


async def test_overseerr_quota(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A quota counts what is not declined (seasons for series); admins have none."""
    client = OverseerrClient(session, sim.url("overseerr"), sim.api_key("overseerr"))
    world = sim.world
    admin, user = world.users[0], world.users[1]
    for person in (admin, user):
        person.movie_quota_limit = person.tv_quota_limit = 3
        person.movie_quota_days = person.tv_quota_days = 3650
    series = next(t for t in world.titles.values() if t.kind == "tv" and t.seasons)
    world.add_request(user.index, series, sim.stack.clock.now(), status=2)
    mine = [r for r in world.requests.values() if r.user_index == user.index]
    seasons = sum(
        len(world.titles["tv", r.tmdb_id].seasons)
        for r in mine
        if r.kind == "tv" and r.status != 3
    )
    quota = await client.user_quota(user.overseerr_id)
    assert quota.movie.limit == quota.tv.limit == 3
    assert quota.movie.used == sum(r.kind == "movie" and r.status != 3 for r in mine)
    assert quota.tv.used == seasons >= len(series.seasons)
    assert quota.movie.days == 3650
    unlimited = await client.user_quota(admin.overseerr_id)
    assert (unlimited.movie.limit, unlimited.movie.used) == (0, 0)


async def test_tautulli(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Tautulli: identity, activity, history paging, libraries, users."""
    client = TautulliClient(session, sim.url("tautulli"), sim.api_key("tautulli"))
    assert (await client.validate()).service == "Tautulli"
    activity = await client.activity()
    assert activity.stream_count == len(activity.sessions)
    page = await client.history(length=10)
    assert len(page.rows) <= 10
    if page.rows:
        newest = max(row.row_id for row in page.rows)
        assert await client.history_since(newest) == []
    assert await client.libraries()
    assert await client.users()


async def test_tmdb_both_credentials(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """TMDB: the v3 key and the bearer token both work; a wrong key is an auth error."""
    for credential in (sim.api_key("tmdb"), sim.tmdb_bearer):
        client = TmdbClient(session, credential, url=sim.url("tmdb"))
        assert (await client.validate()).service == "TMDB"
        trending = await client.trending("movie")
        assert trending.records
    bad = TmdbClient(session, "0" * 32, url=sim.url("tmdb"))
    with pytest.raises(SmartPlexAuthError):
        await bad.validate()
