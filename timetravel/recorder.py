"""The Recorder: records a mutable mapping frame by frame and restores any recorded frame."""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import sys
import time
import warnings
from collections.abc import (
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass, replace
from typing import IO, Any, overload

from ._engine import _PLAIN, Skip, Syncer, apply_change, apply_changes
from ._format import DEFAULT_REDACT, Redactor, Writer
from ._line import FOLD, MERGE, RESET, STEP, UndoLine
from .errors import TimetravelWarning
from .kinds import Locator, kind_of
from .model import Change, Frame, Input, format_path
from .recording import Recording
from .values import ATOMIC, ObjectRecord, Opaque, Redacted, copy_value, values_equal

__all__ = ["Branch", "Recorder"]

logger = logging.getLogger("timetravel")

Sink = str | os.PathLike[str] | IO[bytes]


class KeyFilter:
    """Which top-level keys are recorded: not in ``exclude`` and, if given, in ``include``.

    String entries may be shell-style patterns (``"FormSubmitter:*"``). ``exclude`` may also be
    a predicate on a key, asked afresh at every capture (for keys known only at run time).
    """

    def __init__(
        self,
        exclude: Iterable[Hashable] | Callable[[Hashable], bool] = (),
        include: Iterable[Hashable] | None = None,
    ):
        self.predicate = exclude if callable(exclude) else None
        self.exclude = [] if callable(exclude) else list(exclude)
        self.include = None if include is None else list(include)
        self._cache: dict[Hashable, bool] = {}
        # No rules at all: every key is recorded.
        self.everything = self.predicate is None and not self.exclude and self.include is None

    @staticmethod
    def _matches(key: Hashable, rules: list[Hashable]) -> bool:
        for rule in rules:
            if rule == key:
                return True
            if (
                isinstance(rule, str)
                and isinstance(key, str)
                and any(c in rule for c in "*?[")
                and fnmatch.fnmatchcase(key, rule)
            ):
                return True
        return False

    def __call__(self, key: Hashable) -> bool:
        if self.predicate is not None and self.predicate(key):
            return False
        try:
            return self._cache[key]
        except KeyError:
            pass
        ok = not self._matches(key, self.exclude) and (
            self.include is None or self._matches(key, self.include)
        )
        self._cache[key] = ok
        return ok


class FrameList(Sequence[Frame]):
    """A read-only view of the frames a recorder holds in memory (oldest first)."""

    __slots__ = ("_frames",)

    def __init__(self, frames: list[Frame]) -> None:
        self._frames = frames

    @overload
    def __getitem__(self, i: int) -> Frame: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Frame]: ...
    def __getitem__(self, i: int | slice) -> Frame | Sequence[Frame]:
        return self._frames[i]

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._frames)

    def __repr__(self) -> str:
        return f"<FrameList of {len(self._frames)} frames>"


def _approx_size(value: Any, depth: int = 0) -> int:
    """A cheap estimate of the memory a recorded value holds."""
    t = type(value)
    if t in ATOMIC:
        return sys.getsizeof(value)
    if depth > 20:
        return 64
    if t is dict:
        return sys.getsizeof(value) + sum(
            _approx_size(k, depth + 1) + _approx_size(v, depth + 1) for k, v in value.items()
        )
    if t in (list, tuple, set, frozenset):
        return sys.getsizeof(value) + sum(_approx_size(v, depth + 1) for v in value)
    kind = kind_of(value)
    if kind is not None:
        return kind.size(value)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes + 112
    return sys.getsizeof(value, 256)


def _frame_size(frame: Frame) -> int:
    size = 200
    getsizeof, atomic = sys.getsizeof, ATOMIC
    for c in frame.changes:  # atomic values inline: a restore frame may hold thousands
        old, new = c.old, c.new
        size += 120 + getsizeof(c.path)
        size += getsizeof(old) if type(old) in atomic else _approx_size(old)
        size += getsizeof(new) if type(new) in atomic else _approx_size(new)
    return size


def _contains_opaque(value: Any) -> bool:
    t = type(value)
    if t is Opaque:
        return True
    if t is dict:
        return any(_contains_opaque(v) for v in value.values())
    if t in (list, tuple):
        return any(_contains_opaque(v) for v in value)
    if t is ObjectRecord:
        return _contains_opaque(value.fields)
    return False


def _contains_foreign(value: Any) -> bool:
    """Whether ``value`` holds a stand-in a file gives for what it can't keep: an
    :class:`Opaque` or :class:`ObjectRecord` record, or the ``REDACTED`` marker."""
    t = type(value)
    if t is Opaque or t is ObjectRecord or t is Redacted:
        return True
    if t is dict:
        return any(_contains_foreign(k) or _contains_foreign(v) for k, v in value.items())
    if t in (list, tuple, set, frozenset):
        return any(_contains_foreign(v) for v in value)
    return False


@dataclass(frozen=True, slots=True)
class Branch:
    """Steps an undo left behind: off the undo line, still in memory, reachable by a jump.

    ``frames`` are the frame indices of its steps, oldest first: each step was taken from
    the one before it, the first from ``fork`` (a step on the line, a step of another
    branch, or None when that step was folded away). ``tip`` is the newest.
    """

    fork: int | None
    frames: tuple[int, ...]

    @property
    def tip(self) -> int:
        """The frame index of the branch's newest step: jump there to get its state back."""
        return self.frames[-1]


class Recorder:
    """Records a mutable mapping (``st.session_state``, a dict) once per :meth:`capture`.

    Each capture that changed something becomes a :class:`~timetravel.Frame` holding only the
    changes. :meth:`undo`, :meth:`redo` and :meth:`jump` write an earlier state back into the
    mapping and append a frame of their own, so nothing recorded is ever lost.

    Args:
        state: the mapping to record; it is read on capture and written on restore.
        exclude: top-level keys (or shell patterns) never recorded nor restored, or a
            predicate on a key.
        include: if given, only these keys (or patterns) are recorded.
        limit: the most frames kept in memory; older ones fold into the base state.
        max_bytes: the most memory the history may hold (estimated); older frames fold.
        coalesce_ms: captures within this many milliseconds of the previous one join its undo
            step (typing in a text box). Every frame is still kept and written.
        redact: key names whose values never reach a file: substrings (matched at any depth,
            any case), a predicate on a key, or None. Undo still restores them from memory.
        sink: a path or a binary stream to write the recording to as it goes. A path is
            locked while the recorder writes it: a second recorder on it raises
            :class:`~timetravel.errors.RecordingInUseError`. Once the sink is open, a failed
            write never raises: it is logged once (logger ``"timetravel"``) and recording
            goes on in memory.
        meta: app metadata for the file header (app name, version, ...).
    """

    def __init__(
        self,
        state: MutableMapping[Any, Any],
        *,
        exclude: Iterable[Hashable] | Callable[[Hashable], bool] = (),
        include: Iterable[Hashable] | None = None,
        limit: int | None = None,
        max_bytes: int | None = None,
        coalesce_ms: float = 0,
        redact: Iterable[str] | Callable[[Hashable], bool] | None = DEFAULT_REDACT,
        sink: Sink | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1 frame, not {limit}")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        if coalesce_ms < 0:
            raise ValueError(f"coalesce_ms can't be negative ({coalesce_ms})")
        self._state = state
        self._allowed = KeyFilter(exclude, include)
        self.limit = limit
        self.max_bytes = max_bytes
        self.coalesce_ms = coalesce_ms
        self._redactor = Redactor(redact)
        self._meta = dict(meta or {})
        self._shadow: dict[Any, Any] = {}  # private copy of the state at the last frame
        self._frames: list[Frame] = []
        self._sizes: list[int] = []
        self._bytes = 0
        self._next_index = 0
        # The undo line: frames that undo/redo step through, and the tree of every step. Its
        # operations are logged and go into the next frame that settles (Frame.line_ops).
        self._line = UndoLine()
        self._line.log = []
        # Whether the frames in memory carry every line operation since the line was empty
        # (not after a fold or clear(), nor after resuming approximately): save() writes them.
        self._line_exact = True
        # Resumed from a file: history may hold the stand-ins a file gives for what it can't
        # keep, which are never restored; and top-level keys whose value at the last frame is
        # such a stand-in, which take the app's value at the next capture (resume_from()).
        self._unrestorable: Callable[[Any], bool] = _contains_opaque
        self._unsettled: set[Hashable] = set()
        # The newest frame is open while an action is still under way (capture(hold=True)):
        # later captures add to it, and it reaches the sink when it settles.
        self._open = False
        self._open_is_step = False
        self._paused = False
        self._last_capture: float | None = None
        self._last_was_capture = False
        self._restoring = False  # folding waits until a restore has run
        self._opaque_seen: set[str] = set()
        self._opaque_warned: set[str] = set()
        self._restore_warned: set[str] = set()
        self.page: str | None = None
        # Decides whether a capture's changes join the current undo step instead of starting
        # one (the Streamlit layer: runs that no user action started).
        self.merge_if: Callable[[Sequence[Change]], bool] | None = None
        # Reads the whole state at once for a capture, where reading the mapping key by key
        # is slow (Streamlit's session-state proxy). The values must be the live objects.
        self.read_state: Callable[[], Mapping[Any, Any]] | None = None
        # Gives each frame, as it settles, what the user sent for it (Frame.inputs): the
        # Streamlit layer, so that a recording can be replayed. None: frames carry none.
        self.inputs_for: Callable[[Frame], tuple[Input, ...] | None] | None = None
        self._writer: Writer | None = None
        self._write_failed = False
        if sink is not None:
            # A path that can't be opened (or that another recorder writes) is a mistake to
            # report; a disk that fills up, even at the header, is not the app's problem.
            writer = Writer.create(sink, self._redactor)
            try:
                writer.write_header(self._options(), self._meta)
                self._writer = writer
            except Exception as exc:
                self._writing_failed(writer.name, exc)

    @classmethod
    def resume_from(
        cls,
        recording: Recording | str | os.PathLike[str],
        state: MutableMapping[Any, Any],
        *,
        sink: Sink | None = None,
        exclude: Iterable[Hashable] | Callable[[Hashable], bool] = (),
        include: Iterable[Hashable] | None = None,
        limit: int | None = None,
        max_bytes: int | None = None,
        coalesce_ms: float = 0,
        redact: Iterable[str] | Callable[[Hashable], bool] | None = DEFAULT_REDACT,
    ) -> Recorder:
        """A recorder that carries on a recording: its latest state and its undo history.

        ``recording`` is a :class:`~timetravel.Recording` or the path of one. The recorder
        holds its most recent frames (those that ``limit`` and ``max_bytes`` leave), writes
        the state at the last frame into ``state``, and rebuilds the undo line and its
        branches from the line operations frames carry, so that undo, redo and jump do what
        they would have done in the recorder that wrote the file (files written without
        them: see docs/api.md, "Resuming a recording"). New frames continue its indices.

        In ``state``, every recorded key takes its value at the last frame and recorded keys
        the recording does not have are removed; excluded keys are not touched. A key whose
        value a file could not keep (a secret, an :class:`~timetravel.Opaque` or
        :class:`~timetravel.ObjectRecord` record anywhere in it) is not written: it is left
        as the app has it, or absent, and the next capture takes the app's value as it is,
        recording no change for it. Undo, redo and jump leave such values as they are.

        ``sink`` continues the same file: the recording's own path (locked and appended to;
        an incomplete record a crash left at its end is cut off), or a binary stream
        positioned at its end. No second header is written; the first frame written has a
        keyframe after it. The other arguments are the constructor's: pass the ones the
        recording was made with (``merge_if`` and ``read_state`` are set afterwards, as for
        any recorder). Raises :class:`~timetravel.errors.RecordingError` for a file that
        can't be read or was written since it was read, and ValueError for a path ``sink``
        that is not the recording's file.
        """
        if not isinstance(recording, Recording):
            recording = Recording.open(recording)
        rec = cls(
            state,
            exclude=exclude,
            include=include,
            limit=limit,
            max_bytes=max_bytes,
            coalesce_ms=coalesce_ms,
            redact=redact,
        )
        writer = None
        if sink is not None:
            if isinstance(sink, (str, os.PathLike)) and not _same_file(sink, recording.path):
                raise ValueError(
                    f"sink {os.fspath(sink)!r} is not the recording's file "
                    f"{recording.path!r}: a resumed recorder appends to the recording it "
                    "carries on"
                )
            writer = Writer.append(sink, rec._redactor, recording.size)
        try:
            rec._load(recording)
        except BaseException:
            if writer is not None:
                writer.close()
            raise
        rec._writer = writer
        return rec

    def _load(self, recording: Recording) -> None:
        """Take over the frames, the last state and the undo line of ``recording``."""
        n = len(recording)
        if not n:
            return
        # Frames before a damaged stretch can't be chained to those after it.
        start = max((g.position for g in recording.gaps), default=0)
        frames = recording[start:]
        last = frames[-1]
        shadow = recording.state_at(n - 1)
        line, base, exact, fell_back = _rebuild_line(frames, exact=start == 0)
        # An older file does not say whether a restore's own run changed something too
        # (the restore frame is then that step): the states do. The mapping holds the state
        # after the last frame that changed something, and so must the current step.
        placing = next((f for f in reversed(frames) if f.changes), frames[0])
        position = line.position
        if (fell_back or placing.line_ops is None) and position != placing.index:
            at = -1 if position is None else position - frames[0].index
            if not 0 <= at < len(frames) or not values_equal(
                recording.state_at(start + at), shadow
            ):
                line.merge(placing.index)
        memory = [f for f in frames if f.index >= base]
        self._line = line
        self._line_exact = exact
        self._frames = memory
        self._sizes = [_frame_size(f) for f in memory]
        self._bytes = sum(self._sizes)
        self._next_index = last.index + 1
        self._shadow = shadow
        self.page = last.page
        self._unrestorable = _contains_foreign
        # Coalescing carries on as if there had been no interruption (the clock is the
        # frames' wall time: the recording process's monotonic clock is gone).
        for frame in frames:
            if frame.restores is not None:
                self._last_was_capture = False
            elif frame.changes or frame.index == 0:  # the first capture is always a step
                self._last_was_capture = True
                ago = max(0.0, time.time() - frame.time)
                self._last_capture = time.monotonic() - ago
        # Write the state into the live mapping, except what a file can't give back.
        allowed = self._allowed
        unsettled = {k for k, v in shadow.items() if allowed(k) and _contains_foreign(v)}
        keys = [k for k in shadow if allowed(k) and k not in unsettled]
        keys.extend(k for k in list(self._state.keys()) if k not in shadow and allowed(k))
        Syncer(self._to_live, in_place=False).sync_mapping(self._state, shadow, keys)
        self._unsettled = unsettled
        self._fold()  # as the recorder that wrote the file did after its last frame

    # --- public properties ------------------------------------------------------------------

    @property
    def state(self) -> MutableMapping[Any, Any]:
        """The live mapping being recorded."""
        return self._state

    @property
    def frames(self) -> FrameList:
        """The frames held in memory, oldest first (all of them unless ``limit`` folded some)."""
        return FrameList(self._frames)

    @property
    def position(self) -> int | None:
        """Index of the frame whose state the mapping holds now (None before any capture)."""
        return self._line.position

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` has an earlier step to go back to."""
        return self._line.can_undo

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` has an undone step to go forward to."""
        return self._line.can_redo

    @property
    def paused(self) -> bool:
        return self._paused

    def branches(self, forks: Iterable[int | None] | None = None) -> list[Branch]:
        """The branches of the undo history: the steps that undone actions left behind when
        a new action was taken, which redo can no longer reach but :meth:`jump` can.

        Every branch, listed so that one comes after the branch it forks from; or, with
        ``forks``, the branches that fork from those frames (None: from a step folded
        away), fork by fork, at a cost that grows with theirs and not the history's. They
        hold frames in memory only. Read-only: new objects at each call.
        """
        line = self._line
        if forks is None:
            return [Branch(line.parent_of(chain[0]), chain) for chain in line.branches()]
        on_line = set(line.steps)
        found: list[Branch] = []
        for fork in forks:
            if fork is None:
                starts = [n for n in line.roots() if n not in on_line]
            elif fork in line:
                starts = [c for c in line.children_of(fork) if c not in on_line]
                if fork not in on_line:
                    starts = starts[1:]  # the oldest carries on the branch ``fork`` is on
            else:
                continue
            for node in starts:
                chain = [node]
                while True:
                    nxt = next((c for c in line.children_of(chain[-1]) if c not in on_line), None)
                    if nxt is None:
                        break
                    chain.append(nxt)
                found.append(Branch(fork, tuple(chain)))
        return found

    def is_secret(self, key: Hashable) -> bool:
        """Whether values under ``key`` (a key name, or a label) never reach a file
        (``redact``): what shows them in words must not show them either."""
        return self._redactor.is_secret(key)

    @property
    def sink_name(self) -> str | None:
        """Where the recording is being written, if anywhere."""
        return self._writer.name if self._writer is not None else None

    # --- recording ----------------------------------------------------------------------------

    def capture(
        self,
        trigger: str | None = None,
        label: str | None = None,
        *,
        page: str | None = None,
        empty: bool = False,
        hold: bool = False,
    ) -> Frame | None:
        """Record what changed since the last frame.

        Returns the new frame, or None when nothing changed or the recorder is paused. The
        first capture always records a frame (trigger ``"initial"`` unless given): the whole
        state as it is, which undo can return to. With ``empty=True`` a frame is recorded
        even when nothing changed (to log that something happened); it is not an undo step.

        With ``hold=True`` the frame stays open: the captures that follow add their changes
        to it (keeping its index, trigger and label) instead of making frames of their own,
        until one without ``hold`` or :meth:`settle` closes it. An action whose effects come in
        several steps is one frame and one undo step, and can be shown before it is complete.
        An open frame reaches the sink when it settles.
        """
        if page is not None:
            self.page = page
        if self._paused:
            return None
        if self._open:
            return self._amend(trigger, label, hold)
        return self._capture(trigger, label, empty, hold)

    def discard(self) -> bool:
        """Put back what changed since the last frame, recording nothing. True if anything did.

        For changes that are not the user's doing: say, stale values a browser sent with a
        click. The mapping returns to the state of the last frame (an open frame included).
        """
        live = self._read()
        if self._unsettled:
            self._adopt(live)
        keys = self._keys(live)
        rows = Syncer(self._to_live, in_place=False).sync_mapping(self._state, self._shadow, keys)
        return bool(rows)

    def settle(self) -> Frame | None:
        """Close the open frame (see ``capture(hold=True)``) as it is; returns it, if any."""
        if not self._open:
            return None
        self._open = False
        return self._seal()

    def label_open_frame(self, label: str | None) -> Frame | None:
        """Name the frame still open (see ``capture(hold=True)``): it is written with
        ``label``, whatever label it was opened with. Returns it; None if no frame is open.

        For a name known only once the action is under way (an app naming its own action).
        """
        if not self._open:
            return None
        frame = self._frames[-1] = replace(self._frames[-1], label=label)
        return frame

    @property
    def open_frame(self) -> Frame | None:
        """The frame still open for changes (``capture(hold=True)``, a held restore), if any."""
        return self._frames[-1] if self._open else None

    def _capture(
        self, trigger: str | None, label: str | None, empty: bool = False, hold: bool = False
    ) -> Frame | None:
        first = self._next_index == 0
        live = self._read()
        if self._unsettled:
            self._adopt(live)
        rows = self._sync_live(live)
        if not rows and not first:
            if empty:
                frame = Frame(self._next_index, time.time(), trigger, label, self.page, ())
                self._append(frame, hold)
                self._open_is_step = False
                return frame
            return None
        if first and trigger is None:
            trigger = "initial"
        frame = Frame(self._next_index, time.time(), trigger, label, self.page, tuple(rows))
        self._place(frame)
        self._last_was_capture = True
        self._append(frame, hold)
        self._open_is_step = True
        self._warn_opaque()
        return frame

    def _place(self, frame: Frame) -> None:
        """Put a frame that changed something on the undo line."""
        now = time.monotonic()
        line = self._line
        merge = (
            self.coalesce_ms > 0
            and self._last_was_capture
            and self._last_capture is not None
            and (now - self._last_capture) * 1000 <= self.coalesce_ms
            and line.at_newest
            and len(line) >= 2
        )
        if merge:
            # Same undo step: this frame takes the place of the previous one on the line.
            line.merge(frame.index)
        elif (
            line.position is not None and self.merge_if is not None and self.merge_if(frame.changes)
        ):
            # Part of the current step; what could be redone still can be.
            line.merge(frame.index)
        else:
            line.step(frame.index)
        self._last_capture = now

    def _amend(self, trigger: str | None, label: str | None, hold: bool) -> Frame:
        """Add what changed since the open frame to it."""
        frame = self._frames[-1]
        live = self._read()
        if self._unsettled:
            self._adopt(live)
        rows = self._sync_live(live)
        if rows:
            frame = Frame(
                frame.index,
                frame.time,
                frame.trigger if frame.trigger is not None else trigger,
                frame.label if frame.label is not None else label,
                self.page if self.page is not None else frame.page,
                frame.changes + tuple(rows),
                frame.restores,
            )
            self._frames[-1] = frame
            size = _frame_size(frame)
            self._bytes += size - self._sizes[-1]
            self._sizes[-1] = size
            if not self._open_is_step:
                self._place(frame)  # an empty frame that now changed something: a step
                # Typing coalesces into captures only, never into a restore frame (a held
                # jump that changed nothing): so a resumed recorder knows it from the file.
                self._last_was_capture = frame.restores is None
                self._open_is_step = True
            elif frame.restores is not None and self._line.position != frame.index:
                # What the restore's run wrote is part of that step: undo and redo come back
                # to the state this frame holds.
                self._line.merge(frame.index)
            self._warn_opaque()
        if not hold:
            self.settle()
        return frame

    def _adopt(self, live: Mapping[Any, Any]) -> None:
        """Take the app's values of the keys that resuming did not write (see
        :meth:`resume_from`) as they are, recording no change for them."""
        for key in self._unsettled:
            if key in live:
                self._shadow[key] = self._to_shadow(live[key])
            else:
                self._shadow.pop(key, None)
        self._unsettled.clear()

    def _read(self) -> Mapping[Any, Any]:
        return self._state if self.read_state is None else self.read_state()

    def _sync_live(self, live: Mapping[Any, Any]) -> list[Change]:
        """Bring the shadow up to date with the live state; the changes found."""
        syncer = Syncer(self._to_shadow)
        if type(live) is dict and self._allowed.everything:
            return syncer.sync_dicts(self._shadow, live)  # a few passes in C
        return syncer.sync_mapping(self._shadow, live, self._keys(live))

    def _keys(self, state: Mapping[Any, Any]) -> list[Hashable]:
        """The keys to compare: the live ones recorded, then recorded ones no longer live."""
        allowed = self._allowed
        live = list(state.keys())  # one pass over any Mapping
        keys = [k for k in live if allowed(k)]
        if self._shadow:
            present = set(live)
            keys.extend(k for k in self._shadow if k not in present and allowed(k))
        return keys

    def _to_shadow(self, value: Any) -> Any:
        return copy_value(value, keep_refs=True, opaque_types=self._opaque_seen)

    def _warn_opaque(self) -> None:
        new = self._opaque_seen - self._opaque_warned
        if new:
            self._opaque_warned |= new
            names = ", ".join(sorted(new))
            warnings.warn(
                f"timetravel: values of type {names} can't be copied; they are tracked by "
                "identity, recorded by type and repr, and not restored by undo/redo/jump",
                TimetravelWarning,
                stacklevel=4,
            )

    def _append(self, frame: Frame, hold: bool = False) -> None:
        self._frames.append(frame)
        size = _frame_size(frame)
        self._sizes.append(size)
        self._bytes += size
        self._next_index = frame.index + 1
        self._open = hold
        if not hold:
            self._seal()
        if not self._restoring:
            self._fold()

    def _seal(self) -> Frame:
        """The newest frame settles: it takes the line operations logged since the frame
        before, and is written."""
        log = self._line.log
        assert log is not None
        frame = replace(self._frames[-1], line_ops=tuple(log))
        log.clear()
        if self.inputs_for is not None:
            try:
                frame = replace(frame, inputs=self.inputs_for(frame))
            except Exception:  # inputs are for replay: never at the cost of the recording
                frame = replace(frame, inputs=None)
        self._frames[-1] = frame
        self._write(frame)
        return frame

    def _write(self, frame: Frame) -> None:
        if self._writer is None:
            return
        try:
            self._writer.write_frame(frame, lambda: self._shadow)
        except Exception as exc:
            name = self._writer.name
            self._writer.close()
            self._writer = None
            self._writing_failed(name, exc)
            return
        new = self._writer.unwritable - self._opaque_warned
        if new:  # once per type, as for values that can't be copied
            self._opaque_warned |= new
            warnings.warn(
                f"timetravel: values of type {', '.join(sorted(new))} can't be written to "
                f"{self._writer.name} so that they read back; the file keeps them as opaque "
                "records (type and repr), while undo/redo in the app restore them",
                TimetravelWarning,
                stacklevel=5,
            )

    def _writing_failed(self, name: str, exc: BaseException) -> None:
        """Log a failed sink once; the app never sees the error (an operational failure)."""
        if self._write_failed:
            return
        self._write_failed = True
        logger.warning(
            "timetravel: stopped writing the recording to %s (%s: %s); frames already "
            "written are intact and recording goes on in memory",
            name,
            type(exc).__name__,
            exc,
        )

    def _fold(self) -> None:
        n = len(self._frames)
        drop = max(0, n - self.limit) if self.limit is not None else 0
        if self.max_bytes is not None:
            total = self._bytes - sum(self._sizes[:drop])
            while total > self.max_bytes and n - drop > 1:
                total -= self._sizes[drop]
                drop += 1
        if not drop:
            return
        self._bytes -= sum(self._sizes[:drop])
        del self._frames[:drop]
        del self._sizes[:drop]
        self._line_exact = False
        self._line.fold(self._frames[0].index, self._stand_ins)

    def _stand_ins(self) -> dict[int, int]:
        """Frames in memory that hold the state of a step, by the step they stand in for.

        A restore frame holds exactly the state it restored, and the last frame holds the
        current step's state.
        """
        stand_in: dict[int, int] = {}
        for frame in self._frames:
            if frame.restores is not None:
                stand_in[frame.restores] = frame.index
        position = self._line.position
        if position is not None:
            stand_in[position] = self._frames[-1].index
        return stand_in

    # --- restoring ----------------------------------------------------------------------------

    def undo(self, *, hold: bool = False) -> bool:
        """Restore the state before the last step. False if there is nothing to undo.

        Changes not yet captured are captured first, so they are what gets undone. With
        ``hold=True`` the undo frame stays open (see ``capture(hold=True)``).
        """
        with self._restore_op():
            self._settle_pending()
            target = self._line.undo()
            if target is None:
                return False
            self._restore(target, "undo", hold)
            return True

    def redo(self, *, hold: bool = False) -> bool:
        """Restore the step that the last undo went back from. False if there is none."""
        with self._restore_op():
            self._settle_pending()
            target = self._line.redo()
            if target is None:
                return False
            self._restore(target, "redo", hold)
            return True

    def jump(self, index: int, *, hold: bool = False) -> Frame:
        """Restore the state of frame ``index`` (any frame still in memory, on any branch).

        A jump is a step like any capture: undo right after it returns to where the mapping
        was before the jump, and what could be redone before it can't be any more (the
        frames stay, and jump reaches them). Like a capture, a jump that changed nothing is
        no step. Returns the jump frame.
        """
        self._position_of(index)  # IndexError early, before anything is captured
        with self._restore_op():
            self._settle_pending()
            frame = self._restore(index, "jump", hold, step=True)
            if not frame.changes:
                self._open_is_step = False  # held, it becomes a step if something changes
            return frame

    def _settle_pending(self) -> None:
        """Capture changes not yet recorded (into the open frame, if any) and settle."""
        if self._open:
            self._amend(None, None, hold=False)
        else:
            self._capture(None, None)

    @contextlib.contextmanager
    def _restore_op(self) -> Iterator[None]:
        # The pending capture must not fold away the frame about to be restored.
        self._restoring = True
        try:
            yield
        finally:
            self._restoring = False
            self._fold()

    def _restore(self, index: int, trigger: str, hold: bool = False, step: bool = False) -> Frame:
        """Restore frame ``index``'s state and append the restore frame; with ``step``, a
        frame that changed something is a new step (placed before it is written)."""
        start = self._position_of(index) + 1
        applied: list[Change] = []
        skipped: dict[tuple[Hashable, ...], Change] = {}
        on_skip = _skip_into(skipped)
        allowed: dict[Hashable, bool] = {}
        shadow, make = self._shadow, self._from_history
        frames = self._frames[start:]
        if self._unrestorable is _contains_opaque:
            changes = _undoing(frames)
        else:  # resumed: a file's stand-ins are not restored either
            changes = _undoing(frames, self._unrestorable)
        for change in changes:
            # A value skipped earlier and then set again by an older change was restored.
            if skipped:
                skipped.pop(change.path, None)
            if not _put_back(shadow, change):
                apply_change(shadow, change, True, make, on_skip, strict=False)
            # A key excluded since it was recorded is neither restored nor deleted.
            key = change.path[0]
            ok = allowed.get(key)
            if ok is None:
                ok = allowed[key] = self._allowed(key)
            if ok:
                applied.append(change)
        # A list item that can't be restored went back into the copy as its recorded
        # stand-in, to keep the indices right. The app must never get a stand-in: such a
        # key is left as the app has it, and the copy made to match it again.
        held = {p[0] for p, c in skipped.items() if c.action.startswith("iterable_item")}
        if held:
            applied = [c for c in applied if c.path[0] not in held]
            Syncer(self._to_shadow).sync_mapping(self._shadow, self._state, list(held))
        # Live and shadow now differ only where those changes were: sync just there.
        rows = Syncer(self._to_live, in_place=False).sync_paths(
            self._state, self._shadow, applied
        )
        frame = Frame(self._next_index, time.time(), trigger, None, self.page, tuple(rows), index)
        if step and rows:
            self._line.step(frame.index)
        self._last_was_capture = False
        self._append(frame, hold)
        self._open_is_step = True  # an open restore frame never becomes a step of its own
        new = sorted({format_path(p) for p in skipped} - self._restore_warned)
        if new:  # once per place: the type itself was warned about when it was recorded
            self._restore_warned.update(new)
            why = (
                "could not be copied, or was read back from a file as a stand-in (a secret, "
                "an object record or an opaque value)"
                if self._unrestorable is _contains_foreign
                else "could not be copied"
            )
            warnings.warn(
                f"timetravel: {trigger} left {', '.join(new)} as it is: the recorded value "
                f"{why}, so it can't be restored",
                TimetravelWarning,
                stacklevel=3,
            )
        return frame

    def _from_history(self, value: Any) -> Any:
        if self._unrestorable(value):
            raise Skip
        return copy_value(value, keep_refs=False)

    @staticmethod
    def _to_live(value: Any) -> Any:
        return copy_value(value, keep_refs=True)

    def _position_of(self, index: int) -> int:
        if not self._frames:
            raise IndexError("no frames recorded yet")
        pos = index - self._frames[0].index
        if not 0 <= pos < len(self._frames):
            first, last = self._frames[0].index, self._frames[-1].index
            raise IndexError(f"frame {index} is not in memory (frames {first}..{last} are)")
        return pos

    def state_at(self, index: int) -> dict[Any, Any]:
        """A copy of the recorded state at frame ``index``."""
        pos = self._position_of(index)
        state: dict[Any, Any] = copy_value(self._shadow, keep_refs=False)
        for change in _undoing(self._frames[pos + 1 :]):
            apply_change(state, change, True, self._copy_history, _ignore, strict=False)
        return state

    @staticmethod
    def _copy_history(value: Any) -> Any:
        return copy_value(value, keep_refs=False)

    # --- control ------------------------------------------------------------------------------

    def pause(self) -> None:
        """Stop capturing; changes made meanwhile go into the next frame.

        That is the first capture after :meth:`resume`, or an undo, redo or jump, which
        always records pending changes first so that they can be redone.
        """
        self._paused = True

    def resume(self) -> None:
        """Capture again after :meth:`pause`."""
        self._paused = False

    def clear(self) -> None:
        """Forget the history in memory: the current state becomes the only step.

        A recording being written to a file keeps everything.
        """
        if not self._frames:
            return
        del self._frames[:-1]
        del self._sizes[:-1]
        self._bytes = self._sizes[0]
        self._line_exact = False
        self._line.reset(self._frames[0].index)

    def save(self, path: str | os.PathLike[str] | IO[bytes]) -> None:
        """Write the frames in memory to a recording file (redacted, like any file)."""
        if not self._frames:
            raise ValueError("nothing recorded yet: capture() at least once before save()")
        writer = Writer.open(path, self._redactor, self._options(), self._meta)
        log = self._line.log
        try:
            state = self.state_at(self._frames[0].index)
            for i, frame in enumerate(self._frames):
                if i:
                    apply_changes(state, frame.changes, False, self._copy_history, _ignore)
                # Line operations let a resumed recorder rebuild the undo line, but only from
                # the first step on: not after a fold or clear().
                if not self._line_exact:
                    frame = replace(frame, line_ops=None)
                elif frame.line_ops is None and log is not None:  # the open frame
                    frame = replace(frame, line_ops=tuple(log))
                writer.write_frame(frame, lambda: state)
        finally:
            writer.close()

    def close(self) -> None:
        """Settle the open frame, if any, and close the recording file, if one is being written."""
        self.settle()
        if self._writer is not None:
            self._writer.close()  # never raises: nothing is buffered
            if getattr(self._writer.stream, "closes_with_recorder", False):
                self._writer.stream.close()  # a store's session stream (timetravel.stores)
            self._writer = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _options(self) -> dict[str, Any]:
        def plain(keys: list[Hashable] | None) -> list[str] | None:
            return None if keys is None else [k if isinstance(k, str) else repr(k) for k in keys]

        return {
            "exclude": "custom" if self._allowed.predicate else plain(self._allowed.exclude),
            "include": plain(self._allowed.include),
            "limit": self.limit,
            "max_bytes": self.max_bytes,
            "coalesce_ms": self.coalesce_ms,
            "redact": self._redactor.describe(),
        }

    def __repr__(self) -> str:
        return (
            f"<Recorder {len(self._frames)} frames, position {self.position}, "
            f"{'paused' if self._paused else 'recording'}>"
        )


def _ignore(change: Change) -> None:
    pass


def _same_file(a: str | os.PathLike[str], b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _rebuild_line(
    frames: Sequence[Frame], exact: bool
) -> tuple[UndoLine, int, bool, bool]:
    """The undo line after ``frames`` (read from a file), the index of the oldest frame it
    keeps in memory, whether the line is exact from its first step on, and whether the
    operations did not replay (every frame was then placed approximately).

    A frame's ``line_ops`` are replayed as they were logged. A frame without them (a file
    written before they were) is placed approximately (:func:`_place_approximately`); so is
    every frame if the operations don't replay (a damaged or hostile file).
    """
    first, last = frames[0].index, frames[-1].index
    line = UndoLine()
    base = first
    fell_back = False
    try:
        for frame in frames:
            ops = frame.line_ops
            if ops is None:
                exact = False
                _place_approximately(line, frame, frame is frames[0])
                continue
            for op in ops:
                line.apply(op)
                if op[0] in (FOLD, RESET):
                    base = op[1]
                    exact = False
                elif op[0] in (STEP, MERGE) and op[1] > frame.index:
                    raise ValueError("an operation on a frame after the one carrying it")
        nodes = line.nodes()
        if not (
            first <= base <= last
            and line.steps
            and min(line.steps) >= base
            and max(line.steps) <= last
            and nodes[0] >= base
            and nodes[-1] <= last
        ):
            raise ValueError("the undo line does not fit the frames")
    except ValueError:
        line, base, exact, fell_back = UndoLine(), first, False, True
        for frame in frames:
            _place_approximately(line, frame, frame is frames[0])
    if not line.steps:
        line.step(last)
    line.log = []
    return line, base, exact, fell_back


def _place_approximately(line: UndoLine, frame: Frame, first: bool) -> None:
    """Put a frame read without line operations on the undo line, as well as the frame tells.

    A capture that changed something (and the first frame) is a step of its own: what
    coalescing or ``merge_if`` merged is not known. An undo or redo moves the cursor to the
    step it restored when that is the one before or after it (or anywhere on the line); a
    jump that changed something, or a restore of a step not on the line, is a new step. An
    empty frame is not on the line.
    """
    target = frame.restores
    if target is None:
        if frame.changes or first:
            line.step(frame.index)
        return
    if frame.trigger == "undo" and line.undo_target() == target:
        line.undo()
    elif frame.trigger == "redo" and line.redo_target() == target:
        line.redo()
    elif frame.trigger in ("undo", "redo") and line.seek(target):
        pass
    elif frame.changes or first:
        line.step(frame.index)


def _put_back(root: Any, change: Change) -> bool:
    """Undo the commonest change, a plain value changed in a dict, in place; False if
    ``change`` is not one (then ``apply_change`` undoes it).

    What ``apply_change`` does for it, without its dispatch: restores undo thousands.
    """
    if change.action != "values_changed" or type(change.old) not in _PLAIN:
        return False
    path = change.path
    parent = root
    try:
        for p in path[:-1]:
            parent = parent[p]
    except (LookupError, TypeError):
        return False
    if type(parent) is not dict:
        return False
    parent[path[-1]] = change.old  # immutable: the value itself is its copy
    return True


def _under(path: tuple[Hashable, ...], paths: set[tuple[Hashable, ...]], shortest: int) -> bool:
    """Whether a proper prefix of ``path`` (none shorter than ``shortest``) is in ``paths``."""
    return any(path[:i] in paths for i in range(shortest, len(path)))


def _skip_into(skipped: dict[tuple[Hashable, ...], Change]) -> Callable[[Change], None]:
    def on_skip(change: Change) -> None:
        skipped[change.path] = change

    return on_skip


# Actions that put a whole value back at their path when undone (a set's are per element).
_REPLACING = frozenset(
    ("values_changed", "type_changes", "dictionary_item_added", "dictionary_item_removed")
)
_SHIFTING = frozenset(("iterable_item_added", "iterable_item_removed"))


def _undoing(
    frames: Sequence[Frame], unrestorable: Callable[[Any], bool] = _contains_opaque
) -> list[Change]:
    """The changes that undoing ``frames`` needs, in the order to undo them (newest first).

    Undoing every change of every frame costs the number of frames; but where an older
    change puts a whole value back at a path, the newer changes at or under that path are
    overwritten by it and can be left out. So the work follows what differs between the
    two states, not how far apart they are. That older change must not be one that can't
    be restored (an opaque value), and no list above its path may have shifted in between
    (or the path would name different items at different times).
    """
    flat = [c for frame in frames for c in frame.changes]
    if len(flat) < 2:
        flat.reverse()
        return flat
    shifted = {c.path[:-1] for c in flat if c.action in _SHIFTING}
    covered: set[tuple[Hashable, ...]] = set()
    shortest = 1 << 30  # the shortest covered path: no shorter prefix can be covered
    keep: list[Change] = []
    for c in flat:  # oldest first: an overriding change is older than what it overrides
        path = c.path
        if covered and (
            path in covered or (len(path) > shortest and _under(path, covered, shortest))
        ):
            continue
        keep.append(c)
        old = c.old
        # A change inside a value (a locator last) puts back only a part whose extent may
        # differ over time (a splice): it overrides nothing.
        if (
            c.action in _REPLACING
            and not isinstance(path[-1], Locator)
            and (type(old) in _PLAIN or not unrestorable(old))
        ):
            if shifted and _under(path, shifted, 1):
                continue
            covered.add(path)
            if len(path) < shortest:
                shortest = len(path)
    keep.reverse()
    return keep
