"""Workflow 2: a request its score keeps back comes with titles the requester is likelier to enjoy.

The candidates are the recommendations engine's (engine/recommend.py) for "titles like the
requested one", on the requester's own taste profile: TMDB's recommendations and similar lists of
the requested title as the item graph, its quality floor, nothing owned, requested or watched.
Triage then keeps those the requester would score higher than the title they asked for. Only
cached TMDB data is used: no upstream request per held request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
import sqlite3

from homeassistant.core import HomeAssistant

from custom_components.smartplex.engine.models import Identity, TitleInfo
from custom_components.smartplex.engine.profile import TasteProfile
from custom_components.smartplex.engine.recommend import (
    MappingGraph,
    RecommendOptions,
    ranked_edges,
    recommend,
)
from custom_components.smartplex.engine.triage import Triage, Triager
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.metadata import get_related, get_titles

from .taste import async_profile

# Asked of the recommendations engine per held request; triage keeps the best 3 of them.
CANDIDATES = 10


def _related(
    connection: sqlite3.Connection, identities: Sequence[Identity], now: datetime
) -> tuple[
    dict[Identity, tuple[tuple[Identity, float], ...]], dict[Identity, TitleInfo]
]:
    """Return each title's cached related titles (weighted by rank) and their details."""
    recommendations = get_related(connection, identities, "recommendations", now)
    similar = get_related(connection, identities, "similar", now)
    edges = {
        identity: ranked_edges(
            [*recommendations.get(identity, ()), *similar.get(identity, ())]
        )
        for identity in identities
    }
    details = get_titles(
        connection, {other for found in edges.values() for other, _ in found}, now
    )
    return edges, details


def alternatives_for(
    triager: Triager,
    held: Sequence[Triage],
    profiles: Mapping[str, TasteProfile],
    edges: Mapping[Identity, Sequence[tuple[Identity, float]]],
    details: Mapping[Identity, TitleInfo],
) -> dict[int, Triage]:
    """Return each held request with the titles its requester would enjoy more."""
    household = triager.household
    titles = {**household.titles, **details}
    requested = {request.identity for request in household.requests}
    graph = MappingGraph(edges)
    found = {}
    for triage in held:
        identity = triage.decision.identity
        picks = recommend(
            profiles[triage.requested_by],
            graph,
            titles,
            RecommendOptions(
                count=CANDIDATES,
                media_type=identity.media_type,
                like=identity,
                exclude=household.owned | requested,
            ),
        )
        found[triage.request_id] = triager.alternatives(
            triage, [titles[pick.identity] for pick in picks if pick.identity in titles]
        )
    return found


async def async_alternatives(
    hass: HomeAssistant, triager: Triager, held: Sequence[Triage]
) -> dict[int, Triage]:
    """Return the held requests with their alternatives, from the database alone.

    Each requester's taste is the one recommend keeps (actions/taste.py): learnt once
    per history, not once per run.
    """
    if not held:
        return {}
    household = triager.household
    edges, details = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(
            _related,
            identities=[triage.decision.identity for triage in held],
            now=household.now,
        ),
    )
    profiles = {
        user: await async_profile(hass, [user], household.titles, household.now)
        for user in sorted({triage.requested_by for triage in held})
    }
    return await hass.async_add_executor_job(
        alternatives_for, triager, held, profiles, edges, details
    )
