"""Restores cost what differs between the two states, not how many frames lie between them."""

from __future__ import annotations

import copy
import threading
import warnings
from typing import Any

import pytest

import timetravel._engine as engine
import timetravel.recorder as recorder_module
from timetravel import Recorder, TimetravelWarning
from timetravel.model import Change


def _record(state: dict[str, Any], edits: list[Any], **options: Any) -> tuple[Recorder, list[Any]]:
    """Capture the state, then once after each edit; returns the recorder and each state."""
    rec = Recorder(state, **options)
    rec.capture()
    states = [copy.deepcopy(state)]
    for edit in edits:
        edit(state)
        rec.capture()
        states.append(copy.deepcopy(state))
    return rec, states


def _check_every_jump(rec: Recorder, states: list[Any]) -> None:
    state = rec.state
    for target in [0, len(states) - 1, 1, len(states) // 2, 0]:
        rec.jump(target)
        assert state == states[target], target
        assert rec.state_at(target) == states[target]
    for i, expected in enumerate(states):
        assert rec.state_at(i) == expected, i


def test_a_jump_back_over_many_frames_applies_only_what_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state: dict[str, Any] = {"n": 0, "rows": [{"done": False} for _ in range(50)]}
    edits: list[Any] = [lambda s: s.__setitem__("n", s["n"] + 1) for _ in range(200)]
    edits.append(lambda s: s["rows"][3].__setitem__("done", True))
    rec, states = _record(state, edits)
    applied: list[Change] = []
    real = recorder_module._undoing

    def counting(frames: Any) -> list[Change]:
        changes = real(frames)
        applied.extend(changes)
        return changes

    monkeypatch.setattr(recorder_module, "_undoing", counting)
    rec.jump(0)
    assert state == states[0]
    assert len(applied) == 2  # n's oldest change and the row's, not 201 changes
    assert len(rec.frames[-1].changes) == 2
    assert rec.undo() and state == states[-1]


def test_an_older_change_overrides_only_where_no_list_above_it_shifted() -> None:
    # rows[3] is set, then an item is inserted before it, then rows[3] (another item) is set.
    def set3(value: str) -> Any:
        return lambda s: s["rows"].__setitem__(3, value)

    edits = [set3("x"), lambda s: s["rows"].insert(0, "y"), set3("z"), set3("w")]
    rec, states = _record({"rows": list("abcd")}, edits)
    _check_every_jump(rec, states)


def test_nested_overrides_at_and_under_a_path() -> None:
    edits: list[Any] = [
        lambda s: s.__setitem__("a", {"b": {"c": 1}}),
        lambda s: s["a"]["b"].__setitem__("c", 2),
        lambda s: s["a"].__setitem__("b", [1, 2]),
        lambda s: s["a"]["b"].append(3),
        lambda s: s["a"].__setitem__("b", {"c": 3}),
        lambda s: s.pop("a"),
        lambda s: s.__setitem__("a", {"b": {"c": 4}, "s": {1, 2}}),
        lambda s: s["a"]["s"].add(3),
        lambda s: s["a"]["b"].__setitem__("c", 5),
    ]
    rec, states = _record({"x": 0}, edits)
    _check_every_jump(rec, states)


def test_an_opaque_value_never_overrides_and_is_left_as_it_is() -> None:
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        for value in (threading.Lock(), threading.Lock(), "plain"):
            state["lock"] = value
            rec.capture()
        state["n"] = 1
        rec.capture()
        with pytest.warns(TimetravelWarning, match="left lock as it is"):
            rec.jump(2)  # the second lock can't be brought back: "plain" stays
    assert state == {"n": 0, "lock": "plain"}
    rec.jump(0)  # no lock at frame 0: removing it can be done
    assert state == {"n": 0}


def test_an_unrestorable_older_value_leaves_what_the_newer_changes_put_back() -> None:
    # As undoing frame by frame does: "a" is put back, then the lock before it can't be.
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        for value in (threading.Lock(), "a", "b"):
            state["lock"] = value
            rec.capture()
        rec.jump(1)
    assert state == {"n": 0, "lock": "a"}


def test_a_key_excluded_later_is_never_restored() -> None:
    state: dict[str, Any] = {"a": 0, "b": 0}
    rec, _ = _record(state, [lambda s: s.update(a=s["a"] + 1, b=s["b"] + 1)] * 5)
    rec._allowed.exclude.append("b")  # as if excluded since: a private door, for the test
    rec._allowed._cache.clear()
    rec.jump(0)
    assert state == {"a": 0, "b": 5}
    assert all(c.path[0] == "a" for c in rec.frames[-1].changes)


def test_jumps_across_folded_history_and_branches_stay_exact() -> None:
    state: dict[str, Any] = {"rows": [0] * 20, "n": 0}
    rec = Recorder(state, limit=30)
    rec.capture()
    for i in range(40):
        state["rows"][i % 20] = i
        state["n"] = i
        rec.capture()
    rec.undo()
    rec.undo()
    state["rows"].append("branch")
    rec.capture()
    for frame in list(rec.frames):
        expected = rec.state_at(frame.index)
        rec.jump(frame.index)
        assert state == expected
        assert rec.state_at(rec.frames[-1].index) == state


def test_sync_paths_with_many_roots_under_one_another() -> None:
    src: dict[str, Any] = {"rows": [{"v": i, "w": [i]} for i in range(2000)], "k": 1}
    dst = copy.deepcopy(src)
    for row in src["rows"]:
        row["v"] += 1
        row["w"].append(0)
    src["k"] = 2
    changes = [Change.make(("rows", i, "v"), "values_changed", 0, 0) for i in range(2000)]
    changes += [Change.make(("rows", i), "values_changed", 0, 0) for i in range(0, 2000, 2)]
    changes += [Change.make(("rows", i, "w", 1), "iterable_item_added", 0, 0) for i in range(2000)]
    changes.append(Change.make(("k",), "values_changed", 1, 2))
    rows = engine.Syncer(copy.deepcopy).sync_paths(dst, src, changes)
    assert dst == src
    assert len(rows) == 2000 + 2000 + 1
