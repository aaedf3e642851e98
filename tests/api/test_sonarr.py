"""SonarrClient (and the shared Arr base) against recorded Sonarr responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from custom_components.smartplex.api import Series, ServerInfo, SonarrClient

from .conftest import API_KEY, FakeUpstream, Reply, load_fixture


@pytest.fixture
def sonarr_server(upstream: FakeUpstream) -> FakeUpstream:
    """Serve Sonarr under the /sonarr base path, checked against the Sonarr contract."""
    upstream.service = "sonarr"
    upstream.base_path = "/sonarr"
    return upstream


@pytest.fixture
def client(sonarr_server: FakeUpstream, session: aiohttp.ClientSession) -> SonarrClient:
    """Return a client whose URL has the base path and a trailing slash."""
    return SonarrClient(session, sonarr_server.url + "/", API_KEY)


def assert_authenticated(server: FakeUpstream) -> None:
    """Every request carried the key in the header and never in the URL."""
    assert server.requests
    for recorded in server.requests:
        assert recorded.headers["X-Api-Key"] == API_KEY
        assert API_KEY not in recorded.raw_query


async def test_validate(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """validate() returns the identity from /system/status."""
    status = load_fixture("sonarr/pyarr__system_status.json")
    sonarr_server.add_json("GET", "/api/v3/system/status", status)
    info = await client.validate()
    assert info == ServerInfo(
        service="Sonarr", name="Sonarr", version=status["version"], instance_id=None
    )
    assert sonarr_server.last().path == "/sonarr/api/v3/system/status"
    assert_authenticated(sonarr_server)


async def test_validate_uses_instance_name(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """A v4 instanceName becomes the display name."""
    status = {
        **load_fixture("sonarr/pyarr__system_status.json"),
        "instanceName": "Sonarr 4K",
    }
    status["version"] = "4.0.14.2939"
    sonarr_server.add_json("GET", "/api/v3/system/status", status)
    info = await client.validate()
    assert (info.name, info.version) == ("Sonarr 4K", "4.0.14.2939")


async def test_system_status(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """System status is parsed with an aware start time."""
    sonarr_server.add_json(
        "GET", "/api/v3/system/status", load_fixture("sonarr/pyarr__system_status.json")
    )
    status = await client.system_status()
    assert status.app_name == "Sonarr"
    assert status.branch == "main"
    assert status.start_time == datetime(2022, 5, 23, 9, 49, 13, 983201, tzinfo=UTC)


async def test_series(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """The library is parsed with statistics, seasons, tags and ids."""
    raw = load_fixture("sonarr/pyarr__series_all.json")
    sonarr_server.add_json("GET", "/api/v3/series", raw)
    series = await client.series()
    assert len(series) == len(raw)
    first = series[0]
    assert first.title == raw[0]["title"]
    assert first.tags == tuple(raw[0]["tags"])
    assert first.statistics.size_on_disk == raw[0]["statistics"]["sizeOnDisk"]
    assert [s.season_number for s in first.seasons] == [
        s["seasonNumber"] for s in raw[0]["seasons"]
    ]
    assert first.added is not None and first.added.tzinfo is not None


async def test_series_by_id(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """One series by id, with rating and poster."""
    raw = load_fixture("sonarr/pyarr__series.json")
    sonarr_server.add_json("GET", "/api/v3/series/7", raw)
    series = await client.series_by_id(7)
    assert series.rating == raw["ratings"]["value"]
    assert series.poster_url == raw["images"][0]["remoteUrl"]
    assert series.imdb_id == raw["imdbId"]


async def test_episodes(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Episodes of a series are requested with file details."""
    raw = load_fixture("sonarr/pyarr__episode_series.json")
    sonarr_server.add_json("GET", "/api/v3/episode", raw)
    episodes = await client.episodes(12, season_number=1)
    request = sonarr_server.last()
    assert request.query == {
        "seriesId": ["12"],
        "seasonNumber": ["1"],
        "includeEpisodeFile": ["true"],
    }
    assert [e.title for e in episodes] == [e["title"] for e in raw]
    assert episodes[0].has_file is raw[0]["hasFile"]


async def test_episode_with_file_and_series() -> None:
    """An episode with an embedded file and series exposes size, quality and series."""
    raw = load_fixture("sonarr/aiopyarr__episode.json")
    from custom_components.smartplex.api import Episode

    episode = Episode.from_dict(raw)
    assert episode.size == raw["episodeFile"]["size"]
    assert episode.quality == raw["episodeFile"]["quality"]["quality"]["name"]
    assert episode.series is not None and episode.series.title == raw["series"]["title"]


async def test_calendar(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """The calendar window is sent in ISO format with the series embedded."""
    raw = load_fixture("sonarr/aiopyarr__calendar-extended.json")
    sonarr_server.add_json("GET", "/api/v3/calendar", raw)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = datetime(2024, 1, 8, tzinfo=UTC)
    episodes = await client.calendar(start, end, unmonitored=True)
    assert sonarr_server.last().query == {
        "start": [start.isoformat()],
        "end": [end.isoformat()],
        "unmonitored": ["true"],
        "includeSeries": ["true"],
    }
    assert episodes[0].series is not None
    assert episodes[0].series.title == raw[0]["series"]["title"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("wanted_missing", "/api/v3/wanted/missing"),
        ("cutoff_unmet", "/api/v3/wanted/cutoff"),
    ],
)
async def test_wanted(
    sonarr_server: FakeUpstream, client: SonarrClient, method: str, path: str
) -> None:
    """Missing and cutoff-unmet pages (cutoff reuses the wanted recording: same resource)."""
    raw = load_fixture("sonarr/pyarr__wanted_missing_extended.json")
    sonarr_server.add_json("GET", path, raw)
    page = await getattr(client, method)(page=2, page_size=5)
    assert sonarr_server.last().query == {
        "page": ["2"],
        "pageSize": ["5"],
        "includeSeries": ["true"],
        "monitored": ["true"],
    }
    assert page.total_records == raw["totalRecords"]
    assert page.records[0].series is not None


async def test_queue(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """A queue page embeds series and episode and computes progress."""
    raw = load_fixture("sonarr/aiopyarr__queue.json")
    sonarr_server.add_json("GET", "/api/v3/queue", raw)
    page = await client.queue(page=1, page_size=10)
    assert sonarr_server.last().query == {
        "page": ["1"],
        "pageSize": ["10"],
        "includeUnknownSeriesItems": ["false"],
        "includeSeries": ["true"],
        "includeEpisode": ["true"],
    }
    first = page.records[0]
    assert first.size == raw["records"][0]["size"]
    assert first.download_id == raw["records"][0]["downloadId"]
    assert first.progress == 50.0
    assert first.time_left == "00:00:00"
    assert page.records[1].time_left is None


async def test_queue_all_follows_pages(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """queue_all() keeps requesting pages until totalRecords is reached."""
    raw = load_fixture("sonarr/aiopyarr__queue.json")
    first = {**raw, "pageSize": 1, "totalRecords": 2, "records": raw["records"][:1]}
    second = {
        **raw,
        "page": 2,
        "pageSize": 1,
        "totalRecords": 2,
        "records": raw["records"][1:],
    }
    sonarr_server.add("GET", "/api/v3/queue", Reply(first), Reply(second))
    records = await client.queue_all()
    assert len(records) == 2
    assert [r.param("page") for r in sonarr_server.requests] == ["1", "2"]


async def test_remove_queue_items(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """Queue removal sends the records in one bulk request with its options."""
    sonarr_server.add("DELETE", "/api/v3/queue/bulk", Reply(status=200))
    await client.remove_queue_items([43, 42], remove_from_client=False, blocklist=True)
    assert sonarr_server.last().query == {
        "removeFromClient": ["false"],
        "blocklist": ["true"],
    }
    assert sonarr_server.last().body == {"ids": [42, 43]}


async def test_disk_root_profiles_tags_health(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """The small listings are parsed."""
    disk = load_fixture("sonarr/pyarr__diskspace.json")
    roots = load_fixture("sonarr/pyarr__rootfolder_all.json")
    profiles = load_fixture("sonarr/pyarr__quality_profile_all.json")
    tags = load_fixture("sonarr/pyarr__tag_all.json")
    health = load_fixture("arr-common/aiopyarr__health.json")
    sonarr_server.add_json("GET", "/api/v3/diskspace", disk)
    sonarr_server.add_json("GET", "/api/v3/rootfolder", roots)
    sonarr_server.add_json("GET", "/api/v3/qualityprofile", profiles)
    sonarr_server.add_json("GET", "/api/v3/tag", tags)
    sonarr_server.add_json("GET", "/api/v3/health", health)
    assert [d.free_space for d in await client.disk_space()] == [
        d["freeSpace"] for d in disk
    ]
    assert [(r.path, r.free_space) for r in await client.root_folders()] == [
        (r["path"], r["freeSpace"]) for r in roots
    ]
    assert [(p.id, p.name, p.cutoff) for p in await client.quality_profiles()] == [
        (p["id"], p["name"], p["cutoff"]) for p in profiles
    ]
    assert [(t.id, t.label) for t in await client.tags()] == [
        (t["id"], t["label"]) for t in tags
    ]
    problems = await client.health()
    assert problems[0].message == health[0]["message"]
    assert problems[0].wiki_url == health[0]["wikiUrl"]
    assert_authenticated(sonarr_server)


async def test_create_tag(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Tags are created with a label body."""
    sonarr_server.add_json(
        "POST", "/api/v3/tag", load_fixture("sonarr/pyarr__tag.json")
    )
    tag = await client.create_tag("megusta")
    assert (tag.id, tag.label) == (2, "megusta")
    assert sonarr_server.last().body == {"label": "megusta"}


async def test_lookup(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Lookup passes tvdb: terms through."""
    raw = load_fixture("sonarr/pyarr__series_lookup.json")
    sonarr_server.add_json("GET", "/api/v3/series/lookup", raw)
    results = await client.lookup("tvdb:81189")
    assert sonarr_server.last().query == {"term": ["tvdb:81189"]}
    assert results[0].title == raw[0]["title"]
    assert results[0].id == 0


def _lookup_series() -> Series:
    """Return a lookup result with a real-looking TVDB id and two seasons."""
    raw = load_fixture("sonarr/pyarr__series_lookup.json")[0]
    return Series.from_dict(
        {
            **raw,
            "tvdbId": 81189,
            "seasons": [{"seasonNumber": 1, "monitored": False}, {"seasonNumber": 2}],
        }
    )


async def test_add_series_with_monitor(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """Adding with a monitor type sends addOptions.monitor and search flags."""
    sonarr_server.add_json(
        "POST", "/api/v3/series", load_fixture("sonarr/pyarr__series.json")
    )
    added = await client.add_series(
        _lookup_series(),
        quality_profile_id=1,
        root_folder_path="/tv",
        monitor="future",
        search_for_cutoff_unmet=True,
        tags=[3],
    )
    body: dict[str, Any] = sonarr_server.last().body
    assert body["tvdbId"] == 81189
    assert body["qualityProfileId"] == 1
    assert body["rootFolderPath"] == "/tv"
    assert body["tags"] == [3]
    assert body["addOptions"] == {
        "searchForMissingEpisodes": True,
        "searchForCutoffUnmetEpisodes": True,
        "monitor": "future",
    }
    assert "seasons" not in body
    assert added.title == "string"


async def test_add_series_with_seasons(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """Adding with explicit seasons monitors exactly those."""
    sonarr_server.add_json(
        "POST", "/api/v3/series", load_fixture("sonarr/pyarr__series.json")
    )
    await client.add_series(
        _lookup_series(), quality_profile_id=1, root_folder_path="/tv", seasons=[2]
    )
    body = sonarr_server.last().body
    assert body["seasons"] == [
        {"seasonNumber": 1, "monitored": False},
        {"seasonNumber": 2, "monitored": True},
    ]
    assert "monitor" not in body["addOptions"]


async def test_add_series_needs_tvdb_id(client: SonarrClient) -> None:
    """A series without TVDB id cannot be added (nothing is sent)."""
    with pytest.raises(ValueError, match="TVDB"):
        await client.add_series(
            Series.from_dict({"title": "x"}),
            quality_profile_id=1,
            root_folder_path="/tv",
        )


async def test_delete_series(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Deleting passes deleteFiles and addImportListExclusion."""
    sonarr_server.add("DELETE", "/api/v3/series/5", Reply(status=200))
    await client.delete_series(5, delete_files=True, add_import_exclusion=True)
    assert sonarr_server.last().query == {
        "deleteFiles": ["true"],
        "addImportListExclusion": ["true"],
    }


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: c.search_series(3), {"name": "SeriesSearch", "seriesId": 3}),
        (
            lambda c: c.search_season(3, 2),
            {"name": "SeasonSearch", "seriesId": 3, "seasonNumber": 2},
        ),
        (
            lambda c: c.search_episodes([4, 5]),
            {"name": "EpisodeSearch", "episodeIds": [4, 5]},
        ),
        (lambda c: c.search_missing(), {"name": "MissingEpisodeSearch"}),
        (lambda c: c.search_cutoff_unmet(), {"name": "CutoffUnmetEpisodeSearch"}),
    ],
)
async def test_search_commands(
    sonarr_server: FakeUpstream,
    client: SonarrClient,
    call: Any,
    expected: dict[str, Any],
) -> None:
    """Search helpers POST the matching command body."""
    raw = load_fixture("sonarr/pyarr__command.json")
    sonarr_server.add_json("POST", "/api/v3/command", raw)
    command = await call(client)
    assert sonarr_server.last().body == expected
    assert command.id == raw["id"]
    assert command.is_finished


async def test_command_status(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """Command status is read by id."""
    raw = load_fixture("arr-common/aiopyarr__command.json")
    sonarr_server.add_json("GET", f"/api/v3/command/{raw['id']}", raw)
    command = await client.command_status(raw["id"])
    assert command.status == raw["status"]
    assert command.message == raw["message"]


async def test_notifications(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Notifications list their enabled events."""
    raw = load_fixture("sonarr/pyarr__notification_all.json")
    sonarr_server.add_json("GET", "/api/v3/notification", raw)
    notifications = await client.notifications()
    assert notifications[0].name == raw[0]["name"]
    assert notifications[0].events == {
        k for k, v in raw[0].items() if k.startswith("on") and v is True
    }


async def test_create_and_delete_webhook(
    sonarr_server: FakeUpstream, client: SonarrClient
) -> None:
    """A webhook is created with url, method and events, and deleted by id."""
    created = {
        **load_fixture("sonarr/pyarr__notification.json"),
        "id": 9,
        "implementation": "Webhook",
        "fields": [{"name": "url", "value": "http://ha.local/api/webhook/x"}],
    }
    sonarr_server.add_json("POST", "/api/v3/notification", created)
    sonarr_server.add("DELETE", "/api/v3/notification/9", Reply(status=200))
    notification = await client.create_webhook(
        "SmartPlex", "http://ha.local/api/webhook/x", ["onGrab", "onDownload"], tags=[1]
    )
    body = sonarr_server.last().body
    assert body["implementation"] == "Webhook"
    assert body["configContract"] == "WebhookSettings"
    assert {"name": "url", "value": "http://ha.local/api/webhook/x"} in body["fields"]
    assert body["onGrab"] is True and body["onDownload"] is True
    assert body["tags"] == [1]
    assert notification.url == "http://ha.local/api/webhook/x"
    await client.delete_notification(notification.id)
    assert sonarr_server.last().method == "DELETE"


async def test_exclusions(sonarr_server: FakeUpstream, client: SonarrClient) -> None:
    """Import-list exclusions name the series by TVDB id and title."""
    raw = {**load_fixture("arr-common/aiopyarr__exclusions.json"), "tvdbId": 81189}
    sonarr_server.add_json("GET", "/api/v3/importlistexclusion", [raw])
    [exclusion] = await client.exclusions()
    assert (exclusion.tvdb_id, exclusion.title) == (81189, raw["title"])
