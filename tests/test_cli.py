"""The `timetravel` command line: info, export, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_recording import make_recording

EXE = os.path.join(os.path.dirname(sys.executable), "timetravel")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "session.ttrec"
    make_recording(path, steps=8)
    return path


def test_info_summarises_a_recording(recording: Path) -> None:
    result = run("info", str(recording))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "frames:     10 (1 undo)" in out
    assert "keyframes:  1" in out
    assert "keys:       3: todos, filter, count" in out
    assert "pages:      Settings, Home" in out
    assert f"size:       {recording.stat().st_size:,} bytes" in out
    assert "time span:" in out


def test_export_json_and_jsonl(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run("export", str(recording), "--format", "json", "-o", str(out), "--states")
    assert result.returncode == 0, result.stderr
    assert "wrote 10 frames" in result.stderr
    doc = json.loads(out.read_text())
    assert doc["format"] == 1 and len(doc["frames"]) == 10
    assert doc["frames"][1]["changes"][0]["kind"] in {"added", "changed"}
    assert doc["frames"][-1]["trigger"] == "undo"
    assert doc["frames"][3]["state"]["count"] == 2

    lines = run("export", str(recording), "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 11
    assert json.loads(lines[0])["header"]["frames"] == 10
    assert json.loads(lines[2])["index"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"PK\x03\x04 a zip file", "not a timetravel recording"),
        (b"", "empty, not a timetravel recording"),
    ],
)
def test_bad_files_get_one_line_and_exit_2(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.ttrec"
    if content is not None:
        path.write_bytes(content)
    for command in ("info", "export"):
        result = run(command, str(path))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and message in result.stderr
        assert "Traceback" not in result.stderr


def test_corrupt_file_exit_2_with_offset(recording: Path) -> None:
    data = bytearray(recording.read_bytes())
    data[-2] ^= 0x10
    recording.write_bytes(data)
    result = run("info", str(recording))
    assert (
        result.returncode == 2 and "at byte" in result.stderr and "Traceback" not in result.stderr
    )


def test_truncated_file_opens_with_a_notice(recording: Path) -> None:
    recording.write_bytes(recording.read_bytes()[:-5])
    result = run("info", str(recording))
    assert (
        result.returncode == 0
        and "notice:" in result.stdout
        and "ends inside a record" in result.stdout
    )


def test_export_to_an_unwritable_place(recording: Path, tmp_path: Path) -> None:
    result = run("export", str(recording), "-o", str(tmp_path / "no" / "such" / "dir" / "x.json"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_help_lists_the_commands(recording: Path) -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "info" in result.stdout and "export" in result.stdout and "tui" in result.stdout
