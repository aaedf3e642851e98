"""Outgoing webhooks: a sender plus real-shaped payload builders for each service."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass
import json
import logging
import re
from typing import TYPE_CHECKING, Any

import aiohttp

from .clock import iso
from .models import Series
from .vocabulary import MOVIE_GENRES, QUALITIES, TV_GENRES

if TYPE_CHECKING:
    from datetime import datetime

    from .models import Movie, QueueItem, Request
    from .world import World

_LOGGER = logging.getLogger(__name__)

OVERSEERR_TYPES = {
    "MEDIA_PENDING": 2,
    "MEDIA_APPROVED": 4,
    "MEDIA_AVAILABLE": 8,
    "MEDIA_FAILED": 16,
    "TEST_NOTIFICATION": 32,
    "MEDIA_DECLINED": 64,
    "MEDIA_AUTO_APPROVED": 128,
    "MEDIA_AUTO_REQUESTED": 4096,
}
# Overseerr's stock template, as a real server returns it
# (../shared/realworld/overseerr/python-overseerr__webhook_config.json).
OVERSEERR_DEFAULT_PAYLOAD = json.dumps(
    {
        "notification_type": "{{notification_type}}",
        "event": "{{event}}",
        "subject": "{{subject}}",
        "message": "{{message}}",
        "image": "{{image}}",
        "{{media}}": {
            "media_type": "{{media_type}}",
            "tmdbId": "{{media_tmdbid}}",
            "tvdbId": "{{media_tvdbid}}",
            "status": "{{media_status}}",
            "status4k": "{{media_status4k}}",
        },
        "{{request}}": {
            "request_id": "{{request_id}}",
            "requestedBy_email": "{{requestedBy_email}}",
            "requestedBy_username": "{{requestedBy_username}}",
            "requestedBy_avatar": "{{requestedBy_avatar}}",
            "requestedBy_settings_discordId": "{{requestedBy_settings_discordId}}",
            "requestedBy_settings_telegramChatId": "{{requestedBy_settings_telegramChatId}}",
        },
        "{{issue}}": {
            "issue_id": "{{issue_id}}",
            "issue_type": "{{issue_type}}",
            "issue_status": "{{issue_status}}",
            "reportedBy_email": "{{reportedBy_email}}",
            "reportedBy_username": "{{reportedBy_username}}",
            "reportedBy_avatar": "{{reportedBy_avatar}}",
            "reportedBy_settings_discordId": "{{reportedBy_settings_discordId}}",
            "reportedBy_settings_telegramChatId": "{{reportedBy_settings_telegramChatId}}",
        },
        "{{comment}}": {
            "comment_message": "{{comment_message}}",
            "commentedBy_email": "{{commentedBy_email}}",
            "commentedBy_username": "{{commentedBy_username}}",
            "commentedBy_avatar": "{{commentedBy_avatar}}",
            "commentedBy_settings_discordId": "{{commentedBy_settings_discordId}}",
            "commentedBy_settings_telegramChatId": "{{commentedBy_settings_telegramChatId}}",
        },
        "{{extra}}": [],
    }
)
_MEDIA_STATUS_NAMES = {
    1: "UNKNOWN",
    2: "PENDING",
    3: "PROCESSING",
    4: "PARTIALLY_AVAILABLE",
    5: "AVAILABLE",
}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_TAUTULLI_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(slots=True)
class Delivery:
    """One webhook delivery attempt."""

    service: str
    url: str
    payload: Any
    status: int | None = None


class WebhookSender:
    """Posts webhook payloads in the background and keeps a log of deliveries."""

    def __init__(self) -> None:
        """Start with no session and an empty log."""
        self.deliveries: list[Delivery] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def send(
        self,
        service: str,
        url: str,
        payload: Any,
        method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Schedule a delivery."""
        delivery = Delivery(service=service, url=url, payload=payload)
        self.deliveries.append(delivery)
        task = asyncio.get_running_loop().create_task(
            self._post(delivery, method, headers or {})
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(
        self, delivery: Delivery, method: str, headers: dict[str, str]
    ) -> None:
        """Deliver one payload, recording the HTTP status (0 when unreachable)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=10)
            )
        try:
            async with self._session.request(
                method, delivery.url, json=delivery.payload, headers=headers
            ) as response:
                delivery.status = response.status
        # RuntimeError: a test harness refusing the connection (pytest-socket).
        except (aiohttp.ClientError, TimeoutError, OSError, RuntimeError):
            delivery.status = 0
            _LOGGER.debug("webhook delivery for %s failed", delivery.service)

    async def drain(self) -> None:
        """Wait until every scheduled delivery finished."""
        while self._tasks:
            # Taken out first: gather of finished tasks returns without yielding to the
            # loop, so waiting for their done callbacks to discard them would spin.
            tasks = list(self._tasks)
            self._tasks.difference_update(tasks)
            await asyncio.gather(*tasks)

    async def close(self) -> None:
        """Finish deliveries and close the HTTP session."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None


def images(kind: str, tmdb_id: int) -> list[dict[str, Any]]:
    """Return poster and fanart MediaCovers."""
    return [
        {
            "coverType": cover,
            "url": f"/MediaCover/{tmdb_id}/{cover}.jpg",
            "remoteUrl": f"https://image.tmdb.org/t/p/original/sim{kind}{tmdb_id}{cover}.jpg",
        }
        for cover in ("poster", "fanart")
    ]


def arr_series(world: World, series: Series) -> dict[str, Any]:
    """Return the series object of a Sonarr webhook."""
    info = series.info
    return {
        "id": series.id,
        "title": info.title,
        "titleSlug": info.slug,
        "path": series.path,
        "tvdbId": info.tvdb_id,
        "tvMazeId": 0,
        "tmdbId": info.tmdb_id,
        "imdbId": info.imdb_id,
        "type": "standard",
        "year": info.year,
        "genres": [genre_name("tv", g) for g in info.genre_ids],
        "images": images("tv", info.tmdb_id),
        "tags": [world.tags[t] for t in series.tags if t in world.tags],
    }


def arr_movie(world: World, movie: Movie) -> dict[str, Any]:
    """Return the movie object of a Radarr webhook."""
    info = movie.info
    return {
        "id": movie.id,
        "title": info.title,
        "year": info.year,
        "releaseDate": info.release.strftime("%Y-%m-%d"),
        "folderPath": movie.path,
        "tmdbId": info.tmdb_id,
        "imdbId": info.imdb_id,
        "overview": info.overview,
        "genres": [genre_name("movie", g) for g in info.genre_ids],
        "images": images("movie", info.tmdb_id),
        "tags": [world.tags[t] for t in movie.tags if t in world.tags],
    }


def genre_name(kind: str, genre_id: int) -> str:
    """Return a genre name for a TMDB genre id."""
    return (MOVIE_GENRES if kind == "movie" else TV_GENRES).get(genre_id, "Unknown")


def quality_name(quality_id: int) -> str:
    """Return the name of a quality id."""
    return next(q[1] for q in QUALITIES if q[0] == quality_id)


def _release(item: QueueItem) -> dict[str, Any]:
    """Return the release object of a Grab webhook."""
    return {
        "quality": quality_name(item.quality_id),
        "qualityVersion": 1,
        "releaseGroup": "SIM",
        "releaseTitle": item.title,
        "indexer": "SimIndexer (Prowlarr)",
        "size": item.size,
        "customFormatScore": 0,
        "customFormats": [],
    }


def _episode(world: World, episode_id: int) -> dict[str, Any]:
    """Return an episode object of a Sonarr webhook."""
    episode = world.episodes[episode_id]
    return {
        "id": episode[0],
        "episodeNumber": episode[3],
        "seasonNumber": episode[2],
        "title": f"Episode {episode[3]}",
        "airDate": episode[4].strftime("%Y-%m-%d"),
        "airDateUtc": iso(episode[4]),
        "seriesId": episode[1],
        "tvdbId": 5_000_000 + episode[0],
    }


def arr_envelope(service: str, event: str, body: dict[str, Any]) -> dict[str, Any]:
    """Add the fields every *arr webhook carries."""
    return {
        **body,
        "eventType": event,
        "instanceName": service.capitalize(),
        "applicationUrl": "",
    }


def _media(world: World, item: QueueItem) -> dict[str, Any]:
    """Return the movie or series (and episode) objects of a Grab or Download payload."""
    if item.service == "radarr":
        movie = world.movies[item.media_id]
        return {
            "movie": arr_movie(world, movie),
            "remoteMovie": {
                "tmdbId": movie.info.tmdb_id,
                "imdbId": movie.info.imdb_id,
                "title": movie.info.title,
                "year": movie.info.year,
            },
        }
    return {
        "series": arr_series(world, world.series[item.media_id]),
        "episodes": [_episode(world, item.episode_id)] if item.episode_id else [],
    }


def arr_grab(world: World, item: QueueItem) -> dict[str, Any]:
    """Return a Sonarr/Radarr Grab payload."""
    body = {
        "release": _release(item),
        "downloadClient": "SABnzbd",
        "downloadClientType": "SABnzbd",
        "downloadId": item.download_id,
        **_media(world, item),
    }
    return arr_envelope(item.service, "Grab", body)


def arr_download(
    world: World, item: QueueItem, now: datetime, *, upgrade: bool = False
) -> dict[str, Any]:
    """Return a Sonarr/Radarr Download (import) payload."""
    file = {
        "id": item.id,
        "relativePath": f"{item.title}.mkv",
        "quality": quality_name(item.quality_id),
        "qualityVersion": 1,
        "releaseGroup": "SIM",
        "sceneName": item.title,
        "size": item.size,
        "dateAdded": iso(now),
    }
    body: dict[str, Any] = {
        "isUpgrade": upgrade,
        "downloadClient": "SABnzbd",
        "downloadClientType": "SABnzbd",
        "downloadId": item.download_id,
        **_media(world, item),
    }
    if item.service == "radarr":
        movie = world.movies[item.media_id]
        body["movieFile"] = {
            **file,
            "path": f"{movie.path}/{item.title}.mkv",
            "indexerFlags": "0",
        }
    else:
        series = world.series[item.media_id]
        body["episodeFile"] = {**file, "path": f"{series.path}/{item.title}.mkv"}
    return arr_envelope(item.service, "Download", body)


def arr_manual_interaction(
    world: World, item: QueueItem, message: str
) -> dict[str, Any]:
    """Return a ManualInteractionRequired payload: a download that cannot be imported."""
    body = {
        "downloadClient": "SABnzbd",
        "downloadClientType": "SABnzbd",
        "downloadId": item.download_id,
        "downloadStatus": "Warning",
        "downloadStatusMessages": [{"title": item.title, "messages": [message]}],
        # The grabbed release as the download history remembers it (no quality).
        "release": {
            "releaseTitle": item.title,
            "indexer": "SimIndexer (Prowlarr)",
            "size": item.size,
        },
        **_media(world, item),
    }
    # Radarr names the movie only; the remote (parsed) movie is for grabs and imports.
    body.pop("remoteMovie", None)
    return arr_envelope(item.service, "ManualInteractionRequired", body)


def radarr_added(world: World, movie: Movie) -> dict[str, Any]:
    """Return a Radarr MovieAdded payload."""
    return arr_envelope(
        "radarr",
        "MovieAdded",
        {"movie": arr_movie(world, movie), "addMethod": "manual"},
    )


def sonarr_added(world: World, series: Series) -> dict[str, Any]:
    """Return a Sonarr SeriesAdd payload."""
    return arr_envelope("sonarr", "SeriesAdd", {"series": arr_series(world, series)})


def arr_deleted(
    world: World, media: Movie | Series, *, deleted_files: bool
) -> dict[str, Any]:
    """Return a Radarr MovieDelete or Sonarr SeriesDelete payload."""
    if isinstance(media, Series):
        body = {"series": arr_series(world, media), "deletedFiles": deleted_files}
        return arr_envelope("sonarr", "SeriesDelete", body)
    body = {
        "movie": arr_movie(world, media),
        "deletedFiles": deleted_files,
        "movieFolderSize": media.size,
    }
    return arr_envelope("radarr", "MovieDelete", body)


def radarr_file_deleted(world: World, movie: Movie) -> dict[str, Any]:
    """Return a Radarr MovieFileDelete payload (a file deleted by hand)."""
    body = {
        "movie": arr_movie(world, movie),
        "movieFile": {
            "id": movie.id,
            "relativePath": f"{movie.info.title}.mkv",
            "path": f"{movie.path}/{movie.info.title}.mkv",
            "quality": quality_name(movie.quality_id),
            "size": movie.size,
        },
        "deleteReason": "manual",
    }
    return arr_envelope("radarr", "MovieFileDelete", body)


def sonarr_file_deleted(world: World, episode_id: int) -> dict[str, Any]:
    """Return a Sonarr EpisodeFileDelete payload (an episode's file deleted by hand)."""
    episode = world.episodes[episode_id]
    series = world.series[episode[1]]
    name = f"{series.info.title} - S{episode[2]:02d}E{episode[3]:02d}.mkv"
    body = {
        "series": arr_series(world, series),
        "episodes": [_episode(world, episode_id)],
        "episodeFile": {
            "id": episode_id,
            "relativePath": name,
            "path": f"{series.path}/{name}",
            "size": episode[6],
        },
        "deleteReason": "manual",
    }
    return arr_envelope("sonarr", "EpisodeFileDelete", body)


def health_wiki_url(service: str, source: str) -> str:
    """Return the wiki link Sonarr/Radarr attach to a health check."""
    return f"https://wiki.servarr.com/{service}/system#{source.lower()}"


def arr_health(
    service: str, event: str, level: str, source: str, message: str
) -> dict[str, Any]:
    """Return a Health (new issue) or HealthRestored (issue gone) payload."""
    return arr_envelope(
        service,
        event,
        {
            "level": level,
            "message": message,
            "type": source,
            "wikiUrl": health_wiki_url(service, source),
        },
    )


def decode_overseerr_template(stored: str) -> str:
    """Return the template text of Overseerr's jsonPayload setting.

    Overseerr stores base64 of the template as a JSON string (its web UI sends
    JSON.stringify(template), and the agent decodes with JSON.parse twice); plain
    template text, as older setups and hand-made settings have it, is accepted too.
    """
    try:
        text = base64.b64decode(stored, validate=True).decode()
        decoded = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return stored
    return decoded if isinstance(decoded, str) else text


def overseerr_payload(
    world: World, template: str, event: str, request: Request | None, subject: str
) -> Any:
    """Render Overseerr's webhook template for a notification."""
    values: dict[str, str] = {
        "notification_type": event,
        "event": {
            "MEDIA_PENDING": "New Movie Request",
            "MEDIA_APPROVED": "Movie Request Approved",
            "MEDIA_AVAILABLE": "Movie Now Available",
            "MEDIA_DECLINED": "Movie Request Declined",
            "MEDIA_FAILED": "Movie Request Failed",
            "MEDIA_AUTO_APPROVED": "Movie Request Automatically Approved",
            "TEST_NOTIFICATION": "Test Notification",
        }.get(event, event),
        "subject": subject,
        "message": "",
        "image": "",
    }
    entities = {
        "media": request is not None,
        "request": request is not None,
        "issue": False,
        "comment": False,
        "extra": True,
    }
    if request is not None:
        if request.kind == "tv":
            values["event"] = values["event"].replace("Movie", "Series")
        user = world.users[request.user_index]
        title = world.titles[request.kind, request.tmdb_id]
        status = world.media_status(request.kind, request.tmdb_id)
        values.update(
            {
                "media_type": request.kind,
                "media_tmdbid": str(title.tmdb_id),
                "media_tvdbid": str(title.tvdb_id or ""),
                "media_status": _MEDIA_STATUS_NAMES[status],
                "media_status4k": "UNKNOWN",
                "request_id": str(request.id),
                "requestedBy_email": user.email,
                # Overseerr's {{requestedBy_username}} is the requester's display name.
                "requestedBy_username": user.overseerr_username,
                "requestedBy_avatar": "",
                # Overseerr's {{image}}: the title's poster on TMDB's image server.
                "image": "https://image.tmdb.org/t/p/w600_and_h900_bestv2"
                f"/sim{request.kind}{title.tmdb_id}.jpg",
            }
        )

    def render(node: Any) -> Any:
        """Substitute placeholders recursively."""
        if isinstance(node, str):
            return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), node)
        if isinstance(node, list):
            return [render(item) for item in node]
        if isinstance(node, dict):
            rendered: dict[str, Any] = {}
            for key, value in node.items():
                special = _PLACEHOLDER.fullmatch(key)
                if special and special.group(1) in entities:
                    name = special.group(1)
                    rendered[name] = render(value) if entities[name] else None
                else:
                    rendered[key] = render(value)
            return rendered
        return node

    return render(json.loads(template))


def tautulli_payload(body_template: str, values: dict[str, Any]) -> Any:
    """Render a Tautulli webhook body template ({placeholder} syntax) or a default body."""
    if not body_template.strip():
        return dict(values)
    text = _TAUTULLI_PLACEHOLDER.sub(
        lambda m: str(values.get(m.group(1), "")), body_template
    )
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}
