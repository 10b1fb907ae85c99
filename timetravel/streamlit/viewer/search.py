"""The search box: every frame where a value matching a query appeared, changed or went.

``Recording.search`` streams its matches as it reads the frames, so the first ones show
while it is still reading; it stops after :data:`BATCH` matches, and "More results" carries
on from there. The results are kept in the session's view: reruns (selecting a frame,
paging) do not search again. A query that can't be read says why, under the box.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from timetravel import QueryError, RecordingError
from timetravel.display import display_path
from timetravel.labels import elapsed, frame_title, plural

from .selection import SearchState, View, remember, wkey
from .source import Source
from .text import md

__all__ = ["BATCH", "draw"]

BATCH = 200
"""Matches found per search (and per "More results")."""
_REFRESH = 0.25  # seconds between updates of the results while searching


def _table(source: Source, found: SearchState) -> dict[str, list[Any]]:
    t0 = source.first_time
    cols: dict[str, list[Any]] = {"frame": [], "time": [], "action": [], "what": [], "where": []}
    for pos, how, paths in found.results:
        frame = source.frame(pos)
        cols["frame"].append(frame.index)
        cols["time"].append(elapsed(frame.time - t0))
        cols["action"].append(frame_title(frame))
        cols["what"].append(how)
        shown = ", ".join(display_path(p, 40) for p in paths[:3])
        cols["where"].append(shown + (f" +{len(paths) - 3}" if len(paths) > 3 else ""))
    return cols


def _more(view: View) -> None:
    if view.search is not None:
        view.search.wanted += BATCH


def _run(source: Source, found: SearchState, slot: Any) -> None:
    """Search on from ``found.next_start`` until ``found.wanted`` matches are in."""
    assert found.next_start is not None
    try:
        matches = source.recording.search(found.query, start=found.next_start)
    except QueryError as exc:
        found.error, found.next_start = str(exc), None
        return
    shown = time.monotonic()
    try:
        with st.spinner("Searching…"):
            for match in matches:
                found.results.append((match.position, match.how, match.paths))
                found.next_start = match.position + 1
                if len(found.results) >= found.wanted:
                    return
                if time.monotonic() - shown > _REFRESH:  # show the first results early
                    slot.dataframe(_table(source, found), hide_index=True, height=250)
                    shown = time.monotonic()
            found.next_start = None
    except RecordingError as exc:
        found.error, found.next_start = str(exc), None


def draw(source: Source, view: View) -> None:
    """The search box and its results."""
    field = wkey(view.key, "search")
    query = st.text_input(
        "Search across time",
        key=field,
        placeholder='Search: text, /regex/i, or a key path: todos[*].title == "milk"',
        label_visibility="collapsed",
        icon=":material/search:",
    ).strip()
    if not query:
        view.search = None
        return
    found = view.search
    if found is None or found.query != query:
        found = view.search = SearchState(query, wanted=BATCH)
    slot = st.empty()
    if found.next_start is not None and len(found.results) < found.wanted:
        _run(source, found, slot)
    if found.error is not None:
        slot.error(md(found.error, 2000), icon=":material/error:")
        return
    n = len(found.results)
    if not n:
        slot.caption(f"No frame matches {md(query, 80)}.")
        return
    more = found.next_start is not None
    key = f"{wkey(view.key, 'results')}-{abs(hash(query)):x}"
    with slot.container():
        st.caption(
            f"{plural(n, 'frame')} where a match appeared, changed or disappeared"
            + (" (there may be more)" if more else "")
            + ". Click a row to select its frame."
        )
        event = st.dataframe(
            _table(source, found),
            key=key,
            hide_index=True,
            height=min(38 + 35 * n, 318),
            on_select="rerun",
            selection_mode="single-row",
            column_config={"frame": st.column_config.NumberColumn("frame", format="%d")},
        )
        if more:
            st.button(
                "More results",
                key=wkey(view.key, "search_more"),
                on_click=_more,
                args=(view,),
                icon=":material/expand_more:",
            )
    remember(view, "search", key, [pos for pos, _, _ in found.results], event)
