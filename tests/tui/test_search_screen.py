"""Search across time in the terminal UI: `s` opens the search screen, results stream in from a
worker, Enter jumps to a frame, a bad query says what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.hostile import HOSTILE_KEY, hostile_recording
from timetravel import QueryError, Recording, parse_query
from timetravel_tui.app import TimetravelApp
from timetravel_tui.screens.search import SearchScreen

from .conftest import SIZE, loaded, make_app, wait_for
from .test_hostile import assert_safe, screen_text


async def open_search(pilot: Any, query: str) -> SearchScreen:
    """Press s, type ``query`` and wait until its search has finished."""
    app: TimetravelApp = pilot.app
    await pilot.press("s")
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    await pilot.press(*query)
    await wait_for(pilot, lambda: screen.searched == query and not screen.running, timeout=20)
    await pilot.pause()
    return screen


def status(screen: SearchScreen) -> str:
    return str(screen.query_one("#search-status").render())


def positions(screen: SearchScreen) -> list[int]:
    return [hit.position for hit in screen.results.hits]


async def test_results_appear_and_enter_jumps_to_the_frame(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_search(pilot, "milk")
        # "buy milk" was typed (frame 1), then added as a todo and the input cleared (2).
        assert positions(screen) == [1, 2]
        assert status(screen) == "2 found"
        row = screen.results.render_row(1, 100, screen.results.rich_style).text
        assert row.split() == ["2", "+0.500s", "add", "todos[0]", "(appeared),", "new_todo"]
        await pilot.press("down", "enter")  # the arrows move the results from the input
        assert not isinstance(app.screen, SearchScreen)
        assert app.selected == 2
        assert app.timeline.cursor == 2
        assert app.state_tree.border_title == "State at frame 2"
        assert app.focused is app.timeline


@pytest.mark.parametrize(
    "query",
    ["milk", "/WRITE t/i", 'todos[*].title == "buy milk"', "count > 0", "$filter", "open"],
)
async def test_results_are_what_recording_search_finds(todo_file: Path, query: str) -> None:
    expected = [m.position for m in Recording.open(todo_file).search(query)]
    assert expected  # every query here matches something
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_search(pilot, query)
        assert positions(screen) == expected
        assert status(screen) == f"{len(expected)} found"


async def test_a_bad_query_says_what_is_wrong_under_the_input(todo_file: Path) -> None:
    query = "todos[*.title"
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_search(pilot, query)
        assert status(screen) == str(caught.value)
        assert "unclosed" in status(screen) and "column" in status(screen)
        assert screen.query_one("#search-status").has_class("-error")
        assert screen.results.hits == []
        await pilot.press("enter")  # nothing to jump to: the screen stays
        assert app.screen is screen
        # Fixing the query clears the error.
        await pilot.press(*["left"] * len(".title"), "]")
        fixed = "todos[*].title"
        await wait_for(pilot, lambda: screen.searched == fixed and not screen.running)
        assert not screen.query_one("#search-status").has_class("-error")
        expected = [m.position for m in Recording.open(todo_file).search(fixed)]
        assert positions(screen) == expected and expected


async def test_a_query_with_no_results(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_search(pilot, "zebra")
        assert status(screen) == "0 found"
        assert screen.results.hits == []
        assert screen.results.empty_text == "(no frame matches)"
        await pilot.press("enter")
        assert app.screen is screen
        await pilot.press("escape")  # closes without moving
        assert not isinstance(app.screen, SearchScreen)
        assert app.selected == 11


async def test_the_last_query_comes_back(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await open_search(pilot, "milk")
        await pilot.press("escape")
        await pilot.press("ctrl+f")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await wait_for(pilot, lambda: screen.searched == "milk" and not screen.running)
        assert positions(screen) == [1, 2]


async def test_a_big_file_streams_its_results_and_a_new_query_replaces_the_old(
    big_file: Path,
) -> None:
    rec = Recording.open(big_file)
    app = make_app(big_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        statuses: list[str] = []
        shown = screen._status

        def record(text: str, *, error: bool = False) -> None:
            statuses.append(text)
            shown(text, error=error)

        screen._status = record  # type: ignore[method-assign]
        # A query that matches every frame is typed, then replaced before it is done.
        field = screen.query_one(Input)
        field.value = "qty"
        await wait_for(pilot, lambda: len(screen.results.hits) > 0, timeout=20)
        assert screen.running
        await pilot.press("down")  # keys work while the search runs
        assert screen.results.cursor == 1
        query = "items[7].qty > 19000"
        field.value = query
        await wait_for(pilot, lambda: screen.searched == query and not screen.running, timeout=30)
        await pilot.pause()
        expected = [m.position for m in rec.search(query)]
        assert positions(screen) == expected
        assert screen.found == len(expected)
        assert statuses[-1] == f"{len(expected)} found"
        # Results came in as the search went, with a running count before the last word.
        assert any(s.startswith("searching… ") and " found · " in s for s in statuses)
        await pilot.press("enter")
        assert app.selected == expected[0]


async def test_results_from_a_hostile_recording_are_escaped(tmp_path: Path) -> None:
    path = hostile_recording(tmp_path / "hostile.ttrec", huge=False)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        screen = await open_search(pilot, "value")
        assert screen.results.hits
        shown = screen_text(app)
        assert_safe(shown)
        assert "key\\x1b]0;PWNED\\x07[@click=app.quit]CLICK[/]" in shown
        assert HOSTILE_KEY not in shown
        assert app.is_running
