"""The timeline's filter: which frames it shows, scanned for in a worker thread."""

from __future__ import annotations

from textual import work
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import get_current_worker

from timetravel import RecordingError
from timetravel.display import safe_text

from .source import RecordingSource
from .widgets.timeline import Timeline

__all__ = ["Filter"]


class Filter(Widget):
    """Narrows a :class:`Timeline` to the frames whose trigger or changed paths contain
    :attr:`text` (any case).

    The frames are scanned in a worker, on the source's second copy of the recording, so a
    filter on 100,000 frames never holds up the screen; frames added later (following a
    file) are scanned as they come. A controller with no display of its own: it keeps the
    timeline's rows and border subtitle up to date.
    """

    DEFAULT_CSS = """
    Filter {
        display: none;
    }
    """

    text: reactive[str | None] = reactive(None, init=False)
    """The filter text, or None for no filter."""

    scanning: reactive[bool] = reactive(False, init=False)
    """True while a scan is running."""

    class Scanned(Message):
        """The scan of positions ``start``..``end`` found ``positions`` (or ``error``)."""

        def __init__(
            self, token: int, start: int, end: int, positions: list[int], error: str | None
        ) -> None:
            super().__init__()
            self.token = token
            self.start = start
            self.end = end
            self.positions = positions
            self.error = error

    def __init__(
        self, source: RecordingSource, timeline: Timeline, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.timeline = timeline
        self._token = 0
        self._scanned = 0

    def apply(self, text: str) -> None:
        """Show only the frames matching ``text``."""
        self._token += 1
        self._scanned = 0
        self.scanning = False
        self.text = text
        self.scan_new()

    def clear(self) -> None:
        """Show every frame again."""
        self._token += 1
        self.scanning = False
        self.text = None
        self.timeline.set_filter(None)
        self.show_status()

    def scan_new(self) -> None:
        """Scan the frames the filter has not seen yet (all of them at first)."""
        if self.text is None or self.scanning:
            return
        end = len(self.source)
        if self._scanned >= end and self.timeline.filtered:
            return
        self.scanning = True
        self._scan(self.text, self._token, self._scanned, end)
        self.show_status()

    @work(thread=True, group="filter")
    def _scan(self, text: str, token: int, start: int, end: int) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or token != self._token

        try:
            found = self.source.matching(text, range(start, end), cancelled)
        except RecordingError as exc:
            self.post_message(self.Scanned(token, start, start, [], str(exc)))
            return
        if found is not None:
            self.post_message(self.Scanned(token, start, end, found, None))

    def on_filter_scanned(self, message: Filter.Scanned) -> None:
        message.stop()
        if message.token != self._token:
            return
        self.scanning = False
        if message.error is not None:
            self.notify(message.error, title="Filter failed", severity="error")
            self.clear()
            return
        self._scanned = message.end
        timeline = self.timeline
        if message.start == 0:
            timeline.set_filter(message.positions)
            if not message.positions:
                self.notify(f"No frame matches “{self.text}”.", severity="warning")
        else:
            timeline.extend_filter(message.positions)
        self.show_status()
        if self._scanned < len(self.source):
            self.scan_new()

    def show_status(self) -> None:
        """Write how many frames match on the timeline's border."""
        timeline = self.timeline
        if self.text is None:
            timeline.border_subtitle = ""
            return
        # Border titles are markup: the filter text is escaped.
        shown = escape_markup(safe_text(self.text, 40))
        if self.scanning:
            timeline.border_subtitle = f"filtering “{shown}”…"
        else:
            n = len(self.source)
            timeline.border_subtitle = f"{timeline.row_count:,} of {n:,} match “{shown}”"
