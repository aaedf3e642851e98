"""Snapshots of the database for the engine: plain frozen dataclasses, read in the executor.

The recommendation, triage, cleanup and statistics code reads plays, the library,
requests and people through these, never through SQL of its own.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from homeassistant.core import HomeAssistant

from custom_components.smartplex.engine.models import LibraryEntry, Play, RequestRecord

from .core import async_get_store
from .history import load_plays
from .library import load_library
from .requests import load_requests
from .users import Person, load_people


async def async_load_plays(
    hass: HomeAssistant, since: datetime | None = None
) -> list[Play]:
    """Return every play (from `since` on), oldest first."""
    store = async_get_store(hass)
    return await hass.async_add_executor_job(
        store.run, partial(load_plays, since=since)
    )


async def async_load_library(hass: HomeAssistant) -> list[LibraryEntry]:
    """Return every title of every Sonarr and Radarr that has a TMDB id."""
    store = async_get_store(hass)
    return await hass.async_add_executor_job(store.run, load_library)


async def async_load_requests(hass: HomeAssistant) -> list[RequestRecord]:
    """Return every Overseerr request and what became of it, oldest first."""
    store = async_get_store(hass)
    return await hass.async_add_executor_job(store.run, load_requests)


async def async_load_people(hass: HomeAssistant) -> list[Person]:
    """Return every Tautulli user and the Overseerr account linked to it."""
    store = async_get_store(hass)
    return await hass.async_add_executor_job(store.run, load_people)
