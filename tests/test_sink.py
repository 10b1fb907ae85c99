"""Writing a recording: full disks never reach the app, and one recorder writes a file."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from timetravel import Recorder, Recording, RecordingError, RecordingInUseError
from timetravel._format import PREAMBLE

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file size limits and flock")

# Run in a child process: a file size limit (RLIMIT_FSIZE) makes writes past it fail with
# EFBIG, as a full disk makes them fail with ENOSPC, without root or a small file system.
CHILD = textwrap.dedent(
    """
    import json, logging, resource, signal, sys, warnings
    from timetravel import Recorder

    path, limit = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() raises EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    warnings.simplefilter("error")  # nothing may reach the app, not even a warning

    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logging.getLogger("timetravel").addHandler(Keep())

    state = {"n": 0, "text": ""}
    rec = Recorder(state, sink=path)
    failed_at = None if not records else -1
    rec.capture()
    for i in range(1, 40):
        state["n"] = i
        state["text"] = "x" * 50 * i
        rec.capture(trigger=f"step{i}")
        if records and failed_at is None:
            failed_at = i
    undone = [rec.undo() for _ in range(3)]
    after_undo = dict(state)
    rec.close()
    rec.close()
    print(json.dumps({
        "failed_at": failed_at, "logged": records, "frames": len(rec.frames),
        "undone": undone, "n_after_undo": after_undo["n"], "sink": rec.sink_name,
    }))
    """
)


def _run_child(path: Path, limit: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


@POSIX
def test_a_full_file_system_is_logged_once_and_the_file_keeps_every_frame_before_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "full.ttrec"
    result = _run_child(path, 8192)
    failed_at = result["failed_at"]
    assert isinstance(failed_at, int) and failed_at > 3, result
    assert len(result["logged"]) == 1, result["logged"]
    assert "File too large" in result["logged"][0] and str(path) in result["logged"][0]
    # Recording in memory went on, and undo works.
    assert result["frames"] == 40 + 3 and result["undone"] == [True, True, True]
    assert result["n_after_undo"] == 36 and result["sink"] is None
    # The file holds every frame written before the failure, and no torn record.
    assert path.stat().st_size <= 8192
    recording = Recording.open(path)
    assert len(recording) == failed_at
    assert not recording.truncated  # the torn record was cut off
    assert [f.trigger for f in recording][1:] == [f"step{i}" for i in range(1, failed_at)]
    assert recording.state_at(-1)["n"] == failed_at - 1


@POSIX
def test_a_disk_full_before_the_header_leaves_the_app_recording_in_memory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nothing.ttrec"
    result = _run_child(path, len(PREAMBLE) + 3)
    assert result["failed_at"] == -1 and len(result["logged"]) == 1
    assert result["frames"] == 43 and result["n_after_undo"] == 36
    assert path.stat().st_size == 0  # cut back to nothing rather than a torn header


class _Disk(io.RawIOBase):
    """A stream with room for ``room`` bytes: it writes what fits, then fails with ENOSPC."""

    def __init__(self, room: int) -> None:
        self.data = bytearray()
        self.room = room
        self.fails = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        free = self.room - len(self.data)
        chunk = bytes(b)
        if len(chunk) > free:
            self.data += chunk[:free]  # a real disk may take part of a write
            self.fails += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        self.data += chunk
        return len(chunk)


def test_a_stream_that_fills_up_mid_record_keeps_its_whole_frames(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = _Disk(room=2000)
    state: dict[str, Any] = {"n": 0, "text": ""}
    rec = Recorder(state, sink=disk)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(30):
            state["n"] = i
            state["text"] = "y" * 40 * i
            assert rec.capture() is not None
        assert rec.undo() and state["n"] == 28
        assert rec.redo() and state["n"] == 29
        rec.close()
    assert disk.fails == 1  # nothing was written after the failure
    assert [r.name for r in caplog.records] == ["timetravel"]
    assert "No space left on device" in caplog.records[0].getMessage()
    # The stream ends inside a record: the reader keeps every complete frame before it.
    path = tmp_path / "copy.ttrec"
    path.write_bytes(bytes(disk.data))
    recording = Recording.open(path)
    assert recording.truncated and 3 < len(recording) < 30
    assert recording.state_at(-1)["n"] == len(recording) - 1


def test_a_failing_write_of_an_owned_file_is_not_retried_by_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The old failure: close() flushed the failed buffer again and raised into the app."""
    path = tmp_path / "r.ttrec"
    state = {"n": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    stream = rec._writer.stream  # type: ignore[union-attr]
    calls = []

    def full(data: Any) -> int:
        calls.append(len(data))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(stream, "write", full, raising=False)
    state["n"] = 1
    rec.capture()
    state["n"] = 2
    rec.capture()
    rec.close()
    assert len(calls) == 1 and len(caplog.records) == 1
    assert len(Recording.open(path)) == 1
    assert rec.undo() and state == {"n": 1}


def test_a_second_recorder_on_a_path_being_written_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.ttrec"
    state = {"n": 0}
    first = Recorder(state, sink=path)
    first.capture()
    with pytest.raises(RecordingInUseError, match="another recorder is writing") as info:
        Recorder({"m": 1}, sink=path)
    assert str(path) in str(info.value) and isinstance(info.value, RecordingError)
    with pytest.raises(RecordingInUseError):
        first.save(path)  # save() writes files like a sink does
    # The refused recorder touched nothing: the first goes on writing a sound file.
    state["n"] = 1
    first.capture()
    recording = Recording.open(path)
    assert len(recording) == 2 and recording.state_at(-1) == {"n": 1}
    first.close()
    # Once closed, a new recorder may take the path: like any path sink, it replaces the file.
    with Recorder({"m": 1}, sink=path) as second:
        second.capture()
    assert Recording.open(path).state_at(-1) == {"m": 1}


@POSIX
def test_a_recorder_in_another_process_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "shared.ttrec"
    with Recorder({"n": 0}, sink=path) as rec:
        rec.capture()
        code = (
            "import sys\nfrom timetravel import Recorder\n"
            "from timetravel import RecordingInUseError\n"
            "try:\n    Recorder({}, sink=sys.argv[1])\n"
            "except RecordingInUseError as exc:\n    print(exc)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        assert "another recorder is writing" in out.stdout
    assert len(Recording.open(path)) == 1


def test_a_path_that_cannot_be_opened_still_raises(tmp_path: Path) -> None:
    os.mkdir(tmp_path / "dir.ttrec")
    with pytest.raises(OSError):
        Recorder({}, sink=tmp_path / "dir.ttrec")


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"d": value}
    return value


def test_a_value_the_file_could_not_read_back_is_written_opaque_with_one_warning(
    tmp_path: Path,
) -> None:
    from timetravel import Opaque, TimetravelWarning

    path = tmp_path / "deep.ttrec"
    state: dict[str, Any] = {"n": 0, "deep": _nested(150)}  # deeper than a reader reads
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Recorder(state, sink=path) as rec:
            rec.capture()
            for i in range(1, 4):
                state["n"] = i
                state["deep"] = _nested(150 + i)
                rec.capture()
            assert rec.undo()  # in memory the value itself comes back
            assert state["deep"] == _nested(152)
    notes = [str(w.message) for w in caught if issubclass(w.category, TimetravelWarning)]
    assert len(notes) == 1 and "can't be written" in notes[0] and "dict" in notes[0]
    recording = Recording.open(path)  # the whole recording still opens
    assert [recording.state_at(i)["n"] for i in range(len(recording))] == [0, 1, 2, 3, 2]
    assert isinstance(recording.state_at(3)["deep"], Opaque)
