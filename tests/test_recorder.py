"""The Recorder: capture, private copies, undo/redo/jump, branches, bounds, secrets, handles."""

from __future__ import annotations

import copy
import datetime as dt
import io
import sqlite3
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from timetravel import MISSING, REDACTED, Frame, Opaque, Recorder, Recording, TimetravelWarning
from timetravel.values import values_equal


def test_first_capture_records_the_whole_state_then_only_changes() -> None:
    state: dict[str, Any] = {"a": 1, "b": [1, 2]}
    rec = Recorder(state)
    first = rec.capture()
    assert first is not None and first.index == 0 and first.trigger == "initial"
    assert {c.path: c.new for c in first.changes} == {("a",): 1, ("b",): [1, 2]}
    assert rec.capture() is None  # nothing changed
    state["a"] = 2
    frame = rec.capture(trigger="button", label="Add")
    assert frame is not None and (frame.trigger, frame.label) == ("button", "Add")
    assert [(c.path, c.old, c.new) for c in frame.changes] == [(("a",), 1, 2)]


def test_first_capture_of_an_empty_state_is_still_a_frame() -> None:
    rec = Recorder({})
    frame = rec.capture()
    assert frame is not None and frame.changes == ()


def test_in_place_mutation_at_any_depth_is_seen() -> None:
    state: dict[str, Any] = {"items": [{"done": False} for _ in range(5)]}
    rec = Recorder(state)
    rec.capture()
    state["items"][3]["done"] = True  # same list object the previous frame saw
    frame = rec.capture()
    assert frame is not None
    assert [(c.path, c.old, c.new) for c in frame.changes] == [(("items", 3, "done"), False, True)]


def test_later_mutation_never_rewrites_history() -> None:
    state: dict[str, Any] = {"items": [{"done": False}]}
    rec = Recorder(state)
    rec.capture()
    state["items"].append({"done": True})
    added = rec.capture()
    state["items"][1]["done"] = False  # mutate the object that frame 1 recorded as added
    assert added is not None and added.changes[0].new == {"done": True}
    assert rec.state_at(1)["items"] == [{"done": False}, {"done": True}]
    assert rec.state_at(0)["items"] == [{"done": False}]


def test_undo_restores_values_and_deletes_keys_absent_then() -> None:
    state: dict[str, Any] = {"count": 0}
    rec = Recorder(state)
    rec.capture()
    state["count"] = 1
    state["name"] = "x"
    rec.capture()
    assert rec.can_undo and not rec.can_redo
    assert rec.undo() is True
    assert state == {"count": 0}
    assert rec.can_redo and not rec.can_undo
    assert rec.undo() is False
    assert rec.redo() is True
    assert state == {"count": 1, "name": "x"}
    assert rec.redo() is False


def test_restores_are_frames_of_their_own() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 1
    rec.capture()
    rec.undo()
    rec.redo()
    rec.jump(0)
    log = [(f.index, f.trigger, f.restores) for f in rec.frames]
    assert log == [
        (0, "initial", None),
        (1, None, None),
        (2, "undo", 0),
        (3, "redo", 1),
        (4, "jump", 0),
    ]
    assert [(c.path, c.old, c.new) for c in rec.frames[2].changes] == [(("n",), 1, 0)]
    assert rec.position == 4 and state == {"n": 0}  # the jump is a step of its own


def test_undo_captures_pending_changes_first() -> None:
    state = {"text": "a"}
    rec = Recorder(state)
    rec.capture()
    state["text"] = "ab"  # typed but not captured yet
    assert rec.undo()
    assert state == {"text": "a"}
    assert rec.redo() and state == {"text": "ab"}


def test_capture_after_undo_starts_a_branch_and_keeps_the_old_one() -> None:
    state = {"v": "a"}
    rec = Recorder(state)
    rec.capture()  # 0: a
    state["v"] = "b"
    rec.capture()  # 1: b
    state["v"] = "c"
    rec.capture()  # 2: c
    rec.undo()  # 3: back to b
    state["v"] = "x"
    rec.capture()  # 4: x, a new branch from b
    assert not rec.can_redo
    assert rec.state_at(2) == {"v": "c"}  # the abandoned frame is still there
    rec.jump(2)  # back onto the old branch
    assert state == {"v": "c"}
    assert rec.undo() and state == {"v": "x"}  # undo takes back the jump
    assert rec.undo() and state == {"v": "b"}
    assert rec.undo() and state == {"v": "a"}
    assert rec.redo() and state == {"v": "b"}
    assert rec.redo() and state == {"v": "x"}
    assert rec.redo() and state == {"v": "c"}
    assert not rec.can_redo


def test_a_jump_is_an_action_undo_takes_it_back() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    for i in range(1, 4):
        state["n"] = i
        rec.capture()
    rec.undo()  # n = 2, redo would give 3
    rec.jump(1)
    assert state == {"n": 1} and not rec.can_redo  # a new step: redo is gone
    assert rec.undo() and state == {"n": 2}  # back to where the user was
    assert rec.redo() and state == {"n": 1}


def test_jump_to_unknown_frame_raises_before_touching_anything() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 5
    with pytest.raises(IndexError, match="frame 7"):
        rec.jump(7)
    assert len(rec.frames) == 1  # the pending change was not captured by a failed jump


def test_coalesced_captures_are_one_undo_step_but_every_frame_is_kept() -> None:
    state = {"text": ""}
    rec = Recorder(state, coalesce_ms=60_000)
    rec.capture()
    for ch in "hello":
        state["text"] += ch
        rec.capture()
    assert len(rec.frames) == 6
    assert rec.undo() and state == {"text": ""}
    assert rec.redo() and state == {"text": "hello"}


def test_captures_further_apart_than_coalesce_ms_are_separate_steps() -> None:
    state = {"text": ""}
    rec = Recorder(state, coalesce_ms=20)
    rec.capture()
    state["text"] = "a"
    rec.capture()
    time.sleep(0.1)
    state["text"] = "ab"
    rec.capture()
    assert rec.undo() and state == {"text": "a"}


def test_limit_folds_the_oldest_frames() -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=5)
    rec.capture()
    for i in range(1, 20):
        state["n"] = i
        rec.capture()
    assert len(rec.frames) == 5
    assert [f.index for f in rec.frames] == [15, 16, 17, 18, 19]
    assert rec.state_at(15) == {"n": 15}
    undone = 0
    while rec.undo():
        undone += 1
    assert state == {"n": 15} or undone < 5  # never past the base state
    assert state["n"] >= 15 - 5
    with pytest.raises(IndexError):
        rec.jump(3)


def test_limit_with_undo_far_back_keeps_state_consistent() -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=4)
    rec.capture()
    for i in range(1, 4):
        state["n"] = i
        rec.capture()
    for _ in range(3):
        rec.undo()
    # Every undo appended a frame, folding the steps it went back over.
    assert rec.state_at(rec.position) == state
    while rec.redo():
        assert rec.state_at(rec.position) == state
    assert rec.state_at(rec.frames[-1].index) == state


def test_max_bytes_bounds_history_memory() -> None:
    state: dict[str, Any] = {"blob": ""}
    rec = Recorder(state, max_bytes=50_000)
    rec.capture()
    for i in range(200):
        state["blob"] = str(i) * 1000  # ~1-3 KB per frame
        rec.capture()
    assert len(rec.frames) < 60
    assert rec.state_at(rec.frames[0].index)["blob"]  # the oldest kept frame is intact


def test_exclude_and_include_keys_are_never_recorded_or_restored() -> None:
    state: dict[str, Any] = {"keep": 1, "skip": 1, "FormSubmitter:f-Go": False}
    rec = Recorder(state, exclude=("skip", "FormSubmitter:*"))
    first = rec.capture()
    assert first is not None and first.keys == ("keep",)
    state["skip"] = 2
    state["keep"] = 2
    rec.capture()
    rec.undo()
    assert state == {"keep": 1, "skip": 2, "FormSubmitter:f-Go": False}

    only = {"a": 1, "b": 1}
    rec2 = Recorder(only, include=("a",))
    f = rec2.capture()
    assert f is not None and f.keys == ("a",)


def test_secrets_stay_in_memory_for_undo_but_never_reach_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.ttrec"
    state: dict[str, Any] = {"API-Key": "sk-1", "cfg": {"db_password": "hunter2", "host": "h"}}
    rec = Recorder(state, sink=path)
    rec.capture()
    state["API-Key"] = "sk-2"
    state["cfg"]["db_password"] = "hunter3"
    rec.capture()
    rec.undo()
    assert state == {"API-Key": "sk-1", "cfg": {"db_password": "hunter2", "host": "h"}}
    rec.save(tmp_path / "saved.ttrec")
    rec.close()
    for name in ("s.ttrec", "saved.ttrec"):
        raw = (tmp_path / name).read_bytes()
        assert b"sk-1" not in raw and b"sk-2" not in raw and b"hunter" not in raw
        recording = Recording.open(tmp_path / name)
        assert recording.state_at(0) == {
            "API-Key": REDACTED,
            "cfg": {"db_password": REDACTED, "host": "h"},
        }
        assert recording.state_at(2) == recording.state_at(0)


def test_redact_none_writes_values(tmp_path: Path) -> None:
    state = {"token": "t"}
    with Recorder(state, sink=tmp_path / "r.ttrec", redact=None) as rec:
        rec.capture()
    assert Recording.open(tmp_path / "r.ttrec").state_at(0) == {"token": "t"}


def test_uncopyable_values_never_fail_capture_and_are_skipped_on_restore(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:")
    lock = threading.Lock()
    handle = (tmp_path / "f.txt").open("w")
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state, sink=tmp_path / "r.ttrec")
    rec.capture()
    with pytest.warns(TimetravelWarning, match="sqlite3.Connection") as caught:
        state.update(conn=conn, lock=lock, fn=lambda: 1, fh=handle, n=1)
        frame = rec.capture()
    assert len([w for w in caught if "can't be copied" in str(w.message)]) == 1
    assert frame is not None
    recorded = {c.path[0]: c.new for c in frame.changes}
    assert isinstance(recorded["conn"], Opaque) and recorded["conn"].type == "sqlite3.Connection"
    # Unchanged handles are not changes: identity is what is tracked.
    state["n"] = 2
    frame2 = rec.capture()
    assert frame2 is not None and frame2.keys == ("n",)
    # Replacing a handle is a change.
    state["lock"] = threading.Lock()
    assert rec.capture() is not None
    with pytest.warns(TimetravelWarning, match="left lock as it is"):
        rec.jump(2)  # the lock of frame 2 can't be brought back
    assert state["conn"] is conn and state["n"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec.jump(0)  # removing handles is a restore that can be done
    assert state == {"n": 0}
    rec.close()
    handle.close()
    assert isinstance(Recording.open(tmp_path / "r.ttrec").state_at(1)["fh"], Opaque)


@dataclass
class Settings:
    theme: str
    sizes: list[int]


def test_every_value_restores_exactly_in_memory() -> None:
    values: dict[str, Any] = {
        "arr": np.arange(6).reshape(2, 3),
        "df": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
        "when": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        "settings": Settings("dark", [1, 2]),
        "tup": (1, [2, 3]),
        "fs": frozenset({1}),
        "c": 1 + 2j,
        "nan": float("nan"),
    }
    state = copy.deepcopy(values)
    rec = Recorder(state)
    rec.capture()
    state["arr"][0, 0] = 99  # in place
    state["df"].loc[0, "a"] = 42  # in place
    state["settings"].sizes.append(3)  # in place, inside a dataclass
    state["tup"] = (1, [2])
    state["when"] = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)
    frame = rec.capture()
    assert frame is not None and set(frame.keys) == {"arr", "df", "settings", "tup", "when"}
    rec.undo()
    for key, value in values.items():
        assert type(state[key]) is type(value)
        assert values_equal(state[key], value), key


def test_pause_folds_changes_into_the_next_capture() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    rec.pause()
    state["n"] = 1
    assert rec.capture() is None
    state["n"] = 2
    rec.resume()
    frame = rec.capture()
    assert frame is not None and [(c.old, c.new) for c in frame.changes] == [(0, 2)]


def test_clear_forgets_history_but_keeps_state() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 1
    rec.capture()
    rec.clear()
    assert not rec.can_undo and len(rec.frames) == 1 and state == {"n": 1}
    state["n"] = 2
    rec.capture()
    assert rec.undo() and state == {"n": 1}


def test_sink_is_written_and_flushed_per_frame(tmp_path: Path) -> None:
    path = tmp_path / "live.ttrec"
    state = {"n": 0}
    rec = Recorder(state, sink=path, meta={"app": "counter"})
    rec.capture()
    reader = Recording.open(path)  # while the recorder still has it open
    assert len(reader) == 1 and reader.app == {"app": "counter"}
    for i in range(1, 4):
        state["n"] = i
        rec.capture()
        assert reader.refresh() == 1
        assert reader.state_at(-1) == {"n": i}
    rec.close()


def test_a_failing_sink_warns_once_and_recording_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Full(io.BytesIO):
        writes = 0

        def write(self, data: Any) -> int:
            Full.writes += 1
            if Full.writes > 2:
                raise OSError(28, "No space left on device")
            return super().write(data)

    state = {"n": 0}
    rec = Recorder(state, sink=Full())
    rec.capture()
    state["n"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a failed write is logged, never raised nor warned
        rec.capture()
    state["n"] = 2
    rec.capture()
    logged = [r for r in caplog.records if r.name == "timetravel"]
    assert len(logged) == 1 and "No space left" in logged[0].getMessage()
    assert rec.sink_name is None and len(rec.frames) == 3
    assert rec.undo() and state == {"n": 1}


def test_save_writes_what_memory_holds_even_after_folding(tmp_path: Path) -> None:
    state = {"n": 0, "l": []}
    rec = Recorder(state, limit=10, redact=None)
    rec.capture()
    for i in range(1, 30):
        state["n"] = i
        state["l"].append(i)
        rec.capture()
    rec.save(tmp_path / "s.ttrec")
    recording = Recording.open(tmp_path / "s.ttrec")
    assert len(recording) == 10 and recording.first_index == 20
    for pos, frame in enumerate(rec.frames):
        assert recording[pos] == frame
        assert recording.state_at(pos) == rec.state_at(frame.index)


def test_constructor_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="limit"):
        Recorder({}, limit=0)
    with pytest.raises(ValueError, match="coalesce_ms"):
        Recorder({}, coalesce_ms=-1)


def test_missing_marks_absent_values() -> None:
    state: dict[str, Any] = {}
    rec = Recorder(state)
    rec.capture()
    state["k"] = 1
    frame = rec.capture()
    assert frame is not None and frame.changes[0].old is MISSING


# --- property-based: random sessions --------------------------------------------------------

import os  # noqa: E402
import tempfile  # noqa: E402

from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule  # noqa: E402

from tests.conftest import keys, scalars, values  # noqa: E402


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of the mutable containers inside a value (not inside tuples)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, (dict, list, set)):
        found.append(path)
    if isinstance(value, dict):
        for k, v in value.items():
            found += _containers(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _containers(v, (*path, i))
    return found


class RecorderSession(RuleBasedStateMachine):
    """Random edits (in place, at any depth), captures, undo, redo and jump."""

    limit: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.state: dict[str, Any] = {}
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "session.ttrec")
        self.rec = Recorder(self.state, sink=self.path, redact=None, limit=self.limit)
        self.expected: dict[int, dict[str, Any]] = {}
        self.rec.capture()
        self.expected[0] = copy.deepcopy(self.state)
        # The undo line as a user sees it: the states undo and redo walk, and where we are.
        self.line: list[dict[str, Any]] = [copy.deepcopy(self.state)]
        self.cursor = 0

    def _step(self) -> None:
        """A new undo step holding the current state: redo is gone."""
        del self.line[self.cursor + 1 :]
        self.line.append(copy.deepcopy(self.state))
        self.cursor += 1

    def _note_new_frames(self, pending: dict[str, Any] | None) -> None:
        known = max(self.expected)
        new = [f for f in self.rec.frames if f.index > known]
        for frame in new:
            restored = frame.restores is not None
            self.expected[frame.index] = copy.deepcopy(
                self.state if restored or pending is None else pending
            )
        self._check_current()

    def _check_current(self) -> None:
        pos = self.rec.position
        assert pos is not None
        assert values_equal(self.rec.state_at(pos), self.state)
        assert values_equal(self.rec.state_at(self.rec.frames[-1].index), self.state)

    @rule(key=keys, value=values)
    def set_key(self, key: str, value: Any) -> None:
        self.state[key] = value

    @rule(key=keys)
    def delete_key(self, key: str) -> None:
        self.state.pop(key, None)

    @rule(data=st.data())
    def mutate_in_place(self, data: st.DataObject) -> None:
        paths = _containers(self.state)[1:]  # not the state itself
        if not paths:
            return
        path = data.draw(st.sampled_from(paths))
        node: Any = self.state
        for p in path:
            node = node[p]
        if isinstance(node, list):
            op = data.draw(st.sampled_from(["append", "insert", "pop", "set"]))
            if op == "append":
                node.append(data.draw(values))
            elif op == "insert":
                node.insert(data.draw(st.integers(0, len(node))), data.draw(scalars))
            elif node and op == "pop":
                node.pop(data.draw(st.integers(0, len(node) - 1)))
            elif node:
                node[data.draw(st.integers(0, len(node) - 1))] = data.draw(values)
        elif isinstance(node, dict):
            key = data.draw(keys)
            if key in node and data.draw(st.booleans()):
                del node[key]
            else:
                node[key] = data.draw(values)
        elif isinstance(node, set):
            item = data.draw(st.integers(0, 20))
            node.symmetric_difference_update({item})

    def _pending_step(self) -> None:
        """Changes not captured yet become a step (undo, redo and jump capture them first)."""
        if not values_equal(self.state, self.line[self.cursor]):
            self._step()

    @precondition(lambda self: self.rec.open_frame is None)
    @rule()
    def capture(self) -> None:
        self._pending_step()
        if self.rec.capture() is not None:
            self._note_new_frames(None)

    @precondition(lambda self: self.rec.open_frame is None)
    @rule()
    def capture_held(self) -> None:
        """An action whose changes arrive in several steps: one frame, one undo step."""
        self._pending_step()
        known = self.rec.frames[-1].index
        self.rec.capture(trigger="held", hold=True, empty=True)
        assert self.rec.frames[-1].index == known + 1

    @precondition(lambda self: self.rec.open_frame is not None)
    @rule(settle=st.booleans())
    def add_to_the_open_frame(self, settle: bool) -> None:
        open_frame = self.rec.open_frame
        assert open_frame is not None
        was_step = self.rec.position == open_frame.index
        if settle:
            self.rec.capture()
        else:
            self.rec.capture(hold=True)
        assert self.rec.frames[-1].index == open_frame.index  # no frame of its own
        self._open_frame_grew(open_frame, was_step)
        if settle:
            self._note_new_frames(None)
        self.expected[open_frame.index] = copy.deepcopy(self.state)

    def _open_frame_grew(self, frame: Frame, was_step: bool) -> None:
        """The open frame took what changed since it opened: where the line stands now."""
        if was_step or frame.trigger in ("undo", "redo"):
            self.line[self.cursor] = copy.deepcopy(self.state)  # the action's run wrote more
        elif not values_equal(self.state, self.line[self.cursor]):
            self._step()  # a capture or jump that changed nothing, until now

    def _pending_before_restore(self) -> dict[str, Any]:
        if self.rec.open_frame is not None:
            frame = self.rec.open_frame
            self.expected[frame.index] = copy.deepcopy(self.state)
            self._open_frame_grew(frame, self.rec.position == frame.index)
        else:
            self._pending_step()
        return copy.deepcopy(self.state)

    def _check_line(self, done: bool, step: int) -> None:
        if self.limit is not None:  # folding shortens the line: no model of that here
            return
        if done:
            self.cursor += step
            assert 0 <= self.cursor < len(self.line)
        else:
            assert self.cursor == (0 if step < 0 else len(self.line) - 1)
        assert values_equal(self.state, self.line[self.cursor])

    @rule(hold=st.booleans())
    def undo(self, hold: bool) -> None:
        pending = self._pending_before_restore()
        self._check_line(self.rec.undo(hold=hold), -1)
        self._note_new_frames(pending)

    @rule(hold=st.booleans())
    def redo(self, hold: bool) -> None:
        pending = self._pending_before_restore()
        self._check_line(self.rec.redo(hold=hold), +1)
        self._note_new_frames(pending)

    @precondition(lambda self: len(self.rec.frames) > 1)
    @rule(data=st.data(), hold=st.booleans())
    def jump(self, data: st.DataObject, hold: bool) -> None:
        target = data.draw(st.sampled_from([f.index for f in self.rec.frames]))
        pending = self._pending_before_restore()
        self.rec.jump(target, hold=hold)
        assert values_equal(self.state, self.expected[target])
        if not values_equal(self.state, pending):
            self._step()  # a jump that changed nothing is no step
        self._note_new_frames(pending)

    def teardown(self) -> None:
        if self.rec.open_frame is not None:
            self.expected[self.rec.open_frame.index] = copy.deepcopy(self.state)
            self.rec.capture()  # what changed since goes into it as it settles
        self.rec.close()
        recording = Recording.open(self.path)
        assert len(recording) == max(self.expected) + 1
        for frame in self.rec.frames:  # memory agrees with what was expected
            assert values_equal(self.rec.state_at(frame.index), self.expected[frame.index])
            assert recording[frame.index].index == frame.index
        for i in range(len(recording)):  # and the file with every frame ever recorded
            assert values_equal(recording.state_at(i), self.expected[i]), i


class LimitedRecorderSession(RecorderSession):
    limit = 6


TestRecorderSession = RecorderSession.TestCase
TestRecorderSession.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestLimitedRecorderSession = LimitedRecorderSession.TestCase
TestLimitedRecorderSession.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)


def test_empty_capture_logs_a_frame_that_is_not_an_undo_step() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 1
    rec.capture()
    frame = rec.capture(trigger="refresh", empty=True)
    assert frame is not None and frame.changes == () and frame.trigger == "refresh"
    assert rec.undo() and state == {"n": 0}  # undo skips the empty frame


def test_exclude_predicate_is_asked_at_every_capture() -> None:
    hidden: set[str] = set()
    state = {"a": 1, "b": 1}
    rec = Recorder(state, exclude=lambda k: k in hidden)
    rec.capture()
    hidden.add("b")
    state["b"] = 2
    assert rec.capture() is None


def test_a_key_excluded_later_is_never_restored() -> None:
    hidden: set[str] = set()
    state = {"a": 1, "b": 1}
    rec = Recorder(state, exclude=lambda k: k in hidden)
    rec.capture()
    state["b"] = 2
    rec.capture()
    hidden.add("b")  # say, the key now belongs to a button
    state["a"] = 2
    rec.capture()
    rec.jump(0)
    assert state == {"a": 1, "b": 2}


def test_merge_if_joins_a_capture_to_the_current_step_and_keeps_redo() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.merge_if = lambda changes: all(c.path[0].startswith("w_") for c in changes)
    rec.capture()
    state["n"] = 1
    rec.capture()
    rec.undo()
    state["w_widget"] = "default"  # appeared while rendering
    assert rec.capture() is not None
    assert rec.can_redo and rec.redo() and state == {"n": 1}
    assert rec.undo() and state["n"] == 0


@dataclass
class Account:
    user: str
    password: str


class Client:
    """An API client holding a secret and a lock: it can't be copied."""

    def __init__(self) -> None:
        self.api_key = "sk-live-123"
        self.lock = threading.Lock()


def test_secrets_inside_objects_and_dict_subclasses_never_reach_a_file(tmp_path: Path) -> None:
    from collections import OrderedDict, defaultdict

    path = tmp_path / "s.ttrec"
    state: dict[str, Any] = {
        "account": Account("ann", "hunter2"),
        "settings": OrderedDict(token="tok-abc", theme="dark"),
        "counts": defaultdict(int, secret_count=7),
        "client": Client(),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        with Recorder(state, sink=path) as rec:
            rec.capture()
            state["account"] = Account("bob", "letmein")
            rec.capture()
    raw = path.read_bytes()
    for secret in (b"hunter2", b"letmein", b"tok-abc", b"sk-live-123"):
        assert secret not in raw, secret
    recording = Recording.open(path)
    first = recording.state_at(0)
    assert first["account"].fields == {"user": "ann", "password": REDACTED}
    assert first["settings"] == {"token": REDACTED, "theme": "dark"}
    # The uncopyable client looks the same in keyframes and in changes: opaque.
    assert isinstance(first["client"], Opaque)
    assert isinstance(recording[0].changes[-1].new, Opaque)


def test_jump_to_an_empty_frame_keeps_undo() -> None:
    state = {"n": 0}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 1
    rec.capture()
    empty = rec.capture(trigger="rerun", empty=True)
    assert empty is not None
    state["n"] = 2
    rec.capture()
    rec.jump(empty.index)
    assert state == {"n": 1} and rec.can_undo
    assert rec.undo() and state == {"n": 2}  # where it was before the jump
    assert rec.undo() and state == {"n": 1}
    assert rec.undo() and state == {"n": 0}


def test_object_arrays_are_copied_deeply() -> None:
    state = {"arr": np.array([[1], [2], None], dtype=object)}
    rec = Recorder(state)
    rec.capture()
    state["arr"][0].append(99)  # a list inside the array, changed in place
    frame = rec.capture()
    assert frame is not None
    assert rec.state_at(0)["arr"][0] == [1]


def test_restores_never_put_a_stand_in_into_the_app() -> None:
    state: dict[str, Any] = {"objs": []}
    rec = Recorder(state)
    rec.capture()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state["objs"] = [*state["objs"], threading.Lock()]
        rec.capture()
        state["objs"] = [*state["objs"], threading.Lock()]
        rec.capture()
        rec.undo()
        rec.redo()
        rec.undo()
        rec.redo()
    assert all(type(o) is type(threading.Lock()) for o in state["objs"])
    assert rec.state_at(rec.frames[-1].index)["objs"] is not None
    messages = [str(w.message) for w in caught if issubclass(w.category, TimetravelWarning)]
    assert len([m for m in messages if "left objs" in m]) <= 1  # once per place


def test_discard_puts_back_uncaptured_changes_and_records_nothing() -> None:
    state: dict[str, Any] = {"n": 1, "items": [1, 2]}
    rec = Recorder(state)
    rec.capture()
    state["n"] = 2
    state["items"].append(3)
    state["extra"] = True
    assert rec.discard()
    assert state == {"n": 1, "items": [1, 2]} and len(rec.frames) == 1
    assert not rec.discard()  # nothing left to put back
