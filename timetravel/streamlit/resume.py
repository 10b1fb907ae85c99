"""Sessions that come back: a store per process, and a session id in the page's URL.

With ``track(store=..., resume=True)`` each browser session gets an unguessable id in the
URL's ``tt_session`` query parameter. A new Streamlit session that arrives with a known id (a
refresh, a reconnect, a restarted server, another replica, a bookmark) resumes that session's
recording: its latest state, widget-bound keys included, and its whole undo history. Anything
else (no id, an unknown, malformed or foreign one, a store that can't be read) starts a new
session; nothing of another session is ever shown or overwritten.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ..recorder import Recorder
from ..recording import Recording
from ..stores import Store, StoreStream, new_session_id, open_store
from ..stores.base import check_session_id

__all__ = [
    "QUERY_PARAM",
    "STORE_ENV",
    "Opened",
    "current_user",
    "no_store_once",
    "open_session",
    "resolve_store",
    "sync_url",
    "unguessable_id",
]

STORE_ENV = "TIMETRAVEL_STORE"
QUERY_PARAM = "tt_session"

log = logging.getLogger("timetravel")

# One store per URL and process: every session of the app shares its connections.
_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def resolve_store(store: str | os.PathLike[str] | Store | None) -> Store | None:
    """The store ``store`` names (``TIMETRAVEL_STORE`` when None), opened once per process."""
    if isinstance(store, Store):
        return store
    where = os.fspath(store) if store is not None else os.environ.get(STORE_ENV) or None
    if where is None:
        return None
    with _stores_lock:
        found = _stores.get(where)
        if found is None:
            found = _stores[where] = open_store(where)
        return found


_said_no_store = False


def no_store_once() -> None:
    """Log, once per process, that ``resume=True`` has no store to resume from."""
    global _said_no_store
    if not _said_no_store:
        _said_no_store = True
        log.warning(
            "timetravel: track(resume=True) has no store (store=, %s or record_to=): "
            "sessions are recorded in memory and won't survive a refresh",
            STORE_ENV,
        )


def current_user() -> str | None:
    """The logged-in user (``st.user``), or None when the app has no login or nobody is."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        for field in ("email", "sub", "name"):
            value = user.get(field)
            if isinstance(value, str) and value:
                return value
    except Exception:  # no authentication configured, or an older Streamlit
        return None
    return None


@dataclass
class Opened:
    """The recorder of a browser session, the stream it writes, and whether it resumed."""

    recorder: Recorder
    stream: StoreStream
    resumed: bool


def _asked_id() -> str | None:
    try:
        raw = st.query_params.get(QUERY_PARAM)
    except Exception:
        return None
    if not isinstance(raw, str):
        return None
    try:
        return check_session_id(raw)
    except Exception:
        return None  # malformed: a fresh session


def _resumable(store: Store, session: str, user: str | None) -> bool:
    """Whether ``session`` exists in ``store`` and belongs to ``user`` (None: no login)."""
    try:
        info = store.info(session)
    except Exception as exc:
        log.warning("timetravel: can't look up session in %s (%s); starting a new one",
                    store.url, exc)
        return False
    return info is not None and info.user == user


def open_session(
    store: Store, state: MutableMapping[Any, Any], resume: bool, options: dict[str, Any]
) -> Opened:
    """A recorder for this browser session, writing to ``store``: the session in the URL
    resumed when ``resume`` allows it and it is this user's, or a new session."""
    user = current_user()
    asked = _asked_id() if resume else None
    if asked is not None and _resumable(store, asked, user):
        try:
            store.sync(asked, timeout=2.0)  # rows this process still holds for it (F5 fast)
            recording = Recording.open(store, session=asked)
            stream = store.open_session(asked, user=user, resume=True)
            carried = {k: v for k, v in options.items() if k != "meta"}  # the file has its own
            recorder = Recorder.resume_from(recording, state, sink=stream, **carried)
            return Opened(recorder, stream, True)
        except Exception as exc:  # unreadable or racing: never lose the app over it
            log.warning("timetravel: can't resume session from %s (%s); starting a new one",
                        store.url, exc)
    stream = store.open_session(unguessable_id() if resume else new_session_id(), user=user)
    # The header names the user too: a folder store knows a session's owner from it.
    meta = {**(options.get("meta") or {}), "user": user}
    return Opened(Recorder(state, sink=stream, **{**options, "meta": meta}), stream, False)


def unguessable_id() -> str:
    """A session id for a URL: 128 random bits (32 hex digits), nothing else in it. Without
    a login, whoever has it can resume the session."""
    return secrets.token_hex(16)


def sync_url(stream: StoreStream) -> None:
    """Put the session's id in the URL (again after a fork: a duplicated tab gets its own)."""
    try:
        if st.query_params.get(QUERY_PARAM) != stream.session:
            st.query_params[QUERY_PARAM] = stream.session
    except Exception:
        pass
