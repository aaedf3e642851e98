"""Posters through Home Assistant: signed URLs, fetched with the service's key, cached.

The browser only ever sees /api/smartplex/poster/<signature>/<media type>/<TMDB id>:
the key stays in Home Assistant, and the signature (an HMAC with a secret made at
start) means only titles SmartPlex listed can be fetched, so the view needs no login
and works as an entity picture.
"""

from __future__ import annotations

from collections import OrderedDict
import hashlib
import hmac
import secrets
import time

from aiohttp import ClientError, ClientTimeout, web
from homeassistant.components.http import HomeAssistantView
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .api import RadarrClient, SmartPlexError, SonarrClient
from .api.base import IMAGE_TYPES, MAX_IMAGE_BYTES
from .arr_coordinator import ArrCoordinators
from .const import DOMAIN, SERVICE_RADARR, SERVICE_SONARR
from .models import SmartPlexConfigEntry

POSTER_URL = f"/api/{DOMAIN}/poster/{{signature}}/{{media_type}}/{{tmdb_id}}"
ARR_OF_MEDIA = {"movie": SERVICE_RADARR, "tv": SERVICE_SONARR}
# 200 posters of ~30 KB: a few megabytes, enough for every list on a dashboard.
MAX_CACHED = 200
# Posters rarely change; an hour bounds how long a replaced one takes to show.
CACHE_SECONDS = 3600.0
DATA_POSTERS: HassKey[PosterCache] = HassKey(f"{DOMAIN}_posters")
# A poster from TMDB's image server (titles no library has yet): a short wait at most.
REMOTE_TIMEOUT = ClientTimeout(total=10)
EMPTY_POSTER = b'<svg xmlns="http://www.w3.org/2000/svg" width="2" height="3"/>'


class PosterCache:
    """Signs poster URLs and keeps the latest posters in memory."""

    def __init__(self) -> None:
        """Make a new signing secret; URLs from an earlier start stop working."""
        self._secret = secrets.token_bytes(32)
        self._images: OrderedDict[tuple[str, int], tuple[float, bytes, str]] = (
            OrderedDict()
        )
        # Where the poster of a title no library has is (TMDB's image server).
        self._sources: OrderedDict[tuple[str, int], str] = OrderedDict()

    def signature(self, media_type: str, tmdb_id: int) -> str:
        """Return the signature of one title's poster URL."""
        message = f"{media_type}/{tmdb_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def url(self, media_type: str, tmdb_id: int) -> str:
        """Return the poster URL of a title."""
        return POSTER_URL.format(
            signature=self.signature(media_type, tmdb_id),
            media_type=media_type,
            tmdb_id=tmdb_id,
        )

    def remote_url(self, media_type: str, tmdb_id: int, source: str) -> str:
        """Return the poster URL of a title whose poster is at source (not in a library)."""
        self._sources[(media_type, tmdb_id)] = source
        self._sources.move_to_end((media_type, tmdb_id))
        while len(self._sources) > MAX_CACHED:
            self._sources.popitem(last=False)
        return self.url(media_type, tmdb_id)

    def source(self, key: tuple[str, int]) -> str | None:
        """Return where the poster of a title no library has is, if known."""
        return self._sources.get(key)

    def get(self, key: tuple[str, int]) -> tuple[bytes, str] | None:
        """Return a cached poster that has not expired."""
        if (found := self._images.get(key)) is None:
            return None
        expires, body, content_type = found
        if expires <= time.monotonic():
            del self._images[key]
            return None
        self._images.move_to_end(key)
        return body, content_type

    def put(self, key: tuple[str, int], body: bytes, content_type: str) -> None:
        """Cache a poster, dropping the least recently used one when full."""
        self._images[key] = (time.monotonic() + CACHE_SECONDS, body, content_type)
        self._images.move_to_end(key)
        while len(self._images) > MAX_CACHED:
            self._images.popitem(last=False)


@callback
def poster_cache(hass: HomeAssistant) -> PosterCache:
    """Return the poster cache, made on first use."""
    if (cache := hass.data.get(DATA_POSTERS)) is None:
        cache = hass.data[DATA_POSTERS] = PosterCache()
    return cache


async def async_fetch_poster(
    entry: SmartPlexConfigEntry, media_type: str, tmdb_id: int
) -> tuple[bytes, str] | None:
    """Return the poster of a title from the first Sonarr or Radarr that has it."""
    for service in entry.runtime_data.services.values():
        if service.service_type != ARR_OF_MEDIA.get(media_type):
            continue
        client = service.client
        coordinators = service.coordinators
        assert isinstance(client, RadarrClient | SonarrClient)
        assert isinstance(coordinators, ArrCoordinators)
        if (item := coordinators.library.index.by_tmdb(tmdb_id)) is None:
            continue
        try:
            return await client.poster(item.id)
        except SmartPlexError:
            continue
    return None


async def async_fetch_remote_poster(
    hass: HomeAssistant, url: str
) -> tuple[bytes, str] | None:
    """Return a poster from TMDB's image server (public, no key), or None."""
    try:
        async with async_get_clientsession(hass).get(
            url, timeout=REMOTE_TIMEOUT
        ) as response:
            content_type = response.content_type
            body = await response.content.read(MAX_IMAGE_BYTES + 1)
            if (
                response.status != 200
                or content_type not in IMAGE_TYPES
                or len(body) > MAX_IMAGE_BYTES
            ):
                return None
            return body, content_type
    except (ClientError, TimeoutError):
        return None


class PosterView(HomeAssistantView):
    """Serve a title's poster to the browser without exposing any key."""

    url = POSTER_URL
    name = f"api:{DOMAIN}:poster"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Keep Home Assistant to find the loaded hub."""
        self.hass = hass

    async def get(
        self, request: web.Request, signature: str, media_type: str, tmdb_id: str
    ) -> web.StreamResponse:
        """Return the poster, or 404 for an unsigned URL or a title without one."""
        if media_type not in ARR_OF_MEDIA or not tmdb_id.isdecimal():
            raise web.HTTPNotFound
        cache = poster_cache(self.hass)
        key = (media_type, int(tmdb_id))
        if not hmac.compare_digest(signature, cache.signature(*key)):
            raise web.HTTPNotFound
        found = cache.get(key)
        if found is None:
            entries = self.hass.config_entries.async_loaded_entries(DOMAIN)
            if entries:
                found = await async_fetch_poster(entries[0], *key)
            if found is None and (source := cache.source(key)) is not None:
                found = await async_fetch_remote_poster(self.hass, source)
            if found is None:
                # Signed, so listed by SmartPlex: an empty poster, not an error in the
                # browser's console, and asked for again soon.
                return web.Response(
                    body=EMPTY_POSTER,
                    content_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=60"},
                )
            cache.put(key, *found)
        body, content_type = found
        return web.Response(
            body=body,
            content_type=content_type,
            headers={"Cache-Control": f"private, max-age={int(CACHE_SECONDS)}"},
        )
