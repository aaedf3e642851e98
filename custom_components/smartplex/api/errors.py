"""Error taxonomy shared by every SmartPlex API client."""

from __future__ import annotations


class SmartPlexError(Exception):
    """Base error: names the upstream service, never contains credentials."""

    def __init__(self, service: str, message: str) -> None:
        """Store the service name and build a message that starts with it."""
        super().__init__(f"{service}: {message}")
        self.service = service


class SmartPlexConnectionError(SmartPlexError):
    """The service could not be reached or answered with a server error."""


class SmartPlexTimeoutError(SmartPlexConnectionError):
    """The service did not answer within the timeout."""


class SmartPlexCertificateError(SmartPlexConnectionError):
    """TLS certificate verification failed."""


class SmartPlexAuthError(SmartPlexError):
    """The API key was rejected (HTTP 401/403 or an invalid-key reply)."""


class SmartPlexApiDisabledError(SmartPlexError):
    """The service's API is switched off in its own settings (Tautulli "API not enabled")."""


class SmartPlexRateLimitError(SmartPlexError):
    """The service keeps answering 429 Too Many Requests."""

    def __init__(
        self, service: str, message: str, *, retry_after: float | None = None
    ) -> None:
        """Store how long the service asked us to wait, if it said so."""
        super().__init__(service, message)
        self.retry_after = retry_after


class SmartPlexNotFoundError(SmartPlexError):
    """The requested resource does not exist (HTTP 404)."""


class SmartPlexRequestError(SmartPlexError):
    """The service rejected the request itself (HTTP 400/409/422, validation failure)."""


class SmartPlexInvalidResponseError(SmartPlexError):
    """The reply was not usable: malformed JSON, an HTML page or an unexpected shape."""


class SmartPlexWrongServiceError(SmartPlexInvalidResponseError):
    """The URL answers, but it is not this service or the base path is wrong."""


class SmartPlexUnsupportedVersionError(SmartPlexError):
    """The service runs an API version SmartPlex does not support."""

    def __init__(self, service: str, message: str, *, version: str) -> None:
        """Store the version the service reported."""
        super().__init__(service, message)
        self.version = version
