"""An undoable ``st.data_editor``: the edited table lives in session state."""

from __future__ import annotations

from typing import Any

import streamlit as st

from .session import EDITOR_PREFIX, current

__all__ = ["data_editor"]


def data_editor(data: Any, *, key: str, **kwargs: Any) -> Any:
    """``st.data_editor`` whose edits are undo steps; returns the edited table.

    Takes the arguments of ``st.data_editor``. The table as edited is kept in
    ``st.session_state[key]`` (``data`` seeds it on the first run), so cell edits, added rows
    and deleted rows are recorded like any other action, and Undo and Redo bring the table
    back. Streamlit won't let a script set an editor's edits, so when the table in session
    state was restored (or set by the app), the editor is mounted afresh to show it.
    """
    rec = current()
    state = st.session_state
    if key not in state:
        state[key] = data
    value = state[key]
    number, base, returned = rec.editors.get(key, (-1, None, None))
    if number < 0 or value is not returned:
        number, base = number + 1, value  # restored or set by the app: a fresh editor
    edited = st.data_editor(base, key=f"{EDITOR_PREFIX}{number}_{key}", **kwargs)
    state[key] = edited
    rec.editors[key] = (number, base, edited)
    return edited
