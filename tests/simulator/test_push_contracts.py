"""Push against the contracts: SmartPlex's registration calls, the simulator's answers and its webhooks.

Each registration call SmartPlex makes (Sonarr/Radarr connections, Tautulli's webhook
notifier, Overseerr's webhook agent) goes to the simulator over loopback HTTP; the request
(path, query and JSON body) and the answer are validated against ../shared/contracts. The
webhooks the simulator then sends are compared with the payload classes Sonarr and Radarr
serialize (the Overseerr and Tautulli templates: test_push_templates.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import pairwise
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from openapi_core.testing import MockRequest
import pytest

from custom_components.smartplex.api import (
    OverseerrClient,
    RadarrClient,
    SonarrClient,
    TautulliClient,
)
from custom_components.smartplex.api.push import (
    ARR_SUBSCRIPTIONS,
    OVERSEERR_SUBSCRIBED_TYPES,
    TAUTULLI_TRIGGERS,
    overseerr_template,
    parse_arr,
    tautulli_template,
)
from custom_components.smartplex.webhook import (
    CONNECTION_NAME,
    encode_overseerr_payload,
)
from simulator import Simulator
from tests.api.contracts import contract_violations

from .conftest import Receiver
from .test_contracts import SPECS, spec, validate_openapi, validate_tautulli


@dataclass(slots=True)
class Exchange:
    """One request a client sent and the answer it got."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    status: int
    reply: bytes
    content_type: str


class Recorder:
    """Records every request and answer of a client session (aiohttp tracing)."""

    def __init__(self) -> None:
        """Start empty."""
        self.exchanges: list[Exchange] = []
        self._bodies: dict[int, bytes] = {}
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_chunk_sent.append(self._chunk)
        self.trace.on_request_end.append(self._end)

    async def _chunk(self, _session: Any, context: Any, params: Any) -> None:
        """Collect the request body."""
        self._bodies[id(context)] = self._bodies.get(id(context), b"") + params.chunk

    async def _end(self, _session: Any, context: Any, params: Any) -> None:
        """Record the finished exchange (the body read here is kept for the client)."""
        response = params.response
        self.exchanges.append(
            Exchange(
                method=params.method,
                url=str(params.url),
                headers=dict(params.headers),
                body=self._bodies.pop(id(context), b""),
                status=response.status,
                reply=await response.read(),
                content_type=response.content_type,
            )
        )


@pytest.fixture
async def recorded(
    socket_enabled: None,
) -> AsyncIterator[tuple[aiohttp.ClientSession, Recorder]]:
    """Return a client session whose exchanges are recorded."""
    recorder = Recorder()
    async with aiohttp.ClientSession(trace_configs=[recorder.trace]) as session:
        yield session, recorder


def check_exchange(service: str, exchange: Exchange) -> None:
    """Validate one request (path, query, body) and its answer against the service's contract."""
    parts = urlsplit(exchange.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    multi = {key: [value] for key, value in query.items()}
    assert contract_violations(service, exchange.method, parts.path, multi) == []
    if service == "tautulli":
        validate_tautulli(query["cmd"], json.loads(exchange.reply))
        return
    # Overseerr's requests and answers must suit Jellyseerr and Seerr too.
    names = (
        ("overseerr", "jellyseerr", "seerr") if service == "overseerr" else (service,)
    )
    for name in names:
        request = MockRequest(
            SPECS[name][1],
            exchange.method,
            parts.path,
            args=query,
            headers=exchange.headers,
            data=exchange.body or None,
            content_type="application/json",
        )
        spec(name).validate_request(request)
        validate_openapi(
            name,
            exchange.method,
            parts.path,
            query,
            exchange.status,
            exchange.reply,
            exchange.content_type if exchange.reply else "application/json",
        )


HOOK = "http://127.0.0.1:9/api/webhook/" + "ab" * 32


async def test_registration_calls_match_the_contracts(
    sim: Simulator, recorded: tuple[aiohttp.ClientSession, Recorder]
) -> None:
    """Register, list, test and remove a webhook in every service the way SmartPlex does."""
    session, recorder = recorded
    calls: list[tuple[str, int]] = []

    def mark(service: str) -> None:
        calls.append((service, len(recorder.exchanges)))

    for service, client_class in (("sonarr", SonarrClient), ("radarr", RadarrClient)):
        mark(service)
        client = client_class(session, sim.url(service), sim.api_key(service))
        created = await client.create_webhook(
            CONNECTION_NAME, HOOK, ARR_SUBSCRIPTIONS[service]
        )
        assert [n.url for n in await client.notifications() if n.id == created.id] == [
            HOOK
        ]
        await client.test_webhook(CONNECTION_NAME, HOOK)
        await client.delete_notification(created.id)
        assert created.id not in {n.id for n in await client.notifications()}

    mark("tautulli")
    tautulli = TautulliClient(session, sim.url("tautulli"), sim.api_key("tautulli"))
    notifier_id = await tautulli.add_webhook_notifier(
        HOOK,
        friendly_name=CONNECTION_NAME,
        triggers=TAUTULLI_TRIGGERS,
        json_body=tautulli_template("sub_t"),
    )
    assert notifier_id in {n.id for n in await tautulli.notifiers()}
    await tautulli.notify(notifier_id, subject="SmartPlex test", body='{"a": 1}')
    await tautulli.delete_notifier(notifier_id)

    mark("overseerr")
    overseerr = OverseerrClient(session, sim.url("overseerr"), sim.api_key("overseerr"))
    payload = encode_overseerr_payload(overseerr_template("sub_o"))
    await overseerr.set_webhook_settings(
        enabled=True,
        webhook_url=HOOK,
        types=OVERSEERR_SUBSCRIBED_TYPES,
        json_payload=payload,
    )
    settings = await overseerr.webhook_settings()
    assert (settings.webhook_url, settings.json_payload) == (HOOK, payload)
    await overseerr.test_webhook_settings(
        webhook_url=HOOK, types=OVERSEERR_SUBSCRIBED_TYPES, json_payload=payload
    )
    mark("end")

    for (service, start), (_, end) in pairwise(calls):
        exchanges = recorder.exchanges[start:end]
        assert exchanges, service
        for exchange in exchanges:
            check_exchange(service, exchange)
    checked = {urlsplit(e.url).path for e in recorder.exchanges}
    assert {
        "/api/v3/notification",
        "/api/v3/notification/test",
        "/api/v2",
        "/api/v1/settings/notifications/webhook",
        "/api/v1/settings/notifications/webhook/test",
    } <= checked


# -- the webhooks the simulator sends --------------------------------------------------------
#
# The JSON Sonarr and Radarr send is their Webhook*Payload classes serialized in camelCase
# (Sonarr src/NzbDrone.Core/Notifications/Webhook, v4; Radarr the same folder, v5): a key
# here is a property of that class, a type is the JSON type the property serializes to.
# Payloads may leave a property out; they may not send one the class does not have.

STR, INT, BOOL, LIST = str, int, bool, list
IMAGE = {"coverType": STR, "url": STR, "remoteUrl": STR}
BASE = {"eventType": STR, "instanceName": STR, "applicationUrl": STR}
SERIES = {
    "id": INT,
    "title": STR,
    "titleSlug": STR,
    "path": STR,
    "tvdbId": INT,
    "tvMazeId": INT,
    "tmdbId": INT,
    "imdbId": STR,
    "type": STR,
    "year": INT,
    "genres": [STR],
    "images": [IMAGE],
    "tags": [STR],
}
MOVIE = {
    "id": INT,
    "title": STR,
    "year": INT,
    "filePath": STR,
    "releaseDate": STR,
    "folderPath": STR,
    "tmdbId": INT,
    "imdbId": STR,
    "overview": STR,
    "genres": [STR],
    "images": [IMAGE],
    "tags": [STR],
}
REMOTE_MOVIE = {"tmdbId": INT, "imdbId": STR, "title": STR, "year": INT}
EPISODE = {
    "id": INT,
    "episodeNumber": INT,
    "seasonNumber": INT,
    "title": STR,
    "overview": STR,
    "airDate": STR,
    "airDateUtc": STR,
    "seriesId": INT,
    "tvdbId": INT,
}
RELEASE = {
    "quality": STR,
    "qualityVersion": INT,
    "releaseGroup": STR,
    "releaseTitle": STR,
    "indexer": STR,
    "size": INT,
    "customFormatScore": INT,
    "customFormats": [STR],
    "indexerFlags": [STR],
}
GRABBED_RELEASE = {"releaseTitle": STR, "indexer": STR, "size": INT, "releaseType": STR}
FILE = {
    "id": INT,
    "relativePath": STR,
    "path": STR,
    "quality": STR,
    "qualityVersion": INT,
    "releaseGroup": STR,
    "sceneName": STR,
    "size": INT,
}
EPISODE_FILE = {**FILE, "dateAdded": STR, "languages": STR}
MOVIE_FILE = {**FILE, "indexerFlags": STR, "dateAdded": STR, "mediaInfo": {}}
DOWNLOAD = {"downloadClient": STR, "downloadClientType": STR, "downloadId": STR}
STATUS = {
    "downloadInfo": {},
    "customFormatInfo": {},
    "downloadStatus": STR,
    "downloadStatusMessages": [{"title": STR, "messages": [STR]}],
}
HEALTH = {**BASE, "level": STR, "message": STR, "type": STR, "wikiUrl": STR}
RENAMED = {"previousRelativePath": STR, "previousPath": STR}
ARR_PAYLOADS: dict[tuple[str, str], dict[str, Any]] = {
    ("sonarr", "Grab"): {
        **BASE,
        **DOWNLOAD,
        "series": SERIES,
        "episodes": [EPISODE],
        "release": RELEASE,
    },
    ("sonarr", "Download"): {
        **BASE,
        **DOWNLOAD,
        "series": SERIES,
        "episodes": [EPISODE],
        "episodeFile": EPISODE_FILE,
        "isUpgrade": BOOL,
        "deletedFiles": [EPISODE_FILE],
    },
    ("sonarr", "ManualInteractionRequired"): {
        **BASE,
        **DOWNLOAD,
        **STATUS,
        "series": SERIES,
        "episodes": [EPISODE],
        "release": GRABBED_RELEASE,
    },
    ("sonarr", "SeriesAdd"): {**BASE, "series": SERIES},
    ("radarr", "Grab"): {
        **BASE,
        **DOWNLOAD,
        "movie": MOVIE,
        "remoteMovie": REMOTE_MOVIE,
        "release": RELEASE,
    },
    ("radarr", "Download"): {
        **BASE,
        **DOWNLOAD,
        "movie": MOVIE,
        "remoteMovie": REMOTE_MOVIE,
        "movieFile": MOVIE_FILE,
        "isUpgrade": BOOL,
        "deletedFiles": [MOVIE_FILE],
    },
    ("radarr", "ManualInteractionRequired"): {
        **BASE,
        **DOWNLOAD,
        **STATUS,
        "movie": MOVIE,
        "release": GRABBED_RELEASE,
    },
    ("radarr", "MovieAdded"): {**BASE, "movie": MOVIE, "addMethod": STR},
    ("sonarr", "SeriesDelete"): {**BASE, "series": SERIES, "deletedFiles": BOOL},
    ("sonarr", "EpisodeFileDelete"): {
        **BASE,
        "series": SERIES,
        "episodes": [EPISODE],
        "episodeFile": EPISODE_FILE,
        "deleteReason": STR,
    },
    ("radarr", "MovieDelete"): {
        **BASE,
        "movie": MOVIE,
        "deletedFiles": BOOL,
        "movieFolderSize": INT,
    },
    ("radarr", "MovieFileDelete"): {
        **BASE,
        "movie": MOVIE,
        "movieFile": MOVIE_FILE,
        "deleteReason": STR,
    },
    ("sonarr", "Rename"): {
        **BASE,
        "series": SERIES,
        "renamedEpisodeFiles": [{**EPISODE_FILE, **RENAMED}],
    },
    ("radarr", "Rename"): {
        **BASE,
        "movie": MOVIE,
        "renamedMovieFiles": [{**MOVIE_FILE, **RENAMED}],
    },
    **{
        (s, e): HEALTH
        for s in ("sonarr", "radarr")
        for e in ("Health", "HealthRestored")
    },
}


def shape_problems(value: Any, shape: Any, where: str) -> list[str]:
    """Return where a JSON value leaves its documented shape (unknown keys, wrong types)."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        problems = [
            f"{where}.{key} is not documented" for key in value if key not in shape
        ]
        for key, item in value.items():
            if key in shape and item is not None:
                problems += shape_problems(item, shape[key], f"{where}.{key}")
        return problems
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where} is not a list"]
        return [
            p for item in value for p in shape_problems(item, shape[0], f"{where}[]")
        ]
    if shape is INT and isinstance(value, bool):
        return [f"{where} is a bool, not an int"]
    return [] if isinstance(value, shape) else [f"{where} is not {shape.__name__}"]


def test_shape_problems_catch_undocumented_keys_and_types() -> None:
    """The checker reports what it should."""
    assert shape_problems({"id": 1, "tags": ["a"]}, SERIES, "s") == []
    assert shape_problems({"id": True, "x": 1, "tags": [1]}, SERIES, "s") == [
        "s.x is not documented",
        "s.id is a bool, not an int",
        "s.tags[] is not str",
    ]


async def test_arr_webhooks_follow_the_payload_classes(
    sim: Simulator, receiver: Receiver
) -> None:
    """Every Sonarr/Radarr notification the simulator sends has the documented shape and parses."""
    stack, world = sim.stack, sim.world
    for service in ("sonarr", "radarr"):
        stack.notifications.arr[service][90] = {
            "id": 90,
            "implementation": "Webhook",
            **dict.fromkeys(ARR_SUBSCRIPTIONS[service], True),
            "fields": [{"name": "url", "value": receiver.url}],
        }
    now = stack.clock.now()
    movie_title = next(
        t
        for t in world.titles.values()
        if t.kind == "movie"
        and world.movie_by_tmdb(t.tmdb_id) is None
        and t.release < now
    )
    movie = stack.add_movie(
        movie_title, monitored=True, quality_id=3, tags=[], search=True
    )
    [item] = [q for q in world.queue.values() if q.media_id == movie.id]
    stack.fail_download(item.id, "No files found are eligible for import")
    series_title = next(
        t
        for t in world.titles.values()
        if t.kind == "tv" and world.series_by_tmdb(t.tmdb_id) is None
    )
    series = stack.add_series(
        series_title, monitored=True, quality_id=3, tags=[], search=True
    )
    episode_item = next(q for q in world.queue.values() if q.media_id == series.id)
    stack.fail_download(episode_item.id, "Sample")
    for service in ("sonarr", "radarr"):
        await sim.set_health(service, [("error", "RootFolderCheck", "Missing root")])
        await sim.set_health(service, [])
    await sim.advance(24 * 3600)
    async with aiohttp.ClientSession() as session:
        radarr = RadarrClient(session, sim.url("radarr"), sim.api_key("radarr"))
        sonarr = SonarrClient(session, sim.url("sonarr"), sim.api_key("sonarr"))
        owned = next(m for m in world.movies.values() if m.has_file)
        watched = next(
            s
            for s in world.series.values()
            if any(world.episodes[e][5] for e in s.episode_ids)
        )
        await radarr.command("RenameMovie", movieIds=[owned.id])
        await sonarr.command("RenameSeries", seriesIds=[watched.id])
        await sim.advance(5)
        await radarr.delete_movie_files(owned.id)
        await radarr.delete_movie(owned.id)
        await sonarr.delete_episode_files(await sonarr.episode_file_ids(series.id))
        await sonarr.delete_series(series.id, delete_files=True)
    await stack.webhooks.drain()
    payloads = [
        (d.service, d.payload)
        for d in stack.webhooks.deliveries
        if d.service in ("sonarr", "radarr")
    ]
    seen = {(service, payload["eventType"]) for service, payload in payloads}
    assert seen >= set(ARR_PAYLOADS), set(ARR_PAYLOADS) - seen
    problems: list[str] = []
    for service, payload in payloads:
        key = (service, payload["eventType"])
        problems += shape_problems(payload, ARR_PAYLOADS[key], str(key))
        assert parse_arr(service, payload) is not None
    assert sorted(set(problems)) == []
