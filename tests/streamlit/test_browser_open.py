"""`timetravel open` through a real `streamlit run` and a browser: the page shows frame N."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, expect
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES, recording_to
from tests.streamlit.server import STREAMLIT_FLAGS, free_port, start_command, stop
from tests.streamlit.test_browser import open_app


def _record(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    with recording_to(folder):
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
        at.text_input(key="new_todo").input("alpha").run()
        at.text_input(key="new_todo").input("beta").run()  # frame 2
        at.text_input(key="title_0").input("renamed").run()  # frame 3
    (path,) = folder.glob("*.ttrec")
    return path


def test_open_shows_frame_n_in_the_browser(tmp_path: Path, page: Page) -> None:
    recording = _record(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRAVEL_")}
    argv = [
        sys.executable, "-c", "from timetravel.cli import main; main()",
        "open", str(recording), str(EXAMPLES / "todo.py"), "--frame", "2", "--",
        "--server.port", str(port), *STREAMLIT_FLAGS,
    ]  # fmt: skip
    proc = start_command(argv, port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        open_app(page, url)
        titles = page.get_by_test_id("stTextInput").locator("input")
        # New todo, then the two todos of frame 2 (before the rename of frame 3).
        expect(titles).to_have_count(3, timeout=15_000)
        expect(titles.nth(1)).to_have_value("alpha")
        expect(titles.nth(2)).to_have_value("beta")
    finally:
        stop(proc)
