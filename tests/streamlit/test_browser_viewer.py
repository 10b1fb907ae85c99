"""`timetravel view FILE`: a real server in headless Chromium, every part of the page checked.

The screenshot goes to /tmp/browser-shots/viewer.png; with TIMETRAVEL_DOCS_SCREENSHOTS=1 also
to docs/img/viewer.png (the one docs/viewer.md shows).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES, recording_to, screenshot
from tests.streamlit.server import STREAMLIT_FLAGS, free_port, start_command, stop
from tests.streamlit.test_browser import WAIT, wait_idle
from timetravel import Recorder, Recording, format_path

ROW = 35  # px: the height of a table row (and of its header) in st.dataframe


def _record_todo_session(folder: Path) -> Path:
    """A session of the todo example, as a user makes it: add, toggle, rename, filter,
    delete, undo."""
    with recording_to(folder):
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
        for title in ["buy milk", "walk dog", "water plants", "call mum"]:
            at.text_input(key="new_todo").input(title).run()
        at.checkbox(key="done_0").check().run()
        at.text_input(key="title_1").input("walk the dog").run()
        at.checkbox(key="done_2").check().run()
        at.radio(key="filter").set_value("open").run()
        at.button(key="delete_3").click().run()
        at.button(key="_timetravel_buttons_undo").click().run()
        at.radio(key="filter").set_value("all").run()
        assert not at.exception
    (path,) = folder.glob("*.ttrec")
    return path.rename(folder / "todo-session.ttrec")


@pytest.fixture
def serve_view(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`timetravel view FILE` on loopback: the URL and the file."""
    recording = _record_todo_session(tmp_path / "records")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMETRAVEL_")}
    argv = [
        sys.executable, "-c", "from timetravel.cli import main; main()",
        "view", str(recording), "--", "--server.port", str(port), *STREAMLIT_FLAGS,
    ]  # fmt: skip
    proc: subprocess.Popen[str] = start_command(argv, port, env)
    try:
        yield f"http://127.0.0.1:{port}", recording
    finally:
        stop(proc)


def _rows(table: Locator, count: int | None = None) -> list[list[str]]:
    """A table's cells as text, from the accessible copy st.dataframe keeps in its canvas
    (once it has ``count`` rows, or any)."""
    rows = table.locator("table[role=grid] tbody tr")
    if count is None:
        expect(rows.first).to_be_attached(timeout=WAIT)
    else:
        expect(rows).to_have_count(count, timeout=WAIT)
    return [
        [c.strip() for c in rows.nth(i).locator("td").all_text_contents()]
        for i in range(rows.count())
    ]


def _click_row(page: Page, table: Locator, row: int) -> None:
    """Tick the selection box of a table's row (the grid is drawn on a canvas)."""
    box = table.locator("canvas").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + ROW * (row + 1) + ROW / 2)
    page.wait_for_timeout(100)
    wait_idle(page)


def _part(page: Page, name: str) -> Locator:
    """A part of the viewer's page: its keyed container (Streamlit's st-key-<key> class)."""
    return page.locator(f".st-key-_timetravel_viewer_part_{name}")


def _table(page: Page, part: str) -> Locator:
    return _part(page, part).get_by_test_id("stDataFrame").first


def test_the_viewer_shows_every_part_of_a_recording(
    serve_view: tuple[str, Path], page: Page
) -> None:
    url, path = serve_view
    rec = Recording.open(path)
    last = len(rec) - 1
    page.set_viewport_size({"width": 1440, "height": 2000})
    page.goto(url)
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=30_000)
    wait_idle(page)

    # The timeline: newest first, each frame named as labels.frame_title names it.
    timeline = _table(page, "timeline")
    rows = _rows(timeline, last + 1)
    assert [r[1] for r in rows] == [str(i) for i in range(last, -1, -1)]
    assert rows[0][0] == "▶" and rows[-1][3] == "Start"
    assert "Toggle 'buy milk'" in [r[3] for r in rows]
    expect(page.get_by_role("heading", name=f"Frame {last}", exact=True)).to_be_visible()

    # Select frame 5 (the sixth row from the bottom), mark it A; frame 9, mark it B.
    _click_row(page, timeline, last - 5)
    expect(page.get_by_role("heading", name="Frame 5", exact=True)).to_be_visible(timeout=WAIT)
    state = _part(page, "state").get_by_test_id("stJson")
    expect(state).to_contain_text("buy milk")
    page.get_by_role("button", name="Mark A").click()
    wait_idle(page)
    _click_row(page, timeline, last - 9)
    expect(page.get_by_role("heading", name="Frame 9", exact=True)).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Mark B").click()
    wait_idle(page)
    marks = timeline.locator("table[role=grid] tbody tr td:first-child")
    expect(marks.nth(last - 9)).to_have_text("▶B", timeout=WAIT)
    expect(marks.nth(last - 5)).to_have_text("A")
    page.screenshot(path="/tmp/vw/dbg.png", full_page=True)

    # The frame's own changes, and the diff from A to B (what Recording.diff says).
    own = rec[9].changes
    expect(_part(page, "changes")).to_contain_text(f"Changes in frame 9 ({len(own)} changes)")
    changes = _rows(_table(page, "changes"))
    assert [r[0] for r in changes] == [format_path(c.path) for c in own][: len(changes)]
    diff = rec.diff(5, 9)
    expect(_part(page, "diff")).to_contain_text(
        f"Diff A → B: frame 5 → frame 9 ({len(diff)} changes)"
    )
    shown = _rows(_table(page, "diff"))
    assert [r[0] for r in shown] == [format_path(c.path) for c in diff][: len(shown)]

    # One key's history: every frame that changed `todos`.
    _part(page, "history").get_by_test_id("stSelectbox").locator("input").fill("todos")
    page.keyboard.press("Enter")
    wait_idle(page)
    traced = [f.index for f, _, _ in rec.history("todos")][::-1]  # newest first
    expect(_part(page, "history")).to_contain_text(
        f"{len(traced)} frames changed todos", timeout=WAIT
    )
    history = _rows(_table(page, "history"))
    assert [int(r[0]) for r in history] == traced[: len(history)]

    # Search across time: "milk" appeared in frame 1.
    search = page.get_by_placeholder(re.compile("^Search:"))
    search.fill("milk")
    search.press("Enter")
    wait_idle(page)
    found = [m.index for m in rec.search("milk")]
    expect(_part(page, "search")).to_contain_text(
        f"{len(found)} frame{'s' * (len(found) != 1)} where a match appeared", timeout=WAIT
    )
    results = _rows(_table(page, "search"))
    assert [int(r[0]) for r in results] == found[: len(results)]

    # The chart of state size and changes over time.
    expect(_part(page, "chart").get_by_test_id("stVegaLiteChart")).to_have_count(2, timeout=WAIT)
    expect(page.get_by_text("State size")).to_be_visible()

    search.blur()
    page.mouse.move(0, 0)  # no hover toolbar over a table in the picture
    page.wait_for_timeout(300)
    screenshot(page, "viewer.png", full_page=True)


def test_text_from_a_recording_is_never_markdown(
    serve_view: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    """A label with a link, HTML and a colour directive shows as typed, opened by path."""
    url, _ = serve_view
    hostile = tmp_path / "[link](https:__evil.example).ttrec"
    state = {"note": "hi"}
    label = "[click me](https://evil.example) <b>bold</b> :red[red] $x^2$"
    with Recorder(state, sink=hostile) as rec:
        rec.capture()
        state["note"] = "<img src=x onerror=alert(1)>"
        rec.capture(trigger="note", label=label)
    page.goto(url)
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible(timeout=30_000)
    wait_idle(page)
    page.get_by_text("Open a recording").click()
    where = page.get_by_label(re.compile("^Or a path"))
    where.fill(str(hostile))
    where.press("Enter")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Frame 1", exact=True)).to_be_visible(timeout=WAIT)
    # Shown as typed (a zero-width space keeps the URL from being linked), never rendered.
    caption = _part(page, "state").get_by_test_id("stCaptionContainer").first
    expect(caption).to_contain_text("<b>bold</b>", timeout=WAIT)  # drawn, not just placed
    assert caption.inner_text().replace("\u200b", "").startswith(label)
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
