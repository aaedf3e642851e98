"""Tautulli API v2 play history models and the external ids of Plex items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .parse import (
    JsonDict,
    dict_list,
    opt_datetime,
    opt_float,
    opt_int,
    opt_str,
    to_int,
    to_str,
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One play from get_history (times in UTC, durations in seconds)."""

    row_id: int
    reference_id: int | None
    date: datetime | None
    started: datetime | None
    stopped: datetime | None
    play_duration: int
    paused_counter: int
    user: str
    user_id: int | None
    friendly_name: str | None
    title: str
    full_title: str
    grandparent_title: str | None
    media_type: str
    rating_key: int | None
    parent_rating_key: int | None
    grandparent_rating_key: int | None
    media_index: int | None
    parent_media_index: int | None
    year: int | None
    percent_complete: int
    watched_status: float
    transcode_decision: str | None
    platform: str | None
    player: str | None
    ip_address: str | None
    location: str | None
    guid: str | None
    product: str | None = None

    @classmethod
    def from_dict(cls, data: JsonDict) -> HistoryRow:
        """Build from the API object."""
        # Positional, in field order: a first sync builds 200,000 of them.
        get = data.get
        return cls(
            to_int(get("row_id", get("id"))),
            opt_int(get("reference_id")),
            opt_datetime(get("date")),
            opt_datetime(get("started")),
            opt_datetime(get("stopped")),
            to_int(get("play_duration", get("duration"))),
            to_int(get("paused_counter")),
            to_str(get("user")),
            opt_int(get("user_id")),
            opt_str(get("friendly_name")),
            to_str(get("title")),
            to_str(get("full_title") or get("title")),
            opt_str(get("grandparent_title")),
            to_str(get("media_type")),
            opt_int(get("rating_key")),
            opt_int(get("parent_rating_key")),
            opt_int(get("grandparent_rating_key")),
            opt_int(get("media_index")),
            opt_int(get("parent_media_index")),
            opt_int(get("year")),
            to_int(get("percent_complete")),
            opt_float(get("watched_status")) or 0.0,
            opt_str(get("transcode_decision")),
            opt_str(get("platform")),
            opt_str(get("player")),
            opt_str(get("ip_address")),
            opt_str(get("location")),
            opt_str(get("guid")),
            opt_str(get("product")),
        )


def external_ids(guids: Iterable[str]) -> tuple[int | None, int | None, str | None]:
    """Return (TMDB, TVDB, IMDb) ids from Plex guids such as `tmdb://1399`.

    Understands the new agents' guids and the legacy agents' ones
    (`com.plexapp.agents.thetvdb://121361/6/1?lang=en`).
    """
    tmdb_id = tvdb_id = None
    imdb_id = None
    for guid in guids:
        scheme, _, rest = guid.partition("://")
        value = rest.split("/", 1)[0].split("?", 1)[0]
        scheme = scheme.rpartition(".")[2]
        if scheme in ("tmdb", "themoviedb") and value.isdigit():
            tmdb_id = int(value)
        elif scheme in ("tvdb", "thetvdb") and value.isdigit():
            tvdb_id = int(value)
        elif scheme == "imdb" and value.startswith("tt"):
            imdb_id = value
    return tmdb_id, tvdb_id, imdb_id


@dataclass(frozen=True, slots=True)
class ItemIds:
    """The title a Plex item belongs to (an episode's: its series) and its external ids."""

    media_type: str
    title: str
    year: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None

    @classmethod
    def from_metadata(cls, data: JsonDict) -> ItemIds:
        """Build from get_metadata, taking a season's or episode's series ids."""
        media_type = to_str(data.get("media_type"))
        if media_type in ("episode", "season"):
            guids = data.get("grandparent_guids")
            title = to_str(data.get("grandparent_title"))
            year = opt_int(data.get("grandparent_year"))
        else:
            guids = data.get("guids")
            title = to_str(data.get("title"))
            year = opt_int(data.get("year"))
        tmdb_id, tvdb_id, imdb_id = external_ids(
            guid for guid in guids or () if isinstance(guid, str)
        )
        return cls(
            media_type="movie" if media_type == "movie" else "tv",
            title=title,
            year=year or None,
            tmdb_id=tmdb_id,
            tvdb_id=tvdb_id,
            imdb_id=imdb_id,
        )


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A DataTables-style slice of history."""

    records_total: int
    records_filtered: int
    rows: tuple[HistoryRow, ...]

    @classmethod
    def from_dict(cls, data: JsonDict) -> HistoryPage:
        """Build from the API object."""
        return cls(
            records_total=to_int(data.get("recordsTotal")),
            records_filtered=to_int(data.get("recordsFiltered")),
            rows=tuple(
                HistoryRow.from_dict(item) for item in dict_list(data.get("data"))
            ),
        )


@dataclass(frozen=True, slots=True)
class StreamData:
    """get_stream_data of a history row: how the play was streamed."""

    video_decision: str | None
    audio_decision: str | None
    source_resolution: str | None
    stream_resolution: str | None
    bandwidth: int | None  # kbit/s

    @classmethod
    def from_dict(cls, data: JsonDict) -> StreamData:
        """Build from the API object (the stream's decisions, else the file's)."""
        return cls(
            video_decision=opt_str(
                data.get("stream_video_decision") or data.get("video_decision")
            ),
            audio_decision=opt_str(
                data.get("stream_audio_decision") or data.get("audio_decision")
            ),
            source_resolution=opt_str(data.get("video_resolution")),
            stream_resolution=opt_str(data.get("stream_video_resolution")),
            bandwidth=opt_int(data.get("stream_bitrate")) or None,
        )
