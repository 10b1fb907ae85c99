"""Text and values from a recording, made safe to show in Streamlit.

A recording may come from anyone. Everything the viewer shows from one goes through here:

* :func:`md` for text in a place that renders Markdown (``st.markdown``, captions, headers,
  alerts, widget and button labels): control characters are escaped and every ASCII
  punctuation character is backslash-escaped, so a key like ``[click](https://evil)`` or
  ``<img src=x>`` shows as exactly that, never as a link, HTML, a colour directive or LaTeX;
* :func:`tree` for ``st.json``: a JSON-safe copy of a state, bounded in items, depth and
  string length, so a big state costs a bounded amount to send and draw;
* :func:`value` for a table cell: a bounded, escaped repr.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Hashable
from typing import Any

from timetravel import ObjectRecord, Opaque, Redacted
from timetravel.display import display_key, display_repr, safe_text
from timetravel.jsonable import to_json

__all__ = ["ITEMS", "NODES", "TEXT", "md", "tree", "value", "when"]

ITEMS = 200
"""Items of one container the state tree shows before ``… N more``."""
NODES = 5_000
"""Values the whole state tree shows at most."""
TEXT = 200
"""Characters of a string shown before it is cut."""
_DEPTH = 24

# CommonMark lets a backslash escape any ASCII punctuation character.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub's autolinks (https://..., www...., a@b.c) are found in the text after escapes are
# read, so escaping can't stop them: a zero-width space breaks the pattern instead.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=www))(?=\.)|(?=@)")
_ZWSP = "\u200b"


def md(text: Any, limit: int | None = TEXT) -> str:
    """``text`` for a place that renders Markdown: cut, control characters escaped, and
    Markdown, HTML, links (autolinked URLs and e-mail addresses too), LaTeX and
    Streamlit's ``:color[...]`` and ``:material/...:`` directives all taken literally."""
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(_ZWSP, safe_text(text, limit)))


def value(v: Any, limit: int = TEXT) -> str:
    """A value for a table cell: a bounded, escaped repr (stand-ins show as ``<redacted>``,
    ``<missing>``, ``Opaque(...)``, ``ObjectRecord(...)``)."""
    return display_repr(v, limit)


def when(ts: float) -> str:
    """A local date and time for an epoch time from a file (``?`` if it is not one)."""
    try:
        return _dt.datetime.fromtimestamp(ts).isoformat(sep=" ", timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return "?"


class _Budget:
    def __init__(self, nodes: int) -> None:
        self.left = nodes


def tree(state: Any, *, items: int = ITEMS, nodes: int = NODES, text: int = TEXT) -> Any:
    """A JSON-safe copy of ``state`` for ``st.json``: at most ``items`` entries of each
    container and ``nodes`` values in all (the rest summed up as ``"…": "N more"``), strings
    cut at ``text`` characters, control characters escaped, and the stand-ins written as
    ``timetravel export`` writes them (``{"$redacted": true}``, ``{"$opaque": ...}``)."""
    return _tree(state, items, text, _Budget(nodes), 0)


def _more(n: int, what: str) -> str:
    return f"{n:,} more {what}"


def _tree(v: Any, items: int, text: int, budget: _Budget, depth: int) -> Any:
    budget.left -= 1
    if v is None or isinstance(v, (bool, int, float)):
        return to_json(v)
    if isinstance(v, str):
        return safe_text(v, text)
    if isinstance(v, (Redacted, Opaque)):
        return to_json(v)
    if isinstance(v, ObjectRecord):
        return {
            "$object": safe_text(v.type, text),
            "fields": _tree(v.fields, items, text, budget, depth + 1),
        }
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$bytes": len(v), "repr": display_repr(bytes(v[:text]), text)}
    if depth >= _DEPTH and isinstance(v, (dict, list, tuple, set, frozenset)):
        return f"… ({type(v).__name__} of {len(v):,} items, too deep to show)"
    if isinstance(v, dict):
        out: dict[str, Any] = {}
        for n, (k, child) in enumerate(v.items()):
            if n >= items or budget.left <= 0:
                out["…"] = _more(len(v) - n, "keys")
                break
            name = _name(k, out)
            out[name] = _tree(child, items, text, budget, depth + 1)
        return out
    if isinstance(v, (list, tuple, set, frozenset)):
        listed: list[Any] = []
        for n, child in enumerate(v):
            if n >= items or budget.left <= 0:
                listed.append("… " + _more(len(v) - n, "items"))
                break
            listed.append(_tree(child, items, text, budget, depth + 1))
        return listed
    try:
        converted = to_json(v)  # dates, decimals, and the kinds' own JSON (a DataFrame, ...)
    except Exception:
        return {"$opaque": type(v).__name__, "repr": display_repr(v, text)}
    if isinstance(converted, (dict, list)):
        return _tree(converted, items, text, budget, depth)
    return converted if not isinstance(converted, str) else safe_text(converted, text)


def _name(key: Hashable, taken: dict[str, Any]) -> str:
    """A dict key as a JSON object key; distinct keys that read the same (``1``, ``"1"``)
    stay distinct."""
    name = display_key(key, TEXT)
    n = 2
    base = name
    while name in taken:
        name = f"{base} ({n})"
        n += 1
    return name
