"""Values through the file encoding: exact round trips, readable records, and safety."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import msgpack
import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from tests.conftest import values
from timetravel import MISSING, REDACTED, ObjectRecord, Opaque
from timetravel._codec import EXT_NDARRAY, DecodeError, decode, encode
from timetravel.values import values_equal


def roundtrip(value: Any) -> Any:
    return decode(encode(value))


EXACT = [
    {"a": 1, 2: "int key", ("t", 1): "tuple key"},
    [1, [2, [3]]],
    (1, "two", (3.0,)),
    {1, 2, 3},
    frozenset({"x", "y"}),
    "text ✓",
    b"\x00\xffbytes",
    0,
    -(2**63),
    2**64 - 1,
    2**100,
    -(2**100),
    1.5,
    math.inf,
    -math.inf,
    True,
    None,
    3 + 4j,
    dt.datetime(2026, 11, 24, 10, 30, 1, 123456),
    dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.date(2026, 1, 2),
    dt.time(23, 59, 58, 999),
    dt.timedelta(days=-3, seconds=5, microseconds=7),
    decimal.Decimal("3.14159265358979323846264338327950288"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
]


@pytest.mark.parametrize("value", EXACT, ids=lambda v: type(v).__name__)
def test_exact_round_trip(value: Any) -> None:
    back = roundtrip(value)
    assert back == value
    assert type(back) is type(value)


def test_bytearray_comes_back_as_bytes() -> None:
    # msgpack writes bytearray as plain binary before any hook sees it.
    assert roundtrip(bytearray(b"ba")) == b"ba"


def test_nan_round_trips() -> None:
    assert math.isnan(roundtrip(float("nan")))


def test_zoneinfo_keeps_its_zone() -> None:
    when = dt.datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris"))
    back = roundtrip(when)
    assert back == when and back.utcoffset() == when.utcoffset()
    assert getattr(back.tzinfo, "key", None) == "Europe/Paris"


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(12, dtype=np.int32).reshape(3, 4),
        np.array([1.5, np.nan, np.inf]),
        np.array([True, False]),
        np.array(["a", "bcd"]),
        np.array(["2026-01-01", "NaT"], dtype="datetime64[ns]"),
        np.zeros((2, 0)),
        np.array([(1, 2.0)], dtype=[("x", "<i4"), ("y", "<f8")]),
        np.asfortranarray(np.arange(6).reshape(2, 3)),
        np.array([{"a": 1}, None], dtype=object),
    ],
    ids=lambda a: str(a.dtype),
)
def test_numpy_arrays_round_trip(arr: Any) -> None:
    back = roundtrip(arr)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert values_equal(back, arr)
    back.flat[0:0] = []  # a writable array, not a view on file bytes
    assert back.flags.writeable


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": [1, 2, 3], "b": [0.5, np.nan, 2.0], "c": ["x", "y", None]}),
        pd.DataFrame(
            {"when": pd.to_datetime(["2026-01-01", None]), "n": pd.array([1, None], dtype="Int64")}
        ),
        pd.DataFrame({"v": [1, 2]}, index=pd.Index(["r1", "r2"], name="row")),
        pd.DataFrame(
            {"v": [1, 2, 3]},
            index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "i"]),
        ),
        pd.DataFrame({"cat": pd.Categorical(["lo", "hi", "lo"])}),
        pd.DataFrame(),
    ],
)
def test_dataframes_round_trip(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(roundtrip(frame), frame)


def test_series_round_trips() -> None:
    s = pd.Series([1.0, 2.5, np.nan], index=[10, 20, 30], name="speed")
    pd.testing.assert_series_equal(roundtrip(s), s)


class Color(enum.Enum):
    RED = 1


@dataclass
class Point:
    x: int
    y: list[int]


class Plain:
    def __init__(self) -> None:
        self.name = "p"
        self.n = 3


def test_objects_come_back_as_readable_records_without_import() -> None:
    assert roundtrip(Color.RED) == ObjectRecord(
        "tests.test_codec.Color", {"name": "RED", "value": 1}
    )
    assert roundtrip(Point(1, [2])) == ObjectRecord("tests.test_codec.Point", {"x": 1, "y": [2]})
    assert roundtrip(Plain()) == ObjectRecord("tests.test_codec.Plain", {"name": "p", "n": 3})


def test_handles_come_back_opaque() -> None:
    lock = threading.Lock()
    back = roundtrip({"lock": lock, "fn": lambda: 1})
    assert isinstance(back["lock"], Opaque) and back["lock"].type == "_thread.lock"
    assert isinstance(back["fn"], Opaque) and back["fn"].type == "function"


def test_markers_round_trip() -> None:
    assert roundtrip([REDACTED, MISSING, Opaque("x.Y", "<Y>")]) == [
        REDACTED,
        MISSING,
        Opaque("x.Y", "<Y>"),
    ]


@given(values)
def test_any_plain_value_round_trips(value: Any) -> None:
    assert values_equal(roundtrip(value), value)


def test_raw_bytes_never_become_object_pointers() -> None:
    # A structured dtype with an object field, sent as raw bytes, is refused.
    forged = msgpack.packb([[["f0", "|O"]], [1], b"\x00" * 8], use_bin_type=True)
    with pytest.raises(DecodeError, match="objects"):
        decode(msgpack.packb(msgpack.ExtType(EXT_NDARRAY, forged)))


def test_unknown_extension_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="unknown extension type 99"):
        decode(msgpack.packb(msgpack.ExtType(99, b"\xc0")))


def test_pickle_opcodes_are_just_bytes() -> None:
    import pickle

    payload = pickle.dumps(Plain())
    assert roundtrip(payload) == payload  # stored and returned as bytes, never unpickled


def test_datetime_subclasses_keep_their_value() -> None:
    stamp = pd.Timestamp("2026-11-24 10:30:01.123456")
    assert roundtrip(stamp) == dt.datetime(2026, 11, 24, 10, 30, 1, 123456)


def test_namedtuples_become_readable_records() -> None:
    from collections import namedtuple

    Pt = namedtuple("Pt", "x y")
    assert roundtrip(Pt(1, 2)) == ObjectRecord("tests.test_codec.Pt", {"x": 1, "y": 2})
