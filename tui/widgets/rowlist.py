"""A lazily rendered list of rows with a cursor, built on Textual's Line API.

Only the rows on screen are ever rendered (:meth:`RowList.render_row` is asked for them as
they scroll into view), so a list of 100,000 rows costs no more than a list of 40. The
optional header line stays in place while the rows scroll under it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["RowList", "fit"]


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` cut or padded to exactly ``width`` cells (cut with an ellipsis)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


class RowList(ScrollView, can_focus=True, inherit_bindings=False):
    """A scrolling list of ``row_count`` rows that renders only the visible ones.

    Subclasses implement :meth:`render_row` (and :meth:`render_header` if they set
    ``show_header``) and react to :meth:`on_cursor_moved`. Left and right are deliberately not
    bound, so the app can use them.
    """

    DEFAULT_CSS = """
    RowList {
        overflow-x: hidden;
        scrollbar-size-vertical: 1;

        & > .rowlist--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .rowlist--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .rowlist--header {
            color: $text-muted;
            text-style: bold;
        }
        & > .rowlist--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rowlist--cursor",
        "rowlist--cursor-blurred",
        "rowlist--header",
        "rowlist--empty",
    }

    show_header: ClassVar[bool] = False
    """Whether the first line is a fixed header (from :meth:`render_header`)."""

    empty_text: str = "(nothing to show)"
    """Shown on the first row when there are no rows."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._row_count = 0
        self._cursor = 0

    # --- model ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows the list has."""
        return self._row_count

    @property
    def cursor(self) -> int:
        """The row under the cursor (0 when the list is empty)."""
        return self._cursor

    @property
    def _header_lines(self) -> int:
        return 1 if self.show_header else 0

    @property
    def visible_rows(self) -> int:
        """How many rows fit on screen at once (at least 1)."""
        return max(1, self.scrollable_content_region.height - self._header_lines)

    def set_row_count(self, count: int) -> None:
        """Set how many rows there are; the cursor is kept (clamped to the new range)."""
        self._row_count = max(0, count)
        self._update_virtual_size()
        if self._cursor >= self._row_count:
            self._cursor = max(0, self._row_count - 1)
        self.refresh()

    def _update_virtual_size(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        self.virtual_size = Size(width, self._row_count + self._header_lines)

    def move_cursor(self, row: int, *, scroll: bool = True, announce: bool = False) -> None:
        """Move the cursor to ``row`` (clamped) and scroll it into view.

        :meth:`on_cursor_moved` is called if the row changed, or always with ``announce``.
        """
        if not self._row_count:
            return
        row = max(0, min(row, self._row_count - 1))
        old = self._cursor
        self._cursor = row
        if scroll:
            self.scroll_to_row(row)
        if old != row:
            self.refresh_row(old)
            self.refresh_row(row)
        if old != row or announce:
            self.on_cursor_moved(row)

    def scroll_to_row(self, row: int) -> None:
        """Scroll the least needed to show ``row``."""
        top = int(self.scroll_y)
        height = self.visible_rows
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def refresh_row(self, row: int) -> None:
        """Repaint one row if it is on screen."""
        y = row - int(self.scroll_y) + self._header_lines
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_cursor_moved(self, row: int) -> None:
        """Called when the cursor moves to another row (override to post a message)."""

    # --- rendering ---------------------------------------------------------------------------

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        """Render row ``row`` as a strip of ``width`` cells; ``style`` is the row's base style."""
        return Strip([Segment(str(row), style)]).adjust_cell_length(width, style)

    def render_header(self, width: int, style: Style) -> Strip:
        """Render the header line (when ``show_header`` is set)."""
        return Strip.blank(width, style)

    def render_line(self, y: int) -> Strip:
        """The Line API entry point: one screen line."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.show_header and y == 0:
            header = base + self.get_component_rich_style("rowlist--header")
            return self.render_header(width, header)
        row = int(self.scroll_y) + y - self._header_lines
        if not self._row_count:
            if row == 0:
                empty = base + self.get_component_rich_style("rowlist--empty")
                return Strip([Segment(f" {self.empty_text}", empty)]).adjust_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        if row >= self._row_count:
            return Strip.blank(width, base)
        if row == self._cursor:
            name = "rowlist--cursor" if self.has_focus else "rowlist--cursor-blurred"
            style = base + self.get_component_rich_style(name)
        else:
            style = base
        return self.render_row(row, width, style)

    # --- events --------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()

    def on_focus(self, event: events.Focus) -> None:
        self.refresh_row(self._cursor)

    def on_blur(self, event: events.Blur) -> None:
        self.refresh_row(self._cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_y) + offset.y - self._header_lines
        if 0 <= row < self._row_count:
            self.move_cursor(row, scroll=False)
            self.on_row_clicked(row, event.chain)

    def on_row_clicked(self, row: int, chain: int) -> None:
        """Called after a click moved the cursor (``chain`` is 2 for a double click)."""

    # --- actions ---------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        """Move the cursor up a row."""
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Move the cursor down a row."""
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        """Move the cursor up a screen."""
        self.move_cursor(self._cursor - max(1, self.visible_rows - 1))

    def action_page_down(self) -> None:
        """Move the cursor down a screen."""
        self.move_cursor(self._cursor + max(1, self.visible_rows - 1))

    def action_first(self) -> None:
        """Move the cursor to the first row."""
        self.move_cursor(0)

    def action_last(self) -> None:
        """Move the cursor to the last row."""
        self.move_cursor(self._row_count - 1)
