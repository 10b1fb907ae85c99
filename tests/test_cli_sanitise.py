"""``timetravel info`` on hostile recordings: never raises, never lets a file drive the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import (
    HOSTILE_KEY,
    HOSTILE_TRIGGER,
    HUGE,
    added,
    frame,
    hostile_recording,
    write_recording,
)
from timetravel.display import display_path, escape_controls, safe_text

EXE = os.path.join(os.path.dirname(sys.executable), "timetravel")

# Anything a terminal may act on: C0 but newline and tab, DEL, C1, bidi controls, separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def run_raw(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the real console script and keep its output as raw bytes."""
    return subprocess.run([EXE, *args], capture_output=True, timeout=120)


def assert_terminal_safe(data: bytes) -> str:
    text = data.decode("utf-8")
    bad = UNSAFE.findall(text)
    assert not bad, f"control characters reached the terminal: {bad!r}"
    return text


def test_info_escapes_hostile_keys_triggers_and_pages(tmp_path: Path) -> None:
    path = hostile_recording(tmp_path / "hostile.ttrec")
    result = run_raw("info", str(path))
    assert result.returncode == 0, result.stderr
    out = assert_terminal_safe(result.stdout)
    assert_terminal_safe(result.stderr)
    assert "key\\x1b]0;PWNED\\x07" in out  # the OSC 0 retitle, shown as escapes
    assert "trig\\x1b]52;c;" in out  # OSC 52 (clipboard)
    assert "page\\x1b[2J" in out  # clear screen
    assert "\\u202eevil\\u202c" in out  # bidi override
    # The 10 MB key, trigger and page are cut, with their length shown.
    assert out.count(f"…({HUGE:,} chars)") == 3
    assert len(out) < 10_000


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e300, 2**63, -(2**63)])
def test_info_survives_impossible_times(tmp_path: Path, bad: float) -> None:
    path = write_recording(
        tmp_path / "times.ttrec",
        [frame(0, [added("a", 1)], time=bad), frame(1, [added("b", 2)], time=bad)],
        {"a": 1},
        created=bad,
    )
    result = run_raw("info", str(path))
    assert result.returncode == 0, result.stderr
    out = assert_terminal_safe(result.stdout)
    assert "created invalid time (" in out
    assert "time span:  invalid time (" in out and "(?)" in out
    assert "Traceback" not in result.stderr.decode()


def test_info_survives_a_path_starting_with_a_map(tmp_path: Path) -> None:
    path = write_recording(
        tmp_path / "mapkey.ttrec",
        [frame(0, [added("a", 1)]), frame(1, [[[{"m": 1}, 0], 2, None, 1]])],
        {"a": 1},
    )
    result = run_raw("info", str(path))
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr.decode()
    assert_terminal_safe(result.stderr)
    if result.returncode == 0:  # (a stricter reader may refuse the file instead: exit 2)
        assert "keys:       2: a, {'m': 1}" in assert_terminal_safe(result.stdout)


def test_error_messages_quoting_a_file_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[2J\x1b]0;PWNED\x07.ttrec"
    path.write_bytes(b"not a recording")
    result = run_raw("info", str(path))
    assert result.returncode == 2
    err = assert_terminal_safe(result.stderr)
    assert "evil\\x1b[2J" in err


def test_display_helpers() -> None:
    assert escape_controls("a\x1b\x07\x7f\x85\u202e\n\tb") == "a\\x1b\\x07\\x7f\\x85\\u202e\\n\\tb"
    assert escape_controls("a\nb\tc\r", multiline=True) == "a\nb\tc\\r"
    assert safe_text("x" * 1000, 10) == "x" * 10 + "…(1,000 chars)"
    assert not UNSAFE.search(safe_text(HOSTILE_KEY + HOSTILE_TRIGGER))
    assert display_path(({"m": 1}, "a\x1b", 3)) == "{'m': 1}['a\\x1b'][3]"
    assert len(display_path(("k" * HUGE, "v" * HUGE), 20)) < 100
