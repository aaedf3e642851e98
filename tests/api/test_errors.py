"""Every error class for every client, and no API key in any message or log record."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.smartplex.api import (
    RadarrClient,
    SmartPlexAuthError,
    SmartPlexCertificateError,
    SmartPlexConnectionError,
    SmartPlexError,
    SmartPlexInvalidResponseError,
    SmartPlexNotFoundError,
    SmartPlexRateLimitError,
    SmartPlexRequestError,
    SmartPlexTimeoutError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
    base,
)
from custom_components.smartplex.api.base import ApiClient, parse_retry_after

from .conftest import API_KEY, FakeUpstream, Reply, load_fixture
from .error_cases import CASES, IDS, Case, expect, tautulli_ok


@pytest.fixture
def make_client(
    upstream: FakeUpstream, session: aiohttp.ClientSession
) -> Callable[[Case], ApiClient]:
    """Build a client for a case against the fake upstream."""

    def build(case: Case) -> ApiClient:
        upstream.service = case.name
        return case.make(session, upstream.url, True, 5.0)

    return build


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_connection_refused(
    case: Case,
    session: aiohttp.ClientSession,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A closed port is a connection error, not a timeout or certificate error."""
    client = case.make(session, f"http://127.0.0.1:{closed_port}", True, 5.0)
    err = await expect(case.call(client), SmartPlexConnectionError, caplog)
    assert not isinstance(err, (SmartPlexTimeoutError, SmartPlexCertificateError))


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_invalid_url(
    case: Case, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A URL without scheme is reported as a connection problem before any request."""
    client = case.make(session, "192.168.1.5:8989", True, 5.0)
    await expect(case.call(client), SmartPlexConnectionError, caplog)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_timeout(
    case: Case,
    upstream: FakeUpstream,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hanging server trips the per-request timeout."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response(case.ok_body)

    upstream.add("GET", case.path, hang)
    client = case.make(session, upstream.url, True, 0.05)
    await expect(case.call(client), SmartPlexTimeoutError, caplog)


async def test_library_listing_waits_longer_than_other_requests(
    upstream: FakeUpstream,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A whole library may take longer than the usual timeout to arrive; a health check may not."""

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.json_response([])

    upstream.service = "radarr"
    upstream.add("GET", "/api/v3/movie", slow)
    upstream.add("GET", "/api/v3/health", slow)
    client = RadarrClient(session, upstream.url, API_KEY, timeout=0.1)
    assert await client.library(len) == 0
    await expect(client.health(), SmartPlexTimeoutError, caplog)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, SmartPlexAuthError),
        (403, SmartPlexAuthError),
        (404, SmartPlexNotFoundError),
        (400, SmartPlexRequestError),
        (500, SmartPlexConnectionError),
        (503, SmartPlexConnectionError),
    ],
)
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_http_status(
    case: Case,
    status: int,
    error: type[SmartPlexError],
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """HTTP error statuses map to the taxonomy, echoing the upstream message without the key."""
    body = {"message": f"denied for {API_KEY}"}
    upstream.add("GET", case.path, Reply(body, status=status))
    err = await expect(case.call(make_client(case)), error, caplog)
    assert "denied for ***" in str(err)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_rate_limit_retried(
    case: Case,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
) -> None:
    """A short Retry-After is waited out and the request succeeds."""
    upstream.add(
        "GET",
        case.path,
        Reply({"status_code": 25}, status=429, headers={"Retry-After": "0"}),
        Reply(case.ok_body),
    )
    await case.call(make_client(case))
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_rate_limit_raised(
    case: Case,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A long Retry-After is not waited: the error carries it."""
    upstream.add(
        "GET", case.path, Reply({}, status=429, headers={"Retry-After": "120"})
    )
    err = await expect(case.call(make_client(case)), SmartPlexRateLimitError, caplog)
    assert isinstance(err, SmartPlexRateLimitError)
    assert err.retry_after == 120
    assert len(upstream.requests) == 1


async def test_rate_limit_retries_are_bounded(
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without Retry-After the client retries a bounded number of times, then raises."""
    monkeypatch.setattr(base, "DEFAULT_RETRY_AFTER", 0.0)
    case = CASES[-1]
    upstream.add("GET", case.path, Reply({}, status=429))
    err = await expect(case.call(make_client(case)), SmartPlexRateLimitError, caplog)
    assert isinstance(err, SmartPlexRateLimitError)
    assert err.retry_after is None
    assert len(upstream.requests) == base.MAX_RATE_LIMIT_RETRIES + 1


def test_parse_retry_after() -> None:
    """Retry-After accepts seconds and HTTP dates; garbage is ignored."""
    future = datetime.now(UTC) + timedelta(seconds=90)
    seconds = parse_retry_after(future.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert seconds is not None and 80 < seconds <= 90
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00") == 0.0
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (Reply(text="{not json", content_type="application/json"), "malformed JSON"),
        (
            Reply(
                text="<html><form>Authelia login</form></html>",
                content_type="text/html",
            ),
            "HTML page",
        ),
        (
            Reply(text="<!doctype html><html></html>", content_type="text/plain"),
            "HTML page",
        ),
    ],
    ids=["malformed", "html-login", "html-mislabelled"],
)
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_invalid_body(
    case: Case,
    reply: Reply,
    match: str,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Malformed JSON and HTML login pages are invalid responses."""
    upstream.add("GET", case.path, reply)
    err = await expect(
        case.call(make_client(case)), SmartPlexInvalidResponseError, caplog
    )
    assert match in str(err)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_wrong_shape(
    case: Case,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """JSON of the wrong shape is an invalid response."""
    upstream.add("GET", case.path, Reply(case.wrong_shape))
    await expect(case.call(make_client(case)), SmartPlexInvalidResponseError, caplog)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_empty_body(
    case: Case,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An empty 200 where data was expected is an invalid response."""
    upstream.add("GET", case.path, Reply(status=200))
    await expect(case.call(make_client(case)), SmartPlexInvalidResponseError, caplog)


# --- a single object where a list is expected -------------------------------------------

START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
MAKERS = {case.name: case.make for case in CASES}
# Every list endpoint of every client: (service, path, Tautulli cmd, call).
LIST_ENDPOINTS: list[tuple[str, str, str | None, Callable[[Any], Awaitable[Any]]]] = [
    *(
        (service, path, None, call)
        for service in ("sonarr", "radarr")
        for path, call in (
            ("/api/v3/diskspace", lambda c: c.disk_space()),
            ("/api/v3/rootfolder", lambda c: c.root_folders()),
            ("/api/v3/qualityprofile", lambda c: c.quality_profiles()),
            ("/api/v3/tag", lambda c: c.tags()),
            ("/api/v3/health", lambda c: c.health()),
            ("/api/v3/notification", lambda c: c.notifications()),
            ("/api/v3/calendar", lambda c: c.calendar(START, END)),
        )
    ),
    ("sonarr", "/api/v3/series", None, lambda c: c.series()),
    ("sonarr", "/api/v3/series", None, lambda c: c.library(list)),
    ("sonarr", "/api/v3/episode", None, lambda c: c.episodes(1)),
    ("sonarr", "/api/v3/series/lookup", None, lambda c: c.lookup("x")),
    ("radarr", "/api/v3/movie", None, lambda c: c.movies()),
    ("radarr", "/api/v3/movie", None, lambda c: c.library(list)),
    ("radarr", "/api/v3/movie/lookup", None, lambda c: c.lookup("x")),
    ("tautulli", "/api/v2", "get_home_stats", lambda c: c.home_stats()),
    ("tautulli", "/api/v2", "get_libraries", lambda c: c.libraries()),
    ("tautulli", "/api/v2", "get_users", lambda c: c.users()),
    (
        "tautulli",
        "/api/v2",
        "get_user_watch_time_stats",
        lambda c: c.user_watch_time_stats(1),
    ),
    ("tautulli", "/api/v2", "get_notifiers", lambda c: c.notifiers()),
]


@pytest.mark.parametrize(
    ("service", "path", "cmd", "call"),
    LIST_ENDPOINTS,
    ids=[
        f"{service}-{cmd or path}-{number}"
        for number, (service, path, cmd, _) in enumerate(LIST_ENDPOINTS)
    ],
)
async def test_single_object_is_a_list_of_one(
    service: str,
    path: str,
    cmd: str | None,
    call: Callable[[Any], Awaitable[Any]],
    upstream: FakeUpstream,
    session: aiohttp.ClientSession,
) -> None:
    """Every list endpoint accepts one object instead of a list (as real Radarr sends)."""
    upstream.service = service
    item = {"id": 7, "user_id": 7, "section_id": 7, "label": "x", "title": "x"}
    upstream.add("GET", path, Reply(tautulli_ok(item) if cmd else item), cmd=cmd)
    client = MAKERS[service](session, upstream.url, True, 5.0)
    assert len(await call(client)) == 1


# --- identity checks (validate) -------------------------------------------------------------

ARR_STATUS = "/api/v3/system/status"
VALIDATE: dict[str, list[tuple[str, list[tuple[str, Any]], type[SmartPlexError]]]] = {
    "sonarr": [
        (
            "other-app",
            [(ARR_STATUS, {"appName": "Radarr", "version": "5.0.0"})],
            SmartPlexWrongServiceError,
        ),
        (
            "old",
            [(ARR_STATUS, {"appName": "Sonarr", "version": "2.0.0.5344"})],
            SmartPlexUnsupportedVersionError,
        ),
        (
            "no-version",
            [(ARR_STATUS, {"appName": "Sonarr"})],
            SmartPlexUnsupportedVersionError,
        ),
        ("wrong-path", [], SmartPlexWrongServiceError),
        (
            "legacy-v2",
            [("/api/system/status", {"version": "2.0.0.5344"})],
            SmartPlexUnsupportedVersionError,
        ),
        ("legacy-empty", [("/api/system/status", {})], SmartPlexWrongServiceError),
        (
            "html",
            [(ARR_STATUS, Reply(text="<html>login</html>", content_type="text/html"))],
            SmartPlexInvalidResponseError,
        ),
    ],
    "radarr": [
        (
            "other-app",
            [(ARR_STATUS, {"appName": "Sonarr", "version": "4.0.0"})],
            SmartPlexWrongServiceError,
        ),
        (
            "old",
            [(ARR_STATUS, {"appName": "Radarr", "version": "0.2.0.1504"})],
            SmartPlexUnsupportedVersionError,
        ),
        ("wrong-path", [], SmartPlexWrongServiceError),
    ],
    "overseerr": [
        ("wrong-path", [], SmartPlexWrongServiceError),
        (
            "not-overseerr",
            [("/api/v1/status", {"status": "ok"})],
            SmartPlexWrongServiceError,
        ),
        (
            "too-new",
            [("/api/v1/status", {"version": "4.0.0"}), ("/api/v1/settings/main", {})],
            SmartPlexUnsupportedVersionError,
        ),
    ],
    "tautulli": [
        ("wrong-path", [], SmartPlexWrongServiceError),
        ("no-envelope", [("/api/v2", {"version": "2"})], SmartPlexWrongServiceError),
        (
            "old",
            [("/api/v2", tautulli_ok({"tautulli_version": "v1.4.25"}))],
            SmartPlexUnsupportedVersionError,
        ),
        (
            "no-version",
            [("/api/v2", tautulli_ok({}))],
            SmartPlexUnsupportedVersionError,
        ),
    ],
    "tmdb": [
        ("wrong-path", [], SmartPlexWrongServiceError),
        (
            "not-tmdb",
            [("/3/configuration", {"change_keys": []})],
            SmartPlexWrongServiceError,
        ),
    ],
}
VALIDATE_CASES = [
    (case, scenario, routes, error)
    for case in CASES
    for scenario, routes, error in VALIDATE[case.name]
]


@pytest.mark.parametrize(
    ("case", "scenario", "routes", "error"),
    VALIDATE_CASES,
    ids=[f"{case.name}-{scenario}" for case, scenario, _, _ in VALIDATE_CASES],
)
async def test_validate_identity(
    case: Case,
    scenario: str,
    routes: list[tuple[str, Any]],
    error: type[SmartPlexError],
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """validate() tells wrong services, wrong base paths and unsupported versions apart."""
    client = make_client(case)
    upstream.off_contract = {("GET", "/api/system/status")}  # the pre-v3 probe
    for path, body in routes:
        upstream.add("GET", path, body if isinstance(body, Reply) else Reply(body))
    err = await expect(client.validate(), error, caplog)
    if isinstance(err, SmartPlexUnsupportedVersionError) and scenario != "no-version":
        assert err.version in str(err)


NAMING = "/api/v3/config/naming"
# (client, appName in the status or None, whose naming config answers or None, accepted)
IDENTITIES = [
    (client, app_name, naming, client == (app_name or naming))
    for client in ("sonarr", "radarr")
    for app_name, naming in (
        ("sonarr", None),
        ("radarr", None),
        (None, "sonarr"),
        (None, "radarr"),
        (None, None),
    )
]


@pytest.mark.parametrize(
    ("client_service", "app_name", "naming", "accepted"),
    IDENTITIES,
    ids=[
        f"{client}-as-{app_name or 'no-app-name'}-{naming or 'no-naming'}"
        for client, app_name, naming, _ in IDENTITIES
    ],
)
async def test_arr_identity(
    client_service: str,
    app_name: str | None,
    naming: str | None,
    accepted: bool,
    upstream: FakeUpstream,
    make_client: Callable[[Case], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sonarr and Radarr are told apart with or without appName, never mistaken."""
    status = load_fixture("arr-common/aiopyarr__system-status.json")
    del status["appName"], status["instanceName"]
    if app_name:
        status["appName"] = app_name.capitalize()
    upstream.add_json("GET", ARR_STATUS, status)
    if naming:
        upstream.add_json(
            "GET", NAMING, load_fixture(f"{naming}/aiopyarr__config-naming.json")
        )
    client = make_client(next(case for case in CASES if case.name == client_service))
    if not accepted:
        err = await expect(client.validate(), SmartPlexWrongServiceError, caplog)
        told = app_name or naming
        assert (told.capitalize() if told else "something else") in str(err)
        return
    info = await client.validate()
    assert (info.service, info.name) == (client.service, client.service)
    assert upstream.requests[-1].path == (ARR_STATUS if app_name else NAMING)
