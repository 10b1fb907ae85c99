"""Names for actions: the app's own (:func:`action`), else one made from the widget's label.

A frame is named, in this order of precedence:

1. by the app: ``tt.action("Add todo")`` entered or called while the action is under way
   (the first name given in an action wins);
2. after the widget the user changed, as it showed on screen: ``Toggle 'walk dog'`` for a
   checkbox or toggle, the label of a button or of a form's submit button (``Delete``),
   ``Label: value`` for the other widgets (``Show: done``, ``Volume: 7``, ``Tags: a, b``),
   ``Label: •••`` for a password input or a key or label that ``redact`` names a secret;
3. after its trigger (the widget's key) when the label is not known or is empty.

Undo, redo and jump frames keep their own names (``Undo``, ``Jump to #12``).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from ..display import display_repr
from ._internals import Changed

__all__ = ["action", "clean_label", "describe_change", "value_words"]

P = ParamSpec("P")
R = TypeVar("R")

LABEL_LIMIT = 40
VALUE_LIMIT = 30
SECRET = "•••"

_ICON = re.compile(r":material/[a-z0-9_]+:")
_SHORTCODE = re.compile(r":[a-z][a-z0-9_+-]+:")
_DIRECTIVE = re.compile(r":[a-z]+(?:-[a-z]+)*\[([^\]]*)\]")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"\*\*|__|~~|`")
_EMPHASIS = re.compile(r"(?<![\w*])[*_](\S(?:.*?\S)?)[*_](?![\w*])")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$:])")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_label(label: str, limit: int = LABEL_LIMIT) -> str:
    """A widget label as plain words: its Markdown, icons and emoji shortcodes taken out,
    on one line, cut to ``limit`` characters."""
    text = _ICON.sub("", label[: limit * 8])
    text = _LINK.sub(r"\1", text)
    text = _DIRECTIVE.sub(r"\1", text)
    text = _SHORTCODE.sub("", text)
    text = _MARKS.sub("", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _ESCAPED.sub(r"\1", text)
    return _cut(" ".join(text.split()), limit)


def value_words(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A widget's value in a few words: ``done``, ``7``, ``a, b``, ``2 to 8``, ``none``."""
    if value is None:
        text = "none"
    elif isinstance(value, str):
        text = value[: limit * 4]
    elif isinstance(value, bool):
        text = "on" if value else "off"
    elif isinstance(value, (int, float)):
        text = f"{value:g}" if isinstance(value, float) else str(value)
    elif isinstance(value, (datetime.date, datetime.time)):
        text = value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else str(value)
    elif isinstance(value, tuple) and len(value) == 2:  # a range: sliders, date inputs
        text = f"{value_words(value[0], limit)} to {value_words(value[1], limit)}"
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)[:6]
        if not items:
            text = "none"
        else:
            text = ", ".join(value_words(v, limit) for v in items[:5])
            if len(value) > 5:
                text += f" +{len(value) - 5}"
    else:
        text = display_repr(value, limit)
    return _cut(" ".join(text.split()), limit)


def describe_change(changed: Changed, is_secret: Callable[[Hashable], bool]) -> str | None:
    """The name of the action of changing this widget, or None when its label is not known
    (the frame is then named after its trigger). ``is_secret`` tells a key or label whose
    value must not be shown (the recorder's ``redact``)."""
    drawn = changed.drawn
    if drawn is None:
        return None
    label = clean_label(drawn.label)
    if not label:
        return None
    if changed.is_trigger:
        return label  # a button, a form's submit button: its label says what it does
    if drawn.element == "checkbox":  # st.checkbox and st.toggle
        return f"Toggle '{label}'"
    if drawn.password or is_secret(changed.name) or is_secret(label):
        return f"{label}: {SECRET}"
    return f"{label}: {value_words(changed.value)}"


class _Action:
    """What :func:`action` returns for a name alone: a decorator and a context manager."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        return _wrap(self.label, fn)

    def __enter__(self) -> None:
        _name(self.label)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __repr__(self) -> str:
        return f"action({self.label!r})"


@overload
def action(label: str) -> _Action: ...
@overload
def action(label: str, fn: Callable[P, R]) -> Callable[P, R]: ...
def action(label: str, fn: Callable[P, R] | None = None) -> _Action | Callable[P, R]:
    """Name the user action under way ``label`` (its frame's ``label``, in the history panel
    and in the file), instead of a name made from the widget the user changed.

    Three ways, for a callback or the code of the action::

        @tt.action("Add todo")               # a decorator on a callback
        def add() -> None: ...

        st.button("Clear", on_click=tt.action("Clear all", clear))   # a callback wrapped

        if st.button("Save"):
            with tt.action("Save profile"):  # a block of the script body
                save()

    The first name given while an action is under way wins. Undo, Redo and jumps keep their
    own names, as does the session's first run. Call it where the action happens (in its
    callback, or inside the ``if`` of its button): a name given on every run would name
    every action. Without :func:`~timetravel.streamlit.track` in the session it does nothing.
    """
    if fn is None:
        return _Action(label)
    return _wrap(label, fn)


def _wrap(label: str, fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def named(*args: P.args, **kwargs: P.kwargs) -> R:
        _name(label)
        return fn(*args, **kwargs)

    return named


def _name(label: str) -> None:
    from .session import named_action

    named_action(" ".join(str(label).split()))
