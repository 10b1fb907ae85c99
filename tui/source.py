"""Access to a recording for the UI and its background workers.

:class:`timetravel.Recording` locks its frame cache itself. This layer was built before it
did and still keeps UI reads and workers apart (a possible simplification: drop the second
Recording below, which costs a second copy of the file in memory). The UI reads frames on
the event loop while workers index, filter and trace key histories, so:

* quick reads (a frame, a state, a diff) go through :class:`RecordingSource` under one lock;
* :meth:`RecordingSource.refresh` (indexing) runs without that lock: it only appends to the
  index and never touches the frame cache, so reads of already indexed frames stay safe;
* long scans (filter, key history, search) use a second :class:`Recording` of the same
  file, shared by the scanning workers under their own lock, so they never hold the UI's
  lock for seconds. Filter and search scans take that lock a stretch of frames at a time,
  so they take turns rather than wait for each other to finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from timetravel import Change, Frame, Match, Query, Recording, format_path

__all__ = ["SCAN_CHUNK", "HistoryEntry", "RecordingSource", "frame_matches"]

SCAN_CHUNK = 2048
"""Frames a filter or search scan reads before it lets the other scans have a turn (and
checks whether it was cancelled)."""

HistoryEntry = tuple[int, Frame, Any, Any]
"""One row of a key history: (frame position, frame, old value, new value)."""


def frame_matches(frame: Frame, needle: str) -> bool:
    """True if ``needle`` (lower case) is in the frame's trigger or in a changed path."""
    if frame.trigger and needle in frame.trigger.lower():
        return True
    return any(needle in format_path(c.path).lower() for c in frame.changes)


class RecordingSource:
    """A :class:`Recording` shared by the event loop and worker threads."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self._lock = threading.RLock()
        self._refresh_lock = threading.Lock()
        self._scan_lock = threading.Lock()
        self._scanner: Recording | None = None
        self._first: Frame | None = None
        self._keyframes: frozenset[int] = frozenset()
        self._keyframes_len = -1

    # --- facts about the file -------------------------------------------------------------

    @property
    def path(self) -> str:
        """The file's path as given."""
        return self.recording.path

    @property
    def name(self) -> str:
        """The file's name without directories."""
        return Path(self.recording.path).name

    @property
    def stem(self) -> str:
        """The file's name without directories and suffix."""
        return Path(self.recording.path).stem

    def __len__(self) -> int:
        return len(self.recording)

    @property
    def first_frame(self) -> Frame | None:
        """Frame 0 (its time is the timeline's zero), or None while the file has none."""
        if self._first is None and len(self.recording):
            self._first = self.frame(0)
        return self._first

    @property
    def first_index(self) -> int:
        """``Frame.index`` of the first frame (0 unless the file starts from a folded history)."""
        first = self.first_frame
        return first.index if first is not None else 0

    @property
    def start_time(self) -> float:
        """The time of the first frame (timeline times are relative to it)."""
        first = self.first_frame
        return first.time if first is not None else self.recording.created

    def position_of(self, index: int) -> int | None:
        """The position of the frame whose ``Frame.index`` is ``index``, or None."""
        pos = index - self.first_index
        return pos if 0 <= pos < len(self.recording) else None

    def resolve(self, index: int) -> int | None:
        """The position of frame ``index`` (``Frame.index``; a negative one counts from the
        end, -1 being the newest frame), or None if the recording has no such frame."""
        if index < 0:
            pos = len(self.recording) + index
            return pos if pos >= 0 else None
        return self.position_of(index)

    def describe_range(self) -> str:
        """``frames go from 0 to 11`` (or ``the recording has no frames yet``)."""
        n = len(self.recording)
        if not n:
            return "the recording has no frames yet"
        first = self.first_index
        return f"frames go from {first} to {first + n - 1}"

    def keyframes(self) -> frozenset[int]:
        """Positions of the frames that have a keyframe after them."""
        n = len(self.recording)
        if n != self._keyframes_len:
            self._keyframes = frozenset(self.recording.keyframes)
            self._keyframes_len = n
        return self._keyframes

    # --- quick reads (event loop or any thread) -------------------------------------------

    def frame(self, pos: int) -> Frame:
        """The frame at position ``pos``."""
        with self._lock:
            return self.recording[pos]

    def state_at(self, pos: int) -> dict[Any, Any]:
        """The whole state after the frame at ``pos`` (a fresh dict)."""
        with self._lock:
            return self.recording.state_at(pos)

    def diff(self, a: int, b: int) -> tuple[Change, ...]:
        """The changes that turn the state at position ``a`` into the state at ``b``."""
        with self._lock:
            return self.recording.diff(a, b)

    # --- background work ------------------------------------------------------------------

    def refresh(self, progress: Callable[[int, int], object] | None = None) -> int:
        """Index frames appended since the last refresh; returns how many are new.

        Raises :class:`~timetravel.RecordingError`. Call it from one thread at a time (a
        second concurrent call waits for the first).
        """
        with self._refresh_lock:
            return self.recording.refresh(progress)

    def _scanner_for(self, upto: int) -> Recording:
        """The scanners' own copy of the recording, indexed up to at least ``upto`` frames."""
        if self._scanner is None:
            self._scanner = Recording.open(self.recording.path)
        if len(self._scanner) < upto:
            self._scanner.refresh()
        return self._scanner

    def history(self, path: tuple[Hashable, ...]) -> list[HistoryEntry]:
        """Every frame (among those indexed) that changed the value at ``path``."""
        upto = len(self.recording)
        first = self.first_index
        with self._scan_lock:
            rows = self._scanner_for(upto).history(path)
        out: list[HistoryEntry] = []
        for frame, old, new in rows:
            pos = frame.index - first
            if pos < upto:
                out.append((pos, frame, old, new))
        return out

    def matching(
        self,
        needle: str,
        positions: Iterable[int],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[int] | None:
        """The positions among ``positions`` whose frame matches ``needle`` (see
        :func:`frame_matches`); None if ``cancelled()`` turned true during the scan."""
        needle = needle.lower()
        positions = list(positions)
        upto = max(positions) + 1 if positions else 0
        out: list[int] = []
        for start in range(0, len(positions), SCAN_CHUNK):
            if cancelled():
                return None
            with self._scan_lock:
                scanner = self._scanner_for(upto)
                out.extend(
                    pos
                    for pos in positions[start : start + SCAN_CHUNK]
                    if frame_matches(scanner[pos], needle)
                )
        return out

    def search(self, query: str | Query, stop: int) -> Iterator[tuple[int, list[Match]]]:
        """:meth:`Recording.search` over positions ``0..stop``, a stretch at a time: yields
        (positions searched so far, the matches in the last stretch).

        A caller can stop between stretches (a new query cancels the old search). A bad
        query raises :class:`~timetravel.QueryError` before the first stretch is yielded
        (parse it once with :func:`~timetravel.parse_query` to search with it again).
        """
        start = 0
        while True:
            end = min(start + SCAN_CHUNK, stop)
            with self._scan_lock:
                matches = list(self._scanner_for(end).search(query, start=start, stop=end))
            yield end, matches
            if end >= stop:
                return
            start = end
