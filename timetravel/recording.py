"""Reading recordings: :class:`Recording` opens a ``.ttrec`` file lazily."""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, overload

from . import _codec
from ._engine import Syncer, apply_changes
from ._format import (
    PREAMBLE,
    RECORD_HEAD,
    SUMMARY_VERSION,
    FrameTally,
    Index,
    ScanError,
    decode_frame,
    decode_summary,
    read_preamble,
    scan,
)
from .errors import RecordingError
from .model import Change, Frame
from .search import Match, Query
from .search import search as _search
from .stores import Store, StoreError, open_store, split_location
from .values import MISSING, copy_value, values_equal

__all__ = ["Gap", "Recording", "Summary"]

_FRAME_CACHE = 4096


def _copy(value: Any) -> Any:
    return copy_value(value, keep_refs=False)


def _ignore(change: Change) -> None:
    pass


def _lookup(state: Any, path: tuple[Hashable, ...]) -> Any:
    node = state
    for p in path:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return node


@dataclass(frozen=True)
class Gap:
    """A damaged stretch of a file that the reader skipped (see docs/format.md).

    ``offset`` is the byte of the damaged record, ``resumed`` the byte of the intact frame
    record reading resumed at, ``position`` that frame's position in the recording, and
    ``lost`` how many frames the damage took (None if unknown: a frame by it is unreadable).
    """

    offset: int
    resumed: int
    position: int
    lost: int | None

    def describe(self) -> str:
        """One sentence about the gap."""
        if self.lost is None:
            lost = "an unknown number of frames"
        else:
            lost = f"{self.lost:,} frame{'' if self.lost == 1 else 's'}"
        return (
            f"a damaged record at byte {self.offset}: skipped {self.resumed - self.offset:,} "
            f"bytes to the intact frame record at byte {self.resumed} (frame {self.position}); "
            f"{lost} lost"
        )


@dataclass(frozen=True)
class Summary:
    """What a whole recording holds, as :meth:`Recording.summary` finds it.

    Everything here comes from the file: strings are as written (show them through
    :mod:`timetravel.display`). Orders are of first appearance.
    """

    frames: int
    """Frames in the recording."""
    first_time: float | None
    """When the first frame was recorded (None without frames)."""
    last_time: float | None
    """When the last frame was recorded (None without frames)."""
    triggers: dict[str, int]
    """Capture frames that have a trigger, counted by trigger."""
    restores: dict[str | None, int]
    """Undo, redo and jump frames, counted by trigger (``"undo"``, ...)."""
    pages: list[str]
    """The pages frames were recorded on."""
    keys: list[Any]
    """The top-level state keys the frames changed."""
    decoded: int
    """How many frames had to be decoded to find this; the others were counted from the
    summaries the writer stores with each keyframe (files written before those existed have
    none, and every frame is decoded)."""


class Recording(Sequence[Frame]):
    """A recording file, opened lazily: frames are decoded when asked for.

    ``recording[i]`` is the i-th frame in the file (``Frame.index`` is ``first_index + i``).
    Opening indexes the file without decoding frames and verifies every record's checksum.
    A file whose last record is incomplete (a writer killed mid-write, or still writing)
    opens with every complete frame; :attr:`truncated` is then True and :attr:`notice` says so.
    :meth:`refresh` picks up frames appended since.

    A damaged record followed by intact ones is skipped: reading resumes at the next intact
    frame record, every intact frame stays readable, and :attr:`gaps` and :attr:`notice`
    report what was skipped. States after frames lost in a gap are readable again from the
    next keyframe on.
    """

    def __init__(
        self,
        path: str,
        data: bytearray,
        source: tuple[Store, str, int] | bool | None = True,
    ) -> None:
        self.path = path
        """Where the recording was read from: a file path, ``STORE#SESSION``, or
        ``<bytes>``."""
        self._data = data
        # Where refresh() reads more: True for the file at path, (store, session, last row
        # read) for a store's session, None for bytes given once.
        self._source = source
        # Viewers read from worker threads while the UI thread reads too.
        self._lock = threading.RLock()
        read_preamble(data, path)
        frames: list[tuple[int, int]] = []
        keyframes: list[tuple[int, int, int]] = []
        gaps: list[tuple[int, int, int]] = []
        end, truncated_at, header_loc = scan(
            data, path, len(PREAMBLE), frames, keyframes, gaps=gaps
        )
        if header_loc is None:
            if truncated_at is not None:
                raise RecordingError(f"{path}: file ends inside the header record (byte {end})")
            raise RecordingError(f"{path}: no header record after the preamble")
        header = self._decode(header_loc[0], header_loc[1], "header")
        if not isinstance(header, dict) or not isinstance(header.get("format"), int):
            raise RecordingError(f"{path}: the header record at byte {len(PREAMBLE)} is malformed")
        self._index = Index(header, frames, keyframes, end, truncated_at, gaps)
        self._settle()
        self._cache: OrderedDict[int, Frame] = OrderedDict()
        self._first_index: int | None = None

    @classmethod
    def open(
        cls,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | Store,
        session: str | None = None,
        *,
        index: bool = True,
    ) -> Recording:
        """Open a recording. Raises :class:`RecordingError` if it isn't a readable one.

        ``source`` is one of:

        - a path to a ``.ttrec`` file;
        - the bytes of one (``bytes``, ``bytearray``, ``memoryview``), or a binary file
          object to read them from (an upload);
        - a store with ``session``: a :class:`~timetravel.stores.Store`, or anything
          :func:`~timetravel.stores.open_store` takes (``"sqlite:///x.db"``, a folder); or
          the two in one string, ``"sqlite:///x.db#SESSION"`` (a path that exists as a file
          is always a file).

        With ``index=False`` only the preamble and header are read and checked (fast, for a
        viewer that wants to fail early); :meth:`refresh` then reads the frames, reporting
        progress, which a viewer can run in a background thread.
        """
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls("<bytes>", bytearray(source), source=None)
        if isinstance(source, Store) or (
            session is not None and isinstance(source, (str, os.PathLike))
        ):
            if session is None:
                raise RecordingError(f"{source!r}: a store needs a session to open")
            return cls._open_store(source, session, index)
        if not isinstance(source, (str, os.PathLike)):
            name = getattr(source, "name", None)
            where = name if isinstance(name, str) else "<stream>"
            try:
                raw: object = source.read()
            except (OSError, ValueError) as exc:
                raise RecordingError(f"{where}: can't read it ({exc})") from None
            if not isinstance(raw, (bytes, bytearray)):
                raise RecordingError(f"{where}: not a binary stream")
            return cls(where, bytearray(raw), source=None)
        name = os.fspath(source)
        if not os.path.isfile(name):
            located = split_location(name)
            if located is not None:
                return cls._open_store(located[0], located[1], index)
        try:
            with open(name, "rb") as f:
                if index:
                    data = bytearray(f.read())
                else:
                    data = bytearray(f.read(len(PREAMBLE) + RECORD_HEAD.size))
                    if len(data) == len(PREAMBLE) + RECORD_HEAD.size:
                        _, length, _ = RECORD_HEAD.unpack_from(data, len(PREAMBLE))
                        data += f.read(length)
        except FileNotFoundError:
            raise RecordingError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise RecordingError(f"{name}: is a directory, not a recording") from None
        except OSError as exc:
            raise RecordingError(f"{name}: can't read it ({exc.strerror or exc})") from None
        return cls(name, data)

    @classmethod
    def _open_store(
        cls, where: str | os.PathLike[str] | Store, session: str, index: bool
    ) -> Recording:
        store = open_store(where)
        folder = getattr(store, "path", None)
        if callable(folder):  # a folder store: the session is a file, read (and followed) as one
            path = folder(session)
            if not os.path.isfile(path):
                raise RecordingError(f"{store.url}: no session {session!r}")
            return cls.open(path, index=index)
        try:
            rows = store.rows(session) if index else store.rows(session)[:1]
        except (StoreError, ValueError) as exc:
            raise RecordingError(str(exc)) from None
        if not rows:
            raise RecordingError(f"{store.url}#{session}: the session has no records yet")
        data = bytearray(b"".join(d for _, d in rows))
        rec = cls(f"{store.url}#{session}", data, source=(store, session, rows[-1][0]))
        return rec

    def refresh(self, progress: Callable[[int, int], object] | None = None) -> int:
        """Read frames appended to the file since it was opened; returns how many are new.

        ``progress(done_bytes, total_bytes)`` hears how far indexing has come. A recording
        opened from a store reads the rows written after those it has; one opened from bytes
        has nothing to refresh.
        """
        idx = self._index
        source = self._source
        if source is None or source is False:
            return 0
        if isinstance(source, tuple):
            return self._refresh_rows(source, progress)
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < idx.end:
                    raise RecordingError(
                        f"{self.path}: the file shrank to {size} bytes (it had {idx.end}); "
                        "it was replaced or truncated, open it again"
                    )
                f.seek(idx.end)
                tail = f.read()
        except OSError as exc:
            raise RecordingError(f"{self.path}: can't read it ({exc.strerror or exc})") from None
        with self._lock:
            del self._data[idx.end :]
            self._data += tail
            return self._index_more(progress)

    def _index_more(self, progress: Callable[[int, int], object] | None) -> int:
        """Index the records after the last one indexed; how many frames are new."""
        idx = self._index
        before, kf_before, gaps_before = len(idx.frames), len(idx.keyframes), len(idx.gaps)
        try:
            end, truncated_at, header = scan(
                self._data, self.path, idx.end, idx.frames, idx.keyframes, progress, idx.gaps
            )
        except ScanError as exc:
            # Frames before the bad record stay readable; reading resumes at it, so a later
            # refresh reports it again rather than indexing anything twice.
            del idx.gaps[gaps_before:]
            idx.end, idx.truncated_at = exc.at, None
            self._settle()
            raise RecordingError(str(exc)) from None
        if header is not None:
            del idx.frames[before:], idx.keyframes[kf_before:], idx.gaps[gaps_before:]
            raise RecordingError(f"{self.path}: a second header record at byte {header[0]}")
        idx.end, idx.truncated_at = end, truncated_at
        self._settle()
        return len(idx.frames) - before

    def _refresh_rows(
        self, source: tuple[Store, str, int], progress: Callable[[int, int], object] | None
    ) -> int:
        store, session, last = source
        try:
            rows = store.rows(session, after=last)
        except (StoreError, ValueError) as exc:
            raise RecordingError(str(exc)) from None
        with self._lock:
            if rows:
                # Rows are whole records: they go after the bytes read before (not after the
                # last good record, as a file's tail does), so nothing is read twice.
                for _, data in rows:
                    self._data += data
                self._source = (store, session, rows[-1][0])
            return self._index_more(progress)

    def _settle(self) -> None:
        """The first frame is readable only with its keyframe, which the writer puts after it."""
        idx = self._index
        if not idx.frames or (idx.keyframes and idx.keyframes[0][0] == 0):
            return
        offset, length = idx.frames[0]
        if len(idx.frames) == 1 and offset + length == idx.end:
            # Written up to the first frame but not its keyframe yet: not complete.
            idx.frames.clear()
            idx.end = idx.truncated_at = offset - RECORD_HEAD.size
            return
        raise RecordingError(
            f"{self.path}: the first frame (byte {offset}) is not followed by its keyframe"
        )

    # --- header -------------------------------------------------------------------------------

    @property
    def header(self) -> dict[str, Any]:
        """The file header: ``format``, ``created``, ``options``, ``app``, ``keyframes``."""
        return self._index.header

    @property
    def version(self) -> int:
        """The format version the file was written in."""
        return int(self._index.header["format"])

    @property
    def created(self) -> float:
        """When recording started (epoch seconds)."""
        value = self._index.header.get("created")
        return float(value) if isinstance(value, (int, float)) else 0.0

    @property
    def app(self) -> dict[str, Any]:
        """App metadata from the header."""
        value = self._index.header.get("app")
        return value if isinstance(value, dict) else {}

    @property
    def options(self) -> dict[str, Any]:
        """The recorder's options (exclude, include, limit, redact, ...)."""
        value = self._index.header.get("options")
        return value if isinstance(value, dict) else {}

    @property
    def size(self) -> int:
        """Bytes of complete records read so far."""
        return self._index.end

    @property
    def truncated(self) -> bool:
        """True if the file ends inside a record (killed mid-write, or still being written)."""
        return self._index.truncated_at is not None

    @property
    def gaps(self) -> list[Gap]:
        """Damaged stretches of the file the reader skipped, in file order (usually none)."""
        return [self._gap(g) for g in range(len(self._index.gaps))]

    def _gap(self, g: int) -> Gap:
        offset, resumed, position = self._index.gaps[g]
        return Gap(offset, resumed, position, self._lost(position))

    def _lost(self, position: int) -> int | None:
        """Frames lost just before ``position`` (None if a frame by the gap is unreadable)."""
        if position == 0 or position >= len(self):
            return None if position else 0
        try:
            before = self._frame(position - 1, check=False).index
            after = self._frame(position, check=False).index
        except RecordingError:
            return None
        return after - before - 1 if after > before else None

    @property
    def notice(self) -> str | None:
        """A sentence about the file's state worth telling a user, or None."""
        parts = [g.describe() for g in self.gaps]
        at = self._index.truncated_at
        if at is not None:
            parts.append(
                f"the file ends inside a record at byte {at}; showing the "
                f"{len(self)} complete frames before it"
            )
        if not parts:
            return None
        return f"{self.path}: " + "; ".join(parts)

    @property
    def keyframes(self) -> list[int]:
        """Positions of the frames that have a keyframe (the whole state) after them."""
        return [pos for pos, _, _ in self._index.keyframes]

    @property
    def first_index(self) -> int:
        """``Frame.index`` of the first frame (0 unless saved from a folded history)."""
        if self._first_index is None:
            if not len(self):
                return 0  # not known until the first frame is there
            self._first_index = self._frame(0, check=False).index
        return self._first_index

    # --- frames -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._index.frames)

    @overload
    def __getitem__(self, i: int) -> Frame: ...
    @overload
    def __getitem__(self, i: slice) -> list[Frame]: ...
    def __getitem__(self, i: int | slice) -> Frame | list[Frame]:
        if isinstance(i, slice):
            return [self._frame(p) for p in range(*i.indices(len(self)))]
        return self._frame(self._position(i))

    def __iter__(self) -> Iterator[Frame]:
        for pos in range(len(self)):
            yield self._frame(pos)

    def _position(self, i: int) -> int:
        n = len(self)
        pos = i + n if i < 0 else i
        if not 0 <= pos < n:
            raise IndexError(f"frame {i} is out of range (the recording has {n} frames)")
        return pos

    def _decode(self, offset: int, length: int, what: str) -> Any:
        try:
            with self._lock:
                data = bytes(self._data[offset : offset + length])
            return _codec.decode(data)
        except _codec.DecodeError as exc:
            raise RecordingError(
                f"{self.path}: {what} at byte {offset} is corrupt: {exc}"
            ) from None

    def _frame(self, pos: int, check: bool = True) -> Frame:
        with self._lock:
            return self._decode_frame(pos, check)

    def _decode_frame(self, pos: int, check: bool) -> Frame:
        cache = self._cache
        frame = cache.get(pos)
        if frame is not None:
            cache.move_to_end(pos)
            return frame
        offset, length = self._index.frames[pos]
        try:
            frame = decode_frame(bytes(self._data[offset : offset + length]))
        except _codec.DecodeError as exc:
            raise RecordingError(
                f"{self.path}: frame {pos} at byte {offset} is corrupt: {exc}"
            ) from None
        if check and pos and frame.index != self._expected_index(pos, frame.index):
            raise RecordingError(
                f"{self.path}: frame {pos} at byte {offset} says it is frame {frame.index}; "
                "frames are out of order (the file is corrupted)"
            )
        cache[pos] = frame
        if len(cache) > _FRAME_CACHE:
            cache.popitem(last=False)
        return frame

    def _gap_before(self, pos: int) -> int | None:
        """Position of the first frame after the last gap at or before ``pos``, if any."""
        gaps = self._index.gaps
        if not gaps:
            return None
        g = bisect_right([p for _, _, p in gaps], pos) - 1
        return gaps[g][2] if g >= 0 else None

    def _expected_index(self, pos: int, found: int) -> int:
        """The index frame ``pos`` must have: counted from the first frame, or from the first
        frame after a gap (which itself must come after the frame before the gap)."""
        start = self._gap_before(pos)
        if start is None:
            return self.first_index + pos
        if pos == start:
            before = self._frame(pos - 1, check=False).index if pos else found - 1
            return found if found > before else before + 1
        return self._frame(start, check=False).index + (pos - start)

    def _lost_between(self, kpos: int, pos: int) -> tuple[int, int] | None:
        """(offset, position) of a gap that lost frames after ``kpos`` up to ``pos``."""
        gaps = self._index.gaps
        if not gaps:
            return None
        positions = [p for _, _, p in gaps]
        for g in range(bisect_left(positions, kpos + 1), bisect_right(positions, pos)):
            if self._lost(positions[g]) != 0:
                return gaps[g][0], positions[g]
        return None

    def summary(self) -> Summary:
        """Counts of the whole recording (frames, triggers, pages, keys), mostly from the index.

        Files written by this version store a summary of the frames before each keyframe in
        the frame record the keyframe follows, so only those records, the frames after the
        last keyframe, and the first and last frames are decoded. A stored summary is checked
        like any other input; one that is malformed, that does not cover exactly the frames
        since the keyframe before, or that spans a damaged stretch of the file is not used:
        those frames are decoded instead. Raises :class:`RecordingError` if a frame that has
        to be decoded is corrupt.
        """
        with self._lock:
            idx = self._index
            n = len(idx.frames)
            total = FrameTally()
            decoded = 0
            stored = idx.header.get("summary") == SUMMARY_VERSION
            gap_positions = [p for _, _, p in idx.gaps]
            done = 0  # frames before this position are counted
            for kpos, _, _ in idx.keyframes:
                if kpos < done:
                    continue
                tally = self._stored_tally(kpos) if stored else None
                if (
                    tally is not None
                    and tally.frames == kpos + 1 - done
                    and bisect_right(gap_positions, kpos) == bisect_left(gap_positions, done)
                ):
                    total.merge(tally)
                else:
                    for p in range(done, kpos + 1):
                        total.add(self._frame(p))
                    decoded += kpos + 1 - done
                done = kpos + 1
            for p in range(done, n):
                total.add(self._frame(p))
            decoded += max(0, n - done)
            first = self._frame(0).time if n else None
            last = self._frame(n - 1).time if n else None
        return Summary(
            frames=n,
            first_time=first,
            last_time=last,
            triggers=total.triggers,
            restores=total.restores,
            pages=list(total.pages),
            keys=list(total.keys.values()),
            decoded=decoded,
        )

    def _stored_tally(self, pos: int) -> FrameTally | None:
        """The summary stored in frame ``pos``'s record, or None if it has none or a bad one."""
        offset, length = self._index.frames[pos]
        try:
            return decode_summary(bytes(self._data[offset : offset + length]))
        except _codec.DecodeError:
            return None  # the frames are decoded instead, which reports what is wrong

    # --- states -------------------------------------------------------------------------------

    def _keyframe_state(self, pos: int) -> tuple[int, dict[Any, Any]]:
        kfs = self._index.keyframes
        k = bisect_right(kfs, (pos, float("inf"), 0)) - 1
        if k < 0:
            raise RecordingError(f"{self.path}: no keyframe at or before frame {pos}")
        return self._load_keyframe(k)

    def _load_keyframe(self, k: int) -> tuple[int, dict[Any, Any]]:
        """The ``k``-th keyframe: (frame position, a fresh state)."""
        kpos, offset, length = self._index.keyframes[k]
        raw = self._decode(offset, length, f"keyframe of frame {kpos}")
        if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[1], dict)):
            raise RecordingError(f"{self.path}: keyframe at byte {offset} is malformed")
        return kpos, raw[1]

    def _advance(self, state: dict[Any, Any], pos: int) -> None:
        self._apply(state, self._frame(pos), pos)

    def _apply(self, state: dict[Any, Any], frame: Frame, pos: int) -> None:
        try:
            apply_changes(state, frame.changes, False, _copy, _ignore)
        except Exception as exc:  # a hostile row can make any container method fail
            raise RecordingError(
                f"{self.path}: frame {pos} does not apply to the state before it "
                f"({type(exc).__name__}: {exc}); the file is corrupted"
            ) from None

    def state_at(self, i: int) -> dict[Any, Any]:
        """The whole state after frame ``i`` (a fresh dict the caller may keep or change)."""
        pos = self._position(i)
        kpos, state = self._keyframe_state(pos)
        lost = self._lost_between(kpos, pos)
        if lost is not None:
            later = [p for p, _, _ in self._index.keyframes if p > pos]
            after = f"from frame {later[0]} on" if later else "at no later frame"
            raise RecordingError(
                f"{self.path}: the state at frame {pos} can't be rebuilt: frames before it "
                f"were lost to a damaged record at byte {lost[0]} (states are readable again "
                f"{after}, from the next keyframe)"
            )
        for p in range(kpos + 1, pos + 1):
            self._advance(state, p)
        return state

    def states(
        self, start: int | None = None, stop: int | None = None
    ) -> Iterator[tuple[Frame, dict[Any, Any]]]:
        """Walk the states forward: ``(frame, state after it)`` for each frame from ``start``
        up to ``stop`` (positions, taken like a slice's: ``states(-10)`` is the last ten).

        The state at ``start`` is rebuilt as by :meth:`state_at`; after that each frame's
        changes are applied once, so walking n frames costs about one :meth:`state_at` plus n
        frames, not n times :meth:`state_at`.

        **The state is the same dict every time, updated in place** as the walk goes on (and
        the values inside it too): use or serialise it before asking for the next one, and
        copy it (:func:`copy.deepcopy`) to keep it. Raises :class:`RecordingError` where a
        state can't be rebuilt (a corrupt frame, or frames lost to a damaged record before the
        next keyframe), as :meth:`state_at` does, after yielding the states before it.
        """
        first, end, _ = slice(start, stop).indices(len(self))
        if first >= end:
            return
        gaps = {p for _, _, p in self._index.gaps}
        state = self.state_at(first)
        yield self._frame(first), state
        for pos in range(first + 1, end):
            if pos in gaps and self._lost(pos) != 0:
                # Frames are missing before this one: start again from its keyframe (or say
                # why that can't be done, as state_at does), in the same dict.
                fresh = self.state_at(pos)
                state.clear()
                state.update(fresh)
                frame = self._frame(pos)
            else:
                frame = self._frame(pos)
                self._apply(state, frame, pos)
            yield frame, state

    def history(self, path: Sequence[Hashable] | Hashable) -> list[tuple[Frame, Any, Any]]:
        """Every frame that changed the value at ``path``, as ``(frame, old, new)``.

        ``path`` is a tuple of keys and indices from a top-level key (a bare key is accepted).
        A value that did not exist is :data:`~timetravel.MISSING`. Changes above the path
        (the whole parent replaced) and below it (a field inside it) both count.
        """
        key = tuple(path) if isinstance(path, (tuple, list)) else (path,)
        if not key:
            raise ValueError("history() needs a path of at least one key")
        n = len(key)
        out: list[tuple[Frame, Any, Any]] = []
        if not len(self):
            return out
        kpos, state = self._keyframe_state(0)
        first = self._frame(0)
        if kpos != 0:
            raise RecordingError(f"{self.path}: the first frame has no keyframe")
        if any(c.path[:n] == key or key[: len(c.path)] == c.path for c in first.changes):
            new = _lookup(state, key)
            if new is not MISSING:
                out.append((first, MISSING, _copy(new)))
        kf_positions = self.keyframes
        resume: int | None = None  # after frames lost in a gap, wait for the next keyframe
        for pos in range(1, len(self)):
            frame = self._frame(pos)
            if resume is None and self._lost_between(pos - 1, pos) is not None:
                resume = next((p for p in kf_positions if p >= pos), len(self))
            if resume is not None:
                if pos == resume:
                    _, state = self._load_keyframe(kf_positions.index(pos))
                    resume = None
                continue
            hit = any(c.path[:n] == key or key[: len(c.path)] == c.path for c in frame.changes)
            before = _copy(_lookup(state, key)) if hit else None
            self._advance(state, pos)
            if hit:
                after = _lookup(state, key)
                if not values_equal(before, after):
                    out.append((frame, before, _copy(after)))
        return out

    def search(
        self, query: str | re.Pattern[str] | Query, *, start: int = 0, stop: int | None = None
    ) -> Iterator[Match]:
        """Every frame where a value matching ``query`` appeared, changed or disappeared, as a
        :class:`~timetravel.Match` for each, in order, from position ``start`` up to ``stop``
        (taken as a slice's).

        ``query`` is text (``"milk"``, case-insensitive, over keys and values), a regex
        (``"/mi+lk/i"`` or a compiled pattern) or a key path with an optional predicate
        (``'todos[*].title == "buy milk"'``, ``"count > 10"``, ``"$count"``); see
        :mod:`timetravel.search`. It is read at once: a malformed one raises
        :class:`~timetravel.QueryError` here. The frames are read as the iterator is
        consumed, so the first matches come before the whole recording is read; each
        frame's changes are matched, not whole states. Raises :class:`RecordingError` when
        it meets a corrupt frame, after yielding the matches before it; frames whose state a
        damaged record lost are skipped.
        """
        return _search(self, query, start, stop)

    def diff(self, i: int, j: int) -> tuple[Change, ...]:
        """The changes that turn the state at frame ``i`` into the state at frame ``j``."""
        a, b = self.state_at(i), self.state_at(j)
        keys = list(a) + [k for k in b if k not in a]
        return tuple(Syncer(_copy).sync_mapping(a, b, keys))

    def __repr__(self) -> str:
        return f"<Recording {self.path!r}: {len(self)} frames>"
