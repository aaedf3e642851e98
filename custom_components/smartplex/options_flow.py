"""Options flow of the SmartPlex hub: display, push, request triage, library care and the AI provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.data_entry_flow import section
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
import voluptuous as vol

from .action_fields import WholeNumber
from .actions.recommend import CONF_RECOMMENDATIONS
from .ai.ai_task import AITaskProvider
from .ai.openai import OpenAIProvider
from .ai.provider import (
    AIAuthError,
    AIError,
    AIModelNotFoundError,
    AIRateLimitedError,
    AITimeoutError,
)
from .assistant import create_provider
from .care_settings import (
    CONF_CARE,
    CONF_GRACE_DAYS,
    CONF_KEEP_TAG,
    CONF_PLAN_CAP,
    CONF_PROTECT_DAYS,
    CONF_ROOT_FOLDERS,
    CONF_SEARCH_DRY_RUN,
    CONF_SEARCHES_PER_HOUR,
    CONF_UPGRADES_AFTER_CLEANUP,
    MAX_GRACE_DAYS,
    MAX_PLAN_CAP,
    MAX_PROTECT_DAYS,
    MAX_SEARCHES_PER_HOUR,
    MAX_UPGRADES_AFTER_CLEANUP,
    care_settings,
    validate_care,
)
from .const import (
    AI_PROVIDER_AI_TASK,
    AI_PROVIDER_NONE,
    AI_PROVIDER_OPENAI,
    AI_PROVIDERS,
    CONF_AI_API_KEY,
    CONF_AI_BASE_URL,
    CONF_AI_MODEL,
    CONF_AI_PROVIDER,
    CONF_AI_RERANK,
    CONF_AI_TASK_ENTITY,
    CONF_APPROVE_ABOVE,
    CONF_AUTO_DECLINE,
    CONF_DAILY_CAP,
    CONF_DECLINE_BELOW,
    CONF_DISK_TARGET,
    CONF_DISK_THRESHOLD,
    CONF_FAVOURITE_GENRES,
    CONF_FAVOURITE_PEOPLE,
    CONF_NOTIFY_TARGETS,
    CONF_PUSH_REMOTE,
    CONF_TRIAGE,
    CONF_UPCOMING_DAYS,
    CONF_USER_LINKS,
    CONF_USER_RULES,
    CONF_VOICE_SENTENCES,
    CONF_WEEKLY_CAP,
    DEFAULT_AI_BASE_URL,
    DEFAULT_AI_MODEL,
    DEFAULT_UPCOMING_DAYS,
    MAX_UPCOMING_DAYS,
)
from .dashboard_create import (
    DASHBOARD_URL_PATH,
    async_create_dashboard,
    dashboard_exists,
)
from .engine.triage_policies import Policy, parse_user_rules
from .flow_helpers import KEY_SELECTOR, URL_SELECTOR, normalize_url
from .models import SmartPlexConfigEntry, SmartPlexService
from .push_setup import push_status, valid_notify_targets
from .recommendation_settings import (
    RECOMMENDATIONS_SCHEMA,
    recommendation_values,
    validate_recommendations,
)
from .store import StoreError, async_get_store
from .store.users import LinkChoices, link_choices

MAX_CAP = 1000
# Not stored: a list of services whose webhook is re-created when the options are saved.
CONF_RECREATE_WEBHOOKS = "recreate_webhooks"
# Not stored either: create the SmartPlex dashboard (once; an existing one is kept).
CONF_CREATE_DASHBOARD = "create_dashboard"
# Not stored: whether to show the people step (links of Tautulli and Overseerr users).
CONF_EDIT_USER_LINKS = "edit_user_links"
# A person's choice in the people step: the link SmartPlex finds, or none ever.
LINK_AUTOMATIC = "automatic"
LINK_NONE = "0"
UPCOMING_DAYS = vol.All(WholeNumber(), vol.Range(min=1, max=MAX_UPCOMING_DAYS))
SCORE_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=0, max=15, step=0.1, mode=NumberSelectorMode.BOX)
)
CAP_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=0, max=MAX_CAP, step=1, mode=NumberSelectorMode.BOX)
)
TRIAGE_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_APPROVE_ABOVE): SCORE_SELECTOR,
        vol.Optional(CONF_AUTO_DECLINE): BooleanSelector(),
        vol.Optional(CONF_DECLINE_BELOW): SCORE_SELECTOR,
        vol.Optional(CONF_DAILY_CAP): CAP_SELECTOR,
        vol.Optional(CONF_WEEKLY_CAP): CAP_SELECTOR,
        vol.Optional(CONF_FAVOURITE_GENRES): TextSelector(),
        vol.Optional(CONF_FAVOURITE_PEOPLE): TextSelector(),
        vol.Optional(CONF_USER_RULES): TextSelector(TextSelectorConfig(multiline=True)),
    }
)


def days_selector(most: int) -> NumberSelector:
    """Return a box for a whole number of days from 0 to most."""
    return NumberSelector(
        NumberSelectorConfig(
            min=0,
            max=most,
            step=1,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement="days",
        )
    )


PERCENT_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=1, max=99, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="%"
    )
)
CARE_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_DISK_THRESHOLD): PERCENT_SELECTOR,
        vol.Optional(CONF_DISK_TARGET): PERCENT_SELECTOR,
        vol.Optional(CONF_ROOT_FOLDERS): TextSelector(
            TextSelectorConfig(multiline=True)
        ),
        vol.Optional(CONF_KEEP_TAG): TextSelector(),
        vol.Optional(CONF_PROTECT_DAYS): days_selector(MAX_PROTECT_DAYS),
        vol.Optional(CONF_GRACE_DAYS): days_selector(MAX_GRACE_DAYS),
        vol.Optional(CONF_PLAN_CAP): NumberSelector(
            NumberSelectorConfig(
                min=1, max=MAX_PLAN_CAP, step=1, mode=NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_SEARCHES_PER_HOUR): NumberSelector(
            NumberSelectorConfig(
                min=1, max=MAX_SEARCHES_PER_HOUR, step=1, mode=NumberSelectorMode.BOX
            )
        ),
        vol.Optional(CONF_SEARCH_DRY_RUN): BooleanSelector(),
        vol.Optional(CONF_UPGRADES_AFTER_CLEANUP): NumberSelector(
            NumberSelectorConfig(
                min=0,
                max=MAX_UPGRADES_AFTER_CLEANUP,
                step=1,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)
TRIAGE_DEFAULTS: dict[str, Any] = {
    CONF_APPROVE_ABOVE: Policy().approve_above,
    CONF_AUTO_DECLINE: False,
    CONF_DECLINE_BELOW: Policy().decline_below,
}
SCORE = vol.All(vol.Coerce(float), vol.Range(min=0, max=15))
CAP = vol.All(WholeNumber(), vol.Range(min=0, max=MAX_CAP))


def validate_triage(data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return the triage policies as stored, or the error key of the first bad one."""
    settings = {**TRIAGE_DEFAULTS, **data}
    try:
        stored: dict[str, Any] = {
            CONF_APPROVE_ABOVE: SCORE(settings[CONF_APPROVE_ABOVE]),
            CONF_AUTO_DECLINE: bool(settings[CONF_AUTO_DECLINE]),
            CONF_DECLINE_BELOW: SCORE(settings[CONF_DECLINE_BELOW]),
        }
        for key in (CONF_DAILY_CAP, CONF_WEEKLY_CAP):
            if settings.get(key) is not None:
                stored[key] = CAP(settings[key])
    except vol.Invalid:
        return {}, "invalid_triage_number"
    if stored[CONF_DECLINE_BELOW] >= stored[CONF_APPROVE_ABOVE]:
        return {}, "invalid_triage_thresholds"
    for key in (CONF_FAVOURITE_GENRES, CONF_FAVOURITE_PEOPLE, CONF_USER_RULES):
        if text := str(settings.get(key) or "").strip():
            stored[key] = text
    try:
        parse_user_rules(stored.get(CONF_USER_RULES, ""))
    except ValueError:
        return {}, "invalid_user_rules"
    return stored, None


def _validate_sections(
    user_input: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """Return the triage and library care sections as stored; note their errors."""
    stored = {}
    for key, validate in (
        (CONF_TRIAGE, validate_triage),
        (CONF_CARE, validate_care),
        (CONF_RECOMMENDATIONS, validate_recommendations),
    ):
        stored[key], error = validate(user_input.get(key, {}))
        if error:
            errors[key] = error
    return stored


def _care_values(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the library care section as the form shows it."""
    settings = care_settings(options)
    return {
        CONF_DISK_THRESHOLD: settings.threshold,
        CONF_DISK_TARGET: settings.target,
        CONF_ROOT_FOLDERS: (options.get(CONF_CARE) or {}).get(CONF_ROOT_FOLDERS, ""),
        CONF_KEEP_TAG: settings.keep_tag,
        CONF_PROTECT_DAYS: settings.protect_days,
        CONF_GRACE_DAYS: settings.grace_days,
        CONF_PLAN_CAP: settings.plan_cap,
        CONF_SEARCHES_PER_HOUR: settings.searches_per_hour,
        CONF_SEARCH_DRY_RUN: settings.search_dry_run,
        CONF_UPGRADES_AFTER_CLEANUP: settings.upgrades_after_cleanup,
    }


AI_ERRORS: dict[type[AIError], str] = {
    AITimeoutError: "ai_timeout",
    AIAuthError: "ai_auth",
    AIModelNotFoundError: "ai_model_not_found",
    AIRateLimitedError: "ai_rate_limited",
}


class SmartPlexOptionsFlow(OptionsFlow):
    """Edit the hub's non-connection preferences."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._chosen: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the preferences; an AI provider is set up in its own step."""
        errors: dict[str, str] = {}
        options = self.config_entry.options
        if user_input is not None:
            # The number selector lets 1.5 and nan through; the window is whole days.
            try:
                days = UPCOMING_DAYS(user_input[CONF_UPCOMING_DAYS])
            except vol.Invalid:
                errors[CONF_UPCOMING_DAYS] = "invalid_upcoming_days"
            targets = valid_notify_targets(user_input.get(CONF_NOTIFY_TARGETS) or {})
            if targets is None:
                errors[CONF_NOTIFY_TARGETS] = "invalid_notify_targets"
            sections = _validate_sections(user_input, errors)
            if not errors and user_input.get(CONF_CREATE_DASHBOARD):
                try:
                    await async_create_dashboard(self.hass, self.config_entry.title)
                except HomeAssistantError:
                    errors["base"] = "dashboard_unavailable"
            if not errors:
                await self._async_recreate_webhooks(
                    user_input.get(CONF_RECREATE_WEBHOOKS) or []
                )
                provider = user_input[CONF_AI_PROVIDER]
                self._chosen = {
                    CONF_UPCOMING_DAYS: days,
                    CONF_VOICE_SENTENCES: bool(user_input[CONF_VOICE_SENTENCES]),
                    CONF_AI_PROVIDER: provider,
                    CONF_AI_RERANK: bool(user_input[CONF_AI_RERANK]),
                    CONF_PUSH_REMOTE: bool(user_input.get(CONF_PUSH_REMOTE)),
                    CONF_NOTIFY_TARGETS: targets,
                    **sections,
                }
                if links := options.get(CONF_USER_LINKS):
                    self._chosen[CONF_USER_LINKS] = links
                if user_input.get(CONF_EDIT_USER_LINKS):
                    return await self.async_step_user_links()
                return await self._async_step_provider()
        return self.async_show_form(
            step_id="init",
            errors=errors,
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_UPCOMING_DAYS): NumberSelector(
                            NumberSelectorConfig(
                                min=1,
                                max=MAX_UPCOMING_DAYS,
                                step=1,
                                mode=NumberSelectorMode.BOX,
                                unit_of_measurement="days",
                            )
                        ),
                        vol.Required(CONF_VOICE_SENTENCES): BooleanSelector(),
                        vol.Optional(
                            CONF_AI_PROVIDER, default=AI_PROVIDER_NONE
                        ): SelectSelector(
                            SelectSelectorConfig(
                                options=list(AI_PROVIDERS),
                                translation_key=CONF_AI_PROVIDER,
                            )
                        ),
                        vol.Optional(CONF_AI_RERANK, default=False): BooleanSelector(),
                        vol.Optional(
                            CONF_PUSH_REMOTE, default=False
                        ): BooleanSelector(),
                        vol.Optional(CONF_NOTIFY_TARGETS): ObjectSelector(),
                        vol.Optional(CONF_RECREATE_WEBHOOKS): SelectSelector(
                            SelectSelectorConfig(
                                options=self._push_services(), multiple=True
                            )
                        ),
                        vol.Optional(CONF_TRIAGE): section(
                            TRIAGE_SCHEMA, {"collapsed": True}
                        ),
                        vol.Optional(CONF_CARE): section(
                            CARE_SCHEMA, {"collapsed": True}
                        ),
                        vol.Optional(CONF_RECOMMENDATIONS): section(
                            RECOMMENDATIONS_SCHEMA, {"collapsed": True}
                        ),
                        vol.Optional(CONF_CREATE_DASHBOARD): BooleanSelector(),
                        vol.Optional(
                            CONF_EDIT_USER_LINKS, default=False
                        ): BooleanSelector(),
                    }
                ),
                {
                    CONF_UPCOMING_DAYS: options.get(
                        CONF_UPCOMING_DAYS, DEFAULT_UPCOMING_DAYS
                    ),
                    CONF_VOICE_SENTENCES: options.get(CONF_VOICE_SENTENCES, False),
                    CONF_AI_PROVIDER: options.get(CONF_AI_PROVIDER, AI_PROVIDER_NONE),
                    CONF_AI_RERANK: options.get(CONF_AI_RERANK, False),
                    CONF_PUSH_REMOTE: options.get(CONF_PUSH_REMOTE, False),
                    CONF_NOTIFY_TARGETS: options.get(CONF_NOTIFY_TARGETS, {}),
                    CONF_RECREATE_WEBHOOKS: [],
                    CONF_EDIT_USER_LINKS: False,
                    CONF_TRIAGE: {**TRIAGE_DEFAULTS, **options.get(CONF_TRIAGE, {})},
                    CONF_CARE: _care_values(options),
                    CONF_RECOMMENDATIONS: recommendation_values(options),
                    CONF_CREATE_DASHBOARD: False,
                },
            ),
            description_placeholders={
                "webhooks": self._webhook_status(),
                "dashboard": f"/{DASHBOARD_URL_PATH}"
                if dashboard_exists(self.hass)
                else "-",
            },
        )

    async def _async_step_provider(self) -> ConfigFlowResult:
        """Set up the chosen AI provider in its own step, or save."""
        provider = self._chosen[CONF_AI_PROVIDER]
        if provider == AI_PROVIDER_AI_TASK:
            return await self.async_step_ai_task()
        if provider == AI_PROVIDER_OPENAI:
            return await self.async_step_openai()
        return self.async_create_entry(data=self._chosen)

    async def async_step_user_links(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show whom each Tautulli user is linked to in Overseerr, and let it be set."""
        try:
            choices = await self.hass.async_add_executor_job(
                async_get_store(self.hass).run, link_choices
            )
        except StoreError:
            choices = LinkChoices([], [])
        if not choices.people:
            # Nothing synced yet (or no database): there is no one to link.
            return await self._async_step_provider()
        fields = _person_fields(choices)
        if user_input is not None:
            links = {
                str(user_id): int(choice)
                for field, user_id in fields.items()
                if (choice := user_input.get(field, LINK_AUTOMATIC)) != LINK_AUTOMATIC
            }
            self._chosen.pop(CONF_USER_LINKS, None)
            if links:
                self._chosen[CONF_USER_LINKS] = links
            return await self._async_step_provider()
        links = self._chosen.get(CONF_USER_LINKS, {})
        accounts = [
            SelectOptionDict(value=str(account_id), label=name)
            for account_id, name in choices.accounts
        ]
        automatic = {
            user_id: f"{overseerr_name} ({linked_by})" if overseerr_name else "-"
            for user_id, _, overseerr_name, linked_by in choices.people
        }
        schema = {
            vol.Optional(field): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(
                            value=LINK_AUTOMATIC, label=f"= {automatic[user_id]}"
                        ),
                        SelectOptionDict(value=LINK_NONE, label="×"),
                        *accounts,
                    ],
                    mode=SelectSelectorMode.DROPDOWN,
                )
            )
            for field, user_id in fields.items()
        }
        return self.async_show_form(
            step_id="user_links",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(schema),
                {
                    field: str(links.get(str(user_id), LINK_AUTOMATIC))
                    for field, user_id in fields.items()
                },
            ),
        )

    def _push_services(self) -> list[SelectOptionDict]:
        """Return the services whose webhook can be re-created."""
        return [
            SelectOptionDict(value=service.subentry_id, label=service.title)
            for service in self._loaded_services()
            if service.push is not None
        ]

    def _loaded_services(self) -> list[SmartPlexService]:
        """Return the running services (none while the hub is not loaded)."""
        entry: SmartPlexConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return []
        return list(entry.runtime_data.services.values())

    def _webhook_status(self) -> str:
        """Return one line per webhook: where it is and whether it works."""
        lines = [
            f"- {service.title}: {push_status(service)}"
            for service in self._loaded_services()
            if service.push is not None
        ]
        return "\n".join(lines) or "-"

    async def _async_recreate_webhooks(self, subentry_ids: list[str]) -> None:
        """Give the chosen services new webhook ids (the old URLs stop working)."""
        for service in self._loaded_services():
            if service.subentry_id in subentry_ids and service.push is not None:
                await service.push.async_recreate()

    async def _async_test_ai(self, chosen: dict[str, Any]) -> str | None:
        """Return the error of the chosen provider's connection test, or None."""
        provider = create_provider(self.hass, chosen)
        if provider is None:
            return "ai_no_entity"
        try:
            if isinstance(provider, OpenAIProvider):
                await self.hass.async_add_executor_job(provider.warm)
            await provider.test()
        except AIError as err:
            if isinstance(provider, AITaskProvider):
                return "ai_no_entity"
            return AI_ERRORS.get(type(err), "ai_cannot_connect")
        return None

    async def async_step_ai_task(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the AI Task entity, checked before it is saved."""
        errors: dict[str, str] = {}
        if user_input is not None and CONF_AI_TASK_ENTITY in user_input:
            chosen = {
                **self._chosen,
                CONF_AI_TASK_ENTITY: user_input[CONF_AI_TASK_ENTITY],
            }
            if (error := await self._async_test_ai(chosen)) is None:
                return self.async_create_entry(data=chosen)
            errors[CONF_AI_TASK_ENTITY] = error
        return self.async_show_form(
            step_id="ai_task",
            errors=errors,
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_AI_TASK_ENTITY): EntitySelector(
                            EntitySelectorConfig(domain="ai_task")
                        )
                    }
                ),
                {
                    CONF_AI_TASK_ENTITY: self.config_entry.options.get(
                        CONF_AI_TASK_ENTITY
                    )
                },
            ),
        )

    async def async_step_openai(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter base URL, key and model of an OpenAI-compatible server, tested before saving."""
        errors: dict[str, str] = {}
        options = self.config_entry.options
        if user_input is not None and CONF_AI_MODEL in user_input:
            url = normalize_url(user_input.get(CONF_AI_BASE_URL) or "")
            chosen = {
                **self._chosen,
                CONF_AI_BASE_URL: url,
                # An empty key keeps the stored one (the form never shows it).
                CONF_AI_API_KEY: user_input.get(CONF_AI_API_KEY)
                or options.get(CONF_AI_API_KEY, ""),
                CONF_AI_MODEL: user_input[CONF_AI_MODEL].strip(),
            }
            if urlsplit(url).scheme not in {"http", "https"}:
                errors[CONF_AI_BASE_URL] = "ai_invalid_url"
            elif (error := await self._async_test_ai(chosen)) is None:
                return self.async_create_entry(data=chosen)
            else:
                errors["base"] = error
        return self.async_show_form(
            step_id="openai",
            errors=errors,
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_AI_BASE_URL): URL_SELECTOR,
                        vol.Optional(CONF_AI_API_KEY): KEY_SELECTOR,
                        vol.Required(CONF_AI_MODEL): TextSelector(),
                    }
                ),
                {
                    CONF_AI_BASE_URL: options.get(
                        CONF_AI_BASE_URL, DEFAULT_AI_BASE_URL
                    ),
                    CONF_AI_MODEL: options.get(CONF_AI_MODEL, DEFAULT_AI_MODEL),
                    CONF_TRIAGE: {
                        **TRIAGE_DEFAULTS,
                        **self.config_entry.options.get(CONF_TRIAGE, {}),
                    },
                },
            ),
        )


def _person_fields(choices: LinkChoices) -> dict[str, int]:
    """Return a form field per Tautulli user, named by the person (the form shows it)."""
    fields: dict[str, int] = {}
    for user_id, name, *_ in choices.people:
        fields[name if name not in fields else f"{name} ({user_id})"] = user_id
    return fields
