"""Benchmark: what writing a frame to a store adds to a rerun, with 50 concurrent sessions.

50 threads each record a session (one Recorder on its own state, a medium-sized dict), one
frame per "rerun", with a pause between reruns as a user makes. Each rerun's capture is
timed with no sink (memory only), with a ``.ttrec`` file, and with a session of a SQLite and
of a PostgreSQL store (a throwaway server on 127.0.0.1, durable commits: fsync on). The
cost a store adds is its capture time minus the memory-only one, at the median and the 95th
percentile. Then: how long the store took to hold every row once the reruns stopped, and
that every session reads back whole. Printed as one Markdown table with a PASS/FAIL column.
This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_stores.py           # full run
    .venv/bin/python benchmarks/bench_stores.py --quick   # fewer frames, a smoke run
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from bench_core import Report, Row, progress  # noqa: E402

from tests.stores.pgserver import PgServer, pg_bin  # noqa: E402
from timetravel import Recorder, Recording  # noqa: E402
from timetravel.stores import Store, StoreStream, open_store  # noqa: E402

SESSIONS = 50
TARGET_MS = 2.0


def build_state(i: int) -> dict[str, Any]:
    return {
        "user": f"user{i}",
        "todos": [{"title": f"item {j}", "done": False, "tags": ["a", "b"]} for j in range(200)],
        "filter": "all",
        "settings": {f"opt{j}": j for j in range(50)},
        "page": 0,
    }


def run(
    make_sink: Callable[[int], Any], frames: int, pause: tuple[float, float]
) -> tuple[list[float], list[Any]]:
    """Capture times (seconds) of every rerun of SESSIONS concurrent sessions, and sinks."""
    times: list[list[float]] = [[] for _ in range(SESSIONS)]
    sinks = [make_sink(i) for i in range(SESSIONS)]
    barrier = threading.Barrier(SESSIONS)

    def session(i: int) -> None:
        rng = random.Random(i)
        state = build_state(i)
        rec = Recorder(state, sink=sinks[i])
        rec.capture()
        barrier.wait()
        for n in range(frames):
            time.sleep(rng.uniform(*pause))
            row = state["todos"][rng.randrange(200)]
            row["done"] = not row["done"]
            state["page"] = n
            t0 = time.perf_counter()
            rec.capture(trigger="toggle")
            times[i].append(time.perf_counter() - t0)
        rec.close()

    threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [t for ts in times for t in ts], sinks


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100)[int(p) - 1] if len(xs) > 1 else xs[0]


def ms(x: float) -> str:
    return f"{x * 1000:.3f} ms"


def bench_store(
    report: Report, rid: str, name: str, store: Store, base: list[float], frames: int,
    pause: tuple[float, float],
) -> None:
    progress(f"{SESSIONS} sessions x {frames} frames on {name}")
    times, sinks = run(lambda i: store.open_session(f"bench-{i}"), frames, pause)
    t_end = time.perf_counter()
    streams: list[StoreStream] = sinks
    deadline = time.monotonic() + 120
    while any(s.pending for s in streams) and time.monotonic() < deadline:
        time.sleep(0.005)
    drained = time.perf_counter() - t_end
    p50 = statistics.median(times) - statistics.median(base)
    p95 = pct(times, 95) - pct(base, 95)
    report.add(
        Row(
            f"{rid}a",
            f"{name}: a rerun's frame write, added at the median ({SESSIONS} sessions)",
            ms(max(0.0, p50)),
            f"capture {ms(statistics.median(times))} vs {ms(statistics.median(base))} in memory",
            target=f"< {TARGET_MS:g} ms",
            ok=p50 < TARGET_MS / 1000,
        )
    )
    report.add(
        Row(
            f"{rid}b",
            f"{name}: added at the 95th percentile",
            ms(max(0.0, p95)),
            f"capture {ms(pct(times, 95))} vs {ms(pct(base, 95))} in memory",
            target=f"< {TARGET_MS:g} ms",
            ok=p95 < TARGET_MS / 1000,
        )
    )
    whole = all(
        len(Recording.open(store, session=f"bench-{i}")) == frames + 1 for i in range(SESSIONS)
    )
    rows = SESSIONS * (frames + 2)
    report.add(
        Row(
            f"{rid}c",
            f"{name}: rows left unwritten once the sessions closed; sessions read back whole",
            f"{sum(s.pending for s in streams)} of {rows:,} rows (then {drained * 1000:.0f} ms)",
            target="all sessions whole",
            ok=whole and not any(s.pending for s in streams),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    frames = 20 if args.quick else 100
    pause = (0.01, 0.03)
    started = time.perf_counter()
    report = Report()
    tmp = tempfile.mkdtemp(prefix="timetravel-bench-")
    progress(f"{SESSIONS} sessions x {frames} frames in memory")
    base, _ = run(lambda i: None, frames, pause)
    report.add(
        Row(
            "S1",
            f"memory only: a rerun's capture ({SESSIONS} sessions, median / p95)",
            f"{ms(statistics.median(base))} / {ms(pct(base, 95))}",
        )
    )
    progress(f"{SESSIONS} sessions x {frames} frames to .ttrec files")
    files, _ = run(lambda i: os.path.join(tmp, f"f{i}.ttrec"), frames, pause)
    report.add(
        Row(
            "S2",
            "a .ttrec file: the frame write, added at the median",
            ms(max(0.0, statistics.median(files) - statistics.median(base))),
            f"capture {ms(statistics.median(files))}",
        )
    )
    sqlite = open_store(f"sqlite:///{tmp}/bench.db")
    try:
        bench_store(report, "S3", "SQLite", sqlite, base, frames, pause)
    finally:
        sqlite.close()
    if pg_bin() is None:
        report.notes.append("PostgreSQL is not installed (make unit installs it): not measured")
    else:
        with PgServer(fsync=True) as server:
            pg = open_store(server.url)
            try:
                bench_store(report, "S4", "PostgreSQL", pg, base, frames, pause)
            finally:
                pg.close()
    report.print("bench_stores", time.perf_counter() - started)


if __name__ == "__main__":
    main()
