"""The filter bar: a one-line input that narrows the timeline."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

__all__ = ["FilterBar"]


class FilterBar(Input):
    """Type part of a key path (``todos``, ``[3]['done']``) or a trigger; Enter applies it.

    Esc clears the filter and hides the bar (:class:`FilterBar.Cleared`). Applying is the
    app's job: it hears the usual :class:`Input.Submitted`.
    """

    DEFAULT_CSS = """
    FilterBar {
        display: none;
        height: 3;
        border: tall $accent;

        &.-open { display: block; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=True),
    ]

    class Cleared(Message):
        """The user pressed Esc in the filter bar."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            placeholder="filter: part of a changed key path or a trigger "
            "(Enter applies, Esc clears)",
            id=id,
            classes=classes,
        )

    def action_clear_filter(self) -> None:
        """Clear the text and tell the app."""
        self.value = ""
        self.post_message(self.Cleared())
