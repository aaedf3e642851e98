"""What every part of the simulated Tautulli API shares: the envelope, errors, rating keys and parameters."""

from __future__ import annotations

from typing import Any

from aiohttp import web
import orjson

from .core import Stack
from .models import Play, Title

# Plex rating keys the simulator hands out: movies, shows, seasons, episodes.
MOVIE_KEYS = 50_000

SHOW_KEYS = 900_000

SEASON_KEYS = 950_000

EPISODE_KEYS = 2_000_000

# Every 7th movie or series is matched by Plex's local agent (no external ids).
LOCAL_AGENT_EVERY = 7


def envelope(
    data: Any, result: str = "success", message: str | None = None, status: int = 200
) -> web.Response:
    """Wrap data in Tautulli's response envelope.

    Encoded with orjson: a history page of thousands of rows took the standard
    library's encoder most of the simulator's time at `large`.
    """
    return web.Response(
        body=orjson.dumps(
            {"response": {"result": result, "message": message, "data": data}},
            option=orjson.OPT_NON_STR_KEYS,
        ),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def error_response(status: int) -> web.Response:
    """Return Tautulli's error envelope for a status."""
    messages = {
        401: "Invalid apikey",
        403: "Forbidden",
        404: "API not enabled",
        429: "Too Many Requests",
        500: "Check the logs for errors",
        503: "Service Unavailable",
    }
    return envelope({}, "error", messages.get(status, "Error"), status)


class TautulliError(Exception):
    """A handler-level error reported in the envelope with HTTP 400."""


PLATFORMS = (
    ("Roku", "Plex for Roku", "Living Room Roku"),
    ("Android", "Plex for Android (TV)", "SHIELD Android TV"),
    ("iOS", "Plex for iOS", "iPhone"),
    ("Chrome", "Plex Web", "Chrome"),
    ("Windows", "Plex for Windows", "Desktop-PC"),
    ("tvOS", "Plex for Apple TV", "Apple TV"),
)


def duration_text(seconds: int) -> str:
    """Format a duration like Tautulli ("3 days 4 hrs 5 mins")."""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days} days"] if days else []
    if hours:
        parts.append(f"{hours} hrs")
    parts.append(f"{rest // 60} mins")
    return " ".join(parts)


class TautulliBase:
    """The shared state and helpers of the Tautulli command handlers."""

    def __init__(self, stack: Stack) -> None:
        """Keep the shared state."""
        self.stack = stack

    def _play_item(self, play: Play) -> tuple[Title, int, int, int, int, int, str]:
        """Return (title info, rating key, parent key, grandparent key, season, episode, episode title)."""
        world = self.stack.world
        if play[4] == "movie":
            movie = world.movies.get(play[5])
            if movie is None:
                info = next(iter(world.titles.values()))
                return info, MOVIE_KEYS + play[5], 0, 0, 0, 0, ""
            return movie.info, movie.rating_key, 0, 0, 0, 0, ""
        episode = world.episodes.get(play[5])
        if episode is None:
            info = next(t for t in world.titles.values() if t.kind == "tv")
            return info, EPISODE_KEYS + play[5], 0, 0, 0, 0, ""
        series = world.series[episode[1]]
        return (
            series.info,
            EPISODE_KEYS + episode[0],
            SEASON_KEYS + series.id * 100 + episode[2],
            series.rating_key,
            episode[2],
            episode[3],
            f"Episode {episode[3]}",
        )

    @staticmethod
    def _int(request: web.Request, name: str, default: int) -> int:
        """Read an integer parameter."""
        try:
            return int(request.query.get(name, default))
        except ValueError:
            raise TautulliError(f"Invalid {name}") from None

    def _user_by_id(self, user_id: str | None) -> int | None:
        """Return a user index by Plex user id."""
        if user_id is None:
            return None
        for user in self.stack.world.users:
            if str(user.plex_id) == user_id:
                return user.index
        return -1
