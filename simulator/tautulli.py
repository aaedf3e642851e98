"""Simulated Tautulli API v2 (/api/v2?apikey=&cmd=)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aiohttp import web

from .core import Session, Stack
from .models import Play, Title
from .tautulli_base import (
    EPISODE_KEYS,
    LOCAL_AGENT_EVERY,
    MOVIE_KEYS,
    PLATFORMS,
    SEASON_KEYS,
    SHOW_KEYS,
    TautulliError,
    duration_text,
    envelope,
    error_response,
)
from .tautulli_notifiers import TautulliNotifiers
from .tautulli_stats import TautulliStatistics

VERSION = "v2.15.2"
OLD_VERSION = "v1.4.25"
_QUOTES = (
    "I'll be back.",
    "Get to the chopper!",
    "Hasta la vista, baby.",
    "Consider that a divorce.",
)


Command = Callable[[web.Request], Awaitable[Any]]
_DATE_FILTERS: dict[str, Callable[[int, int], bool]] = {
    "after": lambda day, started: day <= started,
    "before": lambda day, started: started < day + 86_400,
    "start_date": lambda day, started: day <= started < day + 86_400,
}


@cache
def release_day(release: datetime) -> str:
    """Return a release date as Tautulli writes it (strftime for every history row was slow)."""
    return release.strftime("%Y-%m-%d")


class TautulliApi(TautulliStatistics, TautulliNotifiers):
    """Command handlers of the Tautulli API."""

    def __init__(self, stack: Stack) -> None:
        """Bind handlers to the shared state."""
        super().__init__(stack)
        # (count, first play, last play) -> their total duration: get_history reports it
        # on every page, and summing 200,000 plays each time slowed paging at `large`.
        self._durations: tuple[tuple[object, ...], int] | None = None
        self.commands: dict[str, Command] = {
            "status": self.status,
            "arnold": self.arnold,
            "get_tautulli_info": self.tautulli_info,
            "get_server_info": self.server_info,
            "get_server_friendly_name": self.server_friendly_name,
            "get_activity": self.activity,
            "get_history": self.history,
            "get_metadata": self.metadata,
            "get_home_stats": self.home_stats,
            "get_libraries": self.libraries,
            "get_library_media_info": self.library_media_info,
            "get_users": self.users,
            "get_user_watch_time_stats": self.user_watch_time_stats,
            "get_plays_by_date": self.plays_by_date,
            "get_plays_by_stream_type": self.plays_by_stream_type,
            "get_geoip_lookup": self.geoip_lookup,
            "get_stream_data": self.stream_data,
            "get_notifiers": self.notifiers,
            "get_notifier_config": self.notifier_config,
            "add_notifier_config": self.add_notifier,
            "set_notifier_config": self.set_notifier,
            "delete_notifier": self.delete_notifier,
            "notify": self.notify,
        }

    def routes(self) -> list[web.RouteDef]:
        """Return the route table (one endpoint, GET and POST)."""
        return [web.get("/api/v2", self.dispatch), web.post("/api/v2", self.dispatch)]

    async def dispatch(self, request: web.Request) -> web.Response:
        """Check the key and run the command."""
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.post()).items()})
        if not params.get("apikey"):
            return envelope({}, "error", "Parameter apikey is required", 401)
        if params["apikey"] != self.stack.keys["tautulli"]:
            return error_response(401)
        cmd = params.get("cmd")
        possible = ", ".join(sorted(self.commands))
        if not cmd:
            return envelope(
                {},
                "error",
                f"Parameter cmd is required. Possible commands are: {possible}",
                400,
            )
        handler = self.commands.get(cmd)
        if handler is None:
            return envelope(
                {},
                "error",
                f"Unknown command: {cmd}. Possible commands are: {possible}",
                400,
            )
        try:
            data = await handler(request)
        except TautulliError as err:
            return envelope({}, "error", str(err), 400)
        if isinstance(data, tuple):
            return envelope({} if data[0] is None else data[0], message=data[1])
        return envelope(data)

    # -- commands ----------------------------------------------------------------------------

    async def status(self, request: web.Request) -> Any:
        """Report Tautulli is up."""
        return {}, "Ok"

    async def arnold(self, request: web.Request) -> Any:
        """Return a quote (deterministic)."""
        return _QUOTES[self.stack.world.seed % len(_QUOTES)]

    async def tautulli_info(self, request: web.Request) -> Any:
        """Return Tautulli's own version info."""
        version = OLD_VERSION if self.stack.faults.old_version("tautulli") else VERSION
        return {
            "tautulli_install_type": "docker",
            "tautulli_version": version,
            "tautulli_branch": "master",
            "tautulli_commit": "0" * 40,
            "tautulli_platform": "Linux",
            "tautulli_platform_release": "6",
            "tautulli_platform_version": "#1 SMP",
            "tautulli_platform_linux_distro": "Ubuntu 24.04",
            "tautulli_platform_device_name": "simulator",
            "tautulli_python_version": "3.12.3",
        }

    async def server_info(self, request: web.Request) -> Any:
        """Return the Plex server's info."""
        return {
            "pms_identifier": f"sim{self.stack.world.seed:08d}",
            "pms_ip": "127.0.0.1",
            "pms_is_remote": 0,
            "pms_name": "SmartPlex Simulated Plex",
            "pms_platform": "Linux",
            "pms_plexpass": 1,
            "pms_port": 32400,
            "pms_ssl": 0,
            "pms_url": "http://127.0.0.1:32400",
            "pms_url_manual": 0,
            "pms_version": "1.41.3.9314-a0bfb8370",
        }

    async def server_friendly_name(self, request: web.Request) -> Any:
        """Return the Plex server name."""
        return "SmartPlex Simulated Plex"

    def session_body(self, session: Session) -> dict[str, Any]:
        """Return one get_activity session (numbers as strings where Tautulli sends them)."""
        stack = self.stack
        world = stack.world
        user = world.users[session.user_index]
        values = stack.session_values(session)
        play: Play = (
            0,
            0,
            0,
            session.user_index,
            values["media_type"],
            session.ref_id,
            0,
            0,
            session.platform,
        )
        info, rating_key, parent_key, grandparent_key, season, number, episode_title = (
            self._play_item(play)
        )
        offset = min(
            session.duration, int((stack.clock.now() - session.started).total_seconds())
        )
        platform, product, player = PLATFORMS[session.platform]
        bandwidth = 12_000 if session.transcode else 8_000
        movie = session.kind == "movie"
        decision = "transcode" if session.transcode else "direct play"
        full_title = info.title if movie else f"{info.title} - {episode_title}"
        return {
            "session_key": str(session.session_key),
            "session_id": f"sim-session-{session.session_key}",
            "media_type": values["media_type"],
            "rating_key": str(rating_key),
            "parent_rating_key": str(parent_key) if parent_key else "",
            "grandparent_rating_key": str(grandparent_key) if grandparent_key else "",
            "title": info.title if movie else episode_title,
            "parent_title": "" if movie else f"Season {season}",
            "grandparent_title": "" if movie else info.title,
            "full_title": full_title,
            "original_title": "",
            "sort_title": info.title.lower(),
            "media_index": "" if movie else str(number),
            "parent_media_index": "" if movie else str(season),
            "year": str(info.year),
            "originally_available_at": release_day(info.release),
            "guid": f"plex://{'movie' if movie else 'episode'}/sim{rating_key}",
            "thumb": f"/library/metadata/{rating_key}/thumb/1700000000",
            "section_id": "1" if movie else "2",
            "library_name": "Movies" if movie else "TV Shows",
            "genres": [],
            "actors": [world.people[p] for p in info.cast],
            "directors": [world.people[p] for p in info.crew],
            "studio": info.studio,
            "content_rating": info.certification,
            "summary": info.overview,
            "duration": str(session.duration * 1000),
            "view_offset": str(offset * 1000),
            "progress_percent": str(100 * offset // max(1, session.duration)),
            "state": "playing",
            "user": user.username,
            "username": user.username,
            "friendly_name": user.username,
            "user_id": user.plex_id,
            "email": user.email,
            "user_thumb": f"https://plex.tv/users/{user.plex_id}/avatar",
            "is_admin": int(user.index == 0),
            "is_home_user": 1,
            "ip_address": user.ip,
            "ip_address_public": "203.0.113.10",
            "location": "lan",
            "local": "1",
            "relay": 0,
            "secure": 1,
            "live": 0,
            "platform": platform,
            "platform_name": platform.lower(),
            "product": product,
            "player": player,
            "device": player,
            "machine_id": f"sim-device-{session.platform}",
            "quality_profile": "Original" if not session.transcode else "4 Mbps 720p",
            "bandwidth": str(bandwidth),
            "bitrate": str(bandwidth),
            "stream_bitrate": str(4000 if session.transcode else bandwidth),
            "transcode_decision": decision,
            "video_decision": "transcode" if session.transcode else "direct play",
            "audio_decision": "direct play",
            "container": "mkv",
            "video_codec": "h264",
            "audio_codec": "eac3",
            "video_resolution": "1080",
            "video_full_resolution": "1080p",
            "stream_video_resolution": "720" if session.transcode else "1080",
            "stream_video_full_resolution": "720p" if session.transcode else "1080p",
            "stream_video_decision": "transcode"
            if session.transcode
            else "direct play",
            "transcode_hw_encoding": int(session.transcode),
            "transcode_speed": "2.1" if session.transcode else "",
            "file": f"/media/{info.title}.mkv",
            "file_size": str(3_000_000_000),
        }

    async def activity(self, request: web.Request) -> Any:
        """Return current streams and bandwidth."""
        sessions = [self.session_body(s) for s in self.stack.sessions.values()]
        total = sum(int(s["bandwidth"]) for s in sessions)
        return {
            "stream_count": str(len(sessions)),
            "stream_count_direct_play": sum(
                s["transcode_decision"] == "direct play" for s in sessions
            ),
            "stream_count_direct_stream": 0,
            "stream_count_transcode": sum(
                s["transcode_decision"] == "transcode" for s in sessions
            ),
            "total_bandwidth": total,
            "lan_bandwidth": total,
            "wan_bandwidth": 0,
            "sessions": sessions,
        }

    def history_row(self, play: Play) -> dict[str, Any]:
        """Return one get_history row."""
        world = self.stack.world
        (
            row_id,
            started,
            stopped,
            user_index,
            kind,
            _,
            percent,
            paused,
            platform_index,
        ) = play
        user = world.users[user_index]
        info, rating_key, parent_key, grandparent_key, season, number, episode_title = (
            self._play_item(play)
        )
        platform, product, player = PLATFORMS[platform_index % len(PLATFORMS)]
        movie = kind == "movie"
        stream = world.stream(play)
        return {
            "date": started,
            "started": started,
            "stopped": stopped,
            "paused_counter": paused,
            "play_duration": stopped - started - paused,
            "friendly_name": user.username,
            "user": user.username,
            "user_id": user.plex_id,
            "full_title": info.title if movie else f"{info.title} - {episode_title}",
            "title": info.title if movie else episode_title,
            "parent_title": "" if movie else f"Season {season}",
            "grandparent_title": "" if movie else info.title,
            "original_title": "",
            "rating_key": rating_key,
            "parent_rating_key": parent_key or "",
            "grandparent_rating_key": grandparent_key or "",
            "media_index": number or "",
            "parent_media_index": season or "",
            "media_type": "movie" if movie else "episode",
            "year": info.year,
            "originally_available_at": release_day(info.release),
            "guid": f"plex://{'movie' if movie else 'episode'}/sim{rating_key}",
            "thumb": f"/library/metadata/{rating_key}/thumb/1700000000",
            "group_count": 1,
            "group_ids": str(row_id),
            "reference_id": row_id,
            "row_id": row_id,
            "id": row_id,
            "ip_address": stream.ip_address,
            "live": 0,
            "location": stream.location,
            "machine_id": f"sim-device-{platform_index}",
            "percent_complete": percent,
            "watched_status": 1 if percent >= 90 else 0.5 if percent >= 50 else 0,
            "platform": platform,
            "product": product,
            "player": player,
            "relayed": 0,
            "secure": 1,
            "session_key": None,
            "state": None,
            "transcode_decision": stream.decision,
        }

    def _item_metadata(
        self, rating_key: int
    ) -> tuple[Title, str, list[str], dict[str, Any]] | None:
        """Return (title, media type, guids, episode fields) of a rating key, if any."""
        world = self.stack.world
        episode_fields: dict[str, Any] = {}
        if MOVIE_KEYS <= rating_key < SHOW_KEYS:
            movie = world.movies.get(rating_key - MOVIE_KEYS)
            if movie is None:
                return None
            info, media_type, owner_id = movie.info, "movie", movie.id
        elif SHOW_KEYS <= rating_key < SEASON_KEYS:
            series = world.series.get(rating_key - SHOW_KEYS)
            if series is None:
                return None
            info, media_type, owner_id = series.info, "show", series.id
        elif rating_key >= EPISODE_KEYS:
            episode = world.episodes.get(rating_key - EPISODE_KEYS)
            if episode is None:
                return None
            series = world.series[episode[1]]
            info, media_type, owner_id = series.info, "episode", series.id
            episode_fields = {
                "grandparent_rating_key": str(series.rating_key),
                "grandparent_title": info.title,
                "grandparent_year": str(info.year),
                "parent_media_index": str(episode[2]),
                "media_index": str(episode[3]),
                "title": f"Episode {episode[3]}",
            }
        else:
            return None
        # Some titles use Plex's local agent, which knows no external ids: the
        # client then matches them by title and year.
        if owner_id % LOCAL_AGENT_EVERY == 0:
            return info, media_type, [], episode_fields
        guids = [f"imdb://{info.imdb_id}", f"tmdb://{info.tmdb_id}"]
        if info.kind == "tv":
            guids.append(f"tvdb://{info.tvdb_id}")
        return info, media_type, guids, episode_fields

    async def metadata(self, request: web.Request) -> Any:
        """Return an item's metadata with its external ids (an empty object if unknown)."""
        try:
            rating_key = int(request.query.get("rating_key", ""))
        except ValueError:
            raise TautulliError("Invalid rating_key") from None
        found = self._item_metadata(rating_key)
        if found is None:
            return {}
        info, media_type, guids, episode_fields = found
        episode = media_type == "episode"
        data: dict[str, Any] = {
            "rating_key": str(rating_key),
            "media_type": media_type,
            "title": info.title,
            "full_title": info.title,
            "year": str(info.year),
            "originally_available_at": release_day(info.release),
            "library_name": "Movies" if media_type == "movie" else "TV Shows",
            "section_id": "1" if media_type == "movie" else "2",
            "guid": f"plex://{media_type}/sim{rating_key}"
            if guids
            else f"local://{rating_key}",
            "guids": [] if episode else guids,
            "grandparent_rating_key": "",
            "grandparent_title": "",
            "grandparent_guid": "",
            "grandparent_guids": guids if episode else [],
            "summary": info.overview,
            "duration": str(info.runtime * 60_000),
            **episode_fields,
        }
        if episode:
            data["full_title"] = f"{info.title} - {data['title']}"
            data["grandparent_guid"] = (
                f"plex://show/sim{data['grandparent_rating_key']}"
            )
        return data

    def _filtered_plays(self, request: web.Request) -> list[Play]:
        """Apply get_history filters."""
        plays = self.stack.world.plays
        query = request.query
        user_index = self._user_by_id(query.get("user_id"))
        if user_index is not None:
            plays = [p for p in plays if p[3] == user_index]
        if "media_type" in query:
            plays = [p for p in plays if p[4] == query["media_type"]]
        if "rating_key" in query:
            plays = [
                p for p in plays if str(self._play_item(p)[1]) == query["rating_key"]
            ]
        if "grandparent_rating_key" in query:
            plays = [
                p
                for p in plays
                if str(self._play_item(p)[3]) == query["grandparent_rating_key"]
            ]
        for name, check in _DATE_FILTERS.items():
            if name in query:
                try:
                    day = int(
                        datetime.strptime(query[name], "%Y-%m-%d")
                        .replace(tzinfo=UTC)
                        .timestamp()
                    )
                except ValueError:
                    raise TautulliError(f"Invalid {name}") from None
                plays = [p for p in plays if check(day, p[1])]
        return plays

    async def history(self, request: web.Request) -> Any:
        """Return paged history, newest first unless order_dir=asc."""
        plays = self._filtered_plays(request)
        if request.query.get("order_dir", "desc") == "desc":
            plays = plays[::-1]
        start = max(0, self._int(request, "start", 0))
        length = max(1, self._int(request, "length", 25))
        total = len(self.stack.world.plays)
        total_seconds = self._total_duration()
        seconds = (
            total_seconds if len(plays) == total else sum(p[2] - p[1] for p in plays)
        )
        return {
            "draw": self._int(request, "draw", 1),
            "recordsTotal": total,
            "recordsFiltered": len(plays),
            "total_duration": duration_text(total_seconds),
            "filter_duration": duration_text(seconds),
            "data": [self.history_row(p) for p in plays[start : start + length]],
        }

    def _total_duration(self) -> int:
        """Return the seconds of every play (summed again only when plays changed)."""
        plays = self.stack.world.plays
        key = (len(plays), plays[0] if plays else None, plays[-1] if plays else None)
        if self._durations is None or self._durations[0] != key:
            self._durations = (key, sum(p[2] - p[1] for p in plays))
        return self._durations[1]

    async def stream_data(self, request: web.Request) -> Any:
        """Return the stream details of a history row (live sessions are not simulated here)."""
        world = self.stack.world
        if "row_id" not in request.query:
            raise TautulliError("No row_id or session_key received.")
        play = world.play_by_row(self._int(request, "row_id", 0))
        if play is None:
            raise TautulliError("Invalid row_id")
        stream = world.stream(play)
        info, *_, episode_title = self._play_item(play)
        movie = play[4] == "movie"
        heights = {"480": 480, "720": 720, "1080": 1080, "4k": 2160}
        video = stream.video_decision
        audio = stream.audio_decision
        audio_bitrate = 640 if audio == "direct play" else 256
        return {
            "aspect_ratio": "1.78",
            "audio_bitrate": 640,
            "audio_channels": 6,
            "audio_language": "English",
            "audio_language_code": "eng",
            "audio_codec": "eac3",
            "audio_decision": audio,
            "bitrate": stream.bitrate,
            "container": "mkv",
            "current_session": "",
            "grandparent_title": "" if movie else info.title,
            "media_type": "movie" if movie else "episode",
            "optimized_version": "",
            "optimized_version_profile": "",
            "optimized_version_title": "",
            "original_title": "",
            "pre_tautulli": "",
            "quality_profile": "Original"
            if stream.decision != "transcode"
            else f"{stream.stream_bitrate // 1000} Mbps {stream.stream_resolution}p",
            "stream_audio_bitrate": audio_bitrate,
            "stream_audio_channels": 6 if audio != "transcode" else 2,
            "stream_audio_language": "English",
            "stream_audio_language_code": "eng",
            "stream_audio_codec": "eac3" if audio != "transcode" else "aac",
            "stream_audio_decision": audio,
            "stream_bitrate": stream.stream_bitrate,
            "stream_container": "mkv",
            "stream_container_decision": "direct play"
            if stream.decision == "direct play"
            else "transcode",
            "stream_subtitle_codec": "srt" if stream.subtitle_decision else "",
            "stream_subtitle_decision": stream.subtitle_decision,
            "stream_video_bitrate": stream.stream_bitrate - audio_bitrate,
            "stream_video_codec": "h264",
            "stream_video_decision": video,
            "stream_video_dynamic_range": "SDR",
            "stream_video_framerate": "24p",
            "stream_video_height": heights[stream.stream_resolution],
            "stream_video_resolution": stream.stream_resolution,
            "stream_video_width": heights[stream.stream_resolution] * 16 // 9,
            "subtitle_codec": "srt" if stream.subtitle_decision else "",
            "subtitles": "",
            "synced_version": "",
            "synced_version_profile": "",
            "title": info.title if movie else episode_title,
            "transcode_hw_decoding": "",
            "transcode_hw_encoding": "",
            "video_bitrate": stream.bitrate - 640,
            "video_codec": "hevc" if stream.source_resolution == "4k" else "h264",
            "video_decision": video,
            "video_dynamic_range": "SDR",
            "video_framerate": "24p",
            "video_height": heights[stream.source_resolution],
            "video_resolution": stream.source_resolution,
            "video_width": heights[stream.source_resolution] * 16 // 9,
        }
