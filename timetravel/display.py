"""Safe text for showing what a recording holds on a terminal.

A recording may come from anyone, and its keys, triggers, pages, labels and values are
arbitrary strings. Printed as they are, an ``ESC`` sequence in a key could retitle the
terminal, write the clipboard (OSC 52) or clear the screen, and a bidi override could make
text read differently from what it is. The helpers here turn such text into something
printable: every control character (C0 except, on request, newline and tab; DEL; C1
``0x80``-``0x9f``), the bidi controls (``U+061C``, ``U+200E``, ``U+200F``,
``U+202A``-``U+202E``, ``U+2066``-``U+2069``) and the line and paragraph separators
(``U+2028``, ``U+2029``) are shown as Python-style escapes::

    >>> safe_text("\\x1b]0;owned\\x07title")
    '\\\\x1b]0;owned\\\\x07title'

Long text is cut *before* any other work, so showing a 10 MB string costs no more than
showing a short one; the cut says how long the text was::

    >>> safe_text("x" * 10_485_760, limit=8)
    'xxxxxxxx…(10,485,760 chars)'

The command line (``timetravel info``) and the terminal UI both use these helpers.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Hashable
from typing import Any

__all__ = [
    "DISPLAY_LIMIT",
    "display_key",
    "display_path",
    "display_repr",
    "escape_controls",
    "is_safe",
    "safe_text",
]

DISPLAY_LIMIT = 200
"""Characters of a key, trigger, page or label shown before it is cut."""

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, multiline: bool = False) -> str:
    """``text`` with control, bidi and separator characters shown as escapes (``\\x1b``).

    With ``multiline``, newlines and tabs are kept as they are.
    """
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE
    return pattern.sub(_escape, text)


def is_safe(text: str, *, multiline: bool = False) -> bool:
    """True if ``text`` has nothing :func:`escape_controls` would escape."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE
    return pattern.search(text) is None


def cut(text: str, limit: int | None = DISPLAY_LIMIT) -> str:
    """``text``, or its first ``limit`` characters and ``…(N chars)`` if it is longer."""
    if limit is None or len(text) <= limit:
        return text
    return f"{text[: max(0, limit)]}…({len(text):,} chars)"


def safe_text(text: Any, limit: int | None = DISPLAY_LIMIT, *, multiline: bool = False) -> str:
    """``text`` (``str()`` of it, if it is not a string) cut to ``limit`` characters, with
    control characters escaped: safe to print or draw."""
    if not isinstance(text, str):
        text = display_repr(text, limit) if not isinstance(text, (int, float)) else str(text)
    return escape_controls(cut(text, limit), multiline=multiline)


_repr = reprlib.Repr()
_repr.maxlevel = 4
_repr.maxstring = DISPLAY_LIMIT
_repr.maxother = DISPLAY_LIMIT
_repr.maxlong = 60
_repr.maxtuple = _repr.maxlist = _repr.maxdict = _repr.maxset = _repr.maxfrozenset = 10


def display_repr(value: Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """A bounded, escaped ``repr`` of ``value`` (never raises; big strings are not copied)."""
    if isinstance(value, str):
        return escape_controls(repr(cut(value, limit)))
    try:
        text = _repr.repr(value)
    except Exception:
        text = f"<unrepresentable {type(value).__name__}>"
    return escape_controls(cut(text, limit))


def display_key(key: Hashable | Any, limit: int | None = DISPLAY_LIMIT) -> str:
    """A state key as shown: a string bare, anything else as its repr; escaped and cut."""
    if isinstance(key, str):
        return safe_text(key, limit)
    return display_repr(key, limit)


def display_path(path: tuple[Any, ...], limit: int | None = DISPLAY_LIMIT) -> str:
    """A key path as ``timetravel.format_path`` writes it (``todos[3]['done']``), escaped,
    each part cut to ``limit`` characters and at most 50 levels shown."""
    if not path:
        return "<root>"
    head, *rest = path
    text = display_key(head, limit) + "".join(f"[{display_repr(p, limit)}]" for p in rest[:50])
    if len(rest) > 50:
        text += f"…({len(rest) - 50} more levels)"
    return text
