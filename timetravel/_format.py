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

import os
import struct
import time
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Final

from . import _codec
from .errors import RecordingError
from .model import ACTION_CODE, ACTIONS, Change, Frame
from .values import MISSING, REDACTED, Opaque, copy_value, safe_repr, type_name

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

DEFAULT_REDACT: Final[tuple[str, ...]] = ("password", "secret", "token", "api_key")


class Redactor:
    """Decides which key names are secrets, and strips them from what goes to files.

    ``rule`` is a sequence of substrings matched case-insensitively against key names (with
    ``-`` read as ``_``), or a predicate on a key, or None for no redaction.
    """

    def __init__(self, rule: Iterable[str] | Callable[[Hashable], bool] | None) -> None:
        if rule is None:
            self._words: tuple[str, ...] = ()
            self._pred: Callable[[Hashable], bool] | None = None
        elif callable(rule):
            self._words, self._pred = (), rule
        else:
            self._words = tuple(w.lower().replace("-", "_") for w in rule)
            self._pred = None
        self._cache: dict[Hashable, bool] = {}

    @property
    def active(self) -> bool:
        return bool(self._words) or self._pred is not None

    def describe(self) -> list[str] | str | None:
        if self._pred is not None:
            return "custom"
        return list(self._words) or None

    def is_secret(self, key: Hashable) -> bool:
        try:
            return self._cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable can't happen for keys, but stay safe
            return False
        if self._pred is not None:
            result = bool(self._pred(key))
        elif isinstance(key, str):
            name = key.lower().replace("-", "_")
            result = any(w in name for w in self._words)
        else:
            result = False
        if len(self._cache) < 10_000:
            self._cache[key] = result
        return result

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
        return _codec.encode(value, self._scrub if self.active else None)

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
        if action.endswith("_added"):
            old = MISSING
        elif action.endswith("_removed"):
            new = MISSING
        try:
            changes.append(Change.make(tuple(path), action, old, new))
        except TypeError as exc:
            raise _codec.DecodeError(f"bad change path: {exc}") from exc
    return Frame(index, float(when), trigger, label, page, tuple(changes), restores)


def _encodable(value: Any) -> Any:
    try:
        _codec.encode(value)
        return value
    except Exception:
        return Opaque(type_name(value), safe_repr(value))


def record(kind: bytes, payload: bytes) -> bytes:
    return RECORD_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload


@dataclass
class Writer:
    """Appends frames to a recording file, flushing each, with keyframes as it goes.

    A write failure is raised once as OSError; the caller decides what to do (the recorder
    stops writing and keeps recording in memory).
    """

    stream: IO[bytes]
    redactor: Redactor
    owns_stream: bool = True
    name: str = "<stream>"
    _since_keyframe: int = 0
    _bytes_since: int = 0
    _keyframe_size: int = 0
    _frames: int = 0
    closed: bool = field(default=False)

    @classmethod
    def open(
        cls,
        sink: str | os.PathLike[str] | IO[bytes],
        redactor: Redactor,
        options: Mapping[str, Any],
        app: Mapping[str, Any] | None = None,
    ) -> Writer:
        if isinstance(sink, (str, os.PathLike)):
            path = os.fspath(sink)
            parent = os.path.dirname(path)
            if parent:
                os.makedirs(parent, exist_ok=True)
            writer = cls(open(path, "wb"), redactor, owns_stream=True, name=path)  # noqa: SIM115
        else:
            writer = cls(sink, redactor, owns_stream=False, name=getattr(sink, "name", "<stream>"))
        header = {
            "format": FORMAT_VERSION,
            "created": time.time(),
            "library": "timetravel",
            "options": dict(options),
            "app": dict(app or {}),
            "keyframes": {"min": KEYFRAME_MIN, "max": KEYFRAME_MAX},
        }
        writer._write(PREAMBLE + record(KIND_HEADER, _codec.encode(header)))
        return writer

    def _write(self, data: bytes) -> None:
        self.stream.write(data)
        self.stream.flush()

    def write_frame(self, frame: Frame, state: Callable[[], Mapping[Hashable, Any]]) -> None:
        """Write ``frame``; ``state()`` gives the whole state after it, for a keyframe."""
        changes = self.redactor.changes(frame.changes)
        encode = self.redactor.encode
        try:
            payload = frame_payload(frame, changes, encode)
        except Exception:  # a value msgpack refuses (nested too deep): keep it as a record
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
                kf = encode([frame.index, snapshot])
            except Exception:
                kf = encode([frame.index, {k: _encodable(v) for k, v in snapshot.items()}])
            data += record(KIND_KEYFRAME, kf)
            self._since_keyframe = 0
            self._bytes_since = 0
            self._keyframe_size = len(kf)
        self._frames += 1
        self._write(data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.owns_stream:
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


def scan(
    buf: bytes | bytearray,
    where: str,
    start: int,
    frames: list[tuple[int, int]],
    keyframes: list[tuple[int, int, int]],
    progress: Callable[[int, int], object] | None = None,
) -> tuple[int, int | None, tuple[int, int] | None]:
    """Index records from ``start``, appending to ``frames`` and ``keyframes``.

    ``progress(done_bytes, total_bytes)`` is called every few thousand records.

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
    try:
        while pos < size:
            if pos + head_size > size:
                return pos, pos, header
            kind, length, crc = unpack(buf, pos)
            body = pos + head_size
            if body + length > size:
                if kind in (KIND_FRAME, KIND_KEYFRAME, KIND_HEADER):
                    return pos, pos, header
                raise RecordingError(f"{where}: corrupt record kind {kind!r} at byte {pos}")
            if crc32(view[body : body + length]) != crc:
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
            elif kind == KIND_HEADER:
                if pos != len(PREAMBLE):
                    raise RecordingError(f"{where}: second header record at byte {pos}")
                header = (body, length)
            else:
                raise RecordingError(f"{where}: unknown record kind {kind!r} at byte {pos}")
            pos = body + length
    except RecordingError as exc:
        raise ScanError(str(exc), pos) from None
    finally:
        view.release()
    return pos, None, header
