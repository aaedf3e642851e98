"""Simulated Tautulli statistics: home stats, libraries, users, plays by date and type, geoip."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from .models import Play, Title
from .tautulli_base import PLATFORMS, TautulliBase, TautulliError

_CITIES = (
    ("Amsterdam", "NL", "Netherlands", 52.37, 4.89),
    ("Berlin", "DE", "Germany", 52.52, 13.40),
    ("Denver", "US", "United States", 39.74, -104.99),
)


def locate(address: str) -> dict[str, Any] | None:
    """Return the simulated geoip of an IPv4 address (its last number picks the city)."""
    parts = address.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    city, code, country, lat, lon = _CITIES[int(parts[-1]) % len(_CITIES)]
    return {
        "city": city,
        "code": code,
        "continent": "EU" if code != "US" else "NA",
        "country": country,
        "latitude": lat,
        "longitude": lon,
        "postal_code": "1000",
        "region": city,
        "timezone": "Europe/Amsterdam" if code != "US" else "America/Denver",
        "accuracy": None,
    }


class TautulliStatistics(TautulliBase):
    """Tautulli's statistics commands, computed from the simulated plays."""

    def _recent_plays(self, request: web.Request) -> list[Play]:
        """Return plays inside time_range days."""
        days = self._int(request, "time_range", 30)
        since = self.stack.clock.timestamp() - days * 86_400
        return [p for p in self.stack.world.plays if p[1] >= since]

    async def home_stats(self, request: web.Request) -> Any:
        """Return the home page statistics."""
        world = self.stack.world
        plays = self._recent_plays(request)
        count = self._int(request, "stats_count", 10)
        stats: list[dict[str, Any]] = []
        for stat_id, kind, title in (
            ("top_movies", "movie", "Most Watched Movies"),
            ("top_tv", "episode", "Most Watched TV Shows"),
        ):
            grouped: dict[int, list[Play]] = {}
            for play in plays:
                if play[4] == kind:
                    item = self._play_item(play)
                    key = item[1] if kind == "movie" else item[3]
                    grouped.setdefault(key, []).append(play)
            ranked = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))[
                :count
            ]
            rows = []
            for key, group in ranked:
                info = self._play_item(group[-1])[0]
                rows.append(
                    {
                        "title": info.title,
                        "year": info.year,
                        "total_plays": len(group),
                        "total_duration": sum(p[2] - p[1] for p in group),
                        "users_watched": "",
                        "rating_key": key,
                        "last_play": max(p[1] for p in group),
                        "grandparent_thumb": "",
                        "thumb": f"/library/metadata/{key}/thumb/1700000000",
                        "section_id": 1 if kind == "movie" else 2,
                        "media_type": kind,
                        "content_rating": info.certification,
                        "labels": [],
                        "user": "",
                        "friendly_name": "",
                        "platform": "",
                        "live": 0,
                        "guid": f"plex://{kind}/sim{key}",
                        "row_id": group[-1][0],
                    }
                )
            stats.append(
                {
                    "stat_id": stat_id,
                    "stat_type": "total_plays",
                    "stat_title": title,
                    "rows": rows,
                }
            )
        by_user = Counter(p[3] for p in plays)
        user_rows = []
        for index, total in sorted(
            by_user.items(), key=lambda item: (-item[1], item[0])
        )[:count]:
            user = world.users[index]
            user_rows.append(
                {
                    "user": user.username,
                    "user_id": user.plex_id,
                    "friendly_name": user.username,
                    "total_plays": total,
                    "total_duration": sum(p[2] - p[1] for p in plays if p[3] == index),
                    "last_play": max(p[1] for p in plays if p[3] == index),
                    "user_thumb": "",
                    "platform": PLATFORMS[index % len(PLATFORMS)][0],
                    "row_id": index + 1,
                }
            )
        stats.append(
            {
                "stat_id": "top_users",
                "stat_type": "total_plays",
                "stat_title": "Most Active Users",
                "rows": user_rows,
            }
        )
        wanted = request.query.get("stat_id")
        if wanted:
            match = next((s for s in stats if s["stat_id"] == wanted), None)
            if match is None:
                raise TautulliError(f"Invalid stat_id {wanted}")
            return match
        return stats

    async def libraries(self, request: web.Request) -> Any:
        """Return the Plex libraries."""
        world = self.stack.world
        return [
            {
                "section_id": "1",
                "section_name": "Movies",
                "section_type": "movie",
                "count": str(sum(m.has_file for m in world.movies.values())),
                "parent_count": "",
                "child_count": "",
                "is_active": 1,
                "art": "/:/resources/movie-fanart.jpg",
                "thumb": "/:/resources/movie.png",
            },
            {
                "section_id": "2",
                "section_name": "TV Shows",
                "section_type": "show",
                "count": str(len(world.series)),
                "parent_count": str(
                    sum(len(s.info.seasons) for s in world.series.values())
                ),
                "child_count": str(sum(e[5] for e in world.episodes.values())),
                "is_active": 1,
                "art": "/:/resources/show-fanart.jpg",
                "thumb": "/:/resources/show.png",
            },
        ]

    async def library_media_info(self, request: web.Request) -> Any:
        """Return items of a library with file size, play count and last play."""
        world = self.stack.world
        section = request.query.get("section_id")
        if section not in {"1", "2"}:
            raise TautulliError("Invalid section_id")
        counts: Counter[int] = Counter()
        last: dict[int, int] = {}
        for play in world.plays:
            item = self._play_item(play)
            key = item[1] if section == "1" else item[3]
            counts[key] += 1
            last[key] = play[1]
        rows: list[dict[str, Any]] = []
        if section == "1":
            rows.extend(
                self._media_row(
                    m.info, m.rating_key, m.size, m.added, "movie", counts, last
                )
                for m in world.movies.values()
                if m.has_file
            )
        else:
            for series in world.series.values():
                size = world.series_stats(series)[3]
                rows.append(
                    self._media_row(
                        series.info,
                        series.rating_key,
                        size,
                        series.added,
                        "show",
                        counts,
                        last,
                    )
                )
        if request.query.get("order_column") == "file_size":
            rows.sort(
                key=lambda r: r["file_size"],
                reverse=request.query.get("order_dir") != "asc",
            )
        start = max(0, self._int(request, "start", 0))
        length = max(1, self._int(request, "length", 25))
        return {
            "draw": self._int(request, "draw", 1),
            "last_refreshed": self.stack.clock.timestamp(),
            "recordsTotal": len(rows),
            "recordsFiltered": len(rows),
            "filtered_file_size": sum(r["file_size"] for r in rows),
            "total_file_size": sum(r["file_size"] for r in rows),
            "data": rows[start : start + length],
        }

    @staticmethod
    def _media_row(
        info: Title,
        rating_key: int,
        size: int,
        added: datetime,
        media_type: str,
        counts: Counter[int],
        last: dict[int, int],
    ) -> dict[str, Any]:
        """Return one get_library_media_info row."""
        return {
            "section_id": 1 if media_type == "movie" else 2,
            "section_type": media_type,
            "added_at": str(int(added.timestamp())),
            "media_type": media_type,
            "rating_key": str(rating_key),
            "parent_rating_key": "",
            "grandparent_rating_key": "",
            "title": info.title,
            "sort_title": info.title.lower(),
            "year": str(info.year),
            "media_index": "",
            "parent_media_index": "",
            "thumb": f"/library/metadata/{rating_key}/thumb/1700000000",
            "container": "mkv" if media_type == "movie" else "",
            "bitrate": "8000" if media_type == "movie" else "",
            "video_codec": "h264" if media_type == "movie" else "",
            "video_resolution": "1080" if media_type == "movie" else "",
            "video_framerate": "24p" if media_type == "movie" else "",
            "audio_codec": "eac3" if media_type == "movie" else "",
            "audio_channels": "6" if media_type == "movie" else "",
            "file_size": size,
            "last_played": last.get(rating_key),
            "play_count": counts.get(rating_key),
        }

    async def users(self, request: web.Request) -> Any:
        """Return Plex users."""
        return [
            {
                "row_id": user.index + 1,
                "user_id": user.plex_id,
                "username": user.username,
                "friendly_name": user.username,
                "thumb": f"https://plex.tv/users/{user.plex_id}/avatar",
                "email": user.email,
                "is_active": 1,
                "is_admin": int(user.index == 0),
                "is_home_user": int(user.index < 3),
                "is_allow_sync": 1,
                "is_restricted": 0,
                "do_notify": 1,
                "keep_history": 1,
                "allow_guest": 0,
                "shared_libraries": ["1", "2"],
                "filter_all": "",
                "filter_movies": "",
                "filter_tv": "",
                "filter_music": "",
                "filter_photos": "",
            }
            for user in self.stack.world.users
        ]

    async def user_watch_time_stats(self, request: web.Request) -> Any:
        """Return a user's plays and watch time over 1, 7, 30 days and all time."""
        user_index = self._user_by_id(request.query.get("user_id"))
        if user_index is None:
            raise TautulliError("No user id received.")
        plays = [p for p in self.stack.world.plays if p[3] == user_index]
        now = self.stack.clock.timestamp()
        result = []
        for days in (1, 7, 30, 0):
            window = [p for p in plays if days == 0 or p[1] >= now - days * 86_400]
            result.append(
                {
                    "query_days": days,
                    "total_plays": len(window),
                    "total_time": sum(p[2] - p[1] for p in window),
                }
            )
        return result

    async def plays_by_date(self, request: web.Request) -> Any:
        """Return plays per day (TV, Movies, Total series)."""
        days = self._int(request, "time_range", 30)
        today = self.stack.clock.now().date()
        categories = [
            (today - timedelta(days=offset)).isoformat()
            for offset in range(days - 1, -1, -1)
        ]
        index = {day: i for i, day in enumerate(categories)}
        tv, movies = [0] * days, [0] * days
        duration = request.query.get("y_axis") == "duration"
        for play in self._recent_plays(request):
            day = datetime.fromtimestamp(play[1], UTC).date().isoformat()
            if day in index:
                value = play[2] - play[1] if duration else 1
                (movies if play[4] == "movie" else tv)[index[day]] += value
        return {
            "categories": categories,
            "series": [
                {"name": "TV", "data": tv},
                {"name": "Movies", "data": movies},
                {
                    "name": "Total",
                    "data": [a + b for a, b in zip(tv, movies, strict=True)],
                },
            ],
        }

    async def plays_by_stream_type(self, request: web.Request) -> Any:
        """Return plays per day by transcode decision."""
        days = self._int(request, "time_range", 30)
        today = self.stack.clock.now().date()
        categories = [
            (today - timedelta(days=offset)).isoformat()
            for offset in range(days - 1, -1, -1)
        ]
        index = {day: i for i, day in enumerate(categories)}
        direct, stream, transcode = [0] * days, [0] * days, [0] * days
        for play in self._recent_plays(request):
            day = datetime.fromtimestamp(play[1], UTC).date().isoformat()
            if day in index:
                decision = self.stack.world.stream(play).decision
                by_decision = {"transcode": transcode, "copy": stream}
                by_decision.get(decision, direct)[index[day]] += 1
        return {
            "categories": categories,
            "series": [
                {"name": "Direct Play", "data": direct},
                {"name": "Direct Stream", "data": stream},
                {"name": "Transcode", "data": transcode},
            ],
        }

    async def geoip_lookup(self, request: web.Request) -> Any:
        """Return a deterministic location for an IP address."""
        address = request.query.get("ip_address")
        if not address:
            raise TautulliError("No IP address provided.")
        location = locate(address)
        if location is None:
            raise TautulliError(f"Invalid IP address provided: {address}")
        return location
