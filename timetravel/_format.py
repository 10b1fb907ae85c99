"""The ``.ttrec`` recording file: layout, writer and index (see docs/format.md).

::

    preamble   MAGIC (8 bytes) + format version (uint16, little-endian)
    record*    kind (1 byte: H header, F frame, K keyframe)
               payload length (uint32 LE) + CRC-32 of the payload (uint32 LE)
               payload (msgpack)

The first record is the header. Each F record is one frame; a K record holds the whole state
after the F record before it. A reader skips records by their length without decoding them.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import sys
import time
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any, Final

from . import _codec
from ._line import valid_op
from .errors import RecordingError, RecordingInUseError
from .model import ACTION_CODE, ACTIONS, INPUT_KINDS, Change, Frame, Input
from .values import MISSING, REDACTED, copy_value, type_name

MAGIC: Final = b"\x89TTREC\r\n"
FORMAT_VERSION: Final = 2  # 2: changes inside values (locators), Arrow DataFrames; 1 still read
PREAMBLE: Final = MAGIC + struct.pack("<H", FORMAT_VERSION)
RECORD_HEAD: Final = struct.Struct("<cII")

KIND_HEADER: Final = b"H"
KIND_FRAME: Final = b"F"
KIND_KEYFRAME: Final = b"K"

# Keyframe policy: at least KEYFRAME_MIN frames apart; then when the diffs since the last
# keyframe weigh a quarter of it, or at KEYFRAME_MAX frames at the latest, unless that would
# cost more than KEYFRAME_BUDGET bytes a frame (a state of a large DataFrame): then it waits
# until the diffs weigh a quarter of it. So reaching any frame decodes one keyframe and diffs
# that weigh at most about a quarter of it, or at most KEYFRAME_MAX - 1 of them.
KEYFRAME_MIN: Final = 100
KEYFRAME_MAX: Final = 1000
KEYFRAME_BUDGET: Final = 64 * 1024

# Secret names, matched on word parts (see Redactor). Compound names match however they are
# written: "api_key" matches "apiKey", "API-Key", "X-Api-Key" and "apikey".
DEFAULT_REDACT: Final[tuple[str, ...]] = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "access_key",
    "private_key",
    "credential",
    "auth",
    "authorization",
    "bearer",
    "cookie",
)

# Word parts of a name: runs of capitals not followed by a lowercase letter (an acronym:
# "API" in "APIKey"), a capital and lowercase letters ("Key"), lowercase letters, digits.
# Everything else (``_``, ``-``, spaces, dots, non-ASCII letters) separates parts.
_WORD_PART: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Identifiers in a repr, each checked like a key.
_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9_]+")


def word_parts(name: str) -> list[str]:
    """The lowercased word parts of a key: ``"X-Api-Key"`` -> ``["x", "api", "key"]``."""
    return [w.lower() for w in _WORD_PART.findall(name)]


def _name_text(key: object) -> str | None:
    if isinstance(key, str):
        return key
    if isinstance(key, (bytes, bytearray)):
        return bytes(key).decode("latin-1")
    return None


class Redactor:
    """Decides which names are secrets, and strips them from what goes to files.

    ``rule`` is an iterable of secret names, or a predicate on a key, or None for no
    redaction. With names, a string key (or a bytes key, read as Latin-1) is secret when,
    after splitting it into word parts (see :func:`word_parts`) and joining them lowercased,
    one of the names (its separators removed) ends there at the end of a word part,
    optionally followed by a plural ``s``. So ``"db_password"``, ``"apiKey"``,
    ``"X-Api-Key"``, ``"githubToken"``, ``"session_cookie"`` and ``"Authorization"`` are
    secret by default, and ``"author"``, ``"tokenizer"``, ``"passage"`` and ``"keyboard"``
    are not.
    """

    def __init__(self, rule: Iterable[str] | Callable[[Hashable], bool] | None) -> None:
        self._pred: Callable[[Hashable], bool] | None = None
        self._words: tuple[str, ...] = ()
        self._joined: frozenset[str] = frozenset()
        if rule is None:
            pass
        elif callable(rule):
            self._pred = rule
        else:
            self._words = tuple(w.lower().replace("-", "_") for w in rule)
            joined = {"".join(word_parts(w)) for w in self._words}
            joined.discard("")
            self._joined = frozenset(joined | {w + "s" for w in joined})
        self._longest = max((len(w) for w in self._joined), default=0)
        self._cache: dict[Hashable, bool] = {}

    @property
    def active(self) -> bool:
        return bool(self._joined) or self._pred is not None

    def describe(self) -> list[str] | str | None:
        if self._pred is not None:
            return "custom"
        return list(self._words) or None

    def _name_is_secret(self, name: str) -> bool:
        parts = word_parts(name)
        if not parts:
            return False
        joined = self._joined
        longest = self._longest
        text = ""
        for part in parts:
            text += part
            # Every name ending here: the suffixes of the text so far, up to the longest name.
            n = len(text)
            for size in range(1, min(n, longest) + 1):
                if text[n - size :] in joined:
                    return True
        return False

    def is_secret(self, key: Hashable) -> bool:
        """Whether values under ``key`` (a dict key, attribute, field or label) are secret."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable label (a pandas one, say)
            return False
        if self._pred is not None:
            try:
                result = bool(self._pred(key))
            except Exception:  # a predicate that can't judge a key redacts it
                result = True
        else:
            text = _name_text(key)
            result = text is not None and self._name_is_secret(text)
        if len(self._cache) < 10_000:
            self._cache[key] = result
        return result

    def is_secret_label(self, label: Any) -> bool:
        """Like :meth:`is_secret` for a pandas label: a tuple is secret if any level is."""
        if isinstance(label, tuple):
            return any(self.is_secret(part) for part in label if _name_text(part) is not None)
        return self.is_secret(label)

    def repr_is_clean(self, text: str, attrs: Iterable[str] = ()) -> bool:
        """Whether an opaque value's repr may be written: no identifier in it, and none of
        the value's attribute names, is secret."""
        if not self.active:
            return True
        if any(self.is_secret(a) for a in attrs):
            return False
        return not any(self.is_secret(m) for m in _IDENTIFIER.findall(text))

    def scrub(self, value: Any) -> Any:
        """``value`` with secrets in its dicts, lists and tuples replaced by the marker."""
        return self._scrub(value) if self.active else value

    def _scrub(self, value: Any) -> Any:
        # Objects (dataclasses, ...) are scrubbed as the encoder turns them into records.
        if isinstance(value, dict):
            out = None
            for k, v in value.items():
                new = REDACTED if self.is_secret(k) else self._scrub(v)
                if new is not v:
                    if out is None:
                        out = dict(value)
                    out[k] = new
            return value if out is None else out
        if isinstance(value, (list, tuple)) and not hasattr(value, "_asdict"):
            items = [self._scrub(v) for v in value]
            if any(a is not b for a, b in zip(items, value, strict=True)):
                return tuple(items) if isinstance(value, tuple) else items
            return value
        return value

    def encode(self, value: Any) -> bytes:
        """Encode ``value`` for a file, secrets redacted wherever they are."""
        return _codec.encode(value, self if self.active else None)

    def inputs(self, inputs: Iterable[Input]) -> tuple[Input, ...]:
        """Inputs as a file may show them: a secret widget's value replaced by the marker."""
        if not self.active:
            return tuple(inputs)
        return tuple(
            Input(i.key, i.kind, REDACTED)
            if i.key is not None and i.value is not None and self.is_secret(i.key)
            else Input(i.key, i.kind, self._scrub(i.value))
            for i in inputs
        )

    def changes(self, changes: Iterable[Change]) -> list[Change]:
        """Changes as a file may show them: secrets replaced by the marker."""
        if not self.active:
            return list(changes)
        out: list[Change] = []
        collapsed: set[tuple[Hashable, ...]] = set()
        for c in changes:
            depth = next((i for i, p in enumerate(c.path) if self.is_secret(p)), None)
            if depth is None:
                old, new = self._scrub(c.old), self._scrub(c.new)
                out.append(
                    c
                    if (old is c.old and new is c.new)
                    else Change.make(c.path, c.action, old, new)
                )
            elif depth == len(c.path) - 1 and c.action.startswith("dictionary_item"):
                old = MISSING if c.old is MISSING else REDACTED
                new = MISSING if c.new is MISSING else REDACTED
                out.append(Change.make(c.path, c.action, old, new))
            else:
                # A change inside a secret: say only that the secret changed.
                head = c.path[: depth + 1]
                if head not in collapsed:
                    collapsed.add(head)
                    out.append(Change.make(head, "values_changed", REDACTED, REDACTED))
        return out


# Frame summaries (docs/format.md, "Frame summaries"): the frame record that a keyframe follows
# carries, as its 8th item, what ``timetravel info`` needs about the frames since the previous
# keyframe, so that info reads a few hundred small records instead of decoding every frame.
# The header's ``"summary"`` says which layout the summaries have; a reader that does not know
# it (or finds a file without it, written before summaries) decodes the frames instead.
SUMMARY_VERSION: Final = 1


class _Unhashable:
    """Stands for a key that can't go in a dict (from a hostile file): never equal to another."""

    __slots__ = ()


class FrameTally:
    """What ``info`` shows about a run of frames: how many, their triggers, pages and keys.

    The writer keeps one for the frames since the last keyframe and writes it with the next
    (:meth:`record`); the reader merges the stored ones (:meth:`from_record`, which checks a
    stored one as untrusted input) and tallies the frames that have none (:meth:`add`).
    """

    __slots__ = ("frames", "keys", "pages", "restores", "triggers")

    def __init__(self) -> None:
        self.frames = 0
        # Capture frames with a trigger, by trigger; restore (undo/redo/jump) frames by
        # trigger; pages; top-level keys touched (keys that can't be hashed are each their
        # own entry). All in order of first appearance.
        self.triggers: dict[str, int] = {}
        self.restores: dict[str | None, int] = {}
        self.pages: dict[str, None] = {}
        self.keys: dict[Any, Any] = {}

    def add_key(self, key: Any) -> None:
        try:
            if key not in self.keys:
                self.keys[key] = key
        except Exception:  # unhashable, or an __eq__ that raises: listed, never merged
            self.keys[_Unhashable()] = key

    def add(self, frame: Frame, changes: Iterable[Change] | None = None) -> None:
        """Count ``frame`` (with ``changes`` in place of its own, if given)."""
        self.frames += 1
        if frame.restores is not None:
            self.restores[frame.trigger] = self.restores.get(frame.trigger, 0) + 1
        elif frame.trigger is not None:
            self.triggers[frame.trigger] = self.triggers.get(frame.trigger, 0) + 1
        if frame.page is not None:
            self.pages[frame.page] = None
        for c in frame.changes if changes is None else changes:
            if c.path:
                self.add_key(c.path[0])

    def merge(self, other: FrameTally) -> None:
        """Add ``other``, the tally of the frames right after these."""
        self.frames += other.frames
        for t, n in other.triggers.items():
            self.triggers[t] = self.triggers.get(t, 0) + n
        for r, n in other.restores.items():
            self.restores[r] = self.restores.get(r, 0) + n
        self.pages.update(other.pages)
        for key in other.keys.values():
            self.add_key(key)

    def record(self) -> dict[str, Any]:
        """The tally as a file holds it."""
        return {
            "frames": self.frames,
            "triggers": [[t, n] for t, n in self.triggers.items()],
            "restores": [[t, n] for t, n in self.restores.items()],
            "pages": list(self.pages),
            "keys": list(self.keys.values()),
        }

    @classmethod
    def from_record(cls, raw: Any) -> FrameTally:
        """A tally read from a file; raises DecodeError unless it has the documented shape."""
        if not isinstance(raw, dict):
            raise _codec.DecodeError("a frame summary is not a map")
        tally = cls()
        frames = raw.get("frames")
        if type(frames) is not int or frames < 1:
            raise _codec.DecodeError("a frame summary's frame count is not a positive int")
        tally.frames = frames
        for trigger, n in _counts(raw, "triggers"):
            if trigger is None:
                raise _codec.DecodeError("a frame summary's triggers entry has a bad trigger")
            tally.triggers[trigger] = tally.triggers.get(trigger, 0) + n
        for trigger, n in _counts(raw, "restores"):
            tally.restores[trigger] = tally.restores.get(trigger, 0) + n
        counted = sum(tally.triggers.values()) + sum(tally.restores.values())
        if counted > frames:
            raise _codec.DecodeError("a frame summary counts more frames than it covers")
        pages, keys = raw.get("pages"), raw.get("keys")
        if not (isinstance(pages, list) and all(isinstance(p, str) for p in pages)):
            raise _codec.DecodeError("a frame summary's pages are not an array of strings")
        if not isinstance(keys, list):
            raise _codec.DecodeError("a frame summary's keys are not an array")
        tally.pages = dict.fromkeys(pages)
        for key in keys:
            tally.add_key(key)
        return tally


def _counts(raw: dict[Any, Any], name: str) -> list[tuple[str | None, int]]:
    """A summary's ``[[trigger, count], ...]`` array, checked."""
    entries = raw.get(name)
    if not isinstance(entries, list):
        raise _codec.DecodeError(f"a frame summary's {name} are not an array")
    out: list[tuple[str | None, int]] = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2):
            raise _codec.DecodeError(f"a frame summary's {name} entry is not a pair")
        trigger, n = entry
        if trigger is not None and not isinstance(trigger, str):
            raise _codec.DecodeError(f"a frame summary's {name} entry has a bad trigger")
        if type(n) is not int or n < 1:
            raise _codec.DecodeError(f"a frame summary's {name} entry has a bad count")
        out.append((trigger, n))
    return out


def decode_summary(payload: bytes) -> FrameTally | None:
    """The summary a frame record carries (its 8th item), or None if it has none.

    Raises DecodeError for a payload that does not decode or a summary of the wrong shape.
    """
    raw = _codec.decode(payload)
    if not isinstance(raw, list) or len(raw) < 7:
        raise _codec.DecodeError("a frame record is not a 7-item array")
    if len(raw) < 8 or raw[7] is None:
        return None
    return FrameTally.from_record(raw[7])


def frame_payload(
    frame: Frame,
    changes: Iterable[Change],
    encode: Callable[[Any], bytes] = _codec.encode,
    summary: Mapping[str, Any] | None = None,
) -> bytes:
    """A frame record's payload; with ``summary``, that is its 8th item, the frame's
    ``line_ops``, if any, its 9th, and its ``inputs``, if any, its 10th (items before the
    last one written are nil where absent)."""
    # An added or removed item's missing side is nil; a change inside a value (a located
    # one: rows or a column added) keeps MISSING as the value it is.
    rows = [
        [list(c.path), ACTION_CODE[c.action], c.old, c.new]
        if c.action == "values_changed"
        else [
            list(c.path),
            ACTION_CODE[c.action],
            None if c.old is MISSING else c.old,
            None if c.new is MISSING else c.new,
        ]
        for c in changes
    ]
    head = [frame.index, frame.time, frame.trigger, frame.label, frame.page, frame.restores]
    items: list[Any] = [*head, rows]
    if summary is not None or frame.line_ops is not None or frame.inputs is not None:
        items.append(None if summary is None else dict(summary))
    if frame.line_ops is not None or frame.inputs is not None:
        # The 9th item: the undo-line operations since the frame before (docs/format.md).
        items.append(None if frame.line_ops is None else [list(op) for op in frame.line_ops])
    if frame.inputs is not None:
        # The 10th: what the user sent for this frame's interaction (docs/format.md).
        items.append([[i.key, i.kind, i.value] for i in frame.inputs])
    return encode(items)


# The most inputs one frame may carry, and the longest widget key, in a file that is read.
MAX_INPUTS = 10_000
MAX_INPUT_KEY = 100_000


def decode_inputs(raw: Any) -> tuple[Input, ...] | None:
    """A frame record's 10th item as inputs; None if absent or not well formed (a reader
    then treats the frame as recorded without inputs: it can't be replayed)."""
    if not isinstance(raw, list) or len(raw) > MAX_INPUTS:
        return None
    out: list[Input] = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 3:
            return None
        key, kind, value = item
        if key is not None and not (isinstance(key, str) and len(key) <= MAX_INPUT_KEY):
            return None
        if not isinstance(kind, str) or kind not in INPUT_KINDS:
            return None
        if kind in ("rerun", "same") and (key is not None or value is not None):
            return None
        out.append(Input(key, kind, value))
    return tuple(out)


def decode_line_ops(raw: Any) -> tuple[tuple[int, ...], ...] | None:
    """A frame record's 9th item as operations; None if absent or not well formed (a
    reader then rebuilds the undo line approximately, as for a file written without it)."""
    if not isinstance(raw, list) or not all(valid_op(op) for op in raw):
        return None
    return tuple(tuple(op) for op in raw)


def decode_frame(payload: bytes) -> Frame:
    raw = _codec.decode(payload)
    if not isinstance(raw, list) or len(raw) < 7:
        raise _codec.DecodeError("a frame record is not a 7-item array")
    index, when, trigger, label, page, restores, rows = raw[:7]
    if not isinstance(index, int) or not isinstance(when, (int, float)):
        raise _codec.DecodeError("frame index or time has the wrong type")
    for name, v in (("trigger", trigger), ("label", label), ("page", page)):
        if v is not None and not isinstance(v, str):
            raise _codec.DecodeError(f"frame {name} is not a string")
    if restores is not None and not isinstance(restores, int):
        raise _codec.DecodeError("frame 'restores' is not an index")
    if not isinstance(rows, list):
        raise _codec.DecodeError("frame changes are not an array")
    changes = []
    for row in rows:
        if not isinstance(row, list) or len(row) != 4 or not isinstance(row[0], list):
            raise _codec.DecodeError("a change is not a [path, action, old, new] array")
        path, code, old, new = row
        if not isinstance(code, int) or not 0 <= code < len(ACTIONS) or not path:
            raise _codec.DecodeError(f"unknown change action {code!r}")
        action = ACTIONS[code]
        if code in (4, 5) and not (type(path[-1]) is int and 0 <= path[-1] < 1 << 32):
            raise _codec.DecodeError(f"bad list index {path[-1]!r} in an {action} change")
        if action.endswith("_added"):
            old = MISSING
        elif action.endswith("_removed"):
            new = MISSING
        try:
            changes.append(Change.make(tuple(path), action, old, new))
        except TypeError as exc:
            raise _codec.DecodeError(f"bad change path: {exc}") from exc
    line_ops = decode_line_ops(raw[8]) if len(raw) > 8 else None
    inputs = decode_inputs(raw[9]) if len(raw) > 9 else None
    return Frame(
        index, float(when), trigger, label, page, tuple(changes), restores, line_ops, inputs
    )


def _readable(payload: bytes) -> bytes:
    """``payload`` if the reader takes it back (never write what can't be read)."""
    _codec.decode(payload)
    return payload


def _encodable(value: Any, unwritable: set[str] | None = None) -> Any:
    """``value`` if it can be written and read back, else its opaque record (its type name
    added to ``unwritable``)."""
    try:
        _readable(_codec.encode(value))
        return value
    except Exception:
        if unwritable is not None:
            unwritable.add(type_name(value))
        return _codec.opaque(value)


def record(kind: bytes, payload: bytes) -> bytes:
    return RECORD_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload


def _lock(fd: int, path: str) -> None:
    """Take the advisory write lock of an open recording file, or raise RecordingInUseError.

    POSIX only (``fcntl.flock``, which also excludes a second open file in the same
    process); elsewhere files are not locked.
    """
    if sys.platform == "win32":
        return
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RecordingInUseError(
            f"{path}: another recorder is writing this recording (one recorder per file)"
        ) from None
    except OSError:
        pass  # a file system without locks: write unlocked


@dataclass
class Writer:
    """Appends frames to a recording file, writing each at once, with keyframes as it goes.

    A path is opened unbuffered and locked (see :func:`_lock`) for as long as the writer is
    open. A write failure is raised once as OSError, after cutting the file back to its last
    complete record; the caller decides what to do (the recorder stops writing and keeps
    recording in memory). A failed writer writes nothing more.
    """

    stream: IO[bytes]
    redactor: Redactor
    owns_stream: bool = True
    name: str = "<stream>"
    _since_keyframe: int = 0
    _bytes_since: int = 0
    _keyframe_size: int = 0
    _frames: int = 0
    _written: int = 0  # bytes of complete records written (owned files)
    # The frames since the last keyframe, summarised for the next (None: not summarisable).
    _tally: FrameTally | None = field(default_factory=FrameTally)
    failed: bool = False
    closed: bool = field(default=False)
    # Type names of values written as opaque records because they would not read back.
    unwritable: set[str] = field(default_factory=set)

    @classmethod
    def open(
        cls,
        sink: str | os.PathLike[str] | IO[bytes],
        redactor: Redactor,
        options: Mapping[str, Any],
        app: Mapping[str, Any] | None = None,
    ) -> Writer:
        """A writer on ``sink`` with the header written (:meth:`create`, then
        :meth:`write_header`)."""
        writer = cls.create(sink, redactor)
        writer.write_header(options, app)
        return writer

    @classmethod
    def create(cls, sink: str | os.PathLike[str] | IO[bytes], redactor: Redactor) -> Writer:
        """A writer on ``sink``, nothing written yet.

        A path is replaced if it exists. Raises OSError if it can't be opened, and
        :class:`RecordingInUseError` if another writer has it open (before touching it).
        """
        if not isinstance(sink, (str, os.PathLike)):
            return cls(sink, redactor, owns_stream=False, name=getattr(sink, "name", "<stream>"))
        path = os.fspath(sink)
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        # Not O_TRUNC: the file is emptied only once the lock says it is ours.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _lock(fd, path)
            os.ftruncate(fd, 0)
            stream: IO[bytes] = os.fdopen(fd, "wb", buffering=0)
        except BaseException:
            os.close(fd)
            raise
        return cls(stream, redactor, owns_stream=True, name=path)

    @classmethod
    def append(
        cls, sink: str | os.PathLike[str] | IO[bytes], redactor: Redactor, end: int
    ) -> Writer:
        """A writer adding frames to an existing recording: no header is written.

        A path is locked as by :meth:`create` and written from ``end``, the end of its last
        complete record as a reader found it (``Recording.size``); an incomplete record after
        it (a writer killed mid-write) is cut off. Raises :class:`RecordingError` if the file
        is shorter than that or a complete record follows it (frames were written since it
        was read), OSError if it can't be opened. A stream is written where it stands: the
        caller positions it at the end of the recording.

        The first frame written has a keyframe after it, and no frame summary (the frames
        since the keyframe before it are not known here): readers decode those instead.
        """
        if not isinstance(sink, (str, os.PathLike)):
            name = getattr(sink, "name", "<stream>")
            return cls(sink, redactor, owns_stream=False, name=name, _tally=None)
        path = os.fspath(sink)
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            _lock(fd, path)
            size = os.fstat(fd).st_size
            if size < end:
                raise RecordingError(
                    f"{path}: the file shrank to {size} bytes since it was read (it had {end})"
                )
            if size > end:
                os.lseek(fd, end, os.SEEK_SET)
                head = os.read(fd, RECORD_HEAD.size)
                if len(head) == RECORD_HEAD.size:
                    _, length, crc = RECORD_HEAD.unpack(head)
                    body = os.read(fd, length) if end + len(head) + length <= size else b""
                    if len(body) == length and zlib.crc32(body) == crc:
                        raise RecordingError(
                            f"{path}: records were written after byte {end} since it was "
                            "read; open it again"
                        )
                os.ftruncate(fd, end)  # a torn tail: cut back to the last whole record
            os.lseek(fd, end, os.SEEK_SET)
            stream: IO[bytes] = os.fdopen(fd, "r+b", buffering=0)
        except BaseException:
            os.close(fd)
            raise
        return cls(stream, redactor, owns_stream=True, name=path, _written=end, _tally=None)

    def write_header(
        self, options: Mapping[str, Any], app: Mapping[str, Any] | None = None
    ) -> None:
        """Write the preamble and header record. On failure the writer is closed."""
        header = {
            "format": FORMAT_VERSION,
            "created": time.time(),
            "library": "timetravel",
            "options": dict(options),
            "app": dict(app or {}),
            "keyframes": {"min": KEYFRAME_MIN, "max": KEYFRAME_MAX, "budget": KEYFRAME_BUDGET},
            "summary": SUMMARY_VERSION,
        }
        try:
            self._write(PREAMBLE + record(KIND_HEADER, _codec.encode(header)))
        except BaseException:
            self.close()
            raise

    def _write(self, data: bytes) -> None:
        if self.failed or self.closed:
            raise OSError(f"{self.name}: the recording writer is closed")
        try:
            if self.owns_stream:
                view = memoryview(data)
                while view:  # an unbuffered write may write less than asked
                    n = self.stream.write(view)
                    if not n:
                        raise OSError(f"{self.name}: nothing written")
                    view = view[n:]
                self._written += len(data)
            else:
                self.stream.write(data)
                self.stream.flush()
        except BaseException:
            self.failed = True
            if self.owns_stream:
                # A partly written record would be a torn tail: cut back to the last whole one.
                with contextlib.suppress(OSError, ValueError):
                    os.ftruncate(self.stream.fileno(), self._written)
            raise

    def write_frame(self, frame: Frame, state: Callable[[], Mapping[Hashable, Any]]) -> None:
        """Write ``frame``; ``state()`` gives the whole state after it, for a keyframe."""
        changes = self.redactor.changes(frame.changes)
        encode = self.redactor.encode
        if frame.inputs is not None:
            frame = replace(frame, inputs=self.redactor.inputs(frame.inputs))
        try:
            payload = _readable(frame_payload(frame, changes, encode))
        except Exception:
            # A value msgpack refuses, or the reader would (nested deeper than it reads):
            # such a value is written as an opaque record, so the file stays readable.
            bad = self.unwritable
            changes = [
                Change.make(c.path, c.action, _encodable(c.old, bad), _encodable(c.new, bad))
                for c in changes
            ]
            if frame.inputs is not None:
                inputs = tuple(
                    Input(i.key, i.kind, _encodable(i.value, bad)) for i in frame.inputs
                )
                frame = replace(frame, inputs=inputs)
            payload = frame_payload(frame, changes, encode)
        tally = self._tally
        if tally is not None:
            try:
                tally.add(frame, changes)
            except Exception:  # a key that won't compare: no summary for these frames
                self._tally = tally = None
        self._since_keyframe += 1
        self._bytes_since += len(payload)
        since = self._since_keyframe
        due = self._frames == 0 or (
            since >= KEYFRAME_MIN
            and (
                self._bytes_since * 4 >= self._keyframe_size
                or (since >= KEYFRAME_MAX and self._keyframe_size <= since * KEYFRAME_BUDGET)
            )
        )
        if due and tally is not None:
            # The frame a keyframe follows carries the summary of the frames since the last.
            with contextlib.suppress(Exception):  # unwritable: the reader decodes the frames
                payload = _readable(frame_payload(frame, changes, encode, tally.record()))
        data = record(KIND_FRAME, payload)
        if due:
            # A history-form copy: uncopyable objects appear as Opaque, as they do in changes.
            snapshot = copy_value(dict(state()), keep_refs=False)
            try:
                kf = _readable(encode([frame.index, snapshot]))
            except Exception:
                bad = self.unwritable
                kf = encode([frame.index, {k: _encodable(v, bad) for k, v in snapshot.items()}])
            data += record(KIND_KEYFRAME, kf)
            self._tally = FrameTally()
            self._since_keyframe = 0
            self._bytes_since = 0
            self._keyframe_size = len(kf)
        self._frames += 1
        self._write(data)

    def close(self) -> None:
        """Close an owned file (releasing its lock); a stream passed in is left open.

        Nothing is buffered here, so closing never writes and never raises.
        """
        if self.closed:
            return
        self.closed = True
        if self.owns_stream:
            with contextlib.suppress(OSError):
                self.stream.close()


class ScanError(RecordingError):
    """A bad record met while indexing; ``at`` is its offset (all before it was indexed)."""

    def __init__(self, message: str, at: int) -> None:
        super().__init__(message)
        self.at = at


@dataclass
class Index:
    """Where each record of a file is, found without decoding payloads."""

    header: dict[str, Any]
    frames: list[tuple[int, int]]  # (payload offset, length) per frame, in file order
    keyframes: list[tuple[int, int, int]]  # (frame position, payload offset, length)
    end: int  # offset just past the last complete record
    truncated_at: int | None  # offset of an incomplete record at the end, if any
    # Damaged stretches skipped: (offset of the damaged record, offset of the intact frame
    # record the reader resumed at, position of that frame).
    gaps: list[tuple[int, int, int]] = field(default_factory=list)


def read_preamble(buf: bytes | bytearray, where: str) -> None:
    if not buf:
        raise RecordingError(f"{where}: the file is empty, not a timetravel recording")
    if len(buf) < len(MAGIC) or buf[: len(MAGIC)] != MAGIC:
        if len(buf) < len(MAGIC) and MAGIC.startswith(bytes(buf)):
            raise RecordingError(f"{where}: file ends inside the preamble ({len(buf)} bytes)")
        raise RecordingError(f"{where}: not a timetravel recording (wrong magic bytes at offset 0)")
    if len(buf) < len(PREAMBLE):
        raise RecordingError(f"{where}: file ends inside the preamble ({len(buf)} bytes)")
    (version,) = struct.unpack_from("<H", buf, len(MAGIC))
    if version > FORMAT_VERSION:
        raise RecordingError(
            f"{where}: recording format version {version} is newer than this timetravel "
            f"reads (version {FORMAT_VERSION}); upgrade timetravel to open it"
        )
    if version < 1:
        raise RecordingError(f"{where}: invalid format version {version} at offset {len(MAGIC)}")


# Resynchronising after a damaged record (docs/format.md, "Resynchronising"): the next
# intact record is an F record whose payload starts as a frame array does, whose length fits
# in the file and whose CRC verifies. The bytes checksummed while searching are bounded.
_FRAME_STARTS: Final = frozenset(range(0x97, 0xA0)) | {0xDC, 0xDD}
RESYNC_BUDGET: Final = 64 << 20


def resync(buf: bytes | bytearray, pos: int, budget: int | None = None) -> int | None:
    """Offset of the first intact frame record after a damaged record at ``pos``, or None."""
    size = len(buf)
    head_size = RECORD_HEAD.size
    left = max(RESYNC_BUDGET, 4 * size) if budget is None else budget
    view = memoryview(buf)
    try:
        p = pos
        while True:
            p = buf.find(KIND_FRAME, p + 1)
            if p < 0 or p + head_size >= size:
                return None
            if buf[p + head_size] not in _FRAME_STARTS:
                continue
            _, length, crc = RECORD_HEAD.unpack_from(buf, p)
            body = p + head_size
            if body + length > size:
                continue
            left -= length
            if left < 0:
                return None
            if zlib.crc32(view[body : body + length]) == crc:
                return p
    finally:
        view.release()


def scan(
    buf: bytes | bytearray,
    where: str,
    start: int,
    frames: list[tuple[int, int]],
    keyframes: list[tuple[int, int, int]],
    progress: Callable[[int, int], object] | None = None,
    gaps: list[tuple[int, int, int]] | None = None,
) -> tuple[int, int | None, tuple[int, int] | None]:
    """Index records from ``start``, appending to ``frames`` and ``keyframes``.

    ``progress(done_bytes, total_bytes)`` is called every few thousand records.

    With a ``gaps`` list, a damaged record after the header (a bad checksum or kind byte, or
    a length running past the end) followed by an intact frame record is skipped: the
    scan resumes at that frame and appends (damaged offset, resume offset, frame position)
    to ``gaps``. Without one, or with nothing intact after the damage, damage is an error
    (or an incomplete tail, for a record running past the end).

    Returns (end of the last complete record, offset of a trailing incomplete record or None,
    the header's (offset, length) if a header record was met).
    """
    pos = start
    size = len(buf)
    head_size = RECORD_HEAD.size
    unpack = RECORD_HEAD.unpack_from
    crc32 = zlib.crc32
    header = None
    view = memoryview(buf)

    def skip(at: int) -> int | None:
        if gaps is None or at <= len(PREAMBLE):
            return None
        found = resync(buf, at)
        if found is not None:
            gaps.append((at, found, len(frames)))
        return found

    try:
        while pos < size:
            if pos + head_size > size:
                return pos, pos, header
            kind, length, crc = unpack(buf, pos)
            body = pos + head_size
            if body + length > size:
                found = skip(pos)
                if found is not None:
                    pos = found
                    continue
                if kind in (KIND_FRAME, KIND_KEYFRAME, KIND_HEADER):
                    return pos, pos, header
                raise RecordingError(f"{where}: corrupt record kind {kind!r} at byte {pos}")
            if (
                kind not in (KIND_FRAME, KIND_KEYFRAME, KIND_HEADER)
                or crc32(view[body : body + length]) != crc
            ):
                found = skip(pos)
                if found is not None:
                    pos = found
                    continue
                if kind not in (KIND_FRAME, KIND_KEYFRAME, KIND_HEADER):
                    raise RecordingError(f"{where}: unknown record kind {kind!r} at byte {pos}")
                raise RecordingError(
                    f"{where}: checksum mismatch in record at byte {pos} "
                    f"(frame {len(frames)}): the file is corrupted"
                )
            if kind == KIND_FRAME:
                frames.append((body, length))
                if progress is not None and not len(frames) & 0xFFF:
                    progress(pos, size)
            elif kind == KIND_KEYFRAME:
                if not frames:
                    raise RecordingError(f"{where}: keyframe before any frame at byte {pos}")
                keyframes.append((len(frames) - 1, body, length))
            else:
                if pos != len(PREAMBLE):
                    raise RecordingError(f"{where}: second header record at byte {pos}")
                header = (body, length)
            pos = body + length
    except RecordingError as exc:
        raise ScanError(str(exc), pos) from None
    finally:
        view.release()
    return pos, None, header
