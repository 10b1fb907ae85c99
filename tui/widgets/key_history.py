"""Key history: every frame that changed one key path, with old -> new; Enter jumps there."""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Static

from timetravel import RecordingError
from timetravel.display import display_path, safe_text
from timetravel.labels import frame_title, plural

from ..formatting import format_elapsed, short_repr
from ..source import HistoryEntry, RecordingSource
from .rowlist import RowList, fit

__all__ = ["HistoryList", "HistoryTraced", "KeyHistory"]


class HistoryList(RowList):
    """The rows of a key history (lazily rendered, so a key changed 100,000 times is fine)."""

    DEFAULT_CSS = """
    HistoryList {
        height: 1fr;
        background: $surface;

        & > .history--index { color: $text-muted; }
        & > .history--time { color: $text-accent; }
        & > .history--title { color: $text; }
        & > .history--old { color: $text-error; }
        & > .history--arrow { color: $text-muted; }
        & > .history--new { color: $text-success; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jump", "Jump to frame", show=True),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history--index",
        "history--time",
        "history--title",
        "history--old",
        "history--new",
        "history--arrow",
    }

    show_header = True
    empty_text = "(this key never changed)"

    class Jump(Message):
        """Move the timeline to the frame at ``position``."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.entries: list[HistoryEntry] = []
        self.start_time = 0.0

    def set_entries(self, entries: list[HistoryEntry], start_time: float) -> None:
        """Show ``entries`` (cursor on the first)."""
        self.entries = entries
        self.start_time = start_time
        self.set_row_count(len(entries))
        self.move_cursor(0)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def _index_width(self) -> int:
        return max(3, len(str(self.entries[-1][1].index))) if self.entries else 3

    def render_header(self, width: int, style: Style) -> Strip:
        w = self._index_width()
        text = f"{fit('#', w, right=True)} {fit('time', 10, right=True)}  {fit('action', 12)}  "
        return Strip([Segment(fit(text + "old -> new", width), style)])

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        _, frame, old, new = self.entries[row]
        plain = row == self.cursor

        def part(component: str) -> Style:
            if plain:
                return style
            return style + self.get_component_rich_style(component, partial=True)

        segments = [
            Segment(fit(str(frame.index), self._index_width(), right=True), part("history--index")),
            Segment(" "),
            Segment(
                fit(format_elapsed(frame.time - self.start_time), 10, right=True),
                part("history--time"),
            ),
            Segment("  "),
            Segment(fit(frame_title(frame, 13), 12), part("history--title")),
            Segment("  "),
            Segment(short_repr(old, 60), part("history--old")),
            Segment(" -> ", part("history--arrow")),
            Segment(short_repr(new, 60), part("history--new")),
        ]
        segments = [s if s.style else Segment(s.text, style) for s in segments]
        return Strip(segments).crop(0, width).adjust_cell_length(width, style)

    def action_jump(self) -> None:
        """Ask the app to select the frame under the cursor."""
        if self.entries:
            self.post_message(self.Jump(self.entries[self.cursor][0]))

    def on_row_clicked(self, row: int, chain: int) -> None:
        if chain >= 2:
            self.action_jump()


class HistoryTraced(Message):
    """The key history of ``path`` is ready (or failed with ``error``)."""

    def __init__(
        self,
        token: int,
        path: tuple[Hashable, ...],
        entries: list[HistoryEntry],
        start_time: float = 0.0,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.path = path
        self.entries = entries
        self.start_time = start_time
        self.error = error


class KeyHistory(Vertical):
    """A title naming the key path, and the :class:`HistoryList` of its changes.

    :meth:`trace` finds the changes in a worker thread (a key path can have been written in
    any of 100,000 frames); a newer trace supersedes one still running.
    """

    DEFAULT_CSS = """
    KeyHistory {
        height: 1fr;

        & > #history-title {
            height: auto;
            max-height: 2;
            padding: 0 1;
            color: $text-muted;
        }
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.path: tuple[Hashable, ...] | None = None
        self.loading = False
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Static(
            "Select a key in the state tree and press h (or Enter) to see every frame "
            "that changed it.",
            id="history-title",
        )
        yield HistoryList(id="history-list")

    @property
    def rows(self) -> HistoryList:
        """The rows."""
        return self.query_one(HistoryList)

    def trace(self, source: RecordingSource, path: tuple[Hashable, ...]) -> None:
        """Trace the history of ``path`` in ``source`` and show it (the rows get the focus)."""
        self._token += 1
        self.show_loading(path)
        self._trace(source, path, self._token)

    @work(thread=True, exclusive=True, group="history")
    def _trace(self, source: RecordingSource, path: tuple[Hashable, ...], token: int) -> None:
        try:
            entries = source.history(path)
        except (RecordingError, ValueError) as exc:
            self.post_message(HistoryTraced(token, path, [], error=str(exc)))
            return
        self.post_message(HistoryTraced(token, path, entries, source.start_time))

    def on_history_traced(self, message: HistoryTraced) -> None:
        message.stop()
        if message.token != self._token:
            return
        if message.error is not None:
            self.show_error(message.error)
            return
        self.show_entries(message.path, message.entries, message.start_time)
        self.rows.focus()

    def show_loading(self, path: tuple[Hashable, ...]) -> None:
        """Say that the history of ``path`` is being traced."""
        self.path = path
        self.loading = True
        self.query_one("#history-title", Static).update(
            Text(f"{display_path(path)} · tracing…", no_wrap=True)
        )
        self.rows.set_entries([], 0.0)

    def show_entries(
        self, path: tuple[Hashable, ...], entries: list[HistoryEntry], start_time: float
    ) -> None:
        """Show the history of ``path``."""
        self.path = path
        self.loading = False
        n = len(entries)
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(display_path(path), style="bold")
        title.append(f" · changed in {plural(n, 'frame')} · Enter jumps to a frame")
        self.query_one("#history-title", Static).update(title)
        self.rows.set_entries(entries, start_time)

    def show_error(self, message: str) -> None:
        """Say why the history could not be traced."""
        self.loading = False
        self.query_one("#history-title", Static).update(Text(safe_text(message), no_wrap=True))
