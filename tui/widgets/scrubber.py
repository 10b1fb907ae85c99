"""The scrubber: a one-line bar showing the replay state and where the cursor is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from timetravel.display import safe_text

__all__ = ["Scrubber", "ScrubberState", "format_speed"]


def format_speed(speed: float) -> str:
    """``0.25x``, ``1x``, ``16x``."""
    return f"{speed:g}x"


@dataclass(frozen=True)
class ScrubberState:
    """What the scrubber shows."""

    row: int = 0
    rows: int = 0
    frame_index: int | None = None
    frames: int = 0
    playing: bool = False
    speed: float = 1.0
    following: bool = False
    filter: str | None = None
    marks: str = ""


class Scrubber(Widget):
    """``▶ 2x ━━━━━●──────── frame 12 · 13/100`` (plus follow, filter and A/B marks).

    ``▶`` while playing, ``‖`` while paused.

    Clicking the bar asks to move there (:class:`Scrubber.Seek`).
    """

    DEFAULT_CSS = """
    Scrubber {
        height: 1;
        background: $panel;

        & > .scrubber--button {
            text-style: bold;
            color: $text-accent;
        }
        & > .scrubber--played { color: $accent; }
        & > .scrubber--knob {
            color: $text;
            text-style: bold;
        }
        & > .scrubber--rest { color: $text-muted; }
        & > .scrubber--status { text-style: bold; }
        & > .scrubber--flag { color: $text-warning; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "scrubber--button",
        "scrubber--played",
        "scrubber--knob",
        "scrubber--rest",
        "scrubber--status",
        "scrubber--flag",
    }

    class Seek(Message):
        """The user clicked the bar: move to ``row`` of the timeline."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.state = ScrubberState()
        self._bar: tuple[int, int] = (0, 0)  # x and width of the bar, for clicks

    def update_state(self, **changes: Any) -> None:
        """Change some of the :class:`ScrubberState` fields and repaint."""
        new = replace(self.state, **changes)
        if new != self.state:
            self.state = new
            self.refresh()

    def render(self) -> Text:
        s = self.state
        part = self._part
        button = f" {'▶' if s.playing else '‖'} {format_speed(s.speed):>5} "
        if s.frame_index is None:
            status = " no frame "
        else:
            status = f" frame {s.frame_index} · {s.row + 1:,}/{s.rows:,} "
        flags: list[str] = []
        if s.filter is not None:
            flags.append(f"filter “{safe_text(s.filter, 40)}” ({s.rows:,} of {s.frames:,})")
        if s.marks:
            flags.append(s.marks)
        if s.following:
            flags.append("following")
        flag_text = "".join(f" [{f}]" for f in flags)
        width = self.size.width
        bar = max(0, width - len(button) - len(status) - len(flag_text) - 1)
        self._bar = (len(button), bar)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(button, style=part("scrubber--button"))
        if bar:
            knob = round(s.row / (s.rows - 1) * (bar - 1)) if s.rows > 1 else 0
            knob = max(0, min(knob, bar - 1))
            text.append("━" * knob, style=part("scrubber--played"))
            text.append("●" if s.rows else "─", style=part("scrubber--knob"))
            text.append("─" * (bar - knob - 1), style=part("scrubber--rest"))
        text.append(status, style=part("scrubber--status"))
        text.append(flag_text, style=part("scrubber--flag"))
        return text

    def _part(self, component: str) -> Any:
        return self.get_component_rich_style(component, partial=True)

    def on_click(self, event: events.Click) -> None:
        x, width = self._bar
        rows = self.state.rows
        if not rows or width <= 1 or not x <= event.x < x + width:
            return
        fraction = (event.x - x) / (width - 1)
        self.post_message(self.Seek(round(fraction * (rows - 1))))
