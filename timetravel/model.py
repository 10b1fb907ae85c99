"""Frames and changes: the plain record that recorders produce and viewers read."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ._extras import require

__all__ = ["ACTIONS", "INPUT_KINDS", "Change", "Frame", "Input", "format_path"]

Kind = Literal["added", "removed", "changed"]

# deepdiff's flat-row actions that timetravel emits, in file order (the code is the index).
ACTIONS: Final[tuple[str, ...]] = (
    "values_changed",
    "type_changes",
    "dictionary_item_added",
    "dictionary_item_removed",
    "iterable_item_added",
    "iterable_item_removed",
    "set_item_added",
    "set_item_removed",
)
ACTION_CODE: Final[dict[str, int]] = {a: i for i, a in enumerate(ACTIONS)}
ACTION_KIND: Final[dict[str, Kind]] = {
    "values_changed": "changed",
    "type_changes": "changed",
    "dictionary_item_added": "added",
    "dictionary_item_removed": "removed",
    "iterable_item_added": "added",
    "iterable_item_removed": "removed",
    "set_item_added": "added",
    "set_item_removed": "removed",
}


def format_path(path: tuple[Hashable, ...]) -> str:
    """``("todos", 3, "done")`` -> ``todos[3]['done']`` (the top-level key is bare)."""
    if not path:
        return "<root>"
    head, *rest = path
    return str(head) + "".join(f"[{p!r}]" for p in rest)


@dataclass(frozen=True, slots=True)
class Change:
    """One change in a frame.

    ``path`` leads from a top-level state key down to the changed value. ``kind`` is
    ``"added"``, ``"removed"`` or ``"changed"``; ``old`` is :data:`MISSING` for an added value
    and ``new`` is :data:`MISSING` for a removed one. ``action`` is the deepdiff flat-row action
    (``"iterable_item_added"``, ``"set_item_removed"``, ...), which says how to apply it: for set
    actions ``path`` names the set and ``old``/``new`` is the element.
    """

    path: tuple[Hashable, ...]
    kind: Kind
    old: Any
    new: Any
    action: str = "values_changed"

    @classmethod
    def make(cls, path: tuple[Hashable, ...], action: str, old: Any, new: Any) -> Change:
        return cls(path, ACTION_KIND[action], old, new, action)

    @property
    def key(self) -> Hashable:
        """The top-level state key this change is under."""
        return self.path[0]

    def __str__(self) -> str:
        where = format_path(self.path)
        if self.kind == "added":
            return f"+ {where} = {self.new!r}"
        if self.kind == "removed":
            return f"- {where} (was {self.old!r})"
        return f"~ {where}: {self.old!r} -> {self.new!r}"

    def to_flat_row(self) -> Any:
        """This change as a ``deepdiff.helper.FlatDeltaRow``."""
        require("deepdiff", "Change.to_flat_row()", "deepdiff", "deepdiff")
        from deepdiff.helper import FlatDataAction, FlatDeltaRow

        kwargs: dict[str, Any] = {"path": list(self.path), "action": FlatDataAction(self.action)}
        if self.kind == "removed":  # deepdiff carries a removed item as the row's value
            kwargs.update(value=self.old, type=type(self.old))
        elif self.kind == "added":
            kwargs.update(value=self.new, type=type(self.new))
        else:
            kwargs.update(value=self.new, type=type(self.new))
            kwargs.update(old_value=self.old, old_type=type(self.old))
        return FlatDeltaRow(**kwargs)


# What an input says the user did (docs/format.md, "Inputs").
INPUT_KINDS: Final[tuple[str, ...]] = ("value", "click", "rerun", "same")


@dataclass(frozen=True, slots=True)
class Input:
    """One thing the user sent in an interaction: what replaying it does to the app.

    ``kind`` is ``"value"`` (the widget ``key`` was set to ``value``), ``"click"`` (the
    button or form-submit button ``key`` was clicked), ``"rerun"`` (the app ran again with
    nothing sent: a reconnect, the Rerun menu item) or ``"same"`` (nothing of its own: the
    frame came from the same interaction as the frame before it, such as an Undo clicked
    right after typing). ``key`` is None for a widget without a key, which replay can't
    find. ``value`` is :data:`~timetravel.REDACTED` for a secret widget.
    """

    key: str | None
    kind: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class Frame:
    """The record of one capture (one Streamlit rerun) or one undo, redo or jump.

    ``changes`` turn the state of the previous frame into the state of this one. ``restores``
    is set on undo/redo/jump frames: the index of the frame whose state was restored.
    ``line_ops`` are the recorder's undo-line operations since the frame before (how this
    frame went onto the undo line: a new step, merged into the current one, ...), which let
    ``Recorder.resume_from`` rebuild the undo history exactly; None where they are not known
    (a frame still open, or read from a file written without them). They are bookkeeping,
    not content: frames compare equal without regard to them. See docs/format.md.

    ``inputs`` are what the user sent for the interaction this frame records, so that it
    can be replayed against the app (``timetravel replay``): a tuple of :class:`Input`, or
    None where they are not known (recorded by the core :class:`~timetravel.Recorder`
    alone, or read from a file written before inputs existed). Like ``line_ops`` they are
    left out of equality.
    """

    index: int
    time: float
    trigger: str | None
    label: str | None
    page: str | None
    changes: tuple[Change, ...]
    restores: int | None = None
    line_ops: tuple[tuple[int, ...], ...] | None = field(default=None, compare=False)
    inputs: tuple[Input, ...] | None = field(default=None, compare=False)

    @property
    def is_restore(self) -> bool:
        """True for undo, redo and jump frames."""
        return self.restores is not None

    @property
    def keys(self) -> tuple[Hashable, ...]:
        """The top-level keys this frame touched, in order of first change."""
        return tuple(dict.fromkeys(c.path[0] for c in self.changes))

    def to_delta(self) -> Any:
        """This frame as a bidirectional ``deepdiff.Delta`` (apply with +, revert with -)."""
        require("deepdiff", "Frame.to_delta()", "deepdiff", "deepdiff")
        from deepdiff import Delta

        return Delta(
            flat_rows_list=[c.to_flat_row() for c in self.changes],
            bidirectional=True,
            raise_errors=True,
        )
