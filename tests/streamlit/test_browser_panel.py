"""The history panel in a real browser: `streamlit run examples/todo.py`, headless Chromium.

A user adds todos, ticks one, undoes it and adds another (so a branch exists), then reads
the panel: one line per action named in words, the current one marked, pages, a filter, the
branch with its jump, a diff on demand. The sidebar is saved as
history-panel.png (tests/streamlit/conftest.py, `screenshot`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.streamlit.conftest import EXAMPLES, screenshot
from tests.streamlit.server import start_streamlit, stop
from tests.streamlit.test_browser import UNDO_NAME, WAIT, click, open_app, wait_idle

TODOS = [
    "buy milk", "walk dog", "call mum", "pay rent", "fix bike",
    "water plants", "read book", "bake bread", "post letter",
]  # fmt: skip


@pytest.fixture
def todo_url(tmp_path: Path) -> Iterator[str]:
    proc, url = start_streamlit(EXAMPLES / "todo.py", {"TIMETRAVEL_RECORD_DIR": str(tmp_path)})
    try:
        yield url
    finally:
        stop(proc)


def add(page: Page, title: str) -> None:
    box = page.get_by_label("New todo", exact=True)
    count = page.get_by_label("title", exact=True).count()
    box.fill(title)
    box.press("Enter")
    expect(page.get_by_label("title", exact=True)).to_have_count(count + 1, timeout=WAIT)
    wait_idle(page)


def lines(panel: Locator) -> Locator:
    """The panel's action lines (each a button that jumps to its action)."""
    return panel.locator("[class*='st-key-_timetravel_jump_'] button")


def widen(page: Page, sidebar: Locator, by: int) -> None:
    box = sidebar.bounding_box()
    assert box is not None
    edge = box["x"] + box["width"] - 2
    page.mouse.move(edge, box["height"] / 2)
    page.mouse.down()
    page.mouse.move(edge + by, box["height"] / 2, steps=5)
    page.mouse.up()


def test_the_history_panel_reads_as_a_timeline(todo_url: str, page: Page) -> None:
    page.set_viewport_size({"width": 1200, "height": 1100})
    open_app(page, todo_url)
    for title in TODOS:
        add(page, title)
    page.get_by_role("checkbox").nth(1).check(force=True)  # walk dog
    wait_idle(page)
    click(page, page.get_by_role("button", name=UNDO_NAME))
    add(page, "feed cat")  # a new action after an undo: the tick is a branch now

    panel = page.get_by_test_id("stSidebar")
    rows = lines(panel)
    # The start, 10 adds, the tick and its undo: 13 actions. A page of 10, newest first, the
    # current one marked (and not a jump: it is where the session is).
    expect(panel.get_by_text("13 actions · at #12")).to_be_visible(timeout=WAIT)
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("New todo: feed cat")
    expect(rows.first).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
    expect(rows.first).to_be_disabled()
    expect(rows.first.get_by_test_id("stIconMaterial")).to_have_text("radio_button_checked")
    expect(rows.nth(1)).to_contain_text("Undo")
    expect(rows.nth(2)).to_contain_text("Toggle 'walk dog'")
    expect(rows.nth(2)).to_be_enabled()
    expect(rows.nth(2).get_by_test_id("stIconMaterial")).to_have_text("radio_button_unchecked")
    # One line each: a line is as high as a line of text, not a tall button.
    box = rows.nth(2).bounding_box()
    assert box is not None and box["height"] < 36, box

    # The branch: under the action it forks from (the last add before the tick).
    branch = panel.locator("[class*='st-key-_timetravel_branch_']")
    expect(branch).to_have_count(1)
    expect(branch).to_contain_text("↳ 1 undone action · Toggle 'walk dog'")
    jump_to_tip = branch.get_by_role("button", name=re.compile("Jump to tip"))
    expect(jump_to_tip).to_be_visible()

    # The diff of an action, on demand.
    newest_diff = panel.locator("[class*='st-key-_timetravel_diff_']").first.get_by_role("button")
    click(page, newest_diff)
    code = panel.get_by_test_id("stCode")
    expect(code).to_have_count(1, timeout=WAIT)
    expect(code).to_contain_text(re.compile(r"\+ todos\[9\] = \{.*'title': 'feed cat'"))
    expect(code).to_contain_text("- next_id = 9")

    # Paging: every action is reachable.
    expect(panel.get_by_text("page 1 of 2")).to_be_visible()
    expect(panel.get_by_role("button", name=re.compile("Newer"))).to_be_disabled()
    expect(panel.get_by_role("button", name=re.compile("Older"))).to_be_enabled()
    expect(panel.get_by_role("button", name=re.compile("Download recording"))).to_have_count(1)
    widen(page, panel, 120)  # as a user drags the sidebar's edge, to read whole lines
    page.mouse.move(700, 1000)  # no tooltip over the panel
    page.wait_for_timeout(500)
    wait_idle(page)
    # Lines short and long start at the same place: left-aligned, like a list.
    markers = [row.get_by_test_id("stIconMaterial").bounding_box() for row in rows.all()]
    assert len({round(m["x"]) for m in markers if m}) == 1, markers
    side = panel.bounding_box()
    end = panel.locator("[class*='st-key-_timetravel_panel']").bounding_box()
    assert side is not None and end is not None
    clip = {"x": 0, "y": 0, "width": side["width"], "height": end["y"] + end["height"] + 24}
    screenshot(page, "history-panel.png", clip=clip)

    click(page, panel.get_by_role("button", name=re.compile("Older")))
    expect(panel.get_by_text("page 2 of 2")).to_be_visible(timeout=WAIT)
    expect(rows).to_have_count(3, timeout=WAIT)
    expect(rows.last).to_contain_text("Start")
    click(page, panel.get_by_role("button", name=re.compile("Newer")))
    expect(panel.get_by_text("page 1 of 2")).to_be_visible(timeout=WAIT)

    # The filter: by what the user did, any case.
    search = panel.get_by_placeholder("Filter by action, change or key")
    search.fill("WALK")
    search.press("Enter")
    expect(panel.get_by_text("2 actions of 13 match")).to_be_visible(timeout=WAIT)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Toggle 'walk dog'")
    expect(rows.last).to_contain_text("New todo: walk dog")
    search.fill("")
    search.press("Enter")
    expect(rows).to_have_count(10, timeout=WAIT)

    # Jump to the branch's tip: walk dog is ticked again, and nothing typed above was recorded.
    click(page, panel.locator("[class*='st-key-_timetravel_branch_']").get_by_role("button"))
    expect(page.get_by_role("checkbox").nth(1)).to_be_checked(timeout=WAIT)
    expect(panel.get_by_text("14 actions · at #13")).to_be_visible(timeout=WAIT)
    expect(rows.first).to_contain_text("Jump to #10")


def test_text_from_the_app_shows_as_it_is(todo_url: str, page: Page) -> None:
    hostile = "[x](https://evil.example) ![i](/i.png) :dog: <b>b</b> **s** $y$"
    open_app(page, todo_url)
    add(page, hostile)
    click(page, page.get_by_role("button", name="Delete", exact=True))
    panel = page.get_by_test_id("stSidebar")
    row = lines(panel).first
    # Shown as typed (a word joiner, invisible, follows each colon: no emoji forms).
    shown = "".join(re.escape(c) + ("\u2060?" if c == ":" else "") for c in f"Delete '{hostile}'")
    expect(row).to_contain_text(re.compile(shown), timeout=WAIT)
    for tag in ("a", "img", "b", ".katex"):
        expect(row.locator(tag)).to_have_count(0)
    expect(row.locator("strong")).to_have_count(1)  # the current action's name, ours
    expect(panel.locator("a")).to_have_count(0)
