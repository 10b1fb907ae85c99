"""The selected frame: the whole state after it, what it changed, and the diff from A to B."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from timetravel import MISSING, Change, RecordingError
from timetravel.display import display_path
from timetravel.labels import frame_title, plural

from .selection import View, wkey
from .source import Source
from .text import md, tree, value, when

__all__ = ["CHANGES", "changes_table", "draw_diff", "draw_state"]

CHANGES = 1_000
"""Changes listed in one table before ``… N more``."""


def changes_table(changes: Sequence[Change]) -> dict[str, list[Any]]:
    """Changes as table columns: key path, what happened, old and new value (bounded)."""
    cols: dict[str, list[Any]] = {"key path": [], "change": [], "old": [], "new": []}
    for c in changes[:CHANGES]:
        cols["key path"].append(display_path(c.path, 80))
        cols["change"].append(c.kind)
        cols["old"].append("" if c.old is MISSING else value(c.old))
        cols["new"].append("" if c.new is MISSING else value(c.new))
    return cols


def _show_changes(title: str, changes: Sequence[Change], empty: str, key: str) -> None:
    st.markdown(f"**{title}** ({plural(len(changes), 'change')})")
    if not changes:
        st.caption(empty)
        return
    shown = min(len(changes), CHANGES)
    st.dataframe(changes_table(changes), key=key, hide_index=True, height=min(38 + 35 * shown, 318))
    if len(changes) > CHANGES:
        st.caption(f"… {plural(len(changes) - CHANGES, 'more change')}")


def draw_state(source: Source, view: View) -> None:
    """The state after the selected frame (bounded), and what the frame changed."""
    if not len(source):
        st.info("This recording has no frames yet.")
        return
    frame = source.frame(view.selected)
    st.subheader(f"Frame {frame.index:,}")
    details = [md(frame_title(frame)), md(when(frame.time))]
    if frame.page:
        details.append("page " + md(frame.page, 60))
    st.caption(" · ".join(details))
    st.markdown("**State after this frame**")
    try:
        state = source.recording.state_at(view.selected)
    except RecordingError as exc:
        st.error(md(str(exc), 2000))
    else:
        with st.container(height=320, border=True, key=wkey(view.key, "tree")):
            st.json(tree(state), expanded=2)
    with st.container(key=wkey(view.key, "part_changes")):
        _show_changes(
            f"Changes in frame {frame.index:,}",
            frame.changes,
            "This frame changed nothing.",
            wkey(view.key, "changes"),
        )


def draw_diff(source: Source, view: View) -> None:
    """The changes from the state at mark A to the state at mark B."""
    a, b = view.marks.get("A"), view.marks.get("B")
    if a is None or b is None or not len(source):
        st.markdown("**Diff A → B**")
        st.caption("Mark two frames, A and B, under the timeline to see what changed between them.")
        return
    title = f"Diff A → B: frame {source.frame(a).index:,} → frame {source.frame(b).index:,}"
    try:
        changes = source.recording.diff(a, b)
    except RecordingError as exc:
        st.markdown(f"**{title}**")
        st.error(md(str(exc), 2000))
        return
    _show_changes(title, changes, "The state is the same at both frames.", wkey(view.key, "diff"))
