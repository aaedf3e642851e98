"""Actions (services) of SmartPlex: search, add, approve, decline, queues, calendar, sync."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
import homeassistant.helpers.config_validation as cv
import voluptuous as vol

from . import actions
from .actions import Caller
from .const import DOMAIN

ATTR_CONFIG_ENTRY = "config_entry"

SERVICE_ADD_MOVIE = "add_movie"
SERVICE_ADD_SERIES = "add_series"
SERVICE_APPROVE_REQUEST = "approve_request"
SERVICE_DECLINE_REQUEST = "decline_request"
SERVICE_GET_CALENDAR = "get_calendar"
SERVICE_GET_QUEUE = "get_queue"
SERVICE_GET_REQUESTS = "get_requests"
SERVICE_REMOVE_QUEUE_ITEM = "remove_queue_item"
SERVICE_SEARCH = "search"
SERVICE_SYNC = "sync"

POSITIVE_ID = vol.All(vol.Coerce(int), vol.Range(min=1))
YEAR = vol.All(vol.Coerce(int), vol.Range(min=1870, max=2200))
IMDB_ID = vol.All(cv.string, vol.Match(r"^tt\d+$"))

BASE_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_CONFIG_ENTRY): cv.string,
    vol.Optional("instance"): cv.string,
}
ADD_FIELDS: dict[vol.Marker, Any] = {
    **BASE_FIELDS,
    vol.Optional("imdb_id"): IMDB_ID,
    vol.Optional("title"): cv.string,
    vol.Optional("year"): YEAR,
    vol.Optional("quality_profile"): cv.string,
    vol.Optional("root_folder"): cv.string,
    vol.Optional("search", default=True): cv.boolean,
}


SCHEMAS: dict[str, vol.Schema] = {
    SERVICE_SEARCH: vol.Schema(
        {
            **BASE_FIELDS,
            vol.Required("query"): vol.All(cv.string, vol.Length(min=1)),
            vol.Optional("media_type", default="any"): vol.In(["any", "movie", "tv"]),
            vol.Optional("year"): YEAR,
            vol.Optional("limit", default=10): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=50)
            ),
        }
    ),
    SERVICE_ADD_MOVIE: vol.Schema(
        {
            **ADD_FIELDS,
            vol.Optional("tmdb_id"): POSITIVE_ID,
            vol.Optional("monitored", default=True): cv.boolean,
            vol.Optional("minimum_availability", default="released"): vol.In(
                actions.MINIMUM_AVAILABILITY
            ),
        }
    ),
    SERVICE_ADD_SERIES: vol.Schema(
        {
            **ADD_FIELDS,
            vol.Optional("tvdb_id"): POSITIVE_ID,
            vol.Optional("tmdb_id"): POSITIVE_ID,
            vol.Optional("monitor", default="all"): vol.In(
                list(actions.SERIES_MONITOR)
            ),
            vol.Optional("seasons"): vol.All(
                cv.ensure_list, [vol.All(vol.Coerce(int), vol.Range(min=0))]
            ),
        }
    ),
    SERVICE_APPROVE_REQUEST: vol.Schema(
        {**BASE_FIELDS, vol.Required("request_id"): POSITIVE_ID}
    ),
    SERVICE_DECLINE_REQUEST: vol.Schema(
        {
            **BASE_FIELDS,
            vol.Required("request_id"): POSITIVE_ID,
            vol.Optional("reason"): cv.string,
        }
    ),
    SERVICE_GET_REQUESTS: vol.Schema(
        {
            **BASE_FIELDS,
            vol.Optional("status", default="pending"): vol.In(actions.REQUEST_STATUSES),
            vol.Optional("user"): cv.string,
            vol.Optional("media_type"): vol.In(["movie", "tv"]),
            vol.Optional("limit", default=20): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=100)
            ),
        }
    ),
    SERVICE_GET_QUEUE: vol.Schema(BASE_FIELDS),
    SERVICE_REMOVE_QUEUE_ITEM: vol.Schema(
        {
            **BASE_FIELDS,
            vol.Required("queue_id"): POSITIVE_ID,
            vol.Optional("blocklist", default=False): cv.boolean,
            vol.Optional("remove_from_client", default=True): cv.boolean,
        }
    ),
    SERVICE_GET_CALENDAR: vol.Schema(
        {
            **BASE_FIELDS,
            vol.Optional("start"): cv.datetime,
            vol.Optional("end"): cv.datetime,
            vol.Optional("days", default=7): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=90)
            ),
        }
    ),
    SERVICE_SYNC: vol.Schema(BASE_FIELDS),
}

# Reads take the entry and fields; writes also take Home Assistant and the caller.
READS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    SERVICE_GET_CALENDAR: actions.async_get_calendar,
    SERVICE_GET_QUEUE: actions.async_get_queue,
    SERVICE_GET_REQUESTS: actions.async_get_requests,
    SERVICE_SEARCH: actions.async_search,
}
WRITES: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    SERVICE_ADD_MOVIE: actions.async_add_movie,
    SERVICE_ADD_SERIES: actions.async_add_series,
    SERVICE_APPROVE_REQUEST: actions.async_approve_request,
    SERVICE_DECLINE_REQUEST: actions.async_decline_request,
    SERVICE_REMOVE_QUEUE_ITEM: actions.async_remove_queue_item,
    SERVICE_SYNC: actions.async_sync,
}


async def _async_handle(name: str, call: ServiceCall) -> ServiceResponse:
    """Run one action for a service call and return its response data."""
    fields = dict(call.data)
    entry = actions.resolve_entry(call.hass, fields.pop(ATTR_CONFIG_ENTRY, None))
    if name in READS:
        return await READS[name](entry, **fields)
    caller = Caller(source=actions.SOURCE_SERVICE, context=call.context)
    result = await WRITES[name](call.hass, entry, caller, **fields)
    return result if call.return_response else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the SmartPlex actions."""
    for name, schema in SCHEMAS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            partial(_async_handle, name),
            schema=schema,
            supports_response=SupportsResponse.ONLY
            if name in READS
            else SupportsResponse.OPTIONAL,
        )
