"""The in-browser Undo button: `streamlit run` on loopback, driven by headless Chromium."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.streamlit.conftest import EXAMPLES, screenshot
from tests.streamlit.server import start_streamlit, stop
from timetravel import Recording

APPS = Path(__file__).resolve().parent / "apps"
WAIT = 15_000  # ms: how long to wait for one rerun's effect in the browser


Serve = Callable[[Path], tuple[str, Path]]


# Older Streamlit puts the icon's ligature ("undo") into the button's accessible name.
UNDO_NAME = re.compile(r"^(undo )?Undo$")
REDO_NAME = re.compile(r"^(redo )?Redo$")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start `streamlit run APP` on loopback: returns the URL and the recordings folder."""
    procs: list[subprocess.Popen[str]] = []

    def start(app: Path) -> tuple[str, Path]:
        record_dir = tmp_path / f"records-{len(procs)}"
        record_dir.mkdir()
        proc, url = start_streamlit(app, {"TIMETRAVEL_RECORD_DIR": str(record_dir)})
        procs.append(proc)
        return url, record_dir

    try:
        yield start
    finally:
        for proc in procs:
            stop(proc)


@pytest.fixture
def server(serve: Serve) -> tuple[str, Path]:
    return serve(EXAMPLES / "todo.py")


# --- helpers --------------------------------------------------------------------------------


def wait_idle(page: Page) -> None:
    """Wait until the app is connected and no script (or fragment) run is under way.

    A click reaches the server asynchronously: the app may still say "notRunning" for a few
    milliseconds after it. Callers wait for the DOM they expect as well.
    """
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=WAIT)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("button", name="Undo")).to_be_visible(timeout=30_000)
    wait_idle(page)


def click(page: Page, target: Locator) -> None:
    target.click()
    page.wait_for_timeout(50)  # let the click's rerun request reach the server
    wait_idle(page)


def recorded_triggers(record_dir: Path, expected: list[str]) -> list[str]:
    """The triggers of the session's recording, once it holds as many frames as expected."""
    files = list(record_dir.glob("*.ttrec"))
    assert len(files) == 1, files
    deadline = time.monotonic() + 10
    while True:
        triggers = [f.trigger or "" for f in Recording.open(files[0])]
        if len(triggers) >= len(expected) or time.monotonic() > deadline:
            return triggers
        time.sleep(0.1)


# --- the todo app ---------------------------------------------------------------------------


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
    expect(page.get_by_text("actions · at #", exact=False).first).to_be_visible()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_enabled(timeout=15_000)
    # Wait until the edit is recorded (its frame is in the history panel), then undo it.
    expect(page.get_by_role("button", name="Rename 'buy milk'").first).to_be_visible(timeout=15_000)
    undo.click()
    expect(title).to_have_value("buy milk", timeout=15_000)

    page.get_by_role("button", name="Redo").click()
    expect(title).to_have_value("buy oat milk", timeout=15_000)

    files = list(record_dir.glob("*.ttrec"))
    assert len(files) == 1
    triggers = [f.trigger for f in Recording.open(files[0])]
    assert "undo" in triggers and "redo" in triggers


class TodoPage:
    """The todo example as the user sees it: one row per todo (done box, title, Delete)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.new_todo = page.get_by_label("New todo", exact=True)
        self.titles = page.get_by_label("title", exact=True)
        self.rows = page.get_by_test_id("stHorizontalBlock").filter(has=self.titles)
        self.undo_button = page.get_by_role("button", name=UNDO_NAME)
        self.redo_button = page.get_by_role("button", name=REDO_NAME)

    def add(self, title: str) -> None:
        count = self.titles.count()
        self.new_todo.fill(title)
        self.new_todo.press("Enter")
        expect(self.titles).to_have_count(count + 1, timeout=WAIT)
        expect(self.titles.last).to_have_value(title, timeout=WAIT)
        expect(self.new_todo).to_have_value("", timeout=WAIT)
        wait_idle(self.page)

    def done_box(self, row: int) -> Locator:
        return self.rows.nth(row).get_by_role("checkbox")

    def delete(self, row: int) -> None:
        click(self.page, self.rows.nth(row).get_by_role("button", name="Delete"))

    def check(self, row: int) -> None:
        box = self.done_box(row)
        box.check(force=True)  # Streamlit draws its own box over the (hidden) input
        wait_idle(self.page)
        expect(box).to_be_checked(timeout=WAIT)

    def undo(self) -> None:
        expect(self.undo_button).to_be_enabled(timeout=WAIT)
        click(self.page, self.undo_button)

    def redo(self) -> None:
        expect(self.redo_button).to_be_enabled(timeout=WAIT)
        click(self.page, self.redo_button)

    def expect_rows(self, titles: list[str], checked: list[bool] | None = None) -> None:
        expect(self.titles).to_have_count(len(titles), timeout=WAIT)
        for i, title in enumerate(titles):
            expect(self.titles.nth(i)).to_have_value(title, timeout=WAIT)
        for i, done in enumerate(checked or [False] * len(titles)):
            if done:
                expect(self.done_box(i)).to_be_checked(timeout=WAIT)
            else:
                expect(self.done_box(i)).not_to_be_checked(timeout=WAIT)


def test_undo_takes_back_one_action_at_a_time(server: tuple[str, Path], page: Page) -> None:
    url, record_dir = server
    open_app(page, url)
    todos = TodoPage(page)
    expect(todos.undo_button).to_be_disabled()

    for title in ("alpha", "beta", "gamma"):
        todos.add(title)
    todos.expect_rows(["alpha", "beta", "gamma"])

    todos.delete(0)
    todos.expect_rows(["beta", "gamma"])
    todos.check(1)
    todos.expect_rows(["beta", "gamma"], [False, True])

    todos.undo()
    todos.expect_rows(["beta", "gamma"], [False, False])
    todos.undo()
    # alpha comes back with its title in its box, in its place.
    todos.expect_rows(["alpha", "beta", "gamma"])
    wait_idle(page)
    screenshot(page, "todo-after-two-undos.png", full_page=True)

    todos.redo()
    todos.expect_rows(["beta", "gamma"], [False, False])
    todos.redo()
    todos.expect_rows(["beta", "gamma"], [False, True])
    expect(todos.redo_button).to_be_disabled(timeout=WAIT)

    # Back to the start, one action per Undo.
    for titles, checked in (
        (["beta", "gamma"], [False, False]),
        (["alpha", "beta", "gamma"], None),
        (["alpha", "beta"], None),
        (["alpha"], None),
        ([], None),
    ):
        todos.undo()
        todos.expect_rows(titles, checked)
    expect(todos.undo_button).to_be_disabled(timeout=WAIT)
    expect(todos.redo_button).to_be_enabled(timeout=WAIT)

    # A jump from the history panel is one action too: Undo returns to before it.
    click(page, page.get_by_role("button", name=re.compile(r"Toggle 'gamma'")))
    todos.expect_rows(["beta", "gamma"], [False, True])
    todos.undo()
    todos.expect_rows([])
    todos.redo()
    todos.expect_rows(["beta", "gamma"], [False, True])

    expected = ["initial", *["new_todo"] * 3, "delete_0", "done_2"]
    expected += ["undo", "undo", "redo", "redo", *["undo"] * 5, "jump", "undo", "redo"]
    assert recorded_triggers(record_dir, expected) == expected


# --- an app with a fragment -----------------------------------------------------------------


def drag_slider(page: Page, slider: Locator, to: float) -> None:
    """Drag the slider's thumb with the mouse to the fraction ``to`` of its track."""
    thumb = slider.locator("xpath=../..")  # the <input> sits in a hidden box in the thumb
    track = thumb.locator("xpath=..")
    start, box = thumb.bounding_box(), track.bounding_box()
    assert start is not None and box is not None
    y = start["y"] + start["height"] / 2
    page.mouse.move(start["x"] + start["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(box["x"] + box["width"] * to * step / 5, y)
    page.mouse.up()


def test_a_fragment_change_enables_undo_at_once(serve: Serve, page: Page) -> None:
    url, record_dir = serve(APPS / "fragment_app.py")
    open_app(page, url)
    undo = page.get_by_role("button", name=UNDO_NAME)
    redo = page.get_by_role("button", name=REDO_NAME)
    slider = page.get_by_role("slider")
    expect(undo).to_be_disabled()
    expect(slider).to_have_value("0")
    expect(page.get_by_text("Volume is 0")).to_be_visible()

    drag_slider(page, slider, 0.6)  # one action: the value is sent when the mouse is let go
    expect(page.get_by_text("Volume is 6")).to_be_visible(timeout=WAIT)
    # Only the fragment reran for the slider; no other interaction makes the app rerun.
    expect(undo).to_be_enabled(timeout=WAIT)
    wait_idle(page)
    screenshot(page, "fragment-after-slider.png", full_page=True)

    click(page, undo)
    expect(page.get_by_text("Volume is 0")).to_be_visible(timeout=WAIT)
    expect(slider).to_have_value("0", timeout=WAIT)
    expect(undo).to_be_disabled(timeout=WAIT)

    expect(redo).to_be_enabled(timeout=WAIT)
    click(page, redo)
    expect(page.get_by_text("Volume is 6")).to_be_visible(timeout=WAIT)
    expect(slider).to_have_value("6", timeout=WAIT)
    expect(undo).to_be_enabled(timeout=WAIT)

    # A widget outside the fragment: its action is undone alone, the volume stays.
    note = page.get_by_label("Note", exact=True)
    note.fill("louder")
    note.press("Enter")
    expect(page.get_by_role("button", name="note", exact=False)).to_be_visible(timeout=WAIT)
    wait_idle(page)
    expect(redo).to_be_disabled(timeout=WAIT)
    click(page, undo)
    expect(note).to_have_value("", timeout=WAIT)
    expect(page.get_by_text("Volume is 6")).to_be_visible()
    expect(slider).to_have_value("6")

    expected = ["initial", "volume", "undo", "redo", "note", "undo"]
    assert recorded_triggers(record_dir, expected) == expected


# --- an app with an undoable data editor ----------------------------------------------------


class GridPage:
    """The groceries table of editor_app.py, a glide-data-grid drawn on a canvas.

    The canvas holds an accessible copy of the table (``[role=grid]``): a cell's text is read
    there (``glide-cell-COL-ROW``; column 0 is the row markers). Cells are clicked by geometry:
    a 36 px header, then 35 px rows; qty is the last column, at the grid's right edge.
    """

    HEADER, ROW = 36, 35
    ITEM, QTY = 1, 2

    def __init__(self, page: Page) -> None:
        self.page = page
        self.canvas = page.get_by_test_id("data-grid-canvas")
        self.editor = page.locator("input.gdg-input")
        self.selected = self.canvas.locator("td[aria-selected=true]")

    def cell(self, col: int, row: int) -> Locator:
        return self.canvas.get_by_test_id(f"glide-cell-{col}-{row}")

    def expect_qty(self, row: int, item: str, qty: int) -> None:
        expect(self.cell(self.ITEM, row)).to_have_text(item, timeout=WAIT)
        expect(self.cell(self.QTY, row)).to_have_text(str(qty), timeout=WAIT)

    def set_qty(self, row: int, qty: int) -> None:
        """Select the cell with a click, open its editor with Enter, type, commit with Enter.

        Clicking a cell that is already selected opens its editor, so none may be selected.
        """
        expect(self.canvas).to_be_visible(timeout=WAIT)
        expect(self.selected).to_have_count(0, timeout=WAIT)
        box = self.canvas.bounding_box()
        assert box is not None
        x = box["x"] + box["width"] - 40
        y = box["y"] + self.HEADER + self.ROW * row + self.ROW / 2
        self.page.mouse.click(x, y)
        expect(self.cell(self.QTY, row)).to_have_attribute("aria-selected", "true", timeout=WAIT)
        self.page.keyboard.press("Enter")
        expect(self.editor).to_be_focused(timeout=WAIT)
        self.editor.fill(str(qty))
        self.editor.press("Enter")
        expect(self.editor).to_have_count(0, timeout=WAIT)
        # The commit moves the selection down a row: drop it.
        self.page.keyboard.press("Escape")
        expect(self.selected).to_have_count(0, timeout=WAIT)


def test_table_edits_undo_and_redo_in_the_browser(serve: Serve, page: Page) -> None:
    url, record_dir = serve(APPS / "editor_app.py")
    open_app(page, url)
    undo = page.get_by_role("button", name=UNDO_NAME)
    redo = page.get_by_role("button", name=REDO_NAME)
    grid = GridPage(page)

    def total(n: int) -> None:
        expect(page.get_by_text(f"Total: {n} items", exact=True)).to_be_visible(timeout=WAIT)
        wait_idle(page)

    total(13)
    grid.expect_qty(0, "milk", 1)
    grid.expect_qty(1, "eggs", 12)
    expect(undo).to_be_disabled()

    grid.set_qty(0, 5)
    total(17)
    expect(undo).to_be_enabled(timeout=WAIT)
    grid.set_qty(1, 2)
    total(7)
    grid.expect_qty(1, "eggs", 2)

    # Undo brings the table back: the editor is remounted to show it, not just the total.
    click(page, undo)
    total(17)
    grid.expect_qty(0, "milk", 5)
    grid.expect_qty(1, "eggs", 12)
    screenshot(page, "editor-after-undo.png", full_page=True)

    click(page, undo)
    total(13)
    grid.expect_qty(0, "milk", 1)
    grid.expect_qty(1, "eggs", 12)
    expect(undo).to_be_disabled(timeout=WAIT)

    expect(redo).to_be_enabled(timeout=WAIT)
    click(page, redo)
    total(17)
    grid.expect_qty(0, "milk", 5)
    grid.expect_qty(1, "eggs", 12)

    # The remounted editor is still editable, and its edit is one more undo step.
    grid.set_qty(1, 3)
    total(8)
    grid.expect_qty(0, "milk", 5)
    grid.expect_qty(1, "eggs", 3)
    expect(redo).to_be_disabled(timeout=WAIT)
    screenshot(page, "editor-end.png", full_page=True)

    expected = ["initial", "groceries", "groceries", "undo", "undo", "redo", "groceries"]
    assert recorded_triggers(record_dir, expected) == expected
