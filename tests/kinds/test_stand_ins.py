"""Rows that reach into what a file keeps only as a stand-in (an opaque record, a redacted
secret, a value that needs a missing library) are skipped: the file still reads."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import timetravel.kinds.pandas as pandas_kind
from timetravel import ObjectRecord, Opaque, Recorder, Recording, Redacted


def test_rows_inside_a_value_written_opaque_are_skipped(tmp_path: Path) -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(120):  # deeper than a reader reads: written opaque
        node["n"] = {}
        node = node["n"]
    state: dict[str, Any] = {"k": {"a": 1, "deep": deep}, "n": 0}
    path = tmp_path / "deep.ttrec"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Recorder(state, sink=path) as rec:
            rec.capture()
            state["k"]["a"] = 2  # one level inside the stand-in
            state["n"] = 1
            rec.capture()
            state["k"]["deep"]["n"]["x"] = 5  # many levels inside
            rec.capture()
    recording = Recording.open(path)
    states = [recording.state_at(i) for i in range(len(recording))]
    assert [s["n"] for s in states] == [0, 1, 1]
    assert all(isinstance(s["k"], Opaque) for s in states)


def test_a_cell_edit_beside_a_secret_row_reads_back(tmp_path: Path) -> None:
    n = 2000
    labels = [f"r{i}" for i in range(n)]
    labels[5] = "password"  # a secret row: the file keeps its columns as objects
    state = {"df": pd.DataFrame({"x": np.arange(n), "y": np.arange(n) * 0.5}, index=labels)}
    path = tmp_path / "secret.ttrec"
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["df"].iloc[3, 0] = 99
        rec.capture()
        state["df"].iloc[5, 1] = 7.5  # the secret row itself
        rec.capture()
    recording = Recording.open(path)
    last = recording.state_at(2)["df"]
    assert last.iloc[3, 0] == 99
    assert isinstance(last.iloc[5, 1], Redacted)
    assert recording.state_at(0)["df"].iloc[3, 0] == 3


def test_without_pyarrow_a_frame_reads_as_a_note_and_its_changes_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 3000
    df = pd.DataFrame({"n": pd.array(np.arange(n), dtype="Int64"), "f": np.arange(n) * 1.0})
    state = {"df": df, "count": 0}
    path = tmp_path / "arrow.ttrec"
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["df"].iloc[3, 1] = 9.5
        state["count"] = 1
        rec.capture()
    monkeypatch.setattr(pandas_kind, "_pyarrow", lambda: None)  # a reader without pyarrow
    recording = Recording.open(path)
    after = recording.state_at(1)
    assert after["count"] == 1
    assert isinstance(after["df"], ObjectRecord) and "pyarrow" in after["df"].fields["note"]
