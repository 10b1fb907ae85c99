"""The `timetravel` command line: info, export, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import CLICK, HOSTILE_KEY, HOSTILE_PAGE, HOSTILE_TRIGGER, MAGIC, _record
from tests.test_cli_sanitise import assert_terminal_safe
from tests.test_recording import OLD_FILE, long_recording, make_recording, strip_summaries
from timetravel import FORMAT_VERSION, Recording
from timetravel.jsonable import frame_to_json, to_json

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
    assert "triggers:   initial (1), step0 (1)," in out and ", +1 more" in out  # 9 triggers


def _summary_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if not ln.startswith(("file:", "size:"))]


def test_info_cuts_every_list_with_a_count_of_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    long_recording(path)  # 31 keys, 12 triggers, 25 pages
    result = run("info", str(path))
    assert result.returncode == 0, result.stderr
    lines = {k: v.strip() for k, v in (ln.split(":", 1) for ln in result.stdout.splitlines())}
    assert lines["keys"].startswith("31: k0, k1, k2, k3,") and "k11, l, k12" in lines["keys"]
    assert lines["keys"].endswith(", k18, +11 more") and lines["keys"].count(",") == 20
    assert lines["pages"].startswith("p1, p2,") and lines["pages"].endswith(", +5 more")
    # 13 triggers ("initial" and t0..t11): the 8 most common, then the rest counted.
    assert lines["triggers"].count("(") == 8 and lines["triggers"].endswith(", +5 more")
    assert "frames:     2,500 (25 redo, 25 undo)" in result.stdout


def test_info_is_the_same_for_a_file_written_before_summaries(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    long_recording(path)
    old = tmp_path / "old.ttrec"
    old.write_bytes(strip_summaries(path.read_bytes()))
    new_info, old_info = run("info", str(path)), run("info", str(old))
    assert new_info.returncode == old_info.returncode == 0
    assert _summary_lines(new_info.stdout) == _summary_lines(old_info.stdout)

    written_before = tmp_path / "v1.ttrec"  # by the writer of the time, not rewritten
    written_before.write_bytes(OLD_FILE)
    result = run("info", str(written_before))
    assert result.returncode == 0, result.stderr
    assert "frames:     10 (1 undo)" in result.stdout
    assert "keys:       3: todos, filter, count" in result.stdout
    assert "pages:      Settings, Home" in result.stdout


def _file_with_summary(path: Path, summary: object, frames: int = 1) -> Path:
    """A file whose header says it has summaries, and whose first frame carries ``summary``."""
    header = {"format": 1, "created": 1_700_000_000.0, "summary": 1}
    data = MAGIC + (1).to_bytes(2, "little") + _record(b"H", header)
    for i in range(frames):
        rows = [[["a"], 2, None, 1]] if i == 0 else [[["a"], 0, i - 1, i]]
        item = [i, 1_700_000_000.0 + i, f"t{i}", None, f"pg{i}", None, rows]
        data += _record(b"F", [*item, summary] if i == 0 else item)
        if i == 0:
            data += _record(b"K", [0, {"a": 1}])
    path.write_bytes(data)
    return path


def test_info_shows_a_hostile_summary_safely(tmp_path: Path) -> None:
    summary = {
        "frames": 1,
        "triggers": [[HOSTILE_TRIGGER * 1000, 1]],
        "restores": [],
        "pages": [HOSTILE_PAGE, *[f"page{i}{CLICK}" for i in range(30)]],
        "keys": [HOSTILE_KEY, [1, 2], {"m": 1}, *range(30)],
        "extra": "ignored",
    }
    path = _file_with_summary(tmp_path / "hostile.ttrec", summary)
    assert Recording.open(path).summary().decoded == 0  # the summary was used
    result = subprocess.run([EXE, "info", str(path)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = assert_terminal_safe(result.stdout)
    assert "trig\\x1b]52;c;" in out and "chars)" in out and len(out) < 5_000
    assert "keys:       33: key\\x1b]0;PWNED" in out and ", +13 more" in out
    assert "pages:      page\\x1b[2J" in out and ", +11 more" in out


@pytest.mark.parametrize("summary", [{"frames": 1, "keys": 5}, [1, 2], {"frames": 9}, None])
def test_info_falls_back_from_a_bad_summary(tmp_path: Path, summary: object) -> None:
    path = _file_with_summary(tmp_path / "bad.ttrec", summary, frames=3)
    assert Recording.open(path).summary().decoded == 3
    result = run("info", str(path))
    assert result.returncode == 0, result.stderr
    assert "triggers:   t0 (1), t1 (1), t2 (1)" in result.stdout
    assert "pages:      pg0, pg1, pg2" in result.stdout and "keys:       1: a" in result.stdout


def test_export_states_is_every_state_at(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    long_recording(path, 600)
    rec = Recording.open(path)
    assert len(rec.keyframes) > 1
    expected = [{**frame_to_json(f), "state": to_json(rec.state_at(i))} for i, f in enumerate(rec)]
    out = tmp_path / "out.jsonl"
    result = run("export", str(path), "--format", "jsonl", "--states", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert [json.loads(ln) for ln in lines[1:]] == json.loads(json.dumps(expected))

    out = tmp_path / "out.json"
    result = run("export", str(path), "--states", "-o", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    assert doc["frames"] == json.loads(json.dumps(expected))
    # Streamed row by row, the document reads as json.dumps(..., indent=1) writes it.
    assert out.read_text() == json.dumps(doc, indent=1) + "\n"


def test_export_of_a_recording_without_frames(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttrec"
    header = {"format": 1, "created": 1_700_000_000.0}
    path.write_bytes(MAGIC + (1).to_bytes(2, "little") + _record(b"H", header))
    for fmt in ("json", "jsonl"):
        result = run("export", str(path), "--format", fmt, "--states")
        assert result.returncode == 0, result.stderr
        if fmt == "json":
            doc = json.loads(result.stdout)
            assert doc["frames"] == [] and result.stdout == json.dumps(doc, indent=1) + "\n"
        else:
            assert json.loads(result.stdout)["header"]["frames"] == 0


def test_export_json_and_jsonl(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run("export", str(recording), "--format", "json", "-o", str(out), "--states")
    assert result.returncode == 0, result.stderr
    assert "wrote 10 frames" in result.stderr
    doc = json.loads(out.read_text())
    assert doc["format"] == FORMAT_VERSION and len(doc["frames"]) == 10
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
