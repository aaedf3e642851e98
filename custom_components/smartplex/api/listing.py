"""The fields of a Sonarr/Radarr library listing that the library index reads.

A Radarr listing of 20,000 movies is about 40 MB of JSON, most of it fields the index
never keeps (images, overviews, ratings, alternate titles, media info). msgspec decodes
only the fields named here and skips the rest without building them: at `large`, less
than half the CPU of decoding the whole body with orjson, and far fewer objects for
the collector to walk. Every field is Any, so values are the plain JSON ones and
library.library_item converts them as tolerantly as any other reply; a body that is
not a list of objects fails this decoder and takes the tolerant path instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Self

import msgspec

from .parse import JsonDict


# gc=False: decoded JSON holds no reference cycles, and a listing makes tens of
# thousands of these that the cyclic collector then need not track.
class ListedTitle(msgspec.Struct, rename="camel", gc=False):
    """What the index reads of one listed movie or series."""

    id: Any = None
    title: Any = None
    year: Any = None
    tmdb_id: Any = None
    imdb_id: Any = None
    monitored: Any = None
    quality_profile_id: Any = None
    tags: Any = None
    genres: Any = None
    root_folder_path: Any = None
    path: Any = None
    added: Any = None
    statistics: Any = None

    @classmethod
    def from_dict(cls, data: JsonDict) -> Self:
        """Return the listed fields of an already decoded API object."""
        return cls(**{name: data.get(key) for name, key in _json_names(cls)})


class ListedMovie(ListedTitle):
    """What the index reads of one Radarr movie."""

    size_on_disk: Any = None
    has_file: Any = None
    movie_file: Any = None


class ListedSeries(ListedTitle):
    """What the index reads of one Sonarr series."""

    tvdb_id: Any = None
    status: Any = None
    seasons: Any = None


@cache
def _json_names(kind: type[ListedTitle]) -> tuple[tuple[str, str], ...]:
    """Return each field's Python name and JSON key."""
    return tuple(
        (field.name, field.encode_name) for field in msgspec.structs.fields(kind)
    )


@cache
def listing_decoder[TitleT: ListedTitle](
    kind: type[TitleT],
) -> msgspec.json.Decoder[list[TitleT]]:
    """Return the decoder of a whole listing of one kind."""
    return msgspec.json.Decoder(list[kind])  # type: ignore[valid-type]
