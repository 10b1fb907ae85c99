"""A session holding every kind of value: nothing changed means no frame, restores at any
distance equal ``state_at``, and the recording opens in ``info``, ``export`` and the TUI."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import subprocess
import sys
import threading
from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timetravel as tt
from timetravel.values import copy_value, values_equal

EXE = os.path.join(os.path.dirname(sys.executable), "timetravel")


class Color(enum.Enum):
    RED = 1
    BLUE = 2


@dataclasses.dataclass
class Item:
    name: str
    qty: int


class Plain:
    def __init__(self, x: float) -> None:
        self.x = x


Pair = namedtuple("Pair", "a b")


def every_kind() -> dict[str, Any]:
    """One value of every kind, the awkward pandas dtypes included."""
    rows = 1_200
    df = pd.DataFrame(
        {
            "price": np.linspace(0, 1, rows),
            "qty": np.arange(rows),
            "name": [f"item {i}" for i in range(rows)],
            "period": pd.period_range("2024-01", periods=rows, freq="M"),
            "when": pd.date_range("2024-01-01", periods=rows, freq="h", tz="Europe/Paris"),
            "cat": pd.Categorical(["a", "b", "c"] * (rows // 3)),
            "span": pd.interval_range(0, rows),
            "meta": [{"i": i} for i in range(rows)],
        }
    )
    multi = pd.DataFrame(
        np.arange(12.0).reshape(4, 3),
        index=pd.MultiIndex.from_product([["x", "y"], [1, 2]], names=["l", "n"]),
        columns=["a", "a", "b"],  # duplicate labels
    )
    return {
        "doc": "lorem ipsum " * 200,
        "arr": np.linspace(0, 1, 5_000),
        "grid": np.arange(24).reshape(2, 3, 4),
        "df": df,
        "multi": multi,
        "series": pd.Series([1.5, np.nan, 3.0] * 500, name="s"),
        "color": Color.RED,
        "item": Item("pen", 2),
        "plain": [Plain(float(i)) for i in range(3)] + [Plain(float("nan"))],
        "pair": Pair(1, (2, 3)),
        "lock": threading.Lock(),
        "nan": [float("nan"), 1.0],
        "tags": {"a", "b"},
    }


EDITS = [
    lambda s: s.__setitem__("doc", s["doc"][:1000] + "EDIT" + s["doc"][1004:]),
    lambda s: s["arr"].__setitem__(4_000, 7.0),
    lambda s: s["grid"].__setitem__((1, 2, 3), -1),
    lambda s: s["df"].iat.__setitem__((5, 0), 99.0),
    lambda s: s["df"].iat.__setitem__((7, 2), "renamed"),
    lambda s: s["df"].at.__setitem__((9, "meta"), {"i": -1}),
    lambda s: s["multi"].iat.__setitem__((1, 1), -5.0),
    lambda s: s["series"].iat.__setitem__(1, 2.5),
    lambda s: s.__setitem__("color", Color.BLUE),
    lambda s: setattr(s["item"], "qty", 3),
    lambda s: setattr(s["plain"][1], "x", 10.0),
    lambda s: s.__setitem__("pair", Pair(1, (2, 4))),
    lambda s: s["tags"].add("c"),
    lambda s: s.__setitem__("df", s["df"].iloc[:-1]),
]


def test_nothing_changed_means_no_frame_for_every_kind() -> None:
    state = every_kind()
    rec = tt.Recorder(state)
    with pytest.warns(tt.TimetravelWarning):  # the lock can't be copied
        rec.capture()
    for _ in range(3):
        assert rec.capture() is None
    lock = state["lock"]
    state.update(copy_value(every_kind(), keep_refs=True))  # equal values, new objects
    state["lock"] = lock
    frame = rec.capture()
    assert frame is None, [str(c)[:80] for c in frame.changes]


def recorded_session(path: Path | None = None) -> tuple[tt.Recorder, list[dict[str, Any]]]:
    state = every_kind()
    rec = tt.Recorder(state, sink=path, exclude=["lock"])
    rec.capture()
    states = [copy_value(state, keep_refs=True)]
    for edit in EDITS:
        edit(state)
        assert rec.capture() is not None
        states.append(copy_value(state, keep_refs=True))
    return rec, states


def test_every_edit_is_recorded_inside_its_value() -> None:
    rec, _ = recorded_session()
    located = [c for f in rec.frames for c in f.changes if isinstance(c.path[-1], tt.kinds.Locator)]
    assert {c.path[0] for c in located} >= {"doc", "arr", "df", "multi", "series"}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, len(EDITS)), min_size=1, max_size=4))
def test_restores_at_any_distance_equal_state_at(targets: list[int]) -> None:
    rec, states = recorded_session()
    for t in targets:
        rec.jump(rec.frames[t].index)
        assert values_equal(dict(rec.state), states[t])
        recorded = {k: v for k, v in states[t].items() if k != "lock"}  # excluded
        assert values_equal(rec.state_at(rec.frames[-1].index), recorded)
    while rec.undo():
        pass
    assert values_equal(dict(rec.state), states[0])


def test_a_recording_of_every_kind_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "kinds.ttrec"
    rec, states = recorded_session(path)
    rec.close()
    recording = tt.Recording.open(path)
    for i, expected in enumerate(states):
        got = recording.state_at(i)
        # Objects of the app's classes come back as records of their fields (files name no
        # class to import); everything else comes back as it was.
        for key in expected.keys() - {"lock", "item", "plain", "pair", "color"}:
            assert values_equal(got[key], expected[key]), key
        assert got["item"].fields == {"name": "pen", "qty": expected["item"].qty}
        assert got["df"].dtypes.equals(expected["df"].dtypes)
        assert got["multi"].index.equals(expected["multi"].index)
        assert list(got["multi"].columns) == ["a", "a", "b"]
    info = subprocess.run([EXE, "info", str(path)], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    assert "df" in info.stdout
    out = tmp_path / "kinds.json"
    export = subprocess.run(
        [EXE, "export", str(path), "--states", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert export.returncode == 0, export.stderr
    text = out.read_text()
    data = json.loads(text) if text.lstrip().startswith(("[", "{")) else None
    assert data is not None or text.count("\n") >= len(states)


async def test_the_terminal_ui_opens_a_recording_of_every_kind(tmp_path: Path) -> None:
    from tests.tui.conftest import loaded, make_app

    path = tmp_path / "kinds.ttrec"
    rec, states = recorded_session(path)
    rec.close()
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        for _ in range(len(states)):
            await pilot.press("right")
        await pilot.pause()
        assert app.selected is not None
