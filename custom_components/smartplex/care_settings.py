"""Library care's settings: disk pressure, cleanup targets and protections, from the hub's options.

They live in the options' library_care section; disk_threshold and disk_target at
the top level of the options (before the section existed) still count when the
section does not set them. A root folder can have its own threshold and target,
one line each: `/movies: 90/80`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import voluptuous as vol

from .const import (
    CONF_DISK_TARGET,
    CONF_DISK_THRESHOLD,
    DEFAULT_DISK_TARGET,
    DEFAULT_DISK_THRESHOLD,
)

CONF_CARE = "library_care"
CONF_KEEP_TAG = "keep_tag"
CONF_PROTECT_DAYS = "protect_days"
CONF_GRACE_DAYS = "grace_days"
CONF_PLAN_CAP = "plan_cap"
CONF_ROOT_FOLDERS = "root_folders"
CONF_SEARCHES_PER_HOUR = "searches_per_hour"
CONF_SEARCH_DRY_RUN = "search_dry_run"
CONF_UPGRADES_AFTER_CLEANUP = "upgrades_after_cleanup"
DEFAULT_KEEP_TAG = "keep"
DEFAULT_PROTECT_DAYS = 30
DEFAULT_PLAN_CAP = 50
MAX_PROTECT_DAYS = 365
MAX_GRACE_DAYS = 90
# As plan_cleanup's max_items allows (action_fields imports the actions, so not from there).
MAX_PLAN_CAP = 500
DEFAULT_SEARCHES_PER_HOUR = 20
MAX_SEARCHES_PER_HOUR = 100
MAX_UPGRADES_AFTER_CLEANUP = 20


def whole(value: Any) -> int:
    """Return a whole number (the number selector gives 30.0), refusing fractions and bools."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise vol.Invalid("expected a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise vol.Invalid("expected a whole number")
    return int(value)


PERCENT = vol.All(vol.Coerce(float), vol.Range(min=1, max=99))
DAYS = vol.All(whole, vol.Range(min=0, max=MAX_PROTECT_DAYS))
GRACE = vol.All(whole, vol.Range(min=0, max=MAX_GRACE_DAYS))
PLAN_CAP = vol.All(whole, vol.Range(min=1, max=MAX_PLAN_CAP))
PER_HOUR = vol.All(whole, vol.Range(min=1, max=MAX_SEARCHES_PER_HOUR))
UPGRADES = vol.All(whole, vol.Range(min=0, max=MAX_UPGRADES_AFTER_CLEANUP))


@dataclass(frozen=True, slots=True, kw_only=True)
class CareSettings:
    """The hub's library care settings."""

    threshold: float = DEFAULT_DISK_THRESHOLD
    target: float = DEFAULT_DISK_TARGET
    keep_tag: str = DEFAULT_KEEP_TAG
    # Watched within this many days protects a title.
    protect_days: int = DEFAULT_PROTECT_DAYS
    grace_days: int = 0
    plan_cap: int = DEFAULT_PLAN_CAP
    # Searches any caller (the Search autopilot switches included) makes in an hour.
    searches_per_hour: int = DEFAULT_SEARCHES_PER_HOUR
    # The Search autopilot switches only announce what they would search.
    search_dry_run: bool = False
    # Most watched titles below their cutoff searched after a cleanup freed space. Off
    # (0) by default: upgrades fill the space just freed again and use indexer quota.
    upgrades_after_cleanup: int = 0
    # Root folder path -> its own (threshold, target).
    root_folders: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def threshold_of(self, root_folder: str) -> float:
        """Return the pressure threshold of a root folder."""
        return self._of(root_folder)[0]

    def target_of(self, root_folder: str) -> float:
        """Return the cleanup target of a root folder."""
        return self._of(root_folder)[1]

    def _of(self, root_folder: str) -> tuple[float, float]:
        """Return a root folder's (threshold, target), its own or the global one."""
        own = self.root_folders.get(root_folder.rstrip("/") or "/")
        return own if own is not None else (self.threshold, self.target)


def parse_root_folders(text: str) -> dict[str, tuple[float, float]]:
    """Read `PATH: THRESHOLD/TARGET` lines; raise ValueError on a bad one."""
    found: dict[str, tuple[float, float]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        path, colon, numbers = line.rpartition(":")
        threshold, slash, target = numbers.partition("/")
        path = path.strip().rstrip("/") or "/"
        if not colon or not slash or not path.startswith("/"):
            raise ValueError(line)
        try:
            pair = (PERCENT(threshold.strip()), PERCENT(target.strip()))
        except vol.Invalid as err:
            raise ValueError(line) from err
        if pair[1] >= pair[0]:
            raise ValueError(line)
        found[path] = pair
    return found


def validate_care(data: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return the library care settings as stored, or the error key of the first bad one."""
    defaults = CareSettings()
    settings = {
        CONF_DISK_THRESHOLD: defaults.threshold,
        CONF_DISK_TARGET: defaults.target,
        CONF_KEEP_TAG: defaults.keep_tag,
        CONF_PROTECT_DAYS: defaults.protect_days,
        CONF_GRACE_DAYS: defaults.grace_days,
        CONF_PLAN_CAP: defaults.plan_cap,
        CONF_SEARCHES_PER_HOUR: defaults.searches_per_hour,
        CONF_SEARCH_DRY_RUN: defaults.search_dry_run,
        CONF_UPGRADES_AFTER_CLEANUP: defaults.upgrades_after_cleanup,
        **data,
    }
    try:
        stored: dict[str, Any] = {
            CONF_DISK_THRESHOLD: PERCENT(settings[CONF_DISK_THRESHOLD]),
            CONF_DISK_TARGET: PERCENT(settings[CONF_DISK_TARGET]),
            CONF_PROTECT_DAYS: DAYS(settings[CONF_PROTECT_DAYS]),
            CONF_GRACE_DAYS: GRACE(settings[CONF_GRACE_DAYS]),
            CONF_PLAN_CAP: PLAN_CAP(settings[CONF_PLAN_CAP]),
            CONF_SEARCHES_PER_HOUR: PER_HOUR(settings[CONF_SEARCHES_PER_HOUR]),
            CONF_SEARCH_DRY_RUN: vol.Boolean()(settings[CONF_SEARCH_DRY_RUN]),
            CONF_UPGRADES_AFTER_CLEANUP: UPGRADES(
                settings[CONF_UPGRADES_AFTER_CLEANUP]
            ),
        }
    except vol.Invalid:
        return {}, "invalid_care_number"
    if stored[CONF_DISK_TARGET] >= stored[CONF_DISK_THRESHOLD]:
        return {}, "invalid_care_target"
    stored[CONF_KEEP_TAG] = str(settings[CONF_KEEP_TAG] or "").strip()
    if text := str(settings.get(CONF_ROOT_FOLDERS) or "").strip():
        try:
            parse_root_folders(text)
        except ValueError:
            return {}, "invalid_root_folders"
        stored[CONF_ROOT_FOLDERS] = text
    return stored, None


def care_settings(options: Mapping[str, Any]) -> CareSettings:
    """Return the library care settings of a hub's options."""
    section = {
        key: options[key]
        for key in (CONF_DISK_THRESHOLD, CONF_DISK_TARGET)
        if key in options
    } | dict(options.get(CONF_CARE) or {})
    stored, error = validate_care(section)
    if error:
        # Saved by the options flow, so only a hand-edited entry gets here.
        stored, _ = validate_care({})
    return CareSettings(
        threshold=stored[CONF_DISK_THRESHOLD],
        target=stored[CONF_DISK_TARGET],
        keep_tag=stored[CONF_KEEP_TAG],
        protect_days=stored[CONF_PROTECT_DAYS],
        grace_days=stored[CONF_GRACE_DAYS],
        plan_cap=stored[CONF_PLAN_CAP],
        searches_per_hour=stored[CONF_SEARCHES_PER_HOUR],
        search_dry_run=stored[CONF_SEARCH_DRY_RUN],
        upgrades_after_cleanup=stored[CONF_UPGRADES_AFTER_CLEANUP],
        root_folders=parse_root_folders(stored.get(CONF_ROOT_FOLDERS, "")),
    )
