"""Helpers for driving real Streamlit apps with AppTest."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def frames(at: AppTest) -> list[Any]:
    return list(at.session_state["_timetravel"].frames)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture
def todo_app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
    no_exception(at)
    return at


def add(at: AppTest, title: str) -> None:
    at.text_input(key="new_todo").input(title).run()
    no_exception(at)


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


@pytest.fixture
def page() -> Iterator[Any]:
    """A page of headless Chromium (Debian's; Playwright never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert os.path.exists(chromium), "chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 900})
        finally:
            browser.close()


SHOTS = Path("/tmp/browser-shots")
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def screenshot(page: Any, name: str, **options: Any) -> Path:
    """Save a screenshot of ``page`` to /tmp/browser-shots/NAME to look at; with
    ``TIMETRAVEL_DOCS_SCREENSHOTS=1`` also to docs/img/NAME (the picture the docs show:
    it changes every run, with the times on it, so it is written only when asked for)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / name
    page.screenshot(path=str(shot), **options)
    if os.environ.get("TIMETRAVEL_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(shot, DOCS_IMG / name)
    return shot


@contextlib.contextmanager
def recording_to(folder: Path) -> Iterator[None]:
    """AppTest sessions started inside record to ``folder`` (``TIMETRAVEL_RECORD_DIR``)."""
    old = os.environ.get("TIMETRAVEL_RECORD_DIR")
    os.environ["TIMETRAVEL_RECORD_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TIMETRAVEL_RECORD_DIR", None)
        else:
            os.environ["TIMETRAVEL_RECORD_DIR"] = old
