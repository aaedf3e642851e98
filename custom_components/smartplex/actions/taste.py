"""Taste profiles kept between calls: learnt again only when the plays behind them change.

recommend, predict, auto-add, the recommendation sensors and triage's alternatives all
ask for a person's (or the household's) profile. Each is kept in memory under its people,
with the fingerprint of their plays (store/taste.py: counts, matched titles, the latest
play, read from an index). A call whose fingerprint is the same reuses the profile; a
sync that adds, matches or replaces plays changes it, and the profile is learnt again.
A profile is also learnt again once it is MAX_AGE old, so its recency weights, library
titles and newly cached TMDB details catch up (callers pass slightly different libraries:
triage adds the requested titles, which no played title needs).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
import sqlite3

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from custom_components.smartplex.const import DOMAIN
from custom_components.smartplex.engine.models import Identity, TitleInfo
from custom_components.smartplex.engine.profile import (
    TasteProfile,
    TitleTally,
    profile_from_tallies,
)
from custom_components.smartplex.store import async_get_store
from custom_components.smartplex.store.metadata import get_titles
from custom_components.smartplex.store.taste import (
    history_fingerprint,
    load_title_tallies,
)

MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class KeptProfile:
    """A profile and what it was learnt from."""

    fingerprint: tuple[object, ...]
    profile: TasteProfile


type People = frozenset[str] | None  # None: the household

PROFILES: HassKey[dict[People, KeptProfile]] = HassKey(f"{DOMAIN}_taste_profiles")


def _read(
    connection: sqlite3.Connection,
    people: People,
    now: datetime,
    kept: KeptProfile | None,
) -> tuple[tuple[object, ...], list[TitleTally] | None, dict[Identity, TitleInfo]]:
    """Return the fingerprint, and the tallies and cached details if the kept one is stale."""
    fingerprint = history_fingerprint(connection, people)
    if (
        kept is not None
        and kept.fingerprint == fingerprint
        and now - kept.profile.now < MAX_AGE
    ):
        return fingerprint, None, {}
    tallies = load_title_tallies(connection, now, people, per_person=False)
    details = get_titles(connection, [tally.identity for tally in tallies], now)
    return fingerprint, tallies, details


async def async_profile(
    hass: HomeAssistant,
    users: Collection[str] | None,
    library: Mapping[Identity, TitleInfo],
    now: datetime,
) -> TasteProfile:
    """Return the taste of `users` (None: the household), reusing the last while valid.

    `library` is what Sonarr and Radarr know of their titles; the cached TMDB details
    of the played titles, where there are some, take their place (keywords, people).
    """
    people = None if users is None else frozenset(users)
    kept_profiles = hass.data.setdefault(PROFILES, {})
    kept = kept_profiles.get(people)
    fingerprint, tallies, details = await hass.async_add_executor_job(
        async_get_store(hass).run,
        partial(_read, people=people, now=now, kept=kept),
    )
    if tallies is None:
        assert kept is not None
        return kept.profile
    profile = await hass.async_add_executor_job(
        partial(profile_from_tallies, tallies, {**library, **details}, now=now)
    )
    kept_profiles[people] = KeptProfile(fingerprint, profile)
    return profile
