"""Models of the Sonarr/Radarr (API v3) resources both services share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .parse import (
    JsonDict,
    as_dict,
    dict_list,
    int_tuple,
    opt_datetime,
    opt_int,
    opt_str,
    to_bool,
    to_float,
    to_int,
    to_str,
)


def poster_url(data: JsonDict) -> str | None:
    """Return the remote poster URL of an item's images, if any."""
    for image in dict_list(data.get("images")):
        if image.get("coverType") == "poster":
            return opt_str(image.get("remoteUrl")) or opt_str(image.get("url"))
    return None


def quality_name(data: JsonDict) -> str | None:
    """Return the quality name from a {quality: {quality: {name}}} structure."""
    return opt_str(as_dict(as_dict(data.get("quality")).get("quality")).get("name"))


@dataclass(frozen=True, slots=True)
class SystemStatus:
    """Sonarr/Radarr /system/status."""

    app_name: str
    instance_name: str | None
    version: str
    branch: str | None
    url_base: str | None
    is_docker: bool
    start_time: datetime | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> SystemStatus:
        """Build from the API object."""
        return cls(
            app_name=to_str(data.get("appName")),
            instance_name=opt_str(data.get("instanceName")),
            version=to_str(data.get("version")),
            branch=opt_str(data.get("branch")),
            url_base=opt_str(data.get("urlBase")),
            is_docker=to_bool(data.get("isDocker")),
            start_time=opt_datetime(data.get("startTime")),
        )


@dataclass(frozen=True, slots=True)
class DiskSpace:
    """Free and total space of one mount."""

    path: str
    label: str | None
    free_space: int
    total_space: int

    @classmethod
    def from_dict(cls, data: JsonDict) -> DiskSpace:
        """Build from the API object."""
        return cls(
            path=to_str(data.get("path")),
            label=opt_str(data.get("label")),
            free_space=to_int(data.get("freeSpace")),
            total_space=to_int(data.get("totalSpace")),
        )


@dataclass(frozen=True, slots=True)
class RootFolder:
    """A library root folder with its free space."""

    id: int
    path: str
    accessible: bool
    free_space: int | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> RootFolder:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            path=to_str(data.get("path")),
            accessible=to_bool(data.get("accessible", True)),
            free_space=opt_int(data.get("freeSpace")),
        )


@dataclass(frozen=True, slots=True)
class QualityProfile:
    """A quality profile (cutoff is the id of the target quality or group)."""

    id: int
    name: str
    upgrade_allowed: bool
    cutoff: int | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> QualityProfile:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            name=to_str(data.get("name")),
            upgrade_allowed=to_bool(data.get("upgradeAllowed")),
            cutoff=opt_int(data.get("cutoff")),
        )


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag."""

    id: int
    label: str

    @classmethod
    def from_dict(cls, data: JsonDict) -> Tag:
        """Build from the API object."""
        return cls(id=to_int(data.get("id")), label=to_str(data.get("label")))


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """One health problem reported by the service."""

    source: str
    type: str
    message: str
    wiki_url: str | None

    @classmethod
    def from_dict(cls, data: JsonDict) -> HealthCheck:
        """Build from the API object."""
        return cls(
            source=to_str(data.get("source")),
            type=to_str(data.get("type")),
            message=to_str(data.get("message")),
            wiki_url=opt_str(data.get("wikiUrl")),
        )


@dataclass(frozen=True, slots=True)
class Command:
    """A queued, running or finished command (search, refresh, ...)."""

    id: int
    name: str
    status: str
    result: str | None
    message: str | None
    queued: datetime | None
    started: datetime | None
    ended: datetime | None

    @property
    def is_finished(self) -> bool:
        """Return True once the command completed, failed or was aborted."""
        return self.status in {
            "completed",
            "failed",
            "aborted",
            "cancelled",
            "orphaned",
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> Command:
        """Build from the API object."""
        return cls(
            id=to_int(data.get("id")),
            name=to_str(data.get("name")),
            status=to_str(data.get("status")),
            result=opt_str(data.get("result")),
            message=opt_str(data.get("message")),
            queued=opt_datetime(data.get("queued")),
            started=opt_datetime(data.get("started")),
            ended=opt_datetime(data.get("ended")),
        )


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification connection; for webhooks `url` is the target."""

    id: int
    name: str
    implementation: str
    url: str | None
    events: frozenset[str]
    tags: tuple[int, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> Notification:
        """Build from the API object; events are the enabled on* flags."""
        fields = {
            to_str(field.get("name")): field.get("value")
            for field in dict_list(data.get("fields"))
        }
        return cls(
            id=to_int(data.get("id")),
            name=to_str(data.get("name")),
            implementation=to_str(data.get("implementation")),
            url=opt_str(fields.get("url")),
            events=frozenset(
                key
                for key, value in data.items()
                if key.startswith("on") and value is True
            ),
            tags=int_tuple(data.get("tags")),
        )


@dataclass(frozen=True, slots=True)
class QueueItem:
    """Fields common to Sonarr and Radarr queue records."""

    id: int
    title: str
    status: str
    tracked_download_status: str | None
    tracked_download_state: str | None
    size: float
    size_left: float
    time_left: str | None
    estimated_completion_time: datetime | None
    download_client: str | None
    indexer: str | None
    protocol: str | None
    quality: str | None
    error_message: str | None
    # Shared by every record of one download: a season pack has a record per episode.
    download_id: str | None

    @property
    def progress(self) -> float:
        """Return the downloaded fraction in percent."""
        if self.size <= 0:
            return 0.0
        return round(100 * (self.size - self.size_left) / self.size, 1)

    @staticmethod
    def common_fields(data: JsonDict) -> dict[str, Any]:
        """Return constructor arguments for the shared fields."""
        return {
            "id": to_int(data.get("id")),
            "title": to_str(data.get("title")),
            "status": to_str(data.get("status")),
            "tracked_download_status": opt_str(data.get("trackedDownloadStatus")),
            "tracked_download_state": opt_str(data.get("trackedDownloadState")),
            "size": to_float(data.get("size")),
            "size_left": to_float(data.get("sizeleft")),
            "time_left": opt_str(data.get("timeleft")),
            "estimated_completion_time": opt_datetime(
                data.get("estimatedCompletionTime")
            ),
            "download_client": opt_str(data.get("downloadClient")),
            "indexer": opt_str(data.get("indexer")),
            "protocol": opt_str(data.get("protocol")),
            "quality": quality_name(data),
            "error_message": opt_str(data.get("errorMessage")),
            "download_id": opt_str(data.get("downloadId")),
        }


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One entry of the history: a grab, import, file deletion, rename or failure."""

    id: int
    event_type: str
    date: datetime | None
    media_id: int
    download_id: str | None

    @classmethod
    def from_dict(cls, data: JsonDict, media_key: str) -> HistoryEvent:
        """Build from the API object; media_key is movieId or seriesId."""
        return cls(
            id=to_int(data.get("id")),
            event_type=to_str(data.get("eventType")),
            date=opt_datetime(data.get("date")),
            media_id=to_int(data.get(media_key)),
            download_id=opt_str(data.get("downloadId")),
        )
