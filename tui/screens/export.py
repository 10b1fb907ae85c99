"""The export prompt: where to write a frame's state as JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from timetravel.display import safe_text

__all__ = ["ExportScreen", "resolve_target"]


def resolve_target(typed: str, default: Path) -> Path:
    """The file a typed path means: ``~`` expanded, relative to the default's folder, and
    a folder meaning the default file name inside it."""
    path = Path(typed.strip()).expanduser()
    if not path.is_absolute():
        path = default.parent / path
    if path.is_dir():
        path = path / default.name
    return path


class ExportScreen(ModalScreen[Path | None]):
    """Asks where to write the state of frame ``frame_index``, with ``default`` filled in.

    Enter writes the file with ``write(path)`` and closes with the path written. A file
    that exists is replaced only on a second Enter. If ``write`` raises :class:`OSError`
    (a folder that doesn't exist, no permission), the prompt stays open and says why. Esc
    closes without writing (None).
    """

    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
        background: $background 60%;

        & > #export-box {
            width: 90;
            max-width: 95%;
            height: auto;
            border: round $border;
            background: $surface;
            padding: 0 1;
        }
        & #export-title { text-style: bold; }
        & #export-hint { color: $text-muted; }
        & #export-error {
            color: $text-error;
            height: auto;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, frame_index: int, default: Path, write: Callable[[Path], None]) -> None:
        super().__init__()
        self.frame_index = frame_index
        self.default = default
        self.write = write
        self._confirm: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(
                Text(f"Export the state of frame {self.frame_index} as JSON to:"),
                id="export-title",
            )
            yield Input(str(self.default), id="export-path")
            yield Static(Text(""), id="export-error")
            yield Static(Text("Enter writes the file · Esc cancels"), id="export-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _say(self, message: str) -> None:
        # Paths are shown as plain text: control characters escaped, markup not parsed.
        self.query_one("#export-error", Static).update(Text(safe_text(message, 400)))

    @on(Input.Changed)
    def _changed(self) -> None:
        self._confirm = None
        self._say("")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        """Write the file (asking first before replacing one); say what is wrong otherwise."""
        event.stop()
        if not event.value.strip():
            self._say("Type the path of the file to write.")
            return
        target = Path(event.value.strip())
        try:
            target = resolve_target(event.value, self.default)
            if target.exists() and self._confirm != target:
                self._confirm = target
                self._say(f"{target} exists: press Enter again to replace it.")
                return
            self.write(target)
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
            self._confirm = None
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._say(f"Can't write {target}: {reason}")
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)
