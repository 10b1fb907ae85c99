"""Replay: steps the timeline through the frames at a steady rate while playing."""

from __future__ import annotations

from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from .widgets.timeline import Timeline

__all__ = ["BASE_FPS", "MAX_TICK_HZ", "SPEEDS", "Replay"]

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
"""Replay speeds; + and - move along this list."""

BASE_FPS = 4.0
"""Frames per second at 1x. Replay steps through frames at a steady rate (recorded time gaps
are ignored: a session's reruns can be seconds or hours apart)."""

MAX_TICK_HZ = 20.0
"""Above this many frames per second, each timer tick advances several frames."""


class Replay(Widget):
    """The replay state of a :class:`Timeline`: :attr:`playing` and :attr:`speed`.

    A controller with no display of its own: the scrubber and the app watch its reactives.
    Playing moves the timeline's cursor (with a filter, through the matching rows only) and
    stops at the last row, unless :attr:`wait_at_end` is set (while following a file, replay
    waits there for new frames).
    """

    DEFAULT_CSS = """
    Replay {
        display: none;
    }
    """

    playing: reactive[bool] = reactive(False, init=False)
    """True while replaying."""

    speed: reactive[float] = reactive(1.0, init=False)
    """The replay speed, from 0.25x to 16x."""

    def __init__(self, timeline: Timeline, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timeline = timeline
        self.wait_at_end = False
        self._timer: Timer | None = None
        self._carry = 0.0

    def validate_speed(self, speed: float) -> float:
        """Keep the speed within :data:`SPEEDS`."""
        return min(max(speed, SPEEDS[0]), SPEEDS[-1])

    def toggle(self) -> None:
        """Play from the cursor, or pause."""
        if self.playing:
            self.playing = False
        else:
            self.play()

    def play(self) -> None:
        """Start the replay (from the first row if the cursor is on the last)."""
        timeline = self.timeline
        if not timeline.row_count:
            return
        if timeline.cursor >= timeline.row_count - 1 and not self.wait_at_end:
            timeline.move_cursor(0)
        self.playing = True

    def watch_playing(self, playing: bool) -> None:
        if playing:
            self._carry = 0.0
            self._start_timer()
        elif self._timer is not None:
            self._timer.stop()
            self._timer = None

    def watch_speed(self) -> None:
        if self.playing:
            self._start_timer()

    def _start_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        rate = min(BASE_FPS * self.speed, MAX_TICK_HZ)
        self._timer = self.set_interval(1 / rate, self._tick)

    def _tick(self) -> None:
        fps = BASE_FPS * self.speed
        # Above MAX_TICK_HZ a tick is worth several frames; the fraction carries over.
        self._carry += fps / min(fps, MAX_TICK_HZ)
        steps = int(self._carry)
        self._carry -= steps
        timeline = self.timeline
        last = timeline.row_count - 1
        timeline.move_cursor(min(timeline.cursor + steps, last))
        if timeline.cursor >= last and not self.wait_at_end:
            self.playing = False
