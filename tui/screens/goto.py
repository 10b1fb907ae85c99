"""The go-to-frame prompt."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

__all__ = ["GotoScreen"]


class GotoScreen(ModalScreen[int | None]):
    """Asks for a frame number (``Frame.index``) between ``first`` and ``last``.

    Dismissed with the number, or None on Esc.
    """

    DEFAULT_CSS = """
    GotoScreen {
        align: center middle;
        background: $background 60%;

        & > #goto-box {
            width: 50;
            max-width: 95%;
            height: auto;
            border: round $border;
            background: $surface;
            padding: 0 1;
        }
        & #goto-title { text-style: bold; }
        & #goto-error {
            color: $text-error;
            height: auto;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, first: int, last: int) -> None:
        super().__init__()
        self.first = first
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Static(f"Go to frame ({self.first} to {self.last})", id="goto-title")
            yield Input(placeholder="frame number", type="integer", id="goto-input")
            yield Static("", id="goto-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        """Accept a frame number in range; say what is wrong otherwise."""
        event.stop()
        try:
            number = int(event.value.strip())
        except ValueError:
            self.query_one("#goto-error", Static).update("Type a frame number.")
            return
        if not self.first <= number <= self.last:
            self.query_one("#goto-error", Static).update(
                f"There is no frame {number}: frames go from {self.first} to {self.last}."
            )
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        """Close without moving."""
        self.dismiss(None)
