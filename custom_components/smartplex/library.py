"""One in-memory library index per Sonarr/Radarr, kept fresh by what changed.

The index is filled once by a full listing (decoded and parsed off the event loop),
then kept current from the service's change feed (`/api/v3/history/since`) by
re-reading only the titles an event names. Entities, actions and the engine read it;
no action downloads a library. No Home Assistant imports: the engine uses it too.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
import re
from typing import Any, NamedTuple

from .api import Movie, RadarrClient, Series, SmartPlexNotFoundError, SonarrClient
from .api.arr_models import HistoryEvent, quality_name
from .api.listing import ListedMovie, ListedSeries, ListedTitle
from .api.parse import (
    JsonDict,
    as_dict,
    dict_list,
    int_tuple,
    opt_datetime,
    opt_int,
    opt_str,
    str_tuple,
    to_bool,
    to_int,
    to_str,
)

MEDIA_MOVIE = "movie"
MEDIA_TV = "tv"
EVENT_GRABBED = "grabbed"
# Events that end a download (the download id leaves the queue).
DOWNLOAD_ENDED = frozenset(
    {"downloadFolderImported", "downloadFailed", "downloadIgnored"}
)
# Events that leave the title itself as it was: no need to re-read it.
TITLE_UNCHANGED = frozenset(
    {"unknown", EVENT_GRABBED, "downloadFailed", "downloadIgnored"}
)
# Beyond this many changed titles in one poll (a mass rename or import), one full
# listing is cheaper than that many single-title requests.
MAX_TITLE_REFRESHES = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOT_WORD = re.compile(r"[\W_]+")


class SeasonFiles(NamedTuple):
    """What one season of a series has on disk."""

    number: int
    size_on_disk: int
    episode_file_count: int
    monitored: bool


class LibraryItem(NamedTuple):
    """What SmartPlex keeps of one movie or series.

    A named tuple rather than a frozen dataclass: building one is about ten times
    cheaper (a frozen dataclass sets each field through object.__setattr__), and a
    full listing builds tens of thousands of them.
    """

    id: int
    media_type: str
    title: str
    year: int | None
    tmdb_id: int | None
    tvdb_id: int | None
    imdb_id: str | None
    size_on_disk: int
    monitored: bool
    has_file: bool
    quality_profile_id: int | None
    tags: tuple[int, ...]
    genres: tuple[str, ...]
    root_folder: str | None
    added: datetime | None
    # Series only: seasons, aired episodes and episodes with a file.
    season_count: int | None = None
    episode_count: int | None = None
    episode_file_count: int | None = None
    # Movies only: the file's quality and whether it meets the profile's cutoff.
    file_quality: str | None = None
    cutoff_met: bool | None = None
    # Series only: whether it has ended (no more episodes to air), and the seasons
    # that have files (cleanup plans can remove one season).
    ended: bool | None = None
    seasons: tuple[SeasonFiles, ...] = ()


def normalize_title(text: str) -> str:
    """Return a title without case and punctuation, for matching."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _root_folder(data: ListedTitle) -> str | None:
    """Return the root folder of a title (its folder's parent on older versions)."""
    if root := opt_str(data.root_folder_path):
        return root
    path = opt_str(data.path)
    return path.rstrip("/").rpartition("/")[0] or None if path else None


def _int(value: object) -> int:
    """Return an int field (0 when missing or unparsable); ints go straight through."""
    return value if type(value) is int else to_int(value)


def _id(value: object) -> int | None:
    """Return an id or year field: None when missing, unparsable or 0."""
    return (value if type(value) is int else opt_int(value)) or None


def _bool(value: object) -> bool:
    """Return a boolean field; booleans go straight through."""
    return value if type(value) is bool else to_bool(value)


def library_item(
    data: ListedTitle | JsonDict,
    media_type: str,
    seen: dict[object, Any] | None = None,
) -> LibraryItem:
    """Build the index entry of a Radarr movie or Sonarr series.

    Reads only what the index keeps (api.listing): the full models (api.radarr.Movie,
    api.sonarr.Series) parse every field and date and would cost several times the
    JSON decoding. Values of the usual JSON type are taken as they are; the tolerant
    converters only see the rest (this runs 20,000 times for a large Radarr). With
    seen (one dict per listing), the genres, root folder and file quality that titles
    share are one object each.
    """
    if not isinstance(data, ListedTitle):
        data = (ListedMovie if media_type == MEDIA_MOVIE else ListedSeries).from_dict(
            data
        )
    genres = str_tuple(data.genres)
    root_folder = _root_folder(data)
    if seen is not None:
        # Decoding gives each title its own copy; a large library repeats a few dozen.
        genres = seen.setdefault(genres, genres)
        root_folder = seen.setdefault(root_folder, root_folder)
    statistics = as_dict(data.statistics)
    profile = data.quality_profile_id
    if isinstance(data, ListedMovie):
        # Radarr 5+ moved the size into statistics.
        size = statistics.get("sizeOnDisk", data.size_on_disk)
        file_quality = cutoff_met = None
        if movie_file := as_dict(data.movie_file):
            file_quality = quality_name(movie_file)
            if seen is not None:
                file_quality = seen.setdefault(file_quality, file_quality)
            not_met = movie_file.get("qualityCutoffNotMet")
            cutoff_met = None if not_met is None else not _bool(not_met)
        return LibraryItem(
            _int(data.id),
            MEDIA_MOVIE,
            to_str(data.title),
            _id(data.year),
            _id(data.tmdb_id),
            None,
            opt_str(data.imdb_id),
            _int(size),
            _bool(data.monitored),
            _bool(data.has_file),
            profile if type(profile) is int else opt_int(profile),
            int_tuple(data.tags),
            genres,
            root_folder,
            opt_datetime(data.added),
            None,
            None,
            None,
            file_quality,
            cutoff_met,
        )
    assert isinstance(data, ListedSeries)
    # A series has a file when any of its episodes has.
    episode_file_count = _int(statistics.get("episodeFileCount"))
    status = opt_str(data.status)
    return LibraryItem(
        _int(data.id),
        MEDIA_TV,
        to_str(data.title),
        _id(data.year),
        _id(data.tmdb_id),
        _id(data.tvdb_id),
        opt_str(data.imdb_id),
        _int(statistics.get("sizeOnDisk")),
        _bool(data.monitored),
        episode_file_count > 0,
        profile if type(profile) is int else opt_int(profile),
        int_tuple(data.tags),
        genres,
        root_folder,
        opt_datetime(data.added),
        opt_int(statistics.get("seasonCount")),
        opt_int(statistics.get("episodeCount")),
        episode_file_count,
        None,
        None,
        None if status is None else status == "ended",
        _season_files(data),
    )


def _season_files(data: ListedSeries) -> tuple[SeasonFiles, ...]:
    """Return the seasons of a Sonarr series that have episode files."""
    seasons = []
    for season in dict_list(data.seasons):
        statistics = as_dict(season.get("statistics"))
        if (files := _int(statistics.get("episodeFileCount"))) > 0:
            seasons.append(
                SeasonFiles(
                    _int(season.get("seasonNumber")),
                    _int(statistics.get("sizeOnDisk")),
                    files,
                    _bool(season.get("monitored")),
                )
            )
    return tuple(seasons)


def item_from_added(added: Movie | Series, root_folder: str | None) -> LibraryItem:
    """Build the index entry of a movie or series SmartPlex just added."""
    if isinstance(added, Movie):
        media_type, tvdb_id = MEDIA_MOVIE, None
        size, has_file = added.size_on_disk, added.has_file
    else:
        media_type, tvdb_id = MEDIA_TV, added.tvdb_id
        size = added.statistics.size_on_disk
        has_file = added.statistics.episode_file_count > 0
    return LibraryItem(
        id=added.id,
        media_type=media_type,
        title=added.title,
        year=added.year,
        tmdb_id=added.tmdb_id,
        tvdb_id=tvdb_id,
        imdb_id=added.imdb_id,
        size_on_disk=size,
        monitored=added.monitored,
        has_file=has_file,
        quality_profile_id=added.quality_profile_id,
        tags=added.tags,
        genres=added.genres,
        root_folder=root_folder,
        added=added.added,
    )


def index_movies(items: list[ListedTitle] | list[JsonDict]) -> LibraryIndex:
    """Build the index of a Radarr library listing."""
    seen: dict[object, Any] = {}
    return LibraryIndex.from_items(
        library_item(item, MEDIA_MOVIE, seen) for item in items
    )


def index_series(items: list[ListedTitle] | list[JsonDict]) -> LibraryIndex:
    """Build the index of a Sonarr library listing."""
    seen: dict[object, Any] = {}
    return LibraryIndex.from_items(library_item(item, MEDIA_TV, seen) for item in items)


class LibraryIndex:
    """The titles of one Sonarr or Radarr, looked up by id, TMDB, TVDB or IMDb id."""

    def __init__(self) -> None:
        """Start empty and not loaded."""
        self.loaded = False
        self.size_on_disk = 0
        # Sonarr and Radarr never reuse an id, so ids above this one are new titles.
        self.highest_id = 0
        self._items: dict[int, LibraryItem] = {}
        self._by_tmdb: dict[int, LibraryItem] = {}
        self._by_tvdb: dict[int, LibraryItem] = {}
        self._by_imdb: dict[str, LibraryItem] = {}
        # normalized title -> ids of the titles with it, oldest first (ints, not entries:
        # tuples of ints leave the cyclic collector's work)
        self._by_title: dict[str, tuple[int, ...]] = {}
        self._profiles: Counter[int] = Counter()
        # download id -> title id, for what is in the download queue now
        self._downloads: dict[str, int] = {}

    def __len__(self) -> int:
        """Return the number of titles."""
        return len(self._items)

    def __iter__(self) -> Iterator[LibraryItem]:
        """Iterate over the titles."""
        return iter(self._items.values())

    def __contains__(self, item_id: object) -> bool:
        """Return whether a title id is in the library."""
        return item_id in self._items

    @classmethod
    def from_items(cls, items: Iterable[LibraryItem]) -> LibraryIndex:
        """Return a loaded index of a full listing."""
        # In bulk (comprehensions, not one _add per title): a full listing has tens of
        # thousands, and this runs in the executor right after decoding them.
        index = cls()
        by_id = index._items = {item.id: item for item in items}
        listed = by_id.values()
        index.highest_id = max(max(by_id, default=0), 0)
        index.size_on_disk = sum([item.size_on_disk for item in listed])
        index._profiles = Counter(
            [
                item.quality_profile_id
                for item in listed
                if item.quality_profile_id is not None
            ]
        )
        index._by_tmdb = {
            item.tmdb_id: item for item in listed if item.tmdb_id is not None
        }
        index._by_tvdb = {
            item.tvdb_id: item for item in listed if item.tvdb_id is not None
        }
        index._by_imdb = {
            item.imdb_id: item for item in listed if item.imdb_id is not None
        }
        by_title: dict[str, list[int]] = {}
        for item in listed:
            by_title.setdefault(normalize_title(item.title), []).append(item.id)
        index._by_title = {title: tuple(ids) for title, ids in by_title.items()}
        index.loaded = True
        return index

    def set_downloads(self, downloads: Iterable[tuple[int, str]]) -> None:
        """Replace what is downloading with the queue's (title id, download id) pairs."""
        self._downloads = {download_id: item_id for item_id, download_id in downloads}

    def upsert(self, item: LibraryItem) -> None:
        """Add a title or replace its previous version."""
        self.remove(item.id)
        self._add(item)

    def remove(self, item_id: int) -> None:
        """Forget a title (and its downloads) if it is known."""
        item = self._items.pop(item_id, None)
        if item is None:
            return
        self.size_on_disk -= item.size_on_disk
        if item.quality_profile_id is not None:
            self._profiles[item.quality_profile_id] -= 1
        _unlink(self._by_tmdb, item.tmdb_id, item)
        _unlink(self._by_tvdb, item.tvdb_id, item)
        _unlink(self._by_imdb, item.imdb_id, item)
        title = normalize_title(item.title)
        if others := tuple(
            other for other in self._by_title[title] if other != item_id
        ):
            self._by_title[title] = others
        else:
            del self._by_title[title]
        self._downloads = {
            download_id: owner
            for download_id, owner in self._downloads.items()
            if owner != item_id
        }

    def _add(self, item: LibraryItem) -> None:
        """Index a title that is not in the index."""
        self._items[item.id] = item
        self.highest_id = max(self.highest_id, item.id)
        self.size_on_disk += item.size_on_disk
        if item.quality_profile_id is not None:
            self._profiles[item.quality_profile_id] += 1
        if item.tmdb_id is not None:
            self._by_tmdb[item.tmdb_id] = item
        if item.tvdb_id is not None:
            self._by_tvdb[item.tvdb_id] = item
        if item.imdb_id is not None:
            self._by_imdb[item.imdb_id] = item
        title = normalize_title(item.title)
        self._by_title[title] = (*self._by_title.get(title, ()), item.id)

    def get(self, item_id: int) -> LibraryItem | None:
        """Return a title by its Sonarr/Radarr id."""
        return self._items.get(item_id)

    def by_tmdb(self, tmdb_id: int) -> LibraryItem | None:
        """Return a title by TMDB id."""
        return self._by_tmdb.get(tmdb_id)

    def by_tvdb(self, tvdb_id: int) -> LibraryItem | None:
        """Return a title by TVDB id."""
        return self._by_tvdb.get(tvdb_id)

    def by_imdb(self, imdb_id: str) -> LibraryItem | None:
        """Return a title by IMDb id."""
        return self._by_imdb.get(imdb_id)

    def by_title(self, title: str) -> list[LibraryItem]:
        """Return the titles whose normalize_title is title, in the order they were indexed."""
        return [self._items[item_id] for item_id in self._by_title.get(title, ())]

    def profiles_by_use(self) -> list[int]:
        """Return the quality profile ids the library uses, most used first."""
        return [profile for profile, count in self._profiles.most_common() if count]

    def downloading(self, item_id: int) -> bool:
        """Return whether a download of the title is in the queue."""
        return item_id in self._downloads.values()

    def downloading_ids(self) -> set[int]:
        """Return the ids of the titles with a download in the queue."""
        return set(self._downloads.values())

    def download_started(self, download_id: str, item_id: int) -> None:
        """Note a download that entered the queue."""
        self._downloads[download_id] = item_id

    def download_ended(self, download_id: str) -> None:
        """Note a download that left the queue."""
        self._downloads.pop(download_id, None)


def _unlink[KeyT](
    by_key: dict[KeyT, LibraryItem], key: KeyT | None, item: LibraryItem
) -> None:
    """Drop a title from a lookup table unless another title took its key since."""
    if key is not None and by_key.get(key) is item:
        del by_key[key]


class LibrarySync:
    """Fill one instance's index by a full listing and keep it fresh from its history."""

    def __init__(self, client: RadarrClient | SonarrClient) -> None:
        """Start with an empty index and no position in the change feed."""
        self.client = client
        self.index = LibraryIndex()
        self._radarr = isinstance(client, RadarrClient)
        # Position in the change feed: the newest event applied (date and id).
        self._since = EPOCH
        self._last_event_id = 0

    def parse(self, data: JsonDict) -> LibraryItem:
        """Build the index entry of one movie or series of this instance."""
        return library_item(data, MEDIA_MOVIE if self._radarr else MEDIA_TV)

    async def async_resync(self) -> None:
        """Replace the index with a full listing (the rare safety net)."""
        client = self.client
        # Read the feed's position first: events during the listing are applied again
        # on the next poll, which is harmless (re-reading a title is idempotent).
        latest = await client.latest_history_event()
        # Built whole in the executor, then swapped in: readers never see it half done.
        index, downloads = await asyncio.gather(
            client.library(index_movies if self._radarr else index_series),
            client.queued_downloads(),
        )
        index.set_downloads(downloads)
        self.index = index
        self._since = (latest.date or EPOCH) if latest else EPOCH
        self._last_event_id = latest.id if latest else 0

    async def async_apply_changes(self) -> bool:
        """Apply the feed's events and find new titles; return whether anything changed."""
        from_feed = await self._async_apply_feed()
        return await self._async_find_new_titles() or from_feed

    async def _async_find_new_titles(self) -> bool:
        """Read the titles added after the newest one known, whoever added them.

        The feed shows no event for a title added without a download (an Overseerr
        approval of an unreleased film, a list import, the web UI): the next id tells.
        """
        found = False
        for _ in range(MAX_TITLE_REFRESHES):
            try:
                data = await self.client.library_item(self.index.highest_id + 1)
            except SmartPlexNotFoundError:
                break
            self.index.upsert(self.parse(data))
            found = True
        return found

    async def _async_apply_feed(self) -> bool:
        """Apply the events since the last poll; return whether anything changed."""
        events = sorted(
            (
                event
                for event in await self.client.history_since(self._since)
                if event.id > self._last_event_id
            ),
            key=lambda event: event.id,
        )
        if not events:
            return False
        changed = {
            event.media_id
            for event in events
            if event.media_id
            and (
                event.event_type not in TITLE_UNCHANGED
                or event.media_id not in self.index
            )
        }
        if len(changed) > MAX_TITLE_REFRESHES:
            await self.async_resync()
            return True
        await self.async_titles_changed(changed)
        self._apply_downloads(events)
        newest = events[-1]
        self._last_event_id = newest.id
        self._since = max(
            (event.date for event in events if event.date is not None),
            default=self._since,
        )
        return True

    def _apply_downloads(self, events: list[HistoryEvent]) -> None:
        """Track which titles are downloading from grabs and their ends."""
        for event in events:
            if event.download_id is None:
                continue
            if event.event_type == EVENT_GRABBED and event.media_id in self.index:
                self.index.download_started(event.download_id, event.media_id)
            elif event.event_type in DOWNLOAD_ENDED:
                self.index.download_ended(event.download_id)

    async def async_titles_changed(self, item_ids: Iterable[int]) -> None:
        """Re-read the named titles (the path push notifications take too)."""
        wanted = sorted(set(item_ids))
        results = await asyncio.gather(
            *(self.client.library_item(item_id) for item_id in wanted),
            return_exceptions=True,
        )
        for item_id, result in zip(wanted, results, strict=True):
            if isinstance(result, SmartPlexNotFoundError):
                self.index.remove(item_id)
            elif isinstance(result, BaseException):
                raise result
            else:
                self.index.upsert(self.parse(result))
