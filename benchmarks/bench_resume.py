"""Benchmark: resuming a 1,000-frame session (issue 10), from a file, SQLite and PostgreSQL.

A session of the todo-like state records 1,000 frames (each toggles or edits one todo, with
some undos), then is resumed as a refresh resumes it: ``Recording.open`` on the store's
session and ``Recorder.resume_from`` into a fresh dict, until state and history are ready
(undo works). Timed against the floor of reading the same bytes and decoding one keyframe
(``Recording.open`` + ``state_at(last)``). Targets: under 200 ms from a file or SQLite, under
300 ms from PostgreSQL on loopback. A report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_resume.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from bench_core import Report, Row, fmt_time, progress  # noqa: E402

from tests.stores.pgserver import PgServer, pg_bin  # noqa: E402
from timetravel import Recorder, Recording  # noqa: E402
from timetravel.stores import Store, open_store  # noqa: E402

FRAMES = 1_000


def state() -> dict[str, Any]:
    return {
        "todos": [{"id": i, "title": f"task {i}", "done": False} for i in range(200)],
        "filter": "all",
        "new_todo": "",
        "settings": {f"opt{j}": j for j in range(50)},
    }


def record(sink: Any, frames: int) -> None:
    live = state()
    with Recorder(live, sink=sink) as rec:
        rec.capture(trigger="initial")
        for i in range(1, frames):
            if i % 10 == 9:
                rec.undo()
                continue
            todo = live["todos"][(i * 7) % 200]
            if i % 2:
                todo["done"] = not todo["done"]
            else:
                todo["title"] = f"task {i}"
            rec.capture(trigger="edit")


def time_resume(open_recording: Any, reps: int) -> tuple[float, float]:
    """Median seconds of a whole resume, and of its floor (open + the last state)."""
    whole, floor = [], []
    for _ in range(reps):
        t = time.perf_counter()
        recording = open_recording()
        live: dict[str, Any] = {}
        rec = Recorder.resume_from(recording, live)
        assert rec.can_undo and live["todos"]
        whole.append(time.perf_counter() - t)
        t = time.perf_counter()
        recording = open_recording()
        recording.state_at(len(recording) - 1)
        floor.append(time.perf_counter() - t)
    return statistics.median(whole), statistics.median(floor)


def measure(report: Report, row: str, where: str, opener: Any, target: float, reps: int) -> None:
    whole, floor = time_resume(opener, reps)
    report.add(
        Row(
            row,
            f"resume a {FRAMES:,}-frame session from {where} (state and history ready)",
            fmt_time(whole),
            f"{fmt_time(floor)} (open + state at the last frame)",
            f"{whole / floor:.2f}x the floor",
            f"< {target * 1000:.0f} ms",
            whole < target,
        )
    )


def store_session(store: Store, frames: int) -> str:
    stream = store.open_session()
    record(stream, frames)  # closing the recorder writes what the stream holds
    return stream.session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = 3 if args.quick else 9
    started = time.perf_counter()
    report = Report()
    tmp = tempfile.mkdtemp(prefix="timetravel-bench-")
    progress(f"a {FRAMES:,}-frame session to a file")
    path = os.path.join(tmp, "session.ttrec")
    record(path, FRAMES)
    measure(report, "R1", "a .ttrec file", lambda: Recording.open(path), 0.2, reps)
    progress("the same to SQLite")
    sqlite = open_store(f"sqlite:///{tmp}/resume.db")
    try:
        sid = store_session(sqlite, FRAMES)
        measure(report, "R2", "SQLite", lambda: Recording.open(sqlite, session=sid), 0.2, reps)
    finally:
        sqlite.close()
    if pg_bin() is None:
        report.notes.append("PostgreSQL is not installed (make unit installs it): not measured")
    else:
        with PgServer(fsync=True) as server:
            progress("the same to PostgreSQL")
            pg = open_store(server.url)
            try:
                sid = store_session(pg, FRAMES)
                measure(
                    report, "R3", "PostgreSQL on loopback",
                    lambda: Recording.open(pg, session=sid), 0.3, reps,
                )  # fmt: skip
            finally:
                pg.close()
    report.print("bench_resume", time.perf_counter() - started)


if __name__ == "__main__":
    main()
