"""The SmartPlex integration: a Plex media stack in Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import homeassistant.helpers.config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .actions.autoadd import async_listen_ready
from .assistant import async_create_assistant, async_start_proposal_expiry
from .const import DOMAIN
from .coordinator import create_client
from .dashboard import async_register_frontend
from .database_sync import DatabaseSync
from .intents import async_setup_intents, async_sync_sentences
from .llm_api import async_setup_llm_api
from .models import SmartPlexConfigEntry, SmartPlexData, SmartPlexService
from .push_setup import (
    async_remove_entry_push,
    async_remove_services_push,
    async_setup_push,
    async_start_push,
)
from .releases import async_remove_entry_releases, async_setup_releases
from .service_setup import async_start_service, create_service
from .services import async_setup_services
from .shipped_blueprints import async_install_blueprints
from .store import (
    async_close_store,
    async_delete_store,
    async_get_store,
    async_open_store,
)
from .websocket_api import async_setup_websocket_api

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up SmartPlex: its actions, intents, LLM API, websocket API and dashboard."""
    async_setup_services(hass)
    async_setup_intents(hass)
    async_setup_llm_api(hass)
    async_setup_websocket_api(hass)
    await async_register_frontend(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmartPlexConfigEntry) -> bool:
    """Set up every configured service; none is waited for, so none can block the rest."""
    # Subentries added, changed or removed and new options take effect by a reload. The
    # listener comes first so a service added while this setup is running is not missed.
    entry.async_on_unload(entry.add_update_listener(_async_reload_entry))
    opened = await async_open_store(hass)
    services = [
        create_service(hass, entry, subentry) for subentry in entry.subentries.values()
    ]
    entry.runtime_data = SmartPlexData(
        services={service.subentry_id: service for service in services},
        assistant=await async_create_assistant(hass, entry.options),
    )
    await async_setup_push(hass, entry)
    await async_setup_releases(hass, entry)
    if opened:
        database = DatabaseSync(hass, entry, async_get_store(hass))
        entry.runtime_data.database = database
        # Before the services start: their first polls feed the database.
        await database.async_start()
        await async_start_proposal_expiry(hass, entry)
    await async_sync_sentences(hass, entry)
    entry.async_on_unload(async_listen_ready(hass))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Started once their devices exist, as tasks of the entry: unloading cancels them.
    for service in services:
        entry.async_create_background_task(
            hass, _async_start(service), f"{DOMAIN} start {service.title}"
        )
    return True


async def _async_start(service: SmartPlexService) -> None:
    """Start polling a service, then register its webhook once it answered."""
    await async_start_service(service)
    await async_start_push(service)


async def _async_reload_entry(hass: HomeAssistant, entry: SmartPlexConfigEntry) -> None:
    """Reload the entry after its subentries or options changed."""
    # A removed service's client is still here: remove its webhook from the service.
    await async_remove_services_push(hass, entry)
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: SmartPlexConfigEntry) -> bool:
    """Unload the platforms; coordinators stop themselves through the entry's unload hooks."""
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    if not any(
        other.state is ConfigEntryState.LOADED
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ):
        await async_close_store(hass)
    return True


async def async_remove_entry(hass: HomeAssistant, entry: SmartPlexConfigEntry) -> None:
    """Remove SmartPlex's webhooks from the services, delete its database and releases.

    The database (history, links, sync log) is not kept for a reinstall.
    """
    await async_delete_store(hass)
    await async_remove_entry_push(hass, entry, create_client)
    await async_remove_entry_releases(hass)
