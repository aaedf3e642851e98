"""JSON bodies of the simulated Overseerr: users, media, requests, search results and details."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .core import Stack
from .models import Request, Title, User
from .vocabulary import MOVIE_GENRES, TV_GENRES

# Permission bits: admins and user managers bypass request quotas.
ADMIN, MANAGE_USERS, REQUEST = 2, 8, 32


def permissions(user: User) -> int:
    """Return a user's permission bits: the first user is the admin."""
    return ADMIN if user.index == 0 else REQUEST


def ts(value: datetime) -> str:
    """Format a timestamp like Overseerr (JavaScript toISOString)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _years_later(value: datetime, years: int) -> date:
    """Return the same day some years later (28 February for a 29th)."""
    day = value.date()
    return day.replace(
        year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day
    )


class OverseerrBodies:
    """Build Overseerr's JSON bodies from the simulated world."""

    def __init__(self, stack: Stack) -> None:
        """Keep the shared state."""
        self.stack = stack

    def user_body(self, user: User) -> dict[str, Any]:
        """Return a User."""
        world = self.stack.world
        created = world.start.replace(year=world.start.year - 2)
        # Two users in three sign in to Overseerr with a local account (no Plex id),
        # one of those two under another username: only the e-mail matches.
        local = user.overseerr_local
        plex: dict[str, Any] = (
            {"plexUsername": "", "plexId": None}
            if local
            else {"plexUsername": user.username, "plexId": user.plex_id}
        )
        return {
            "id": user.overseerr_id,
            "email": user.email,
            "username": user.overseerr_username,
            **plex,
            "userType": 2 if local else 1,
            "permissions": permissions(user),
            "avatar": f"https://plex.tv/users/{user.plex_id}/avatar",
            # Overseerr shows the username, else the Plex username, else the e-mail.
            "displayName": user.overseerr_username,
            "recoveryLinkExpirationDate": None,
            # As a real Overseerr sends them (null: none set); python-overseerr requires them.
            "movieQuotaLimit": user.movie_quota_limit,
            "movieQuotaDays": user.movie_quota_days,
            "tvQuotaLimit": user.tv_quota_limit,
            "tvQuotaDays": user.tv_quota_days,
            "createdAt": ts(created),
            "updatedAt": ts(created),
            "requestCount": sum(
                1 for r in world.requests.values() if r.user_index == user.index
            ),
        }

    def media_body(
        self, title: Title, requests: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Return a MediaInfo."""
        world = self.stack.world
        created = world.start
        library = (
            world.movie_by_tmdb(title.tmdb_id)
            if title.kind == "movie"
            else world.series_by_tmdb(title.tmdb_id)
        )
        if library is not None:
            created = library.added
        body: dict[str, Any] = {
            "id": title.tmdb_id,
            "mediaType": title.kind,
            "tmdbId": title.tmdb_id,
            "tvdbId": title.tvdb_id or None,
            "imdbId": title.imdb_id,
            "status": world.media_status(title.kind, title.tmdb_id),
            "status4k": 1,
            "createdAt": ts(created),
            "updatedAt": ts(created),
            "requests": requests or [],
        }
        if library is not None:
            body["externalServiceId"] = library.id
            body["externalServiceSlug"] = title.slug
        return body

    def request_body(self, request: Request) -> dict[str, Any]:
        """Return a MediaRequest."""
        world = self.stack.world
        title = world.titles[request.kind, request.tmdb_id]
        body: dict[str, Any] = {
            "id": request.id,
            "status": request.status,
            "type": request.kind,
            "media": self.media_body(title),
            "createdAt": ts(request.created),
            "updatedAt": ts(request.updated),
            "requestedBy": self.user_body(world.users[request.user_index]),
            "modifiedBy": self.user_body(world.users[request.modified_by])
            if request.modified_by is not None
            else None,
            "is4k": False,
            "serverId": 0,
            "profileId": 4,
            "rootFolder": "/movies" if request.kind == "movie" else "/tv",
        }
        if request.kind == "tv":
            body["seasons"] = [
                {
                    "id": request.id * 100 + n,
                    "seasonNumber": n,
                    "status": request.status,
                }
                for n in range(1, len(title.seasons) + 1)
            ]
        return body

    def result_body(self, title: Title) -> dict[str, Any]:
        """Return a MovieResult or TvResult search entry."""
        world = self.stack.world
        genre_ids = list(title.genre_ids)
        body: dict[str, Any] = {
            "id": title.tmdb_id,
            "mediaType": title.kind,
            "popularity": title.popularity,
            "posterPath": f"/sim{title.kind}{title.tmdb_id}.jpg",
            "backdropPath": f"/sim{title.kind}{title.tmdb_id}b.jpg",
            "voteCount": title.vote_count,
            "voteAverage": title.vote_average,
            "genreIds": genre_ids,
            "overview": title.overview,
            "originalLanguage": "en",
        }
        if title.kind == "movie":
            body.update(
                {
                    "title": title.title,
                    "originalTitle": title.title,
                    "releaseDate": title.release.strftime("%Y-%m-%d"),
                    "adult": False,
                    "video": False,
                }
            )
        else:
            body.update(
                {
                    "name": title.title,
                    "originalName": title.title,
                    "firstAirDate": title.release.strftime("%Y-%m-%d"),
                    "originCountry": ["US"],
                }
            )
        if world.media_status(title.kind, title.tmdb_id) != 1:
            body["mediaInfo"] = self.media_body(title)
        return body

    def details_body(self, title: Title) -> dict[str, Any]:
        """Return MovieDetails or TvDetails (TMDB data in camelCase plus Overseerr's mediaInfo)."""
        world = self.stack.world
        genres = MOVIE_GENRES if title.kind == "movie" else TV_GENRES
        company = {
            "id": 1,
            "name": title.studio,
            "originCountry": "US",
            "logoPath": None,
        }
        person = {"gender": 0, "profilePath": None}
        body: dict[str, Any] = {
            "id": title.tmdb_id,
            "genres": [{"id": g, "name": genres[g]} for g in title.genre_ids],
            "relatedVideos": [],
            "originalLanguage": "en",
            "overview": title.overview,
            "popularity": title.popularity,
            "productionCompanies": [company],
            "productionCountries": [
                {"iso_3166_1": "US", "name": "United States of America"}
            ],
            "spokenLanguages": [
                {"englishName": "English", "iso_639_1": "en", "name": "English"}
            ],
            "tagline": "",
            "voteAverage": title.vote_average,
            "voteCount": title.vote_count,
            "backdropPath": f"/sim{title.kind}{title.tmdb_id}b.jpg",
            "posterPath": f"/sim{title.kind}{title.tmdb_id}.jpg",
            "homepage": "",
            "credits": {
                "cast": [
                    {
                        **person,
                        "id": 1_000 + pid,
                        "castId": order + 1,
                        "character": f"Role {order + 1}",
                        "creditId": f"sim{title.tmdb_id:08x}{pid:08x}",
                        "name": world.people[pid],
                        "order": order,
                    }
                    for order, pid in enumerate(title.cast)
                ],
                "crew": [
                    {
                        **person,
                        "id": 1_000 + pid,
                        "creditId": f"sim{title.tmdb_id:08x}c{pid:07x}",
                        "department": "Directing",
                        "job": "Director"
                        if title.kind == "movie"
                        else "Executive Producer",
                        "name": world.people[pid],
                    }
                    for pid in title.crew
                ],
            },
            "externalIds": {
                "facebookId": None,
                "imdbId": title.imdb_id,
                "instagramId": None,
                "twitterId": None,
            },
            "keywords": [
                {"id": 9_000 + k, "name": world.keywords[k].replace("-", " ")}
                for k in title.keywords
            ],
            "watchProviders": [],
        }
        release = title.release.strftime("%Y-%m-%d")
        if title.kind == "movie":
            body.update(
                {
                    "adult": False,
                    "budget": 0,
                    "imdbId": title.imdb_id,
                    "originalTitle": title.title,
                    "releaseDate": release,
                    "releases": {"results": []},
                    "revenue": 0,
                    "runtime": title.runtime,
                    "status": "Released",
                    "title": title.title,
                    "video": False,
                }
            )
        else:
            # A season a year, the last one ending its final season.
            last_aired = _years_later(title.release, len(title.seasons) - 1)
            body["externalIds"].update(
                freebaseId=None, freebaseMid=None, tvdbId=title.tvdb_id, tvrageId=None
            )
            body.update(
                {
                    "createdBy": [],
                    "contentRatings": {
                        "results": [
                            {
                                "descriptors": [],
                                "iso_3166_1": "US",
                                "rating": title.certification,
                            }
                        ]
                    },
                    "episodeRunTime": [title.runtime],
                    "firstAirDate": release,
                    "inProduction": not title.ended,
                    "languages": ["en"],
                    "name": title.title,
                    "networks": [company],
                    "numberOfEpisodes": sum(title.seasons),
                    "numberOfSeasons": len(title.seasons),
                    "originCountry": ["US"],
                    "originalName": title.title,
                    "lastAirDate": last_aired.isoformat(),
                    "lastEpisodeToAir": {
                        "id": title.tmdb_id * 10_000 + len(title.seasons) * 100,
                        "airDate": last_aired.isoformat(),
                        "episodeNumber": title.seasons[-1],
                        "name": f"Episode {title.seasons[-1]}",
                        "overview": "",
                        "productionCode": "",
                        "seasonNumber": len(title.seasons),
                        "showId": title.tmdb_id,
                        "voteAverage": 0,
                        "stillPath": f"/simtv{title.tmdb_id}s{len(title.seasons)}.jpg",
                    },
                    "seasons": [
                        {
                            "airDate": _years_later(title.release, n - 1).isoformat(),
                            "episodeCount": count,
                            "id": title.tmdb_id * 100 + n,
                            "name": f"Season {n}",
                            "overview": "",
                            "posterPath": f"/simtv{title.tmdb_id}s{n}.jpg",
                            "seasonNumber": n,
                        }
                        for n, count in enumerate(title.seasons, 1)
                    ],
                    "status": "Ended" if title.ended else "Returning Series",
                    "type": "Scripted",
                }
            )
        requests = [
            self.request_body(r)
            for r in world.requests.values()
            if r.kind == title.kind and r.tmdb_id == title.tmdb_id
        ]
        if requests or world.media_status(title.kind, title.tmdb_id) != 1:
            body["mediaInfo"] = self.media_body(title, requests)
        return body
