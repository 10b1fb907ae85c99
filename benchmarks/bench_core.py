"""Benchmarks for the timetravel core: capture, undo/redo, memory and recording files.

Each target from the performance issue is measured next to the naive alternative it is
compared with, in the same run, and printed as one Markdown table with a PASS/FAIL column.
This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_core.py           # full run (what RESULTS.md shows)
    .venv/bin/python benchmarks/bench_core.py --quick   # smaller sizes, a smoke run

Timings use ``time.perf_counter`` and report the median of several repetitions, with the
garbage collector off while timing. Memory uses ``tracemalloc``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgpack
from deepdiff import DeepDiff

from timetravel import Recorder, Recording

# --- states ----------------------------------------------------------------------------------


def scalar(i: int) -> Any:
    """A deterministic mix of ints, strings, floats and bools."""
    kind = i % 4
    if kind == 0:
        return i * 7
    if kind == 1:
        return f"value {i}"
    if kind == 2:
        return i * 0.25
    return i % 3 == 0


def build_small() -> dict[str, Any]:
    """20 top-level keys of mixed scalars."""
    return {f"key_{i}": scalar(i) for i in range(20)}


def build_rows_state(n_rows: int) -> dict[str, Any]:
    """200 top-level scalar keys plus ``rows``: a list of ``n_rows`` task dicts."""
    state: dict[str, Any] = {f"key_{i}": scalar(i) for i in range(200)}
    state["rows"] = [
        {"id": i, "title": f"task {i}", "done": False, "tags": ["a", "b"], "score": i * 1.5}
        for i in range(n_rows)
    ]
    return state


def build_medium() -> dict[str, Any]:
    return build_rows_state(1_000)


def build_large() -> dict[str, Any]:
    return build_rows_state(10_000)


def step_rows(state: dict[str, Any], i: int) -> None:
    """One step: toggle ``rows[k]['done']`` for a ``k`` that varies with ``i``."""
    rows = state["rows"]
    row = rows[(i * 7919 + 13) % len(rows)]
    row["done"] = not row["done"]


def step_small(state: dict[str, Any], i: int) -> None:
    """One step on the small state: give one key a new value of the same type."""
    key = f"key_{i % 20}"
    value = state[key]
    if isinstance(value, bool):
        state[key] = not value
    elif isinstance(value, int):
        state[key] = value + 1
    elif isinstance(value, float):
        state[key] = value + 0.5
    else:
        state[key] = f"value {i}"


# --- timing helpers --------------------------------------------------------------------------


@contextlib.contextmanager
def gc_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def time_once(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def timings(
    fn: Callable[[], Any], reps: int, before: Callable[[int], Any] | None = None
) -> list[float]:
    """``reps`` timings of ``fn()``; ``before(i)`` runs untimed before each one."""
    out: list[float] = []
    with gc_off():
        for i in range(reps):
            if before is not None:
                before(i)
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


def fmt_ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


# --- the report ------------------------------------------------------------------------------


@dataclass
class Row:
    id: str
    what: str
    measured: str
    naive: str = "—"
    ratio: str = "—"
    target: str = "—"
    ok: bool | None = None  # None: context only, no target

    @property
    def verdict(self) -> str:
        return "info" if self.ok is None else "PASS" if self.ok else "FAIL"


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  [{row.verdict}] {row.id} {row.what}: {row.measured}", file=sys.stderr)

    def markdown(self) -> str:
        head = ("#", "Measurement", "timetravel", "Naive alternative", "Ratio", "Target", "Result")
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for r in self.rows:
            cells = (r.id, r.what, r.measured, r.naive, r.ratio, r.target, f"**{r.verdict}**")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def print(self, title: str, elapsed: float) -> None:
        """The run's header line, the table, the pass count and any warnings, on stdout."""
        cpus = os.cpu_count()
        print(
            f"{title}: Python {platform.python_version()} on {platform.system()} "
            f"{platform.machine()}, {cpus} CPU{'s' if cpus != 1 else ''}, "
            f"run {time.strftime('%Y-%m-%d')}, took {elapsed:.0f} s"
        )
        print()
        print(self.markdown())
        passed = sum(r.ok is True for r in self.rows)
        failed = [r.id for r in self.rows if r.ok is False]
        print()
        print(
            f"{passed} of {passed + len(failed)} targets pass"
            + (f"; FAIL: {', '.join(failed)}" if failed else "")
        )
        for note in self.notes:
            print(f"WARNING: {note}")


def progress(msg: str) -> None:
    print(f"... {msg}", file=sys.stderr, flush=True)


# --- the benchmarks --------------------------------------------------------------------------


@dataclass
class Sizes:
    capture_reps: int
    small_reps: int
    deepcopy_reps: int
    deepdiff_large_reps: int
    deepdiff_medium_reps: int
    undo_steps: int
    memory_frames: int
    file_frames: int
    state_at_samples: int
    open_reps: int


FULL = Sizes(
    capture_reps=200,
    small_reps=2_000,
    deepcopy_reps=5,
    deepdiff_large_reps=2,
    deepdiff_medium_reps=3,
    undo_steps=30,
    memory_frames=1_000,
    file_frames=100_000,
    state_at_samples=50,
    open_reps=3,
)
QUICK = Sizes(
    capture_reps=50,
    small_reps=500,
    deepcopy_reps=3,
    deepdiff_large_reps=1,
    deepdiff_medium_reps=1,
    undo_steps=10,
    memory_frames=1_000,
    file_frames=10_000,
    state_at_samples=50,
    open_reps=3,
)


def bench_large_capture(rep: Report, sz: Sizes) -> None:
    progress("capture on large (10,000 rows): one change, no change; deepcopy; DeepDiff")
    state = build_large()
    rec = Recorder(state)
    rec.capture()
    for i in range(5):  # warm up
        step_rows(state, i)
        rec.capture()
    counter = iter(range(10, 10**9))
    frames: list[Any] = []

    def before_change(_: int) -> None:
        step_rows(state, next(counter))

    def capture() -> None:
        frames.append(rec.capture())

    t_change = median(timings(capture, sz.capture_reps, before_change))
    if not all(f is not None and len(f.changes) == 1 for f in frames):
        rep.notes.append("capture on large did not always record exactly one change")

    t_deepcopy = median(timings(lambda: copy.deepcopy(state), sz.deepcopy_reps))

    prev = copy.deepcopy(state)
    step_rows(state, next(counter))
    diffs: list[Any] = []
    t_deepdiff = median(
        timings(lambda: diffs.append(DeepDiff(prev, state)), sz.deepdiff_large_reps)
    )
    if not diffs[0]:
        rep.notes.append("DeepDiff on large found no change (the benchmark is wrong)")
    rec.capture()  # take the pending change

    ratio_copy = t_deepcopy / t_change
    rep.add(
        Row(
            "1a",
            "`capture()` on large, one nested change, vs `copy.deepcopy(state)`",
            fmt_time(t_change),
            f"{fmt_time(t_deepcopy)} (deepcopy)",
            f"{fmt_ratio(ratio_copy)} faster",
            "≥ 20x faster (≤ 1/20 of deepcopy)",
            ratio_copy >= 20,
        )
    )
    ratio_dd = t_deepdiff / t_change
    rep.add(
        Row(
            "1b",
            "`capture()` on large, one nested change, vs `DeepDiff(prev, cur)`",
            fmt_time(t_change),
            f"{fmt_time(t_deepdiff)} (DeepDiff)",
            f"{fmt_ratio(ratio_dd)} faster",
            "≥ 1,000x faster",
            ratio_dd >= 1000,
        )
    )

    # 2. nothing changed
    same = copy.deepcopy(state)
    nothing: list[Any] = []
    t_none = median(timings(lambda: nothing.append(rec.capture()), sz.capture_reps))
    if any(f is not None for f in nothing):
        rep.notes.append("capture on large with nothing changed recorded a frame")
    eq: list[bool] = []
    t_eq = median(timings(lambda: eq.append(same == state), sz.capture_reps))
    if not all(eq):
        rep.notes.append("prev == cur was False on large (the benchmark is wrong)")
    r = t_none / t_eq
    rep.add(
        Row(
            "2",
            "`capture()` on large, nothing changed, vs `prev == cur` (prev a deepcopy)",
            fmt_time(t_none),
            f"{fmt_time(t_eq)} (`==`)",
            f"{fmt_ratio(r)} the time",
            "≤ 2x the time of `==`",
            r <= 2,
        )
    )

    # 4. undo / redo of a one-field frame
    progress("undo / redo on large")
    undo_t: list[float] = []
    redo_t: list[float] = []
    wrong = 0
    with gc_off():
        for i in range(sz.undo_steps):
            k = (i * 7919 + 13) % len(state["rows"])
            row = state["rows"][k]
            was = row["done"]
            row["done"] = not was
            rec.capture()
            undo_t.append(time_once(rec.undo))
            wrong += state["rows"][k]["done"] is not was
            redo_t.append(time_once(rec.redo))
            wrong += state["rows"][k]["done"] is was
    if wrong:
        rep.notes.append(f"undo/redo restored the wrong value {wrong} times")
    for name, ts, row_id in (("undo", undo_t, "4a"), ("redo", redo_t, "4b")):
        m = median(ts)
        rep.add(
            Row(
                row_id,
                f"`{name}()` of a one-field frame on large (median of {len(ts)} steps)",
                f"{fmt_time(m)} (max {fmt_time(max(ts))})",
                target="< 2 ms (median)",
                ok=m < 2e-3,
            )
        )


def bench_small(rep: Report, sz: Sizes) -> None:
    progress("capture on small")
    state = build_small()
    rec = Recorder(state)
    rec.capture()
    for i in range(20):
        step_small(state, i)
        rec.capture()
    t = median(timings(rec.capture, sz.small_reps, lambda i: step_small(state, i + 100)))
    rep.add(
        Row(
            "3",
            "`capture()` on small (20 scalar keys), one change",
            fmt_time(t),
            target="< 0.5 ms",
            ok=t < 0.5e-3,
        )
    )


def bench_medium(rep: Report, sz: Sizes) -> None:
    progress("capture and DeepDiff on medium (1,000 rows)")
    state = build_medium()
    rec = Recorder(state)
    rec.capture()
    counter = iter(range(10**9))
    t = median(timings(rec.capture, sz.capture_reps, lambda _: step_rows(state, next(counter))))
    prev = copy.deepcopy(state)
    step_rows(state, next(counter))
    t_dd = median(timings(lambda: DeepDiff(prev, state), sz.deepdiff_medium_reps))
    rep.add(
        Row(
            "ctx",
            "`capture()` on medium (1,000 rows), one nested change, vs `DeepDiff(prev, cur)`",
            fmt_time(t),
            f"{fmt_time(t_dd)} (DeepDiff)",
            f"{fmt_ratio(t_dd / t)} faster",
        )
    )


def bench_memory(rep: Report, sz: Sizes) -> None:
    progress(f"memory of {sz.memory_frames:,} one-field frames on large (tracemalloc)")
    state = build_large()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        rec = Recorder(state)
        rec.capture()
        gc.collect()
        after_first = tracemalloc.get_traced_memory()[0]
        for i in range(sz.memory_frames):
            step_rows(state, i)
            rec.capture()
        gc.collect()
        after_all = tracemalloc.get_traced_memory()[0]

        before_copy = tracemalloc.get_traced_memory()[0]
        snapshot = copy.deepcopy(state)
        gc.collect()
        deepcopy_bytes = tracemalloc.get_traced_memory()[0] - before_copy
        del snapshot
    finally:
        tracemalloc.stop()
    if len(rec.frames) != sz.memory_frames + 1:
        rep.notes.append(f"memory run recorded {len(rec.frames)} frames")
    per_frame = (after_all - after_first) / sz.memory_frames
    rep.add(
        Row(
            "5",
            f"memory per one-field frame on large ({sz.memory_frames:,} frames, beyond the "
            f"private copy; first capture: {fmt_bytes(after_first - base)})",
            f"{per_frame:.0f} B/frame",
            f"{fmt_bytes(deepcopy_bytes)}/frame (one deepcopy snapshot)",
            f"{fmt_ratio(deepcopy_bytes / per_frame)} smaller",
            "< 1 KB/frame",
            per_frame < 1024,
        )
    )


def bench_file(rep: Report, sz: Sizes, tmp: str) -> None:
    n = sz.file_frames
    path = os.path.join(tmp, "bench.ttrec")
    progress(f"building a {n:,}-frame recording of medium (not timed as a target)")
    state = build_medium()
    rec = Recorder(state, sink=path)
    t0 = time.perf_counter()
    rec.capture()
    for i in range(1, n):
        step_rows(state, i)
        rec.capture()
    build = time.perf_counter() - t0
    rec.close()
    recorded = len(rec.frames)
    del rec
    gc.collect()
    size = os.path.getsize(path)

    progress("Recording.open and state_at")
    opens = timings(lambda: Recording.open(path), sz.open_reps)
    t_open = median(opens)
    recording = Recording.open(path)
    if len(recording) != n or recorded != n:
        rep.notes.append(f"the file holds {len(recording)} frames, expected {n}")
    picks = random.Random(20240601).sample(range(len(recording)), sz.state_at_samples)
    at: list[float] = []
    with gc_off():
        for p in picks:
            t0 = time.perf_counter()
            recording.state_at(p)
            at.append(time.perf_counter() - t0)
    last = recording.state_at(n - 1)
    if last != state:
        rep.notes.append("Recording.state_at(last) differs from the recorded state")

    naive_blob = msgpack.packb(state, use_bin_type=True)
    naive_size = len(naive_blob) * n
    t_unpack = median(
        timings(lambda: msgpack.unpackb(naive_blob, raw=False, strict_map_key=False), 20)
    )

    rep.add(
        Row(
            "6a",
            f"`Recording.open(path)`, {n:,}-frame file (median of {sz.open_reps})",
            fmt_time(t_open),
            target="< 1 s",
            ok=t_open < 1,
        )
    )
    m_at = median(at)
    rep.add(
        Row(
            "6b",
            f"`state_at(random frame)`, {n:,}-frame file (median of {len(at)} frames)",
            f"{fmt_time(m_at)} (max {fmt_time(max(at))})",
            f"{fmt_time(t_unpack)} (`msgpack.unpackb` of one full snapshot)",
            f"{fmt_ratio(m_at / t_unpack)} the time",
            "< 20 ms (median)",
            m_at < 20e-3,
        )
    )
    rep.add(
        Row(
            "6c",
            f"file size, {n:,} frames of medium ({len(recording.keyframes)} keyframes)",
            f"{fmt_bytes(size)} ({size / n:.0f} B/frame)",
            f"{fmt_bytes(naive_size)} ({fmt_bytes(len(naive_blob))}/frame, full msgpack "
            "snapshot per frame)",
            f"{fmt_ratio(naive_size / size)} smaller",
        )
    )
    rep.add(
        Row(
            "ctx",
            f"`capture()` on medium writing to the file (mean over the {n:,}-frame build)",
            fmt_time(build / n),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a smoke run")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL

    started = time.perf_counter()
    rep = Report()
    bench_small(rep, sz)
    bench_medium(rep, sz)
    bench_large_capture(rep, sz)
    bench_memory(rep, sz)
    with tempfile.TemporaryDirectory(prefix="ttbench-") as tmp:
        bench_file(rep, sz, tmp)
    elapsed = time.perf_counter() - started

    order = ["1a", "1b", "2", "3", "4a", "4b", "5", "6a", "6b", "6c", "ctx"]
    rep.rows.sort(key=lambda r: order.index(r.id))

    rep.print(f"timetravel benchmarks{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
