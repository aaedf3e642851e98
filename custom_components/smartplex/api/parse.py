"""Tolerant converters for JSON values: missing, null, numbers as strings, ISO dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

type JsonDict = Mapping[str, Any]


def as_dict(value: object) -> JsonDict:
    """Return value if it is a JSON object, else an empty one."""
    # A parsed body's objects are dicts: checking that first skips the slower ABC check.
    return value if type(value) is dict or isinstance(value, Mapping) else {}


# Keys under which these APIs wrap a page of results: such an object is not one item.
PAGE_KEYS = ("records", "results", "data")


def object_list(value: object) -> list[JsonDict] | None:
    """Return the JSON objects of a list; None when value is no list of objects.

    A single object counts as a list of one: real Radarr answers /movie and /rootfolder
    that way. An empty object is an empty list; a page envelope is no list at all.
    """
    if isinstance(value, list):
        return [
            item for item in value if type(item) is dict or isinstance(item, Mapping)
        ]
    if not isinstance(value, Mapping):
        return None
    if any(isinstance(value.get(key), list) for key in PAGE_KEYS):
        return None
    return [value] if value else []


def dict_list(value: object) -> list[JsonDict]:
    """Return the JSON objects of a list (or of a single object), dropping anything else."""
    return object_list(value) or []


def opt_int(value: object) -> int | None:
    """Convert ints, floats and numeric strings to int; None for anything else."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip():
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def to_int(value: object, default: int = 0) -> int:
    """Convert to int with a default for missing or unparsable values."""
    if type(value) is int:
        return value
    result = opt_int(value)
    return default if result is None else result


def opt_float(value: object) -> float | None:
    """Convert numbers and numeric strings to float; None for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            return None
    return None


def to_float(value: object, default: float = 0.0) -> float:
    """Convert to float with a default for missing or unparsable values."""
    result = opt_float(value)
    return default if result is None else result


def opt_str(value: object) -> str | None:
    """Return a non-empty string (numbers are stringified); None otherwise."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def to_str(value: object, default: str = "") -> str:
    """Return a string with a default for missing values."""
    result = opt_str(value)
    return default if result is None else result


def to_bool(value: object) -> bool:
    """Interpret true/false, 1/0 and their string forms."""
    if type(value) is bool:
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    if isinstance(value, (int, float)):
        return value != 0
    return value is True


def str_tuple(value: object) -> tuple[str, ...]:
    """Return the non-empty strings of a list."""
    if not isinstance(value, list) or not value:
        return ()
    # A list comprehension: a generator costs more than the few items it yields.
    return tuple([item for item in value if isinstance(item, str) and item])


def int_tuple(value: object) -> tuple[int, ...]:
    """Return the integer-like values of a list."""
    if not isinstance(value, list) or not value:
        return ()
    return tuple([number for item in value if (number := opt_int(item)) is not None])


def opt_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 string or Unix epoch seconds into an aware UTC datetime."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


def opt_date(value: object) -> date | None:
    """Parse a YYYY-MM-DD (or longer ISO) string into a date."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
