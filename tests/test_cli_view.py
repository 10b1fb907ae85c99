"""`timetravel view`: bad input fails in one line before any server starts; a good one serves
the viewer on loopback only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.streamlit.server import free_port, start_command, stop
from timetravel import Recorder
from timetravel.stores import open_store

COMMAND = [sys.executable, "-c", "from timetravel.cli import main; main()", "view"]


def view(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run `timetravel view ARGS`; a server would never return, so the timeout fails it."""
    code = f"{prelude}\nfrom timetravel.cli import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, "view", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith("timetravel: ")
    return out.stderr.strip()


def test_a_file_that_is_not_a_recording(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttrec"
    bad.write_bytes(b"\x1b]0;owned\x07 not a recording")
    assert "not a timetravel recording" in one_line(view(str(bad)))


def test_a_missing_file() -> None:
    assert one_line(view("/nonexistent/x.ttrec")).endswith("/nonexistent/x.ttrec: no such file")


def test_standard_input_is_not_served() -> None:
    assert "not standard input" in one_line(view("-"))


def test_an_unknown_store_and_a_missing_session(tmp_path: Path) -> None:
    assert "unknown store scheme 'nosuch'" in one_line(view("nosuch://host/db"))
    store = open_store(tmp_path / "store")
    with Recorder({"n": 0}, sink=store.open_session("real")) as rec:
        rec.capture()
    store.close()
    assert "no session 'gone'" in one_line(view(f"{tmp_path / 'store'}#gone"))


def test_without_streamlit_it_says_what_to_install(tmp_path: Path) -> None:
    path = tmp_path / "ok.ttrec"
    with Recorder({"n": 0}, sink=path) as rec:
        rec.capture()
    out = view(str(path), prelude="import sys; sys.modules['streamlit'] = None")
    assert one_line(out) == (
        "timetravel: timetravel view needs Streamlit: pip install 'timetravel-streamlit[streamlit]'"
    )


def test_help_lists_view() -> None:
    out = subprocess.run(
        [*COMMAND[:3], "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "view" in out.stdout and "browser viewer" in out.stdout


def _listening(port: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp* write them) listening on ``port``."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket table")
def test_it_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    path = tmp_path / "ok.ttrec"
    with Recorder({"n": 0}, sink=path) as rec:
        rec.capture()
    port = free_port()
    argv = [
        *COMMAND, str(path), "--", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = start_command(argv, port, dict(os.environ))
    try:
        assert _listening(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        stop(proc)
