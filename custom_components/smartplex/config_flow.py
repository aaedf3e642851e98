"""Config flow for SmartPlex: the hub entry and one subentry per service instance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_NAME, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from .api import (
    ServerInfo,
    SmartPlexApiDisabledError,
    SmartPlexAuthError,
    SmartPlexCertificateError,
    SmartPlexConnectionError,
    SmartPlexInvalidResponseError,
    SmartPlexNotFoundError,
    SmartPlexUnsupportedVersionError,
    SmartPlexWrongServiceError,
)
from .const import (
    CONF_SUBENTRY_ID,
    CONF_UPCOMING_DAYS,
    DEFAULT_NAME,
    DEFAULT_TMDB_URL,
    DEFAULT_UPCOMING_DAYS,
    DOMAIN,
    LOGGER,
    SERVICE_TMDB,
    SERVICE_TYPES,
)
from .coordinator import create_client
from .entity import safe_url
from .flow_helpers import KEY_SELECTOR, URL_SELECTOR, normalize_url
from .options_flow import SmartPlexOptionsFlow

DEFAULT_URLS: dict[str, str] = {
    "overseerr": "http://localhost:5055",
    "radarr": "http://localhost:7878",
    "sonarr": "http://localhost:8989",
    "tautulli": "http://localhost:8181",
    SERVICE_TMDB: DEFAULT_TMDB_URL,
}


def restore_url_credentials(submitted: str, known: str | None) -> str:
    """Return the known URL when the form sent it back as shown, without its credentials.

    Forms only ever show safe_url(...): user:password@ stays on the server, and a URL
    that comes back unchanged keeps it.
    """
    url = normalize_url(submitted)
    if known is not None and url == safe_url(known):
        return known
    return url


async def async_validate_service(
    hass: HomeAssistant, service_type: str, data: Mapping[str, Any]
) -> tuple[ServerInfo | None, str | None]:
    """Connect to a service and return its identity, or the error key to show."""
    client = create_client(hass, service_type, data)
    try:
        return await client.validate(), None
    except SmartPlexApiDisabledError:
        return None, "api_disabled"
    except SmartPlexAuthError:
        return None, "invalid_auth"
    except SmartPlexUnsupportedVersionError:
        return None, "unsupported_version"
    except SmartPlexWrongServiceError:
        return None, "wrong_service"
    except SmartPlexCertificateError:
        return None, "certificate"
    except SmartPlexConnectionError:
        return None, "cannot_connect"
    except (SmartPlexInvalidResponseError, SmartPlexNotFoundError):
        # Something answered, but not with this service's API: most often a wrong path.
        return None, "wrong_service"
    except Exception:  # noqa: BLE001
        LOGGER.exception("Unexpected error while connecting to %s", service_type)
        return None, "unknown"


class SmartPlexConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up the SmartPlex hub and re-authenticate its services."""

    VERSION = 1

    _reauth_subentry: ConfigSubentry

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SmartPlexOptionsFlow:
        """Return the options flow."""
        return SmartPlexOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the service subentry flows."""
        return dict.fromkeys(SERVICE_TYPES, ServiceSubentryFlow)

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create the hub entry; services are added as subentries afterwards."""
        if user_input is not None:
            return self.async_create_entry(
                title=user_input[CONF_NAME],
                data={},
                options={CONF_UPCOMING_DAYS: DEFAULT_UPCOMING_DAYS},
            )
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {vol.Required(CONF_NAME, default=DEFAULT_NAME): TextSelector()}
            ),
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication of the service whose key was rejected."""
        entry = self._get_reauth_entry()
        subentry_id = entry_data.get(CONF_SUBENTRY_ID)
        if not isinstance(subentry_id, str) or subentry_id not in entry.subentries:
            return self.async_abort(reason="reauth_service_unknown")
        self._reauth_subentry = entry.subentries[subentry_id]
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new API key of the failing service and test it."""
        subentry = self._reauth_subentry
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**subentry.data, CONF_API_KEY: user_input[CONF_API_KEY]}
            info, error = await async_validate_service(
                self.hass, subentry.subentry_type, data
            )
            if error:
                errors["base"] = error
            else:
                entry = self._get_reauth_entry()
                changed = self.hass.config_entries.async_update_subentry(
                    entry, subentry, data=data
                )
                # A changed key reloads a loaded entry through its update listener.
                # The same key again (the service had rejected it for a while) or an
                # entry whose setup failed on the key (no listener) is reloaded here.
                if not changed or entry.state is not ConfigEntryState.LOADED:
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): KEY_SELECTOR}),
            description_placeholders={
                "service": subentry.title,
                "url": safe_url(subentry.data[CONF_URL]),
            },
            errors=errors,
        )


class ServiceSubentryFlow(ConfigSubentryFlow):
    """Add or reconfigure one Sonarr, Radarr, Overseerr, Tautulli or TMDB instance."""

    # The full URL last stored or submitted, credentials included; the form shows it without.
    _known_url: str | None = None

    def _schema(self, defaults: Mapping[str, Any], *, key_required: bool) -> vol.Schema:
        """Return the connection form, pre-filled without the key or URL credentials."""
        key = vol.Required(CONF_API_KEY) if key_required else vol.Optional(CONF_API_KEY)
        return self.add_suggested_values_to_schema(
            vol.Schema(
                {
                    vol.Required(CONF_URL): URL_SELECTOR,
                    key: KEY_SELECTOR,
                    vol.Required(CONF_VERIFY_SSL): bool,
                }
            ),
            {
                CONF_URL: safe_url(defaults[CONF_URL]),
                CONF_VERIFY_SSL: defaults[CONF_VERIFY_SSL],
            },
        )

    def _duplicate(self, url: str, info: ServerInfo) -> bool:
        """Return whether another subentry already points at this instance."""
        entry = self._get_entry()
        own_id = None if self.source == SOURCE_USER else self._reconfigure_subentry_id
        return any(
            subentry.subentry_type == self._subentry_type
            and subentry.subentry_id != own_id
            and (
                safe_url(subentry.data[CONF_URL]) == safe_url(url)
                or (
                    info.instance_id is not None
                    and subentry.unique_id == info.instance_id
                )
            )
            for subentry in entry.subentries.values()
        )

    def _title(self, url: str, info: ServerInfo) -> str:
        """Return the subentry title; a second instance of a type names its address."""
        entry = self._get_entry()
        if any(
            subentry.subentry_type == self._subentry_type
            for subentry in entry.subentries.values()
        ):
            parts = urlsplit(url)
            port = f":{parts.port}" if parts.port else ""
            return f"{info.name} ({parts.hostname}{port}{parts.path})"
        return info.name

    async def _async_test(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], ServerInfo | None, dict[str, str]]:
        """Normalise the input, test the connection and return data, identity and errors."""
        url = restore_url_credentials(user_input[CONF_URL], self._known_url)
        self._known_url = url
        data = {**user_input, CONF_URL: url}
        info, error = await async_validate_service(self.hass, self._subentry_type, data)
        if error:
            return data, None, {"base": error}
        return data, info, {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the service's address and key, test them and add the service."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, info, errors = await self._async_test(user_input)
            if info is not None:
                if self._duplicate(data[CONF_URL], info):
                    return self.async_abort(reason="already_configured")
                return self.async_create_entry(
                    title=self._title(data[CONF_URL], info),
                    data=data,
                    unique_id=info.instance_id,
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self._schema(
                user_input
                or {
                    CONF_URL: DEFAULT_URLS[self._subentry_type],
                    CONF_VERIFY_SSL: True,
                },
                key_required=True,
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the address, key or certificate check of a configured service."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if self._known_url is None:
            self._known_url = subentry.data[CONF_URL]
        if user_input is not None:
            # An empty key field keeps the stored key, so the form never shows it.
            data, info, errors = await self._async_test(
                {
                    **user_input,
                    CONF_API_KEY: user_input.get(CONF_API_KEY)
                    or subentry.data[CONF_API_KEY],
                }
            )
            if info is not None:
                if self._duplicate(data[CONF_URL], info):
                    return self.async_abort(reason="already_configured")
                return self.async_update_and_abort(
                    self._get_entry(), subentry, data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self._schema(user_input or subentry.data, key_required=False),
            description_placeholders={"service": subentry.title},
            errors=errors,
        )
