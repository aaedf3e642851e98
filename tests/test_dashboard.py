"""Tests for the dashboard: its views' data, the frontend module and the poster proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartplex.const import (
    CONF_UPCOMING_DAYS,
    CONF_VOICE_SENTENCES,
    DOMAIN,
)
from custom_components.smartplex.dashboard import (
    ACTION_HANDLERS,
    FRONTEND_DIR,
    STATIC_URL,
    Page,
    module_url,
    owned_title,
)
from custom_components.smartplex.dashboard_create import (
    DASHBOARD_CONFIG,
    DASHBOARD_URL_PATH,
    async_create_dashboard,
    dashboards_collection,
)
from custom_components.smartplex.dashboard_views import async_view_data
from custom_components.smartplex.poster import MAX_CACHED, PosterCache, poster_cache
from custom_components.smartplex.store import async_get_store
from simulator import Simulator

from .conftest import NOW, closed_port_url
from .helpers_actions import fixture_entry, world_state  # noqa: F401
from .helpers_dashboard import (  # noqa: F401
    coordinators_of,
    fixture_radarr_only,
    fixture_tmdb_only,
    small_hub,
)

PNG = b"\x89PNG"


async def test_status_view(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Every service shows its health, version, last sync and disks."""
    data = await async_view_data(hass, entry, "status", Page(0, 20))
    services = {row["type"]: row for row in data["services"]}
    assert set(services) == {"sonarr", "radarr", "overseerr", "tautulli", "tmdb"}
    assert data["not_configured"] == []
    radarr = services["radarr"]
    assert radarr["state"] == "ok"
    assert radarr["version"]
    assert radarr["last_sync"]
    assert radarr["disks"]
    assert all(disk["path"].startswith("/") for disk in radarr["disks"])
    assert all(0 < disk["used_percent"] < 100 for disk in radarr["disks"])
    assert data["disk_threshold"] == 85
    page = await async_view_data(hass, entry, "status", Page(1, 2))
    assert [row["type"] for row in page["services"]] == [
        row["type"] for row in data["services"][1:3]
    ]
    assert page["total"] == 5


async def test_status_view_names_a_broken_service(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A service whose key was rejected shows so, with the link to fix it."""
    simulator.faults.inject("sonarr", "status", status=401)
    sonarr = coordinators_of(entry, "sonarr")
    await sonarr.status.async_refresh()
    data = await async_view_data(hass, entry, "status", Page(0, 20))
    row = next(row for row in data["services"] if row["type"] == "sonarr")
    assert row["state"] == "auth"
    assert row["fix_url"] == "/config/integrations/integration/smartplex"


async def test_views_say_what_to_add(
    hass: HomeAssistant, tmdb_only: MockConfigEntry
) -> None:
    """Without Overseerr, Sonarr/Radarr and Tautulli the views say what to add."""
    entry = tmdb_only
    for view, missing in (
        ("requests", ["overseerr"]),
        ("downloads", ["sonarr", "radarr"]),
        ("care", ["sonarr", "radarr"]),
        ("activity", ["tautulli"]),
        ("statistics", ["tautulli", "overseerr"]),
    ):
        data = await async_view_data(hass, entry, view, Page(0, 20))
        assert data["not_configured"] == missing
    status = await async_view_data(hass, entry, "status", Page(0, 20))
    assert status["not_configured"] == ["sonarr", "radarr", "overseerr", "tautulli"]


async def test_downloads_view(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Downloads list every queue a page at a time, with posters, and the week ahead."""
    data = await async_view_data(hass, entry, "downloads", Page(0, 50))
    assert data["errors"] == []
    assert data["total"] == len(data["items"]) > 1
    assert {item["instance"] for item in data["items"]} == {"Sonarr", "Radarr"}
    assert {item["media_type"] for item in data["items"]} == {"tv", "movie"}
    assert all(
        item["poster"] == poster_cache(hass).url(item["media_type"], item["tmdb_id"])
        for item in data["items"]
    )
    assert "upcoming" in data
    page = await async_view_data(hass, entry, "downloads", Page(1, 1))
    assert page["items"] == [data["items"][1]]
    assert page["total"] == data["total"]


async def test_downloads_view_with_one_queue_down(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """One failing Sonarr leaves Radarr's queue on the view, with the error named."""
    simulator.faults.inject("sonarr", "status", status=500, path="/api/v3/queue")
    data = await async_view_data(hass, entry, "downloads", Page(0, 50))
    assert {item["instance"] for item in data["items"]} == {"Radarr"}
    assert [error["instance"] for error in data["errors"]] == ["Sonarr"]
    assert "Sonarr" in data["errors"][0]["message"]


async def test_requests_view(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Pending requests come with requester, a poster URL when a library has the title."""
    data = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert data["items"]
    assert {item["status"] for item in data["items"]} == {"pending"}
    assert all(item["requested_by"] for item in data["items"])
    posters = poster_cache(hass)
    for item in data["items"]:
        owned = owned_title(entry, item["media_type"], item["tmdb_id"])
        assert item["poster"] == (
            posters.url(item["media_type"], item["tmdb_id"]) if owned else None
        )
    assert not all(item["poster"] for item in data["items"])
    assert data["total"] >= len(data["items"])
    page = await async_view_data(hass, entry, "requests", Page(1, 1))
    assert page["items"] == data["items"][1:2]


async def test_requests_view_with_overseerr_down(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing Overseerr shows its error instead of breaking the view."""
    simulator.faults.inject("overseerr", "status", status=500, path="/api/v1/request")
    data = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert "Overseerr" in data["error"]
    assert "items" not in data


async def test_activity_view(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Now playing lists each stream with its user, progress and a poster when owned."""
    movie = next(iter(simulator.world.movies.values()))
    simulator.stack.start_session(0, "movie", movie.id, offset=600)
    tautulli = coordinators_of(entry, "tautulli")
    await tautulli.activity.async_refresh()
    data = await async_view_data(hass, entry, "activity", Page(0, 20))
    assert data["total"] == len(simulator.stack.sessions) > 0
    assert movie.info.title in [item["title"] for item in data["items"]]
    assert all(item["user"] and item["title"] for item in data["items"])
    assert all(0 <= item["progress"] <= 100 for item in data["items"])
    assert any(item["poster"] for item in data["items"])


async def test_frontend_module_registered_and_served(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
    simulator: Simulator,
) -> None:
    """With the frontend loaded, every browser loads the module SmartPlex serves."""
    await async_setup_component(hass, "http", {})
    urls: list[str] = []
    hass.data[DATA_EXTRA_MODULE_URL] = UrlManager(lambda *args: None, urls)
    await small_hub(hass, tmp_path, simulator, [("tmdb", "TMDB")])
    expected = await hass.async_add_executor_job(module_url)
    assert hass.data[DATA_EXTRA_MODULE_URL].urls == {expected}
    client = await hass_client()
    modules = sorted(path.name for path in FRONTEND_DIR.glob("*.js"))
    assert {"smartplex.js", "card.js", "strings.js"} <= set(modules)
    for name in modules:
        response = await client.get(f"{STATIC_URL}/{name}")
        assert response.status == 200
        assert "export" in (await response.text()) or name == "smartplex.js"
        # Imported without the version: a browser must not keep an old one for weeks.
        assert "max-age" not in response.headers.get("Cache-Control", "")


async def test_poster_proxy(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    radarr_only: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A signed poster URL serves the *arr's poster once, then from the cache."""
    movie = next(iter(simulator.world.movies.values()))
    url = poster_cache(hass).url("movie", movie.info.tmdb_id)
    assert simulator.api_key("radarr") not in url
    client = await hass_client_no_auth()
    simulator.stack.traffic.reset()
    for _ in range(2):
        response = await client.get(url)
        assert response.status == 200
        assert (await response.read()).startswith(PNG)
        assert "max-age" in response.headers["Cache-Control"]
    fetched = simulator.stack.traffic.snapshot()["radarr"]
    assert sum(counts["requests"] for counts in fetched.values()) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/smartplex/poster/{bad}/movie/{tmdb_id}",
        "/api/smartplex/poster/{sig}/book/{tmdb_id}",
        "/api/smartplex/poster/{sig}/movie/x{tmdb_id}",
        "/api/smartplex/poster/{other}/movie/1",
    ],
)
async def test_poster_proxy_refuses_unsigned_urls(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    radarr_only: MockConfigEntry,
    simulator: Simulator,
    path: str,
) -> None:
    """Only URLs SmartPlex signed are served; nothing is fetched for the rest."""
    tmdb_id = next(iter(simulator.world.movies.values())).info.tmdb_id
    cache = poster_cache(hass)
    signature = cache.signature("movie", tmdb_id)
    client = await hass_client_no_auth()
    simulator.stack.traffic.reset()
    response = await client.get(
        path.format(
            bad="0" * 32,
            sig=signature,
            tmdb_id=tmdb_id,
            other=signature,
        )
    )
    assert response.status == 404
    assert "radarr" not in simulator.stack.traffic.snapshot()


async def test_poster_proxy_title_not_in_library(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    radarr_only: MockConfigEntry,
) -> None:
    """A signed URL of a title no library holds answers an empty poster, briefly cached."""
    client = await hass_client_no_auth()
    response = await client.get(poster_cache(hass).url("movie", 999_999_999))
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Cache-Control"] == "private, max-age=60"


def test_poster_cache_keeps_the_latest() -> None:
    """The cache holds at most MAX_CACHED posters, dropping the least recently used."""
    cache = PosterCache()
    for tmdb_id in range(MAX_CACHED + 1):
        cache.put(("movie", tmdb_id), b"x", "image/png")
    assert cache.get(("movie", 0)) is None
    assert cache.get(("movie", MAX_CACHED)) == (b"x", "image/png")
    assert cache.signature("movie", 1) != PosterCache().signature("movie", 1)
    for tmdb_id in range(MAX_CACHED + 1):
        cache.remote_url("tv", tmdb_id, f"https://image.example/{tmdb_id}.jpg")
    assert cache.source(("tv", 0)) is None
    assert cache.source(("tv", MAX_CACHED)) == f"https://image.example/{MAX_CACHED}.jpg"


async def test_status_view_lists_health_problems(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Sonarr's health problems show on its row with their wiki link."""
    await simulator.set_health(
        "sonarr", [("error", "IndexerStatusCheck", "All indexers are unavailable")]
    )
    sonarr = coordinators_of(entry, "sonarr")
    await sonarr.health.async_refresh()  # type: ignore[attr-defined]
    data = await async_view_data(hass, entry, "status", Page(0, 20))
    row = next(row for row in data["services"] if row["type"] == "sonarr")
    assert [problem["message"] for problem in row["problems"]] == [
        "All indexers are unavailable"
    ]
    assert row["problems"][0]["level"] == "error"


async def test_downloads_view_without_calendar(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A failing calendar leaves the queues and names the error."""
    simulator.faults.inject("radarr", "status", status=500, path="/api/v3/calendar")
    data = await async_view_data(hass, entry, "downloads", Page(0, 50))
    assert data["items"]
    assert data["upcoming"] == []
    assert [error["instance"] for error in data["errors"]] == ["calendar"]


async def test_now_playing_sensor_shows_the_poster(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A user's now-playing sensor has the poster of the movie as its picture."""
    session = next(
        session
        for session in simulator.stack.sessions.values()
        if session.kind == "movie"
    )
    user = simulator.world.users[session.user_index]
    movie = simulator.world.movies[session.ref_id]
    tautulli = coordinators_of(entry, "tautulli")
    # The next poll after the library index loaded (setup does not order them).
    await tautulli.activity.async_refresh()  # type: ignore[attr-defined]
    state = hass.states.get(f"sensor.tautulli_now_playing_{user.username}")
    assert state is not None
    assert state.attributes["title"] == movie.info.title
    assert state.attributes["entity_picture"] == poster_cache(hass).url(
        "movie", movie.info.tmdb_id
    )


async def test_requests_view_shows_triage(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Each pending request has triage's decision and reason, from one dry run."""
    data = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert data["items"]
    for item in data["items"]:
        assert item["triage"]["action"] in ("approve", "hold", "decline")
        assert item["triage"]["reason"]
    assert data["recent"] == []
    before = world_state(simulator)
    simulator.stack.traffic.reset()
    again = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert [item["triage"] for item in again["items"]] == [
        item["triage"] for item in data["items"]
    ]
    # The page is listed again; the whole request history (triage's) is not.
    traffic = simulator.stack.traffic.snapshot()["overseerr"]
    assert {path: counts["requests"] for path, counts in traffic.items()} == {
        "GET /api/v1/request": 1
    }
    assert world_state(simulator) == before


async def test_requests_view_lists_recent_decisions(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """An approval and a decline with its reason show as the newest decisions."""
    pending = (await async_view_data(hass, entry, "requests", Page(0, 20)))["items"]
    first, second = pending[0]["request_id"], pending[1]["request_id"]
    await hass.services.async_call(
        DOMAIN, "approve_request", {"request_id": first}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN,
        "decline_request",
        {"request_id": second, "reason": "Already on Netflix"},
        blocking=True,
    )
    data = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert [row["action"] for row in data["recent"]] == [
        "request_declined",
        "request_approved",
    ]
    assert data["recent"][0]["reason"] == "Already on Netflix"
    assert data["recent"][0]["status"] == "done"
    assert first not in [item["request_id"] for item in data["items"]]


async def test_requests_view_with_triage_failing(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A failing triage leaves the requests on the view and names the error."""
    with patch.dict(
        ACTION_HANDLERS,
        {"triage_requests": AsyncMock(side_effect=HomeAssistantError("triage down"))},
    ):
        data = await async_view_data(hass, entry, "requests", Page(0, 20))
    assert data["items"]
    assert data["triage_error"] == "triage down"
    assert {item["triage"] for item in data["items"]} == {None}


@pytest.mark.parametrize(("period", "most_bars"), [("month", 30), ("year", 53)])
async def test_statistics_view(
    hass: HomeAssistant, entry: MockConfigEntry, period: str, most_bars: int
) -> None:
    """Statistics of a period come as a bounded series and top lists."""
    data = await async_view_data(hass, entry, "statistics", Page(0, 20, period=period))
    assert data["period"] == period
    assert set(data) >= {"watch", "quality", "geography", "requests"}
    assert 0 < len(data["watch"]["series"]) <= most_bars
    assert len(data["watch"]["most_watched"]) <= 10


async def test_statistics_view_counts_plays(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The simulator's plays of the month count on the statistics view."""
    freezer.move_to(NOW)
    data = await async_view_data(hass, entry, "statistics", Page(0, 20))
    assert data["watch"]["plays"] > 0
    assert data["watch"]["by_user"]


async def test_history_view(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """History lists the sync runs and the audit trail a page at a time."""
    pending = (await async_view_data(hass, entry, "requests", Page(0, 20)))["items"]
    for item in pending:
        await hass.services.async_call(
            DOMAIN, "approve_request", {"request_id": item["request_id"]}, blocking=True
        )
    data = await async_view_data(hass, entry, "history", Page(0, 20))
    assert {run["kind"] for run in data["runs"]} >= {"library", "history"}
    assert all(run["status"] == "done" for run in data["runs"])
    assert data["total"] == len(pending) > 1
    assert [row["action"] for row in data["items"]] == ["request_approved"] * len(
        pending
    )
    assert all(row["source"] == "service" for row in data["items"])
    oldest = await async_view_data(hass, entry, "history", Page(len(pending) - 1, 1))
    assert oldest["items"] == data["items"][-1:]
    assert len((await async_view_data(hass, entry, "history", Page(0, 1)))["runs"]) == 1


async def test_history_view_without_database(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Without its database the history view says so and still answers."""
    await hass.async_add_executor_job(async_get_store(hass).close)
    entry.runtime_data.database = None
    data = await async_view_data(hass, entry, "history", Page(0, 20))
    assert data["runs"] == []
    assert data["sync_error"]
    assert data["audit_error"] == "the database is closed"
    assert data["items"] == []


async def options_saved(
    hass: HomeAssistant, entry: MockConfigEntry, **chosen: Any
) -> Any:
    """Submit the hub's options form with the upcoming window and some choices."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    return await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_UPCOMING_DAYS: 7, CONF_VOICE_SENTENCES: False, **chosen},
    )


async def test_options_create_the_dashboard_once(
    hass: HomeAssistant, tmdb_only: MockConfigEntry
) -> None:
    """Ticking "create the dashboard" adds it once; an edited one is kept as it is."""
    assert await async_setup_component(hass, "lovelace", {})
    entry = tmdb_only
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"]["dashboard"] == "-"
    result = await options_saved(hass, entry, create_dashboard=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "create_dashboard" not in entry.options
    dashboards = hass.data[LOVELACE_DATA].dashboards
    assert await dashboards[DASHBOARD_URL_PATH].async_load(False) == DASHBOARD_CONFIG
    edited = {"strategy": {"type": "custom:smartplex", "views": ["requests"]}}
    await dashboards[DASHBOARD_URL_PATH].async_save(edited)
    result = await options_saved(hass, entry, create_dashboard=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    collection = dashboards_collection(hass)
    assert collection is not None
    assert [item["url_path"] for item in collection.async_items()] == [
        DASHBOARD_URL_PATH
    ]
    assert await dashboards[DASHBOARD_URL_PATH].async_load(False) == edited
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"]["dashboard"] == f"/{DASHBOARD_URL_PATH}"


async def test_options_dashboard_without_dashboards(
    hass: HomeAssistant, tmp_path: Path, simulator: Simulator
) -> None:
    """Without Home Assistant's dashboards the form says so and saves nothing."""
    entry = await small_hub(
        hass, tmp_path, simulator, [("tmdb", "TMDB")], upcoming_days=3
    )
    result = await options_saved(hass, entry, create_dashboard=True)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "dashboard_unavailable"}
    assert entry.options == {"upcoming_days": 3}
    with pytest.raises(HomeAssistantError) as refused:
        await async_create_dashboard(hass, "SmartPlex")
    assert refused.value.translation_key == "dashboard_unavailable"


async def test_discover_view(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Discover lists recommendations a page at a time, with reasons and posters."""
    data = await async_view_data(hass, entry, "discover", Page(0, 5))
    assert data["items"]
    assert len(data["items"]) <= 5
    assert data["people"]
    posters = poster_cache(hass)
    for item in data["items"]:
        assert item["reason"]
        assert item["media_type"] in ("movie", "tv")
        assert item["poster"] in (
            None,
            posters.url(item["media_type"], item["tmdb_id"]),
        )
    person = data["people"][0]
    mine = await async_view_data(
        hass, entry, "discover", Page(0, 5, user=person, media_type="movie")
    )
    assert mine["user"] == person
    assert {item["media_type"] for item in mine["items"]} <= {"movie"}
    nobody = await async_view_data(
        hass, entry, "discover", Page(0, 5, user="nobody at all")
    )
    assert "nobody at all" in nobody["error"]


async def test_poster_of_a_title_no_library_has(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    radarr_only: MockConfigEntry,
) -> None:
    """A recommended title's poster comes from its image server through Home Assistant."""

    async def poster(request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    images = web.Application()
    images.router.add_get("/t/p/w500/poster.png", poster)
    runner = web.AppRunner(images)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        base = f"http://127.0.0.1:{runner.addresses[0][1]}/t/p/w500"
        cache = poster_cache(hass)
        client = await hass_client_no_auth()
        response = await client.get(
            cache.remote_url("movie", 999_999_998, f"{base}/poster.png")
        )
        assert response.status == 200
        assert await response.read() == PNG
        response = await client.get(
            cache.remote_url("movie", 999_999_997, f"{base}/missing.png")
        )
        assert response.content_type == "image/svg+xml"
        response = await client.get(
            cache.remote_url("movie", 999_999_996, f"{closed_port_url()}/poster.png")
        )
        assert response.content_type == "image/svg+xml"
    finally:
        await runner.cleanup()
