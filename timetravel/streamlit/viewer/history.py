"""One key's history: every frame that changed it, with the old and new value.

The key is picked from the paths the selected frame changed and the paths in its state (a
bounded list), or typed as ``format_path`` writes it (``todos[0]['done']``). The history
walks the whole recording (``Recording.history``) once per key; the result is kept with
the recording, so picking the key again, or selecting frames, does not walk it again.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Hashable, Iterator
from typing import Any

import streamlit as st

from timetravel import MISSING, ObjectRecord, RecordingError
from timetravel.display import display_path
from timetravel.labels import elapsed, frame_title, plural

from .selection import View, remember, wkey
from .source import Source
from .text import md, value

__all__ = ["OPTIONS", "ROWS", "draw", "parse_path", "paths_in"]

OPTIONS = 300
"""Key paths offered in the picker at most."""
ROWS = 1_000
"""History rows shown at most (the newest)."""


def paths_in(state: Any, limit: int = OPTIONS, depth: int = 3) -> Iterator[tuple[Hashable, ...]]:
    """Key paths in ``state``, breadth first, down to ``depth`` levels, at most ``limit``."""
    level: list[tuple[tuple[Hashable, ...], Any]] = [((k,), v) for k, v in state.items()]
    count = 0
    for _ in range(depth):
        below: list[tuple[tuple[Hashable, ...], Any]] = []
        for path, v in level:
            yield path
            count += 1
            if count >= limit:
                return
            if isinstance(v, dict):
                below.extend(((*path, k), c) for k, c in itertools.islice(v.items(), limit))
            elif isinstance(v, (list, tuple)):
                below.extend(((*path, i), c) for i, c in enumerate(itertools.islice(v, limit)))
        level = below


def parse_path(text: str) -> tuple[Hashable, ...] | None:
    """``todos[0]['done']`` -> ``("todos", 0, "done")``; None if it isn't a key path.

    Indices are Python literals (read with ``ast.literal_eval``, which evaluates nothing).
    """
    text = text.strip()
    head, sep, rest = text.partition("[")
    if not head:
        return None
    path: list[Hashable] = [head]
    rest = sep + rest
    while rest:
        if not rest.startswith("["):
            return None
        depth, end = 0, -1
        quote: str | None = None
        for i, ch in enumerate(rest):
            if quote:
                if ch == quote and rest[i - 1] != "\\":
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end < 0:
            return None
        try:
            part = ast.literal_eval(rest[1:end])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if not isinstance(part, Hashable):
            return None
        path.append(part)
        rest = rest[end + 1 :]
    return tuple(path)


def _picked(view: View, field: str, options: dict[str, tuple[Hashable, ...]]) -> None:
    label = st.session_state.get(field)
    if label is None:
        return
    path = options.get(label) or parse_path(str(label))
    view.history_path = path


def _options(source: Source, view: View) -> dict[str, tuple[Hashable, ...]]:
    frame = source.frame(view.selected)
    paths = list(dict.fromkeys(c.path for c in frame.changes[:50]))
    try:
        state = source.recording.state_at(view.selected)
    except RecordingError:
        state = {}
    paths += [p for p in paths_in(state) if p not in paths]
    return {display_path(p, 60): p for p in paths[:OPTIONS]}


def _shown(v: Any) -> str:
    if v is MISSING:
        return "<missing>"
    return value(v, 80) if not isinstance(v, ObjectRecord) else value(v, 120)


def draw(source: Source, view: View) -> None:
    """The key picker and the picked key's history."""
    st.markdown("**Key history**")
    if not len(source):
        return
    field = wkey(view.key, "history_key")
    options = _options(source, view)
    st.selectbox(
        "Key",
        list(options),
        index=None,
        key=field,
        placeholder="Pick or type a key path, e.g. todos[0]['done']",
        accept_new_options=True,
        on_change=_picked,
        args=(view, field, options),
        label_visibility="collapsed",
    )
    path = view.history_path
    if path is None:
        st.caption("Every frame that changed one key, with its old and new value.")
        return
    label = display_path(path, 80)
    with st.spinner(f"Tracing {md(label)} through {plural(len(source), 'frame')}…"):
        try:
            rows = source.history(path)
        except RecordingError as exc:
            st.error(md(str(exc), 2000))
            return
    if not rows:
        st.caption(f"No frame changed {md(label)}.")
        return
    shown = rows[-ROWS:][::-1]
    t0 = source.first_time
    table = {
        "frame": [f.index for _, f, _, _ in shown],
        "time": [elapsed(f.time - t0) for _, f, _, _ in shown],
        "action": [frame_title(f) for _, f, _, _ in shown],
        "old": [_shown(old) for _, _, old, _ in shown],
        "new": [_shown(new) for _, _, _, new in shown],
    }
    st.caption(
        f"{plural(len(rows), 'frame')} changed {md(label)}"
        + (f" (the newest {ROWS:,} shown)" if len(rows) > ROWS else "")
        + ". Click a row to select its frame."
    )
    key = f"{wkey(view.key, 'history')}-{hash(path) & 0xFFFFFFFF:x}"
    event = st.dataframe(
        table,
        key=key,
        hide_index=True,
        height=min(38 + 35 * len(shown), 318),
        on_select="rerun",
        selection_mode="single-row",
        column_config={"frame": st.column_config.NumberColumn("frame", format="%d")},
    )
    remember(view, "history", key, [p for p, _, _, _ in shown], event)
