"""Renaming files: Sonarr's and Radarr's rename commands and the Rename webhook they send.

A file starts under its release's name and the rename commands give it the name the
simulated API shows ("Title (Year).mkv", "Season 1/Title - S01E02.mkv"). Each title whose
files were renamed gets one Rename webhook (Sonarr's WebhookRenamePayload with
renamedEpisodeFiles, Radarr's with renamedMovieFiles); a file is renamed once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .webhooks import arr_envelope, arr_movie, arr_series, quality_name

if TYPE_CHECKING:
    from .world import World

# Command name -> the body key naming the titles, or None for RenameFiles (one title
# and the ids of its files).
RENAME_COMMANDS: dict[str, dict[str, str | None]] = {
    "radarr": {"RenameMovie": "movieIds", "RenameFiles": None},
    "sonarr": {"RenameSeries": "seriesIds", "RenameFiles": None},
}


def _release_name(title: str, year: int, quality_id: int, code: str = "") -> str:
    """Return the name a file was imported under (its release's)."""
    words = ".".join(title.split())
    quality = quality_name(quality_id).replace(" ", ".")
    return f"{words}.{code or year}.{quality}-SIM.mkv"


def _renamed_file(
    file_id: int,
    folder: str,
    relative_path: str,
    previous_name: str,
    quality_id: int,
    size: int,
) -> dict[str, Any]:
    """Return a WebhookRenamedMovieFile / WebhookRenamedEpisodeFile."""
    previous = f"{relative_path.rpartition('/')[0]}/{previous_name}".lstrip("/")
    return {
        "id": file_id,
        "relativePath": relative_path,
        "path": f"{folder}/{relative_path}",
        "quality": quality_name(quality_id),
        "qualityVersion": 1,
        "releaseGroup": "SIM",
        "sceneName": previous_name.removesuffix(".mkv"),
        "size": size,
        "previousRelativePath": previous,
        "previousPath": f"{folder}/{previous}",
    }


def _rename_movie(
    world: World, movie_id: int, files: set[int] | None, done: set[int]
) -> dict[str, Any] | None:
    """Rename a movie's file; return Radarr's Rename payload (None: nothing renamed)."""
    movie = world.movies.get(movie_id)
    if (
        movie is None
        or not movie.has_file
        or movie.id in done
        or (files is not None and movie.id not in files)
    ):
        return None
    done.add(movie.id)
    info = movie.info
    renamed = _renamed_file(
        movie.id,
        movie.path,
        f"{info.title} ({info.year}).mkv",
        _release_name(info.title, info.year, movie.quality_id),
        movie.quality_id,
        movie.size,
    )
    body = {"movie": arr_movie(world, movie), "renamedMovieFiles": [renamed]}
    return arr_envelope("radarr", "Rename", body)


def _rename_series(
    world: World, series_id: int, files: set[int] | None, done: set[int]
) -> dict[str, Any] | None:
    """Rename a series' episode files; return Sonarr's Rename payload (None: nothing renamed)."""
    series = world.series.get(series_id)
    if series is None:
        return None
    episode_ids = [
        e
        for e in series.episode_ids
        if world.episodes[e][5] and e not in done and (files is None or e in files)
    ]
    if not episode_ids:
        return None
    done.update(episode_ids)
    renamed = []
    for episode_id in episode_ids:
        _, _, season, number, _, _, size, _ = world.episodes[episode_id]
        code = f"S{season:02d}E{number:02d}"
        renamed.append(
            _renamed_file(
                episode_id,
                series.path,
                f"Season {season}/{series.info.title} - {code}.mkv",
                _release_name(
                    series.info.title, series.info.year, series.quality_id, code
                ),
                series.quality_id,
                size,
            )
        )
    body = {"series": arr_series(world, series), "renamedEpisodeFiles": renamed}
    return arr_envelope("sonarr", "Rename", body)


def rename(
    world: World, service: str, command: str, body: dict[str, Any], done: set[int]
) -> list[dict[str, Any]]:
    """Rename the files a command names; return one Rename payload per title.

    done holds the ids of files renamed before (movie ids for Radarr, episode ids for
    Sonarr); files in it keep their name and send nothing.
    """
    key = RENAME_COMMANDS[service][command]
    owner = "movieId" if service == "radarr" else "seriesId"
    titles = body.get(key) or [] if key else [body.get(owner)]
    files = None if key else set(body.get("files") or [])
    rename_title = _rename_movie if service == "radarr" else _rename_series
    return [
        payload
        for title_id in titles
        if isinstance(title_id, int)
        and (payload := rename_title(world, title_id, files, done)) is not None
    ]
