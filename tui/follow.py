"""Reading the file: the first indexing, then new frames while following it."""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from timetravel import RecordingError

from .source import RecordingSource

__all__ = ["FOLLOW_INTERVAL", "Follow"]

FOLLOW_INTERVAL = 0.5
"""Seconds between checks for new frames while following a file."""


class Follow(Widget):
    """Reads the recording's frames in worker threads and says when there are more.

    :meth:`start` indexes the whole file (:class:`Follow.Progress` as it goes, then
    :class:`Follow.Refreshed` with ``initial``), and then follows it if ``follow_on_load``
    is set. While :attr:`following`, the file is checked
    for new frames every :data:`FOLLOW_INTERVAL` seconds. A file that can't be read past
    some point is :attr:`broken` (the frames before stay readable) and can't be followed.
    A controller with no display of its own.
    """

    DEFAULT_CSS = """
    Follow {
        display: none;
    }
    """

    following: reactive[bool] = reactive(False, init=False)
    """True while new frames are picked up as they are written."""

    loaded: reactive[bool] = reactive(False, init=False)
    """True once the first indexing has finished."""

    broken: reactive[str | None] = reactive(None, init=False)
    """Why the file can't be read further, if it can't."""

    class Progress(Message):
        """Indexing has reached ``done`` of ``total`` bytes (``frames`` frames so far)."""

        def __init__(self, done: int, total: int, frames: int) -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.frames = frames

    class Refreshed(Message):
        """A read of the file finished with ``new`` frames (``initial``: the first one)."""

        def __init__(self, new: int, error: str | None, *, initial: bool) -> None:
            super().__init__()
            self.new = new
            self.error = error
            self.initial = initial

    def __init__(
        self, source: RecordingSource, *, follow_on_load: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source
        self.follow_on_load = follow_on_load
        self._timer: Timer | None = None
        self._reading = False

    def start(self) -> None:
        """Index the file in a worker (the app shows rows as they are found)."""
        self._read(initial=True)

    def toggle(self) -> None:
        """Follow the file, or stop."""
        if self.following:
            self.following = False
        elif self.broken is not None:
            self.notify(f"Can't follow this file: {self.broken}", severity="error")
        else:
            self.following = True

    def watch_following(self, following: bool) -> None:
        if following:
            self._timer = self.set_interval(FOLLOW_INTERVAL, self._poll)
            self._poll()
            self.notify("Following the file: new frames show up as they are written.")
        else:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.notify("Stopped following the file.")

    def _poll(self) -> None:
        if self._reading or not self.loaded or self.broken is not None:
            return
        self._reading = True
        self._read(initial=False)

    @work(thread=True, group="refresh")
    def _read(self, *, initial: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progress(done, total, len(self.source)))

        try:
            new = self.source.refresh(progress if initial else None)
        except RecordingError as exc:
            self.post_message(self.Refreshed(0, str(exc), initial=initial))
            return
        self.post_message(self.Refreshed(new, None, initial=initial))

    def on_follow_refreshed(self, message: Follow.Refreshed) -> None:
        # Seen here first, then by the app (the message bubbles up).
        self._reading = False
        if message.initial:
            self.loaded = True
            notice = self.source.recording.notice
            if notice:
                self.notify(notice, title="Incomplete file", severity="warning", timeout=8)
        if message.error is not None:
            # The frames before the damage stay readable, but the index can't go past it.
            self.broken = message.error
            self.notify(message.error, title="Can't read the recording", severity="error")
            self.following = False
        elif message.initial and self.follow_on_load:
            self.following = True
