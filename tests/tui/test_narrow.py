"""The terminal UI at 80x24: the timeline keeps its action column (dropping the page, then the
time, then the change count as it narrows) and notifications never cover the scrubber."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._toast import Toast

from timetravel_tui.app import TimetravelApp
from timetravel_tui.widgets.filter_bar import FilterBar
from timetravel_tui.widgets.scrubber import Scrubber
from timetravel_tui.widgets.timeline import DROP_ORDER, MIN_TITLE

from .conftest import SIZE, loaded, make_app, wait_for
from .test_hostile import screen_text

SMALL = (80, 24)


def widgets_on_row(app: TimetravelApp, y: int) -> set[Widget]:
    """The widgets the screen shows at each cell of row ``y`` (what is on top there)."""
    return {app.screen.get_widget_at(x, y)[0] for x in range(app.size.width)}


async def test_80x24_keeps_the_action_column_and_the_keys_a_newcomer_needs(
    todo_file: Path,
) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        timeline = app.timeline
        width = timeline.scrollable_content_region.width
        assert timeline.columns(width) == {"time", "count"}  # the page went first
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "action" in line)
        assert "time" in header and "Δ" in header and "page" not in header
        assert any("Jump to #5" in line for line in lines)  # frame 11's title
        assert any("Undo → #6" in line for line in lines)
        footer = lines[-1]
        for key in ("space Play", "g Go to", "/ Filter", "s Search", "? Help", "q Quit"):
            assert key in footer, key
        # Scrubber, timeline rows and the detail panes all have room.
        assert app.scrubber.region.height == 1 and app.scrubber.region.y == 22
        assert timeline.visible_rows >= 12
        assert app.state_tree.region.height >= 8
        assert app.diff_view.region.height >= 5
        assert "~ count: 2 -> 0" in app.diff_view.text.plain


async def test_columns_drop_page_then_time_then_count(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        timeline = app.timeline
        full = timeline.columns(200)
        assert full == {"page", "time", "count"}
        seen: list[frozenset[str]] = []
        for width in range(120, 0, -1):
            shown = timeline.columns(width)
            if not seen or shown != seen[-1]:
                seen.append(shown)
            header = timeline.render_header(width, timeline.rich_style).text
            row = timeline.render_row(11, width, timeline.rich_style).text
            assert len(header) == len(row) == width
            if width >= 30:
                assert "Jump to" in row  # the action survives every narrowing
        dropped = [next(iter(a - b)) for a, b in pairwise(seen)]
        assert dropped == list(DROP_ORDER) == ["page", "time", "count"]
        # A column goes only when the action would get narrower than MIN_TITLE.
        for shown in seen[:-1]:
            narrowest = min(w for w in range(1, 121) if timeline.columns(w) == shown)
            row = timeline.render_row(11, narrowest, timeline.rich_style).text
            assert len(row.rstrip()) - row.index("Jump") >= len("Jump to #5")
            assert narrowest - row.index("Jump") >= MIN_TITLE


@pytest.mark.parametrize("size", [SMALL, SIZE])
async def test_notifications_never_cover_the_scrubber(
    todo_file: Path, size: tuple[int, int]
) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=size, notifications=True) as pilot:
        await loaded(pilot)
        scrubber, footer = app.query_one(Scrubber), app.query_one(Footer)
        for bar_open in (False, True):
            if bar_open:
                await pilot.press("slash")  # the filter bar open: the bottom is busier
            for n in range(3):
                app.notify(f"Can't read /some/where/frame-{n}.json: Permission denied")
            await wait_for(pilot, lambda: len(app.screen.query(Toast)) >= 3)
            await pilot.pause()
            bar = app.query_one(FilterBar)
            assert bar.display is bar_open
            bottom = [scrubber, footer, *([bar] if bar_open else [])]
            toasts = list(app.screen.query(Toast))
            for toast in toasts:
                for widget in bottom:
                    assert not toast.region.overlaps(widget.region), (toast, widget)
            # The newest toast is the lowest: at the right, above the filter bar's place.
            newest = toasts[-1].region
            assert newest.bottom == app.size.height - 5
            assert newest.right >= app.size.width - 2
            assert_drawn_only_by_themselves(app, bottom)
            app.clear_notifications()
            await pilot.pause()


async def test_a_flood_of_long_notifications_still_leaves_the_scrubber_alone(
    todo_file: Path,
) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        for n in range(6):
            app.notify(f"notice {n} " + "a long line of text " * 12, timeout=30)
        await wait_for(pilot, lambda: len(app.screen.query(Toast)) == 6)
        await pilot.pause()
        # More toasts than fit: they scroll within their rack, which ends above the filter bar.
        bottom = [app.query_one(FilterBar), app.query_one(Scrubber), app.query_one(Footer)]
        assert_drawn_only_by_themselves(app, bottom)


def assert_drawn_only_by_themselves(app: TimetravelApp, widgets: list[Widget]) -> None:
    """No toast is drawn on any row of ``widgets`` (what the screen shows there is them)."""
    for widget in widgets:
        for y in range(widget.region.y, widget.region.bottom):
            drawn = widgets_on_row(app, y)
            assert not any(isinstance(w, Toast) for w in drawn), (widget, y)
    scrubber = app.query_one(Scrubber)
    assert widgets_on_row(app, scrubber.region.y) == {scrubber}
