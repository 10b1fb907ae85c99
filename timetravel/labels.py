"""Human words for frames: a title for each action and a few words on what it changed.

The in-app history panel, the browser viewer and the terminal UI all name frames the same
way, with these helpers::

    >>> from timetravel import Change, Frame
    >>> frame = Frame(3, 0.0, "done_1", "Toggle 'walk dog'", None,
    ...               (Change(("todos", 1, "done"), "changed", False, True),))
    >>> frame_title(frame), change_words(frame)
    ("Toggle 'walk dog'", "todos[1]['done']: False → True")
    >>> plural(1, "change"), plural(2, "change")
    ('1 change', '2 changes')

Everything returned is escaped for a terminal (:mod:`timetravel.display`) and cut to a
bounded length: a recording may come from anyone.
"""

from __future__ import annotations

import math

from .display import display_path, display_repr, safe_text
from .model import Change, Frame

__all__ = ["change_words", "elapsed", "frame_title", "plural", "restore_title"]

TITLE_LIMIT = 80
"""Characters of a title shown before it is cut."""

_VALUE_LIMIT = 24


def plural(n: int, one: str, many: str | None = None) -> str:
    """``"1 change"``, ``"2 changes"``, ``"0 changes"`` (``many`` for irregular plurals)."""
    word = one if n == 1 else (many if many is not None else one + "s")
    return f"{n:,} {word}"


def elapsed(seconds: float) -> str:
    """Time since the first frame: ``+0.250s``, ``+1m02.5s``, ``+2h03m04s`` (``?`` for a
    time that is not a number: a file's times are anyone's)."""
    if not math.isfinite(seconds):
        return "?"
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.3f}s"
    if seconds < 3600:
        minutes, secs = divmod(seconds, 60)
        return f"{sign}{int(minutes)}m{secs:04.1f}s"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}h{minutes:02d}m{secs:02d}s"


def restore_title(frame: Frame) -> str:
    """``"Undo"``, ``"Redo"`` or ``"Jump to #12"`` for a restore frame."""
    trigger = frame.trigger or ""
    if trigger == "undo":
        return "Undo"
    if trigger == "redo":
        return "Redo"
    return f"Jump to #{frame.restores}"


def frame_title(frame: Frame, limit: int = TITLE_LIMIT) -> str:
    """What the user did, in words: the frame's label if it has one (a widget's label, or
    the app's own name for the action), else its trigger made readable."""
    if frame.is_restore and frame.label is None:
        return restore_title(frame)
    if frame.label:
        return safe_text(frame.label, limit)
    trigger = frame.trigger
    if trigger is None:
        return "Capture"
    if trigger == "initial":
        return "Start"
    if trigger == "rerun":
        return "Rerun"
    if trigger.startswith("form:"):
        return "Submit " + safe_text(trigger.removeprefix("form:"), limit)
    return safe_text(trigger, limit)


def _change(change: Change) -> str:
    where = display_path(change.path, 40)
    if change.action.startswith("set_item"):
        value = change.new if change.kind == "added" else change.old
        sign = "+" if change.kind == "added" else "-"
        return f"{where} {sign}{display_repr(value, _VALUE_LIMIT)}"
    if change.kind == "added":
        return f"+ {where}"
    if change.kind == "removed":
        return f"- {where}"
    return (
        f"{where}: {display_repr(change.old, _VALUE_LIMIT)} → "
        f"{display_repr(change.new, _VALUE_LIMIT)}"
    )


def change_words(frame: Frame, limit: int = 120) -> str:
    """A few words on what ``frame`` changed: the change itself when there is one
    (``"count: 1 → 2"``), else how many and under which keys (``"3 changes in todos,
    filter"``); ``"no change"`` for a frame that changed nothing."""
    changes = frame.changes
    if not changes:
        return "no change"
    if len(changes) == 1:
        text = _change(changes[0])
    else:
        keys = [safe_text(str(k), 30) for k in frame.keys]
        shown = ", ".join(keys[:3]) + (f" +{len(keys) - 3}" if len(keys) > 3 else "")
        text = f"{plural(len(changes), 'change')} in {shown}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
