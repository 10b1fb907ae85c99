"""``timetravel tui FILE`` and ``python -m timetravel_tui FILE``: bad input exits 2, one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from timetravel import Recorder
from timetravel_tui.app import TimetravelApp
from timetravel_tui.cli import command

SCRIPT = Path(sys.executable).parent / "timetravel"

ENTRY_POINTS = {
    "python -m timetravel_tui": [sys.executable, "-m", "timetravel_tui"],
    "timetravel tui": [str(SCRIPT), "tui"],
}


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def newer_version(todo_file: Path) -> Path:
    data = bytearray(todo_file.read_bytes())
    data[8:10] = (99).to_bytes(2, "little")
    path = todo_file.with_name("newer.ttrec")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", ["missing", "not a recording", "newer version", "directory"])
def test_bad_input_is_one_line_and_exit_2(entry: str, case: str, todo_file: Path) -> None:
    if case == "missing":
        path, says = todo_file.with_name("nope.ttrec"), "no such file"
    elif case == "not a recording":
        path = todo_file.with_name("notes.txt")
        path.write_text("hello, I am not a recording\n")
        says = "not a timetravel recording"
    elif case == "newer version":
        path, says = newer_version(todo_file), "format version 99 is newer"
    else:
        path, says = todo_file.parent, "is a directory"
    result = run([*ENTRY_POINTS[entry], str(path)])
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"timetravel: {path}")
    assert says in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_help(entry: str) -> None:
    result = run([*ENTRY_POINTS[entry], "--help"])
    assert result.returncode == 0
    assert "FILE" in result.stdout
    assert "--follow" in result.stdout
    assert "--frame" in result.stdout


def test_timetravel_lists_the_tui_command() -> None:
    result = run([str(SCRIPT), "--help"])
    assert result.returncode == 0
    assert "tui" in result.stdout


def test_a_good_file_starts_the_app(todo_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[TimetravelApp] = []
    monkeypatch.setattr(TimetravelApp, "run", lambda self, **kw: started.append(self))
    result = CliRunner().invoke(command, [str(todo_file), "--follow"])
    assert result.exit_code == 0, result.output
    (app,) = started
    assert app.source.path == str(todo_file)
    assert len(app.source) == 0  # only the header was read; the app indexes the frames
    assert app._follow_on_load
    assert app.open_on is None  # the newest frame


@pytest.mark.parametrize("frame", ["5", "0", "-1", "-12"])
def test_frame_picks_the_frame_to_open_on(
    todo_file: Path, monkeypatch: pytest.MonkeyPatch, frame: str
) -> None:
    started: list[TimetravelApp] = []
    monkeypatch.setattr(TimetravelApp, "run", lambda self, **kw: started.append(self))
    result = CliRunner().invoke(command, [str(todo_file), "--frame", frame])
    assert result.exit_code == 0, result.output
    (app,) = started
    assert app.open_on == int(frame)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    ("frame", "says"),
    [
        ("12", "there is no frame 12 (frames go from 0 to 11)"),
        ("-13", "there is no frame -13 (frames go from 0 to 11)"),
        ("empty", "there is no frame 0 (the recording has no frames yet)"),
    ],
)
def test_a_frame_that_is_not_there_is_one_line_and_exit_2(
    entry: str, frame: str, says: str, todo_file: Path
) -> None:
    path = todo_file
    if frame == "empty":
        path = todo_file.with_name("empty.ttrec")
        Recorder({"n": 0}, sink=path).close()
        frame = "0"
    result = run([*ENTRY_POINTS[entry], str(path), "--frame", frame])
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"timetravel: {path}: {says}"]


def test_frame_must_be_a_number(todo_file: Path) -> None:
    result = CliRunner().invoke(command, [str(todo_file), "--frame", "last"])
    assert result.exit_code == 2
    assert "'last' is not a valid integer" in result.output
