"""Private copies and equality."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from timetravel import Opaque
from timetravel.values import copy_value, values_equal


class NoEq:
    def __init__(self, n: int) -> None:
        self.n = n


def test_copies_are_deep_and_private() -> None:
    value = {"l": [{"x": 1}], "t": (1, [2])}
    c = copy_value(value, keep_refs=False)
    value["l"][0]["x"] = 2
    value["t"][1].append(3)
    assert c == {"l": [{"x": 1}], "t": (1, [2])}


def test_uncopyables_are_kept_by_reference_or_recorded_opaque() -> None:
    lock = threading.Lock()
    seen: set[str] = set()
    assert copy_value([lock], keep_refs=True, opaque_types=seen)[0] is lock
    rec = copy_value([lock], keep_refs=False)[0]
    assert isinstance(rec, Opaque) and rec.type == "_thread.lock" and "lock" in rec.repr
    assert seen == {"_thread.lock"}


def test_equality_handles_nan_arrays_frames_and_plain_objects() -> None:
    assert values_equal(float("nan"), float("nan"))
    assert values_equal([float("nan")], [float("nan")])
    assert values_equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert not values_equal(np.array([1, 2]), np.array([1, 3]))
    assert not values_equal(np.array([1, 2]), np.array([1.0, 2.0]))  # dtype matters
    assert values_equal(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]}))
    assert not values_equal(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}))
    assert values_equal(NoEq(1), NoEq(1)) and not values_equal(NoEq(1), NoEq(2))
    assert not values_equal(1, 1.0)  # a type change is a change
