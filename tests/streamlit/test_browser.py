"""The in-browser Undo button: `streamlit run` on loopback, driven by headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.streamlit.conftest import EXAMPLES
from timetravel import Recording

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    env = {**os.environ, "TIMETRAVEL_RECORD_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(EXAMPLES / "todo.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"streamlit did not start:\n{out}")
            time.sleep(0.25)
        yield url, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page() -> Iterator[Page]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert os.path.exists(chromium), "chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 900})
        finally:
            browser.close()


def test_typing_then_undo_shows_the_earlier_value(server: tuple[str, Path], page: Page) -> None:
    url, record_dir = server
    page.goto(url)
    new_todo = page.get_by_label("New todo")
    expect(new_todo).to_be_visible(timeout=30_000)

    new_todo.fill("buy milk")
    new_todo.press("Enter")
    title = page.get_by_label("title").first
    expect(title).to_have_value("buy milk", timeout=15_000)

    title.fill("buy oat milk")
    title.press("Enter")
    expect(page.get_by_text("Frames", exact=False).first).to_be_visible()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_enabled(timeout=15_000)
    # Wait until the edit is recorded (its frame is in the history panel), then undo it.
    expect(page.get_by_role("button", name="title_0", exact=False).first).to_be_visible(
        timeout=15_000
    )
    undo.click()
    expect(title).to_have_value("buy milk", timeout=15_000)

    page.get_by_role("button", name="Redo").click()
    expect(title).to_have_value("buy oat milk", timeout=15_000)

    files = list(record_dir.glob("*.ttrec"))
    assert len(files) == 1
    triggers = [f.trigger for f in Recording.open(files[0])]
    assert "undo" in triggers and "redo" in triggers
