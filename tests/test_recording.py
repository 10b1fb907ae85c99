"""Recording files: lazy reading, growing files, history and diff, and every kind of bad file."""

from __future__ import annotations

import copy
import random
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import states
from timetravel import MISSING, Opaque, Recorder, Recording, RecordingError
from timetravel._format import KEYFRAME_MAX, KEYFRAME_MIN, MAGIC, PREAMBLE, RECORD_HEAD
from timetravel.values import values_equal


def make_recording(path: Path, steps: int = 30, **kwargs: Any) -> list[dict[str, Any]]:
    """A recording with varied changes; returns the expected state of every frame."""
    state: dict[str, Any] = {"todos": [], "filter": "all", "count": 0}
    expected = []
    with Recorder(state, sink=path, redact=None, **kwargs) as rec:
        rec.capture()
        expected.append(copy.deepcopy(state))
        for i in range(steps):
            if i % 5 == 4 and state["todos"]:
                state["todos"].pop(0)
            else:
                state["todos"].append({"title": f"t{i}", "done": i % 2 == 0})
            state["count"] = i
            state["filter"] = ["all", "done", "open"][i % 3]
            rec.capture(trigger=f"step{i}", page="Home" if i % 2 else "Settings")
            expected.append(copy.deepcopy(state))
        rec.undo()
        expected.append(copy.deepcopy(state))
    return expected


def test_open_reads_every_frame_and_state(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    expected = make_recording(path)
    rec = Recording.open(path)
    assert len(rec) == len(expected)
    assert rec[1].trigger == "step0" and rec[1].page == "Settings"
    assert rec[-1].trigger == "undo" and rec[-1].restores == len(expected) - 3
    for i, state in enumerate(expected):
        assert rec.state_at(i) == state
    assert rec.state_at(-1) == expected[-1]
    with pytest.raises(IndexError):
        rec[len(expected)]


def test_state_at_returns_a_fresh_copy(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    make_recording(path, steps=3)
    rec = Recording.open(path)
    s = rec.state_at(2)
    s["todos"].append("mine")
    assert rec.state_at(2) != s and rec.state_at(3)["todos"] != s["todos"]


def test_keyframes_bound_the_diffs_to_any_frame(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    state = {"n": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        for i in range(1, 2500):
            state["n"] = i
            rec.capture()
    recording = Recording.open(path)
    kfs = recording.keyframes
    assert kfs[0] == 0
    gaps = [b - a for a, b in zip(kfs, [*kfs[1:], len(recording)], strict=True)]
    assert max(gaps) <= KEYFRAME_MAX and min(gaps[:-1]) >= KEYFRAME_MIN
    assert recording.state_at(1777) == {"n": 1777}


def test_history_of_one_key(tmp_path: Path) -> None:
    path = tmp_path / "h.ttrec"
    state: dict[str, Any] = {"todos": [{"done": False}], "other": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["other"] = 1
        rec.capture()
        state["todos"][0]["done"] = True
        rec.capture(trigger="toggle")
        state["todos"] = [{"done": "replaced"}]  # a change above the path counts too
        rec.capture(trigger="reset")
        rec.undo()
    recording = Recording.open(path)
    hist = recording.history(("todos", 0, "done"))
    assert [(f.index, f.trigger, old, new) for f, old, new in hist] == [
        (0, "initial", MISSING, False),
        (2, "toggle", False, True),
        (3, "reset", True, "replaced"),
        (4, "undo", "replaced", True),
    ]
    assert [f.index for f, _, _ in recording.history("other")] == [0, 1]
    assert recording.history(("nope",)) == []


def test_diff_between_any_two_frames(tmp_path: Path) -> None:
    path = tmp_path / "d.ttrec"
    make_recording(path, steps=6)
    rec = Recording.open(path)
    changes = rec.diff(0, 6)
    assert {c.path for c in changes} >= {("count",), ("filter",)}
    back = rec.diff(6, 0)
    assert {c.path for c in back} == {c.path for c in changes}
    assert rec.diff(3, 3) == ()


def test_a_growing_file_can_be_read_and_reread(tmp_path: Path) -> None:
    path = tmp_path / "g.ttrec"
    state = {"n": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    reader = Recording.open(path)
    assert len(reader) == 1
    for i in range(1, 300):
        state["n"] = i
        rec.capture()
    assert reader.refresh() == 299
    assert reader.state_at(-1) == {"n": 299}
    assert reader.refresh() == 0
    rec.close()


def test_a_half_written_record_is_picked_up_when_complete(tmp_path: Path) -> None:
    src = tmp_path / "full.ttrec"
    make_recording(src, steps=4)
    data = src.read_bytes()
    partial = tmp_path / "partial.ttrec"
    partial.write_bytes(data[:-7])
    rec = Recording.open(partial)
    assert rec.truncated and "ends inside a record" in (rec.notice or "")
    n = len(rec)
    partial.write_bytes(data)
    assert rec.refresh() == 1 and len(rec) == n + 1 and not rec.truncated


def test_killed_mid_write_opens_with_every_complete_frame(tmp_path: Path) -> None:
    path = tmp_path / "k.ttrec"
    expected = make_recording(path, steps=10)
    data = path.read_bytes()
    for cut in range(len(PREAMBLE) + 60, len(data), 17):
        p = tmp_path / "cut.ttrec"
        p.write_bytes(data[:cut])
        try:
            rec = Recording.open(p)
        except RecordingError as exc:
            assert "header" in str(exc)
            continue
        for i in range(len(rec)):
            assert rec.state_at(i) == expected[i]


def test_wrong_magic(tmp_path: Path) -> None:
    p = tmp_path / "x.ttrec"
    p.write_text("hello, I am a CSV file\n1,2,3\n")
    with pytest.raises(RecordingError, match=r"not a timetravel recording .*offset 0"):
        Recording.open(p)


def test_newer_version_says_to_upgrade(tmp_path: Path) -> None:
    src = tmp_path / "r.ttrec"
    make_recording(src, steps=1)
    data = bytearray(src.read_bytes())
    struct.pack_into("<H", data, len(MAGIC), 99)
    (tmp_path / "new.ttrec").write_bytes(data)
    with pytest.raises(RecordingError, match=r"version 99 is newer.*upgrade timetravel"):
        Recording.open(tmp_path / "new.ttrec")


def test_corruption_names_the_byte_and_frame(tmp_path: Path) -> None:
    src = tmp_path / "r.ttrec"
    make_recording(src, steps=5)
    data = bytearray(src.read_bytes())
    data[-3] ^= 0xFF  # inside the last record's payload
    (tmp_path / "bad.ttrec").write_bytes(data)
    with pytest.raises(
        RecordingError, match=r"checksum mismatch in record at byte \d+ \(frame \d+\)"
    ):
        Recording.open(tmp_path / "bad.ttrec")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        Recording.open(tmp_path / "nope.ttrec")
    with pytest.raises(RecordingError, match="directory"):
        Recording.open(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.ttrec").write_bytes(b"")
    with pytest.raises(RecordingError):
        Recording.open(tmp_path / "e.ttrec")


def _records(data: bytes) -> list[tuple[int, int]]:
    """(payload offset, length) of every record."""
    out, pos = [], len(PREAMBLE)
    while pos + RECORD_HEAD.size <= len(data):
        _, length, _ = RECORD_HEAD.unpack_from(data, pos)
        out.append((pos + RECORD_HEAD.size, length))
        pos += RECORD_HEAD.size + length
    return out


def _exercise(path: Path) -> None:
    """Everything a viewer does with a file."""
    rec = Recording.open(path)
    _ = (rec.header, rec.app, rec.options, rec.created, rec.notice, rec.keyframes)
    for i in range(len(rec)):
        frame = rec[i]
        _ = [str(c) for c in frame.changes]
        rec.state_at(i)
    if len(rec):
        rec.history(("todos",))
        rec.diff(0, len(rec) - 1)


def test_fuzzing_raises_nothing_but_recording_error(tmp_path: Path) -> None:
    src = tmp_path / "src.ttrec"
    make_recording(src, steps=12)
    good = src.read_bytes()
    records = _records(good)
    rng = random.Random(1234)
    target = tmp_path / "fuzz.ttrec"
    outcomes = {"ok": 0, "error": 0}
    for trial in range(600):
        data = bytearray(good)
        mode = trial % 4
        if mode == 0:  # truncate anywhere
            data = data[: rng.randrange(len(data))]
        elif mode == 1:  # flip bits anywhere
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        else:  # garble a payload and fix its checksum, so the decoders see it
            off, length = rng.choice(records)
            for _ in range(rng.randint(1, 6)):
                data[off + rng.randrange(length)] = rng.randrange(256)
            if mode == 3 and length > 4:  # or cut it short inside a valid-looking record
                del data[off + rng.randrange(length) : off + length]
                length = len(data) - off if off + length > len(data) else length
            payload = bytes(data[off : off + length])
            struct.pack_into("<I", data, off - 4, zlib.crc32(payload))
        target.write_bytes(bytes(data))
        try:
            _exercise(target)
            outcomes["ok"] += 1
        except RecordingError:
            outcomes["error"] += 1
    assert outcomes["error"] > 100 and outcomes["ok"] > 10


@settings(max_examples=40, deadline=None)
@given(st.lists(states, min_size=1, max_size=8))
def test_save_then_open_returns_every_frame_and_state(
    tmp_path_factory: Any, sequence: list[dict[str, Any]]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "p.ttrec"
    state: dict[str, Any] = {}
    rec = Recorder(state, redact=None)
    expected = []
    for s in sequence:
        state.clear()
        state.update(copy.deepcopy(s))
        if rec.capture() is not None:
            expected.append(copy.deepcopy(state))
    rec.save(path)
    opened = Recording.open(path)
    assert len(opened) == len(rec.frames) == len(expected)
    for i, frame in enumerate(rec.frames):
        assert opened[i].index == frame.index and opened[i].trigger == frame.trigger
        assert len(opened[i].changes) == len(frame.changes)
        assert values_equal(opened.state_at(i), expected[i])


def test_open_without_index_checks_the_header_then_indexes_with_progress(tmp_path: Path) -> None:
    path = tmp_path / "big.ttrec"
    state = {"n": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        for i in range(1, 9000):
            state["n"] = i
            rec.capture()
    recording = Recording.open(path, index=False)
    assert len(recording) == 0 and recording.version == 1
    seen: list[tuple[int, int]] = []
    assert recording.refresh(progress=lambda done, total: seen.append((done, total))) == 9000
    assert seen and all(0 < d <= t == path.stat().st_size for d, t in seen)
    assert recording.state_at(8999) == {"n": 8999}

    (tmp_path / "bad.ttrec").write_bytes(b"nope")
    with pytest.raises(RecordingError, match="not a timetravel recording"):
        Recording.open(tmp_path / "bad.ttrec", index=False)


def test_reading_from_many_threads_at_once(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "t.ttrec"
    expected = make_recording(path, steps=60)
    rec = Recording.open(path)
    errors: list[BaseException] = []

    def read(offset: int) -> None:
        try:
            for i in range(offset, len(rec), 3):
                assert rec.state_at(i) == expected[i]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(k % 3,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_first_index_is_learnt_once_frames_arrive(tmp_path: Path) -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=3)
    rec.capture()
    for i in range(1, 8):
        state["n"] = i
        rec.capture()
    rec.save(tmp_path / "folded.ttrec")
    opened = Recording.open(tmp_path / "folded.ttrec", index=False)
    assert opened.first_index == 0 and len(opened) == 0  # nothing known yet
    opened.refresh()
    assert opened.first_index == 5 and opened.state_at(-1) == {"n": 7}


def test_refresh_meeting_corruption_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "c.ttrec"
    state = {"n": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    reader = Recording.open(path)
    good = path.read_bytes()
    for i in range(1, 5):
        state["n"] = i
        rec.capture()
    rec.close()
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # corrupt the last frame appended after the reader opened
    path.write_bytes(data)
    with pytest.raises(RecordingError, match="checksum"):
        reader.refresh()
    assert len(reader) == 4 and reader.state_at(3) == {"n": 3} and len(good) < reader.size
    with pytest.raises(RecordingError):
        reader.refresh()  # still reports the damage, never doubles frames
    assert len(reader) == 4


def test_a_value_nested_deeper_than_the_reader_reads_is_written_opaque(tmp_path: Path) -> None:
    from timetravel._codec import MAX_DEPTH

    deep: list[Any] = []
    node = deep
    for _ in range(MAX_DEPTH + 20):  # deeper than any file may hold, well within msgpack's
        node.append([])
        node = node[0]
    state: dict[str, Any] = {"deep": [], "n": 0}
    path = tmp_path / "deep.ttrec"
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["deep"] = deep
        state["n"] = 1
        rec.capture()
    recording = Recording.open(path)  # the file stays readable...
    last = recording.state_at(-1)
    assert last["n"] == 1
    node, levels = last["deep"], 0  # ...and says where it could not keep the value
    while isinstance(node, list) and node:
        node, levels = node[0], levels + 1
    assert isinstance(node, Opaque) and node.type == "list" and levels < MAX_DEPTH
