"""Fields of SmartPlex's actions: each declared once with its validator, and how input is checked.

A field (name, validator with its range or pattern, required, default, description) serves the
actions, the LLM tools and the intent slots alike; validate() refuses bad input with a translated
ServiceValidationError naming the field, before anything is asked of a server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
import math
import re
from typing import Any

from homeassistant.exceptions import ServiceValidationError
import homeassistant.helpers.config_validation as cv
import voluptuous as vol

from .actions import invalid

# Sonarr, Radarr, Overseerr, TMDB and TVDB ids are 32-bit integers.
ID_MAX = 2**31 - 1
YEAR_MIN = 1870
YEAR_MAX = 2200
# Some series number their seasons by year.
SEASON_MAX = 9999
SEASONS_MAX = 100
TEXT_MAX = 200
REASON_MAX = 1000
SHOWN_VALUE_MAX = 40
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
IMDB_ID_PATTERN = r"^tt[0-9]{7,10}$"
PLAN_ID_PATTERN = r"^[0-9a-f]{32}$"
PLAN_ITEMS_MAX = 500


# Home Assistant 2026.9+ serves probatio as voluptuous, whose validators are generic.
class WholeNumber(vol.Coerce):  # type: ignore[type-arg,unused-ignore]
    """An integer: an int, a float without fraction or a string of ASCII digits; nothing else.

    Booleans, fractions, padded or signed strings, other scripts' digits, inf and nan are
    refused instead of being turned into some integer. Subclassing Coerce(int) makes the LLM
    tool schemas say "integer".
    """

    def __init__(self) -> None:
        """Validate towards int."""
        super().__init__(int)

    def __call__(self, value: Any) -> int:
        """Return the integer or raise vol.Invalid."""
        if isinstance(value, bool):
            raise vol.Invalid("expected a whole number, not a boolean")
        if isinstance(value, int):
            return value
        # input_number states and JSON numbers arrive as 12.0: exact, so accepted.
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        if isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
            return int(value)
        raise vol.Invalid("expected a whole number")


class FullMatch(vol.Match):  # type: ignore[type-arg,unused-ignore]
    """A string matching the whole pattern (re.match with $ would allow a trailing newline)."""

    def __init__(self, pattern: str) -> None:
        """Keep the pattern for the LLM schemas and compile it for whole-string matches."""
        super().__init__(pattern)
        self.whole: re.Pattern[str] = re.compile(pattern)

    def __call__(self, value: Any) -> Any:
        """Return the string or raise vol.Invalid."""
        if not isinstance(value, str) or not self.whole.fullmatch(value):
            raise vol.MatchInvalid(f"does not match {self.whole.pattern}")
        return value


def bounded_datetime(value: Any) -> datetime:
    """Return a date and time (ISO text or datetime) between the years YEAR_MIN and YEAR_MAX."""
    if isinstance(value, str) and not value.isascii():
        raise vol.Invalid("expected an ISO date and time")
    moment = cv.datetime(value)
    # Within these years adding the window or a time zone never overflows.
    if not YEAR_MIN <= moment.year < YEAR_MAX:
        raise vol.Invalid("date out of range")
    return moment


def item_count(max_items: int) -> Callable[[Any], Any]:
    """Return a check for a list of 1 to max_items items.

    vol.Length would tell LLMs a string length (minLength) for an array.
    """

    def check(value: Any) -> Any:
        if not 1 <= len(value) <= max_items:
            raise vol.Invalid(f"expected 1 to {max_items} items")
        return value

    return check


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One argument of an action: how it is checked, described and refused."""

    name: str
    description: str
    validator: Any
    error: str
    limits: Mapping[str, object] = field(default_factory=dict)
    required: bool = False
    default: Any = vol.UNDEFINED

    def marker(self) -> vol.Marker:
        """Return the voluptuous key of this field."""
        if self.required:
            return vol.Required(self.name, description=self.description)
        return vol.Optional(
            self.name, description=self.description, default=self.default
        )


def integer(
    name: str, description: str, minimum: int, maximum: int, **options: Any
) -> Field:
    """Declare a whole number within a range."""
    return Field(
        name=name,
        description=description,
        validator=vol.All(WholeNumber(), vol.Range(min=minimum, max=maximum)),
        error="invalid_whole_number",
        limits={"min": minimum, "max": maximum},
        **options,
    )


def integers(
    name: str, description: str, minimum: int, maximum: int, max_items: int
) -> Field:
    """Declare a non-empty list of whole numbers within a range."""
    return Field(
        name=name,
        description=description,
        validator=vol.All(
            [vol.All(WholeNumber(), vol.Range(min=minimum, max=maximum))],
            item_count(max_items),
        ),
        error="invalid_whole_numbers",
        limits={"min": minimum, "max": maximum, "max_items": max_items},
    )


def text(
    name: str, description: str, max_length: int = TEXT_MAX, **options: Any
) -> Field:
    """Declare a text of bounded length."""
    return Field(
        name=name,
        description=description,
        validator=vol.All(cv.string, vol.Length(min=1, max=max_length)),
        error="invalid_text",
        limits={"max": max_length},
        **options,
    )


def texts(name: str, description: str, max_length: int, max_items: int) -> Field:
    """Declare a non-empty list of texts of bounded length."""
    return Field(
        name=name,
        description=description,
        validator=vol.All(
            [vol.All(cv.string, vol.Length(min=1, max=max_length))],
            item_count(max_items),
        ),
        error="invalid_texts",
        limits={"max": max_length, "max_items": max_items},
    )


def choice(name: str, description: str, options: Sequence[str], **more: Any) -> Field:
    """Declare one of a fixed set of words."""
    return Field(
        name=name,
        description=description,
        validator=vol.In(list(options)),
        error="invalid_choice",
        limits={"choices": ", ".join(options)},
        **more,
    )


def removal_overrides(name: str, description: str, max_items: int) -> Field:
    """Declare per-item removal modes: a plan item key and the flags that differ for it."""
    return Field(
        name=name,
        description=description,
        validator=vol.All(
            [
                vol.Schema(
                    {
                        vol.Required("key"): vol.All(
                            cv.string, vol.Length(min=1, max=TEXT_MAX)
                        ),
                        vol.Optional("delete_files"): bool,
                        vol.Optional("unmonitor"): bool,
                        vol.Optional("add_exclusion"): bool,
                    }
                )
            ],
            item_count(max_items),
        ),
        error="invalid_overrides",
        limits={"max_items": max_items},
    )


def flag(name: str, description: str, default: bool) -> Field:
    """Declare a true/false switch (only real booleans)."""
    return Field(
        name=name,
        description=description,
        validator=bool,
        error="invalid_boolean",
        default=default,
    )


def moment(name: str, description: str) -> Field:
    """Declare a date and time within the supported years."""
    return Field(
        name=name,
        description=description,
        validator=bounded_datetime,
        error="invalid_datetime",
        limits={"min": YEAR_MIN, "max": YEAR_MAX},
    )


def required(declared: Field) -> Field:
    """Return the field, required (an intent needs the title its sentence names)."""
    return replace(declared, required=True)


INSTANCE = text(
    "instance",
    "Name of the service instance as shown on the SmartPlex page; omit for the default.",
)
TITLE = text("title", "Title, when no id is known.")
YEAR = integer("year", "Release year, to tell titles apart.", YEAR_MIN, YEAR_MAX)
TMDB_ID = integer("tmdb_id", "TMDB id.", 1, ID_MAX)
TVDB_ID = integer("tvdb_id", "TVDB id.", 1, ID_MAX)
IMDB_ID = Field(
    name="imdb_id",
    description="IMDb id (tt followed by 7 to 10 digits).",
    validator=vol.All(cv.string, FullMatch(IMDB_ID_PATTERN)),
    error="invalid_imdb_id",
)
QUALITY_PROFILE = text(
    "quality_profile", "Quality profile name; omit for the usual one."
)
ROOT_FOLDER = text("root_folder", "Root folder path; omit for the one with most space.")
# What add_movie and add_series share: how the title is found and where it goes.
ADD_FIELDS = (TMDB_ID, IMDB_ID, TITLE, YEAR, INSTANCE, QUALITY_PROFILE, ROOT_FOLDER)
SEARCH_NOW = flag("search", "Search for it right away.", default=True)
USER = text("user", "Requester's name.")
REQUEST_ID = integer(
    "request_id", "Id of the request (from get_requests).", 1, ID_MAX, required=True
)


def schema(fields: Iterable[Field]) -> dict[vol.Marker, Any]:
    """Return the voluptuous schema of some fields (for LLM tools and intent slots)."""
    return {declared.marker(): declared.validator for declared in fields}


def _shown(value: Any) -> str:
    """Return a short text of a refused value."""
    shown = repr(value)
    if len(shown) > SHOWN_VALUE_MAX:
        return f"{shown[: SHOWN_VALUE_MAX - 1]}…"
    return shown


def validate(
    fields: Sequence[Field], data: Mapping[str, Any], *, ignore_unknown: bool = False
) -> dict[str, Any]:
    """Return the checked arguments with defaults; refuse bad ones with a translated error."""
    checker = vol.Schema(
        schema(fields), extra=vol.REMOVE_EXTRA if ignore_unknown else vol.PREVENT_EXTRA
    )
    try:
        return dict(checker(dict(data)))
    except vol.MultipleInvalid as err:
        raise _refusal(fields, data, err.errors[0]) from None


def _refusal(
    fields: Sequence[Field], data: Mapping[str, Any], error: vol.Invalid
) -> ServiceValidationError:
    """Return the translated error for the first bad field."""
    name = str(error.path[0]) if error.path else "-"
    by_name = {declared.name: declared for declared in fields}
    if (declared := by_name.get(name)) is None:
        return invalid("unknown_field", field=name, fields=", ".join(by_name) or "-")
    # A key missing inside a field's own objects is that field's error.
    if isinstance(error, vol.RequiredFieldInvalid) and len(error.path) == 1:
        return invalid("missing_field", field=name)
    return invalid(
        declared.error, field=name, value=_shown(data.get(name)), **declared.limits
    )
