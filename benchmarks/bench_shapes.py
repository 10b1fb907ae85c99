"""Benchmarks for the shapes of issue 8: no phantom frames, captures near their floor, small frames.

Plain shapes (10,000 keys, 100k ints, objects without ``__eq__``, NaN lists), a DataFrame of
1M rows x 10 columns, a 10M-element float64 array and a 1 MB string, edited in place as a
Streamlit app does; capture time against ``df.equals`` / ``np.array_equal`` / ``arr.copy()``,
memory per frame (tracemalloc plus Arrow's pool) and file growth per frame (``sink=``).

Each target is measured next to the naive alternative in the same run and printed as one
Markdown table with a PASS/FAIL column, in the style of ``bench_core.py`` (whose helpers it
uses). This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_shapes.py           # full run
    .venv/bin/python benchmarks/bench_shapes.py --quick   # 100k rows, 1M elements: a smoke run
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
    scalar,
    step_rows,
    time_once,
    timings,
)

from timetravel import Recorder
from timetravel._format import KEYFRAME_BUDGET, KEYFRAME_MAX, KEYFRAME_MIN, RECORD_HEAD

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


# --- big values: DataFrames, arrays, long strings --------------------------------------------


@dataclass
class Big:
    rows: int  # DataFrame rows (10 columns)
    elements: int  # numpy float64 elements
    text: int  # characters of the long string
    reps: int  # timings per capture measurement on the big values
    mem_frames: int  # frames measured for memory, after the warm-up frames
    file_frames: int  # frames measured for file growth, after the first


FULL_BIG = Big(
    rows=1_000_000, elements=10_000_000, text=1_000_000, reps=11, mem_frames=10, file_frames=8
)
QUICK_BIG = Big(
    rows=100_000, elements=1_000_000, text=1_000_000, reps=5, mem_frames=10, file_frames=8
)

WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa")


def build_frame(n: int) -> pd.DataFrame:
    """``n`` rows x 10 columns: 4 float64, 3 int64 and 3 text columns (pandas' ``str``)."""
    rng = np.random.default_rng(8)
    cols: dict[str, Any] = {f"f{j}": rng.random(n) for j in range(4)}
    cols |= {f"i{j}": rng.integers(0, 1_000_000, n) for j in range(3)}
    cols |= {f"s{j}": [f"{WORDS[(i + j) % 10]} {i}" for i in range(n)] for j in range(3)}
    return pd.DataFrame(cols)


def edit_cell(df: pd.DataFrame, i: int) -> None:
    """Set one cell in place to a value it did not hold: column ``i % 10``, a row that varies."""
    j = i % df.shape[1]
    row = (i * 7919 + 13) % len(df)
    name = df.columns[j]
    value: Any = -1.0 - i if name[0] == "f" else -1 - i if name[0] == "i" else f"edited {i}"
    df.iat[row, j] = value


def build_text(n: int) -> str:
    """About ``n`` characters of words and numbers (not one repeated period)."""
    parts: list[str] = []
    size = i = 0
    while size < n:
        part = f"{WORDS[i % 10]} {i * 7919 % 100_003} "
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts)[:n]


def edit_text(state: dict[str, Any], i: int) -> None:
    """Replace 4 characters near the middle of ``state["text"]`` with new ones."""
    text = state["text"]
    p = len(text) // 2 + (i * 37) % 4096
    state["text"] = text[:p] + f"E{i:03d}"[-4:] + text[p + 4 :]


def edit_element(arr: Any, i: int) -> None:
    arr[(i * 7_919_993 + 13) % arr.size] = -1.0 - i


def capture_timings(
    rec: Recorder,
    reps: int,
    before: Callable[[int], Any] | None = None,
    baseline: Callable[[], Any] | None = None,
) -> tuple[float, list[Any], float]:
    """Median times of ``rec.capture()`` and of ``baseline()`` right after it (interleaved, so
    that load from other processes hits both alike), and the frames the captures returned.
    ``before(i)`` runs untimed before each pair."""
    frames: list[Any] = []
    t_cap: list[float] = []
    t_base: list[float] = []
    with gc_off():
        for i in range(reps):
            if before is not None:
                before(i)
            t0 = time.perf_counter()
            frames.append(rec.capture())
            t_cap.append(time.perf_counter() - t0)
            if baseline is not None:
                t_base.append(time_once(baseline))
    return median(t_cap), frames, median(t_base) if t_base else 0.0


def smaller(whole: float, part: float) -> str:
    r = whole / max(part, 1)
    return f"{fmt_ratio(r)} smaller" if r >= 1 else f"{fmt_ratio(1 / r)} larger"


def traced_bytes() -> int:
    """Bytes traced by tracemalloc (Python objects, numpy buffers) plus Arrow's memory pool,
    which holds pandas' ``str`` columns and which tracemalloc does not see."""
    n = tracemalloc.get_traced_memory()[0]
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        n += pa.total_allocated_bytes()
    return n


@dataclass
class Memory:
    per_frame: float  # traced growth per frame, bytes
    estimate: float | None  # the recorder's own size estimate per frame (``_sizes``)
    frames_ok: bool


def memory_per_frame(
    state: dict[str, Any], step: Callable[[int], Any], warm: int, n: int
) -> Memory:
    """Memory growth per frame: ``warm`` frames untimed (the recorder's copies settle, pandas'
    copy-on-write splits the live blocks), then the growth over ``n`` more frames."""
    gc.collect()
    tracemalloc.start()
    try:
        rec = Recorder(state)
        rec.capture()
        for i in range(warm):
            step(i)
            rec.capture()
        gc.collect()
        before = traced_bytes()
        for i in range(warm, warm + n):
            step(i)
            rec.capture()
        gc.collect()
        after = traced_bytes()
    finally:
        tracemalloc.stop()
    sizes = getattr(rec, "_sizes", None)
    estimate = statistics.mean(sizes[-n:]) if isinstance(sizes, list) and sizes else None
    ok = len(rec.frames) == 1 + warm + n
    del rec
    gc.collect()
    return Memory((after - before) / n, estimate, ok)


@dataclass
class FileGrowth:
    per_frame: float  # median growth of the file per frame (no keyframe among them)
    largest: int
    first_frame: int  # the first capture's frame record (the whole state)
    keyframe: int  # the keyframe written with it (the whole state again)
    frames_ok: bool
    frames: int  # frames measured

    @property
    def every(self) -> int:
        """Frames between keyframes at this frame size (the writer's policy, _format.py)."""
        by_size = -(-self.keyframe // (4 * int(self.per_frame))) if self.per_frame > 0 else 0
        by_budget = -(-self.keyframe // KEYFRAME_BUDGET)  # the latest one costs <= budget/frame
        latest = max(KEYFRAME_MAX, by_budget)
        if by_size:
            latest = min(latest, by_size)
        return max(KEYFRAME_MIN, latest)

    @property
    def amortised(self) -> float:
        return self.per_frame + self.keyframe / self.every

    def keyframe_row(self, row_id: str) -> Row:
        """The info row of what keyframes add to each frame, amortised."""
        return Row(
            row_id,
            f"… with keyframes: one per {self.every} frames at that size",
            f"{fmt_bytes(self.amortised)}/frame amortised",
            f"{fmt_bytes(self.keyframe)} a keyframe",
        )


#: Bytes of frames after which a file measurement stops (after 2 frames at least).
FILE_BUDGET = 300_000_000


def file_per_frame(
    state: dict[str, Any], step: Callable[[int], Any], n: int, path: str
) -> FileGrowth:
    """File growth per frame with ``sink=path``: the first capture (its frame and keyframe
    apart), then ``n`` frames one by one (fewer than a keyframe's minimum distance)."""
    rec = Recorder(state, sink=path)
    start = os.path.getsize(path)
    rec.capture()
    first_end = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(start)
        head = f.read(RECORD_HEAD.size)
    _, frame_len, _ = RECORD_HEAD.unpack(head)
    keyframe = first_end - start - 2 * RECORD_HEAD.size - frame_len
    growth: list[int] = []
    size = first_end
    tried = 0
    for i in range(n):
        if len(growth) >= 2 and size - first_end > FILE_BUDGET:
            break  # whole frames: a few say as much as many, and disks are slow
        step(i)
        tried += 1
        frame = rec.capture()
        now = os.path.getsize(path)
        if frame is not None:
            growth.append(now - size)
        size = now
    rec.close()
    ok = len(growth) == tried
    del rec
    gc.collect()
    return FileGrowth(
        median([float(g) for g in growth]) if growth else 0.0,
        max(growth, default=0),
        RECORD_HEAD.size + frame_len,
        keyframe,
        ok,
        len(growth),
    )


def bench_dataframe(rep: Report, big: Big, tmp: str) -> None:
    n = big.rows
    label = f"DataFrame {n:,} x 10"
    progress(f"{label} (4 float, 3 int, 3 str columns): building")
    df = build_frame(n)
    full_bytes = int(df.memory_usage(deep=True).sum())
    state: dict[str, Any] = {"df": df, "page": "table", "n": 0}

    progress(f"{label}: first capture, no-change capture, df.equals")
    rec = Recorder(state)
    t_first = time_once(rec.capture)
    # The baseline: one full ``equals`` pass over two equal copies, timed after each capture.
    pair = [df.copy(deep=True), df.copy(deep=True)]
    same: list[bool] = []

    def equals() -> None:
        same.append(pair[0].equals(pair[1]))

    t_none, nothing, t_eq = capture_timings(rec, big.reps, baseline=equals)
    if any(f is not None for f in nothing):
        rep.notes.append("D1: a DataFrame capture with nothing changed recorded a frame")

    progress(f"{label}: one-cell captures (in place)")
    counter = iter(range(10**9))
    for _ in range(10):  # one edit per column first: pandas splits its blocks on first write
        edit_cell(df, next(counter))
        rec.capture()
    t_cell, frames, t_eq2 = capture_timings(
        rec, big.reps, lambda _: edit_cell(df, next(counter)), equals
    )
    if not all(same):
        rep.notes.append("D1: df.equals(copy) was False (the benchmark is wrong)")
    pair.clear()
    if not all(f is not None and f.changes for f in frames):
        rep.notes.append("D2: a one-cell DataFrame edit did not always record a frame")
    paths = sorted({str(c.path) for f in frames if f is not None for c in f.changes})
    where = f"; e.g. at {paths[0]}" if paths and len(paths[0]) < 60 else ""
    rec = Recorder(state)  # the old one goes, with its frames
    gc.collect()

    progress(f"{label}: one-cell captures (reassigned: a modified copy)")
    rec.capture()

    def reassign(_: int) -> None:
        new = state["df"].copy()
        edit_cell(new, next(counter))
        state["df"] = new

    t_re, _, _ = capture_timings(rec, big.reps, reassign)
    rec.clear()
    state["df"] = df
    gc.collect()

    progress(f"{label}: copy.deepcopy(df)")
    t_dc = median(timings(lambda: copy.deepcopy(df), 2))

    progress(f"{label}: memory per one-cell frame (tracemalloc + Arrow pool)")
    mem = memory_per_frame(state, lambda i: edit_cell(df, 10_000 + i), 10, big.mem_frames)
    if not mem.frames_ok:
        rep.notes.append("D4: the memory run did not record one frame per edit")

    progress(f"{label}: file growth per one-cell frame")
    fg = file_per_frame(
        state, lambda i: edit_cell(df, 20_000 + i), big.file_frames, os.path.join(tmp, "df.ttrec")
    )
    if not fg.frames_ok:
        rep.notes.append("D5: the file run did not record one frame per edit")

    r1 = t_none / t_eq
    rep.add(
        Row(
            "D1",
            f"`capture()`, {label}, nothing changed, vs `df.equals(prev)`",
            fmt_time(t_none),
            f"{fmt_time(t_eq)} (`df.equals`)",
            f"{fmt_ratio(r1)} the time",
            "≤ 2x `df.equals`",
            r1 <= 2,
        )
    )
    r2 = t_cell / t_eq2
    rep.add(
        Row(
            "D2",
            f"`capture()`, {label}, one cell set in place (`df.iat[i, j] = v`)",
            f"{fmt_time(t_cell)}{where}",
            f"{fmt_time(t_eq2)} (one `df.equals` pass)",
            f"{fmt_ratio(r2)} the time",
            "≤ 3x `df.equals`",
            r2 <= 3,
        )
    )
    rep.add(
        Row(
            "D3",
            f"`capture()`, {label}, one cell changed in a reassigned copy",
            fmt_time(t_re),
            f"{fmt_time(t_eq)} (one `df.equals` pass)",
            f"{fmt_ratio(t_re / t_eq)} the time",
            "(≤ 3x `df.equals`)",
        )
    )
    est = f"; recorder's estimate {fmt_bytes(mem.estimate)}" if mem.estimate is not None else ""
    rep.add(
        Row(
            "D4",
            f"memory per one-cell frame, {label} ({big.mem_frames} frames after 10)",
            f"{fmt_bytes(mem.per_frame)}/frame{est}",
            f"{fmt_bytes(full_bytes)} (the whole frame, `memory_usage(deep=True)`)",
            smaller(full_bytes, mem.per_frame),
            "≤ 64 KB/frame",
            mem.per_frame <= 64_000,
        )
    )
    rep.add(
        Row(
            "D5",
            f"file growth per one-cell frame, {label} ({fg.frames} frames)",
            f"{fmt_bytes(fg.per_frame)}/frame (max {fmt_bytes(fg.largest)})",
            f"{fmt_bytes(fg.first_frame)} (the first frame: the whole state)",
            smaller(fg.first_frame, fg.per_frame),
            "≤ 64 KB/frame",
            fg.per_frame <= 64_000,
        )
    )
    rep.add(fg.keyframe_row("D5k"))
    rep.add(
        Row(
            "ctx",
            f"first `capture()` of the {label} (the whole value), vs `copy.deepcopy(df)`",
            fmt_time(t_first),
            f"{fmt_time(t_dc)} (`copy.deepcopy(df)`)",
            f"{fmt_ratio(t_first / t_dc)} the time",
        )
    )


def bench_numpy(rep: Report, big: Big, tmp: str) -> None:
    n = big.elements
    label = f"{n / 1e6:g}M float64"
    progress(f"numpy {label}: captures, arr.copy(), np.array_equal")
    arr = np.random.default_rng(10).random(n)
    state: dict[str, Any] = {"arr": arr, "n": 0}
    rec = Recorder(state)
    t_first = time_once(rec.capture)
    pair = [arr.copy(), arr.copy()]
    same: list[bool] = []

    def array_equal() -> None:
        same.append(bool(np.array_equal(pair[0], pair[1])))

    t_none, nothing, t_eq = capture_timings(rec, 2 * big.reps, baseline=array_equal)
    if any(f is not None for f in nothing):
        rep.notes.append("N2: an array capture with nothing changed recorded a frame")
    if not all(same):
        rep.notes.append("N2: np.array_equal(arr, copy) was False (the benchmark is wrong)")
    pair.clear()

    counter = iter(range(10**9))
    for _ in range(3):
        edit_element(arr, next(counter))
        rec.capture()
    t_one, frames, t_copy = capture_timings(
        rec, 2 * big.reps, lambda _: edit_element(arr, next(counter)), arr.copy
    )
    if not all(f is not None and f.changes for f in frames):
        rep.notes.append("N1: a one-element edit did not always record a frame")
    rec.clear()
    gc.collect()

    progress(f"numpy {label}: memory and file growth per one-element frame")
    mem = memory_per_frame(state, lambda i: edit_element(arr, 10_000 + i), 3, big.mem_frames)
    fg = file_per_frame(
        state,
        lambda i: edit_element(arr, 20_000 + i),
        big.file_frames,
        os.path.join(tmp, "arr.ttrec"),
    )

    r1 = t_one / t_copy
    rep.add(
        Row(
            "N1",
            f"`capture()`, {label}, one element changed (`arr[i] = v`)",
            fmt_time(t_one),
            f"{fmt_time(t_copy)} (`arr.copy()`)",
            f"{fmt_ratio(r1)} the time",
            "≤ 0.75x `arr.copy()`",
            r1 <= 0.75,
        )
    )
    r2 = t_none / t_eq
    rep.add(
        Row(
            "N2",
            f"`capture()`, {label}, nothing changed, vs `np.array_equal`",
            fmt_time(t_none),
            f"{fmt_time(t_eq)} (`np.array_equal`)",
            f"{fmt_ratio(r2)} the time",
            "≤ 2x `np.array_equal`",
            r2 <= 2,
        )
    )
    est = f"; recorder's estimate {fmt_bytes(mem.estimate)}" if mem.estimate is not None else ""
    rep.add(
        Row(
            "N3",
            f"{label}, one element: memory and file growth per frame; first capture",
            f"{fmt_bytes(mem.per_frame)}/frame in memory{est}; "
            f"{fmt_bytes(fg.per_frame)}/frame on disk "
            f"({fmt_bytes(fg.amortised)} with keyframes)",
            f"{fmt_bytes(arr.nbytes)} (the array); first capture {fmt_time(t_first)}",
        )
    )


def bench_text(rep: Report, big: Big, tmp: str) -> None:
    label = f"{big.text / 1e6:g} MB string"
    progress(f"{label}: middle edits, memory and file growth")
    text = build_text(big.text)
    state: dict[str, Any] = {"text": text, "n": 0}
    rec = Recorder(state)
    rec.capture()
    counter = iter(range(10**9))
    t_edit, frames, _ = capture_timings(
        rec, big.reps * 4, lambda _: edit_text(state, next(counter))
    )
    if not all(f is not None and f.changes for f in frames):
        rep.notes.append("T: a middle edit did not always record a frame")
    rec.clear()
    other = state["text"][:-1] + "#"
    t_eq = median(timings(lambda: other == state["text"], big.reps * 4))
    mem = memory_per_frame(state, lambda i: edit_text(state, 1_000 + i), 3, 50)
    fg = file_per_frame(
        state, lambda i: edit_text(state, 2_000 + i), 50, os.path.join(tmp, "text.ttrec")
    )
    size = len(state["text"].encode())
    est = f"; recorder's estimate {fmt_bytes(mem.estimate)}" if mem.estimate is not None else ""
    rep.add(
        Row(
            "T1",
            f"memory per frame, {label}, 4 characters replaced mid-text (50 frames)",
            f"{fmt_bytes(mem.per_frame)}/frame{est}",
            f"{fmt_bytes(size)} (the string)",
            smaller(size, mem.per_frame),
            "≤ 4 KB/frame",
            mem.per_frame <= 4_000,
        )
    )
    rep.add(
        Row(
            "T2",
            f"file growth per frame, {label}, the same edits ({fg.frames} frames)",
            f"{fmt_bytes(fg.per_frame)}/frame (max {fmt_bytes(fg.largest)})",
            f"{fmt_bytes(fg.first_frame)} (the first frame: the whole state)",
            smaller(fg.first_frame, fg.per_frame),
            "≤ 4 KB/frame",
            fg.per_frame <= 4_000,
        )
    )
    rep.add(fg.keyframe_row("T2k"))
    rep.add(
        Row(
            "ctx",
            f"`capture()` of a middle edit, {label}, vs `==` of two equal-length strings",
            fmt_time(t_edit),
            f"{fmt_time(t_eq)} (`==`, differing at the end)",
            f"{fmt_ratio(t_edit / t_eq)} the time",
        )
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

    big = QUICK_BIG if args.quick else FULL_BIG
    with tempfile.TemporaryDirectory(prefix="ttshapes-") as tmp:
        bench_dataframe(rep, big, tmp)
        bench_numpy(rep, big, tmp)
        bench_text(rep, big, tmp)
    elapsed = time.perf_counter() - started

    rep.print(f"timetravel shape benchmarks{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
