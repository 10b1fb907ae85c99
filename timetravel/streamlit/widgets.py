"""The ready-made Undo and Redo buttons, and what every ready-made widget starts with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from . import _internals as internals
from ._internals import KEY_PREFIX
from .session import StreamlitRecorder, current

__all__ = ["callback", "showing", "undo_buttons"]


def showing(rec: StreamlitRecorder | None) -> StreamlitRecorder:
    """The session's recorder (``rec`` or this session's), with the action under way
    recorded so far (into its open frame): what a widget drawing the history shows."""
    rec = rec if rec is not None else current()
    rec._learn_pages(internals.run_context())
    rec.checkpoint()  # show the action under way, not the one before it
    return rec


def callback(action: Callable[..., Any]) -> Callable[..., None]:
    """A widget callback: Streamlit wants callbacks that return nothing."""

    def call(*args: Any) -> None:
        action(*args)

    return call


def undo_buttons(
    rec: StreamlitRecorder | None = None,
    *,
    undo_label: str = "Undo",
    redo_label: str = "Redo",
    key: str = "buttons",
) -> None:
    """An "Undo" and a "Redo" button side by side, each disabled when there's nothing to do.

    Use ``key`` to tell two sets apart when a page shows more than one.
    """
    rec = showing(rec)
    can_undo, can_redo = rec.can_undo, rec.can_redo
    rec.shown(can_undo, can_redo)
    left, right = st.columns(2)
    left.button(
        undo_label,
        key=f"{KEY_PREFIX}_{key}_undo",
        icon=":material/undo:",
        disabled=not can_undo,
        on_click=callback(rec.undo),
        width="stretch",
    )
    right.button(
        redo_label,
        key=f"{KEY_PREFIX}_{key}_redo",
        icon=":material/redo:",
        disabled=not can_redo,
        on_click=callback(rec.redo),
        width="stretch",
    )
