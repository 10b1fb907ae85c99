"""Benchmark: undo, redo and jump at any distance cost what changed, not how far they go.

On bench_core's "large" state (200 scalar keys and a 10,000-row list), 5,000 frames are
recorded, each changing a different row. Then one jump goes back over all of them, an undo
returns over the jump, a redo goes forward again, and an undo of a single step follows.
Each is timed as a ratio to one one-field ``capture()`` on the same state, and printed as one
Markdown table with a PASS/FAIL column. This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_restore.py           # full run
    .venv/bin/python benchmarks/bench_restore.py --quick   # 1,000 frames, a smoke run
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import sys
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_core import (
    Report,
    Row,
    build_large,
    fmt_bytes,
    fmt_ratio,
    fmt_time,
    gc_off,
    median,
    progress,
    time_once,
    timings,
)

from timetravel import Recorder

TARGET = 20  # the most a restore may cost, in one-field captures


def toggle(state: dict[str, Any], k: int) -> None:
    row = state["rows"][k % len(state["rows"])]
    row["done"] = not row["done"]


def bench_restores(rep: Report, n: int, reps: int) -> None:
    progress(f"recording {n:,} frames on large, each changing a different row")
    state = build_large()
    rec = Recorder(state)
    rec.capture()
    start = rec.position
    assert start is not None
    for k in range(n):
        toggle(state, k)
        rec.capture()
    end = rec.position
    assert end is not None
    at_start = copy.deepcopy(rec.state_at(start))
    at_end = copy.deepcopy(state)

    # The baseline: one one-field capture (median).
    counter = iter(range(n, 10**9))
    t_capture = median(timings(rec.capture, 50, lambda _: toggle(state, next(counter))))
    rec.undo()  # back to the state at ``end``'s step (a step of its own since the toggles)
    end = rec.position
    assert end is not None
    at_end = copy.deepcopy(state)

    progress(f"jump back {n:,} frames, undo, redo ({reps} rounds)")
    jump_t: list[float] = []
    undo_t: list[float] = []
    redo_t: list[float] = []
    wrong = 0
    with gc_off():
        for _ in range(reps):
            jump_t.append(time_once(lambda: rec.jump(start)))
            wrong += state != at_start
            undo_t.append(time_once(rec.undo))
            wrong += state != at_end
            redo_t.append(time_once(rec.redo))
            wrong += state != at_start
            rec.jump(end)  # back to the end for the next round (untimed)
            wrong += state != at_end

    progress("undo of a single step")
    single_t: list[float] = []
    with gc_off():
        for i in range(20):
            toggle(state, 7 * i)
            rec.capture()
            single_t.append(time_once(rec.undo))
    if wrong:
        rep.notes.append(f"a restore left the wrong state {wrong} times")

    for row_id, what, ts in (
        ("R1", f"`jump()` back over {n:,} frames (each a different row)", jump_t),
        ("R2", "`undo()` right after that jump (returns over it)", undo_t),
        ("R3", "`redo()` of that undo", redo_t),
        ("R4", "`undo()` of a single one-field step", single_t),
    ):
        m = median(ts)
        r = m / t_capture
        rep.add(
            Row(
                row_id,
                f"{what}, median of {len(ts)}",
                fmt_time(m),
                f"{fmt_time(t_capture)} (one one-field `capture()`)",
                f"{fmt_ratio(r)} the time",
                f"≤ {TARGET}x a capture",
                r <= TARGET,
            )
        )


def bench_memory(rep: Report, n: int) -> None:
    progress(f"memory of {n:,} one-field frames on large (tracemalloc)")
    state = build_large()
    rec = Recorder(state)
    rec.capture()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for k in range(n):
            toggle(state, k)
            rec.capture()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_1000 = (after - before) / n * 1000
    rep.add(
        Row(
            "M",
            f"memory added per 1,000 one-field frames on large, checkpoints included "
            f"({n:,} frames)",
            f"{fmt_bytes(per_1000)} ({per_1000 / 1000:.0f} B/frame)",
            target="< 1 KB/frame",
            ok=per_1000 / 1000 < 1024,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 frames, a smoke run")
    args = parser.parse_args(argv)
    n = 1_000 if args.quick else 5_000
    started = time.perf_counter()
    rep = Report()
    bench_restores(rep, n, 3)
    bench_memory(rep, 1_000 if args.quick else 5_000)
    elapsed = time.perf_counter() - started
    rep.print(f"timetravel restore benchmark{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
