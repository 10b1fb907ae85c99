"""Text for recorded values, times and frames, shared by the widgets.

Values come from recordings, so they may hold the core's stand-ins: :data:`REDACTED` (a
secret), :class:`Opaque` (a value that could not be copied) and :class:`ObjectRecord` (an
object such as an enum member or a dataclass). They are always shown marked as such, never
as a plain repr that could be mistaken for the real value.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text

from timetravel import MISSING, ObjectRecord, Opaque, Redacted
from timetravel.display import display_key, display_repr, escape_controls
from timetravel.labels import elapsed

__all__ = [
    "ValueStyles",
    "container_summary",
    "format_elapsed",
    "format_key",
    "is_container",
    "set_order",
    "short_repr",
    "value_text",
]

ELLIPSIS = "…"
_PLAIN = Style()

# Time since the first frame, as every viewer writes it.
format_elapsed = elapsed


def format_key(key: Hashable) -> str:
    """A state key as shown in the tree: strings bare, anything else as its repr.

    Keys come from the file: control characters are escaped and long keys are cut (see
    :mod:`timetravel.display`).
    """
    return display_key(key)


def set_order(value: Any) -> str:
    """Sort key for set elements: their repr, bounded so a huge element costs no more."""
    return display_repr(value, 100)


def is_container(value: Any) -> bool:
    """True for values the state tree can expand."""
    if isinstance(value, ObjectRecord):
        return bool(value.fields)
    return isinstance(value, (dict, list, tuple, set, frozenset))


def container_summary(value: Any) -> str:
    """``list · 3 items``, ``dict · 4 keys``: what a collapsed tree node says."""
    n = len(value.fields) if isinstance(value, ObjectRecord) else len(value)
    if isinstance(value, dict):
        return f"dict · {n} key{'s' * (n != 1)}"
    if isinstance(value, ObjectRecord):
        return f"⟨object {display_key(value.type, 60)}⟩ · {n} field{'s' * (n != 1)}"
    kind = type(value).__name__ if isinstance(value, (list, tuple, set, frozenset)) else "?"
    return f"{kind} · {n} item{'s' * (n != 1)}"


def _cut_repr(value: str | bytes | bytearray, budget: int) -> str:
    """The repr of a long string or bytes value, cut *before* ``repr`` runs, with its length."""
    unit = "chars" if isinstance(value, str) else "bytes"
    suffix = f"{ELLIPSIS}({len(value):,} {unit})"
    head = repr(value[: max(1, budget)])
    return head[: max(1, budget - len(suffix))] + suffix


def _scalar_repr(value: Any, budget: int = 80) -> str:
    if isinstance(value, (str, bytes, bytearray)) and len(value) > budget:
        return _cut_repr(value, budget)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return f"{type(value).__name__}({value.isoformat()})"
    try:
        return repr(value)
    except Exception:
        return f"<unrepresentable {type(value).__name__}>"


def _repr(value: Any, budget: int, depth: int) -> str:
    """A repr that marks the core's stand-ins and stops early when it is long enough."""
    if value is MISSING:
        return "<missing>"
    if isinstance(value, Redacted):
        return "<redacted>"
    if isinstance(value, Opaque):
        return f"⟨opaque {display_key(value.type, 60)}⟩"
    if isinstance(value, ObjectRecord):
        fields: list[str] = []
        used = 2
        for k, v in value.fields.items():
            part = f"{display_key(k, budget)}={_repr(v, budget - used, depth + 1)}"
            fields.append(part)
            used += len(part) + 2
            if used > budget:
                break
        more = ", …" if len(fields) < len(value.fields) else ""
        return f"⟨object {display_key(value.type, 60)}⟩({', '.join(fields)}{more})"
    if depth > 6 and is_container(value):
        return "{…}" if isinstance(value, dict) else "[…]"
    if isinstance(value, dict):
        parts: list[str] = []
        used = 2
        for k, v in value.items():
            part = f"{_scalar_repr(k, budget)}: {_repr(v, budget - used, depth + 1)}"
            parts.append(part)
            used += len(part) + 2
            if used > budget:
                break
        more = ", …" if len(parts) < len(value) else ""
        return "{" + ", ".join(parts) + more + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=set_order) if isinstance(value, (set, frozenset)) else value
        parts = []
        used = 2
        for v in items:
            part = _repr(v, budget - used, depth + 1)
            parts.append(part)
            used += len(part) + 2
            if used > budget:
                break
        more = ", …" if len(parts) < len(value) else ""
        body = ", ".join(parts) + more
        if isinstance(value, tuple):
            return f"({body}{',' if len(value) == 1 else ''})"
        if isinstance(value, list):
            return f"[{body}]"
        if not value:
            return f"{type(value).__name__}()"
        return "{" + body + "}" if isinstance(value, set) else f"frozenset({{{body}}})"
    text = _scalar_repr(value, max(1, budget))
    return text if len(text) <= budget else text[: max(1, budget)] + ELLIPSIS


def short_repr(value: Any, limit: int = 80) -> str:
    """A one-line repr of at most about ``limit`` characters, control characters escaped.

    Its cost does not grow with the value: a 10 MB string is cut before ``repr`` runs and
    shown with its length, ``'aaa…(10,485,760 chars)'``.
    """
    text = escape_controls(_repr(value, limit, 0))
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


@dataclass(frozen=True)
class ValueStyles:
    """Rich styles for the kinds of value (the widgets read them from their component classes)."""

    string: Style = _PLAIN
    number: Style = _PLAIN
    constant: Style = _PLAIN
    redacted: Style = _PLAIN
    opaque: Style = _PLAIN
    object: Style = _PLAIN
    container: Style = _PLAIN


def value_text(value: Any, styles: ValueStyles, limit: int = 80) -> Text:
    """``value`` as a styled one-line Text; stand-ins get their own style."""
    text = short_repr(value, limit)
    if isinstance(value, Redacted):
        style = styles.redacted
    elif isinstance(value, Opaque):
        style = styles.opaque
    elif isinstance(value, ObjectRecord):
        style = styles.object
    elif isinstance(value, str):
        style = styles.string
    elif isinstance(value, bool) or value is None or value is MISSING:
        style = styles.constant
    elif isinstance(value, (int, float, complex)):
        style = styles.number
    elif is_container(value):
        style = styles.container
    else:
        style = _PLAIN
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")
