"""No phantom frames: nothing changed means no frame, for every shape of value (issue 8).

Objects without ``__eq__`` compare by their fields and NaN equals NaN for recording purposes,
in lists, dicts and tuples, numpy arrays and pandas frames; a real change is still seen.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from timetravel import Recorder
from timetravel._engine import changed_indices, quick_equal
from timetravel.values import copy_value, values_equal

NAN = float("nan")


class Plain:
    """An object without ``__eq__``: Python compares it by identity."""

    def __init__(self, a: Any, b: Any = "x", c: Any = None) -> None:
        self.a = a
        self.b = b
        self.c = c


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a: Any, b: Any) -> None:
        self.a = a
        self.b = b


def no_frames_after(state: dict[str, Any], captures: int = 3) -> int:
    rec = Recorder(state)
    assert rec.capture() is not None
    return sum(rec.capture() is not None for _ in range(captures))


def renewed(value: Any) -> Any:
    """An equal value made of new objects (new NaN floats too), as a rerun would build."""
    if isinstance(value, float) and math.isnan(value):
        return float("nan")
    if isinstance(value, list):
        return [renewed(v) for v in value]
    if isinstance(value, tuple):
        return tuple(renewed(v) for v in value)
    if isinstance(value, dict):
        return {k: renewed(v) for k, v in value.items()}
    return copy.deepcopy(value)


floats_with_nan = st.one_of(st.just(NAN), st.floats(allow_nan=False, allow_infinity=True))
small_nan_values = st.recursive(
    floats_with_nan,
    lambda children: st.one_of(
        st.lists(children, max_size=8),
        st.dictionaries(st.sampled_from("abcde"), children, max_size=5),
        st.tuples(children, children),
    ),
    max_leaves=30,
)
# Long lists take another path in the engine (tiled: drawing 300 items is slow).
nan_values = st.one_of(
    small_nan_values,
    st.lists(small_nan_values, min_size=1, max_size=4).map(lambda xs: renewed((xs * 80)[:300])),
)
plain_leaves = st.one_of(st.integers(-5, 5), st.text(max_size=3), floats_with_nan, st.none())


@st.composite
def plain_objects(draw: st.DrawFn, depth: int = 2) -> Any:
    if depth == 0:
        return draw(plain_leaves)
    inner = plain_objects(depth - 1)
    kind = draw(st.sampled_from(["plain", "slotted", "list", "dict", "leaf"]))
    if kind == "plain":
        return Plain(draw(inner), draw(inner), draw(st.lists(inner, max_size=3)))
    if kind == "slotted":
        return Slotted(draw(inner), draw(inner))
    if kind == "list":
        return draw(st.lists(inner, max_size=4))
    if kind == "dict":
        return draw(st.dictionaries(st.sampled_from("xyz"), inner, max_size=3))
    return draw(plain_leaves)


# --- nothing changed means no frame --------------------------------------------------------


@given(st.dictionaries(st.sampled_from("abcd"), plain_objects(), min_size=1, max_size=4))
def test_plain_objects_unchanged_record_no_frame(state: dict[str, Any]) -> None:
    assert no_frames_after(state) == 0


@given(st.lists(plain_objects(1), min_size=1, max_size=5))
def test_long_list_of_plain_objects_unchanged_records_no_frame(items: list[Any]) -> None:
    long = [copy.deepcopy(x) for x in (items * 60)[:300]]  # drawing 300 items is slow
    assert no_frames_after({"items": long}) == 0


@given(st.dictionaries(st.sampled_from("abcd"), nan_values, min_size=1, max_size=4))
def test_nan_floats_unchanged_record_no_frame(state: dict[str, Any]) -> None:
    assert no_frames_after(state) == 0


@given(st.dictionaries(st.sampled_from("abcd"), nan_values, min_size=1, max_size=4))
def test_nan_floats_rebuilt_equal_record_no_frame(state: dict[str, Any]) -> None:
    rec = Recorder(state)
    rec.capture()
    for key in list(state):
        state[key] = renewed(state[key])  # new NaN objects: NaN is not NaN
    assert rec.capture() is None


floats32_with_nan = st.one_of(st.just(NAN), st.floats(allow_nan=False, width=32))


@given(st.lists(floats32_with_nan, max_size=50), st.sampled_from(["float64", "float32"]))
def test_numpy_arrays_with_nan_unchanged_record_no_frame(xs: list[float], dtype: str) -> None:
    arr = np.array(xs, dtype=dtype)
    state: dict[str, Any] = {"arr": arr, "in_list": [arr.copy(), 1]}
    rec = Recorder(state)
    rec.capture()
    assert rec.capture() is None
    state["arr"] = arr.copy()
    assert rec.capture() is None


@given(st.lists(floats_with_nan, min_size=1, max_size=30))
def test_pandas_frames_with_nan_unchanged_record_no_frame(xs: list[float]) -> None:
    df = pd.DataFrame({"x": xs, "o": [Plain(v) for v in xs], "s": ["t"] * len(xs)})
    state: dict[str, Any] = {"df": df, "col": df["x"].copy()}
    rec = Recorder(state)
    rec.capture()
    assert rec.capture() is None
    state["df"] = df.copy(deep=True)
    assert rec.capture() is None


def test_ten_thousand_plain_objects_record_no_phantom_frames() -> None:
    state = {"objs": [Plain(i, f"n{i}", [i, 0.5]) for i in range(10_000)]}
    assert no_frames_after(state, 5) == 0


def test_a_list_mostly_nan_records_no_phantom_frames() -> None:
    state = {"xs": [NAN if i % 5 else float(i) for i in range(100_000)]}
    assert no_frames_after(state, 5) == 0


def test_self_referencing_objects_compare_without_recursing_forever() -> None:
    a = Plain(1)
    a.c = a
    state = {"a": a}
    assert no_frames_after(state) == 0
    a.b = "changed"
    rec = Recorder(state)
    rec.capture()
    a.a = 2
    assert rec.capture() is not None


# --- a real change is still seen ----------------------------------------------------------


@given(st.integers(0, 299), st.sampled_from(["a", "b"]))
def test_an_object_field_changed_in_place_is_seen(i: int, field: str) -> None:
    objs = [Plain(n, f"s{n}") for n in range(300)]
    state: dict[str, Any] = {"objs": objs, "one": Plain(0), "few": [Plain(1), Plain(2)]}
    rec = Recorder(state)
    rec.capture()
    setattr(objs[i], field, "new")
    frame = rec.capture()
    assert frame is not None
    assert [c.path for c in frame.changes] == [("objs", i)]
    assert getattr(rec.state_at(0)["objs"][i], field) != "new"  # history kept its copy
    state["few"][1].a = 5
    state["one"].b = "y"
    frame = rec.capture()
    assert frame is not None
    assert {c.path for c in frame.changes} == {("one",), ("few", 1)}


@given(st.integers(0, 399), st.booleans(), st.sampled_from(["list", "dict", "tuple", "top"]))
def test_nan_to_number_and_back_is_seen(i: int, to_nan: bool, shape: str) -> None:
    xs = [NAN if n % 2 else float(n) for n in range(400)]
    i = i | 1 if not to_nan else i & ~1  # a NaN to change, or a number to make NaN
    new = NAN if to_nan else 1.0
    state: dict[str, Any]
    if shape == "list":
        state = {"v": xs}
    elif shape == "dict":
        state = {"v": dict(enumerate(xs))}
    elif shape == "tuple":
        state = {"v": tuple(xs)}
    else:
        state = {"v": xs[i]}
    rec = Recorder(state)
    rec.capture()
    if shape == "list" or shape == "dict":
        state["v"][i] = new
    elif shape == "tuple":
        state["v"] = tuple(new if n == i else x for n, x in enumerate(xs))
    else:
        state["v"] = new
    frame = rec.capture()
    assert frame is not None
    assert values_equal(rec.state_at(1)["v"], state["v"])
    assert not values_equal(rec.state_at(0)["v"], state["v"])
    rec.undo()
    assert values_equal(state["v"], rec.state_at(0)["v"])


def test_numpy_nan_change_is_seen() -> None:
    state = {"arr": np.array([np.nan, 1.0, 2.0])}
    rec = Recorder(state)
    rec.capture()
    state["arr"][0] = 1.0
    assert rec.capture() is not None
    state["arr"][1] = np.nan
    assert rec.capture() is not None


def test_equality_helpers_agree_on_nan_and_objects() -> None:
    a, b = [Plain(1), NAN, (NAN, {"k": NAN})], [Plain(1), float("nan"), (NAN, {"k": NAN})]
    assert values_equal(a, b)
    assert not quick_equal(a, b)  # == can't decide: the descent does
    assert changed_indices(a, b) == []
    assert changed_indices([Plain(1), 1.0], [Plain(2), NAN]) == [0, 1]


# --- a dict inside a DataFrame object cell -------------------------------------------------


def test_dataframe_object_cell_changed_in_place_is_seen_and_history_kept() -> None:
    df = pd.DataFrame({"o": [{"x": 1}, {"x": 2}], "n": [1.0, np.nan]})
    state: dict[str, Any] = {"df": df, "s": pd.Series([{"x": 1}, {"x": 2}], name="o")}
    rec = Recorder(state)
    rec.capture()
    df.loc[0, "o"]["x"] = 99  # the dict in the cell, changed in place
    frame = rec.capture()
    assert frame is not None and {c.path[0] for c in frame.changes} == {"df"}
    assert rec.state_at(0)["df"].loc[0, "o"] == {"x": 1}
    assert rec.state_at(1)["df"].loc[0, "o"] == {"x": 99}
    state["s"].iloc[1]["x"] = 7  # a Series of objects too
    assert rec.capture() is not None
    assert rec.state_at(0)["s"].iloc[1] == {"x": 2}


def test_copy_value_copies_dataframe_object_cells() -> None:
    df = pd.DataFrame({"o": [[1], [2]], "s": ["a", "b"]})
    c = copy_value(df, keep_refs=False)
    assert c.loc[0, "o"] is not df.loc[0, "o"] and values_equal(c, df)
    assert list(c.dtypes) == list(df.dtypes) and c.index.equals(df.index)
