"""The numbers behind the viewer's chart: how big the state is and how much changed, over time.

One forward walk over the recording (``Recording.states``), in a background thread, once per
opened recording. The frames are cut into at most :data:`BUCKETS` equal runs; for each run
it keeps the number of changes its frames made (``len(frame.changes)`` summed) and the size
of the state after its last frame. The size is the number of values in the state: every
key's value, every item of a list, tuple or set, every field of a recorded object, each
counted once, containers included. It is exact, cheap to count (a few milliseconds for a
state of 10,000 values) and says what a reader of the state has to look through; it is not
a byte count (a long string is one value).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from timetravel import ObjectRecord, Recording, RecordingError

__all__ = ["BUCKETS", "Stats", "count_values", "start"]

BUCKETS = 400
"""The most points the chart draws."""


def count_values(value: Any) -> int:
    """How many values ``value`` holds, itself included (see the module's docstring)."""
    count = 0
    stack = [value]
    while stack:
        v = stack.pop()
        count += 1
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            stack.extend(v)
        elif isinstance(v, ObjectRecord):
            stack.extend(v.fields.values())
    return count


@dataclass
class Stats:
    """The chart's numbers as far as the walk has come (read them under :attr:`lock`)."""

    total: int
    """Frames in the recording when the walk started."""
    bucket: int
    """Frames per point."""
    frames: list[int] = field(default_factory=list)
    """``Frame.index`` of each point's last frame."""
    changes: list[int] = field(default_factory=list)
    """Changes made by each point's frames."""
    values: list[int] = field(default_factory=list)
    """Values in the state after each point's last frame."""
    walked: int = 0
    """Frames walked so far."""
    done: bool = False
    """True once the walk has ended (finished, or stopped by :attr:`error`)."""
    error: str | None = None
    """Why the walk stopped early (a frame that can't be read), or None."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def snapshot(self) -> tuple[list[int], list[int], list[int]]:
        """Copies of (frames, changes, values), consistent with one another."""
        with self.lock:
            return list(self.frames), list(self.changes), list(self.values)


def _walk(recording: Recording, stats: Stats, stop: Callable[[], bool]) -> None:
    bucket, changes = stats.bucket, 0
    try:
        for pos, (frame, state) in enumerate(recording.states(0, stats.total)):
            if stop():
                return
            if pos % 32 == 0:
                time.sleep(0)  # hand the GIL to the server and the page's runs more often
            changes += len(frame.changes)
            last = pos + 1 == stats.total
            if (pos + 1) % bucket == 0 or last:
                size = count_values(state) - 1  # the state's own dict is not a value in it
                with stats.lock:
                    stats.frames.append(frame.index)
                    stats.changes.append(changes)
                    stats.values.append(size)
                changes = 0
            stats.walked = pos + 1
    except RecordingError as exc:
        stats.error = str(exc)
    finally:
        stats.done = True


def start(recording: Recording, stop: Callable[[], bool] = lambda: False) -> Stats:
    """Start the walk over ``recording``'s frames in a daemon thread; returns the
    :class:`Stats` it fills in. ``stop()`` is asked between frames (True ends the walk)."""
    total = len(recording)
    stats = Stats(total=total, bucket=max(1, -(-total // BUCKETS)))
    if not total:
        stats.done = True
        return stats
    threading.Thread(
        target=_walk, args=(recording, stats, stop), name="timetravel-viewer-stats", daemon=True
    ).start()
    return stats
