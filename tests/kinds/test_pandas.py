"""The pandas kind: equality, cell diffs and their inverse, exact Arrow round trips, old
payloads, and hostile files."""

from __future__ import annotations

import contextlib
import struct
import subprocess
import sys
from typing import Any

import msgpack
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import timetravel.kinds.pandas as pkind
from timetravel import MISSING, REDACTED
from timetravel._codec import DecodeError, decode, encode
from timetravel._format import DEFAULT_REDACT, Redactor
from timetravel.kinds.pandas import (
    EXT_FRAME,
    EXT_FRAME_V1,
    EXT_SERIES,
    Cells,
    Column,
    PandasKind,
    Rows,
)
from timetravel.values import values_equal

KIND = PandasKind()


def ext_code(data: bytes) -> int:
    return int(msgpack.unpackb(data, ext_hook=lambda code, _: code))


def assert_same(a: Any, b: Any) -> None:
    """Equal as the recorder sees it, and exactly (dtypes, index types, names)."""
    assert KIND.equal(a, b, values_equal)
    if isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=False)
    else:
        pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=False)


def roundtrip(value: Any) -> Any:
    return decode(encode(value))


# --- values built from small int tables, so edits keep every dtype --------------------------

KINDS = [
    "float",
    "int",
    "bool",
    "object",
    "Int64",
    "cat",
    "tz",
    "period",
    "interval",
    "string",
    "dt",
]


def make_column(kind: str, vals: list[int]) -> Any:
    if kind == "float":
        return np.array([np.nan if v == 0 else v / 2 for v in vals])
    if kind == "int":
        return np.array(vals, dtype="int64")
    if kind == "bool":
        return np.array([v > 0 for v in vals])
    if kind == "object":
        cells = np.empty(len(vals), dtype=object)
        for i, v in enumerate(vals):
            opts = [None, {"k": v}, [v], f"s{v}", float("nan"), v]
            cells[i] = opts[v % len(opts)]
        return cells
    if kind == "Int64":
        return pd.array([None if v == 0 else v for v in vals], dtype="Int64")
    if kind == "cat":
        return pd.Categorical(
            [None if v == 0 else "abc"[v % 3] for v in vals], categories=["c", "a", "b"]
        )
    if kind == "tz":
        stamps = [None if v == 0 else pd.Timestamp(2026, 1, 1 + v % 20) for v in vals]
        return pd.array(stamps, dtype="datetime64[ns]").tz_localize("Europe/Paris")
    if kind == "period":
        return pd.array(
            [pd.NaT if v == 0 else pd.Period(str(2000 + v), freq="Y") for v in vals],
            dtype="period[Y-DEC]",
        )
    if kind == "interval":
        return pd.arrays.IntervalArray.from_tuples([(v, v + 1) for v in vals], closed="left")
    if kind == "string":
        return pd.array([None if v == 0 else f"t{v}" for v in vals], dtype="string")
    if kind == "dt":
        return np.array(
            [np.datetime64("NaT") if v == 0 else np.datetime64(v, "s") for v in vals],
            dtype="datetime64[s]",
        )
    raise AssertionError(kind)


def make_index(kind: str, n: int) -> Any:
    if kind == "range":
        return pd.RangeIndex(n, name="row")
    if kind == "labels":
        return pd.Index([f"r{i}" for i in range(n)], dtype=object)
    if kind == "multi":
        return pd.MultiIndex.from_arrays(
            [[i // 2 for i in range(n)], [i % 2 for i in range(n)]], names=["a", "b"]
        )
    return pd.date_range("2026-01-01", periods=n, freq="D", tz="UTC")


def make_frame(spec: dict[str, Any]) -> pd.DataFrame:
    n = len(spec["rows"])
    data = {
        i: make_column(kind, [r[i] for r in spec["rows"]]) for i, kind in enumerate(spec["kinds"])
    }
    frame = (
        pd.DataFrame(data, index=make_index(spec["index"], n))
        if data
        else pd.DataFrame(index=make_index(spec["index"], n))
    )
    frame.columns = spec["labels"]
    return frame


cell = st.integers(-6, 6)


@st.composite
def specs(draw: st.DrawFn, min_rows: int = 1) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    n = draw(st.integers(min_rows, max(12, min_rows)))
    rows = [[draw(cell) for _ in kinds] for _ in range(n)]
    labels = [draw(st.sampled_from(["a", "b", "c", "price"])) for _ in kinds]
    return {
        "kinds": kinds,
        "rows": rows,
        "labels": labels,
        "index": draw(st.sampled_from(["range", "labels", "multi", "dates"])),
    }


@st.composite
def edited(draw: st.DrawFn, spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` with a few edits a recorded app might make."""
    new = {
        **spec,
        "rows": [list(r) for r in spec["rows"]],
        "kinds": list(spec["kinds"]),
        "labels": list(spec["labels"]),
    }
    for op in draw(
        st.lists(
            st.sampled_from(["cell", "cell", "append", "truncate", "add", "remove", "reverse"]),
            min_size=1,
            max_size=3,
        )
    ):
        rows, ncols = new["rows"], len(new["kinds"])
        if op == "cell" and rows:
            r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, ncols - 1))
            rows[r][c] = draw(cell)
        elif op == "append":
            rows += [[draw(cell) for _ in range(ncols)] for _ in range(draw(st.integers(1, 3)))]
        elif op == "truncate" and len(rows) > 1:
            del rows[draw(st.integers(1, len(rows) - 1)) :]
        elif op == "add":
            at = draw(st.integers(0, ncols))
            new["kinds"].insert(at, draw(st.sampled_from(KINDS)))
            new["labels"].insert(at, draw(st.sampled_from(["a", "new", "x"])))
            for r in rows:
                r.insert(at, draw(cell))
        elif op == "remove" and ncols > 1:
            at = draw(st.integers(0, ncols - 1))
            del new["kinds"][at], new["labels"][at]
            for r in rows:
                del r[at]
        elif op == "reverse":
            rows.reverse()
    return new


def apply(value: Any, changes: list[Any], inverse: bool = False) -> Any:
    out = KIND.copy(value, lambda v: v)
    for loc, old, new in reversed(changes) if inverse else changes:
        out = loc.put(out, old, new) if inverse else loc.put(out, new, old)
    return out


def check_diff(old: Any, new: Any) -> list[Any] | None:
    """The diff of two values, checked forward and backward, before and after a file."""
    if KIND.equal(old, new, values_equal):
        return None
    changes = KIND.diff(old, new)
    with contextlib.suppress(InvalidArgument):  # outside a hypothesis test
        event("whole" if changes is None else "+".join(sorted({c[0].name for c in changes})))
    if changes is None:
        return None
    assert changes
    for written in (changes, roundtrip(changes)):
        assert_same(apply(old, written), new)
        assert_same(apply(new, written, inverse=True), old)
    return changes


# --- equality ---------------------------------------------------------------------------------


def brute_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b) or a.shape != b.shape:
        return False
    axes = [(a.index, b.index)] + ([(a.columns, b.columns)] if isinstance(a, pd.DataFrame) else [])
    for x, y in axes:
        if list(x.names) != list(y.names) or list(x) != list(y):
            return False
        if (x.dtypes.tolist() if x.nlevels > 1 else [x.dtype]) != (
            y.dtypes.tolist() if y.nlevels > 1 else [y.dtype]
        ):
            return False
    if isinstance(a, pd.Series):
        a, b = a.to_frame(), b.to_frame()
        if not values_equal(a.columns[0], b.columns[0]):
            return False
    for i in range(a.shape[1]):
        ca, cb = a.iloc[:, i], b.iloc[:, i]
        if ca.dtype != cb.dtype:
            return False
        if not all(
            x is y or values_equal(x, y) or (_missing(x) and _missing(y))
            for x, y in zip(ca.tolist(), cb.tolist(), strict=True)
        ):
            return False
    return True


def _missing(x: Any) -> bool:
    """pandas' missing values (None, NaN, NA, NaT), which ``DataFrame.equals`` and so the
    pandas kind take for one another (docs/kinds.md)."""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # a container in a cell
        return False


@settings(max_examples=60)
@given(st.data())
def test_equal_matches_brute_force(data: st.DataObject) -> None:
    spec = data.draw(specs())
    old = make_frame(spec)
    new = make_frame(data.draw(st.one_of(st.just(spec), edited(spec))))
    assert KIND.equal(old, new, values_equal) == brute_equal(old, new)
    assert KIND.equal(old, KIND.copy(old, lambda v: v), values_equal)
    s_old, s_new = old.iloc[:, 0], new.iloc[:, 0]
    assert KIND.equal(s_old, s_new, values_equal) == brute_equal(s_old, s_new)


def test_equal_sees_names_and_index_dtypes() -> None:
    df = pd.DataFrame({"a": [1.0, np.nan]})
    renamed = df.copy()
    renamed.index.name = "row"
    assert not KIND.equal(df, renamed, values_equal)
    floats = df.set_axis(pd.Index([0.0, 1.0]), axis=0)
    assert not KIND.equal(df, floats, values_equal)
    cells = pd.DataFrame({"o": [{"x": float("nan")}, [1]]})
    assert KIND.equal(cells, KIND.copy(cells, lambda v: v), values_equal)


# --- diffs ------------------------------------------------------------------------------------


@settings(max_examples=150)
@given(st.data())
def test_frame_diffs_apply_forward_and_back(data: st.DataObject) -> None:
    spec = data.draw(specs(min_rows=data.draw(st.sampled_from([1, 6]))))
    check_diff(make_frame(spec), make_frame(data.draw(edited(spec))))


@settings(max_examples=80)
@given(st.data())
def test_series_diffs_apply_forward_and_back(data: st.DataObject) -> None:
    spec = data.draw(specs())
    spec = {
        **spec,
        "kinds": spec["kinds"][:1],
        "labels": spec["labels"][:1],
        "rows": [r[:1] for r in spec["rows"]],
    }
    new = data.draw(
        edited(spec).filter(lambda s: len(s["kinds"]) == 1 and s["kinds"] == spec["kinds"])
    )
    check_diff(make_frame(spec).iloc[:, 0], make_frame(new).iloc[:, 0])


def big_frame(n: int = 20) -> pd.DataFrame:
    spec = {
        "kinds": KINDS,
        "rows": [[(i * 7 + j) % 13 - 6 for j in range(len(KINDS))] for i in range(n)],
        "labels": [f"c{j}" for j in range(len(KINDS))],
        "index": "range",
    }
    return make_frame(spec)


@pytest.mark.parametrize("kind", KINDS)
def test_one_changed_cell_is_one_cells_change(kind: str) -> None:
    old = big_frame()
    new = old.copy()
    pos = KINDS.index(kind)
    new.iloc[[3], pos] = old.iloc[[4], pos].array if kind != "object" else [{"new": 1}]
    changes = check_diff(old, new)
    assert changes is not None and len(changes) == 1
    loc, before, after = changes[0]
    assert loc == Cells(pos, [3])
    assert loc.describe() == f"cells [3] of column {pos}"
    assert_cells(loc.get(old), before) and assert_cells(loc.get(new), after)


def assert_cells(a: Any, b: Any) -> bool:
    if isinstance(b, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        assert a.dtype == b.dtype and all(map(values_equal, a.tolist(), b.tolist()))
    return True


def test_structural_changes_use_column_and_rows() -> None:
    old = big_frame()
    added = old.copy()
    added.insert(2, "extra", np.arange(len(old)))
    changes = check_diff(old, added)
    assert changes is not None and [c[0] for c in changes] == [Column(2)]
    assert changes[0][1] is MISSING and changes[0][0].get(old).name == "c2"
    appended = pd.concat([old, old.iloc[:2]], ignore_index=True).rename_axis("row")
    changes = check_diff(old, appended)
    assert changes is not None and [c[0] for c in changes] == [Rows(20)]
    assert changes[0][1] is MISSING and Rows(20).get(old) is MISSING
    assert check_diff(appended, old) is not None
    rewritten = old.copy()
    rewritten["c1"] = rewritten["c1"] + 1
    changes = check_diff(old, rewritten)
    assert changes is not None and [c[0] for c in changes] == [Column(1)]


def test_too_much_changed_or_moved_is_whole() -> None:
    old = big_frame()
    assert KIND.diff(old, old.iloc[::-1]) is None
    assert KIND.diff(old, old + 0 if False else old.iloc[:, :1].assign(c0=1.5)) is None
    s = pd.Series(np.arange(10.0))
    assert KIND.diff(s, s * 2) is None
    assert KIND.diff(s, s.rename("other")) is None


def test_a_big_frame_with_one_changed_cell_records_a_few_bytes() -> None:
    old = pd.DataFrame(np.random.default_rng(0).random((100_000, 10)))
    new = old.copy()
    new.iloc[54_321, 7] = -1.0
    changes = KIND.diff(old, new)
    assert changes is not None and len(changes) == 1
    assert len(encode(changes)) < 1000
    assert_same(apply(old, changes), new)


def test_duplicate_columns_and_pandas_copy_on_write() -> None:
    old = pd.DataFrame([[1, 2.0, "x"], [3, 4.0, "y"]], columns=["a", "a", "a"])
    new = old.copy()
    new.iloc[1, 1] = 9.0
    assert check_diff(old, new) is not None
    view = old.iloc[:, :2]  # a view (pandas 2) or lazy copy (pandas 3) must not see puts
    before = view.copy()
    changes = KIND.diff(old, new)
    assert changes is not None
    target = old
    for loc, _, after in changes:
        target = loc.put(target, after, None)
    pd.testing.assert_frame_equal(view, before)


# --- locators from files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        (Cells, []),
        (Cells, [0]),
        (Cells, "ab"),
        (Cells, [0, []]),
        (Cells, [-1, [0]]),
        (Cells, [0, [1, 1]]),
        (Cells, [0, [2, 1]]),
        (Cells, [0, [-1]]),
        (Cells, [0, [1.0]]),
        (Cells, [0, [True]]),
        (Cells, ["0", [1]]),
        (Cells, [0, [10**12]]),
        (Cells, [0, "1"]),
        (Column, []),
        (Column, [-1]),
        (Column, ["1"]),
        (Column, [1, 2]),
        (Column, [10**12]),
        (Rows, [None]),
        (Rows, [-5]),
        (Rows, [1.5]),
        (Rows, {}),
    ],
)
def test_hostile_locator_args_are_refused(cls: Any, args: Any) -> None:
    with pytest.raises(ValueError):
        cls.from_args(args)


def test_locators_round_trip_and_refuse_wrong_values() -> None:
    for loc in (Cells(None, [0, 5]), Cells(2, [7]), Column(3), Rows(0)):
        assert type(loc).from_args(loc.args()) == loc
        assert roundtrip(loc) == loc
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(ValueError):
        Cells(0, [5]).get(df)
    with pytest.raises(ValueError):
        Cells(None, [0]).get(df)
    with pytest.raises(ValueError):
        Cells(0, [0]).put(df, np.array([1.5]), None)  # a dtype the column doesn't have
    with pytest.raises(ValueError):
        Cells(0, [0, 1]).put(df, np.array([1]), None)
    with pytest.raises(ValueError):
        Column(0).put(df, "not a column", None)
    with pytest.raises(ValueError):
        Rows(5).put(df, MISSING, None)
    with pytest.raises(ValueError):
        Rows(1).put(df, pd.Series([1]), MISSING)


# --- the file encoding ------------------------------------------------------------------------

EXACT = {
    "period": pd.DataFrame({"p": pd.period_range("2020-01", periods=3, freq="M"), "n": [1, 2, 3]}),
    "interval": pd.DataFrame({"i": pd.interval_range(0, 3, closed="both")}),
    "categorical": pd.DataFrame(
        {"c": pd.Categorical(["lo", None, "hi"], categories=["hi", "lo"], ordered=True)}
    ),
    "tz": pd.DataFrame({"t": pd.date_range("2026", periods=3, tz="Asia/Tokyo")}),
    "nullable": pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
        }
    ),
    "multi rows": pd.DataFrame(
        {"v": [1, 2, 3]},
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "i"]),
    ),
    "multi columns": pd.DataFrame(
        [[1, 2.5]], columns=pd.MultiIndex.from_tuples([("x", "a"), ("x", "b")], names=["top", None])
    ),
    "duplicate columns": pd.DataFrame(
        [[1, 2.5, "s", pd.Period("2020", "Y")]], columns=["a", "a", 3, 3]
    ),
    "period index": pd.DataFrame(
        {"v": [1, 2]}, index=pd.period_range("2020Q1", periods=2, freq="Q", name="q")
    ),
    "interval columns": pd.DataFrame([[1, 2]], columns=pd.interval_range(0, 2)),
    "dated index": pd.DataFrame(
        {"v": [1.5, 2.5]}, index=pd.date_range("2026-01-01", periods=2, freq="h", tz="UTC")
    ),
    "object cells": pd.DataFrame({"o": [{"a": [1, {"b": None}]}, (1, 2), None, 3.5]}),
    "complex and sparse": pd.DataFrame({"c": [1j, 2], "s": pd.arrays.SparseArray([0, 1])}),
    "empty": pd.DataFrame(),
    "no columns": pd.DataFrame(index=pd.Index(["x", "y"], name="k")),
    "no rows": pd.DataFrame(
        {"p": pd.Series([], dtype="period[D]"), "f": pd.Series([], dtype=float)}
    ),
}


@pytest.mark.parametrize("name", list(EXACT))
def test_frames_round_trip_exactly(name: str) -> None:
    frame = EXACT[name]
    data = encode(frame)
    assert ext_code(data) == EXT_FRAME
    assert_same(decode(data), frame)
    series = frame.iloc[:, 0] if frame.shape[1] else pd.Series([], dtype="Int8")
    series.name = ("a", 1)  # names are written as plain values (an Interval would be opaque)
    assert_same(roundtrip(series), series)


@settings(max_examples=40)
@given(specs(min_rows=0))
def test_random_frames_round_trip_exactly(spec: dict[str, Any]) -> None:
    frame = make_frame(spec)
    assert_same(roundtrip(frame), frame)


def test_string_dtypes_keep_their_storage() -> None:
    for dtype in ["string[python]", "string[pyarrow]", pd.StringDtype("python", na_value=np.nan)]:
        for n in (3, 30_000):  # as a list, then through Arrow
            s = pd.Series(pd.array(["a", None, "c"] * (n // 3), dtype=dtype), name="s")
            s.index = pd.Index(s.to_numpy()[: len(s)].astype(str), dtype=dtype)
            assert_same(roundtrip(s), s)
            assert_same(roundtrip(s.to_frame()), s.to_frame())


def test_without_pyarrow_the_first_payload_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pkind, "_pyarrow", lambda: None)
    frame = pd.DataFrame(
        {"f": [1.5, np.nan], "o": [{"a": 1}, None], "n": pd.array([1, None], dtype="Int64")}
    )
    data = encode(frame)
    assert ext_code(data) == EXT_FRAME_V1
    assert_same(decode(data), frame)
    periods = decode(encode(pd.DataFrame({"p": pd.period_range("2020", periods=2, freq="Y")})))
    assert periods["p"].tolist() == ["2020", "2021"]  # readable, not exact
    arrow = pd.DataFrame({"p": pd.period_range("2020", periods=2, freq="Y")})
    monkeypatch.undo()
    data = encode(arrow)
    monkeypatch.setattr(pkind, "_pyarrow", lambda: None)
    record = decode(data)
    assert record.type == "pandas.DataFrame" and "pyarrow" in record.fields["note"]


def ext(code: int, payload: Any) -> msgpack.ExtType:
    return msgpack.ExtType(code, msgpack.packb(payload, use_bin_type=True))


def test_old_payloads_still_decode() -> None:
    ndarray = msgpack.unpackb(encode(np.array([1, 2], dtype="int64")), ext_hook=msgpack.ExtType)
    frame_v1 = ext(
        12,
        [
            ["index", ["object", ["n", "s"]], None],
            ["index", ["object", ["r1", "r2"]], "row"],
            [["int64", ndarray], ["object", ["x", None]]],
        ],
    )
    frame = decode(msgpack.packb(frame_v1, use_bin_type=True))
    expected = pd.DataFrame(
        {"n": [1, 2], "s": ["x", None]}, index=pd.Index(["r1", "r2"], name="row")
    )
    expected.columns = pd.Index(["n", "s"], dtype=object)
    expected.index = pd.Index(["r1", "r2"], dtype=object, name="row")
    expected["s"] = expected["s"].astype(object)
    assert_same(frame, expected)
    series_v1 = ext(13, ["speed", ["range", 0, 2, 1, None], ["float64", [1.5, None]]])
    s = decode(msgpack.packb(series_v1, use_bin_type=True))
    assert s.name == "speed" and s.dtype == "float64" and s.iloc[0] == 1.5
    empty_multi = ext(12, [["range", 0, 0, 1, None], ["multi", [], ["a", "b"]], []])
    assert decode(msgpack.packb(empty_multi)).index.names == ["a", "b"]


def test_secrets_never_reach_the_file() -> None:
    frame = pd.DataFrame(
        {
            "user": pd.Categorical(["ann", "bob"]),
            "password": pd.array(["S3CR3T-a", "S3CR3T-b"], dtype="string"),
            "when": pd.period_range("2020", periods=2, freq="D"),
            "cfg": [{"token": "S3CR3T-cell"}, {"theme": "dark"}],
        }
    )
    data = encode({"f": frame, "s": frame["password"]}, Redactor(DEFAULT_REDACT))
    assert b"S3CR3T" not in data
    out = decode(data)
    assert out["f"]["password"].tolist() == [REDACTED, REDACTED]
    assert out["f"]["cfg"][0] == {"token": REDACTED}
    assert_same(out["f"][["user", "when"]], frame[["user", "when"]])
    assert out["s"].tolist() == [REDACTED, REDACTED]
    rows = pd.DataFrame(
        {"v": pd.period_range("2020", periods=2, freq="D")}, index=["user", "api_key"]
    )
    out = decode(encode(rows, Redactor(DEFAULT_REDACT)))
    assert out["v"].iloc[1] is REDACTED and str(out["v"].iloc[0]) == "2020-01-01"


# --- hostile files ----------------------------------------------------------------------------


def ipc(table: pa.Table, **options: Any) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(**options)) as w:
        w.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def frame_with(data: Any, rows: int = 3, cols: Any = None) -> bytes:
    payload = [["range", 0, 1, 1, None], ["range", 0, rows, 1, None], cols or [0], data]
    return msgpack.packb(ext(EXT_FRAME, payload), use_bin_type=True)


class EvilType(pa.ExtensionType):
    def __init__(self) -> None:
        super().__init__(pa.int64(), "evil.type")

    def __arrow_ext_serialize__(self) -> bytes:
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: Any, serialized: bytes) -> EvilType:
        raise AssertionError("a foreign extension type must not be deserialized")


def good_ipc() -> bytes:
    table = pa.Table.from_pandas(
        pd.DataFrame({"0": pd.period_range("2020", periods=3, freq="D")}), preserve_index=False
    )
    return ipc(table)


def patched_length(data: bytes, rows: int) -> bytes:
    """``data`` with its record batch declaring ``rows`` rows (the body left as it was)."""
    out = bytearray(data)
    offset = 0
    for message in pa.ipc.MessageReader.open_stream(pa.py_buffer(data)):
        meta = message.metadata.to_pybytes()
        start = data.index(meta, offset)
        if message.type == "record batch":
            (root,) = struct.unpack_from("<I", meta, 0)
            header = pkind._fb_table(meta, root, 2)
            pos = pkind._fb_field(meta, header, 0)
            struct.pack_into("<q", out, start + pos, rows)
        offset = start + len(meta)
    return bytes(out)


def hostile_payloads() -> dict[str, bytes]:
    good = good_ipc()
    nulls = ipc(pa.table({"0": pa.nulls(10**7)}))
    ints = ipc(pa.table({"0": pa.array([1, 2, 3], pa.int64())}))
    cases = {
        "truncated": frame_with(good[: len(good) // 2]),
        "garbage": frame_with(b"\xff\xff\xff\xff" + bytes(range(256)) * 4),
        "not bytes": frame_with("text"),
        "null column": frame_with(nulls, 10**7),
        "huge length": frame_with(patched_length(ints, 10**12), 10**12),
        "too few rows": frame_with(good, 5),
        "unknown column": frame_with(good, 3, [["int64", 0]]),
        "two references": frame_with(good, 3, [0, 0]),
        "bad cast": frame_with(good, 3, [["object", 0]]),
        "struct column": frame_with(ipc(pa.table({"0": pa.array([{"a": 1}] * 3)}))),
        "list column": frame_with(ipc(pa.table({"0": pa.array([[1]] * 3)}))),
        "series garbage": msgpack.packb(
            ext(EXT_SERIES, [None, ["range", 0, 3, 1, None], b"\x00" * 20])
        ),
        "arrow index garbage": msgpack.packb(
            ext(EXT_SERIES, [None, ["arrow", b"xx", [None], None], ["int64", []]])
        ),
    }
    with contextlib.suppress(Exception):  # a pyarrow built without zstd
        cases["compressed"] = frame_with(
            ipc(pa.table({"0": pa.array([1] * 3)}), compression="zstd")
        )
    return cases


@pytest.mark.parametrize("name", list(hostile_payloads()))
def test_hostile_arrow_data_is_refused(name: str) -> None:
    with pytest.raises(DecodeError):
        decode(hostile_payloads()[name])


def test_foreign_extension_types_are_refused() -> None:
    evil = EvilType()
    storage = pa.array([1, 2, 3], pa.int64())
    data = ipc(pa.table({"0": pa.ExtensionArray.from_storage(evil, storage)}))
    with pytest.raises(DecodeError, match="can't hold"):  # not registered here
        decode(frame_with(data))
    pa.register_extension_type(evil)
    try:
        with pytest.raises(DecodeError):
            decode(frame_with(data))
    finally:
        pa.unregister_extension_type("evil.type")


def test_the_codec_refuses_what_the_kind_refuses() -> None:
    with pytest.raises(ValueError, match=r"compressed|Arrow"):
        KIND.decode(
            EXT_FRAME, [["range", 0, 1, 1, None], ["range", 0, 3, 1, None], [0], good_ipc()[:40]]
        )
    good = frame_with(good_ipc())
    assert decode(good)[0].dtype == "period[D]"


# --- the rest of the kind ---------------------------------------------------------------------


def test_copy_json_size_and_claims() -> None:
    frame = pd.DataFrame({"o": [{"a": [1]}, "x"], "n": [1, 2]})
    copied = KIND.copy(frame, lambda v: __import__("copy").deepcopy(v))
    frame["o"].iloc[0]["a"].append(2)
    assert copied["o"].iloc[0] == {"a": [1]}
    assert KIND.to_json(frame, lambda v: v) == {"$dataframe": frame.to_dict(orient="split")}
    assert KIND.to_json(frame["n"], lambda v: v) == {
        "$series": {"name": "n", "index": [0, 1], "data": [1, 2]}
    }
    assert KIND.size(frame) > 32 and KIND.size(frame["n"]) > 16
    assert KIND.claims(frame) and KIND.claims(frame["n"]) and not KIND.claims([1])


def test_claims_never_imports_pandas() -> None:
    code = (
        "import sys; from timetravel.kinds.pandas import PandasKind; "
        "PandasKind().claims(object()); print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_fresh_process_reads_periods_and_intervals(tmp_path: Any) -> None:
    frame = pd.DataFrame({"p": pd.period_range("2020", periods=2, freq="D")})
    frame["i"] = pd.interval_range(0, 2)
    path = tmp_path / "frame.bin"
    path.write_bytes(encode(frame))
    code = (
        "import sys; from timetravel._codec import decode; "
        f"print(*decode(open({str(path)!r}, 'rb').read()).dtypes, sep='|')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().split("|") == [str(dtype) for dtype in frame.dtypes]


def test_changed_secret_cells_never_reach_the_file() -> None:
    redactor = Redactor(DEFAULT_REDACT)
    old = pd.DataFrame(
        {
            "user": ["ann", "bob", "cy", "di"],
            "password": ["S3CR3T-1", "S3CR3T-2", "", ""],
            "api_key": [1.5, 2.5, 0.0, 0.0],
        },
        index=pd.Index(["x", "token", "y", "z"], dtype=object),
    )
    new = old.copy()
    new.loc["x", "password"] = "S3CR3T-3"
    new.loc["x", "api_key"] = 9.5
    new.loc["token", "user"] = "S3CR3T-4"  # a row labelled like a secret
    new.loc["x", "user"] = "cy"
    changes = check_diff(old, new)
    assert changes is not None and all(isinstance(loc, Cells) for loc, _, _ in changes)
    data = encode(changes, redactor)
    assert b"S3CR3T" not in data
    view = decode(encode(old, redactor))  # what the file holds, then its changes applied
    for loc, _, after in decode(data):
        view = loc.put(view, after, None)
    assert view["user"].tolist() == ["cy", REDACTED, "cy", "di"]
    assert view["password"].tolist() == [REDACTED] * 4
    assert view["api_key"].tolist() == [REDACTED] * 4
    series = old["api_key"].rename("api_key")
    changed = series.copy()
    changed.iloc[0] = 7.5
    [(loc, _, after)] = decode(encode(KIND.diff(series, changed), redactor))
    assert loc.put(series.copy(), after, None).tolist() == [REDACTED, 2.5, 0.0, 0.0]


def test_categories_in_another_order_are_compared_by_value() -> None:
    old = pd.Series(pd.Categorical(["x", "y", "x", "x"], categories=["x", "y"]))
    new = pd.Series(pd.Categorical(["y", "y", "x", "x"], categories=["y", "x"]))
    assert old.dtype == new.dtype
    assert check_diff(old, new) is None  # the order is kept: recorded whole
    changes = check_diff(pd.DataFrame({"c": old, "n": 1}), pd.DataFrame({"c": new, "n": 1}))
    assert changes is not None and [c[0] for c in changes] == [Column(0)]
