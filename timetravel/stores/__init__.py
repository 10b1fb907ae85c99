"""Stores: where recorded sessions live (a folder of ``.ttrec`` files, SQLite, PostgreSQL).

::

    from timetravel import Recorder, Recording
    from timetravel.stores import open_store

    store = open_store("sqlite:///recordings.db")      # or a folder, or postgresql://...
    with Recorder(state, sink=store.open_session("s1")) as rec:
        rec.capture()
    Recording.open(store, session="s1")
    store.sessions()                                    # [SessionInfo(id='s1', ...)]

See docs/stores.md. One module per kind of store; :func:`register` adds a URL scheme.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from .base import SessionForked, SessionInfo, Store, StoreError, StoreStream, new_session_id

__all__ = [
    "SessionForked",
    "SessionInfo",
    "Store",
    "StoreError",
    "StoreStream",
    "new_session_id",
    "open_store",
    "register",
    "split_location",
]

# URL scheme -> "module:Class" (imported when first used) or a factory(url, **options).
_REGISTRY: dict[str, str | Callable[..., Store]] = {
    "sqlite": "timetravel.stores.sql:SQLStore",
    "postgresql": "timetravel.stores.sql:SQLStore",
    "postgres": "timetravel.stores.sql:SQLStore",
}

_EXTRAS = {
    "sqlite": "pip install 'timetravel-streamlit[sql]'",
    "postgresql": "pip install 'timetravel-streamlit[postgres]'",
    "postgres": "pip install 'timetravel-streamlit[postgres]'",
}


def register(scheme: str, factory: str | Callable[..., Store]) -> None:
    """Open URLs of ``scheme`` (``scheme://...``) with ``factory(url, **options)``, or with
    the class a ``"module:Class"`` string names."""
    _REGISTRY[scheme.lower()] = factory


def _scheme(text: str) -> str | None:
    head, sep, _ = text.partition("://")
    if not sep or not head or not all(c.isalnum() or c in "+-." for c in head):
        return None
    return head.lower().split("+", 1)[0]


def open_store(location: str | os.PathLike[str] | Store, **options: Any) -> Store:
    """The store at ``location``.

    - a folder path, or ``file:///path``: a :class:`~timetravel.stores.folder.FolderStore`
      of ``.ttrec`` files (created when first written);
    - ``sqlite:///path.db``, ``postgresql://user:pw@host/db``: a
      :class:`~timetravel.stores.sql.SQLStore`;
    - a :class:`Store`: itself.

    ``options`` go to the store: ``retry_every``, ``ttl``, ``max_sessions`` (see
    :class:`Store`). Raises :class:`StoreError` (one line) for an unknown scheme or a
    missing driver; never because the store is unreachable (that is found when writing).
    """
    if isinstance(location, Store):
        return location
    text = os.fspath(location)
    scheme = _scheme(text)
    if scheme is None or scheme == "file":
        from .folder import FolderStore

        path = text[len("file://") :] if scheme == "file" else text
        return FolderStore(path, **options)
    factory = _REGISTRY.get(scheme)
    if factory is None:
        known = ", ".join(sorted({*_REGISTRY, "file"}))
        raise StoreError(f"{text}: unknown store scheme {scheme!r} (known: {known})")
    if isinstance(factory, str):
        module, _, name = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module), name)
        except ImportError as exc:
            hint = _EXTRAS.get(scheme)
            raise StoreError(
                f"{scheme} stores need a package that is not installed ({exc.name or exc})"
                + (f": {hint}" if hint else "")
            ) from None
    assert callable(factory)
    store = factory(text, **options)
    if not isinstance(store, Store):
        raise StoreError(f"{scheme}: the registered factory did not return a Store")
    return store


def split_location(text: str) -> tuple[str, str] | None:
    """``("sqlite:///x.db", "abc")`` for ``"sqlite:///x.db#abc"``; None if ``text`` does not
    name a session of a store (``STORE#SESSION``, STORE a URL or an existing folder)."""
    store, sep, session = text.rpartition("#")
    if not sep or not store or not session:
        return None
    if _scheme(store) is not None or os.path.isdir(store):
        return store, session
    return None
