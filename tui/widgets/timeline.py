"""The timeline: one row per frame, rendered lazily, optionally narrowed by a filter."""

from __future__ import annotations

from bisect import bisect_left
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from timetravel import RecordingError
from timetravel.display import safe_text

from ..formatting import format_elapsed
from ..source import RecordingSource
from .rowlist import RowList, fit

__all__ = ["RESTORE_MARKS", "Timeline"]

RESTORE_MARKS = {"undo": "↶", "redo": "↷", "jump": "⤳"}
"""The mark shown for each kind of restore frame."""

KEYFRAME_MARK = "◆"

_TIME_W = 10
_PAGE_W = 12
_COUNT_W = 4


class Timeline(RowList):
    """One row per frame: index, time since the first frame, page, changes, trigger, marks.

    Rows are rendered only when visible, straight from the (lazily decoded) recording. With a
    filter the timeline shows only the frame positions in :meth:`set_filter`'s list.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--index",
        "timeline--time",
        "timeline--page",
        "timeline--count",
        "timeline--trigger",
        "timeline--label",
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
        if before == 0 and count:
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
        """Move the cursor to the frame at ``position``; False if it is not shown."""
        row = self.row_of(position)
        if row is None:
            return False
        if row == self.cursor:
            self.scroll_to_row(row)
        else:
            self.move_cursor(row)
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

    # --- rendering -------------------------------------------------------------------------

    def _index_width(self) -> int:
        source = self._source
        last = source.first_index + len(source) - 1 if source is not None else 0
        return max(3, len(str(last)))

    def render_header(self, width: int, style: Style) -> Strip:
        w = self._index_width()
        text = (
            "  "
            + fit("#", w, right=True)
            + " "
            + KEYFRAME_MARK
            + "↶ "
            + fit("time", _TIME_W, right=True)
            + " "
            + fit("page", _PAGE_W)
            + " "
            + fit("Δ", _COUNT_W, right=True)
            + "  trigger"
        )
        return Strip([Segment(fit(text, width), style)])

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

        restore = RESTORE_MARKS.get(frame.trigger or "", "•") if frame.is_restore else " "
        keyframe = KEYFRAME_MARK if pos in source.keyframes() else " "
        # Triggers, pages and labels come from the file: escaped and cut (timetravel.display).
        trigger = safe_text(frame.trigger or "-")
        if frame.restores is not None:
            trigger = f"{trigger} → {frame.restores}"
        mark = self._marks.get(pos, "")[:2]
        segments = [
            seg(mark, "timeline--mark"),
            seg(" " * (2 - len(mark))),
            seg(fit(str(frame.index), self._index_width(), right=True), "timeline--index"),
            seg(" "),
            seg(keyframe, "timeline--keyframe"),
            seg(restore, "timeline--restore"),
            seg(" "),
            seg(
                fit(format_elapsed(frame.time - source.start_time), _TIME_W, right=True),
                "timeline--time",
            ),
            seg(" "),
            seg(fit(safe_text(frame.page or "-", _PAGE_W + 1), _PAGE_W), "timeline--page"),
            seg(" "),
            seg(fit(str(len(frame.changes)), _COUNT_W, right=True), "timeline--count"),
            seg("  "),
            seg(trigger, "timeline--restore" if frame.is_restore else "timeline--trigger"),
        ]
        if frame.label:
            segments.append(seg(f" · {safe_text(frame.label)}", "timeline--label"))
        return Strip(segments).crop(0, width).adjust_cell_length(width, style)

    def _part_style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)
