"""Choosing what to view: the recording an app gave, an upload, a path, or a store's session.

Opening fails with one line (``st.error``), never a traceback. A path or store can only be
typed in when the viewer allows it (``open_paths=True``, as ``timetravel view`` does):
on a public app that would let any visitor read any recording on the server.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import streamlit as st

from timetravel import Recording, RecordingError
from timetravel.display import safe_text

from .selection import wkey
from .source import (
    Source,
    kind_of_location,
    list_sessions,
    open_bytes,
    open_location,
    open_session,
    wrap,
)
from .text import md, when

__all__ = ["resolve"]

SourceArg = str | os.PathLike[str] | bytes | bytearray | memoryview | Recording | None


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n:,.1f} GB"


def _fail(exc: BaseException | str) -> None:
    st.error(md(str(exc), 2000), icon=":material/error:")


def _held(name: str, identity: str, open_it: Callable[[], Source]) -> Source | None:
    """The source kept in session state under ``name`` for ``identity`` (an upload's id, a
    digest), opened once; an error opening it is kept too, and said on every run."""
    held = st.session_state.get(name)
    if not (isinstance(held, tuple) and held[0] == identity):
        try:
            held = (identity, open_it())
        except RecordingError as exc:
            held = (identity, str(exc))
        st.session_state[name] = held
    if isinstance(held[1], Source):
        return held[1]
    _fail(held[1])
    return None


def _uploaded(key: str) -> Source | None:
    """The session's uploaded recording (kept in its own session state, read once)."""
    upload = st.session_state.get(wkey(key, "upload"))
    if upload is None:
        return None
    return _held(
        wkey(key, "uploaded"), upload.file_id, lambda: open_bytes(upload.getvalue(), upload.name)
    )


def _bytes(key: str, data: bytes | bytearray | memoryview) -> Source | None:
    """Bytes the app gave, opened once per content (kept in the session's state)."""
    digest = hashlib.sha256(data).hexdigest()
    return _held(wkey(key, "given"), digest, lambda: open_bytes(bytes(data), "<bytes>"))


def _chose(key: str, what: str) -> None:
    st.session_state[wkey(key, "chosen")] = what


def _store_sessions(location: str, key: str) -> Source | None:
    """The sessions of a store, to pick one from."""
    try:
        sessions = list_sessions(location)
    except (RecordingError, ValueError, OSError) as exc:
        _fail(exc)
        return None
    st.subheader("Sessions")
    st.caption(f"{md(location, 500)}: pick a session, most recently active first.")
    if not sessions:
        st.info("This store has no sessions yet.")
        return None
    table = {
        "session": [safe_text(s.id, 200) for s in sessions],
        "user": [safe_text(s.user or "-", 60) for s in sessions],
        "started": [when(s.started) for s in sessions],
        "last activity": [when(s.last_activity) for s in sessions],
        "frames": [s.frames for s in sessions],
        "size": [_size(s.size) for s in sessions],
    }
    event: Any = st.dataframe(
        table,
        key=wkey(key, "sessions"),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = list(event["selection"]["rows"])
    if not rows:
        return None
    try:
        return open_session(location, sessions[rows[0]].id)
    except (RecordingError, ValueError, OSError) as exc:
        _fail(exc)
        return None


def _location(location: str, key: str) -> Source | None:
    try:
        if kind_of_location(location) == "store":
            return _store_sessions(location, key)
        return open_location(location)
    except (RecordingError, ValueError, OSError) as exc:
        _fail(exc)
        return None


def resolve(source: SourceArg, key: str, open_paths: bool) -> Source | None:
    """What to view, with the opener drawn where it is wanted; None (having said why) when
    there is nothing to view yet."""
    if isinstance(source, Recording):
        return wrap(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _bytes(key, source)
    given = os.fspath(source) if source is not None else None
    if given is None or open_paths:
        with st.expander("Open a recording", expanded=given is None, icon=":material/folder_open:"):
            st.file_uploader(
                "Upload a .ttrec recording",
                type=["ttrec"],
                key=wkey(key, "upload"),
                on_change=_chose,
                args=(key, "upload"),
            )
            if open_paths:
                st.text_input(
                    "Or a path, a store (a folder, sqlite:///x.db) or STORE#SESSION",
                    value=given or "",
                    key=wkey(key, "location"),
                    on_change=_chose,
                    args=(key, "location"),
                )
    chosen = st.session_state.get(wkey(key, "chosen"))
    if chosen == "upload" and st.session_state.get(wkey(key, "upload")) is not None:
        return _uploaded(key)
    if open_paths:
        given = str(st.session_state.get(wkey(key, "location")) or "").strip() or given
    if given:
        return _location(given, key)
    if st.session_state.get(wkey(key, "upload")) is not None:
        return _uploaded(key)
    return None
