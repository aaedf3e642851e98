"""HTTP plumbing shared by every client: URLs, auth, timeouts, concurrency, 429 and error mapping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import gc
import logging
import threading
from typing import Any, ClassVar

import aiohttp
import msgspec
import orjson
from yarl import URL

from .errors import (
    SmartPlexAuthError,
    SmartPlexCertificateError,
    SmartPlexConnectionError,
    SmartPlexError,
    SmartPlexInvalidResponseError,
    SmartPlexNotFoundError,
    SmartPlexRateLimitError,
    SmartPlexRequestError,
    SmartPlexTimeoutError,
)
from .models import ServerInfo
from .parse import JsonDict, object_list

_LOGGER = logging.getLogger(__name__)

MAX_CONCURRENT_REQUESTS = 4
# A whole library (tens of thousands of titles, tens of MB) takes a busy Radarr or Sonarr on a
# NAS well over the usual timeout to serialize; such listings get this long instead.
BULK_TIMEOUT = 120.0
MAX_RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER = 30.0
DEFAULT_RETRY_AFTER = 1.0
MAX_MESSAGE_LENGTH = 200
# Posters are tens of kilobytes; anything far larger is not a poster.
MAX_IMAGE_BYTES = 5_000_000
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")

type QueryValue = str | int | float | bool | list[int] | list[str] | None


def parse_retry_after(value: str | None) -> float | None:
    """Return the wait in seconds from a Retry-After header (seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def encode_query(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    """Encode query parameters: drop None, lowercase booleans, repeat list values."""
    encoded: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded.append((key, "true" if value else "false"))
        elif isinstance(value, list):
            encoded.extend((key, str(item)) for item in value)
        else:
            encoded.append((key, str(value)))
    return encoded


_gc_pauses = 0
_gc_pauses_lock = threading.Lock()
_gc_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector back while a large reply is decoded and parsed.

    Decoding a whole library builds millions of containers, and every few hundred new
    ones start a collection that walks the objects built so far: a fifth of the time
    went there, finding nothing (nothing is garbage until the parse is done). Pauses
    from several threads nest; the collector runs again once the last one ends, unless
    something else had disabled it.
    """
    global _gc_pauses, _gc_resume  # noqa: PLW0603
    with _gc_pauses_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_pauses_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


async def off_the_loop[ResultT](work: Callable[[], ResultT]) -> ResultT:
    """Run a large reply's decoding and parsing in the executor, the collector held back.

    Decoded on the loop, a whole library (tens of megabytes) stalls it for seconds.
    """

    def paused() -> ResultT:
        with gc_paused():
            return work()

    return await asyncio.get_running_loop().run_in_executor(None, paused)


class ApiClient:
    """Base for one upstream service: sends requests and maps failures to SmartPlexError."""

    service: ClassVar[str]

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        *,
        verify_ssl: bool = True,
        timeout: float = 10.0,
    ) -> None:
        """Store the injected session, base URL (with any base path) and credentials."""
        self._session = session
        self._base_url = url.strip().rstrip("/")
        self._api_key = api_key.strip()
        self._verify_ssl = verify_ssl
        self._timeout = timeout
        self._semaphore = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    @property
    def base_url(self) -> str:
        """Return the base URL requests are built on."""
        return self._base_url

    async def validate(self) -> ServerInfo:
        """Check identity, credentials and API version; return the server identity."""
        raise NotImplementedError

    def _auth_headers(self) -> dict[str, str]:
        """Return the headers that authenticate a request."""
        return {"X-Api-Key": self._api_key}

    def _auth_query(self) -> list[tuple[str, str]]:
        """Return query parameters that authenticate a request (only where headers are impossible)."""
        return []

    def _url(self, path: str) -> URL:
        """Join the base URL and an API path, refusing anything but http(s) URLs."""
        url = URL(self._base_url + path)
        if url.scheme not in {"http", "https"} or not url.host:
            raise SmartPlexConnectionError(
                self.service,
                "the URL must start with http:// or https:// and name a host",
            )
        return url

    def _clean(self, text: str) -> str:
        """Shorten an upstream message and make sure it cannot leak the API key."""
        if self._api_key:
            text = text.replace(self._api_key, "***")
        text = " ".join(text.split())
        if len(text) > MAX_MESSAGE_LENGTH:
            return text[: MAX_MESSAGE_LENGTH - 1] + "…"
        return text

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send one API request, retrying short 429 waits, and return the decoded JSON (None if empty)."""
        status, headers, body = await self._exchange(method, path, params, json_body)
        return self._decode(status, headers, body)

    async def _get_list_parsed[ParsedT](
        self,
        path: str,
        parse: Callable[[list[Any]], ParsedT],
        params: Mapping[str, QueryValue] | None = None,
        decoder: msgspec.json.Decoder[list[Any]] | None = None,
    ) -> ParsedT:
        """GET a JSON array, then decode and parse it in the executor, off the event loop.

        With a decoder (only the fields a listing needs), parse gets what it decodes, or
        the plain objects when the body does not fit it.
        """
        status, headers, body = await self._exchange(
            "GET", path, params, None, bulk=True
        )

        def decode_and_parse() -> ParsedT:
            if decoder is not None and status < 400:
                try:
                    return parse(decoder.decode(body))
                except msgspec.DecodeError:
                    # One object, a page, an error or login page: the tolerant path.
                    pass
            return parse(self._expect_list(self._decode(status, headers, body), path))

        return await off_the_loop(decode_and_parse)

    async def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, QueryValue] | None,
        json_body: Any,
        *,
        bulk: bool = False,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Send one API request, retrying short 429 waits; return status, headers and body.

        A bulk listing (a whole library) waits up to BULK_TIMEOUT, anything else the client's
        timeout.
        """
        seconds = max(self._timeout, BULK_TIMEOUT) if bulk else self._timeout
        url = self._url(path)
        query = encode_query(params or {}) + self._auth_query()
        attempt = 0
        while True:
            status, headers, body = await self._send(
                method, url, query, json_body, seconds
            )
            _LOGGER.debug("%s %s %s -> HTTP %s", self.service, method, path, status)
            if status != 429:
                return status, headers, body
            announced = parse_retry_after(headers.get("Retry-After"))
            wait = DEFAULT_RETRY_AFTER if announced is None else announced
            if attempt >= MAX_RATE_LIMIT_RETRIES or wait > MAX_RETRY_AFTER:
                raise SmartPlexRateLimitError(
                    self.service,
                    "rate limited (HTTP 429)"
                    + (
                        f", retry after {announced:g} s"
                        if announced is not None
                        else ""
                    ),
                    retry_after=announced,
                )
            attempt += 1
            _LOGGER.debug("%s rate limited, retrying in %.1f s", self.service, wait)
            await asyncio.sleep(wait)

    async def _send(
        self,
        method: str,
        url: URL,
        query: list[tuple[str, str]],
        json_body: Any,
        seconds: float,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Perform the HTTP exchange under the concurrency bound and timeout."""
        headers = {"Accept": "application/json", **self._auth_headers()}
        async with self._semaphore:
            try:
                async with asyncio.timeout(seconds):
                    async with self._session.request(
                        method,
                        url,
                        params=query,
                        json=json_body,
                        headers=headers,
                        ssl=self._verify_ssl,
                        allow_redirects=True,
                    ) as response:
                        return response.status, response.headers, await response.read()
            except TimeoutError as err:
                raise SmartPlexTimeoutError(
                    self.service, f"no reply within {seconds:g} s"
                ) from err
            except aiohttp.ClientSSLError as err:
                raise SmartPlexCertificateError(
                    self.service,
                    "TLS handshake or certificate verification failed "
                    "(self-signed certificate? disable verification or use http)",
                ) from err
            except (aiohttp.ClientError, OSError) as err:
                raise SmartPlexConnectionError(
                    self.service, f"cannot connect ({type(err).__name__})"
                ) from err

    def _decode(self, status: int, headers: Mapping[str, str], body: bytes) -> Any:
        """Turn an HTTP reply into JSON, raising the matching SmartPlexError."""
        if status >= 400:
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                payload = None
            raise self._status_error(status, payload)
        if not body.strip():
            return None
        content_type = headers.get("Content-Type", "").lower()
        if "html" in content_type or body.lstrip()[:1] == b"<":
            raise SmartPlexInvalidResponseError(
                self.service,
                "answered with an HTML page instead of JSON "
                "(a reverse-proxy login page or a wrong URL/base path?)",
            )
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise SmartPlexInvalidResponseError(
                self.service, "answered with malformed JSON"
            ) from err

    def _status_error(self, status: int, payload: Any) -> SmartPlexError:
        """Map an HTTP error status (and any JSON error body) to a SmartPlexError."""
        detail = self._upstream_message(payload)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            return SmartPlexAuthError(
                self.service, f"the API key was rejected (HTTP {status}){suffix}"
            )
        if status == 404:
            return SmartPlexNotFoundError(self.service, f"not found (HTTP 404){suffix}")
        if status >= 500:
            return SmartPlexConnectionError(
                self.service, f"server error (HTTP {status}){suffix}"
            )
        return SmartPlexRequestError(
            self.service, f"request rejected (HTTP {status}){suffix}"
        )

    def _upstream_message(self, payload: Any) -> str:
        """Extract a human message from a JSON error body in any of the upstream shapes."""
        if isinstance(payload, list):
            messages = [
                str(item.get("errorMessage"))
                for item in payload
                if isinstance(item, dict) and item.get("errorMessage")
            ]
            return self._clean("; ".join(messages))
        if isinstance(payload, dict):
            for key in ("message", "status_message", "error", "errorMessage"):
                if isinstance(payload.get(key), str) and payload[key]:
                    return self._clean(payload[key])
        return ""

    def _expect_dict(self, payload: Any, what: str) -> JsonDict:
        """Return payload if it is a JSON object, else raise an invalid-response error."""
        if not isinstance(payload, dict):
            raise SmartPlexInvalidResponseError(
                self.service, f"unexpected reply for {what} (expected an object)"
            )
        return payload

    def _expect_list(self, payload: Any, what: str) -> list[JsonDict]:
        """Return the objects of a JSON array (or single object), else raise an invalid-response error."""
        items = object_list(payload)
        if items is None:
            raise SmartPlexInvalidResponseError(
                self.service, f"unexpected reply for {what} (expected a list)"
            )
        return items

    async def _get_image(
        self, path: str, params: Mapping[str, QueryValue] | None = None
    ) -> tuple[bytes, str]:
        """GET an image; return its bytes and content type."""
        status, headers, body = await self._exchange("GET", path, params, None)
        if status >= 400:
            raise self._status_error(status, None)
        content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in IMAGE_TYPES or len(body) > MAX_IMAGE_BYTES:
            raise SmartPlexInvalidResponseError(
                self.service, f"unexpected reply for {path} (expected an image)"
            )
        return body, content_type

    async def _get_dict(
        self, path: str, params: Mapping[str, QueryValue] | None = None
    ) -> JsonDict:
        """GET a JSON object."""
        return self._expect_dict(await self._request("GET", path, params=params), path)

    async def _get_list(
        self, path: str, params: Mapping[str, QueryValue] | None = None
    ) -> list[JsonDict]:
        """GET a JSON array of objects."""
        return self._expect_list(await self._request("GET", path, params=params), path)

    async def _post_dict(self, path: str, body: Any = None) -> JsonDict:
        """POST a JSON body (if any) and return the JSON object the service answers with."""
        return self._expect_dict(
            await self._request("POST", path, json_body=body), f"POST {path}"
        )


def major_version(version: str) -> int | None:
    """Return the leading integer of a version string such as "v2.13.4" or "4.0.1.929"."""
    digits = ""
    for char in version.lstrip("vV"):
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None
