"""Stores: a Recorder writes a session, Recording reads it back, as it does a file."""

from __future__ import annotations

import io
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from timetravel import Recorder, Recording, RecordingError
from timetravel.cli import main
from timetravel.stores import (
    SessionForked,
    Store,
    StoreError,
    StoreStream,
    open_store,
    split_location,
)
from timetravel.stores.folder import split_rows

from .pgserver import PgServer, wait_until


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url, retry_every=0.05)
    yield s
    s.close()


def _session(sink: Any, frames: int = 12, tag: str = "w", meta: dict[str, Any] | None = None):
    """Record a little session to ``sink``; returns the recorder (closed)."""
    state: dict[str, Any] = {"todos": [], "filter": "all", "password": "hunter2"}
    rec = Recorder(state, sink=sink, meta=meta)
    rec.capture()
    for i in range(frames):
        state["todos"].append({"title": f"{tag}{i}", "done": False})
        rec.capture(trigger=f"{tag}-add")
        if i % 4 == 3:
            state["todos"][0]["done"] = not state["todos"][0]["done"]
            rec.capture(trigger=f"{tag}-toggle")
    rec.undo()
    rec.undo()
    rec.redo()
    rec.close()
    return rec


def _same(a: Recording, b: Recording) -> None:
    assert len(a) == len(b)
    for fa, fb in zip(a, b, strict=True):
        assert (fa.index, fa.trigger, fa.restores, fa.changes) == (
            fb.index,
            fb.trigger,
            fb.restores,
            fb.changes,
        )
    for i in range(len(a)):
        assert a.state_at(i) == b.state_at(i)


def test_a_session_in_a_store_reads_back_as_the_file_does(store: Store, tmp_path: Path) -> None:
    _session(str(tmp_path / "file.ttrec"))
    stream = store.open_session("s1")
    rec = _session(stream)
    assert stream.closed and stream.pending == 0
    from_store = Recording.open(store, session="s1")
    _same(Recording.open(tmp_path / "file.ttrec"), from_store)
    assert len(from_store) == len(rec.frames)
    # The same through a URL (and a folder path), and through STORE#SESSION.
    _same(Recording.open(store.url, session="s1"), from_store)
    _same(Recording.open(f"{store.url}#s1"), from_store)
    # Secrets are redacted in a store as in a file.
    assert "hunter2" not in repr(from_store.state_at(0))
    assert store.read("s1").startswith(b"\x89TTREC\r\n")


def test_recording_opens_bytes_and_uploads(store: Store) -> None:
    _session(store.open_session("s1"))
    data = store.read("s1")
    for source in (data, bytearray(data), memoryview(data), io.BytesIO(data)):
        _same(Recording.open(source), Recording.open(store, session="s1"))
    assert Recording.open(data).refresh() == 0
    with pytest.raises(RecordingError, match="not a timetravel recording"):
        Recording.open(b"garbage")


def test_sessions_lists_id_user_times_frames_size(store: Store) -> None:
    before = time.time()
    _session(store.open_session("a"), frames=3, meta={"user": "ann"})
    time.sleep(0.05)
    rec = _session(store.open_session("b", user="bob"), frames=5)
    listed = {s.id: s for s in store.sessions()}
    assert set(listed) == {"a", "b"}
    assert listed["a"].user == "ann"
    b = listed["b"]
    if store.url.startswith(("sqlite", "postgresql")):
        assert b.user == "bob"
    assert b.frames == len(rec.frames)
    assert b.size == len(store.read("b"))
    assert before - 1 <= b.started <= b.last_activity <= time.time() + 1
    assert [s.id for s in store.sessions()] == ["b", "a"]  # most recently active first
    assert store.info("b") == b and store.info("nope") is None
    store.delete("a")
    assert [s.id for s in store.sessions()] == ["b"]
    with pytest.raises(StoreError, match="no session"):
        store.rows("a")


def test_retention_prunes_expired_sessions(store_url: str) -> None:
    store = open_store(store_url, retry_every=0.05)
    try:
        for sid in ("old", "mid", "new"):
            _session(store.open_session(sid), frames=1)
            time.sleep(0.3)
        assert store.prune(max_sessions=2) == ["old"]
        assert store.prune(ttl=0.45) == ["mid"]
        assert [s.id for s in store.sessions()] == ["new"]
    finally:
        store.close()
    # Configured on the store: opening a session prunes.
    store = open_store(store_url, max_sessions=1)
    store.prune_every = 0  # (a minute, normally)
    try:
        _session(store.open_session("newer"), frames=1)
        store.open_session("newest").close()  # prunes all but the most recent ("newer")
        assert [s.id for s in store.sessions()] == ["newer"]
    finally:
        store.close()


def _rows(tag: str, frames: int) -> list[bytes]:
    buf = io.BytesIO()
    _session(buf, frames=frames, tag=tag)
    return split_rows(buf.getvalue())


def test_two_writers_on_one_session_fork_and_never_interleave(store: Store) -> None:
    x, y = _rows("x", 30), _rows("y", 30)
    streams = [store.open_session("s"), store.open_session("s")]
    barrier = threading.Barrier(2)

    def write(stream: StoreStream, rows: list[bytes]) -> None:
        barrier.wait()
        for row in rows:
            stream.write(row)
            time.sleep(0)
        stream.sync()

    threads = [
        threading.Thread(target=write, args=(s, r)) for s, r in zip(streams, (x, y), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    forked = [s for s in streams if s.forked_from is not None]
    assert len(forked) == 1 and forked[0].forked_from == "s"
    # Each session holds one writer's history, whole.
    held = {store.read("s"), store.read(forked[0].session)}
    assert held == {b"".join(x), b"".join(y)}
    for s in streams:
        s.close()


def test_a_writer_that_lost_its_session_forks_with_a_copy_of_its_rows(store: Store) -> None:
    x, y = _rows("x", 6), _rows("y", 6)
    a = store.open_session("s")
    for row in x[:4]:
        a.write(row)
    assert a.sync()
    b = store.open_session("s", resume=True)  # a second tab resumes the session...
    assert b.next_seq == 4
    b.write(y[4])
    assert b.sync()
    for row in x[4:]:  # ...so the first writer's next row is taken: it forks
        a.write(row)
    assert a.sync()
    if a.forked_from is not None:  # SQL: the first to write row 4 keeps the session
        assert a.forked_from == "s" and a.session != "s" and b.forked_from is None
        assert store.read(a.session) == b"".join(x)
        assert store.read("s") == b"".join(x[:4]) + y[4]
    else:  # a folder: the file is locked by the writer that has it open
        assert b.forked_from == "s" and b.session != "s"
        assert store.read(b.session) == b"".join(x[:4]) + y[4]
        assert store.read("s") == b"".join(x)
    a.close()
    b.close()
    # The low-level rule: a taken row number is SessionForked.
    with pytest.raises(SessionForked):
        store.append("s", 2, x[2])
    with pytest.raises(SessionForked):
        store.append("s", 0, x[0])


def test_fork_false_stops_writing(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    _session(store.open_session("s"), frames=2)
    stream = store.open_session("s", fork=False)
    stream.write(_rows("y", 1)[0])
    stream.sync()
    assert isinstance(stream.error, SessionForked)
    assert stream.session == "s" and stream.pending == 0
    stream.close()
    assert any("stopped writing" in r.getMessage() for r in caplog.records)


def test_hostile_rows_are_a_recording_error(store: Store) -> None:
    x = _rows("x", 3)
    store.append("junk", 0, b"not a recording at all")
    with pytest.raises(RecordingError, match="not a timetravel recording"):
        Recording.open(store, session="junk")
    for i, row in enumerate(x):
        store.append("tail", i, row)
    store.append("tail", len(x), b"Z" * 40)
    with pytest.raises(RecordingError):
        Recording.open(store, session="tail")
    result = CliRunner().invoke(main, ["info", f"{store.url}#tail"])
    assert result.exit_code == 2
    assert result.output.startswith("timetravel: ") and "Traceback" not in result.output
    with pytest.raises(RecordingError, match="no session"):
        Recording.open(store, session="missing")


def test_refresh_reads_rows_written_since(store: Store) -> None:
    x = _rows("x", 8)
    for i, row in enumerate(x[:3]):
        store.append("s", i, row)
    rec = Recording.open(store, session="s")
    assert len(rec) == 2
    for i, row in enumerate(x[3:], start=3):
        store.append("s", i, row)
    assert rec.refresh() == len(x) - 3
    _same(rec, Recording.open(b"".join(x)))
    header_only = Recording.open(f"{store.url}#s", index=False)
    header_only.refresh()
    assert len(header_only) == len(x) - 1


def test_cli_sessions_info_export(store: Store) -> None:
    n = len(_session(store.open_session("s1", user="ann"), frames=2).frames)
    runner = CliRunner()
    listed = runner.invoke(main, ["sessions", store.url])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split()[:2] == ["id", "user"] and lines[1].split()[0] == "s1"
    info = runner.invoke(main, ["info", store.url, "--session", "s1"])
    assert info.exit_code == 0, info.output
    assert f"frames:     {n}" in info.output
    assert runner.invoke(main, ["info", f"{store.url}#s1"]).output == info.output
    export = runner.invoke(main, ["export", store.url, "--session", "s1", "--format", "jsonl"])
    assert export.exit_code == 0 and len(export.output.splitlines()) == n + 1
    data = store.read("s1")
    stdin = runner.invoke(main, ["info", "-"], input=data)
    assert stdin.exit_code == 0 and f"frames:     {n}" in stdin.output


def test_cli_bad_store_is_one_line_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["sessions", "nosuch://x"], ["info", "nosuch://x#s"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "unknown store scheme" in result.output
    result = runner.invoke(main, ["sessions", f"sqlite:///{tmp_path}/none/x.db"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_a_missing_driver_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import timetravel.stores as stores

    monkeypatch.setitem(stores._REGISTRY, "postgresql", "timetravel_no_such_module:X")
    with pytest.raises(StoreError, match=r"pip install 'timetravel-streamlit\[postgres\]'"):
        open_store("postgresql://localhost/db")


def test_locations() -> None:
    assert split_location("sqlite:///x.db#abc") == ("sqlite:///x.db", "abc")
    assert split_location("postgresql://u:p@h/db#s-1") == ("postgresql://u:p@h/db", "s-1")
    assert split_location("some#file.ttrec") is None
    with pytest.raises(ValueError, match="invalid session id"):
        open_store("sqlite:////tmp/x.db").open_session("../etc")


# --- faults: the store down at start, and down mid-session, then back ------------------------


def _record_while(
    store: Store, session: str, during: Any, frames: int = 10
) -> tuple[Recorder, StoreStream]:
    state: dict[str, Any] = {"n": 0}
    stream = store.open_session(session)
    rec = Recorder(state, sink=stream)
    rec.capture()
    for i in range(frames):
        if i == frames // 2:
            during()
        state["n"] = i + 1
        rec.capture(trigger=f"t{i}")
    return rec, stream


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "timetravel" and r.levelno == logging.WARNING
    ]


def _check_all_written(store: Store, session: str, rec: Recorder, stream: StoreStream) -> None:
    assert wait_until(lambda: stream.pending == 0), "the rows held in memory were not written"
    back = Recording.open(store, session=session)
    assert [f.index for f in back] == [f.index for f in rec.frames]
    assert back.state_at(-1) == {"n": rec.state["n"]}


def test_sqlite_unreachable_at_start_then_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "timetravel")
    folder = tmp_path / "not-yet"
    store = open_store(f"sqlite:///{folder}/x.db", retry_every=0.05)
    try:
        rec, stream = _record_while(store, "s", lambda: None)
        assert wait_until(lambda: store.down)
        assert stream.pending == len(rec.frames) + 1
        folder.mkdir()
        state = rec.state
        state["n"] = 99
        rec.capture(trigger="after")
        _check_all_written(store, "s", rec, stream)
        assert len(_warnings(caplog)) == 1
        assert any("is back" in r.getMessage() for r in caplog.records)
    finally:
        store.close()


def test_sqlite_locked_mid_session_then_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "x.db"
    store = open_store(f"sqlite:///{path}?timeout=0.05", retry_every=0.05)
    blocker = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:

        def lock() -> None:
            stream.sync()
            blocker.execute("BEGIN EXCLUSIVE")

        stream: StoreStream
        state: dict[str, Any] = {"n": 0}
        stream = store.open_session("s")
        rec = Recorder(state, sink=stream)
        rec.capture()
        for i in range(10):
            if i == 5:
                lock()
            state["n"] = i + 1
            rec.capture(trigger=f"t{i}")
        assert wait_until(lambda: store.down)
        # A reader sees every complete frame written before the store went down.
        assert len(Recording.open(_read_locked(path))) == 6
        blocker.execute("ROLLBACK")
        _check_all_written(store, "s", rec, stream)
        assert len(_warnings(caplog)) == 1
        rec.close()
    finally:
        blocker.close()
        store.close()


def _read_locked(path: Path) -> bytes:
    """Read a session's rows with the standard library while a writer holds the lock."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT data FROM timetravel_records WHERE session = 's' ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return b"".join(r[0] for r in rows)


def test_postgres_stopped_mid_session_then_restarted(
    pg_server: PgServer, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "timetravel")
    store = open_store(pg_url, retry_every=0.1)
    try:
        stopped: list[bool] = []

        def stop() -> None:
            stream.sync()
            pg_server.stop()
            stopped.append(True)

        state: dict[str, Any] = {"n": 0}
        stream = store.open_session("s")
        rec = Recorder(state, sink=stream)
        rec.capture()
        for i in range(10):
            if i == 5:
                stop()
            state["n"] = i + 1
            t0 = time.perf_counter()
            rec.capture(trigger=f"t{i}")
            assert time.perf_counter() - t0 < 0.5  # a rerun never waits for the database
        assert wait_until(lambda: store.down)
        pg_server.start()
        _check_all_written(store, "s", rec, stream)
        assert len(_warnings(caplog)) == 1
        assert any("is back" in r.getMessage() for r in caplog.records)
        rec.close()
    finally:
        if not os.path.exists(os.path.join(pg_server.data, "postmaster.pid")):
            pg_server.start()
        store.close()


def test_a_store_closed_while_down_says_what_it_could_not_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(f"sqlite:///{tmp_path}/missing/x.db", retry_every=0.05)
    rec, _ = _record_while(store, "s", lambda: None, frames=3)
    rec.close()
    store.close(timeout=0.2)
    messages = _warnings(caplog)
    assert len(messages) == 2 and "unwritten" in messages[1]
    assert len(rec.frames) == 4  # the recorder still holds them
