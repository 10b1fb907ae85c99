"""Recording files: lazy reading, growing files, history and diff, and every kind of bad file."""

from __future__ import annotations

import base64
import copy
import random
import struct
import zlib
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import states
from timetravel import (
    FORMAT_VERSION,
    MISSING,
    Opaque,
    Recorder,
    Recording,
    RecordingError,
    TimetravelWarning,
)
from timetravel._format import (
    KEYFRAME_MAX,
    KEYFRAME_MIN,
    KIND_FRAME,
    KIND_HEADER,
    MAGIC,
    PREAMBLE,
    RECORD_HEAD,
)
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
    rec.summary()  # a garbled stored summary is checked, then decoded around
    for _ in rec.states():
        pass


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
    assert len(recording) == 0 and recording.version == FORMAT_VERSION
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
        with pytest.warns(TimetravelWarning, match="can't be written"):  # once, says so
            rec.capture()
    recording = Recording.open(path)  # the file stays readable...
    last = recording.state_at(-1)
    assert last["n"] == 1
    node, levels = last["deep"], 0  # ...and says where it could not keep the value
    while isinstance(node, list) and node:
        node, levels = node[0], levels + 1
    assert isinstance(node, Opaque) and node.type == "list" and levels < MAX_DEPTH


# --- frame summaries (issue 8): info from the index; old files still read ----------------------

# A file written by timetravel before frame summaries existed (make_recording(path, steps=8)
# with that version's writer): frames are 7-item arrays and the header has no "summary".
OLD_FILE = zlib.decompress(
    base64.b64decode(
        "eNqF0s1P1EAYwOFpd7urJib+ARz0TFRghdWEBBBtSDwJRA8eSGlndeK0U9tZwt4MKIl62YU1VU/E/ajIwZsx"
        "8SPDl9EYEq7CyXjRxJM3PRiH6bA2XYK37e47z/z2Te+Nj49eHD56RAEjDwAAd18MDM81C8SzDaqEpgcNCq1P"
        "Q9srj3KbbzZCjCY9wys9p8iG1DOmIA6JSxFx/LkQTpu4aMFyiBzxgTUwshFlS7YxPTFZotBnyyYxMPRNOGH7"
        "oOlByzApqxmue3vpJiwVPMOG/kzNRo5V44c2U9/0ft706tzAzwDIiHc3uI8oMjBjbKFaaVBiEV9l5WqlWUCY"
        "Qk/lIsb8F5MUHaoycKmDI4O3fj+ZB7PReFmO7g5GY0A/y4dOdODZQJE3MdLwKXS72LMxSClyrvusUp2PAJBm"
        "Mw2KKIZPaVfdIg5c00c5cO3U4GKgSmAlFEA3q48QG/JYeViJHe4Wh1db8WA3SXy39wcAUPSrnL5/eud7kJL0"
        "6page2JtLV6N8T1R2z9ePNeJC52Wr6gifXnrz8MgLf21H8LPJdNTMTuXTBdsfPdATelXOP16/Wsm0CS9/kvQ"
        "Z/ZLB1pyq+ygzaTS+hjn+xdPHg8ykt/4Ivjeg8p728rbt5LWRPrbfOf5ICvt91F6337p6Zjf17b1ts1oGbH0"
        "zgs7n4NDkv9wTPD5ZLoWo/P/f18yWf0yp7cf38HBYUl/fFkvOhaJ5OxCazabSSxBRO7dqyWvZX8BvrrcEw=="
    )
)


def payloads(data: bytes) -> list[tuple[bytes, int, int]]:
    """(kind, record offset, record end) of every record."""
    out, pos = [], len(PREAMBLE)
    while pos + RECORD_HEAD.size <= len(data):
        kind, length, _ = RECORD_HEAD.unpack_from(data, pos)
        end = pos + RECORD_HEAD.size + length
        out.append((kind, pos, end))
        pos = end
    return out


def rewrite_frames(data: bytes, change: Any) -> bytes:
    """``data`` with every frame payload (a raw msgpack list, extension values left packed)
    replaced by ``change(position, items)``, and the header by ``change(None, header)``."""
    out = bytearray(data[: len(PREAMBLE)])
    position = 0
    for kind, start, end in payloads(data):
        payload = data[start + RECORD_HEAD.size : end]
        if kind in (KIND_FRAME, KIND_HEADER):
            raw = msgpack.unpackb(payload, raw=False, strict_map_key=False)
            raw = change(position if kind == KIND_FRAME else None, raw)
            payload = msgpack.packb(raw, use_bin_type=True)
            position += kind == KIND_FRAME
        out += RECORD_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload
    return bytes(out)


def strip_summaries(data: bytes) -> bytes:
    """A file as written before frame summaries: no header flag, 7-item frames."""

    def strip(position: int | None, raw: Any) -> Any:
        if position is None:
            return {k: v for k, v in raw.items() if k != "summary"}
        return raw[:7]

    return rewrite_frames(data, strip)


def decoded_summary(rec: Recording) -> dict[str, Any]:
    """What Recording.summary() must say, worked out by decoding every frame."""
    triggers: dict[str, int] = {}
    restores: dict[str | None, int] = {}
    pages: dict[str, None] = {}
    keys: dict[Any, None] = {}
    for frame in rec:
        if frame.is_restore:
            restores[frame.trigger] = restores.get(frame.trigger, 0) + 1
        elif frame.trigger is not None:
            triggers[frame.trigger] = triggers.get(frame.trigger, 0) + 1
        if frame.page is not None:
            pages[frame.page] = None
        for c in frame.changes:
            keys[c.path[0]] = None
    return {
        "frames": len(rec),
        "first_time": rec[0].time if len(rec) else None,
        "last_time": rec[-1].time if len(rec) else None,
        "triggers": list(triggers.items()),
        "restores": list(restores.items()),
        "pages": list(pages),
        "keys": list(keys),
    }


def summary_dict(rec: Recording) -> dict[str, Any]:
    s = rec.summary()
    return {
        "frames": s.frames,
        "first_time": s.first_time,
        "last_time": s.last_time,
        "triggers": list(s.triggers.items()),
        "restores": list(s.restores.items()),
        "pages": s.pages,
        "keys": s.keys,
    }


def long_recording(path: Path, n: int = 2500) -> list[dict[str, Any]]:
    """``n`` frames over 30 top-level keys, 12 triggers, 25 pages, some undos and redos;
    returns the state after every frame."""
    state: dict[str, Any] = {f"k{i}": 0 for i in range(3)}
    expected = []
    with Recorder(state, sink=path, redact=None) as rec:
        rec.capture()
        expected.append(copy.deepcopy(state))
        for i in range(1, n):
            if i % 97 == 0:
                rec.undo()
            elif i % 97 == 1 and i > 1:
                rec.redo()
            else:
                state[f"k{i % 30}"] = i
                if i % 11 == 0:
                    state.setdefault("l", []).append({"i": i})
                rec.capture(trigger=f"t{i % 12}", page=f"p{i % 25}" if i % 7 else None)
            expected.append(copy.deepcopy(state))
    return expected


def test_summary_comes_from_the_stored_summaries(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    long_recording(path)
    rec = Recording.open(path)
    assert rec.header["summary"] == 1 and len(rec.keyframes) > 3
    s = rec.summary()
    # Only the frames after the last keyframe are decoded; the rest come from summaries.
    assert s.decoded == len(rec) - 1 - rec.keyframes[-1]
    expected = decoded_summary(rec)
    assert summary_dict(rec) == expected
    assert sum(s.triggers.values()) + sum(s.restores.values()) == len(rec)
    assert s.restores == {"undo": 25, "redo": 25} and len(s.pages) == 25 and len(s.keys) == 31

    old = tmp_path / "old.ttrec"
    old.write_bytes(strip_summaries(path.read_bytes()))
    before = Recording.open(old)
    assert "summary" not in before.header
    assert before.summary().decoded == len(before)
    assert summary_dict(before) == expected


def test_a_file_written_before_summaries_opens_and_summarises(tmp_path: Path) -> None:
    path = tmp_path / "old.ttrec"
    path.write_bytes(OLD_FILE)
    rec = Recording.open(path)
    assert rec.version == 1 and "summary" not in rec.header and len(rec) == 10
    assert all(
        len(msgpack.unpackb(OLD_FILE[s + 9 : e], strict_map_key=False)) == 7
        for k, s, e in payloads(OLD_FILE)
        if k == KIND_FRAME
    )
    s = rec.summary()
    assert s.decoded == 10 and s.frames == 10
    assert s.triggers == {"initial": 1, **{f"step{i}": 1 for i in range(8)}}
    assert s.restores == {"undo": 1}
    assert s.pages == ["Settings", "Home"] and s.keys == ["todos", "filter", "count"]
    assert rec.state_at(-1)["count"] == 6 and rec.state_at(8)["count"] == 7
    walked = [(f.index, copy.deepcopy(state)) for f, state in rec.states()]
    assert walked == [(i, rec.state_at(i)) for i in range(10)]


BAD_SUMMARIES: list[Any] = [
    "not a map",
    {"frames": 0, "triggers": [], "restores": [], "pages": [], "keys": []},
    {"frames": "many", "triggers": [], "restores": [], "pages": [], "keys": []},
    {"frames": 1},
    {"frames": 10**6, "triggers": [], "restores": [], "pages": [], "keys": []},  # wrong count
    {"frames": 1, "triggers": [["a", 5]], "restores": [], "pages": [], "keys": []},
    {"frames": 1, "triggers": [[7, 1]], "restores": [], "pages": [], "keys": []},
    {"frames": 1, "triggers": [["a", -1]], "restores": [], "pages": [], "keys": []},
    {"frames": 1, "triggers": [["a"]], "restores": [], "pages": [], "keys": []},
    {"frames": 1, "triggers": [[None, 1]], "restores": [], "pages": [], "keys": []},
    {"frames": 1, "triggers": [], "restores": [[b"x", 1]], "pages": [], "keys": []},
    {"frames": 1, "triggers": [], "restores": [], "pages": [1], "keys": []},
    {"frames": 1, "triggers": [], "restores": [], "pages": [], "keys": "k"},
    {"frames": True, "triggers": [], "restores": [], "pages": [], "keys": []},
]


@pytest.mark.parametrize("bad", BAD_SUMMARIES)
def test_a_bad_stored_summary_is_not_used(tmp_path: Path, bad: Any) -> None:
    src = tmp_path / "long.ttrec"
    long_recording(src, 450)
    rec = Recording.open(src)
    expected = decoded_summary(rec)
    target = rec.keyframes[1]

    def spoil(position: int | None, raw: Any) -> Any:
        if position == 0:
            raw[7] = bad  # the first frame's summary is checked like any other
        if position == target:
            raw[7] = bad
        return raw

    path = tmp_path / "bad.ttrec"
    path.write_bytes(rewrite_frames(src.read_bytes(), spoil))
    spoilt = Recording.open(path)
    assert summary_dict(spoilt) == expected
    assert spoilt.summary().decoded == target + 1 + len(spoilt) - 1 - spoilt.keyframes[-1]


def test_a_summary_over_a_damaged_stretch_is_not_used(tmp_path: Path) -> None:
    src = tmp_path / "long.ttrec"
    long_recording(src, 450)
    data = bytearray(src.read_bytes())
    frames = [start for kind, start, _ in payloads(bytes(data)) if kind == KIND_FRAME]
    struct.pack_into("<I", data, frames[150] + 1, 1 << 30)  # frame 150 lost
    path = tmp_path / "gap.ttrec"
    path.write_bytes(data)
    rec = Recording.open(path)
    assert len(rec.gaps) == 1 and len(rec) == 449
    s = rec.summary()
    assert summary_dict(rec) == decoded_summary(rec)
    assert s.decoded > len(rec) - 1 - rec.keyframes[-1]


def test_a_corrupt_frame_met_while_summarising_is_a_recording_error(tmp_path: Path) -> None:
    path = tmp_path / "old.ttrec"

    def garble(position: int | None, raw: Any) -> Any:
        if position == 4:
            raw[6] = "not rows"
        return raw

    path.write_bytes(rewrite_frames(OLD_FILE, garble))
    with pytest.raises(RecordingError, match=r"frame 4 at byte \d+ is corrupt"):
        Recording.open(path).summary()


def test_states_walks_forward_through_keyframes(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    expected = long_recording(path, 1200)
    rec = Recording.open(path)
    assert len(rec.keyframes) > 2
    n = 0
    for (frame, state), want in zip(rec.states(), expected, strict=True):
        assert frame.index == n and state == want
        n += 1
    assert n == len(expected)
    assert [f.index for f, _ in rec.states(1190)] == list(range(1190, 1200))
    assert [f.index for f, _ in rec.states(-3, -1)] == [1197, 1198]
    assert [s["k1"] for _, s in rec.states(100, 103)] == [e["k1"] for e in expected[100:103]]
    assert list(rec.states(5, 5)) == [] and list(rec.states(2000)) == []


def test_states_reuses_one_dict(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    make_recording(path, steps=4)
    rec = Recording.open(path)
    walk = rec.states()
    _, first = next(walk)
    kept = copy.deepcopy(first)
    _, second = next(walk)
    assert second is first and first != kept  # updated in place: copy to keep


def test_states_after_lost_frames_resumes_at_the_next_keyframe(tmp_path: Path) -> None:
    from tests.fuzz_cases import build

    frames = [[[["n"], 2, None, 0]]] + [[[["n"], 0, i - 1, i]] for i in range(1, 8)]
    data = bytearray(build(frames, {0: {"n": 0}, 5: {"n": 5}}))
    second_frame = [s for k, s, _ in payloads(bytes(data)) if k == KIND_FRAME][1]
    struct.pack_into("<I", data, second_frame + 1, 1 << 30)  # frame 1 lost
    path = tmp_path / "gap.ttrec"
    path.write_bytes(data)
    rec = Recording.open(path)
    walk = rec.states()
    assert next(walk)[1] == {"n": 0}
    with pytest.raises(RecordingError, match="lost to a damaged record"):
        next(walk)
    assert [(f.index, dict(s)) for f, s in rec.states(4)] == [(i, {"n": i}) for i in (5, 6, 7)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(states, min_size=1, max_size=12),
    st.integers(-15, 15) | st.none(),
    st.integers(-15, 15) | st.none(),
)
def test_states_equals_state_at_for_every_frame(
    tmp_path_factory: Any, sequence: list[dict[str, Any]], start: int | None, stop: int | None
) -> None:
    path = tmp_path_factory.mktemp("walk") / "w.ttrec"
    state: dict[str, Any] = {}
    with Recorder(state, sink=path, redact=None) as rec:
        for n, s in enumerate(sequence):
            state.clear()
            state.update(copy.deepcopy(s))
            rec.capture(trigger=f"t{n}")
            if n % 4 == 3:
                rec.undo()
    opened = Recording.open(path)
    positions = range(len(opened))[start:stop]
    walked = [(f.index, copy.deepcopy(s)) for f, s in opened.states(start, stop)]
    assert [i for i, _ in walked] == [opened[p].index for p in positions]
    for (_, got), p in zip(walked, positions, strict=True):
        assert values_equal(got, opened.state_at(p))
    assert summary_dict(opened) == decoded_summary(opened)
