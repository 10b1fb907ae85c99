"""Real servers for the browser tests: `streamlit run` (or a command that starts it) on
loopback and a free port, and stopping it with everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

STREAMLIT_FLAGS = [
    "--server.headless", "true", "--server.address", "127.0.0.1",
    "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_command(argv: Sequence[str], port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    """Run ``argv`` (which serves Streamlit on ``port``) in its own process group, and wait
    until the server is healthy (the test fails with its output if it doesn't start)."""
    proc = subprocess.Popen(
        list(argv),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group: whatever it starts stops with it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"{' '.join(argv[:4])} did not start streamlit:\n{out}")
        time.sleep(0.25)


def start_streamlit(app: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """`streamlit run APP` with ``env`` added; once healthy, the process and its URL."""
    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    proc = start_command([*argv, *STREAMLIT_FLAGS], port, {**os.environ, **env})
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a server started here, and everything in its process group (a server a wrapper
    started may outlive the wrapper)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    deadline = time.monotonic() + 10
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
