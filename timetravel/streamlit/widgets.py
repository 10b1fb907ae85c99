"""The ready-made widgets: Undo and Redo buttons, and the history panel."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import streamlit as st

from ..model import Frame
from . import _internals as internals
from ._internals import KEY_PREFIX
from .session import StreamlitRecorder, current

__all__ = ["history_panel", "undo_buttons"]


def _current(rec: StreamlitRecorder | None) -> StreamlitRecorder:
    rec = rec if rec is not None else current()
    rec._learn_pages(internals.run_context())
    rec.checkpoint()  # show the action under way, not the one before it
    return rec


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
    rec = _current(rec)
    can_undo, can_redo = rec.can_undo, rec.can_redo
    rec.shown(can_undo, can_redo)
    left, right = st.columns(2)
    left.button(
        undo_label,
        key=f"{KEY_PREFIX}_{key}_undo",
        icon=":material/undo:",
        disabled=not can_undo,
        on_click=_callback(rec.undo),
        width="stretch",
    )
    right.button(
        redo_label,
        key=f"{KEY_PREFIX}_{key}_redo",
        icon=":material/redo:",
        disabled=not can_redo,
        on_click=_callback(rec.redo),
        width="stretch",
    )


def _callback(action: Callable[..., bool]) -> Callable[..., None]:
    """A widget callback: Streamlit wants callbacks that return nothing."""

    def callback(*args: Any) -> None:
        action(*args)

    return callback


def _describe(frame: Frame) -> str:
    if not frame.changes:
        return "no change"
    shown = "; ".join(str(c) for c in frame.changes[:3])
    more = f" (+{len(frame.changes) - 3} more)" if len(frame.changes) > 3 else ""
    text = shown + more
    return text if len(text) <= 300 else text[:299] + "…"


def history_panel(
    rec: StreamlitRecorder | None = None,
    *,
    sidebar: bool = True,
    show: int = 25,
) -> None:
    """The session's frames, newest first: trigger and changes, a button to jump to each,
    and a button to download the recording. In the sidebar unless ``sidebar=False``.
    """
    rec = _current(rec)
    where = st.sidebar if sidebar else st.container()
    with where:
        st.subheader("History")
        frames = rec.frames
        st.caption(f"{len(frames)} frames · at frame {rec.position}")
        for frame in reversed(frames[-show:]):
            here = frame.index == rec.position
            trigger = frame.trigger or "rerun"
            n = len(frame.changes)
            label = (
                f"{'▶ ' if here else ''}#{frame.index} · {trigger} · "
                f"{n} change{'' if n == 1 else 's'}"
            )
            st.button(
                label,
                key=f"{KEY_PREFIX}_jump_{frame.index}",
                help=_describe(frame),
                on_click=_callback(rec.jump),
                args=(frame.index,),
                disabled=here,
                width="stretch",
                type="tertiary",
            )
        if len(frames) > show:
            st.caption(f"… {len(frames) - show} older frames")
        st.download_button(
            "Download recording",
            data=rec.recording_bytes,
            file_name=os.path.basename(rec.path) if rec.path else "session.ttrec",
            mime="application/octet-stream",
            key=f"{KEY_PREFIX}_download",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )
