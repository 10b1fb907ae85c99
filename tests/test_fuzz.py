"""Hostile recordings (issue 9): nothing but RecordingError from the API, and a one-line error
with a non-zero exit from the CLI; each case in a subprocess limited to 1 GB."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from tests.fuzz_cases import build, hostile, mutations, run_api, run_cli
from timetravel import Recorder, Recording, RecordingError
from timetravel._format import PREAMBLE, RECORD_HEAD
from timetravel.check import check_recording


def _small(path: Path) -> bytes:
    state: dict[str, object] = {"v": 0, "l": [1, 2]}
    with Recorder(state, sink=path, redact=None) as rec:
        rec.capture()
        for i in range(4):
            state["v"] = i
            state["l"] = [*state["l"], i]  # type: ignore[list-item]
            rec.capture(trigger=f"s{i}")
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(hostile()))
def test_hostile_file_is_a_recording_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.ttrec"
    path.write_bytes(hostile()[name])
    assert run_api([path]) == {str(path): "error"}
    for command in ("info", "export", "check"):
        assert run_cli(command, path) is None


def test_hostile_messages_say_where(tmp_path: Path) -> None:
    cases = hostile()
    expected = {
        "nested_tuples": "nested too deeply",
        "nested_objects": "nested too deeply",
        "nested_arrays": "nested too deeply",
        "huge_index": "bad list index",
        "bad_unicode": "invalid code point",
        "huge_empty_array": "spans more than",
        "huge_range_index": "range index of more than",
    }
    for name, message in expected.items():
        path = tmp_path / f"{name}.ttrec"
        path.write_bytes(cases[name])
        rec = Recording.open(path)
        with pytest.raises(RecordingError, match=rf"{message}") as info:
            rec.state_at(1)
            rec[1]
        assert "at byte" in str(info.value) and "frame" in str(info.value)


def test_mutated_files_never_crash(tmp_path: Path) -> None:
    good = _small(tmp_path / "good.ttrec")
    rng = random.Random(9)
    paths = []
    for n, data in enumerate(mutations(good, rng, 400)):
        path = tmp_path / f"m{n}.ttrec"
        path.write_bytes(data)
        paths.append(path)
    outcomes = run_api(paths, timeout=120)
    crashes = {p: o for p, o in outcomes.items() if o not in ("ok", "error")}
    assert not crashes
    assert list(outcomes.values()).count("ok") > 50
    for path in rng.sample(paths[len(good) :], 6):
        for command in ("info", "export", "check"):
            assert run_cli(command, path) is None


def _records(data: bytes) -> list[int]:
    out, pos = [], len(PREAMBLE)
    while pos + RECORD_HEAD.size <= len(data):
        out.append(pos)
        pos += RECORD_HEAD.size + RECORD_HEAD.unpack_from(data, pos)[1]
    return out


def test_damaged_length_field_keeps_later_frames(tmp_path: Path) -> None:
    frames = [[[["n"], 2, None, 0]]] + [[[["n"], 0, i - 1, i]] for i in range(1, 8)]
    data = bytearray(build(frames, {0: {"n": 0}, 5: {"n": 5}}))
    starts = _records(bytes(data))
    second_frame = starts[3]  # H, F0, K0, F1, ...
    struct.pack_into("<I", data, second_frame + 1, 1 << 30)  # F1's length runs past the end
    path = tmp_path / "gap.ttrec"
    path.write_bytes(data)
    rec = Recording.open(path)
    assert not rec.truncated and len(rec) == 7  # F1 lost, F2..F7 kept
    [gap] = rec.gaps
    assert gap.offset == second_frame and gap.lost == 1 and gap.position == 1
    assert rec.notice is not None and f"byte {second_frame}" in rec.notice
    assert [f.index for f in rec] == [0, 2, 3, 4, 5, 6, 7]
    assert rec.state_at(4) == {"n": 5} and rec.state_at(6) == {"n": 7}
    with pytest.raises(RecordingError, match="lost to a damaged record"):
        rec.state_at(2)
    report = check_recording(path)
    assert report.problems and "damaged record" in report.problems[0]
    assert run_cli("check", path) is None


def test_check_finds_a_keyframe_that_disagrees(tmp_path: Path) -> None:
    frames = [[[["n"], 2, None, 0]]] + [[[["n"], 0, i - 1, i]] for i in range(1, 4)]
    path = tmp_path / "k.ttrec"
    path.write_bytes(build(frames, {0: {"n": 0}, 3: {"n": 99}}))
    report = check_recording(path)
    assert len(report.problems) == 1 and "keyframe of frame 3" in report.problems[0]
    assert "'n' differs" in report.problems[0]
    path.write_bytes(build(frames, {0: {"n": 0}, 3: {"n": 3}}))
    assert check_recording(path).ok
