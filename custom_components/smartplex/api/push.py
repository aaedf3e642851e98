"""Push notifications: the webhook payloads Sonarr, Radarr, Overseerr and Tautulli send.

Each parser turns one decoded JSON payload into a PushNotification, returns None for a
notification SmartPlex does not use, and raises PushPayloadError for a payload that is
not what that service sends. No Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

from .arr_models import poster_url
from .overseerr import OverseerrClient
from .parse import JsonDict, as_dict, dict_list, opt_int, opt_str, str_tuple, to_bool
from .radarr import RadarrClient
from .sonarr import SonarrClient
from .tautulli import TautulliClient

type PushValue = str | int | bool | None

CATEGORY_DOWNLOAD = "download"
CATEGORY_HEALTH = "health"
CATEGORY_LIBRARY = "library"
CATEGORY_PLAYBACK = "playback"
CATEGORY_RELEASE = "release"
CATEGORY_REQUEST = "request"
CATEGORY_TEST = "test"

# The key SmartPlex's own Overseerr and Tautulli templates carry: the service instance
# (config subentry) the template was registered for.
INSTANCE_KEY = "smartplex_instance"

# Coordinator kinds a notification makes stale ("library" re-reads the named titles).
REFRESH_QUEUE = "queue"
REFRESH_LIBRARY = "library"
REFRESH_CALENDAR = "calendar"
REFRESH_WANTED = "wanted"
REFRESH_CUTOFF = "cutoff_unmet"
REFRESH_HEALTH = "health"
REFRESH_REQUESTS = "requests"
REFRESH_REQUEST_EVENTS = "request_events"
REFRESH_ACTIVITY = "activity"
REFRESH_HISTORY = "history"

_IMPORTED = frozenset(
    {REFRESH_QUEUE, REFRESH_LIBRARY, REFRESH_CALENDAR, REFRESH_WANTED, REFRESH_CUTOFF}
)
_LIBRARY_CHANGED = frozenset(
    {REFRESH_LIBRARY, REFRESH_CALENDAR, REFRESH_WANTED, REFRESH_CUTOFF}
)
# eventType -> (category, event type, what it makes stale)
ARR_EVENTS: dict[str, tuple[str, str, frozenset[str]]] = {
    "Test": (CATEGORY_TEST, "test", frozenset()),
    # A grab changes the queue only: the title's files, size and quality stay as they were.
    "Grab": (CATEGORY_DOWNLOAD, "grabbed", frozenset({REFRESH_QUEUE})),
    "Download": (CATEGORY_DOWNLOAD, "imported", _IMPORTED),
    "ManualInteractionRequired": (
        CATEGORY_DOWNLOAD,
        "failed",
        frozenset({REFRESH_QUEUE}),
    ),
    "Health": (CATEGORY_HEALTH, "issue", frozenset({REFRESH_HEALTH})),
    "HealthRestored": (CATEGORY_HEALTH, "restored", frozenset({REFRESH_HEALTH})),
    "MovieAdded": (CATEGORY_LIBRARY, "added", _LIBRARY_CHANGED),
    "SeriesAdd": (CATEGORY_LIBRARY, "added", _LIBRARY_CHANGED),
    "MovieDelete": (CATEGORY_LIBRARY, "deleted", _LIBRARY_CHANGED),
    "SeriesDelete": (CATEGORY_LIBRARY, "deleted", _LIBRARY_CHANGED),
    "MovieFileDelete": (CATEGORY_LIBRARY, "file_deleted", _LIBRARY_CHANGED),
    "EpisodeFileDelete": (CATEGORY_LIBRARY, "file_deleted", _LIBRARY_CHANGED),
    "Rename": (CATEGORY_LIBRARY, "renamed", frozenset({REFRESH_LIBRARY})),
}
# The on* flags of a Sonarr/Radarr connection SmartPlex subscribes to.
ARR_SUBSCRIPTIONS = {
    "sonarr": (
        "onGrab",
        "onDownload",
        "onUpgrade",
        "onSeriesAdd",
        "onSeriesDelete",
        "onEpisodeFileDelete",
        "onRename",
        "onHealthIssue",
        "onHealthRestored",
        "onManualInteractionRequired",
        "includeHealthWarnings",
    ),
    "radarr": (
        "onGrab",
        "onDownload",
        "onUpgrade",
        "onMovieAdded",
        "onMovieDelete",
        "onMovieFileDelete",
        "onRename",
        "onHealthIssue",
        "onHealthRestored",
        "onManualInteractionRequired",
        "includeHealthWarnings",
    ),
}

_REQUEST_REFRESH = frozenset({REFRESH_REQUESTS, REFRESH_REQUEST_EVENTS})
OVERSEERR_EVENTS: dict[str, tuple[str, str]] = {
    "TEST_NOTIFICATION": (CATEGORY_TEST, "test"),
    "MEDIA_PENDING": (CATEGORY_REQUEST, "created"),
    "MEDIA_AUTO_REQUESTED": (CATEGORY_REQUEST, "created"),
    "MEDIA_AUTO_APPROVED": (CATEGORY_REQUEST, "auto_approved"),
    "MEDIA_APPROVED": (CATEGORY_REQUEST, "approved"),
    "MEDIA_DECLINED": (CATEGORY_REQUEST, "declined"),
    "MEDIA_AVAILABLE": (CATEGORY_REQUEST, "available"),
    "MEDIA_FAILED": (CATEGORY_REQUEST, "failed"),
}
# Overseerr's notification type bits (server/lib/notifications/index.ts).
OVERSEERR_TYPE_BITS = {
    "MEDIA_PENDING": 2,
    "MEDIA_APPROVED": 4,
    "MEDIA_AVAILABLE": 8,
    "MEDIA_FAILED": 16,
    "TEST_NOTIFICATION": 32,
    "MEDIA_DECLINED": 64,
    "MEDIA_AUTO_APPROVED": 128,
    "MEDIA_AUTO_REQUESTED": 4096,
}
OVERSEERR_SUBSCRIBED_TYPES = sum(
    bit for name, bit in OVERSEERR_TYPE_BITS.items() if name != "TEST_NOTIFICATION"
)

_ACTIVITY = frozenset({REFRESH_ACTIVITY})
TAUTULLI_ACTIONS: dict[str, tuple[str, str, frozenset[str]]] = {
    "test": (CATEGORY_TEST, "test", frozenset()),
    "play": (CATEGORY_PLAYBACK, "started", _ACTIVITY),
    "pause": (CATEGORY_PLAYBACK, "paused", _ACTIVITY),
    "resume": (CATEGORY_PLAYBACK, "resumed", _ACTIVITY),
    "stop": (
        CATEGORY_PLAYBACK,
        "stopped",
        frozenset({REFRESH_ACTIVITY, REFRESH_HISTORY}),
    ),
    "watched": (CATEGORY_PLAYBACK, "watched", frozenset({REFRESH_HISTORY})),
}
TAUTULLI_TRIGGERS = tuple(
    f"on_{action}" for action in TAUTULLI_ACTIONS if action != "test"
)

# Overseerr's "tag requests" option tags each title "<user id> - <username>".
_REQUEST_TAG = re.compile(r"^\d+ - (.+)$")


class PushPayloadError(ValueError):
    """A payload that is not a notification of the service it was sent to."""


@dataclass(frozen=True, slots=True)
class PushNotification:
    """One notification, reduced to what events, entities and refreshes need."""

    category: str
    event_type: str
    data: Mapping[str, PushValue]
    # The service instance the payload names (Sonarr/Radarr instance name, or the
    # SmartPlex instance key of our own templates); None when it names none.
    instance: str | None = None
    refresh: frozenset[str] = frozenset()
    # Sonarr series / Radarr movie ids whose library entry changed.
    item_ids: tuple[int, ...] = ()
    # What identifies the fact reported, so the same fact seen twice fires once.
    key: tuple[PushValue, ...] = field(default=())


def _require_dict(payload: Any) -> JsonDict:
    """Return the payload as a JSON object or refuse it."""
    if not isinstance(payload, Mapping):
        raise PushPayloadError("payload is not a JSON object")
    return payload


def _requester_from_tags(tags: object) -> str | None:
    """Return the requester named by Overseerr's request tag, if the title has one."""
    for tag in str_tuple(tags) if isinstance(tags, list) else ():
        if match := _REQUEST_TAG.match(tag):
            return match.group(1)
    return None


def _episode_codes(episodes: object) -> str | None:
    """Return "S01E02, S01E03" for a Sonarr payload's episodes."""
    codes = [
        f"S{opt_int(episode.get('seasonNumber')) or 0:02d}"
        f"E{opt_int(episode.get('episodeNumber')) or 0:02d}"
        for episode in dict_list(episodes)
    ]
    return ", ".join(codes) or None


def parse_arr(service: str, payload: Any) -> PushNotification | None:
    """Parse a Sonarr or Radarr webhook payload."""
    body = _require_dict(payload)
    event = body.get("eventType")
    if not isinstance(event, str) or not event:
        raise PushPayloadError("eventType is missing")
    wrong = "series" if service == "radarr" else "movie"
    if isinstance(body.get(wrong), Mapping):
        raise PushPayloadError(f"a {wrong} payload sent to {service}")
    if event not in ARR_EVENTS:
        return None
    category, event_type, refresh = ARR_EVENTS[event]
    data: dict[str, PushValue] = {}
    item_ids: tuple[int, ...] = ()
    if category == CATEGORY_HEALTH:
        data = {
            "level": opt_str(body.get("level")),
            "source": opt_str(body.get("type")),
            "message": opt_str(body.get("message")),
            "wiki_url": opt_str(body.get("wikiUrl")),
        }
        key: tuple[PushValue, ...] = (event_type, data["source"], data["message"])
    elif category == CATEGORY_TEST:
        key = ()
    else:
        media_key = "movie" if service == "radarr" else "series"
        media = body.get(media_key)
        if not isinstance(media, Mapping):
            raise PushPayloadError(f"{event} without {media_key}")
        item_id = opt_int(media.get("id"))
        if item_id is None:
            raise PushPayloadError(f"{event} without a {media_key} id")
        item_ids = (item_id,)
        data = _arr_media_data(service, body, media)
        if event == "Download" and to_bool(body.get("isUpgrade")):
            event_type = "upgraded"
        data.update(_arr_download_data(body))
        key = (event_type, item_id, data.get("download_id"), data.get("episodes"))
    return PushNotification(
        category=category,
        event_type=event_type,
        data=data,
        instance=opt_str(body.get("instanceName")),
        refresh=refresh,
        item_ids=item_ids,
        key=key,
    )


def _arr_media_data(
    service: str, body: JsonDict, media: JsonDict
) -> dict[str, PushValue]:
    """Return ids, title, poster and requester of a Sonarr/Radarr payload's title."""
    title = opt_str(media.get("title"))
    data: dict[str, PushValue] = {
        "media_type": "movie" if service == "radarr" else "tv",
        "title": title,
        "year": opt_int(media.get("year")),
        "tmdb_id": opt_int(media.get("tmdbId")),
        "tvdb_id": opt_int(media.get("tvdbId")),
        "imdb_id": opt_str(media.get("imdbId")),
        f"{'movie' if service == 'radarr' else 'series'}_id": opt_int(media.get("id")),
        "poster": poster_url(media),
        "requested_by": _requester_from_tags(media.get("tags")),
    }
    if service == "sonarr":
        data["episodes"] = _episode_codes(body.get("episodes"))
    return data


def _arr_download_data(body: JsonDict) -> dict[str, PushValue]:
    """Return the release, quality and download details of a payload."""
    release = as_dict(body.get("release"))
    file = as_dict(body.get("movieFile") or body.get("episodeFile"))
    if not file and (files := dict_list(body.get("episodeFiles"))):
        file = files[0]
    messages = [
        message
        for status in dict_list(body.get("downloadStatusMessages"))
        for message in str_tuple(status.get("messages"))
    ]
    data: dict[str, PushValue] = {
        "download_id": opt_str(body.get("downloadId")),
        "download_client": opt_str(body.get("downloadClient")),
        "release": opt_str(release.get("releaseTitle"))
        or opt_str(file.get("sceneName")),
        "quality": opt_str(file.get("quality")) or opt_str(release.get("quality")),
        "size": opt_int(release.get("size")) or opt_int(file.get("size")),
    }
    if "isUpgrade" in body:
        data["is_upgrade"] = to_bool(body.get("isUpgrade"))
    if messages or body.get("downloadStatus"):
        data["message"] = "; ".join(messages) or opt_str(body.get("downloadStatus"))
    return {key: value for key, value in data.items() if value is not None}


def _first(mapping: JsonDict, *keys: str) -> Any:
    """Return the first present, non-empty value among keys."""
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return value
    return None


def parse_overseerr(payload: Any) -> PushNotification | None:
    """Parse an Overseerr/Jellyseerr/Seerr webhook (stock, core's or SmartPlex's template)."""
    body = _require_dict(payload)
    notification_type = body.get("notification_type")
    if not isinstance(notification_type, str) or not notification_type:
        raise PushPayloadError("notification_type is missing")
    instance = opt_str(body.get(INSTANCE_KEY))
    if notification_type not in OVERSEERR_EVENTS:
        return None
    category, event_type = OVERSEERR_EVENTS[notification_type]
    if category == CATEGORY_TEST:
        return PushNotification(category, event_type, {}, instance=instance)
    media = as_dict(body.get("media"))
    request = as_dict(body.get("request"))
    request_id = opt_int(_first(request, "request_id", "requestId", "id"))
    media_type = opt_str(media.get("media_type"))
    if media_type not in ("movie", "tv"):
        raise PushPayloadError(f"{notification_type} without a movie or tv media")
    data: dict[str, PushValue] = {
        "request_id": request_id,
        "media_type": media_type,
        "tmdb_id": opt_int(_first(media, "tmdbId", "tmdb_id")),
        "tvdb_id": opt_int(_first(media, "tvdbId", "tvdb_id")),
        "title": opt_str(body.get("subject")),
        # Overseerr fills requestedBy_username with the user's display name, as its
        # request list names the requester (requestedBy.displayName).
        "requested_by": opt_str(
            _first(
                request,
                "requestedBy_username",
                "requested_by_username",
                "requestedBy_displayName",
            )
        ),
        "requested_by_email": opt_str(
            _first(request, "requestedBy_email", "requested_by_email")
        ),
        "poster": opt_str(body.get("image")),
        "is_4k": _is_4k(media),
    }
    return PushNotification(
        category=category,
        event_type=event_type,
        data=data,
        instance=instance,
        refresh=_REQUEST_REFRESH,
        key=(event_type, request_id, data["tmdb_id"]),
    )


def _is_4k(media: JsonDict) -> bool:
    """Return whether the notification is about the 4K request of a title."""
    status4k = opt_str(_first(media, "status4k", "status_4k"))
    status = opt_str(media.get("status"))
    return status4k not in (None, "UNKNOWN") and status in (None, "UNKNOWN")


def parse_tautulli(payload: Any) -> PushNotification | None:
    """Parse a Tautulli webhook sent with SmartPlex's JSON template."""
    body = _require_dict(payload)
    action = body.get("action")
    if not isinstance(action, str) or not action:
        raise PushPayloadError("action is missing")
    instance = opt_str(body.get(INSTANCE_KEY))
    if action not in TAUTULLI_ACTIONS:
        return None
    category, event_type, refresh = TAUTULLI_ACTIONS[action]
    if category == CATEGORY_TEST:
        return PushNotification(category, event_type, {}, instance=instance)
    user = opt_str(_first(body, "username", "user"))
    if user is None:
        raise PushPayloadError(f"{action} without a user")
    media_type = opt_str(body.get("media_type"))
    data: dict[str, PushValue] = {
        "user": user,
        "user_id": opt_int(body.get("user_id")),
        "media_type": media_type,
        "title": opt_str(_first(body, "full_title", "title")),
        "year": opt_int(body.get("year")),
        "rating_key": opt_int(body.get("rating_key")),
        "tmdb_id": opt_int(body.get("tmdb_id")),
        "tvdb_id": opt_int(body.get("thetvdb_id")),
        "imdb_id": opt_str(body.get("imdb_id")),
        "session_key": opt_int(body.get("session_key")),
        "progress_percent": opt_int(body.get("progress_percent")),
        "player": opt_str(body.get("player")),
        "poster": opt_str(body.get("poster_url")),
    }
    return PushNotification(
        category=category,
        event_type=event_type,
        data=data,
        instance=instance,
        refresh=refresh,
        key=(
            event_type,
            data["session_key"],
            data["rating_key"],
            user,
            data["progress_percent"],
        ),
    )


def tautulli_template(instance: str) -> str:
    """Return the JSON body SmartPlex asks Tautulli's webhook agent to send."""
    fields = (
        "action",
        "user",
        "username",
        "user_id",
        "media_type",
        "title",
        "full_title",
        "year",
        "rating_key",
        "tmdb_id",
        "thetvdb_id",
        "imdb_id",
        "session_key",
        "progress_percent",
        "player",
        "poster_url",
    )
    body = ", ".join(f'"{name}": "{{{name}}}"' for name in fields)
    return f'{{"{INSTANCE_KEY}": "{instance}", {body}}}'


def overseerr_template(instance: str) -> str:
    """Return the JSON template SmartPlex gives Overseerr's webhook agent."""
    return (
        "{"
        f'"{INSTANCE_KEY}": "{instance}", '
        '"notification_type": "{{notification_type}}", '
        '"event": "{{event}}", "subject": "{{subject}}", "message": "{{message}}", '
        '"image": "{{image}}", '
        '"{{media}}": {"media_type": "{{media_type}}", "tmdbId": "{{media_tmdbid}}", '
        '"tvdbId": "{{media_tvdbid}}", "status": "{{media_status}}", '
        '"status4k": "{{media_status4k}}"}, '
        '"{{request}}": {"request_id": "{{request_id}}", '
        '"requestedBy_email": "{{requestedBy_email}}", '
        '"requestedBy_username": "{{requestedBy_username}}", '
        '"requestedBy_avatar": "{{requestedBy_avatar}}"}, '
        '"{{extra}}": []'
        "}"
    )


async def async_remove_registration(client: Any, record: Mapping[str, Any]) -> None:
    """Delete what SmartPlex registered in a service."""
    remote_id = record.get("remote_id")
    if remote_id is None:
        return
    if isinstance(client, SonarrClient | RadarrClient):
        await client.delete_notification(int(remote_id))
    elif isinstance(client, TautulliClient):
        await client.delete_notifier(int(remote_id))
    elif isinstance(client, OverseerrClient):
        settings = await client.webhook_settings()
        if settings.webhook_url == record.get("remote_url"):
            await client.set_webhook_settings(
                enabled=False,
                webhook_url="",
                types=settings.types,
                json_payload=settings.json_payload or "",
            )
