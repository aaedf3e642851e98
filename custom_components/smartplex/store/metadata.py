"""TMDB metadata cached in the database: title details and each title's related titles.

Recommendations, triage and cleanup need genres, keywords, people, votes and release
dates of many titles, and TMDB's recommendations and similar lists of the seeds; asking
TMDB for them on every call would cost a request per row. Each row keeps the time it was
fetched and is used while younger than the caller's time to live. These functions run in
the executor on the store's connection (SmartPlexStore.run / transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
import json
import sqlite3
from typing import Any, Literal

from custom_components.smartplex.engine.models import Identity, TitleInfo

# Details of released titles barely change; a week bounds how stale votes get.
DETAILS_TTL_SECONDS = 7 * 86_400
# Related lists follow what people watch on TMDB, a little faster.
RELATED_TTL_SECONDS = 3 * 86_400

# Trending and discover lists are kept under the media type with TMDB id 0 (trending)
# or the genre's id (discover), so a cold start on a warm cache asks TMDB nothing.
type RelatedKind = Literal["recommendations", "similar", "trending", "discover"]


def put_titles(
    connection: sqlite3.Connection, titles: Iterable[TitleInfo], now: datetime
) -> None:
    """Store (or refresh) title details fetched at `now`."""
    connection.executemany(
        "INSERT OR REPLACE INTO tmdb_titles (media_type, tmdb_id, data, fetched)"
        " VALUES (?, ?, ?, ?)",
        [
            (
                info.identity.media_type,
                info.identity.tmdb_id,
                json.dumps(_title_to_json(info), separators=(",", ":")),
                int(now.timestamp()),
            )
            for info in titles
        ],
    )


def get_titles(
    connection: sqlite3.Connection,
    identities: Iterable[Identity],
    now: datetime,
    ttl: float = DETAILS_TTL_SECONDS,
) -> dict[Identity, TitleInfo]:
    """Return the cached details of these titles that are younger than `ttl`."""
    oldest = now.timestamp() - ttl
    found: dict[Identity, TitleInfo] = {}
    for identity in sorted(set(identities)):
        row = connection.execute(
            "SELECT data FROM tmdb_titles WHERE media_type = ? AND tmdb_id = ?"
            " AND fetched >= ?",
            (identity.media_type, identity.tmdb_id, oldest),
        ).fetchone()
        if row is not None:
            found[identity] = _title_from_json(json.loads(row[0]))
    return found


def put_related(
    connection: sqlite3.Connection,
    identity: Identity,
    kind: RelatedKind,
    related: Iterable[Identity],
    now: datetime,
) -> None:
    """Store a title's related list (most related first) fetched at `now`."""
    connection.execute(
        "INSERT OR REPLACE INTO tmdb_related (media_type, tmdb_id, kind, related,"
        " fetched) VALUES (?, ?, ?, ?, ?)",
        (
            identity.media_type,
            identity.tmdb_id,
            kind,
            json.dumps([str(other) for other in related]),
            int(now.timestamp()),
        ),
    )


def get_related(
    connection: sqlite3.Connection,
    identities: Iterable[Identity],
    kind: RelatedKind,
    now: datetime,
    ttl: float = RELATED_TTL_SECONDS,
) -> dict[Identity, tuple[Identity, ...]]:
    """Return the cached related lists of these titles that are younger than `ttl`."""
    oldest = now.timestamp() - ttl
    found: dict[Identity, tuple[Identity, ...]] = {}
    for identity in sorted(set(identities)):
        row = connection.execute(
            "SELECT related FROM tmdb_related WHERE media_type = ? AND tmdb_id = ?"
            " AND kind = ? AND fetched >= ?",
            (identity.media_type, identity.tmdb_id, kind, oldest),
        ).fetchone()
        if row is not None:
            found[identity] = tuple(Identity.parse(text) for text in json.loads(row[0]))
    return found


def _title_to_json(info: TitleInfo) -> dict[str, Any]:
    """Return a title's details as JSON-ready values."""
    return {
        "media_type": info.identity.media_type,
        "tmdb_id": info.identity.tmdb_id,
        "title": info.title,
        "year": info.year,
        "release_date": info.release_date.timestamp() if info.release_date else None,
        "overview": info.overview,
        "poster_url": info.poster_url,
        "genres": list(info.genres),
        "keywords": list(info.keywords),
        "people": list(info.people),
        "language": info.language,
        "vote_average": info.vote_average,
        "vote_count": info.vote_count,
        "popularity": info.popularity,
        "tvdb_id": info.tvdb_id,
        "imdb_id": info.imdb_id,
    }


def _title_from_json(data: Mapping[str, Any]) -> TitleInfo:
    """Read a title's details back."""
    released = data.get("release_date")
    return TitleInfo(
        identity=Identity(data["media_type"], int(data["tmdb_id"])),
        title=data["title"],
        year=data.get("year"),
        release_date=None
        if released is None
        else datetime.fromtimestamp(released, UTC),
        overview=data.get("overview") or "",
        poster_url=data.get("poster_url"),
        genres=tuple(data.get("genres") or ()),
        keywords=tuple(data.get("keywords") or ()),
        people=tuple(data.get("people") or ()),
        language=data.get("language"),
        vote_average=float(data.get("vote_average") or 0.0),
        vote_count=int(data.get("vote_count") or 0),
        popularity=float(data.get("popularity") or 0.0),
        tvdb_id=data.get("tvdb_id"),
        imdb_id=data.get("imdb_id"),
    )
