"""Overseerr API v1 client (also Jellyseerr and Seerr, which share the API); models in overseerr_models.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from .base import ApiClient, QueryValue, major_version
from .errors import (
    SmartPlexNotFoundError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
)
from .models import Page, ServerInfo
from .overseerr_models import (
    IssueCounts,
    OverseerrMedia,
    OverseerrRequest,
    OverseerrStatus,
    OverseerrTitle,
    OverseerrUser,
    RequestCounts,
    SearchResult,
    UserQuota,
    WatchData,
    WebhookSettings,
)
from .parse import JsonDict

SUPPORTED_MAJOR_VERSIONS = {1, 2, 3}
type RequestFilter = Literal[
    "all", "approved", "available", "pending", "processing", "unavailable", "failed"
]


class OverseerrClient(ApiClient):
    """Async client for the Overseerr/Jellyseerr/Seerr API v1."""

    service = "Overseerr"

    async def status(self) -> OverseerrStatus:
        """Return the unauthenticated /status."""
        return OverseerrStatus.from_dict(await self._get_dict("/api/v1/status"))

    async def validate(self) -> ServerInfo:
        """Check identity via /status, the key via /settings/main, and the version."""
        try:
            status = await self.status()
        except SmartPlexNotFoundError:
            raise SmartPlexWrongServiceError(
                self.service,
                "no Overseerr/Jellyseerr/Seerr API at this URL (check the base path)",
            ) from None
        if not status.version:
            raise SmartPlexWrongServiceError(
                self.service, "the URL does not answer like Overseerr/Jellyseerr/Seerr"
            )
        settings = await self._get_dict("/api/v1/settings/main")
        major = major_version(status.version)
        if major is not None and major not in SUPPORTED_MAJOR_VERSIONS:
            raise SmartPlexUnsupportedVersionError(
                self.service,
                f"version {status.version} is not supported (need 1.x to 3.x)",
                version=status.version,
            )
        return ServerInfo(
            service=self.service,
            name=self._flavour(settings, major),
            version=status.version,
            instance_id=None,
        )

    @staticmethod
    def _flavour(settings: JsonDict, major: int | None) -> str:
        """Name the fork: only Jellyseerr and Seerr have mediaServerType; Seerr starts at 3.x."""
        if "mediaServerType" not in settings:
            return "Overseerr"
        return "Seerr" if major is not None and major >= 3 else "Jellyseerr"

    async def requests(
        self,
        *,
        take: int = 20,
        skip: int = 0,
        request_filter: RequestFilter = "all",
        sort: Literal["added", "modified"] = "added",
        requested_by: int | None = None,
    ) -> Page[OverseerrRequest]:
        """Return one page of requests, filtered and sorted."""
        params: dict[str, QueryValue] = {
            "take": take,
            "skip": skip,
            "filter": request_filter,
            "sort": sort,
            "requestedBy": requested_by,
        }
        return Page.from_overseerr(
            await self._get_dict("/api/v1/request", params), OverseerrRequest.from_dict
        )

    async def request_counts(self) -> RequestCounts:
        """Return request totals by status."""
        return RequestCounts.from_dict(await self._get_dict("/api/v1/request/count"))

    async def issue_counts(self) -> IssueCounts:
        """Return issue totals by type and state."""
        return IssueCounts.from_dict(await self._get_dict("/api/v1/issue/count"))

    async def request(self, request_id: int) -> OverseerrRequest:
        """Return one request."""
        return OverseerrRequest.from_dict(
            await self._get_dict(f"/api/v1/request/{request_id}")
        )

    async def approve_request(self, request_id: int) -> OverseerrRequest:
        """Approve a pending request."""
        return await self._set_request_status(request_id, "approve")

    async def decline_request(self, request_id: int) -> OverseerrRequest:
        """Decline a pending request."""
        return await self._set_request_status(request_id, "decline")

    async def _set_request_status(
        self, request_id: int, status: str
    ) -> OverseerrRequest:
        """POST /request/{id}/{approve|decline}."""
        return OverseerrRequest.from_dict(
            await self._post_dict(f"/api/v1/request/{request_id}/{status}")
        )

    async def delete_request(self, request_id: int) -> None:
        """Delete a request."""
        await self._request("DELETE", f"/api/v1/request/{request_id}")

    async def create_request(
        self,
        media_type: Literal["movie", "tv"],
        tmdb_id: int,
        *,
        seasons: Iterable[int] | Literal["all"] | None = None,
        is_4k: bool = False,
        user_id: int | None = None,
    ) -> OverseerrRequest:
        """Request a movie or series (tv: `seasons` numbers or "all"; default all)."""
        body: dict[str, Any] = {
            "mediaType": media_type,
            "mediaId": tmdb_id,
            "is4k": is_4k,
        }
        if media_type == "tv":
            body["seasons"] = "all" if seasons in (None, "all") else list(seasons or ())
        if user_id is not None:
            body["userId"] = user_id
        return OverseerrRequest.from_dict(
            await self._post_dict("/api/v1/request", body)
        )

    async def users(self, *, take: int = 100, skip: int = 0) -> Page[OverseerrUser]:
        """Return one page of users."""
        return Page.from_overseerr(
            await self._get_dict("/api/v1/user", {"take": take, "skip": skip}),
            OverseerrUser.from_dict,
        )

    async def user_requests(
        self, user_id: int, *, take: int = 20, skip: int = 0
    ) -> Page[OverseerrRequest]:
        """Return one page of a user's requests."""
        return Page.from_overseerr(
            await self._get_dict(
                f"/api/v1/user/{user_id}/requests", {"take": take, "skip": skip}
            ),
            OverseerrRequest.from_dict,
        )

    async def user_watch_data(self, user_id: int) -> WatchData:
        """Return a user's play count and recently watched media."""
        return WatchData.from_dict(
            await self._get_dict(f"/api/v1/user/{user_id}/watch_data")
        )

    async def user_quota(self, user_id: int) -> UserQuota:
        """Return a user's movie and series request quotas, as Overseerr counts them."""
        return UserQuota.from_dict(
            await self._get_dict(f"/api/v1/user/{user_id}/quota")
        )

    async def media(
        self,
        *,
        take: int = 20,
        skip: int = 0,
        media_filter: str = "all",
        sort: Literal["added", "modified", "mediaAdded"] = "added",
    ) -> Page[OverseerrMedia]:
        """Return one page of known media."""
        params: dict[str, QueryValue] = {
            "take": take,
            "skip": skip,
            "filter": media_filter,
            "sort": sort,
        }
        return Page.from_overseerr(
            await self._get_dict("/api/v1/media", params), OverseerrMedia.from_dict
        )

    async def title(
        self, media_type: Literal["movie", "tv"], tmdb_id: int
    ) -> OverseerrTitle:
        """Return a movie's or series' details (/movie/{id} or /tv/{id})."""
        return OverseerrTitle.from_dict(
            await self._get_dict(f"/api/v1/{media_type}/{tmdb_id}")
        )

    async def search(self, query: str, *, page: int = 1) -> Page[SearchResult]:
        """Search movies, series and people."""
        return Page.from_search(
            await self._get_dict("/api/v1/search", {"query": query, "page": page}),
            SearchResult.from_dict,
        )

    async def webhook_settings(self) -> WebhookSettings:
        """Return the webhook agent settings."""
        return WebhookSettings.from_dict(
            await self._get_dict("/api/v1/settings/notifications/webhook")
        )

    async def set_webhook_settings(
        self,
        *,
        enabled: bool,
        webhook_url: str,
        types: int,
        json_payload: str,
        authorization_header: str | None = None,
    ) -> WebhookSettings:
        """Configure the webhook agent (json_payload as Overseerr stores it)."""
        return WebhookSettings.from_dict(
            await self._post_dict(
                "/api/v1/settings/notifications/webhook",
                _webhook_settings_body(
                    enabled, webhook_url, types, json_payload, authorization_header
                ),
            )
        )

    async def test_webhook_settings(
        self, *, webhook_url: str, types: int, json_payload: str
    ) -> None:
        """Send a test notification with these settings (the stored ones stay)."""
        await self._request(
            "POST",
            "/api/v1/settings/notifications/webhook/test",
            json_body=_webhook_settings_body(
                True, webhook_url, types, json_payload, None
            ),
        )


def _webhook_settings_body(
    enabled: bool,
    webhook_url: str,
    types: int,
    json_payload: str,
    authorization_header: str | None,
) -> dict[str, Any]:
    """Return a WebhookSettings body."""
    options: dict[str, Any] = {"webhookUrl": webhook_url, "jsonPayload": json_payload}
    if authorization_header is not None:
        options["authHeader"] = authorization_header
    return {"enabled": enabled, "types": types, "options": options}
