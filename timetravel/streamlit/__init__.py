"""The Streamlit layer: per-session recording, Undo/Redo buttons and a history panel.

::

    import streamlit as st
    import timetravel.streamlit as tt

    rec = tt.track()          # near the top of the script: one frame per user action
    tt.undo_buttons()         # "Undo" and "Redo", disabled when there is nothing to do
    tt.history_panel()        # in the sidebar: every action, jump to any, branches, download

    @tt.action("Add todo")    # the app's own name for an action (else the widget's label)
    def add() -> None: ...

Each browser session has its own recorder, kept in its own ``st.session_state``. A frame is
one user action once it has settled: the callbacks it fired, the run it caused, every
``st.rerun()`` after it. Restores happen where Streamlit allows them: from a widget callback
(``on_click=rec.undo``) at once, before any widget exists; from the script body they are
scheduled and the script reruns. Keys of read-only widgets (buttons, uploaders, data editors,
selections...) are never recorded or written.

The modules: ``_internals`` (every use of Streamlit's private internals), ``session`` (the
per-session recorder), ``actions`` (names of actions), ``widgets`` (the Undo and Redo
buttons), ``history`` (the history panel), ``editor`` (an undoable table) and ``viewer`` (a
recording on a page: ``timetravel view``).
"""

from __future__ import annotations

from .._extras import require as _require

# Without Streamlit, one line that says what to install (not a ModuleNotFoundError).
_require("streamlit", "timetravel.streamlit", "Streamlit", "streamlit")

from .actions import action
from .editor import data_editor
from .history import history_panel
from .session import RECORD_DIR_ENV, StreamlitRecorder, current, track
from .viewer import viewer
from .widgets import undo_buttons

__all__ = [
    "RECORD_DIR_ENV",
    "StreamlitRecorder",
    "action",
    "current",
    "data_editor",
    "history_panel",
    "track",
    "undo_buttons",
    "viewer",
]
