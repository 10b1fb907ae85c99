"""Benchmarks for the shapes of issue 8: no phantom frames, and no-change capture near its floor.

Each target is measured next to the naive alternative in the same run and printed as one
Markdown table with a PASS/FAIL column, in the style of ``bench_core.py`` (whose helpers it
uses). This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_shapes.py           # full run
    .venv/bin/python benchmarks/bench_shapes.py --quick   # fewer repetitions, a smoke run
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from typing import Any

from bench_core import (
    Report,
    Row,
    build_large,
    fmt_ratio,
    fmt_time,
    median,
    progress,
    scalar,
    step_rows,
    timings,
)

from timetravel import Recorder

NAN = float("nan")


class Point:
    """A plain object without ``__eq__`` (Python compares it by identity)."""

    def __init__(self, i: int) -> None:
        self.x = i
        self.y = i * 0.5
        self.label = f"p{i}"


def no_change_vs_eq(
    rep: Report, row_id: str, what: str, state: dict[str, Any], reps: int, target: float | None
) -> None:
    """Time ``capture()`` with nothing changed against ``prev == cur`` (prev a deepcopy)."""
    rec = Recorder(state)
    rec.capture()
    frames: list[Any] = []
    t_cap = median(timings(lambda: frames.append(rec.capture()), reps))
    prev = copy.deepcopy(state)
    eq: list[bool] = []
    t_eq = median(timings(lambda: eq.append(prev == state), reps))
    if any(f is not None for f in frames):
        rep.notes.append(f"{row_id}: a capture with nothing changed recorded a frame")
    if not all(eq) and target is not None:
        rep.notes.append(f"{row_id}: prev == cur was False (the benchmark is wrong)")
    r = t_cap / t_eq
    rep.add(
        Row(
            row_id,
            what,
            fmt_time(t_cap),
            f"{fmt_time(t_eq)} (`==`)",
            f"{fmt_ratio(r)} the time",
            "—" if target is None else f"≤ {target:g}x the time of `==`",
            None if target is None else r <= target,
        )
    )


def phantom_frames(rep: Report, row_id: str, what: str, state: dict[str, Any]) -> None:
    """Frames recorded by 5 captures with nothing changed (must be 0), and their time."""
    rec = Recorder(state)
    rec.capture()
    frames: list[Any] = []
    t = median(timings(lambda: frames.append(rec.capture()), 5))
    n = sum(f is not None for f in frames)
    rep.add(
        Row(row_id, what, f"{n} frames ({fmt_time(t)} a capture)", target="0 frames", ok=n == 0)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, a smoke run")
    args = parser.parse_args(argv)
    reps = 20 if args.quick else 100
    started = time.perf_counter()
    rep = Report()

    progress("no-change capture: 10,000 top-level keys; 100k ints in one list")
    keys = {f"key_{i}": scalar(i) for i in range(10_000)}
    no_change_vs_eq(rep, "S1", "`capture()`, 10,000 top-level keys, nothing changed", keys, reps, 2)
    ints = {"ints": list(range(100_000))}
    no_change_vs_eq(rep, "S2", "`capture()`, 100k ints in one list, nothing changed", ints, reps, 2)

    progress("phantom frames: 10k objects without __eq__; 80% NaN list of 100k floats")
    phantom_frames(
        rep,
        "S3",
        "10k objects without `__eq__` in a list: frames after 5 no-change captures",
        {"points": [Point(i) for i in range(10_000)]},
    )
    nan_list = [NAN if i % 5 else i * 0.5 for i in range(100_000)]
    phantom_frames(
        rep,
        "S4a",
        "100k floats, 80% NaN, in a list: frames after 5 no-change captures",
        {"xs": nan_list},
    )
    no_change_vs_eq(
        rep,
        "S4b",
        "`capture()`, 100k floats 80% NaN, nothing changed (report)",
        {"xs": nan_list},
        reps,
        None,
    )
    rebuilt = {"xs": nan_list}
    rec = Recorder(rebuilt)
    rec.capture()
    frames: list[Any] = []

    def rebuild(_: int) -> None:  # equal values, new NaN objects: what a rerun builds
        rebuilt["xs"] = [NAN if i % 5 else i * 0.5 for i in range(100_000)]
        rebuilt["xs"][1::5] = [float("nan")] * len(rebuilt["xs"][1::5])

    t_rebuilt = median(timings(lambda: frames.append(rec.capture()), 5, rebuild))
    n = sum(f is not None for f in frames)
    rep.add(
        Row(
            "S4c",
            "the same list rebuilt equal (new NaN objects) each time: frames, capture time",
            f"{n} frames ({fmt_time(t_rebuilt)} a capture)",
            target="0 frames",
            ok=n == 0,
        )
    )

    progress("one-change capture on large (bench_core's state), to show no regression")
    state = build_large()
    rec = Recorder(state)
    rec.capture()
    for i in range(5):
        step_rows(state, i)
        rec.capture()
    counter = iter(range(10, 10**9))
    t_one = median(timings(rec.capture, reps * 2, lambda _: step_rows(state, next(counter))))
    rep.add(
        Row(
            "S5",
            "`capture()` on large (10,000 rows), one nested change (was ~0.9 ms)",
            fmt_time(t_one),
            target="≤ 1.2 ms",
            ok=t_one <= 1.2e-3,
        )
    )
    elapsed = time.perf_counter() - started

    rep.print(f"timetravel shape benchmarks{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
