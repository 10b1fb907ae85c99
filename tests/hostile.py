"""Hand-built recordings with hostile content: control sequences, markup, huge strings and
impossible times, written record by record (msgpack payloads with valid CRCs, as
docs/format.md specifies) so that nothing in the writer can tidy them up."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import msgpack

MAGIC = b"\x89TTREC\r\n"

OSC_TITLE = "\x1b]0;PWNED\x07"
"""OSC 0: retitles the terminal."""
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
"""OSC 52: writes the clipboard."""
CLEAR = "\x1b[2J"
"""Clears the screen."""
CLICK = "[@click=app.quit]CLICK[/]"
"""Textual markup that quits the app when clicked (if it is parsed as markup)."""
BIDI = "\u202eevil\u202c"
HOSTILE_KEY = f"key{OSC_TITLE}{CLICK}{BIDI}\x08\x9b"
HOSTILE_TRIGGER = f"trig{OSC_CLIPBOARD}{CLICK}\x07"
HOSTILE_PAGE = f"page{CLEAR}{CLICK}"
HOSTILE_VALUE = f"value{OSC_TITLE}{CLICK}"
HUGE = 10 * 1024 * 1024
"""Length of the huge strings (10 MB)."""

_EXT_TUPLE = 1


def _record(kind: bytes, obj: Any) -> bytes:
    payload = msgpack.packb(obj, use_bin_type=True)
    return struct.pack("<cII", kind, len(payload), zlib.crc32(payload)) + payload


def write_recording(
    path: Path,
    frames: list[list[Any]],
    keyframe: dict[Any, Any],
    *,
    created: Any = 1_700_000_000.0,
    app: dict[str, Any] | None = None,
) -> Path:
    """``frames`` are raw 7-item frame arrays; ``keyframe`` is the state after the first."""
    header = {
        "format": 1,
        "created": created,
        "library": "timetravel",
        "options": {},
        "app": app or {},
        "keyframes": {"min": 100, "max": 1000},
    }
    data = bytearray(MAGIC + struct.pack("<H", 1) + _record(b"H", header))
    for n, frame in enumerate(frames):
        data += _record(b"F", frame)
        if n == 0:
            data += _record(b"K", [frame[0], keyframe])
    path.write_bytes(bytes(data))
    return path


def frame(
    index: int,
    rows: list[list[Any]],
    *,
    time: Any = 1_700_000_000.0,
    trigger: str | None = None,
    label: str | None = None,
    page: str | None = None,
    restores: int | None = None,
) -> list[Any]:
    """A raw frame array."""
    return [index, time, trigger, label, page, restores, rows]


def added(key: Any, value: Any) -> list[Any]:
    """A row adding top-level ``key`` (action 2, dictionary_item_added)."""
    return [[key], 2, None, value]


def hostile_recording(path: Path, *, huge: bool = True) -> Path:
    """Keys, triggers, pages, labels and values full of escape sequences and markup, and
    (with ``huge``) a 10 MB key, value and trigger on frames 2 and 3."""
    state: dict[Any, Any] = {HOSTILE_KEY: HOSTILE_VALUE, "plain": 1}
    frames = [
        frame(0, [added(k, v) for k, v in state.items()], trigger="initial", page=HOSTILE_PAGE),
        frame(
            1,
            [added("nested", {HOSTILE_KEY: [HOSTILE_VALUE]}), [[HOSTILE_KEY], 0, HOSTILE_VALUE, 2]],
            time=1_700_000_000.5,
            trigger=HOSTILE_TRIGGER,
            label=f"label{OSC_TITLE}",
            page=HOSTILE_PAGE,
        ),
    ]
    if huge:
        frames.append(
            frame(2, [added("big", "v" * HUGE)], time=1_700_000_001.0, trigger="t" * HUGE)
        )
        frames.append(frame(3, [added("k" * HUGE, 1)], time=1_700_000_001.5, page="p" * HUGE))
    return write_recording(path, frames, state)
