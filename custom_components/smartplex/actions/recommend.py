"""Recommendations: what a user (or the household) would like next, and dismissing one.

The snapshot comes from the SmartPlex database (the taste kept by actions/taste.py, people,
requests, the memory of earlier recommendations), the library indexes (owned titles, monitored or not) and each
Sonarr/Radarr's import exclusions; candidates come from TMDB's recommendations of the
user's heaviest seeds through the catalogue (cached, budgeted), trending or discover
titles when that gives too few. The engine ranks them; `rank` is that one step, so an
LLM re-rank can wrap it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
import heapq
import sqlite3
from typing import Any, Literal

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.smartplex.ai.prompts import (
    MAX_CANDIDATES as RERANK_POOL,
    MAX_RECENT,
    Candidate,
)
from custom_components.smartplex.api import Exclusion, RadarrClient, TmdbClient
from custom_components.smartplex.assistant import async_rerank_rows
from custom_components.smartplex.const import DOMAIN, SERVICE_TMDB
from custom_components.smartplex.engine.models import (
    Decision,
    Identity,
    MediaType,
    TitleInfo,
)
from custom_components.smartplex.engine.profile import Seed, TasteProfile
from custom_components.smartplex.engine.recommend import (
    DEFAULT_MIN_RATING,
    DEFAULT_MIN_VOTES,
    ItemGraph,
    MappingGraph,
    RecommendOptions,
    ranked_edges,
    recommend,
    seeds_for,
)
from custom_components.smartplex.library import normalize_title
from custom_components.smartplex.models import SmartPlexConfigEntry, SmartPlexService
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.decisions import (
    HOUSEHOLD,
    RecommendationState,
    outcomes,
    reconcile,
    record_shown,
    set_state,
    titles_in_state,
)
from custom_components.smartplex.store.loaders import (
    async_load_people,
    async_load_requests,
)
from custom_components.smartplex.store.users import Person

from .catalogue import RELATED_FETCHES, Catalogue
from .common import (
    ARR_TYPES,
    Caller,
    arr_client,
    invalid,
    label,
    library_index,
    resolve_service,
    upstream,
)
from .taste import async_profile

EVENT_RECOMMENDATION_DISMISSED = f"{DOMAIN}_recommendation_dismissed"
MEDIA_TYPES: tuple[MediaType, ...] = ("movie", "tv")
CONF_RECOMMENDATIONS = "recommendations"
CONF_MIN_VOTES = "min_votes"
CONF_MIN_RATING = "min_rating"


@dataclass(frozen=True, slots=True, kw_only=True)
class Household:
    """What recommendations are decided on besides taste: who is who, and what is taken."""

    now: datetime
    people: list[Person]
    owned: dict[Identity, TitleInfo]  # every Sonarr/Radarr title, monitored or not
    requested: frozenset[Identity]
    excluded_movies: frozenset[int]  # TMDB ids
    excluded_series: frozenset[int | str]  # TVDB ids and normalized titles

    @property
    def names(self) -> dict[str, str]:
        """Return people's names by the user id their plays carry."""
        return {str(person.user_id): person.name for person in self.people}

    def excluded(self, info: TitleInfo) -> bool:
        """Return whether a Sonarr or Radarr must never add this title."""
        if info.identity.media_type == "movie":
            return info.identity.tmdb_id in self.excluded_movies
        return (
            info.tvdb_id in self.excluded_series
            or normalize_title(info.title) in self.excluded_series
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidatePool:
    """Everything ranking needs: the taste, the item graph and what is known of titles."""

    profile: TasteProfile
    graph: ItemGraph
    titles: Mapping[Identity, TitleInfo]
    trending: Sequence[Identity] = ()
    names: Mapping[str, str]

    @property
    def popularity(self) -> dict[Identity, float]:
        """Return each title's TMDB popularity as a percentile among the known titles."""
        ordered = sorted(self.titles, key=lambda i: (self.titles[i].popularity, i))
        return {
            identity: rank / max(len(ordered) - 1, 1)
            for rank, identity in enumerate(ordered)
        }


def rank(
    pool: CandidatePool, options: RecommendOptions
) -> list[Decision[Literal["recommend"]]]:
    """Return the best candidates, best first, each with its features and reason."""
    return recommend(
        pool.profile,
        pool.graph,
        pool.titles,
        options,
        popularity=pool.popularity,
        trending=pool.trending,
        names=pool.names,
    )


def find_person(people: Sequence[Person], name: str) -> Person:
    """Return the person with this Tautulli or Overseerr name; refuse an unknown one."""
    wanted = name.strip().casefold()
    for person in people:
        known = (person.name, person.username, person.overseerr_name or "")
        if wanted in {text.casefold() for text in known if text}:
            return person
    raise invalid(
        "recommend_user_not_found",
        user=name,
        candidates=", ".join(sorted({person.name for person in people})) or "-",
    )


async def _exclusions(
    entry: SmartPlexConfigEntry,
) -> tuple[frozenset[int], frozenset[int | str]]:
    """Return every Sonarr's and Radarr's import exclusions."""
    services = [
        service
        for service in entry.runtime_data.services.values()
        if service.service_type in ARR_TYPES
    ]

    async def listed(service: SmartPlexService) -> list[Exclusion]:
        with upstream(service):
            return await arr_client(service).exclusions()

    movies: set[int] = set()
    series: set[int | str] = set()
    found = await asyncio.gather(*(listed(service) for service in services))
    for service, exclusions in zip(services, found, strict=True):
        for exclusion in exclusions:
            if isinstance(service.client, RadarrClient):
                movies.add(exclusion.tmdb_id or 0)
                continue
            series.add(normalize_title(exclusion.title))
            if exclusion.tvdb_id:
                series.add(exclusion.tvdb_id)
    return frozenset(movies), frozenset(series)


def _owned(entry: SmartPlexConfigEntry) -> dict[Identity, TitleInfo]:
    """Return every title of every Sonarr and Radarr with what the index knows of it."""
    owned: dict[Identity, TitleInfo] = {}
    for service in entry.runtime_data.services.values():
        if service.service_type not in ARR_TYPES:
            continue
        for item in library_index(service) or ():
            if item.tmdb_id and item.media_type in MEDIA_TYPES:
                identity = Identity(item.media_type, item.tmdb_id)  # type: ignore[arg-type]
                owned[identity] = TitleInfo(
                    identity=identity,
                    title=item.title,
                    year=item.year,
                    genres=item.genres,
                    tvdb_id=item.tvdb_id,
                    imdb_id=item.imdb_id,
                )
    return owned


async def async_household(
    hass: HomeAssistant, entry: SmartPlexConfigEntry
) -> Household:
    """Gather the snapshot (Sonarr/Radarr errors propagate: nothing was changed)."""
    people, requests, exclusions = await asyncio.gather(
        async_load_people(hass),
        async_load_requests(hass),
        _exclusions(entry),
    )
    return Household(
        now=dt_util.utcnow(),
        people=people,
        owned=_owned(entry),
        requested=frozenset(request.identity for request in requests),
        excluded_movies=exclusions[0],
        excluded_series=exclusions[1],
    )


def quality_floor(entry: SmartPlexConfigEntry) -> tuple[int, float]:
    """Return the minimum TMDB vote count and average set in the hub's options."""
    saved = entry.options.get(CONF_RECOMMENDATIONS, {})
    return (
        int(saved.get(CONF_MIN_VOTES, DEFAULT_MIN_VOTES)),
        float(saved.get(CONF_MIN_RATING, DEFAULT_MIN_RATING)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Recommended:
    """The ranked titles of one call and what they were decided on."""

    user: Person | None
    decisions: list[Decision[Literal["recommend"]]]
    titles: Mapping[Identity, TitleInfo]
    owned: Mapping[Identity, TitleInfo]
    cold_start: bool
    tmdb_requests: int
    memory: dict[str, int]
    profile: TasteProfile | None = None

    @property
    def user_key(self) -> str:
        """Return the key the memory of recommendations files this user under."""
        return HOUSEHOLD if self.user is None else str(self.user.user_id)


async def async_rank(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    *,
    user: str | None = None,
    media_type: MediaType | None = None,
    count: int = 10,
    like: str | None = None,
    genre: str | None = None,
    exclude_owned: bool = True,
    include_unreleased: bool = False,
    household: Household | None = None,
    pool: int = 0,
) -> Recommended:
    """Rank recommendations for a person (or everyone) without remembering them.

    pool asks for more titles than count (for an LLM to choose from) without changing
    the first count: the cold-start fallback still depends on count alone.
    """
    tmdb = resolve_service(entry, SERVICE_TMDB, None)
    client = tmdb.client
    assert isinstance(client, TmdbClient)
    if household is None:
        household = await async_household(hass, entry)
    person = None if user is None else find_person(household.people, user)
    user_key = HOUSEHOLD if person is None else str(person.user_id)
    catalogue = Catalogue(hass, client, household.now)
    min_votes, min_rating = quality_floor(entry)
    store = async_get_store(hass)

    def remember(
        connection: sqlite3.Connection,
    ) -> tuple[set[Identity], dict[str, int]]:
        reconcile(connection, household.owned, household.now)
        dismissed = titles_in_state(connection, user_key, RecommendationState.DISMISSED)
        return dismissed, outcomes(connection)

    dismissed, memory = await hass.async_add_executor_job(store.transaction, remember)
    profile = await async_profile(
        hass,
        None if person is None else [str(person.user_id)],
        household.owned,
        household.now,
    )
    taken = dismissed | household.requested
    if exclude_owned:
        taken |= household.owned.keys()
    with upstream(tmdb):
        options = RecommendOptions(
            count=max(count, pool),
            media_type=media_type,
            genre=genre,
            like=None if like is None else await catalogue.async_find(like, media_type),
            min_votes=min_votes,
            min_rating=min_rating,
            include_unreleased=include_unreleased,
            max_seeds=RELATED_FETCHES,
        )
        seeds = [seed.identity for seed in seeds_for(profile, options)]
        # The seeds' own details name them in reasons and in the LLM's profile.
        await catalogue.async_load([*seeds, *(s.identity for s in recent(profile))])
        graph = MappingGraph(
            {
                seed: ranked_edges(others)
                for seed, others in (await catalogue.async_related(seeds)).items()
            }
        )

        def ranked(
            trending: Sequence[Identity],
        ) -> list[Decision[Literal["recommend"]]]:
            titles = {**household.owned, **catalogue.titles}
            excluded = {i for i, info in titles.items() if household.excluded(info)}
            pool = CandidatePool(
                profile=profile,
                graph=graph,
                titles=titles,
                trending=trending,
                names=household.names,
            )
            return rank(pool, replace(options, exclude=taken | excluded))

        decisions = ranked(())
        cold_start = len(decisions) < count and like is None
        if cold_start:
            trending: list[Identity] = []
            for kind in (media_type,) if media_type else MEDIA_TYPES:
                trending.extend(await catalogue.async_fallback(kind, genre))
            decisions = ranked(trending)
        await catalogue.async_details(decision.identity for decision in decisions)
    return Recommended(
        user=person,
        decisions=decisions,
        titles={**household.owned, **catalogue.titles},
        owned=household.owned,
        cold_start=cold_start,
        tmdb_requests=catalogue.requests,
        memory=memory,
        profile=profile,
    )


def recommendation_row(
    decision: Decision[Any], titles: Mapping[Identity, TitleInfo], owned: bool
) -> dict[str, Any]:
    """Return one recommendation as response (and event) data."""
    identity = decision.identity
    info = titles.get(identity) or TitleInfo(identity=identity, title=str(identity))
    return {
        "identity": str(identity),
        "media_type": identity.media_type,
        "tmdb_id": identity.tmdb_id,
        "tvdb_id": info.tvdb_id,
        "imdb_id": info.imdb_id,
        "title": info.title,
        "year": info.year,
        "label": label(info.title, info.year),
        "overview": info.overview,
        "poster": info.poster_url,
        "genres": list(info.genres),
        "vote_average": info.vote_average,
        "score": round(decision.score.total, 4),
        "features": decision.score.as_dict(),
        "reason": decision.reason,
        "owned": owned,
    }


async def async_recommend(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    user: str | None = None,
    media_type: MediaType | None = None,
    count: int = 10,
    like: str | None = None,
    genre: str | None = None,
    exclude_owned: bool = True,
    include_unreleased: bool = False,
) -> dict[str, Any]:
    """Recommend titles for a person (or everyone), best first, and remember them as shown.

    With LLM re-ranking on, the engine's best RERANK_POOL go to the LLM and its first
    count are shown (and remembered); without, the engine's first count.
    """
    assistant = entry.runtime_data.assistant
    reranking = assistant is not None and assistant.rerank_enabled
    result = await async_rank(
        hass,
        entry,
        user=user,
        media_type=media_type,
        count=count,
        pool=RERANK_POOL if reranking else 0,
        like=like,
        genre=genre,
        exclude_owned=exclude_owned,
        include_unreleased=include_unreleased,
    )
    rows, ai = await async_rerank_rows(
        assistant,
        "recommend",
        [
            recommendation_row(d, result.titles, d.identity in result.owned)
            for d in result.decisions
        ],
        _candidate,
        profile=llm_profile(result),
        user=result.user_key,
    )
    rows = rows[:count]
    shown = {row["identity"] for row in rows}
    now = dt_util.utcnow()
    await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(
            record_shown,
            user=result.user_key,
            decisions=[d for d in result.decisions if str(d.identity) in shown],
            now=now,
        ),
    )
    return {
        "user": result.user.name if result.user else None,
        "recommendations": rows,
        "total": len(rows),
        "cold_start": result.cold_start,
        "memory": result.memory,
        **ai,
    }


def llm_profile(result: Recommended) -> dict[str, Any]:
    """Return the compact taste the LLM re-ranks for: what was watched, most recent first."""
    if result.profile is None:
        return {}
    seeds = recent(result.profile)
    return {
        "for": result.user.name if result.user else "the whole household",
        "recent": [
            label(info.title, info.year)
            if (info := result.titles.get(s.identity))
            else str(s.identity)
            for s in seeds
        ],
        "genres": [affinity.name for affinity in result.profile.genres[:5]],
    }


def recent(profile: TasteProfile) -> list[Seed]:
    """Return the seeds watched most recently, most recent first (the LLM's history)."""
    return heapq.nlargest(MAX_RECENT, profile.seeds, key=lambda seed: seed.last_played)


def _candidate(candidate_id: str, row: dict[str, Any]) -> Candidate:
    """Return the LLM's view of a recommendation."""
    return Candidate(
        candidate_id,
        row["title"],
        row["year"],
        row["overview"] or "",
        {
            "genres": row["genres"],
            "rating": row["vote_average"],
            "engine_reason": row["reason"],
        },
    )


async def async_dismiss_recommendation(
    hass: HomeAssistant,
    entry: SmartPlexConfigEntry,
    caller: Caller,
    *,
    media_type: MediaType,
    tmdb_id: int,
    user: str | None = None,
) -> dict[str, Any]:
    """Never recommend a title to this person (or anyone, without a user) again."""
    person = None
    if user is not None:
        person = find_person(await async_load_people(hass), user)
    identity = Identity(media_type, tmdb_id)
    key = HOUSEHOLD if person is None else str(person.user_id)
    await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(
            set_state,
            user=key,
            identity=identity,
            state=RecommendationState.DISMISSED,
            now=dt_util.utcnow(),
        ),
    )
    data = {
        "identity": str(identity),
        "media_type": media_type,
        "tmdb_id": tmdb_id,
        "user": person.name if person else None,
    }
    hass.bus.async_fire(
        EVENT_RECOMMENDATION_DISMISSED,
        {**data, "source": caller.source},
        context=caller.context,
    )
    return {**data, "dismissed": True}
