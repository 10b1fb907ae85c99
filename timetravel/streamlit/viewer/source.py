"""Opening a recording for the viewer, once: from a path, an upload, or a store's session.

A :class:`Source` is an opened recording and what the viewer has worked out about it (the
filter's matches, key histories, the chart's numbers). Reruns reuse it, so scrolling,
paging and selecting never read the file again:

* a file is cached per process, keyed by its absolute path, size and modification time
  (a file that grows or is replaced is opened again; one that is unchanged never is);
* a store's session is cached by store and session; :meth:`Source.reload` reads the rows
  written since (``Recording.refresh``);
* an upload lives in the browser session that uploaded it (see ``viewer``), never in a
  cache another session could reach.

Sessions that name the same file share its :class:`Source`: they see the same file.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import streamlit as st

from timetravel import Frame, Recording, RecordingError, format_path
from timetravel.stores import SessionInfo, Store, open_store, split_location

from . import stats as _stats

__all__ = [
    "HistoryRow",
    "Source",
    "kind_of_location",
    "list_sessions",
    "open_bytes",
    "open_location",
    "open_session",
    "wrap",
]

HistoryRow = tuple[int, Frame, Any, Any]
"""One row of a key history: (frame position, frame, old value, new value)."""

_CACHED = 16  # filters and key histories kept per recording
_tokens = itertools.count(1)


class Source:
    """A recording opened for the viewer, with what has been worked out about it.

    Thread-safe: sessions viewing the same file share one, and the chart's numbers are
    worked out in a background thread.
    """

    def __init__(self, recording: Recording, name: str, *, reloadable: bool = False) -> None:
        self.recording = recording
        self.name = name
        """What to call it: the path or ``STORE#SESSION`` as given, or the upload's name
        (from the user or the file: show it escaped)."""
        self.reloadable = reloadable
        """True for a store's session: :meth:`reload` reads what was written since."""
        self.token = f"{next(_tokens)}"
        """Different for every opened recording: the viewer starts a fresh selection when
        it changes."""
        self.version = 0
        """Counts the reloads that found new frames (searches made before are stale)."""
        self._lock = threading.Lock()
        self._filters: OrderedDict[str, list[int]] = OrderedDict()
        self._histories: OrderedDict[tuple[Hashable, ...], list[HistoryRow]] = OrderedDict()
        self._stats: _stats.Stats | None = None
        self._first: Frame | None = None

    def __len__(self) -> int:
        return len(self.recording)

    def frame(self, pos: int) -> Frame:
        """The frame at position ``pos`` (0-based, in file order)."""
        return self.recording[pos]

    @property
    def first_time(self) -> float:
        """When the first frame was recorded (the timeline's zero)."""
        if self._first is None:
            if not len(self.recording):
                return self.recording.created
            self._first = self.recording[0]
        return self._first.time

    def position_of(self, index: int) -> int | None:
        """The position of the frame whose ``Frame.index`` is ``index``, or None."""
        n = len(self.recording)
        if not n:
            return None
        pos = index - self.recording.first_index
        if 0 <= pos < n and self.recording[pos].index == index:
            return pos
        lo, hi = 0, n  # indexes jump after frames lost in a damaged stretch: search
        while lo < hi:
            mid = (lo + hi) // 2
            if self.recording[mid].index < index:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < n and self.recording[lo].index == index else None

    def matching(self, needle: str) -> list[int]:
        """Positions of the frames whose trigger, label or page contains ``needle``, or one
        of whose changed key paths does (as ``format_path`` writes them; case ignored)."""
        needle = needle.lower()
        with self._lock:
            found = self._filters.get(needle)
            if found is not None:
                self._filters.move_to_end(needle)
                return found
        found = [p for p, f in enumerate(self.recording) if _matches(f, needle)]
        with self._lock:
            self._filters[needle] = found
            while len(self._filters) > _CACHED:
                self._filters.popitem(last=False)
        return found

    def history(self, path: tuple[Hashable, ...]) -> list[HistoryRow]:
        """Every frame that changed the value at ``path`` (``Recording.history``)."""
        with self._lock:
            found = self._histories.get(path)
            if found is not None:
                self._histories.move_to_end(path)
                return found
        first = self.recording.first_index
        rows = self.recording.history(path)
        found = [
            (self.position_of(f.index) or f.index - first, f, old, new) for f, old, new in rows
        ]
        with self._lock:
            self._histories[path] = found
            while len(self._histories) > _CACHED:
                self._histories.popitem(last=False)
        return found

    @property
    def stats_started(self) -> _stats.Stats | None:
        """The chart's numbers if :meth:`stats` has started working them out, else None."""
        return self._stats

    def stats(self) -> _stats.Stats:
        """The chart's numbers, worked out in a background thread started on first call
        (it stops early if this source is dropped: a file replaced, the cache cleared)."""
        with self._lock:
            if self._stats is None:
                alive = weakref.ref(self)
                mine: list[_stats.Stats] = []

                def stop() -> bool:  # dropped, or reloaded (a new walk replaces this one)
                    source = alive()
                    return source is None or (bool(mine) and source._stats is not mine[0])

                self._stats = _stats.start(self.recording, stop=stop)
                mine.append(self._stats)
            return self._stats

    def reload(self) -> int:
        """Read the frames written since (a store's session); returns how many are new."""
        new = self.recording.refresh()
        if new:
            with self._lock:
                self._filters.clear()
                self._histories.clear()
                self._stats = None
                self.version += 1
        return new


def _matches(frame: Frame, needle: str) -> bool:
    for text in (frame.trigger, frame.label, frame.page):
        if text and needle in text.lower():
            return True
    return any(needle in format_path(c.path).lower() for c in frame.changes)


# --- where a location points --------------------------------------------------------------


def kind_of_location(location: str) -> str:
    """``"file"`` for a path to a file (or to nothing: opening it says so), ``"session"``
    for ``STORE#SESSION``, ``"store"`` for a folder or a store URL."""
    if os.path.isfile(location):
        return "file"
    if split_location(location) is not None:
        return "session"
    if os.path.isdir(location) or "://" in location:
        return "store"
    return "file"


@st.cache_resource(max_entries=8, show_spinner=False)
def _file(path: str, size: int, mtime_ns: int) -> Source:
    return Source(Recording.open(path), path)


def open_location(location: str) -> Source:
    """The recording a path or ``STORE#SESSION`` names. Raises RecordingError (a StoreError
    for a store that can't be read)."""
    located = split_location(location) if not os.path.isfile(location) else None
    if located is not None:
        return open_session(*located)
    path = os.path.abspath(os.path.expanduser(location))
    try:
        st_ = os.stat(path)
    except OSError:
        Recording.open(path)  # says why, in the core's words
        raise RecordingError(f"{location}: can't read it") from None
    return _file(path, st_.st_size, st_.st_mtime_ns)


@st.cache_resource(max_entries=8, show_spinner=False)
def _store(location: str) -> Store:
    return open_store(location)


@st.cache_resource(max_entries=8, show_spinner=False)
def _session(location: str, session: str) -> Source:
    recording = Recording.open(_store(location), session=session)
    return Source(recording, f"{location}#{session}", reloadable=True)


def open_session(location: str, session: str) -> Source:
    """Session ``session`` of the store at ``location``. Raises RecordingError."""
    try:
        return _session(location, session)
    except ValueError as exc:  # an invalid session id
        raise RecordingError(str(exc)) from None


def list_sessions(location: str) -> list[SessionInfo]:
    """The sessions of the store at ``location``, most recently active first."""
    return _store(location).sessions()


def open_bytes(data: bytes, name: str) -> Source:
    """The recording in ``data`` (an upload called ``name``). Raises RecordingError, whose
    message names it."""
    stream = io.BytesIO(data)
    stream.name = name  # what Recording.open calls a stream in its messages
    return Source(Recording.open(stream), name)


_wrapped: weakref.WeakKeyDictionary[Recording, Source] = weakref.WeakKeyDictionary()
_wrapped_lock = threading.Lock()


def wrap(recording: Recording) -> Source:
    """The :class:`Source` of a recording an app opened itself (one per recording)."""
    with _wrapped_lock:
        found = _wrapped.get(recording)
        if found is None:
            found = _wrapped[recording] = Source(recording, recording.path)
        return found
