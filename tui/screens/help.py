"""The help screen: every key, from the same table the bindings are made of."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import APP_KEYS, WIDGET_KEYS

__all__ = ["HelpScreen", "help_table"]


def help_table() -> Table:
    """The keys as a table (also used to write the docs)."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Key", style="bold", no_wrap=True)
    table.add_column("What it does")
    for key in APP_KEYS:
        table.add_row(key.shown_as, key.description)
    table.add_row("", "")
    table.add_row("In a pane", "", style="bold")
    for where, keys, what in WIDGET_KEYS:
        table.add_row(keys, f"{where}: {what}")
    return table


class HelpScreen(ModalScreen[None]):
    """A modal list of the keys; Esc, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;

        & > #help-box {
            width: 84;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: round $border;
            background: $surface;
            padding: 0 1;
        }
        & #help-title {
            text-style: bold;
            color: $text-accent;
            padding-bottom: 1;
        }
        & #help-hint {
            color: $text-muted;
            padding-top: 1;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", show=True),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("timetravel · keys", id="help-title")
            yield Static(help_table(), id="help-table")
            yield Static("Esc closes this help.", id="help-hint")

    def action_dismiss_help(self) -> None:
        """Close the help."""
        self.dismiss(None)
