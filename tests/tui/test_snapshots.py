"""SVG snapshots of the main screens (regenerate with ``pytest --snapshot-update tests/tui``).

The recording is made on a fake clock and named ``snapshot.ttrec``, so every run draws the
same screen. Most are drawn at 120x40; those named ``_80x24`` at the smallest size the UI is
laid out for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from .conftest import SIZE, loaded, make_app, wait_for

Compare = Callable[..., bool]

SMALL = (80, 24)


def scenario(
    *keys: str, expand: tuple[tuple[Any, ...], ...] = ()
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the app to load, press ``keys``, expand tree nodes at ``expand`` paths."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        app: Any = pilot.app
        for key in keys:
            await pilot.press(key)
        for path in expand:
            node = app.state_tree.find(path)
            assert node is not None, path
            node.expand()
            await pilot.pause()
        await wait_for(pilot, lambda: not app.key_history.loading)
        # A blinking cursor would be drawn or not depending on how long the steps took.
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare: Compare, todo_file: Path) -> None:
    """Frame 5 selected: the toggle of todos[1]['done'], with todos expanded in the tree."""
    app = make_app(todo_file)
    run_before = scenario(*"g5", "enter", expand=(("todos",), ("todos", 1)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_diff_between_marks(snap_compare: Compare, todo_file: Path) -> None:
    """Frames 2 (A) and 7 (B) marked: the diff view shows what changed from A to B."""
    app = make_app(todo_file)
    run_before = scenario("home", "right", "right", "a", *"g7", "enter", "b")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_filtered_timeline_and_key_history(snap_compare: Compare, todo_file: Path) -> None:
    """Filter "filter", then the key history of `filter` from the state tree."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await scenario("slash", *"filter", "enter")(pilot)
        app: Any = pilot.app
        await wait_for(pilot, lambda: app.timeline.filtered)
        node = app.state_tree.find(("filter",))
        app.state_tree.move_cursor(node)
        await pilot.press("h")
        await wait_for(pilot, lambda: not app.key_history.loading)
        await pilot.pause()

    app = make_app(todo_file)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare: Compare, todo_file: Path) -> None:
    """The ? help screen over the main screen."""
    app = make_app(todo_file)
    assert snap_compare(app, terminal_size=SIZE, run_before=scenario("question_mark"))


def test_main_screen_80x24(snap_compare: Compare, todo_file: Path) -> None:
    """80x24, as opened: the newest frame selected; the timeline keeps its action column (the
    page column is dropped first), the footer keeps Help and Quit."""
    app = make_app(todo_file)
    assert snap_compare(app, terminal_size=SMALL, run_before=scenario())


def test_search_80x24(snap_compare: Compare, todo_file: Path) -> None:
    """The search screen at 80x24: "milk" found in frames 1 and 2 (a new todo typed, then
    added), the first result under the cursor."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await scenario("s", *"milk")(pilot)
        app: Any = pilot.app
        await wait_for(pilot, lambda: app.screen.searched == "milk" and not app.screen.running)
        app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    app = make_app(todo_file)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_export_prompt_80x24(snap_compare: Compare, todo_file: Path) -> None:
    """The export prompt at 80x24: the whole target path, ready to change or confirm."""
    app = make_app(todo_file, export_dir="/home/me/exports")
    assert snap_compare(app, terminal_size=SMALL, run_before=scenario("e"))
