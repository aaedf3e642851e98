"""Constants for the SmartPlex integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "smartplex"
LOGGER = logging.getLogger(__package__)

CONF_SUBENTRY_ID: Final = "subentry_id"
CONF_UPCOMING_DAYS: Final = "upcoming_days"
CONF_VOICE_SENTENCES: Final = "voice_sentences"
CONF_AI_PROVIDER: Final = "ai_provider"
CONF_AI_TASK_ENTITY: Final = "ai_task_entity"
CONF_AI_BASE_URL: Final = "ai_base_url"
CONF_AI_API_KEY: Final = "ai_api_key"
CONF_AI_MODEL: Final = "ai_model"
CONF_AI_RERANK: Final = "ai_rerank"
CONF_DISK_THRESHOLD: Final = "disk_threshold"
CONF_DISK_TARGET: Final = "disk_target"
# A root folder's disk used at or above this share is under pressure; cleanup aims
# for the target.
DEFAULT_DISK_THRESHOLD: Final = 85
DEFAULT_DISK_TARGET: Final = 75
AI_PROVIDER_NONE: Final = "none"
AI_PROVIDER_AI_TASK: Final = "ai_task"
AI_PROVIDER_OPENAI: Final = "openai"
AI_PROVIDERS: Final = (AI_PROVIDER_NONE, AI_PROVIDER_AI_TASK, AI_PROVIDER_OPENAI)
# The key of each Overseerr's request autopilot switch (its unique id ends with it).
REQUEST_AUTOPILOT: Final = "request_autopilot"
DEFAULT_AI_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_AI_MODEL: Final = "gpt-4o-mini"
# Request triage policies: one section of the hub's options.
CONF_TRIAGE: Final = "request_triage"
CONF_APPROVE_ABOVE: Final = "approve_above"
CONF_AUTO_DECLINE: Final = "auto_decline"
CONF_DECLINE_BELOW: Final = "decline_below"
CONF_DAILY_CAP: Final = "daily_cap"
CONF_WEEKLY_CAP: Final = "weekly_cap"
CONF_FAVOURITE_GENRES: Final = "favourite_genres"
CONF_FAVOURITE_PEOPLE: Final = "favourite_people"
CONF_USER_RULES: Final = "user_rules"
# Tautulli user id (text) -> Overseerr user id (0: not linked), set in the options.
CONF_USER_LINKS: Final = "user_links"

DEFAULT_NAME: Final = "SmartPlex"
DEFAULT_TMDB_URL: Final = "https://api.themoviedb.org"
DEFAULT_UPCOMING_DAYS: Final = 7
MAX_UPCOMING_DAYS: Final = 60

SERVICE_OVERSEERR: Final = "overseerr"
SERVICE_RADARR: Final = "radarr"
SERVICE_SONARR: Final = "sonarr"
SERVICE_TAUTULLI: Final = "tautulli"
SERVICE_TMDB: Final = "tmdb"
SERVICE_TYPES: Final = (
    SERVICE_SONARR,
    SERVICE_RADARR,
    SERVICE_OVERSEERR,
    SERVICE_TAUTULLI,
    SERVICE_TMDB,
)

# Live streams change by the second; 15 s keeps "who is watching" current for
# automations (lights, notifications) at 240 small requests an hour.
INTERVAL_ACTIVITY: Final = timedelta(seconds=15)
# Download progress is only interesting at minute granularity.
INTERVAL_QUEUE: Final = timedelta(minutes=1)
# Requests are made by people; 5 minutes is fast enough to react and cheap.
INTERVAL_REQUESTS: Final = timedelta(minutes=5)
# New plays arrive when a stream ends; history is fetched incrementally.
INTERVAL_HISTORY: Final = timedelta(minutes=5)
# Health checks and disk space move slowly; *arr itself re-checks health on a schedule.
INTERVAL_SYSTEM: Final = timedelta(minutes=15)
# Calendars and the wanted lists only change when the *arr refreshes metadata or searches.
INTERVAL_CALENDAR: Final = timedelta(hours=1)
INTERVAL_WANTED: Final = timedelta(hours=1)
# The library index follows the change feed (history since the last poll: usually an
# empty list), re-reading only the titles an event names.
INTERVAL_LIBRARY: Final = timedelta(minutes=5)
# A full listing is the largest response there is (43 MB for 20,000 movies, 7 MB for
# 3,000 series); it only catches titles deleted outside SmartPlex (Sonarr/Radarr drop
# their history; titles added without a download are found by their id). Once a day
# keeps that under 2.1 MB an hour at that size; push notifications report it at once.
INTERVAL_LIBRARY_RESYNC: Final = timedelta(hours=24)
# Tautulli users are added or removed by hand, rarely.
INTERVAL_USERS: Final = timedelta(minutes=30)
# A version changes only when the server is upgraded: checking hourly notices an
# unsupported one within the hour for one or two small requests.
INTERVAL_STATUS: Final = timedelta(hours=1)
# TMDB is a remote, shared, rate-limited API: only a reachability check here.
INTERVAL_TMDB: Final = timedelta(hours=6)

# Push: whether services may call the webhooks from outside the local network.
CONF_PUSH_REMOTE: Final = "push_remote"
# SmartPlex user (Overseerr or Tautulli username) -> notify action, e.g. notify.mobile_app_anna.
CONF_NOTIFY_TARGETS: Final = "notify_targets"
# While push works, the polls it covers only catch what a lost notification missed.
PUSH_POLL_INTERVALS: Final[dict[str, dict[str, timedelta]]] = {
    SERVICE_SONARR: {
        "queue": timedelta(minutes=15),
        "library": timedelta(minutes=30),
        "health": timedelta(hours=1),
    },
    SERVICE_RADARR: {
        "queue": timedelta(minutes=15),
        "library": timedelta(minutes=30),
        "health": timedelta(hours=1),
    },
    SERVICE_OVERSEERR: {
        "requests": timedelta(minutes=30),
        "request_events": timedelta(minutes=30),
    },
    SERVICE_TAUTULLI: {
        "activity": timedelta(minutes=5),
        "history": timedelta(minutes=30),
    },
}
