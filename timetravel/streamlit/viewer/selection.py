"""What one browser session is looking at: the selected frame, the A/B marks, the page.

It lives in that session's ``st.session_state`` (under a ``_timetravel_`` key, which
``tt.track()`` never records), so two sessions viewing one file select independently.

Tables (the timeline, search results, a key history) select a frame when a row is clicked.
Each table's rows are remembered with the positions of their frames; at the start of a run
:func:`take_clicks` compares each table's selection with the one it had at the end of the
last run, and a changed one selects that row's frame. Doing it first, before anything is
drawn, means every part of the page draws the new selection in the same run.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from .source import Source

__all__ = ["SearchState", "View", "remember", "select", "take_clicks", "view_for", "wkey"]


def wkey(key: str, name: str) -> str:
    """The session-state key of part ``name`` of the viewer ``key`` (never recorded by
    ``tt.track()``, which leaves out keys that start with ``_timetravel_``)."""
    return f"_timetravel_{key}_{name}"


@dataclass
class SearchState:
    """A search's results so far: (position, how, matched key paths) per matching frame."""

    query: str
    wanted: int
    """How many matches to find before stopping (more with each "More results")."""
    results: list[tuple[int, str, tuple[tuple[Hashable, ...], ...]]] = field(default_factory=list)
    next_start: int | None = 0
    """Where the search carries on (a position), or None once it read the whole recording."""
    error: str | None = None


@dataclass
class View:
    """One session's view of one recording (positions are 0-based, in file order)."""

    key: str
    token: str
    selected: int
    marks: dict[str, int] = field(default_factory=dict)
    page: int = 0
    reveal: bool = True
    """Move the timeline to the page of the selected frame on the next draw."""
    generation: int = 0
    """Bumped when the selection moves other than by a click in the timeline: the timeline
    is then drawn as a new table, with the selected row highlighted."""
    seen: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Each table's selected rows as last drawn (by the table's widget key)."""
    tables: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    """Each kind of table's widget key as last drawn, and the positions of its rows."""
    history_path: tuple[Hashable, ...] | None = None
    search: SearchState | None = None
    version: int = 0
    """The source's version the search was made on."""
    chart_runs: int = 0
    """How often the chart was drawn waiting for its numbers (see ``charts``)."""


def view_for(source: Source, key: str) -> View:
    """This session's view of ``source``; a fresh one (the last frame selected) when the
    session was looking at another recording."""
    state_key = wkey(key, "view")
    view = st.session_state.get(state_key)
    if not isinstance(view, View) or view.token != source.token:
        view = View(key=key, token=source.token, selected=max(0, len(source) - 1))
        st.session_state[state_key] = view
    if view.version != source.version:  # reloaded with new frames: search again
        view.search, view.version = None, source.version
    view.selected = min(view.selected, max(0, len(source) - 1))
    return view


def select(view: View, pos: int) -> None:
    """Select the frame at ``pos`` from outside the timeline (a search result, a key
    history row, a frame number typed in)."""
    view.selected = pos
    view.reveal = True
    view.generation += 1


def _rows(value: Any) -> tuple[int, ...]:
    try:
        return tuple(int(r) for r in value["selection"]["rows"])
    except (KeyError, TypeError, ValueError):
        return ()


def take_clicks(view: View) -> None:
    """Select the frame of a table row clicked since the last run (see the module)."""
    for kind, (table, positions) in list(view.tables.items()):
        if table not in st.session_state:
            continue
        rows = _rows(st.session_state[table])
        if rows == view.seen.get(table, ()):
            continue
        view.seen[table] = rows
        if rows and rows[0] < len(positions):
            if kind == "timeline":
                view.selected = positions[rows[0]]  # the timeline shows the click already
            else:
                select(view, positions[rows[0]])


def remember(view: View, kind: str, table: str, positions: list[int], event: Any) -> None:
    """Note a table as drawn: its widget key, its rows' positions, the selection it shows."""
    old = view.tables.get(kind)
    if old is not None and old[0] != table:
        view.seen.pop(old[0], None)
    view.tables[kind] = (table, positions)
    view.seen[table] = _rows(event)
