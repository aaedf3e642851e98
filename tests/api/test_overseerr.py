"""OverseerrClient against recorded Overseerr/Jellyseerr responses and contract schemas."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.smartplex.api import (
    OverseerrClient,
    RequestStatus,
    ServerInfo,
    SmartPlexAuthError,
)

from .conftest import API_KEY, FakeUpstream, Reply, load_fixture
from .contracts import response_sample


@pytest.fixture
def overseerr_server(upstream: FakeUpstream) -> FakeUpstream:
    """Serve Overseerr at /overseerr, checked against Overseerr, Jellyseerr and Seerr specs."""
    upstream.service = "overseerr"
    upstream.base_path = "/overseerr"
    return upstream


@pytest.fixture
def client(
    overseerr_server: FakeUpstream, session: aiohttp.ClientSession
) -> OverseerrClient:
    """Return an Overseerr client."""
    return OverseerrClient(session, overseerr_server.url, API_KEY)


@pytest.mark.parametrize(
    ("settings", "version", "name"),
    [
        ({"applicationTitle": "Overseerr"}, "1.33.2", "Overseerr"),
        (
            {"applicationTitle": "Jellyseerr", "mediaServerType": 2},
            "2.7.3",
            "Jellyseerr",
        ),
        ({"applicationTitle": "Seerr", "mediaServerType": 1}, "3.0.1", "Seerr"),
    ],
)
async def test_validate_detects_flavour(
    overseerr_server: FakeUpstream,
    client: OverseerrClient,
    settings: dict[str, Any],
    version: str,
    name: str,
) -> None:
    """validate() checks /status, then the key with /settings/main, and names the fork."""
    status = {
        **load_fixture("overseerr/python-overseerr__status.json"),
        "version": version,
    }
    overseerr_server.add_json("GET", "/api/v1/status", status)
    overseerr_server.add_json("GET", "/api/v1/settings/main", settings)
    info = await client.validate()
    assert info == ServerInfo(
        service="Overseerr", name=name, version=version, instance_id=None
    )
    assert [r.path for r in overseerr_server.requests] == [
        "/overseerr/api/v1/status",
        "/overseerr/api/v1/settings/main",
    ]
    assert all(r.headers["X-Api-Key"] == API_KEY for r in overseerr_server.requests)


async def test_validate_develop_version(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """A recorded develop build ("develop-local") is accepted."""
    overseerr_server.add_json(
        "GET",
        "/api/v1/status",
        load_fixture("jellyseerr/python-overseerr__status.json"),
    )
    overseerr_server.add_json("GET", "/api/v1/settings/main", {"mediaServerType": 3})
    info = await client.validate()
    assert (info.name, info.version) == ("Jellyseerr", "develop-local")


async def test_validate_rejects_key(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """The unauthenticated status succeeds but the recorded 403 body means a bad key."""
    overseerr_server.add_json(
        "GET", "/api/v1/status", load_fixture("overseerr/python-overseerr__status.json")
    )
    overseerr_server.add(
        "GET",
        "/api/v1/settings/main",
        Reply(load_fixture("overseerr/python-overseerr__no_access.json"), status=403),
    )
    with pytest.raises(SmartPlexAuthError, match="permission"):
        await client.validate()


async def test_status(overseerr_server: FakeUpstream, client: OverseerrClient) -> None:
    """Status fields are parsed."""
    overseerr_server.add_json(
        "GET", "/api/v1/status", load_fixture("overseerr/python-overseerr__status.json")
    )
    status = await client.status()
    assert (status.version, status.commit_tag, status.update_available) == (
        "develop-local",
        "local",
        False,
    )


async def test_requests(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """Requests are paged, filtered and sorted; users and media are embedded."""
    raw = load_fixture("overseerr/python-overseerr__request.json")
    overseerr_server.add_json("GET", "/api/v1/request", raw)
    page = await client.requests(
        take=10, skip=10, request_filter="pending", sort="modified", requested_by=1
    )
    assert overseerr_server.last().query == {
        "take": ["10"],
        "skip": ["10"],
        "filter": ["pending"],
        "sort": ["modified"],
        "requestedBy": ["1"],
    }
    assert (page.page, page.total_pages, page.total_records) == (1, 2, 14)
    first = page.records[0]
    assert first.id == raw["results"][0]["id"]
    assert first.status == RequestStatus.APPROVED
    assert first.media is not None and first.media.tmdb_id == 1156593
    assert (
        first.requested_by is not None and first.requested_by.display_name == "somebody"
    )


async def test_jellyseerr_requests(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """Jellyseerr's recorded request list parses too."""
    raw = load_fixture("jellyseerr/python-overseerr__request.json")
    overseerr_server.add_json("GET", "/api/v1/request", raw)
    page = await client.requests()
    assert len(page.records) == len(raw["results"])


@pytest.mark.parametrize("flavour", ["overseerr", "jellyseerr"])
async def test_request_counts(
    overseerr_server: FakeUpstream, client: OverseerrClient, flavour: str
) -> None:
    """Counts parse; completed only exists on Jellyseerr/Seerr."""
    raw = load_fixture(f"{flavour}/python-overseerr__request_count.json")
    overseerr_server.add_json("GET", "/api/v1/request/count", raw)
    counts = await client.request_counts()
    assert (counts.total, counts.pending, counts.available) == (
        raw["total"],
        raw["pending"],
        raw["available"],
    )
    assert counts.completed == raw.get("completed")


async def test_issue_counts(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """Issue counts parse."""
    raw = {**load_fixture("overseerr/python-overseerr__issue_count.json"), "open": 2}
    overseerr_server.add_json("GET", "/api/v1/issue/count", raw)
    counts = await client.issue_counts()
    assert (counts.open, counts.total) == (2, raw["total"])


async def test_request_approve_decline_delete(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """A request is read, approved, declined and deleted by id."""
    raw = load_fixture("overseerr/python-overseerr__create_movie_request.json")
    overseerr_server.add_json("GET", "/api/v1/request/22", raw)
    overseerr_server.add_json("POST", "/api/v1/request/22/approve", raw)
    overseerr_server.add_json(
        "POST", "/api/v1/request/22/decline", {**raw, "status": 3}
    )
    overseerr_server.add("DELETE", "/api/v1/request/22", Reply(status=204))
    assert (await client.request(22)).id == 22
    assert (await client.approve_request(22)).status == RequestStatus.APPROVED
    assert (await client.decline_request(22)).status == RequestStatus.DECLINED
    await client.delete_request(22)
    assert [
        (r.method, r.path.removeprefix("/overseerr")) for r in overseerr_server.requests
    ] == [
        ("GET", "/api/v1/request/22"),
        ("POST", "/api/v1/request/22/approve"),
        ("POST", "/api/v1/request/22/decline"),
        ("DELETE", "/api/v1/request/22"),
    ]


@pytest.mark.parametrize(
    ("media_type", "seasons", "user_id", "expected"),
    [
        ("movie", None, None, {"mediaType": "movie", "mediaId": 550, "is4k": False}),
        (
            "tv",
            None,
            5,
            {
                "mediaType": "tv",
                "mediaId": 550,
                "is4k": False,
                "seasons": "all",
                "userId": 5,
            },
        ),
        (
            "tv",
            [1, 2],
            None,
            {"mediaType": "tv", "mediaId": 550, "is4k": False, "seasons": [1, 2]},
        ),
    ],
)
async def test_create_request(
    overseerr_server: FakeUpstream,
    client: OverseerrClient,
    media_type: Any,
    seasons: Any,
    user_id: int | None,
    expected: dict[str, Any],
) -> None:
    """The request body carries media type, TMDB id, seasons and user."""
    raw = load_fixture("overseerr/python-overseerr__create_tv_request.json")
    overseerr_server.add("POST", "/api/v1/request", Reply(raw, status=201))
    created = await client.create_request(
        media_type, 550, seasons=seasons, user_id=user_id
    )
    assert overseerr_server.last().body == expected
    assert created.seasons == (1,)
    assert created.media_type == "tv"


async def test_users(overseerr_server: FakeUpstream, client: OverseerrClient) -> None:
    """No recording: the user page is built from the contract schema."""
    raw = response_sample("overseerr", "GET", "/user")
    overseerr_server.add_json("GET", "/api/v1/user", raw)
    page = await client.users(take=50)
    assert overseerr_server.last().query == {"take": ["50"], "skip": ["0"]}
    user = page.records[0]
    assert user.id == raw["results"][0]["id"]
    assert user.email == raw["results"][0]["email"]


async def test_user_requests_and_watch_data(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """A user's requests (recorded shape) and watch data (contract schema)."""
    overseerr_server.add_json(
        "GET",
        "/api/v1/user/1/requests",
        load_fixture("overseerr/python-overseerr__request.json"),
    )
    watch = response_sample("overseerr", "GET", "/user/{userId}/watch_data")
    overseerr_server.add_json("GET", "/api/v1/user/1/watch_data", watch)
    page = await client.user_requests(1, take=5)
    assert overseerr_server.last().query == {"take": ["5"], "skip": ["0"]}
    assert page.total_records == 14
    data = await client.user_watch_data(1)
    assert data.play_count == watch["playCount"]
    assert len(data.recently_watched) == len(watch["recentlyWatched"])


async def test_media(overseerr_server: FakeUpstream, client: OverseerrClient) -> None:
    """No recording: the media page is built from the contract schema."""
    raw = response_sample("overseerr", "GET", "/media")
    overseerr_server.add_json("GET", "/api/v1/media", raw)
    page = await client.media(media_filter="available", sort="mediaAdded")
    assert overseerr_server.last().param("filter") == "available"
    assert page.records[0].tmdb_id == raw["results"][0]["tmdbId"]


async def test_search(overseerr_server: FakeUpstream, client: OverseerrClient) -> None:
    """Search results keep movies and people and the attached media info."""
    raw = load_fixture("overseerr/python-overseerr__search_1.json")
    overseerr_server.add_json("GET", "/api/v1/search", raw)
    page = await client.search("frosty", page=2)
    assert overseerr_server.last().query == {"query": ["frosty"], "page": ["2"]}
    assert page.total_records == raw["totalResults"]
    assert page.records[1].media_info is not None
    assert page.records[2].media_type == "person"
    assert page.records[0].year is None  # recorded with releaseDate ""
    assert page.records[1].year == int(raw["results"][1]["releaseDate"][:4])


async def test_webhook_settings(
    overseerr_server: FakeUpstream, client: OverseerrClient
) -> None:
    """Webhook settings are read and written."""
    raw = load_fixture("overseerr/python-overseerr__webhook_config.json")
    overseerr_server.add_json("GET", "/api/v1/settings/notifications/webhook", raw)
    overseerr_server.add_json("POST", "/api/v1/settings/notifications/webhook", raw)
    settings = await client.webhook_settings()
    assert (settings.enabled, settings.types, settings.webhook_url) == (
        True,
        4062,
        "https://test.test.nl",
    )
    await client.set_webhook_settings(
        enabled=True,
        webhook_url="http://ha.local/api/webhook/abc",
        types=4062,
        json_payload='{"event": "{{event}}"}',
        authorization_header="Bearer x",
    )
    assert overseerr_server.last().body == {
        "enabled": True,
        "types": 4062,
        "options": {
            "webhookUrl": "http://ha.local/api/webhook/abc",
            "jsonPayload": '{"event": "{{event}}"}',
            "authHeader": "Bearer x",
        },
    }
