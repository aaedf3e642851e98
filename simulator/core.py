"""Shared simulator state and the cross-service events (grabs, imports, approvals, plays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
from typing import Any

from . import webhooks
from .clock import Clock
from .faults import FaultController
from .models import Kind, Movie, QueueItem, Request, Series, Title
from .renames import RENAME_COMMANDS, rename
from .traffic import Traffic
from .webhooks import WebhookSender
from .world import World

SERVICES = ("sonarr", "radarr", "overseerr", "tautulli", "tmdb", "openai")
HEALTH_LEVELS = ("notice", "warning", "error")
HealthIssue = tuple[str, str, str]  # (level, source, message), as in HealthResource
COMMAND_START_SECONDS = 1.0
COMMAND_END_SECONDS = 3.0


@dataclass(slots=True)
class Command:
    """A Sonarr/Radarr command and its timeline."""

    id: int
    name: str
    body: dict[str, Any]
    queued: datetime
    applied: bool = False


@dataclass(slots=True)
class Session:
    """A live Plex stream shown by Tautulli's get_activity."""

    session_key: int
    user_index: int
    kind: str
    ref_id: int
    started: datetime
    duration: int
    platform: int
    transcode: bool


@dataclass(slots=True)
class Notifications:
    """Webhook configuration made through each service's own API."""

    arr: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {"sonarr": {}, "radarr": {}}
    )
    overseerr: dict[str, Any] = field(
        default_factory=lambda: {
            "enabled": False,
            "embedPoster": True,
            "types": 0,
            "options": {"webhookUrl": "", "authHeader": "", "jsonPayload": ""},
        }
    )
    tautulli: dict[int, dict[str, Any]] = field(default_factory=dict)


def make_key(seed: int, service: str) -> str:
    """Return a deterministic 32-hex-digit API key."""
    return hashlib.sha256(f"smartplex-sim:{seed}:{service}".encode()).hexdigest()[:32]


class Stack:
    """State shared by all simulated services."""

    def __init__(self, world: World, download_speed: int = 50_000_000) -> None:
        """Wire the world to a clock, faults, webhooks and settings."""
        self.world = world
        self.clock = Clock(world.start)
        self.faults = FaultController()
        self.traffic = Traffic()
        self.webhooks = WebhookSender()
        self.notifications = Notifications()
        self.download_speed = download_speed
        self.keys = {service: make_key(world.seed, service) for service in SERVICES}
        self.keys["openai"] = "sk-sim-" + self.keys["openai"]
        self.tmdb_bearer = (
            "eyJhbGciOiJIUzI1NiJ9." + make_key(world.seed, "tmdb-bearer") + ".sim"
        )
        self.commands: dict[str, dict[int, Command]] = {"sonarr": {}, "radarr": {}}
        # Ids of the files renamed so far (movie ids, episode ids).
        self.renamed: dict[str, set[int]] = {"sonarr": set(), "radarr": set()}
        self.sessions: dict[int, Session] = {}
        self.health: dict[str, list[HealthIssue]] = {
            "sonarr": [],
            "radarr": [
                (
                    "warning",
                    "IndexerStatusCheck",
                    "Indexers unavailable due to failures: SimIndexer",
                )
            ],
        }
        self._start_sessions()

    # -- Tautulli streams --------------------------------------------------------------------

    def _start_sessions(self) -> None:
        """Start a deterministic set of live streams."""
        world = self.world
        count = {"tiny": 1, "home": 2}.get(world.scale, 6)
        movies = [m for m in world.movies.values() if m.has_file]
        for index in range(min(count, len(movies), len(world.users))):
            movie = movies[(index * 7919 + world.seed) % len(movies)]
            self.start_session(
                index, "movie", movie.id, offset=movie.info.runtime * 60 // 3
            )

    def start_session(
        self, user_index: int, kind: str, ref_id: int, offset: int = 0
    ) -> Session:
        """Start a stream and fire Tautulli's playback start notification."""
        world = self.world
        if kind == "movie":
            duration = world.movies[ref_id].info.runtime * 60
        else:
            duration = world.series[world.episodes[ref_id][1]].info.runtime * 60
        key = max(self.sessions, default=0) + 1
        session = Session(
            session_key=key,
            user_index=user_index,
            kind=kind,
            ref_id=ref_id,
            started=self.clock.now() - timedelta(seconds=offset),
            duration=duration,
            platform=user_index % 6,
            transcode=bool((user_index + ref_id) % 3 == 0),
        )
        self.sessions[key] = session
        self._notify_tautulli("on_play", session)
        return session

    def session_values(self, session: Session) -> dict[str, Any]:
        """Return the notification parameters of a stream (Tautulli names)."""
        world = self.world
        user = world.users[session.user_index]
        if session.kind == "movie":
            movie = world.movies[session.ref_id]
            info, rating_key, title = movie.info, movie.rating_key, movie.info.title
        else:
            episode = world.episodes[session.ref_id]
            info = world.series[episode[1]].info
            rating_key = 2_000_000 + episode[0]
            title = f"{info.title} - S{episode[2]:02d}E{episode[3]:02d}"
        offset = min(
            session.duration, int((self.clock.now() - session.started).total_seconds())
        )
        return {
            "user": user.username,
            "username": user.username,
            "user_id": user.plex_id,
            "session_key": session.session_key,
            "rating_key": rating_key,
            "media_type": "movie" if session.kind == "movie" else "episode",
            "title": title,
            "full_title": title,
            "year": info.year,
            "tmdb_id": info.tmdb_id,
            "imdb_id": info.imdb_id,
            "thetvdb_id": info.tvdb_id or "",
            "progress_percent": 100 * offset // max(1, session.duration),
            "transcode_decision": "transcode" if session.transcode else "direct play",
            "player": "SimPlayer",
            "poster_url": f"https://image.tmdb.org/t/p/w500/sim{session.kind}{info.tmdb_id}.jpg",
            "platform": ("Roku", "Android", "iOS", "Chrome", "Windows", "tvOS")[
                session.platform
            ],
        }

    def pause_session(self, session_key: int) -> None:
        """Pause a stream and fire Tautulli's pause notification."""
        self._notify_tautulli("on_pause", self.sessions[session_key])

    def resume_session(self, session_key: int) -> None:
        """Resume a paused stream and fire Tautulli's resume notification."""
        self._notify_tautulli("on_resume", self.sessions[session_key])

    def _notify_tautulli(self, action: str, session: Session) -> None:
        """Send Tautulli webhook notifications configured for an action."""
        for notifier in self.notifications.tautulli.values():
            if not notifier["actions"].get(action) or not notifier["config"].get(
                "hook"
            ):
                continue
            values = {
                "action": action.removeprefix("on_"),
                **self.session_values(session),
            }
            body = notifier["notify_text"].get(action, {}).get("body", "")
            self.webhooks.send(
                "tautulli",
                notifier["config"]["hook"],
                webhooks.tautulli_payload(body, values),
                method=notifier["config"].get("method") or "POST",
            )

    def _finish_sessions(self) -> None:
        """End streams that reached their end and record them in the history."""
        now = self.clock.now()
        for session in list(self.sessions.values()):
            if (now - session.started).total_seconds() < session.duration:
                continue
            self._notify_tautulli("on_watched", session)
            self._notify_tautulli("on_stop", session)
            del self.sessions[session.session_key]
            started = int(session.started.timestamp())
            self.world.plays.append(
                (
                    self.world.next_id("play"),
                    started,
                    started + session.duration,
                    session.user_index,
                    session.kind if session.kind == "movie" else "episode",
                    session.ref_id,
                    100,
                    0,
                    session.platform,
                )
            )

    # -- *arr events -------------------------------------------------------------------------

    def notify_arr(
        self,
        service: str,
        flag: str,
        payload: dict[str, Any],
        needs: str | None = None,
    ) -> None:
        """Send a payload to every *arr webhook notification subscribed to an event."""
        for notification in self.notifications.arr[service].values():
            if (
                notification.get("implementation") != "Webhook"
                or not notification.get(flag)
                or (needs is not None and not notification.get(needs))
            ):
                continue
            fields = {
                f.get("name"): f.get("value") for f in notification.get("fields") or []
            }
            if not fields.get("url"):
                continue
            method = "PUT" if str(fields.get("method")) in {"2", "PUT"} else "POST"
            self.webhooks.send(service, str(fields["url"]), payload, method=method)

    def set_health(self, service: str, issues: list[HealthIssue]) -> None:
        """Replace a service's health checks; new issues and restored ones fire webhooks."""
        if service not in self.health:
            raise ValueError(f"{service} has no health checks")
        for level, source, message in issues:
            if level not in HEALTH_LEVELS or not source or not message:
                raise ValueError(f"invalid health issue: {level!r} {source!r}")
        before = self.health[service]
        self.health[service] = list(issues)
        for issue in issues:
            if issue not in before:
                self._notify_health(service, "onHealthIssue", "Health", issue)
        for issue in before:
            if issue not in issues:
                self._notify_health(
                    service, "onHealthRestored", "HealthRestored", issue
                )

    def _notify_health(
        self, service: str, flag: str, event: str, issue: HealthIssue
    ) -> None:
        """Send a health webhook; warnings only where includeHealthWarnings is set."""
        level, source, message = issue
        payload = webhooks.arr_health(service, event, level, source, message)
        self.notify_arr(
            service,
            flag,
            payload,
            needs="includeHealthWarnings" if level == "warning" else None,
        )

    def add_movie(
        self,
        info: Title,
        *,
        monitored: bool,
        quality_id: int,
        tags: list[int],
        search: bool,
    ) -> Movie:
        """Add a movie to Radarr, optionally searching (grabbing) it at once."""
        movie = self.world.add_movie(
            info,
            monitored=monitored,
            quality_id=quality_id,
            tags=tags,
            now=self.clock.now(),
        )
        self.notify_arr(
            "radarr", "onMovieAdded", webhooks.radarr_added(self.world, movie)
        )
        if search and monitored:
            self.grab_movie(movie)
        return movie

    def add_series(
        self,
        info: Title,
        *,
        monitored: bool,
        quality_id: int,
        tags: list[int],
        search: bool,
    ) -> Series:
        """Add a series to Sonarr, optionally searching its aired episodes."""
        series = self.world.add_series(
            info,
            monitored=monitored,
            quality_id=quality_id,
            tags=tags,
            now=self.clock.now(),
        )
        self.notify_arr(
            "sonarr", "onSeriesAdd", webhooks.sonarr_added(self.world, series)
        )
        if search and monitored:
            self.grab_episodes(series, series.episode_ids)
        return series

    def grab_movie(self, movie: Movie) -> None:
        """Queue a movie download unless it has a file or is already queued."""
        queued = {
            q.media_id for q in self.world.queue.values() if q.service == "radarr"
        }
        if (
            movie.has_file
            or movie.id in queued
            or movie.info.release > self.clock.now()
        ):
            return
        item = self.world.enqueue_movie(movie, now=self.clock.now())
        self.notify_arr("radarr", "onGrab", webhooks.arr_grab(self.world, item))

    def grab_episodes(self, series: Series, episode_ids: list[int]) -> None:
        """Queue downloads of aired, monitored episodes without files."""
        world = self.world
        queued = {q.episode_id for q in world.queue.values() if q.service == "sonarr"}
        now = self.clock.now()
        for eid in episode_ids:
            episode = world.episodes.get(eid)
            if (
                episode is None
                or episode[5]
                or not episode[7]
                or episode[4] > now
                or eid in queued
            ):
                continue
            item = world.enqueue_episode(series, eid, now=now)
            self.notify_arr("sonarr", "onGrab", webhooks.arr_grab(world, item))

    def fail_download(self, queue_id: int, message: str) -> None:
        """Leave a download waiting for a manual import and announce it."""
        item = self.world.queue[queue_id]
        self.notify_arr(
            item.service,
            "onManualInteractionRequired",
            webhooks.arr_manual_interaction(self.world, item, message),
        )

    def add_command(self, service: str, name: str, body: dict[str, Any]) -> Command:
        """Accept a command; it starts and completes as simulated time passes."""
        command = Command(
            id=self.world.next_id("command"),
            name=name,
            body=body,
            queued=self.clock.now(),
        )
        self.commands[service][command.id] = command
        return command

    def command_status(self, command: Command) -> str:
        """Return a command's status at the current simulated time."""
        age = (self.clock.now() - command.queued).total_seconds()
        if age >= COMMAND_END_SECONDS:
            return "completed"
        return "started" if age >= COMMAND_START_SECONDS else "queued"

    def _run_command(self, service: str, command: Command) -> None:
        """Apply a completed command's effect: a search grabs, a rename renames."""
        if command.name in RENAME_COMMANDS[service]:
            for payload in rename(
                self.world, service, command.name, command.body, self.renamed[service]
            ):
                self.notify_arr(service, "onRename", payload)
        elif service == "radarr":
            self._run_radarr_command(command)
        else:
            self._run_sonarr_command(command)

    def _run_radarr_command(self, command: Command) -> None:
        """Grab the movies a Radarr search command names."""
        world = self.world
        if command.name == "MoviesSearch":
            targets = [
                world.movies[i]
                for i in command.body.get("movieIds") or []
                if i in world.movies
            ]
        elif command.name == "MissingMoviesSearch":
            targets = [
                m for m in world.movies.values() if m.monitored and not m.has_file
            ]
        else:
            targets = []
        for movie in targets:
            self.grab_movie(movie)

    def _run_sonarr_command(self, command: Command) -> None:
        """Grab the episodes a Sonarr search command names."""
        world = self.world
        body = command.body
        targets: list[tuple[Series, list[int]]] = []
        series = world.series.get(body.get("seriesId", 0))
        if command.name == "SeriesSearch" and series is not None:
            targets = [(series, series.episode_ids)]
        elif command.name == "SeasonSearch" and series is not None:
            season = body.get("seasonNumber")
            targets = [
                (
                    series,
                    [e for e in series.episode_ids if world.episodes[e][2] == season],
                )
            ]
        elif command.name == "EpisodeSearch":
            ids = [e for e in body.get("episodeIds") or [] if e in world.episodes]
            targets = [(world.series[world.episodes[e][1]], [e]) for e in ids]
        elif command.name == "MissingEpisodeSearch":
            targets = [(s, s.episode_ids) for s in world.series.values() if s.monitored]
        for owner, episode_ids in targets:
            self.grab_episodes(owner, episode_ids)

    def _has_file(self, item: QueueItem) -> bool:
        """Return whether the title (or episode) of a download already has a file."""
        world = self.world
        if item.service == "radarr":
            movie = world.movies.get(item.media_id)
            return movie is not None and movie.has_file
        episode = world.episodes.get(item.episode_id or 0)
        return episode is not None and bool(episode[5])

    # -- Overseerr events --------------------------------------------------------------------

    def notify_overseerr(
        self,
        event: str,
        request: Request | None,
        subject: str = "",
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Send Overseerr's webhook if enabled for this notification type."""
        settings = settings or self.notifications.overseerr
        options = settings["options"]
        if not settings["enabled"] or not options.get("webhookUrl"):
            return
        if (
            not settings["types"] & webhooks.OVERSEERR_TYPES[event]
            and event != "TEST_NOTIFICATION"
        ):
            return
        if request is not None and not subject:
            subject = f"{self.world.titles[request.kind, request.tmdb_id].title}"
        template = (
            webhooks.decode_overseerr_template(options.get("jsonPayload") or "")
            or webhooks.OVERSEERR_DEFAULT_PAYLOAD
        )
        headers = (
            {"Authorization": options["authHeader"]}
            if options.get("authHeader")
            else None
        )
        self.webhooks.send(
            "overseerr",
            options["webhookUrl"],
            webhooks.overseerr_payload(self.world, template, event, request, subject),
            headers=headers,
        )

    def create_request(
        self, user_index: int, info: Title, *, auto_approve: bool = False
    ) -> Request:
        """Record a request and notify: pending, or approved at once (auto-approve)."""
        request = self.world.add_request(user_index, info, self.clock.now())
        if auto_approve:
            self.approve_request(request, user_index, event="MEDIA_AUTO_APPROVED")
        else:
            self.notify_overseerr("MEDIA_PENDING", request)
        return request

    def fail_request(self, request: Request) -> None:
        """Radarr or Sonarr refused an approved title: Overseerr reports the failure."""
        request.status = 4
        request.updated = self.clock.now()
        self.notify_overseerr("MEDIA_FAILED", request)

    def approve_request(
        self, request: Request, by_user: int, event: str = "MEDIA_APPROVED"
    ) -> None:
        """Approve a request and send the title to Radarr or Sonarr with a search."""
        request.status = 2
        request.modified_by = by_user
        request.updated = self.clock.now()
        info = self.world.titles[request.kind, request.tmdb_id]
        if request.kind == "movie":
            movie = self.world.movie_by_tmdb(info.tmdb_id)
            if movie is None:
                self.add_movie(info, monitored=True, quality_id=3, tags=[], search=True)
            else:
                self.grab_movie(movie)
        else:
            series = self.world.series_by_tmdb(info.tmdb_id)
            if series is None:
                self.add_series(
                    info, monitored=True, quality_id=3, tags=[], search=True
                )
            else:
                self.grab_episodes(series, series.episode_ids)
        self.notify_overseerr(event, request)

    def decline_request(self, request: Request, by_user: int) -> None:
        """Decline a request."""
        request.status = 3
        request.modified_by = by_user
        request.updated = self.clock.now()
        self.notify_overseerr("MEDIA_DECLINED", request)

    # -- time --------------------------------------------------------------------------------

    def tick(self, seconds: float) -> None:
        """Advance time: commands run, downloads progress and import, streams end."""
        self.clock.advance(seconds)
        for service, commands in self.commands.items():
            for command in commands.values():
                if not command.applied and self.command_status(command) == "completed":
                    command.applied = True
                    self._run_command(service, command)
        done = []
        budget = int(self.download_speed * seconds)
        for item in self.world.queue.values():
            if item.seeding:
                continue
            item.sizeleft = max(0, item.sizeleft - budget)
            if item.sizeleft == 0:
                done.append(item)
        for item in done:
            self._import(item)
        self._finish_sessions()

    def _import(self, item: QueueItem) -> None:
        """Import a finished download and announce it (an upgrade when a file existed)."""
        world = self.world
        upgrade = self._has_file(item)
        world.import_item(item, self.clock.now())
        owner = (
            world.movies.get(item.media_id)
            if item.service == "radarr"
            else world.series.get(item.media_id)
        )
        if owner is None:
            return
        self.notify_arr(
            item.service,
            "onUpgrade" if upgrade else "onDownload",
            webhooks.arr_download(world, item, self.clock.now(), upgrade=upgrade),
        )
        kind: Kind = "movie" if item.service == "radarr" else "tv"
        tmdb_id = owner.info.tmdb_id
        if world.media_status(kind, tmdb_id) == 5:
            for request in world.requests.values():
                if (
                    request.kind == kind
                    and request.tmdb_id == tmdb_id
                    and request.status == 2
                ):
                    self.notify_overseerr("MEDIA_AVAILABLE", request)
