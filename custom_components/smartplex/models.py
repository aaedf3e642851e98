"""Runtime data of a SmartPlex hub entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry, ConfigSubentry

from .api import ServerInfo
from .metadata import TitleCache

if TYPE_CHECKING:
    from .assistant import Assistant
    from .coordinator import ServiceClient
    from .database_sync import DatabaseSync
    from .push_setup import PushStore
    from .service_setup import ServiceCoordinators
    from .webhook import PushManager

type SmartPlexConfigEntry = ConfigEntry[SmartPlexData]


@dataclass(kw_only=True)
class SmartPlexService:
    """One connected service instance (a config subentry) and its coordinators."""

    subentry: ConfigSubentry
    client: ServiceClient
    coordinators: ServiceCoordinators = field(init=False)
    info: ServerInfo | None = None
    last_success: datetime | None = None
    # Kinds of data whose latest fetch failed; the service is down while any is listed.
    failing: set[str] = field(default_factory=set)
    # Set while the service runs a version SmartPlex does not support.
    unsupported_version: str | None = None
    # Set when the key was rejected, until a request succeeds again.
    key_rejected: bool = False
    # The webhook of a service that can push (Sonarr, Radarr, Overseerr, Tautulli).
    push: PushManager | None = None

    @property
    def subentry_id(self) -> str:
        """Return the id of the subentry, which also identifies the device."""
        return self.subentry.subentry_id

    @property
    def service_type(self) -> str:
        """Return the kind of service: sonarr, radarr, overseerr, tautulli or tmdb."""
        return self.subentry.subentry_type

    @property
    def title(self) -> str:
        """Return the user-facing name of the service instance."""
        return self.subentry.title


@dataclass
class SmartPlexData:
    """Everything a loaded hub entry holds."""

    services: dict[str, SmartPlexService] = field(default_factory=dict)
    # Titles of TMDB ids, shared by every list that names titles by id.
    titles: TitleCache = field(default_factory=TitleCache)
    # The AI helper (provider, re-rank cache, proposals); None until set up.
    assistant: Assistant | None = None
    push_store: PushStore = field(init=False)
    # Keeps the SmartPlex database in step with the services (None: it cannot open).
    database: DatabaseSync | None = None
