"""Sessions in a SQL database through SQLAlchemy Core: SQLite and PostgreSQL.

Two tables, created when missing::

    timetravel_sessions  (id PRIMARY KEY, user_name, started)
    timetravel_records   (session, seq, data, at, PRIMARY KEY (session, seq))

A row of ``timetravel_records`` is one row of a session (see :mod:`timetravel.stores.base`):
``data`` holds the same bytes a ``.ttrec`` file holds for it. Rows are only ever inserted,
and the primary key is the sequence rule: a writer inserts the number after its own last
row, so when two writers hold one session, the second to insert a number gets an integrity
error, and forks, instead of interleaving its frames with the other's.

Rows are written by one background thread per store, so a rerun never waits for the
database; a database that is down holds nothing up (see :class:`StoreStream`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .base import (
    SessionForked,
    SessionInfo,
    Store,
    StoreError,
    StoreStream,
    _one_line,
    header_info,
)

try:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine, make_url
except ImportError as _exc:  # pragma: no cover - exercised by the one-line error instead
    raise ImportError(
        "SQL stores need SQLAlchemy: pip install 'timetravel-streamlit[sql]' "
        "(or 'timetravel-streamlit[postgres]' for PostgreSQL)"
    ) from _exc

__all__ = ["SQLStore"]

_metadata = sa.MetaData()
SESSIONS = sa.Table(
    "timetravel_sessions",
    _metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("user_name", sa.String(200), nullable=True),
    sa.Column("started", sa.Float, nullable=False),
)
RECORDS = sa.Table(
    "timetravel_records",
    _metadata,
    sa.Column("session", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers (timetravel info, the TUI) never block the writer, nor it them.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class SQLStore(Store):
    """Sessions in a SQL database, from a SQLAlchemy URL.

    ``sqlite:///path.db`` is a file shared by the processes of one machine;
    ``postgresql://user:password@host/db`` (driven by psycopg 3) is shared by every replica
    of an app. Extra keyword arguments go to :func:`sqlalchemy.create_engine`.
    """

    schemes = ("sqlite", "postgresql", "postgres")
    background = True

    def __init__(self, url: str, *, engine_options: dict[str, Any] | None = None, **options: Any):
        super().__init__(**options)
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise StoreError(f"not a database URL: {url!r} ({_one_line(exc)})") from None
        backend = parsed.get_backend_name()
        kwargs: dict[str, Any] = dict(engine_options or {})
        if backend in ("postgresql", "postgres"):
            if parsed.drivername in ("postgresql", "postgres"):
                parsed = parsed.set(drivername="postgresql+psycopg")
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise StoreError(
                    "PostgreSQL stores need psycopg 3: pip install 'timetravel-streamlit[postgres]'"
                ) from None
            args = kwargs.setdefault("connect_args", {})
            if "connect_timeout" not in parsed.query:
                args.setdefault("connect_timeout", 5)
            kwargs.setdefault("pool_pre_ping", True)
        elif backend == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise StoreError(f"{url}: a SQLite store needs a file: sqlite:///path.db")
        else:
            raise StoreError(f"{url}: not a SQLite or PostgreSQL URL")
        try:
            self.engine: Engine = sa.create_engine(parsed, **kwargs)
        except Exception as exc:
            raise StoreError(f"{url}: can't use this database ({_one_line(exc)})") from None
        if backend == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._url = parsed.render_as_string(hide_password=True)
        self._ready = False
        self._ready_lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._url

    def _ensure(self) -> None:
        """Create the tables once (checkfirst: a second process finds them there)."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            try:
                _metadata.create_all(self.engine, checkfirst=True)
            except sa.exc.IntegrityError:
                # Another process created them at the same moment (PostgreSQL's catalog).
                _metadata.create_all(self.engine, checkfirst=True)
            except sa.exc.ProgrammingError:
                _metadata.create_all(self.engine, checkfirst=True)
            self._ready = True

    # --- writing -----------------------------------------------------------------------------

    def _write_rows(self, stream: StoreStream, rows: list[tuple[int, bytes]]) -> None:
        self._ensure()
        session = stream.session
        now = time.time()
        try:
            with self.engine.begin() as conn:
                copy = stream.copy_from
                if copy is not None and copy[1] > 0:
                    old, n = copy
                    found = conn.execute(
                        sa.select(SESSIONS.c.user_name, SESSIONS.c.started).where(
                            SESSIONS.c.id == old
                        )
                    ).first()
                    user, started = (found[0], found[1]) if found else (stream.user, now)
                    conn.execute(
                        sa.insert(SESSIONS).values(id=session, user_name=user, started=started)
                    )
                    conn.execute(
                        sa.insert(RECORDS).from_select(
                            ["session", "seq", "data", "at"],
                            sa.select(
                                sa.literal(session, sa.String(200)),
                                RECORDS.c.seq,
                                RECORDS.c.data,
                                RECORDS.c.at,
                            ).where(RECORDS.c.session == old, RECORDS.c.seq < n),
                        )
                    )
                elif rows[0][0] == 0:
                    created, meta_user = header_info(rows[0][1])
                    conn.execute(
                        sa.insert(SESSIONS).values(
                            id=session,
                            user_name=(stream.user or meta_user or None),
                            started=created if created is not None else now,
                        )
                    )
                conn.execute(
                    sa.insert(RECORDS),
                    [{"session": session, "seq": s, "data": d, "at": now} for s, d in rows],
                )
        except sa.exc.IntegrityError:
            raise SessionForked(session, rows[0][0]) from None

    # --- reading -----------------------------------------------------------------------------

    def _query(self, what: str, statement: Any) -> list[Any]:
        try:
            self._ensure()
            with self.engine.connect() as conn:
                return list(conn.execute(statement).all())
        except sa.exc.SQLAlchemyError as exc:
            reason = _one_line(getattr(exc, "orig", None) or exc)
            raise StoreError(f"{self.url}: can't {what} ({reason})") from None

    def rows(self, session: str, after: int = -1) -> list[tuple[int, bytes]]:
        found = self._query(
            "read the session",
            sa.select(RECORDS.c.seq, RECORDS.c.data)
            .where(RECORDS.c.session == session, RECORDS.c.seq > after)
            .order_by(RECORDS.c.seq),
        )
        if not found and after < 0 and not self._exists(session):
            raise StoreError(f"{self.url}: no session {session!r}")
        return [(int(seq), bytes(data)) for seq, data in found]

    def _exists(self, session: str) -> bool:
        query = sa.select(SESSIONS.c.id).where(SESSIONS.c.id == session)
        return bool(self._query("read the session", query))

    def next_seq(self, session: str) -> int:
        found = self._query(
            "read the session",
            sa.select(sa.func.max(RECORDS.c.seq)).where(RECORDS.c.session == session),
        )
        last = found[0][0] if found else None
        if last is None:
            if not self._exists(session):
                raise StoreError(f"{self.url}: no session {session!r}")
            return 0
        return int(last) + 1

    def sessions(self) -> list[SessionInfo]:
        r = RECORDS.c
        stats = (
            sa.select(
                r.session,
                sa.func.count(r.seq).label("n"),
                sa.func.sum(sa.func.length(r.data)).label("size"),
                sa.func.max(r.at).label("last"),
            )
            .group_by(r.session)
            .subquery()
        )
        found = self._query(
            "list its sessions",
            sa.select(
                SESSIONS.c.id,
                SESSIONS.c.user_name,
                SESSIONS.c.started,
                stats.c.n,
                stats.c.size,
                stats.c.last,
            ).select_from(SESSIONS.outerjoin(stats, stats.c.session == SESSIONS.c.id)),
        )
        out = [
            SessionInfo(
                id=sid,
                user=user,
                started=float(started),
                last_activity=float(last if last is not None else started),
                frames=max(0, int(n or 0) - 1),
                size=int(size or 0),
            )
            for sid, user, started, n, size, last in found
        ]
        out.sort(key=lambda s: s.last_activity, reverse=True)
        return out

    def delete(self, session: str) -> None:
        try:
            self._ensure()
            with self.engine.begin() as conn:
                conn.execute(sa.delete(RECORDS).where(RECORDS.c.session == session))
                conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.id == session))
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self.url}: can't delete {session!r} ({_one_line(exc)})") from None

    def _dispose(self) -> None:
        self.engine.dispose()
