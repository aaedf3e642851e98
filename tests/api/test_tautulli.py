"""TautulliClient against recorded Tautulli responses and the docstring examples of tautulli-api.md."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
import gc
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.smartplex.api import (
    SmartPlexApiDisabledError,
    SmartPlexAuthError,
    SmartPlexRequestError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
    TautulliClient,
)

from .conftest import API_KEY, FakeUpstream, Reply, load_fixture

# Docstring examples from tautulli-api.md (no recordings exist for these commands).
TAUTULLI_INFO = {
    "tautulli_install_type": "git",
    "tautulli_version": "v2.8.1",
    "tautulli_branch": "master",
    "tautulli_platform": "Windows",
}
SERVER_INFO = {
    "pms_identifier": "08u2phnlkdshf890bhdlksghnljsahgleikjfg9t",
    "pms_name": "Winterfell-Server",
    "pms_platform": "Windows",
    "pms_url": "http://10.10.10.1:32400",
    "pms_version": "1.20.0.3133-fede5bdc7",
}


def envelope(
    data: Any, result: str = "success", message: str | None = None
) -> dict[str, Any]:
    """Wrap data the way Tautulli does."""
    return {"response": {"result": result, "message": message, "data": data}}


def history_row(row_id: int) -> dict[str, Any]:
    """Return a history row shaped like the get_history docstring example."""
    return {
        "date": 1462687607 + row_id,
        "friendly_name": "Mother of Dragons",
        "full_title": "Game of Thrones - The Red Woman",
        "grandparent_rating_key": 351,
        "grandparent_title": "Game of Thrones",
        "group_count": 1,
        "group_ids": str(row_id),
        "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
        "ip_address": "xxx.xxx.xxx.xxx",
        "location": "wan",
        "media_index": 17,
        "media_type": "episode",
        "parent_media_index": 7,
        "parent_rating_key": 544,
        "paused_counter": 0,
        "percent_complete": 84,
        "platform": "Windows",
        "play_duration": 263,
        "player": "Castle-PC",
        "product": "Plex for Windows",
        "rating_key": "4348",
        "reference_id": row_id,
        "row_id": row_id,
        "started": 1462688107,
        "stopped": 1462688370,
        "title": "The Red Woman",
        "transcode_decision": "transcode",
        "user": "DanyKhaleesi69",
        "user_id": 8008135,
        "watched_status": 0.75,
        "year": 2016,
    }


@pytest.fixture
def tautulli_server(upstream: FakeUpstream) -> FakeUpstream:
    """Serve Tautulli under /tautulli, checked against tautulli-api.md."""
    upstream.service = "tautulli"
    upstream.base_path = "/tautulli"
    return upstream


@pytest.fixture
def client(
    tautulli_server: FakeUpstream, session: aiohttp.ClientSession
) -> TautulliClient:
    """Return a Tautulli client."""
    return TautulliClient(session, tautulli_server.url, API_KEY)


async def test_validate(tautulli_server: FakeUpstream, client: TautulliClient) -> None:
    """validate() reads the version and uses the Plex identifier as instance id."""
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(TAUTULLI_INFO), cmd="get_tautulli_info"
    )
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(SERVER_INFO), cmd="get_server_info"
    )
    info = await client.validate()
    assert (info.service, info.name, info.version) == ("Tautulli", "Tautulli", "v2.8.1")
    assert info.instance_id == SERVER_INFO["pms_identifier"]
    for recorded in tautulli_server.requests:
        assert recorded.path == "/tautulli/api/v2"
        assert recorded.param("apikey") == API_KEY
        assert "X-Api-Key" not in recorded.headers


async def test_validate_old_version(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """Tautulli 1.x is refused with its version."""
    tautulli_server.add_json(
        "GET",
        "/api/v2",
        envelope({**TAUTULLI_INFO, "tautulli_version": "v1.4.25"}),
        cmd="get_tautulli_info",
    )
    with pytest.raises(SmartPlexUnsupportedVersionError) as err:
        await client.validate()
    assert err.value.version == "v1.4.25"


async def test_status(tautulli_server: FakeUpstream, client: TautulliClient) -> None:
    """The status command succeeds on a success envelope (recorded)."""
    tautulli_server.add_json(
        "GET",
        "/api/v2",
        load_fixture("tautulli/pytautulli__test_command.json"),
        cmd="status",
    )
    await client.status()
    assert tautulli_server.last().param("cmd") == "status"


async def test_invalid_key_recorded(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """The recorded invalid-key reply (HTTP 401) is an auth error without the key."""
    tautulli_server.add(
        "GET",
        "/api/v2",
        Reply(load_fixture("tautulli/ha-core__invalid_auth.json"), status=401),
    )
    with pytest.raises(SmartPlexAuthError, match="Invalid apikey") as err:
        await client.activity()
    assert API_KEY not in str(err.value)


async def test_error_envelope_with_http_200(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """An error result inside a 200 reply becomes a request error naming the command."""
    tautulli_server.add_json(
        "GET", "/api/v2", envelope({}, "error", "Database not ok"), cmd="status"
    )
    with pytest.raises(SmartPlexRequestError, match="status failed: Database not ok"):
        await client.status()


async def test_unknown_command(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """HTTP 400 'Unknown command' means the server is too old for the command."""
    reply = envelope(
        {},
        "error",
        "Unknown command: get_activity. Possible commands are: arnold, status",
    )
    tautulli_server.add("GET", "/api/v2", Reply(reply, status=400))
    with pytest.raises(
        SmartPlexUnsupportedVersionError, match="Unknown command: get_activity"
    ):
        await client.activity()


async def test_api_disabled(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """HTTP 404 'API not enabled' tells the user to enable the API."""
    tautulli_server.add(
        "GET", "/api/v2", Reply(envelope({}, "error", "API not enabled"), status=404)
    )
    with pytest.raises(SmartPlexApiDisabledError, match="disabled") as err:
        await client.activity()
    assert not isinstance(err.value, SmartPlexAuthError)


async def test_missing_envelope(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """JSON without the envelope is not Tautulli."""
    tautulli_server.add_json("GET", "/api/v2", {"status": "ok"})
    with pytest.raises(SmartPlexWrongServiceError):
        await client.activity()


@pytest.mark.parametrize(
    "name", ["ha-core__get_activity.json", "pytautulli__get_activity.json"]
)
async def test_activity(
    tautulli_server: FakeUpstream, client: TautulliClient, name: str
) -> None:
    """Recorded activity: counts as strings, bandwidth, transcode decisions."""
    raw = load_fixture(f"tautulli/{name}")
    tautulli_server.add_json("GET", "/api/v2", raw, cmd="get_activity")
    activity = await client.activity()
    data = raw["response"]["data"]
    assert activity.stream_count == int(data["stream_count"])
    assert activity.wan_bandwidth == int(data["wan_bandwidth"])
    assert len(activity.sessions) == len(data["sessions"])
    for parsed, session in zip(activity.sessions, data["sessions"], strict=True):
        assert parsed.transcode_decision == session["transcode_decision"]
        assert parsed.progress_percent == int(session["progress_percent"])
        assert parsed.user == session["user"]
        assert parsed.bandwidth == int(session["bandwidth"])


async def test_history(tautulli_server: FakeUpstream, client: TautulliClient) -> None:
    """History paging parameters are sent and rows parse with aware times."""
    data = {"recordsTotal": 1000, "recordsFiltered": 250, "data": [history_row(1124)]}
    tautulli_server.add_json("GET", "/api/v2", envelope(data), cmd="get_history")
    page = await client.history(
        start=50, length=25, user_id=8008135, after="2024-01-01"
    )
    query = tautulli_server.last().query
    assert {k: v[0] for k, v in query.items() if k != "apikey"} == {
        "cmd": "get_history",
        "start": "50",
        "length": "25",
        "order_column": "date",
        "order_dir": "desc",
        "user_id": "8008135",
        "after": "2024-01-01",
        "grouping": "0",
    }
    assert (page.records_total, page.records_filtered) == (1000, 250)
    # Every field from its own key (the row is built positionally, for speed).
    assert asdict(page.rows[0]) == {
        "row_id": 1124,
        "reference_id": 1124,
        "date": datetime.fromtimestamp(1462687607 + 1124, UTC),
        "started": datetime.fromtimestamp(1462688107, UTC),
        "stopped": datetime.fromtimestamp(1462688370, UTC),
        "play_duration": 263,
        "paused_counter": 0,
        "user": "DanyKhaleesi69",
        "user_id": 8008135,
        "friendly_name": "Mother of Dragons",
        "title": "The Red Woman",
        "full_title": "Game of Thrones - The Red Woman",
        "grandparent_title": "Game of Thrones",
        "media_type": "episode",
        "rating_key": 4348,
        "parent_rating_key": 544,
        "grandparent_rating_key": 351,
        "media_index": 17,
        "parent_media_index": 7,
        "year": 2016,
        "percent_complete": 84,
        "watched_status": 0.75,
        "transcode_decision": "transcode",
        "platform": "Windows",
        "player": "Castle-PC",
        "ip_address": "xxx.xxx.xxx.xxx",
        "location": "wan",
        "guid": "com.plexapp.agents.thetvdb://121361/6/1?lang=en",
        "product": "Plex for Windows",
    }


async def test_history_pages_are_parsed_with_the_collector_held_back(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """A first sync's pages of thousands of rows start no collection while they parse."""
    data = {"recordsFiltered": 1, "data": [history_row(1)]}
    tautulli_server.add_json("GET", "/api/v2", envelope(data), cmd="get_history")
    collector_ran = await client.history_parsed(
        lambda total, rows: gc.isenabled(), start=0, length=1
    )
    assert (collector_ran, gc.isenabled()) == (False, True)


async def test_history_since_pages_until_last_seen(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """history_since() pages newest-stopped first until it sees the last known row."""
    pages = {0: [110, 109, 108], 3: [107, 106, 105], 6: [104, 103, 102]}

    async def handler(request: web.Request) -> web.Response:
        rows = [history_row(i) for i in pages[int(request.query["start"])]]
        return web.json_response(
            envelope({"recordsTotal": 9, "recordsFiltered": 9, "data": rows})
        )

    tautulli_server.add("GET", "/api/v2", handler, cmd="get_history")
    rows = await client.history_since(106, page_size=3)
    assert [row.row_id for row in rows] == [107, 108, 109, 110]
    assert [r.param("start") for r in tautulli_server.requests] == ["0", "3"]
    assert {r.param("order_column") for r in tautulli_server.requests} == {"stopped"}


async def test_history_since_asks_for_a_few_rows_first(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """A poll with one new play reads a few rows, not a page of 100."""

    async def handler(request: web.Request) -> web.Response:
        start, length = int(request.query["start"]), int(request.query["length"])
        rows = [history_row(500 - i) for i in range(start, start + length)]
        return web.json_response(
            envelope({"recordsTotal": 500, "recordsFiltered": 500, "data": rows})
        )

    tautulli_server.add("GET", "/api/v2", handler, cmd="get_history")
    assert [row.row_id for row in await client.history_since(499)] == [500]
    assert [r.param("length") for r in tautulli_server.requests] == ["5"]
    tautulli_server.requests.clear()
    rows = await client.history_since(400)
    assert [row.row_id for row in rows] == list(range(401, 501))
    assert [r.param("length") for r in tautulli_server.requests] == ["5", "100"]


async def test_history_since_stops_at_end(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """With nothing seen yet, paging stops at the last (short) page."""
    data = {
        "recordsTotal": 2,
        "recordsFiltered": 2,
        "data": [history_row(2), history_row(1)],
    }
    tautulli_server.add_json("GET", "/api/v2", envelope(data), cmd="get_history")
    rows = await client.history_since(0, page_size=5)
    assert [row.row_id for row in rows] == [1, 2]
    assert len(tautulli_server.requests) == 1


@pytest.mark.parametrize(
    "name", ["ha-core__get_home_stats.json", "pytautulli__get_home_stats.json"]
)
async def test_home_stats(
    tautulli_server: FakeUpstream, client: TautulliClient, name: str
) -> None:
    """Recorded home stats parse for every stat type."""
    raw = load_fixture(f"tautulli/{name}")
    tautulli_server.add_json("GET", "/api/v2", raw, cmd="get_home_stats")
    stats = await client.home_stats(time_range=7, stats_count=5)
    assert tautulli_server.last().param("time_range") == "7"
    assert [s.stat_id for s in stats] == [
        str(s["stat_id"]) for s in raw["response"]["data"]
    ]
    for stat, source in zip(stats, raw["response"]["data"], strict=True):
        assert len(stat.rows) == len(source["rows"])
        for row, row_source in zip(stat.rows, source["rows"], strict=True):
            if "total_plays" in row_source:
                assert row.total_plays == int(row_source["total_plays"])


async def test_libraries_and_media_info(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """Docstring examples: libraries (numbers as strings) and media info per item."""
    library = {
        "art": "/:/resources/show-fanart.jpg",
        "child_count": "3745",
        "count": "62",
        "is_active": 1,
        "parent_count": "240",
        "section_id": "2",
        "section_name": "TV Shows",
        "section_type": "show",
    }
    media_info = {
        "recordsTotal": 82,
        "recordsFiltered": 82,
        "total_file_size": 2616760056742,
        "data": [
            {
                "added_at": "1403553078",
                "file_size": 253660175293,
                "last_played": 1462380698,
                "media_index": "1",
                "media_type": "show",
                "play_count": 15,
                "rating_key": "1219",
                "section_id": 2,
                "sort_title": "Game of Thrones",
                "title": "Game of Thrones",
                "video_resolution": "",
                "year": "2011",
            },
            {
                "title": "Never played",
                "play_count": None,
                "last_played": None,
                "file_size": "",
            },
        ],
    }
    tautulli_server.add_json("GET", "/api/v2", envelope([library]), cmd="get_libraries")
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(media_info), cmd="get_library_media_info"
    )
    [parsed] = await client.libraries()
    assert (parsed.section_id, parsed.count, parsed.child_count) == (2, 62, 3745)
    page = await client.library_media_info(2, order_column="file_size")
    assert tautulli_server.last().param("section_id") == "2"
    item, unplayed = page.items
    assert (item.rating_key, item.year, item.file_size, item.play_count) == (
        1219,
        2011,
        253660175293,
        15,
    )
    assert item.last_played == datetime.fromtimestamp(1462380698, UTC)
    assert item.added_at == datetime.fromtimestamp(1403553078, UTC)
    assert (unplayed.play_count, unplayed.last_played, unplayed.file_size) == (
        0,
        None,
        0,
    )
    assert page.total_file_size == 2616760056742


@pytest.mark.parametrize(
    "name", ["ha-core__get_users.json", "pytautulli__get_users.json"]
)
async def test_users(
    tautulli_server: FakeUpstream, client: TautulliClient, name: str
) -> None:
    """Recorded users parse, including ';'-separated shared libraries."""
    raw = load_fixture(f"tautulli/{name}")
    tautulli_server.add_json("GET", "/api/v2", raw, cmd="get_users")
    users = await client.users()
    for user, source in zip(users, raw["response"]["data"], strict=True):
        assert user.user_id == source["user_id"]
        expected = tuple(p for p in (source["shared_libraries"] or "").split(";") if p)
        assert user.shared_libraries == expected


async def test_shared_libraries_as_list() -> None:
    """Newer Tautulli sends shared_libraries as a list."""
    from custom_components.smartplex.api import TautulliUser

    user = TautulliUser.from_dict(
        {"user_id": "5", "username": "a", "shared_libraries": ["1", 2, ""]}
    )
    assert (user.user_id, user.shared_libraries, user.friendly_name) == (
        5,
        ("1", "2"),
        "a",
    )


async def test_watch_time_and_graphs(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """Docstring examples: watch-time stats, plays by date, plays by stream type."""
    stats = [
        {"query_days": 1, "total_plays": 0, "total_time": 0},
        {"query_days": 0, "total_plays": 508, "total_time": 1183080},
    ]
    by_date = {
        "categories": ["2024-01-01", "2024-01-02"],
        "series": [
            {"name": "Movies", "data": [1, "2"]},
            {"name": "TV", "data": [0, 3]},
        ],
    }
    by_type = {
        "categories": ["2024-01-01"],
        "series": [
            {"name": "Direct Play", "data": [4]},
            {"name": "Transcode", "data": [1]},
        ],
    }
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(stats), cmd="get_user_watch_time_stats"
    )
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(by_date), cmd="get_plays_by_date"
    )
    tautulli_server.add_json(
        "GET", "/api/v2", envelope(by_type), cmd="get_plays_by_stream_type"
    )
    parsed = await client.user_watch_time_stats(7, query_days=(1, 0))
    assert tautulli_server.last().param("query_days") == "1,0"
    assert parsed[1].total_time == 1183080
    graph = await client.plays_by_date(time_range=2, user_id=7)
    assert graph.by_name() == {
        "Movies": {"2024-01-01": 1, "2024-01-02": 2},
        "TV": {"2024-01-01": 0, "2024-01-02": 3},
    }
    streams = await client.plays_by_stream_type(y_axis="duration")
    assert tautulli_server.last().param("y_axis") == "duration"
    assert streams.by_name()["Transcode"] == {"2024-01-01": 1}


async def test_geoip(tautulli_server: FakeUpstream, client: TautulliClient) -> None:
    """Docstring example of get_geoip_lookup."""
    data = {
        "city": "Mountain View",
        "code": "US",
        "continent": "NA",
        "country": "United States",
        "latitude": 37.386,
        "longitude": -122.0838,
        "region": "California",
        "timezone": "America/Los_Angeles",
        "accuracy": None,
    }
    tautulli_server.add_json("GET", "/api/v2", envelope(data), cmd="get_geoip_lookup")
    geo = await client.geoip_lookup("8.8.8.8")
    assert tautulli_server.last().param("ip_address") == "8.8.8.8"
    assert (geo.city, geo.latitude, geo.timezone) == (
        "Mountain View",
        37.386,
        "America/Los_Angeles",
    )


async def test_notifiers(tautulli_server: FakeUpstream, client: TautulliClient) -> None:
    """Notifier list, webhook creation (add + configure) and deletion."""
    notifiers = [
        {
            "id": 3,
            "agent_id": 25,
            "agent_name": "webhook",
            "agent_label": "Webhook",
            "friendly_name": "HA",
            "active": 1,
        }
    ]
    tautulli_server.add_json("GET", "/api/v2", envelope(notifiers), cmd="get_notifiers")
    tautulli_server.add_json(
        "GET",
        "/api/v2",
        envelope({"notifier_id": 4}, message="Added notification agent: Webhook."),
        cmd="add_notifier_config",
    )
    tautulli_server.add_json(
        "GET",
        "/api/v2",
        envelope({}, message="Saved notification agent."),
        cmd="set_notifier_config",
    )
    tautulli_server.add_json(
        "GET",
        "/api/v2",
        envelope({}, message="Deleted notifier."),
        cmd="delete_notifier",
    )
    [parsed] = await client.notifiers()
    assert (parsed.id, parsed.agent_id, parsed.active) == (3, 25, True)
    notifier_id = await client.add_webhook_notifier(
        "http://ha.local/api/webhook/t",
        friendly_name="SmartPlex",
        triggers=("on_play", "on_stop"),
        json_body='{"a": 1}',
    )
    assert notifier_id == 4
    config = tautulli_server.last(cmd="set_notifier_config")
    assert {k: v[0] for k, v in config.query.items() if k != "apikey"} == {
        "cmd": "set_notifier_config",
        "notifier_id": "4",
        "agent_id": "25",
        "friendly_name": "SmartPlex",
        "webhook_hook": "http://ha.local/api/webhook/t",
        "webhook_method": "POST",
        "on_play": "1",
        "on_play_body": '{"a": 1}',
        "on_stop": "1",
        "on_stop_body": '{"a": 1}',
    }
    await client.delete_notifier(4)
    assert tautulli_server.last().param("notifier_id") == "4"


async def test_add_notifier_without_id(
    tautulli_server: FakeUpstream, client: TautulliClient
) -> None:
    """A reply without notifier_id is a request error."""
    tautulli_server.add_json("GET", "/api/v2", envelope({}), cmd="add_notifier_config")
    with pytest.raises(SmartPlexRequestError, match="notifier_id"):
        await client.add_notifier(25)
