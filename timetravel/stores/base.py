"""The store seam: :class:`Store` keeps sessions' records; :class:`StoreStream` writes one.

A store holds sessions. A session is the byte stream of one ``.ttrec`` file cut into
**rows**: row 0 is the preamble and header record, and every later row is what the
recording's writer writes at once (one frame record, with its keyframe record when it has
one). Rows are numbered from 0 without gaps, and a row, once written, never changes. Reading
a session back is concatenating its rows, so the one reader of ``.ttrec`` files reads every
store (:meth:`Store.read`).

The sequence numbers are what keeps two writers from interleaving one history: a row is
written only at the number after the last one its writer wrote, and a number that is taken
raises :class:`SessionForked`. :class:`StoreStream`, the file-like object a
:class:`~timetravel.Recorder` writes to, answers that by going on in a new session (a *fork*)
that starts with a copy of the rows it wrote before, so the old session keeps the history of
the writer that got there first and neither is corrupted.

A :class:`StoreStream` never raises into the app: when the store fails it keeps the rows in
memory, logs one warning (logger ``"timetravel"``), retries every ``retry_every`` seconds and
writes everything it holds, in order, once the store is back.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, ClassVar

from .. import _codec
from .._format import PREAMBLE, RECORD_HEAD
from ..errors import RecordingError

__all__ = [
    "SessionForked",
    "SessionInfo",
    "Store",
    "StoreError",
    "StoreStream",
    "new_session_id",
]

logger = logging.getLogger("timetravel")

# Session ids name files in a folder store and appear on command lines: keep them plain.
_SESSION_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")


class StoreError(RecordingError):
    """A store can't be opened or read: a bad URL, a missing driver, an unknown session,
    or a store that can't be reached. The message is one line that says which."""


class SessionForked(Exception):
    """Another writer has written the row this writer was about to write.

    Raised by :meth:`Store.append` (the sequence number ``seq`` of ``session`` is taken, or,
    for row 0, the session exists). :class:`StoreStream` catches it and forks.
    """

    def __init__(self, session: str, seq: int) -> None:
        super().__init__(
            f"session {session!r}: row {seq} was written by another writer "
            "(a second writer on one session)"
        )
        self.session = session
        self.seq = seq


@dataclass(frozen=True)
class SessionInfo:
    """One session as :meth:`Store.sessions` lists it."""

    id: str
    """The session id."""
    user: str | None
    """Who it belongs to: given to :meth:`Store.open_session`, or the ``"user"`` of the
    recorder's ``meta``; None if neither."""
    started: float
    """When recording started, in seconds since the epoch."""
    last_activity: float
    """When its last row was written, in seconds since the epoch."""
    frames: int
    """Frames written (rows after the header)."""
    size: int
    """Bytes written."""


def new_session_id() -> str:
    """A fresh session id: the time and a random part, ``20260102-150405-3f9a1c2b``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"


def check_session_id(session: str) -> str:
    """``session`` if it is a valid session id, else ValueError."""
    if not isinstance(session, str) or not _SESSION_ID.fullmatch(session):
        raise ValueError(
            f"invalid session id {session!r}: use 1 to 200 letters, digits, '.', '_' or '-', "
            "not starting with '.' or '-'"
        )
    return session


def header_info(row0: bytes) -> tuple[float | None, str | None]:
    """(``created``, ``app["user"]``) from a session's row 0, or Nones if it has none."""
    try:
        at = len(PREAMBLE)
        _, length, _ = RECORD_HEAD.unpack_from(row0, at)
        start = at + RECORD_HEAD.size
        header = _codec.decode(bytes(row0[start : start + length]))
    except Exception:
        return None, None
    if not isinstance(header, dict):
        return None, None
    created = header.get("created")
    app = header.get("app")
    user = app.get("user") if isinstance(app, dict) else None
    return (
        float(created) if isinstance(created, (int, float)) and not isinstance(created, bool)
        else None,
        user if isinstance(user, str) else None,
    )


def fork_id(session: str) -> str:
    """A new session id for a writer that lost ``session`` to another writer."""
    base = re.sub(r"\.f[0-9a-f]{6}$", "", session)[:190]
    return f"{base}.f{secrets.token_hex(3)}"  # a valid id itself: the fork resumes too


class Store(ABC):
    """Where sessions' records live. One subclass per kind of store (a folder, SQL).

    Stores are thread-safe: one store serves every session of a process. Use
    :func:`timetravel.stores.open_store` to get one from a URL or a path.

    Args:
        retry_every: after a failed write, seconds before the next try.
        ttl: sessions with no activity for this many seconds are pruned.
        max_sessions: at most this many sessions are kept (the most recently active).

    With ``ttl`` or ``max_sessions``, :meth:`open_session` prunes (at most once a minute);
    :meth:`prune` does it at once.
    """

    #: URL schemes this kind of store opens (the registry in :mod:`timetravel.stores`).
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Whether rows are written by a background thread (True) or inline in ``write``.
    background: ClassVar[bool] = False
    prune_every: ClassVar[float] = 60.0

    def __init__(
        self,
        *,
        retry_every: float = 2.0,
        ttl: float | None = None,
        max_sessions: int | None = None,
    ) -> None:
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl}")
        if max_sessions is not None and max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, not {max_sessions}")
        self.retry_every = retry_every
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._cond = threading.Condition()
        self._streams: set[StoreStream] = set()
        self._kicked = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self._down = False
        self._next_try = 0.0
        self._last_prune: float | None = None

    # --- what each kind of store provides ----------------------------------------------------

    @property
    @abstractmethod
    def url(self) -> str:
        """Where the store is, as ``open_store`` takes it (a password is masked)."""

    @abstractmethod
    def _write_rows(self, stream: StoreStream, rows: list[tuple[int, bytes]]) -> None:
        """Write ``rows`` (consecutive ``(seq, data)``) of ``stream.session`` all or none.

        Row 0 creates the session (``stream.user`` given). If ``stream.copy_from`` is set
        (``(old session, n)``), rows ``0..n-1`` of the old session are first copied into
        ``stream.session``, which is new. Raises :class:`SessionForked` when a row number is
        taken; any other exception means the store failed.
        """

    @abstractmethod
    def rows(self, session: str, after: int = -1) -> list[tuple[int, bytes]]:
        """The rows of ``session`` numbered after ``after``, in order. Raises
        :class:`StoreError` if there is no such session or the store can't be read."""

    @abstractmethod
    def sessions(self) -> list[SessionInfo]:
        """Every session, most recently active first. Raises :class:`StoreError`."""

    @abstractmethod
    def delete(self, session: str) -> None:
        """Remove ``session`` and its rows (nothing if there is none)."""

    @abstractmethod
    def next_seq(self, session: str) -> int:
        """The number of the row after the last one of ``session`` (0 if there is none)."""

    def _release(self, stream: StoreStream) -> None:  # noqa: B027  (optional hook)
        """Free what the store holds for ``stream`` (a folder store's open file)."""

    def _dispose(self) -> None:  # noqa: B027  (optional hook)
        """Free the store's resources (connections) once every stream is done."""

    # --- sessions ----------------------------------------------------------------------------

    def append(self, session: str, seq: int, data: bytes, *, user: str | None = None) -> None:
        """Write one row, at once: row ``seq`` of ``session`` (row 0 creates the session).

        Raises :class:`SessionForked` if that row is already written, or (row 0) the
        session exists; other exceptions come from the store. Most code writes through
        :meth:`open_session` instead, which numbers rows and never raises.
        """
        stream = StoreStream(self, check_session_id(session), seq, user=user, fork=False)
        try:
            self._write_rows(stream, [(seq, bytes(data))])
        finally:
            self._release(stream)

    def read(self, session: str) -> bytes:
        """The whole session as a ``.ttrec`` byte stream (its rows, concatenated)."""
        return b"".join(data for _, data in self.rows(session))

    def sync(self, session: str | None = None, timeout: float = 10.0) -> bool:
        """Write what this store's streams of ``session`` (of every session if None) hold
        now, trying for up to ``timeout`` seconds; True when the store holds every row.
        Reading a session this process is writing (a resume) sees all of it after this."""
        with self._cond:
            streams = [s for s in self._streams if session is None or s.session == session]
        deadline = time.monotonic() + timeout
        return all(s.sync(max(0.0, deadline - time.monotonic())) for s in streams)

    def info(self, session: str) -> SessionInfo | None:
        """One session's :class:`SessionInfo`, or None if there is no such session."""
        return next((s for s in self.sessions() if s.id == session), None)

    def open_session(
        self,
        session: str | None = None,
        *,
        user: str | None = None,
        resume: bool = False,
        fork: bool = True,
    ) -> StoreStream:
        """A file-like stream that writes a session, to pass as ``Recorder(sink=...)``.

        ``session`` defaults to :func:`new_session_id`. With ``resume=True`` the rows go
        after the session's last row (the caller writes frames, not a second header);
        otherwise row 0 creates the session. If another writer has the session (it exists,
        or writes the row this one is about to), the stream forks into a new session (see
        :class:`StoreStream`), or with ``fork=False`` stops writing. Never raises because
        the store is unreachable: the rows wait in memory until it is back.
        """
        sid = check_session_id(session if session is not None else new_session_id())
        seq = 0
        if resume:
            try:
                seq = self.next_seq(sid)
            except Exception as exc:
                raise StoreError(f"{self.url}: can't resume session {sid!r} ({exc})") from None
        stream = StoreStream(self, sid, seq, user=user, fork=fork)
        with self._cond:
            if self._closing:
                raise StoreError(f"{self.url}: the store is closed")
            self._streams.add(stream)
        self._maybe_prune()
        return stream

    # --- retention ---------------------------------------------------------------------------

    def prune(self, ttl: float | None = None, max_sessions: int | None = None) -> list[str]:
        """Delete expired sessions; returns their ids.

        A session expires when it had no activity for ``ttl`` seconds, or when more than
        ``max_sessions`` sessions are more recently active. Both default to the store's
        settings. Sessions this store is writing are never pruned.
        """
        ttl = self.ttl if ttl is None else ttl
        max_sessions = self.max_sessions if max_sessions is None else max_sessions
        if ttl is None and max_sessions is None:
            return []
        with self._cond:
            busy = {s.session for s in self._streams}
        now = time.time()
        listed = sorted(self.sessions(), key=lambda s: s.last_activity, reverse=True)
        doomed: list[str] = []
        for n, s in enumerate(listed):
            if s.id in busy:
                continue
            if (ttl is not None and s.last_activity < now - ttl) or (
                max_sessions is not None and n >= max_sessions
            ):
                doomed.append(s.id)
        for sid in doomed:
            self.delete(sid)
        return doomed

    def _maybe_prune(self) -> None:
        if self.ttl is None and self.max_sessions is None:
            return
        now = time.monotonic()
        if self._last_prune is not None and now - self._last_prune < self.prune_every:
            return
        self._last_prune = now
        try:
            pruned = self.prune()
        except Exception as exc:  # retention must never break recording
            logger.warning("timetravel: pruning %s failed (%s)", self.url, exc)
            return
        if pruned:
            logger.info("timetravel: pruned %d expired sessions from %s", len(pruned), self.url)

    # --- writing -----------------------------------------------------------------------------

    def _submit(self, stream: StoreStream) -> None:
        """A row was queued on ``stream``: write it now, or have the writer thread do it."""
        if self.background:
            self._wake()
        elif not self._flush(stream):
            self._wake()  # retries go on in the background

    def _wake(self) -> None:
        with self._cond:
            self._kicked = True
            if self._thread is None and not self._closing:
                self._thread = threading.Thread(
                    target=self._run, name=f"timetravel store {self.url}", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._kicked and not self._closing:
                    self._cond.wait(self._wait_time())
                self._kicked = False
                streams = [s for s in self._streams if s.pending]
                closing = self._closing
            for s in streams:
                if self._flush(s, force=closing) and s.closed:
                    self._done(s)
            with self._cond:
                if closing:
                    self._thread = None
                    self._cond.notify_all()
                    return

    def _wait_time(self) -> float | None:
        if not any(s.pending for s in self._streams):
            return None
        if self._down:
            return max(0.005, self._next_try - time.monotonic())
        return self.retry_every

    def _flush(self, stream: StoreStream, force: bool = False) -> bool:
        """Write what ``stream`` holds, in order; True once it holds nothing."""
        with stream._io_lock:
            while True:
                with stream._lock:
                    rows = list(stream._pending)
                if not rows:
                    return True
                if self._down and not force and time.monotonic() < self._next_try:
                    return False
                try:
                    self._write_rows(stream, rows)
                except SessionForked as exc:
                    if not stream.fork:
                        stream._lost(exc)
                        return True
                    stream._forked(exc, rows[0][0])
                    continue
                except Exception as exc:
                    self._went_down(exc, stream)
                    return False
                with stream._lock:
                    for _ in rows:
                        stream._pending.popleft()
                    stream.written += len(rows)
                    stream.copy_from = None
                self._came_back()

    def _went_down(self, exc: BaseException, stream: StoreStream) -> None:
        with self._cond:
            self._next_try = time.monotonic() + self.retry_every
            if self._down:
                return
            self._down = True
        logger.warning(
            "timetravel: can't write to the store %s (%s: %s); recording goes on in memory "
            "and what it holds is written once the store is back",
            self.url,
            type(exc).__name__,
            _one_line(exc),
        )

    def _came_back(self) -> None:
        with self._cond:
            if not self._down:
                return
            self._down = False
        logger.info("timetravel: the store %s is back; pending rows are written", self.url)

    @property
    def down(self) -> bool:
        """True while writes to the store are failing (rows wait in memory)."""
        return self._down

    def _done(self, stream: StoreStream) -> None:
        with self._cond:
            if not stream.pending:
                self._streams.discard(stream)
        if not stream.pending:
            self._release(stream)

    def close(self, timeout: float = 5.0) -> None:
        """Write what streams still hold (waiting up to ``timeout`` seconds), then close.

        Rows that still can't be written are reported in one warning (the recorders keep
        their frames in memory).
        """
        with self._cond:
            if self._closing:
                return
            streams = list(self._streams)
        deadline = time.monotonic() + timeout
        for s in streams:
            while s.pending and time.monotonic() < deadline:
                if self._flush(s, force=True):
                    break
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(max(0.1, deadline - time.monotonic()))
        left = sum(s.pending for s in streams)
        if left:
            logger.warning(
                "timetravel: closed the store %s with %d rows unwritten (it is unreachable); "
                "the recorders still hold those frames in memory",
                self.url,
                left,
            )
        for s in streams:
            self._release(s)
        self._dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""


class StoreStream(BinaryIO):
    """A write-only binary stream onto one session of a store: ``Recorder(sink=stream)``.

    Each ``write`` is one row (the recording writer writes the header, then one frame with
    its keyframe, at a time). ``write`` never raises and never waits for the store: rows are
    queued in order and written by the store (at once for a folder, by a background thread
    for SQL). While the store fails they stay queued, and are retried every
    ``store.retry_every`` seconds; :attr:`pending` counts them.

    If another writer takes the session (a second browser tab on one session, two replicas),
    the stream forks: it goes on in a new session, :attr:`session`, whose first rows are a
    copy of the rows this stream wrote before, and :attr:`forked_from` names the old one.
    With ``fork=False`` it stops writing instead (:attr:`error` says why).

    Close it (or use it as a context manager) to write what it holds; a Recorder closes it
    when it closes.
    """

    closes_with_recorder: ClassVar[bool] = True

    def __init__(
        self, store: Store, session: str, seq: int, *, user: str | None, fork: bool
    ) -> None:
        self.store = store
        self.session = session
        self.user = user
        self.fork = fork
        self.forked_from: str | None = None
        self.error: SessionForked | None = None
        self.written = 0
        # (old session, rows copied) while a fork's copy is not written yet.
        self.copy_from: tuple[str, int] | None = None
        self.handle: Any = None  # the store's own state for this stream (a folder's file)
        self._seq = seq
        self._pending: deque[tuple[int, bytes]] = deque()
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._closed = False

    @property
    def name(self) -> str:
        return f"{self.store.url}#{self.session}"

    @property
    def mode(self) -> str:
        return "wb"

    @property
    def pending(self) -> int:
        """Rows written to this stream that the store does not hold yet."""
        return len(self._pending)

    @property
    def next_seq(self) -> int:
        """The number the next row will have."""
        return self._seq

    def write(self, data: Any) -> int:
        """Queue ``data`` as the session's next row; returns its length."""
        chunk = bytes(data)
        if self._closed:
            raise ValueError("write to a closed store stream")
        with self._lock:
            if self.error is not None:
                return len(chunk)  # this writer lost the session: nothing more is written
            self._pending.append((self._seq, chunk))
            self._seq += 1
        self.store._submit(self)
        return len(chunk)

    def flush(self) -> None:
        """Nothing: rows are handed to the store as they are written (see :meth:`sync`)."""

    def sync(self, timeout: float = 10.0) -> bool:
        """Write what the stream holds now, trying for up to ``timeout`` seconds; True when
        the store holds every row."""
        deadline = time.monotonic() + timeout
        while True:
            if self.store._flush(self, force=True):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.05, left))

    def _forked(self, exc: SessionForked, first: int) -> None:
        old = self.session
        if self.copy_from is None:
            self.copy_from = (old, first)
        self.session = fork_id(old)
        if self.forked_from is None:
            self.forked_from = old
        logger.warning(
            "timetravel: session %s of %s is written by another writer; this one goes on "
            "as session %s (%s)",
            old,
            self.store.url,
            self.session,
            f"a copy of its {first} earlier rows, then its own" if first else "a new session",
        )

    def _lost(self, exc: SessionForked) -> None:
        with self._lock:
            self.error = exc
            self._pending.clear()
        logger.warning("timetravel: %s; stopped writing it", exc)

    def close(self) -> None:
        """Write what the stream holds (one try) and let go of the session. Rows the store
        can't take yet stay queued until the store is back or closed."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.store._flush(self, force=True)
        self.store._done(self)
        if self.pending:
            self.store._wake()  # written in the background once the store is back

    @property
    def closed(self) -> bool:
        return self._closed

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("a store stream has no file descriptor")

    def tell(self) -> int:
        raise OSError("a store stream is not seekable")

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("a store stream is not seekable")

    def truncate(self, size: int | None = None) -> int:
        raise OSError("a store stream can't be truncated")

    def read(self, n: int = -1) -> bytes:
        raise OSError("a store stream is write-only")

    def readline(self, limit: int = -1) -> bytes:
        raise OSError("a store stream is write-only")

    def readlines(self, hint: int = -1) -> list[bytes]:
        raise OSError("a store stream is write-only")

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __iter__(self) -> Iterator[bytes]:
        raise OSError("a store stream is write-only")

    def __next__(self) -> bytes:
        raise OSError("a store stream is write-only")

    def __enter__(self) -> StoreStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StoreStream {self.name}: {self.written} rows written, {self.pending} pending>"


def as_io(stream: StoreStream) -> IO[bytes]:
    """``stream`` typed as the ``IO[bytes]`` a Recorder takes (it is one)."""
    return stream
