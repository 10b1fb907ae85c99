"""Helpers for testing Streamlit apps that use timetravel, with Streamlit's ``AppTest``.

::

    from streamlit.testing.v1 import AppTest
    from timetravel.testing import history, jump, redo, undo

    at = AppTest.from_file("counter.py").run()
    at.button(key="add").click().run()
    undo(at)                      # clicks Undo and reruns the app
    redo(at)
    jump(at, 0)                   # the history panel's button for frame 0
    [f.trigger for f in history(at)]

They click the buttons of ``tt.undo_buttons()`` and ``tt.history_panel()`` by their keys,
so the app must draw them; each returns ``at`` after the run. Nothing here imports Streamlit
until it is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Frame

__all__ = ["history", "jump", "redo", "replay", "undo"]

_PREFIX = "_timetravel"


def _click(at: Any, key: str, what: str) -> Any:
    for root in (at.main, at.sidebar):
        for node in root:
            if getattr(node, "key", None) == key and hasattr(node, "click"):
                if getattr(node, "disabled", False):
                    raise AssertionError(f"{what} is disabled")
                return node.click().run()
    raise LookupError(f"the app shows no {what} (a button with key {key!r})")


def undo(at: Any, key: str = "buttons") -> Any:
    """Click Undo (of ``tt.undo_buttons(key=key)``) and run the app; returns ``at``.

    AssertionError if Undo is disabled (nothing to undo), LookupError if it isn't drawn.
    """
    return _click(at, f"{_PREFIX}_{key}_undo", "Undo button")


def redo(at: Any, key: str = "buttons") -> Any:
    """Click Redo (of ``tt.undo_buttons(key=key)``) and run the app; returns ``at``."""
    return _click(at, f"{_PREFIX}_{key}_redo", "Redo button")


def jump(at: Any, index: int) -> Any:
    """Click frame ``index`` in ``tt.history_panel()`` and run the app; returns ``at``.

    The panel shows its newest ``show`` frames; AssertionError for the frame the session
    is at (its button is disabled).
    """
    return _click(at, f"{_PREFIX}_jump_{index}", f"history button of frame {index}")


def history(at: Any) -> Sequence[Frame]:
    """The session's frames, oldest first (``index``, ``trigger``, ``label``, ``changes``...).

    RuntimeError if the app has not called ``tt.track()``.
    """
    try:
        session = at.session_state["_timetravel"]
    except KeyError:
        raise RuntimeError("the app has not called timetravel.streamlit.track()") from None
    return list(session.frames)


def replay(recording: Any, app: Any, **options: Any) -> Any:
    """:func:`timetravel.streamlit.replay.replay`: replay a recording against an app."""
    from .streamlit.replay import replay as run

    return run(recording, app, **options)
