"""Recorder.resume_from: a recording carried on with its latest state and its undo history."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import timetravel.recorder as recorder_module
from timetravel import Recorder, Recording, RecordingError, RecordingInUseError
from timetravel._format import PREAMBLE, Redactor, Writer
from timetravel._line import RESET
from timetravel.errors import TimetravelWarning
from timetravel.model import Change
from timetravel.values import ObjectRecord


class FakeClock:
    """Stands for the ``time`` module in the recorder: time moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    def monotonic(self) -> float:
        return self.now


def _bg_only(changes: Sequence[Change]) -> bool:
    """The merge_if of the machine: runs that only touch "bg" join the current step."""
    return all(c.path[0] == "bg" for c in changes)


def _line_picture(rec: Recorder) -> tuple[Any, ...]:
    line = rec._line
    tree = {n: line.parent_of(n) for n in line.nodes()}
    return (line.steps, line.cursor, tree, line.branches())


def _frames_picture(rec: Recorder) -> list[tuple[Any, ...]]:
    """The frames in memory. The order of a frame's changes to different keys follows the
    order of the live dict's keys, which a new session's dict does not share: not compared."""
    return [
        (dataclasses.replace(f, changes=()), sorted(map(repr, f.changes)), f.line_ops)
        for f in rec.frames
    ]


def _strip_line_ops(src: str, dst: str) -> None:
    """Write ``src`` again as a writer without line operations would have (an older file)."""
    recording = Recording.open(src)
    writer = Writer.open(dst, Redactor(None), recording.options, recording.app)
    try:
        for frame, state in recording.states():
            writer.write_frame(dataclasses.replace(frame, line_ops=None), lambda s=state: s)
    finally:
        writer.close()


class ResumeMachine(RuleBasedStateMachine):
    """A session recorded to a file, crashed and resumed at random points.

    ``orig`` never crashes (after the first crash it goes on in memory only); ``live`` is the
    latest recorder resumed from the file. Every action is done to both, in their own dicts,
    and they must stay indistinguishable: state, position, the undo line and its tree, the
    frames in memory. At each crash the file must read back as one recording.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "r.ttrec")
        self.clock = FakeClock()
        self._real_time = recorder_module.time
        recorder_module.time = self.clock  # type: ignore[assignment]
        self.pairs: list[tuple[Recorder, dict[str, Any]]] = []
        self.writing: Recorder | None = None
        self.crashes = 0

    @initialize(
        limit=st.sampled_from([None, None, 3, 7]),
        coalesce_ms=st.sampled_from([0, 100]),
        merge_if=st.booleans(),
    )
    def start(self, limit: int | None, coalesce_ms: float, merge_if: bool) -> None:
        self.options: dict[str, Any] = {"limit": limit, "coalesce_ms": coalesce_ms}
        self.merge_if = merge_if
        state: dict[str, Any] = {"a": 0}
        rec = Recorder(state, sink=self.path, **self.options)
        if merge_if:
            rec.merge_if = _bg_only
        self.pairs = [(rec, state)]
        self.writing = rec

    def teardown(self) -> None:
        recorder_module.time = self._real_time
        try:
            for rec, _ in self.pairs:
                rec.close()
            if self.pairs:
                self._check_file()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- actions, done to every recorder ------------------------------------------------

    @rule(key=st.sampled_from(["a", "b", "c", "bg"]), value=st.integers(0, 3))
    def set_value(self, key: str, value: int) -> None:
        for _, state in self.pairs:
            state[key] = value

    @rule(key=st.sampled_from(["b", "c"]), n=st.integers(0, 3))
    def set_list(self, key: str, n: int) -> None:
        for _, state in self.pairs:
            state[key] = list(range(n))

    @rule(key=st.sampled_from(["a", "b", "c", "bg"]))
    def delete(self, key: str) -> None:
        for _, state in self.pairs:
            state.pop(key, None)

    @rule(hold=st.booleans(), empty=st.booleans())
    def capture(self, hold: bool, empty: bool) -> None:
        results = [rec.capture(empty=empty, hold=hold) for rec, _ in self.pairs]
        assert len({None if f is None else f.index for f in results}) == 1

    @rule()
    def settle(self) -> None:
        for rec, _ in self.pairs:
            rec.settle()

    @rule()
    def discard(self) -> None:
        assert len({rec.discard() for rec, _ in self.pairs}) == 1

    @rule(hold=st.booleans())
    def undo(self, hold: bool) -> None:
        assert len({rec.undo(hold=hold) for rec, _ in self.pairs}) == 1

    @rule(hold=st.booleans())
    def redo(self, hold: bool) -> None:
        assert len({rec.redo(hold=hold) for rec, _ in self.pairs}) == 1

    @rule(pick=st.integers(0, 50), hold=st.booleans())
    def jump(self, pick: int, hold: bool) -> None:
        frames = self.pairs[0][0].frames
        if not frames:
            return
        index = frames[pick % len(frames)].index
        for rec, _ in self.pairs:
            rec.jump(index, hold=hold)

    @rule(key=st.sampled_from(["a", "b", "bg"]), value=st.integers(0, 3), hold=st.booleans())
    def edit(self, key: str, value: int, hold: bool) -> None:
        """The commonest run: a value changes and is captured."""
        self.set_value(key, value)
        self.capture(hold, False)

    @rule(roll=st.integers(0, 9))
    def clear(self, roll: int) -> None:
        if roll:  # rare: it makes the history short
            return
        for rec, _ in self.pairs:
            rec.clear()

    @rule(big=st.booleans())
    def tick(self, big: bool) -> None:
        self.clock.now += 10.0 if big else 0.001

    @rule(roll=st.integers(0, 2))
    def crash(self, roll: int) -> None:
        """The writing recorder dies; a fresh session resumes from its file."""
        if roll:
            return
        for rec, _ in self.pairs:
            rec.settle()  # what was open reaches the file first
            rec.discard()  # changes not captured die with the session
        assert self.writing is not None
        if any(op[0] == RESET for op in self.writing._line.log or ()):
            # A clear() reaches the file with the next frame (documented): log one.
            for rec, _ in self.pairs:
                rec.capture(empty=True)
        self.writing.close()
        self.clock.now += 10.0  # a reload takes a while: no coalescing across it
        self._check_file()
        orig = self.pairs[0]
        if orig[0].frames:  # a new session: the app may have set keys
            state: dict[str, Any] = {"stale": 1}
        else:  # nothing to resume: the state is left as it is
            state = dict(orig[1])
        resumed = Recorder.resume_from(self.path, state, sink=self.path, **self.options)
        if self.merge_if:
            resumed.merge_if = _bg_only
        assert "stale" not in state  # recorded keys are the recording's, and only those
        self.pairs = [orig, (resumed, state)]
        self.writing = resumed
        self.crashes += 1
        event(f"crash {self.crashes}, {len(resumed.frames)} frames in memory")

    # --- the checks ---------------------------------------------------------------------

    @invariant()
    def indistinguishable(self) -> None:
        if len(self.pairs) < 2:
            return
        (a, sa), (b, sb) = self.pairs
        assert sa == sb
        assert a.position == b.position
        assert (a.can_undo, a.can_redo) == (b.can_undo, b.can_redo)
        assert _line_picture(a) == _line_picture(b)
        assert _frames_picture(a) == _frames_picture(b)
        assert (a.open_frame is None) == (b.open_frame is None)  # it is frames[-1]
        assert a._last_was_capture == b._last_was_capture

    def _check_file(self) -> None:
        """The file reads back as one recording, whose states are the original's."""
        orig = self.pairs[0][0]
        recording = Recording.open(self.path)
        assert not recording.truncated and not recording.gaps
        assert recording.first_index == 0
        assert len(recording) == orig._next_index - (1 if orig.open_frame else 0)
        held = {f.index for f in orig.frames}
        for frame, state in recording.states():
            if frame.index in held and frame != orig.open_frame:
                assert state == orig.state_at(frame.index)


ResumeMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
TestResumeMachine = ResumeMachine.TestCase


# --- the approximation for files written without line operations ------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(["a", "b"]), st.integers(0, 4)),
        st.tuples(st.just("undo")),
        st.tuples(st.just("redo")),
        st.tuples(st.just("jump"), st.integers(0, 40)),
        st.tuples(st.just("empty")),
    ),
    max_size=30,
)


def _play(rec: Recorder, state: dict[str, Any], op: tuple[Any, ...]) -> None:
    if op[0] == "set":
        state[op[1]] = op[2]
        rec.capture()
    elif op[0] == "undo":
        rec.undo()
    elif op[0] == "redo":
        rec.redo()
    elif op[0] == "jump":
        rec.jump(rec.frames[op[1] % len(rec.frames)].index)
    else:
        rec.capture(empty=True)


@settings(max_examples=100, deadline=None)
@given(session=ops, after=ops)
def test_an_older_file_of_plain_steps_resumes_exactly(
    session: list[tuple[Any, ...]], after: list[tuple[Any, ...]]
) -> None:
    """Without coalescing, merge_if, held frames or folding, every frame says how it went on
    the line: the approximation is exact."""
    with tempfile.TemporaryDirectory() as tmp:
        path, old = os.path.join(tmp, "new.ttrec"), os.path.join(tmp, "old.ttrec")
        state: dict[str, Any] = {"a": 0}
        rec = Recorder(state, sink=path)
        rec.capture()
        for op in session:
            _play(rec, state, op)
        rec.close()
        _strip_line_ops(path, old)
        assert all(f.line_ops is None for f in Recording.open(old))
        again: dict[str, Any] = {}
        resumed = Recorder.resume_from(old, again, sink=old)
        assert again == state
        assert _line_picture(resumed) == _line_picture(rec)
        for op in after:
            _play(rec, state, op)
            _play(resumed, again, op)
            assert again == state and _line_picture(resumed) == _line_picture(rec)
        resumed.close()
        # Appended frames carry line operations: the file resumes again, the same.
        third: dict[str, Any] = {}
        assert _line_picture(Recorder.resume_from(old, third)) == _line_picture(rec)
        assert third == state


@settings(max_examples=60, deadline=None)
@given(session=ops, walk=ops, coalesce=st.booleans(), hold=st.booleans())
def test_any_older_file_resumes_approximately(
    session: list[tuple[Any, ...]],
    walk: list[tuple[Any, ...]],
    coalesce: bool,
    hold: bool,
) -> None:
    """Coalescing and held restores are lost in an older file; the resumed recorder still
    holds the last state, and every restore brings back a recorded state."""
    with tempfile.TemporaryDirectory() as tmp:
        path, old = os.path.join(tmp, "new.ttrec"), os.path.join(tmp, "old.ttrec")
        state: dict[str, Any] = {"a": 0}
        rec = Recorder(state, sink=path, coalesce_ms=10_000 if coalesce else 0)
        rec.capture()
        for op in session:
            if hold and op[0] == "undo":
                rec.undo(hold=True)
                state["b"] = 9  # the restore's own run
                rec.capture()
            else:
                _play(rec, state, op)
        rec.close()
        _strip_line_ops(path, old)
        again: dict[str, Any] = {}
        resumed = Recorder.resume_from(old, again, limit=8)
        assert again == state
        assert len(resumed.frames) <= 8
        for op in walk:
            _play(resumed, again, op)
            assert resumed.position is not None
            assert again == resumed.state_at(resumed.position)


# --- values a file can't give back ---------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_secrets_come_back_absent_and_the_app_recreates_them(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"n": 0, "password": "hunter2", "cfg": {"api_key": "k", "x": 1}}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["n"] = 1
        rec.capture()
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(path, again, sink=path)
    assert again == {"n": 1}  # a secret anywhere in a key's value: the key is not written
    # The app's own `if key not in st.session_state` code sets them again: not a change.
    again["password"] = "hunter2"
    again["cfg"] = {"api_key": "k", "x": 1}
    assert resumed.capture() is None
    assert resumed.undo() and again["n"] == 0 and again["password"] == "hunter2"
    assert resumed.redo() and again["n"] == 1
    resumed.close()
    recording = Recording.open(path)
    assert len(recording) == 4
    assert "hunter2" not in path.read_text(errors="replace")


def test_a_secret_the_app_already_has_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"token": "old"}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["token"] = "new"
        rec.capture()
    again: dict[str, Any] = {"token": "the app's"}
    resumed = Recorder.resume_from(path, again)
    assert again == {"token": "the app's"}
    assert resumed.capture() is None
    # Undo can't bring back a secret a file never held: it is left as it is, and said so.
    with pytest.warns(TimetravelWarning, match="left token as it is"):
        assert resumed.undo()
    assert again == {"token": "the app's"}


def test_opaque_values_and_object_records_are_not_written_into_the_state(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.ttrec"
    lock = threading.Lock()
    state: dict[str, Any] = {"n": 0, "lock": lock, "point": Point(1, 2), "deep": [1, {"l": lock}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        with Recorder(state, sink=path) as rec:
            rec.capture()
            state["n"] = 1
            rec.capture()
    recording = Recording.open(path)
    assert isinstance(recording.state_at(-1)["point"], ObjectRecord)
    mine = threading.Lock()
    again: dict[str, Any] = {"lock": mine}
    resumed = Recorder.resume_from(recording, again)
    assert again == {"n": 1, "lock": mine}  # the app's own lock stays; no stand-ins
    again["point"] = Point(1, 2)
    assert resumed.capture() is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        assert resumed.undo()
    assert again["n"] == 0 and again["lock"] is mine and again["point"] == Point(1, 2)


def test_excluded_keys_are_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"n": 0, "FormSubmitter:x": 1}
    with Recorder(state, sink=path, exclude=["FormSubmitter:*"]) as rec:
        rec.capture()
    again: dict[str, Any] = {"FormSubmitter:x": 5, "other": 2}
    Recorder.resume_from(path, again, exclude=["FormSubmitter:*"])
    assert again == {"n": 0, "FormSubmitter:x": 5}


# --- the file ------------------------------------------------------------------------------


def _session(path: Path, frames: int, **options: Any) -> tuple[Recorder, dict[str, Any]]:
    state: dict[str, Any] = {"n": 0, "items": []}
    rec = Recorder(state, sink=path, **options)
    rec.capture()
    for i in range(1, frames):
        state["n"] = i
        if i % 3 == 0:
            state["items"].append(i)
        if i % 7 == 0:
            rec.undo()
        else:
            rec.capture()
    return rec, state


def test_appending_writes_no_second_header_and_a_keyframe_at_once(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    rec, state = _session(path, 30)
    rec.close()
    before = Recording.open(path)
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(before, again, sink=path)
    assert resumed.sink_name == str(path)
    again["n"] = 100
    frame = resumed.capture()
    assert frame is not None and frame.index == before[-1].index + 1
    again["n"] = 101
    resumed.capture()
    resumed.close()
    after = Recording.open(path)
    assert path.read_bytes().count(PREAMBLE) == 1
    assert len(after) == len(before) + 2
    assert len(before) in after.keyframes  # the first frame appended has its keyframe
    assert after.state_at(-1) == {"n": 101, "items": state["items"]}
    summary = after.summary()
    assert summary.frames == len(after)


def test_a_torn_tail_is_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    rec, _ = _session(path, 10)
    rec.close()
    size = path.stat().st_size
    with open(path, "ab") as f:
        f.write(b"F\x40\x00\x00\x00\x00\x00\x00\x00\x97\x01")  # a crash mid-record
    recording = Recording.open(path)
    assert recording.truncated
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(recording, again, sink=path)
    assert path.stat().st_size == size
    again["n"] = 50
    resumed.capture()
    resumed.close()
    after = Recording.open(path)
    assert not after.truncated and after.state_at(-1)["n"] == 50


def test_a_file_written_since_it_was_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    recording = Recording.open(path)
    state["n"] = 1
    rec.capture()
    rec.close()
    with pytest.raises(RecordingError, match="written after byte"):
        Recorder.resume_from(recording, {}, sink=path)


def test_a_file_still_being_written_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    rec = Recorder({"n": 0}, sink=path)
    rec.capture()
    live: dict[str, Any] = {"untouched": 1}
    with pytest.raises(RecordingInUseError):
        Recorder.resume_from(path, live, sink=path)
    assert live == {"untouched": 1}  # refused before the state is touched
    rec.close()


def test_a_sink_must_be_the_recordings_own_file(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    with Recorder({"n": 0}, sink=path) as rec:
        rec.capture()
    with pytest.raises(ValueError, match="not the recording's file"):
        Recorder.resume_from(path, {}, sink=tmp_path / "other.ttrec")


def test_a_stream_sink_appends_where_it_stands(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    rec, _ = _session(path, 5)
    rec.close()
    with open(path, "ab") as stream:
        again: dict[str, Any] = {}
        resumed = Recorder.resume_from(path, again, sink=stream)
        again["n"] = 9
        resumed.capture()
        resumed.close()
    assert Recording.open(path).state_at(-1)["n"] == 9


def test_a_held_frame_lost_in_a_crash_is_not_there(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    state["n"] = 1
    rec.capture()
    state["n"] = 2
    rec.capture(hold=True)  # never settled: the process dies
    assert rec._writer is not None
    rec._writer.close()
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(path, again, sink=path)
    assert again == {"n": 1} and resumed.position == 1 and resumed.can_undo
    again["n"] = 3
    frame = resumed.capture()
    assert frame is not None and frame.index == 2
    assert resumed.undo() and again == {"n": 1}


def test_an_empty_recording_resumes_as_a_new_one(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    Recorder({"n": 0}, sink=path).close()
    state: dict[str, Any] = {"n": 5}
    resumed = Recorder.resume_from(path, state, sink=path)
    assert resumed.position is None
    frame = resumed.capture()
    assert frame is not None and frame.index == 0 and frame.trigger == "initial"
    resumed.close()
    assert Recording.open(path).state_at(0) == {"n": 5}


def test_limit_keeps_the_frames_the_original_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    rec, _ = _session(path, 40, limit=5)
    rec.close()
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(path, again, limit=5)
    assert [f.index for f in resumed.frames] == [f.index for f in rec.frames]
    assert _line_picture(resumed) == _line_picture(rec)
    # A smaller limit than the file's folds further, as the recorder does.
    small = Recorder.resume_from(path, {}, limit=2)
    assert [f.index for f in small.frames] == [f.index for f in rec.frames][-2:]


def test_coalescing_carries_on_across_a_quick_reload(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {"q": ""}
    rec = Recorder(state, sink=path, coalesce_ms=60_000)
    rec.capture()
    for ch in "abc":
        state["q"] += ch
        rec.capture()
    rec.close()
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(path, again, sink=path, coalesce_ms=60_000)
    again["q"] += "d"
    resumed.capture()  # still typing: the same undo step as "a", "ab" and "abc"
    assert resumed._line.steps == (0, 4)
    assert resumed.undo() and again == {"q": ""}
    resumed.close()


def test_save_keeps_line_operations_only_from_the_first_step(tmp_path: Path) -> None:
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state, coalesce_ms=60_000)
    rec.capture()
    for i in range(1, 6):
        state["n"] = i
        rec.capture()
    rec.save(tmp_path / "whole.ttrec")
    resumed = Recorder.resume_from(tmp_path / "whole.ttrec", {})
    assert _line_picture(resumed) == _line_picture(rec)  # coalesced: 0, then 5
    rec.clear()
    rec.save(tmp_path / "cleared.ttrec")
    assert all(f.line_ops is None for f in Recording.open(tmp_path / "cleared.ttrec"))


def test_a_hostile_line_falls_back_to_the_approximation(tmp_path: Path) -> None:
    path, bad = tmp_path / "r.ttrec", tmp_path / "bad.ttrec"
    rec, state = _session(path, 12)
    rec.close()
    recording = Recording.open(path)
    writer = Writer.open(bad, Redactor(None), recording.options)
    for frame, s in recording.states():
        ops = ((1, 999),) if frame.index == 5 else frame.line_ops  # a merge of no frame
        writer.write_frame(dataclasses.replace(frame, line_ops=ops), lambda s=s: s)
    writer.close()
    again: dict[str, Any] = {}
    resumed = Recorder.resume_from(bad, again)
    assert again == state
    assert resumed.position is not None
    assert max(resumed._line.steps) <= resumed.frames[-1].index
    while resumed.undo():
        assert resumed.position is not None
        assert again == resumed.state_at(resumed.position)


def test_resuming_a_thousand_frames_is_quick(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    state: dict[str, Any] = {f"k{i}": i for i in range(20)}
    state["rows"] = [{"id": i, "name": f"row {i}"} for i in range(50)]
    rec = Recorder(state, sink=path)
    rec.capture()
    for i in range(1, 1000):
        state[f"k{i % 20}"] = i
        state["rows"][i % 50]["name"] = f"edited {i}"
        if i % 10 == 0:
            rec.undo()
        else:
            rec.capture()
    rec.close()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        resumed = Recorder.resume_from(path, {}, sink=path)
        best = min(best, time.perf_counter() - start)
        resumed.close()
    assert len(resumed.frames) == len(Recording.open(path)) > 1000
    assert best < 0.5, f"resuming 1,000 frames took {best * 1000:.0f} ms"
