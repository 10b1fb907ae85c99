"""The timeline: one row per frame, rendered lazily, optionally narrowed by a filter."""

from __future__ import annotations

from bisect import bisect_left
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from timetravel import Frame, RecordingError
from timetravel.display import safe_text
from timetravel.labels import frame_title

from ..formatting import format_elapsed
from ..source import RecordingSource
from .rowlist import RowList, fit

__all__ = ["DROP_ORDER", "MIN_TITLE", "RESTORE_MARKS", "Timeline", "row_title"]

RESTORE_MARKS = {"undo": "↶", "redo": "↷", "jump": "⤳"}
"""The mark shown for each kind of restore frame."""

KEYFRAME_MARK = "◆"

_TIME_W = 10
_PAGE_W = 12
_COUNT_W = 4

# Optional columns: (name, header, width, right-aligned, gap after).
_OPTIONAL = {
    "time": ("time", _TIME_W, True, 1),
    "page": ("page", _PAGE_W, False, 1),
    "count": ("Δ", _COUNT_W, True, 2),
}

DROP_ORDER = ("page", "time", "count")
"""The optional columns, least important first: a narrow timeline drops them in this order."""

MIN_TITLE = 14
"""Cells the action column keeps before another optional column is dropped."""


def row_title(frame: Frame) -> str:
    """The action column: :func:`timetravel.labels.frame_title`, plus the frame a restore
    went back to when the title doesn't already say (``Undo → #6``)."""
    title = frame_title(frame)
    if frame.restores is not None and not title.endswith(f"#{frame.restores}"):
        title = f"{title} → #{frame.restores}"
    return title


class Timeline(RowList):
    """One row per frame: index, marks, time since the first frame, page, changes, action.

    The action is the frame's human title (its label, else its trigger made readable). When
    the timeline is too narrow for every column, the page goes first, then the time, then the
    change count: the action column always stays.

    Rows are rendered only when visible, straight from the (lazily decoded) recording. With a
    filter the timeline shows only the frame positions in :meth:`set_filter`'s list. With
    :attr:`stick_to_end` (while following a file), new rows bring the cursor along.
    """

    DEFAULT_CSS = """
    Timeline {
        width: 1fr;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        border: round $border-blurred;
        border-title-color: $text-muted;
        border-subtitle-color: $text-warning;

        &:focus {
            border: round $border;
            border-title-color: $text;
        }
        & > .timeline--index { color: $text-muted; }
        & > .timeline--time { color: $text-accent; }
        & > .timeline--page { color: $text-secondary; }
        & > .timeline--count { color: $text-muted; }
        & > .timeline--title { color: $text; }
        & > .timeline--restore {
            color: $text-warning;
            text-style: bold;
        }
        & > .timeline--keyframe { color: $text-primary; }
        & > .timeline--mark {
            color: $text-error;
            text-style: bold reverse;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--index",
        "timeline--time",
        "timeline--page",
        "timeline--count",
        "timeline--title",
        "timeline--restore",
        "timeline--keyframe",
        "timeline--mark",
    }

    show_header = True
    empty_text = "(no frames yet)"

    class FrameSelected(Message):
        """The cursor moved to another frame (``position`` is None when nothing is shown)."""

        def __init__(self, timeline: Timeline, position: int | None) -> None:
            super().__init__()
            self.timeline = timeline
            self.position = position

        @property
        def control(self) -> Timeline:
            """The timeline that sent this message."""
            return self.timeline

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: RecordingSource | None = None
        self._positions: list[int] | None = None
        self._marks: dict[int, str] = {}
        self._columns: tuple[int, int, frozenset[str]] = (-1, -1, frozenset())
        self.stick_to_end = False
        """Move the cursor to the last row whenever rows are added (following a file)."""
        self.announce_first = True
        """Select the first row when rows first appear (off while the file is first read,
        when the app selects the newest frame once it knows which that is)."""

    # --- model ---------------------------------------------------------------------------

    @property
    def source(self) -> RecordingSource | None:
        """The recording shown."""
        return self._source

    @property
    def filtered(self) -> bool:
        """True while a filter narrows the rows."""
        return self._positions is not None

    def attach(self, source: RecordingSource) -> None:
        """Show ``source`` (call :meth:`sync` when it gets more frames)."""
        self._source = source
        self.sync()

    def sync(self) -> None:
        """Catch up with the number of frames in the source (or in the filter)."""
        before = self.row_count
        if self._positions is not None:
            count = len(self._positions)
        else:
            count = len(self._source) if self._source is not None else 0
        self.set_row_count(count)
        if self.stick_to_end and count > before:
            self.move_cursor(count - 1, announce=before == 0)
        elif before == 0 and count and self.announce_first:
            self.on_cursor_moved(self.cursor)
        elif count == 0 and before:
            self.post_message(self.FrameSelected(self, None))

    def position_at(self, row: int) -> int:
        """The frame position shown on ``row``."""
        return self._positions[row] if self._positions is not None else row

    @property
    def position(self) -> int | None:
        """The frame position under the cursor, or None if there are no rows."""
        return self.position_at(self.cursor) if self.row_count else None

    def row_of(self, position: int, *, nearest: bool = False) -> int | None:
        """The row showing ``position``; with ``nearest``, the closest row if it is hidden."""
        if self._positions is None:
            n = self.row_count
            if 0 <= position < n:
                return position
            return (n - 1 if position >= n else 0) if nearest and n else None
        i = bisect_left(self._positions, position)
        if i < len(self._positions) and self._positions[i] == position:
            return i
        if not nearest or not self._positions:
            return None
        return min(i, len(self._positions) - 1)

    def select_position(self, position: int) -> bool:
        """Move the cursor to the frame at ``position`` (and say so, even if the cursor was
        already there); False if it is not shown."""
        row = self.row_of(position)
        if row is None:
            return False
        self.move_cursor(row, announce=True)
        return True

    def set_filter(self, positions: list[int] | None) -> None:
        """Show only ``positions`` (sorted), or every frame for None. Keeps the frame selected
        if it is still shown, else moves to the nearest one."""
        current = self.position
        self._positions = positions
        self.set_row_count(len(positions) if positions is not None else len(self._source or ()))
        if not self.row_count:
            self.post_message(self.FrameSelected(self, None))
            return
        row = self.row_of(current, nearest=True) if current is not None else 0
        if self.stick_to_end:
            row = self.row_count - 1
        self.move_cursor(row or 0, announce=True)
        self.scroll_to_row(self.cursor)
        self.refresh()

    def extend_filter(self, positions: list[int]) -> None:
        """Add newly scanned matches (all after the current ones) to the filter."""
        if self._positions is None or not positions:
            return
        self._positions.extend(positions)
        self.sync()

    @property
    def marks(self) -> dict[int, str]:
        """Marks shown next to frame positions (``{position: "A"}``)."""
        return self._marks

    def set_marks(self, marks: dict[int, str]) -> None:
        """Replace the marks and repaint."""
        self._marks = dict(marks)
        self.refresh()

    def on_cursor_moved(self, row: int) -> None:
        self.post_message(self.FrameSelected(self, self.position_at(row)))

    # --- columns ---------------------------------------------------------------------------

    def _index_width(self) -> int:
        source = self._source
        last = source.first_index + len(source) - 1 if source is not None else 0
        return max(3, len(str(last)))

    def columns(self, width: int) -> frozenset[str]:
        """The optional columns shown at ``width`` cells (see :data:`DROP_ORDER`)."""
        index_w = self._index_width()
        if self._columns[:2] == (width, index_w):
            return self._columns[2]
        # Marks, index, keyframe and restore glyphs always show.
        fixed = 2 + index_w + 1 + 2 + 1
        shown = set(_OPTIONAL)
        for name in DROP_ORDER:
            used = fixed + sum(_OPTIONAL[n][1] + _OPTIONAL[n][3] for n in shown)
            if width - used >= MIN_TITLE:
                break
            shown.discard(name)
        result = frozenset(shown)
        self._columns = (width, index_w, result)
        return result

    # --- rendering -------------------------------------------------------------------------

    def render_header(self, width: int, style: Style) -> Strip:
        shown = self.columns(width)
        text = "  " + fit("#", self._index_width(), right=True) + " " + KEYFRAME_MARK + "↶ "
        for name in ("time", "page", "count"):
            if name in shown:
                header, w, right, gap = _OPTIONAL[name]
                text += fit(header, w, right=right) + " " * gap
        return Strip([Segment(fit(text + "action", width), style)])

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        source = self._source
        if source is None:
            return Strip.blank(width, style)
        pos = self.position_at(row)
        try:
            frame = source.frame(pos)
        except RecordingError as exc:
            message = safe_text(f"  ⚠ frame at position {pos}: {exc}")
            return Strip([Segment(fit(message, width), style)])
        plain = row == self.cursor
        part = self._part_style

        def seg(text: str, component: str | None = None) -> Segment:
            if plain or component is None:
                return Segment(text, style)
            return Segment(text, style + part(component))

        shown = self.columns(width)
        restore = RESTORE_MARKS.get(frame.trigger or "", "•") if frame.is_restore else " "
        keyframe = KEYFRAME_MARK if pos in source.keyframes() else " "
        mark = self._marks.get(pos, "")[:2]
        segments = [
            seg(mark, "timeline--mark"),
            seg(" " * (2 - len(mark))),
            seg(fit(str(frame.index), self._index_width(), right=True), "timeline--index"),
            seg(" "),
            seg(keyframe, "timeline--keyframe"),
            seg(restore, "timeline--restore"),
            seg(" "),
        ]
        if "time" in shown:
            elapsed = format_elapsed(frame.time - source.start_time)
            segments += [seg(fit(elapsed, _TIME_W, right=True), "timeline--time"), seg(" ")]
        if "page" in shown:
            # Pages and titles come from the file: escaped and cut (timetravel.display).
            page = fit(safe_text(frame.page or "-", _PAGE_W + 1), _PAGE_W)
            segments += [seg(page, "timeline--page"), seg(" ")]
        if "count" in shown:
            count = fit(str(len(frame.changes)), _COUNT_W, right=True)
            segments += [seg(count, "timeline--count"), seg("  ")]
        title = row_title(frame)
        segments.append(seg(title, "timeline--restore" if frame.is_restore else "timeline--title"))
        return Strip(segments).crop(0, width).adjust_cell_length(width, style)

    def _part_style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)
