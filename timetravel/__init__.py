"""timetravel: undo/redo and time-travel state debugging for Streamlit apps.

The core records any ``MutableMapping`` (``st.session_state``, a plain dict)::

    from timetravel import Recorder, Recording

    state = {"count": 0}
    rec = Recorder(state, sink="session.ttrec")
    rec.capture()                 # frame 0: the initial state
    state["count"] += 1
    rec.capture()                 # frame 1: count 0 -> 1
    rec.undo()                    # state["count"] == 0 again
    rec.close()

    recording = Recording.open("session.ttrec")
    recording.state_at(1)         # {'count': 1}
"""

from __future__ import annotations

from ._format import DEFAULT_REDACT, FORMAT_VERSION
from .errors import QueryError, RecordingError, RecordingInUseError, TimetravelWarning
from .model import Change, Frame, format_path
from .recorder import Branch, Recorder
from .recording import Recording, Summary
from .search import Match, Query, parse_query
from .values import MISSING, REDACTED, ObjectRecord, Opaque, Redacted

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_REDACT",
    "FORMAT_VERSION",
    "MISSING",
    "REDACTED",
    "Branch",
    "Change",
    "Frame",
    "Match",
    "ObjectRecord",
    "Opaque",
    "Query",
    "QueryError",
    "Recorder",
    "Recording",
    "RecordingError",
    "RecordingInUseError",
    "Redacted",
    "Summary",
    "TimetravelWarning",
    "__version__",
    "format_path",
    "parse_query",
]
