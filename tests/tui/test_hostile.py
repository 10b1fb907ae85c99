"""Recordings from strangers: text from the file is escaped, never parsed as markup, and cut.

The recordings are built record by record (tests/hostile.py), with escape sequences (OSC 0
retitle, OSC 52 clipboard, clear screen), bidi overrides, Textual markup that would quit the
app if parsed (``[@click=app.quit]``) and 10 MB strings.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input
from textual.widgets._toast import Toast

from tests.hostile import CLICK, HOSTILE_KEY, HUGE, hostile_recording
from timetravel_tui.app import TimetravelApp

from .conftest import SIZE, loaded, make_app, wait_for

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CUT = f"…({HUGE:,} chars)"


def screen_text(app: TimetravelApp) -> str:
    """Everything the screen shows, as text (as the compositor would send it to a terminal)."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


def assert_safe(text: str) -> None:
    bad = UNSAFE.findall(text)
    assert not bad, f"control characters drawn: {bad!r}"


def toast_texts(app: TimetravelApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def test_hostile_keys_triggers_pages_and_notifications_are_escaped(tmp_path: Path) -> None:
    # The file name goes into the export toast: markup and escapes there too.
    path = hostile_recording(tmp_path / "evil[@click=app.quit]CLICK\x1b]0;PWNED\x07.ttrec")
    app = make_app(path, export_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right")
        await wait_for(pilot, lambda: app.selected == 1)
        await pilot.pause()
        shown = screen_text(app)
        assert_safe(shown)
        # Timeline, state tree, diff title and header show the escapes, and the markup as text.
        assert "page\\x1b[2J" in shown  # timeline page column
        assert "trig\\x1b]52;c;" in shown  # diff title (the timeline shows the label)
        assert "key\\x1b]0;PWNED\\x07[@click=app.quit]CLICK[/]\\u202eevil" in shown  # tree
        assert "label\\x1b]0;PWNED\\x07" in shown
        assert "evil[@click=app.quit]CLICK\\x1b]0;PWNED\\x07.ttrec" in app.sub_title
        diff = app.diff_view.text.plain
        assert f"trig\\x1b]52;c;ZWNobyBwd25lZA==\\x07{CLICK}\\x07" in diff
        assert_safe(diff)

        # Key history of the hostile key: its title and rows.
        app.trace((HOSTILE_KEY,))
        await wait_for(pilot, lambda: not app.key_history.loading)
        await pilot.pause()
        history = screen_text(app)
        assert_safe(history)
        assert "key\\x1b]0;PWNED\\x07" in history and "label\\x1b]" in history

        # The export prompt offers a file named after the recording, its control characters
        # escaped (so the name drawn is the name written); then the toast quoting it, and
        # any message quoting the file, are plain text: the markup is shown, not run.
        await pilot.press("e")
        await pilot.pause()
        offered = app.screen.query_one(Input).value
        assert offered == str(
            tmp_path / "evil[@click=app.quit]CLICK\\x1b]0;PWNED\\x07-frame-1.json"
        )
        assert_safe(screen_text(app))
        await pilot.press("enter")
        assert Path(offered).exists()
        app.notify(f"{HOSTILE_KEY}\n{CLICK}", title=f"title{CLICK}\x1b]0;x\x07")
        await wait_for(pilot, lambda: len(toast_texts(app)) >= 2)
        await pilot.pause()
        toasts = "\n".join(toast_texts(app))
        assert_safe(toasts)
        assert "evil[@click=app.quit]CLICK\\x1b]0;PWNED\\x07-frame-1.json" in toasts
        assert f"key\\x1b]0;PWNED\\x07{CLICK}" in toasts
        assert f"title{CLICK}\\x1b]0;x\\x07" in toasts
        assert_safe(screen_text(app))
        # Clicking the would-be link does nothing: the app is still running.
        for toast in app.screen.query(Toast):
            await pilot.click(toast)
        await pilot.pause()
        assert app.is_running


async def test_huge_strings_are_cut_with_their_length(tmp_path: Path) -> None:
    path = hostile_recording(tmp_path / "huge.ttrec")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right", "right")  # frame 2: 10 MB trigger and value
        await wait_for(pilot, lambda: app.selected == 2)
        await pilot.pause()
        diff = app.diff_view.text.plain
        assert diff.count(CUT) == 2  # the trigger in the title, the value in the change
        assert len(diff) < 2_000
        labels = [str(node.label) for node in app.state_tree.root.children]
        big = next(label for label in labels if label.strip().startswith("big:"))
        assert CUT in big and len(big) < 200
        shown = screen_text(app)
        assert_safe(shown)
        assert "tttt" in shown

        await pilot.press("right")  # frame 3: a 10 MB key and page
        await wait_for(pilot, lambda: app.selected == 3)
        await pilot.pause()
        diff = app.diff_view.text.plain
        assert diff.count(CUT) == 2 and len(diff) < 2_000  # the page, the key's path
        labels = [str(node.label) for node in app.state_tree.root.children]
        assert all(len(label) < 400 for label in labels)
        assert any(CUT in label for label in labels)
        for row in range(app.timeline.row_count):
            strip = app.timeline.render_row(row, 120, app.timeline.rich_style)
            assert strip.cell_length == 120
        assert app.is_running
