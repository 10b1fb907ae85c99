"""The timeline: one row per frame, newest first, a page at a time; a filter; A/B marks.

Only the page on screen is read: :data:`PAGE` frames decoded from the recording in memory
(the recording caches decoded frames), so a 100,000-frame recording costs no more to show
than a 100-frame one. Clicking a row selects that frame (see ``selection``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

import streamlit as st

from timetravel.labels import change_words, elapsed, frame_title, plural

from .selection import View, remember, select, wkey
from .source import Source
from .text import md

__all__ = ["PAGE", "Listing", "draw"]

PAGE = 100
"""Frames per page of the timeline."""


class Listing(Sequence[int]):
    """The positions the timeline lists, newest first: every frame, or a filter's matches."""

    def __init__(self, n: int, matches: list[int] | None) -> None:
        self._n = n
        self._matches = matches

    def __len__(self) -> int:
        return self._n if self._matches is None else len(self._matches)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return self._n - 1 - i if self._matches is None else self._matches[-1 - i]

    def row_of(self, pos: int) -> int | None:
        """Where ``pos`` is listed, or None if it is not."""
        if self._matches is None:
            return self._n - 1 - pos if 0 <= pos < self._n else None
        i = bisect_left(self._matches, pos)
        if i < len(self._matches) and self._matches[i] == pos:
            return len(self._matches) - 1 - i
        return None

    def pages(self) -> int:
        """How many pages of :data:`PAGE` rows it takes (one, when empty)."""
        return max(1, -(-len(self) // PAGE))


def _marker(view: View, pos: int) -> str:
    marks = "".join(m for m in ("A", "B") if view.marks.get(m) == pos)
    return ("▶" if pos == view.selected else "") + marks


def _table(source: Source, view: View, positions: list[int]) -> dict[str, list[Any]]:
    t0 = source.first_time
    cols: dict[str, list[Any]] = {"": [], "frame": [], "time": [], "action": [], "changes": []}
    for pos in positions:
        frame = source.frame(pos)
        cols[""].append(_marker(view, pos))
        cols["frame"].append(frame.index)
        cols["time"].append(elapsed(frame.time - t0))
        cols["action"].append(frame_title(frame))
        cols["changes"].append(change_words(frame))
    return cols


def _set_page(view: View, page: int) -> None:
    view.page = page
    view.reveal = False
    view.generation += 1


def _go_to(view: View, source: Source, field: str) -> None:
    index = st.session_state.get(field)
    if index is None:
        return
    pos = source.position_of(int(index))
    if pos is not None:
        select(view, pos)


def _filter_changed(view: View) -> None:
    view.page = 0
    view.reveal = False
    view.generation += 1


def _mark(view: View, mark: str | None) -> None:
    if mark is None:
        view.marks.clear()
    else:
        view.marks[mark] = view.selected


def draw(source: Source, view: View) -> None:
    """The timeline of ``source`` as ``view`` sees it."""
    n = len(source)
    st.subheader("Timeline")
    filter_key = wkey(view.key, "filter")
    needle = str(st.session_state.get(filter_key) or "").strip()
    matches = None
    if needle:
        with st.spinner(f"Filtering {plural(n, 'frame')}…"):
            matches = source.matching(needle)
    listing = Listing(n, matches)
    if view.reveal and matches is not None and listing.row_of(view.selected) is None:
        st.session_state[filter_key] = ""  # the frame asked for is filtered out: show all
        needle, matches = "", None
        listing = Listing(n, None)
    st.text_input(
        "Filter",
        key=filter_key,
        placeholder="Filter: part of a key path, trigger, label or page",
        label_visibility="collapsed",
        on_change=_filter_changed,
        args=(view,),
    )
    if view.reveal:
        row = listing.row_of(view.selected)
        if row is not None:
            view.page = row // PAGE
        view.reveal = False
    pages = listing.pages()
    view.page = min(max(0, view.page), pages - 1)
    first = view.page * PAGE
    positions = listing[first : first + PAGE]

    with st.container(horizontal=True, vertical_alignment="center"):
        at_start, at_end = view.page == 0, view.page >= pages - 1
        st.button(
            "Newest",
            width="content",
            key=wkey(view.key, "newest"),
            icon=":material/first_page:",
            disabled=at_start,
            on_click=_set_page,
            args=(view, 0),
        )
        st.button(
            "Newer",
            width="content",
            key=wkey(view.key, "newer"),
            icon=":material/chevron_left:",
            disabled=at_start,
            on_click=_set_page,
            args=(view, view.page - 1),
        )
        st.button(
            "Older",
            width="content",
            key=wkey(view.key, "older"),
            icon=":material/chevron_right:",
            icon_position="right",
            disabled=at_end,
            on_click=_set_page,
            args=(view, view.page + 1),
        )
        st.button(
            "Oldest",
            width="content",
            key=wkey(view.key, "oldest"),
            icon=":material/last_page:",
            icon_position="right",
            disabled=at_end,
            on_click=_set_page,
            args=(view, pages - 1),
        )
        shown = f"page {view.page + 1:,} of {pages:,}"
        if matches is not None:
            shown += f" · {len(matches):,} of {plural(n, 'frame')} match “{md(needle, 60)}”"
        else:
            shown += f" · {plural(n, 'frame')}"
        st.caption(shown)

    table = f"{wkey(view.key, 'timeline')}-{view.page}-{view.generation}"
    selected_row = positions.index(view.selected) if view.selected in positions else None
    event = st.dataframe(
        _table(source, view, positions),
        key=table,
        hide_index=True,
        height=min(388, 38 + 35 * max(1, len(positions))),
        on_select="rerun",
        selection_mode="single-row",
        selection_default=(
            {"selection": {"rows": [selected_row]}} if selected_row is not None else None
        ),
        column_config={
            "": st.column_config.TextColumn(" ", width=40),
            "frame": st.column_config.NumberColumn("frame", format="%d", width=60),
            "time": st.column_config.TextColumn("time", width=90),
            "action": st.column_config.TextColumn("action", width="medium"),
            "changes": st.column_config.TextColumn("changes", width="large"),
        },
    )
    remember(view, "timeline", table, positions, event)

    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            "Go to frame",
            min_value=None,
            value=None,
            step=1,
            key=wkey(view.key, "goto"),
            placeholder="frame number",
            on_change=_go_to,
            args=(view, source, wkey(view.key, "goto")),
            width=190,
        )
        st.button(
            "Mark A",
            key=wkey(view.key, "mark_a"),
            on_click=_mark,
            args=(view, "A"),
            help="Mark the selected frame as A",
        )
        st.button(
            "Mark B",
            key=wkey(view.key, "mark_b"),
            on_click=_mark,
            args=(view, "B"),
            help="Mark the selected frame as B: the diff from A to B shows",
        )
        st.button(
            "Clear marks",
            key=wkey(view.key, "clear_marks"),
            on_click=_mark,
            args=(view, None),
            disabled=not view.marks,
        )
