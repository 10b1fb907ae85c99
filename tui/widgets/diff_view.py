"""The diff view: what the selected frame changed, or the difference between two marked frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import RichLog

from timetravel import Change, Frame
from timetravel.display import display_path, safe_text

from ..formatting import ValueStyles, value_text

__all__ = ["MAX_LINES", "DiffView"]

MAX_LINES = 1000
"""At most this many changes are listed (the rest are counted)."""

SIGNS = {"added": "+", "removed": "-", "changed": "~"}


class DiffView(RichLog):
    """A list of changes in colour: ``+ added``, ``- removed``, ``~ changed old -> new``.

    A :class:`RichLog` (Line API) rather than a Static: replacing its text repaints only this
    pane instead of laying out the whole screen, which keeps stepping through frames fast.
    """

    DEFAULT_CSS = """
    DiffView {
        height: 1fr;
        padding: 0 1;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;

        & > .diff--title { text-style: bold; }
        & > .diff--added { color: $text-success; }
        & > .diff--removed { color: $text-error; }
        & > .diff--changed { color: $text-warning; }
        & > .diff--path { text-style: bold; }
        & > .diff--arrow { color: $text-muted; }
        & > .diff--redacted { text-style: italic reverse; }
        & > .diff--opaque { text-style: italic; }
        & > .diff--object { text-style: italic; }
        & > .diff--muted { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff--title",
        "diff--added",
        "diff--removed",
        "diff--changed",
        "diff--path",
        "diff--arrow",
        "diff--redacted",
        "diff--opaque",
        "diff--object",
        "diff--muted",
    }

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        # min_width=1: lines wrap at the pane's width, however narrow (RichLog's default is 78).
        super().__init__(
            name=name, id=id, classes=classes, wrap=True, auto_scroll=False, min_width=1
        )
        self.mode: Literal["empty", "frame", "between"] = "empty"
        self.changes: tuple[Change, ...] = ()
        self.text = Text()

    def _part(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)

    def show_message(self, message: str) -> None:
        """Show a note instead of changes."""
        self.mode = "empty"
        self.changes = ()
        self._show(Text(safe_text(message, 2000, multiline=True), style=self._part("diff--muted")))

    def show_frame(self, frame: Frame) -> None:
        """Show the changes one frame made."""
        title = Text(f"frame {frame.index}", style=self._part("diff--title"))
        # Triggers, labels, pages and paths come from the file: escaped and cut.
        if frame.trigger:
            title.append(f" · {safe_text(frame.trigger)}")
        if frame.label:
            title.append(f" · {safe_text(frame.label)}")
        if frame.restores is not None:
            title.append(f" · restores frame {frame.restores}")
        if frame.page:
            title.append(f" · page {safe_text(frame.page)}")
        self.mode = "frame"
        self._show_changes(title, frame.changes)

    def show_between(self, a_index: int, b_index: int, changes: Sequence[Change]) -> None:
        """Show the changes that turn the state at frame ``a_index`` into that at ``b_index``."""
        title = Text(f"A = frame {a_index} → B = frame {b_index}", style=self._part("diff--title"))
        self.mode = "between"
        self._show_changes(title, tuple(changes))

    def _show_changes(self, title: Text, changes: tuple[Change, ...]) -> None:
        self.changes = changes
        n = len(changes)
        title.append(f" · {n} change{'s' * (n != 1)}", style=self._part("diff--muted"))
        out = Text()
        out.append_text(title)
        if not changes:
            out.append("\n(no changes)", style=self._part("diff--muted"))
        values = ValueStyles(
            redacted=self._part("diff--redacted"),
            opaque=self._part("diff--opaque"),
            object=self._part("diff--object"),
        )
        path_style = self._part("diff--path")
        arrow = self._part("diff--arrow")
        for change in changes[:MAX_LINES]:
            style = self._part(f"diff--{change.kind}")
            line = Text(style=style)
            line.append(f"{SIGNS[change.kind]} ")
            line.append(display_path(change.path), style=path_style)
            if change.kind == "added":
                line.append(" = ")
                line.append_text(value_text(change.new, values, limit=200))
            elif change.kind == "removed":
                line.append(" (was ")
                line.append_text(value_text(change.old, values, limit=200))
                line.append(")")
            else:
                line.append(": ")
                line.append_text(value_text(change.old, values, limit=200))
                line.append(" -> ", style=arrow)
                line.append_text(value_text(change.new, values, limit=200))
            out.append("\n")
            out.append_text(line)
        if n > MAX_LINES:
            out.append(f"\n… and {n - MAX_LINES} more changes", style=self._part("diff--muted"))
        self._show(out)

    def _show(self, text: Text) -> None:
        self.text = text
        self.clear()
        self.write(text)
        self.scroll_home(animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        # RichLog wraps lines when they are written: wrap them again for the new width.
        if self.lines:
            self.clear()
            self.write(self.text)
