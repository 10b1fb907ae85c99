"""The browser viewer: a recording on a Streamlit page (``timetravel view``, ``viewer()``).

::

    import os
from typing import Any

import streamlit as st
    from timetravel.streamlit.viewer import viewer

    st.set_page_config(layout="wide")
    viewer("session.ttrec")          # or an upload, bytes, a Recording, "sqlite:///x.db#ID"

The page shows the timeline (newest first, a page at a time, with a filter and A/B marks),
the state after the selected frame, what that frame changed, the diff between the frames
marked A and B, one key's history, a search box (``Recording.search``) and a chart of the
state's size and the changes over time. It reads the recording only through the public
:class:`~timetravel.Recording` API, as the terminal UI does, and opens a file once however
much the page is used (see ``source``). Everything from the recording is escaped for
Markdown (see ``text``). See docs/viewer.md.

The modules: ``source`` (opening, caching), ``opener`` (choosing what to view),
``selection`` (one session's selection), ``timeline``, ``state``, ``history``, ``search``,
``stats`` and ``charts``; ``app`` is the script ``timetravel view`` runs.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from timetravel import Recording, RecordingError
from timetravel.labels import plural

from . import charts, history, search, state, timeline
from .opener import SourceArg, resolve
from .selection import take_clicks, view_for, wkey
from .source import Source
from .text import md, when

__all__ = ["viewer"]


def _reload(source: Source, key: str) -> None:
    try:
        source.reload()
    except RecordingError as exc:
        st.session_state[wkey(key, "reload_error")] = str(exc)


def _header(source: Source, key: str) -> None:
    rec = source.recording
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"### :material/history: {md(os.path.basename(source.name), 200)}")
        if source.reloadable:
            st.button(
                "Reload",
                key=wkey(key, "reload"),
                icon=":material/refresh:",
                on_click=_reload,
                args=(source, key),
                help="Read the frames written since",
            )
    facts = [
        md(source.name, 500),
        plural(len(rec), "frame"),
        f"{rec.size:,} bytes",
        f"recorded {md(when(rec.created))}",
    ]
    st.caption(" · ".join(facts))
    if rec.notice:
        st.warning(md(rec.notice, 2000), icon=":material/warning:")
    failed = st.session_state.pop(wkey(key, "reload_error"), None)
    if failed:
        st.error(md(failed, 2000))


def viewer(
    source: SourceArg = None,
    *,
    key: str = "viewer",
    open_paths: bool = False,
) -> Recording | None:
    """Show a recording on the page: timeline, state, diffs, key history, search, chart.

    ``source`` is a path to a ``.ttrec`` file, ``"STORE#SESSION"``, a store (a folder or a
    URL such as ``"sqlite:///sessions.db"``: its sessions are listed to pick one from), the
    bytes of a recording, or a :class:`~timetravel.Recording`. Without one, the page offers
    an upload. ``open_paths=True`` also lets the user type a path or a store: only for a
    viewer on your own machine (``timetravel view`` does it), never on a public app, where
    it would let any visitor read any recording the server can. ``key`` tells two viewers
    on one page apart. Each browser session has its own selection.

    Returns the recording shown, or None when there is none (yet). Errors in opening one
    show as a one-line ``st.error``.
    """
    found = resolve(source, key, open_paths)
    if found is None:
        return None
    view = view_for(found, key)
    take_clicks(view)
    _header(found, key)

    def part(name: str) -> Any:  # a keyed container: the page's CSS class st-key-<key>
        return st.container(key=wkey(key, f"part_{name}"))

    with part("search"):
        search.draw(found, view)
    left, right = st.columns([11, 9], gap="medium")
    with left, part("timeline"):
        timeline.draw(found, view)
    with right, part("state"):
        state.draw_state(found, view)
    marks, keys = st.columns([11, 9], gap="medium")
    with marks, part("diff"):
        state.draw_diff(found, view)
    with keys, part("history"):
        history.draw(found, view)
    with part("chart"):
        charts.draw(found, view)
    return found.recording
