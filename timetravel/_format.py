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
from dataclasses import dataclass, field
from typing import IO, Any, Final

from . import _codec
from .errors import RecordingError, RecordingInUseError
from .model import ACTION_CODE, ACTIONS, Change, Frame
from .values import MISSING, REDACTED, copy_value

MAGIC: Final = b"\x89TTREC\r\n"
FORMAT_VERSION: Final = 1
PREAMBLE: Final = MAGIC + struct.pack("<H", FORMAT_VERSION)
RECORD_HEAD: Final = struct.Struct("<cII")

KIND_HEADER: Final = b"H"
KIND_FRAME: Final = b"F"
KIND_KEYFRAME: Final = b"K"

# Keyframe policy: at least KEYFRAME_MIN frames apart; then when the diffs since the last
# keyframe weigh a quarter of it, or at KEYFRAME_MAX frames at the latest. So reaching any
# frame decodes one keyframe and at most KEYFRAME_MAX - 1 diffs.
KEYFRAME_MIN: Final = 100
KEYFRAME_MAX: Final = 1000

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


def frame_payload(
    frame: Frame, changes: Iterable[Change], encode: Callable[[Any], bytes] = _codec.encode
) -> bytes:
    rows = [
        [
            list(c.path),
            ACTION_CODE[c.action],
            None if c.old is MISSING else c.old,
            None if c.new is MISSING else c.new,
        ]
        for c in changes
    ]
    return encode(
        [frame.index, frame.time, frame.trigger, frame.label, frame.page, frame.restores, rows]
    )


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
    return Frame(index, float(when), trigger, label, page, tuple(changes), restores)


def _readable(payload: bytes) -> bytes:
    """``payload`` if the reader takes it back (never write what can't be read)."""
    _codec.decode(payload)
    return payload


def _encodable(value: Any) -> Any:
    try:
        _readable(_codec.encode(value))
        return value
    except Exception:
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
    failed: bool = False
    closed: bool = field(default=False)

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
            "keyframes": {"min": KEYFRAME_MIN, "max": KEYFRAME_MAX},
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
        try:
            payload = _readable(frame_payload(frame, changes, encode))
        except Exception:
            # A value msgpack refuses, or the reader would (nested deeper than it reads):
            # such a value is written as an opaque record, so the file stays readable.
            changes = [
                Change.make(c.path, c.action, _encodable(c.old), _encodable(c.new)) for c in changes
            ]
            payload = frame_payload(frame, changes, encode)
        data = record(KIND_FRAME, payload)
        self._since_keyframe += 1
        self._bytes_since += len(payload)
        due = self._frames == 0 or (
            self._since_keyframe >= KEYFRAME_MIN
            and (
                self._bytes_since * 4 >= self._keyframe_size or self._since_keyframe >= KEYFRAME_MAX
            )
        )
        if due:
            # A history-form copy: uncopyable objects appear as Opaque, as they do in changes.
            snapshot = copy_value(dict(state()), keep_refs=False)
            try:
                kf = _readable(encode([frame.index, snapshot]))
            except Exception:
                kf = encode([frame.index, {k: _encodable(v) for k, v in snapshot.items()}])
            data += record(KIND_KEYFRAME, kf)
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
