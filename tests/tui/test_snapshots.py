"""SVG snapshots of the main screens (regenerate with ``pytest --snapshot-update tests/tui``).

The recording is made on a fake clock and named ``snapshot.ttrec``, so every run draws the
same screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from .conftest import SIZE, loaded, make_app, wait_for

Compare = Callable[..., bool]


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
    run_before = scenario("right", "right", "a", *"g7", "enter", "b")
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
