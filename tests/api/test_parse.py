"""Tolerant converters: numbers as strings, empty strings, nulls and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
import gc
import threading

import pytest

from custom_components.smartplex.api import parse
from custom_components.smartplex.api.base import encode_query, gc_paused, major_version


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("12.7", 12),
        (3.9, 3),
        (True, 1),
        ("", None),
        (None, None),
        ("x", None),
        ([], None),
    ],
)
def test_opt_int(value: object, expected: int | None) -> None:
    """Ints accept Tautulli's string numbers and reject garbage."""
    assert parse.opt_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.5", 1.5), (2, 2.0), ("", None), ("n/a", None), (False, None)],
)
def test_opt_float(value: object, expected: float | None) -> None:
    """Floats accept numbers and numeric strings."""
    assert parse.opt_float(value) == expected


def test_strings_bools_and_lists() -> None:
    """Strings, booleans and lists tolerate odd inputs."""
    assert parse.opt_str(5) == "5"
    assert parse.opt_str("") is None
    assert parse.to_str(None, "d") == "d"
    assert parse.to_float("x", 1.0) == 1.0
    assert [parse.to_bool(v) for v in ("1", "true", "0", 1, 0, None, True)] == [
        True,
        True,
        False,
        True,
        False,
        False,
        True,
    ]
    assert parse.str_tuple(["a", "", 3]) == ("a",)
    assert parse.str_tuple("a") == ()
    assert parse.int_tuple(["1", "x", 2]) == (1, 2)
    assert parse.int_tuple(None) == ()
    assert parse.as_dict([1]) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("1462688370", datetime.fromtimestamp(1462688370, UTC)),
        (1462688370, datetime.fromtimestamp(1462688370, UTC)),
        ("", None),
        ("not a date", None),
        (0, None),
        (None, None),
    ],
)
def test_opt_datetime(value: object, expected: datetime | None) -> None:
    """ISO strings and epoch seconds become aware datetimes."""
    assert parse.opt_datetime(value) == expected


def test_opt_date() -> None:
    """Dates accept YYYY-MM-DD prefixes only."""
    assert parse.opt_date("2011-04-17") == date(2011, 4, 17)
    assert parse.opt_date("2011-04-17T00:00:00Z") == date(2011, 4, 17)
    assert parse.opt_date("") is None
    assert parse.opt_date("2011-99-99") is None


def test_major_version_and_query() -> None:
    """Version prefixes and query encoding."""
    assert major_version("v2.13.4") == 2
    assert major_version("4.0.1.929") == 4
    assert major_version("develop-local") is None
    assert encode_query({"a": True, "b": None, "c": [1, 2], "d": 1.5}) == [
        ("a", "true"),
        ("c", "1"),
        ("c", "2"),
        ("d", "1.5"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"id": 1}, 2, {"id": 3}], [{"id": 1}, {"id": 3}]),
        ({"id": 1}, [{"id": 1}]),
        ({}, []),
        ({"records": []}, None),
        ({"results": [{"id": 1}]}, None),
        ({"data": []}, None),
        ("x", None),
        (None, None),
    ],
)
def test_object_list(value: object, expected: list[object] | None) -> None:
    """A single object is a list of one; a page envelope or a scalar is no list."""
    assert parse.object_list(value) == expected
    assert parse.dict_list(value) == (expected or [])


def test_gc_pauses_nest_across_threads() -> None:
    """The collector stays off until the last pause in any thread ends."""
    inside, release = threading.Event(), threading.Event()

    def other_parse() -> None:
        with gc_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other_parse)
    thread.start()
    inside.wait(10)
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread still parses
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_gc_pause_leaves_a_disabled_collector_disabled() -> None:
    """A collector someone else turned off stays off after a pause."""
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
