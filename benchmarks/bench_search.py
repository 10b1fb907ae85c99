"""Benchmark: ``Recording.search`` streams its first results at once and scans at near the
cost of reading the frames.

A 100,000-frame recording of a todo app (a list of 20-120 todos with titles and done flags,
a filter, a counter, undo and redo now and then) is searched with a text query, a regex and
path queries. Timed: the first result (``Recording.open`` included, and how many frames it
decoded), and full scans streaming every result, against the floor (``Recording.open`` and
``for frame in recording``) and against the naive alternatives: a brute force that walks
``Recording.states()`` and finds the matches of the whole state at every frame, and
``state_at(i)`` for every frame (on the first frames only: it is slow). Printed as one
Markdown table with a PASS/FAIL column. This is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_search.py           # full run
    .venv/bin/python benchmarks/bench_search.py --quick   # smaller file, a smoke run
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_core import Report, Row, fmt_ratio, fmt_time, median, progress, timings

import timetravel.recording as recording_module
from timetravel import Recorder, Recording, parse_query

FIRST_TARGET = 1.0  # seconds to the first result, open included
SCAN_TARGET = 3.0  # a full text or path-predicate scan may take this many times the floor

TEXT = "milk"
REGEX = "/wa[lk]+ (the )?dog/i"
PREDICATE = 'todos[*].title == "buy milk"'
WHOLE = "$todos"  # a container matched whole: every change inside it reads the state

TITLES = ["walk the dog", "write report", "call mom", "pay rent", "fix bike", "read book"]


@dataclass
class Sizes:
    frames: int
    naive_frames: int
    reps: int


FULL = Sizes(frames=100_000, naive_frames=5_000, reps=3)
QUICK = Sizes(frames=10_000, naive_frames=1_000, reps=3)


def record_todo_app(path: str, n: int) -> None:
    """``n`` frames of a todo app: add, toggle, edit, delete, filter, count, undo, redo."""
    rng = random.Random(12)
    todos: list[dict[str, Any]] = [{"title": f"task {i}", "done": False} for i in range(20)]
    state: dict[str, Any] = {"todos": todos, "filter": "all", "count": 0, "user": "ann"}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        for i in range(1, n):
            r = rng.random()
            if i == 5:  # the first milk, early
                todos.append({"title": "buy milk", "done": False})
                trigger = "add"
            elif r < 0.02 and rec.can_undo:
                rec.undo()
                continue
            elif r < 0.03 and rec.can_redo:
                rec.redo()
                continue
            elif r < 0.15 and len(todos) < 120:
                title = "buy milk" if rng.random() < 0.1 else rng.choice(TITLES)
                todos.append({"title": f"{title}", "done": False})
                trigger = "add"
            elif r < 0.25 and len(todos) > 20:
                del todos[rng.randrange(len(todos))]
                trigger = "delete"
            elif r < 0.55:
                todo = todos[rng.randrange(len(todos))]
                todo["done"] = not todo["done"]
                trigger = "toggle"
            elif r < 0.62:
                todos[rng.randrange(len(todos))]["title"] = rng.choice(TITLES) + f" {i}"
                trigger = "edit"
            elif r < 0.67:
                state["filter"] = rng.choice(["all", "done", "open"])
                trigger = "filter"
            else:
                # The counter keeps up with the frame number, for a query that first matches
                # late.
                state["count"] = max(state["count"] + 1, i - i % 1000)
                trigger = "count"
            rec.capture(trigger=trigger)


class Decodes:
    """Counts frames decoded while it is on."""

    def __init__(self) -> None:
        self.count = 0
        self.real = recording_module.decode_frame  # type: ignore[attr-defined]

    def __enter__(self) -> Decodes:
        def counting(payload: bytes) -> Any:
            self.count += 1
            return self.real(payload)

        recording_module.decode_frame = counting  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        recording_module.decode_frame = self.real  # type: ignore[attr-defined]


def first_result(path: str, query: str) -> tuple[int, int]:
    """Open the file and take the first result: (its position, frames decoded)."""
    with Decodes() as d:
        match = next(Recording.open(path).search(query))
    return match.position, d.count


def full_scan(path: str, query: str, stop: int | None = None) -> int:
    return sum(1 for _ in Recording.open(path).search(query, stop=stop))


def floor(path: str) -> None:
    for _ in Recording.open(path):
        pass


def brute_force(rec_path: str, query: str, stop: int | None = None) -> Iterator[int]:
    """The naive search: walk every state and compare its whole matches with the last."""
    q = parse_query(query)
    before: Counter[Any] = Counter()
    for pos, (_, state) in enumerate(Recording.open(rec_path).states(0, stop)):
        now = q.matches(state)
        if now != before:
            yield pos
        before = now


def state_at_each(rec_path: str, query: str, stop: int) -> Iterator[int]:
    """Naiver still: rebuild each frame's state with ``state_at(i)``."""
    q = parse_query(query)
    rec = Recording.open(rec_path)
    before: Counter[Any] = Counter()
    for pos in range(stop):
        now = q.matches(rec.state_at(pos))
        if now != before:
            yield pos
        before = now


def timed(fn: Callable[[], Any], reps: int) -> float:
    return median(timings(fn, reps))


def bench(rep: Report, sz: Sizes, tmp: str) -> None:
    n = sz.frames
    late = f"count > {n * 9 // 10}"  # first matches near the end: the scan's own speed
    path = os.path.join(tmp, "todos.ttrec")
    progress(f"recording {n:,} frames of a todo app (not timed)")
    record_todo_app(path, n)
    rec = Recording.open(path)
    kfs = len(rec.keyframes)
    size_mb = os.path.getsize(path) / 1e6

    progress("Recording.open, and the floor: open + every frame decoded")
    t_open = timed(lambda: Recording.open(path), sz.reps)
    t_floor = timed(lambda: floor(path), sz.reps)

    progress("time to the first result")
    for row_id, query in (("F1", TEXT), ("F2", PREDICATE), ("F3", late)):
        t = timed(lambda q=query: first_result(path, q), sz.reps)  # type: ignore[misc]
        pos, decoded = first_result(path, query)
        target = row_id != "F3"
        rep.add(
            Row(
                row_id,
                f"first result of `{query}` on {n:,} frames (`Recording.open` included): "
                f"frame {pos:,}, {decoded:,} frames decoded, median of {sz.reps}",
                fmt_time(t),
                f"{fmt_time(t_open)} (`Recording.open`)",
                f"{fmt_ratio(t / t_open)} the time",
                f"< {FIRST_TARGET:g} s" if target else "—",
                t < FIRST_TARGET if target else None,
            )
        )

    progress("full scans, every result streamed")
    scans: dict[str, tuple[float, int]] = {}
    for row_id, query, target in (
        ("S1", TEXT, True),
        ("S2", PREDICATE, True),
        ("S3", REGEX, False),
        ("S4", late, False),
        ("S5", WHOLE, False),
    ):
        t = timed(lambda q=query: full_scan(path, q), sz.reps)  # type: ignore[misc]
        hits = full_scan(path, query)
        scans[query] = (t, hits)
        ratio = t / t_floor
        rep.add(
            Row(
                row_id,
                f"full scan `{query}`: {hits:,} matching frames of {n:,} ({size_mb:.1f} MB, "
                f"{kfs} keyframes), median of {sz.reps}",
                fmt_time(t),
                f"{fmt_time(t_floor)} (open + `for frame in recording`)",
                f"{fmt_ratio(ratio)} the floor",
                f"≤ {SCAN_TARGET:g}x the floor" if target else "—",
                ratio <= SCAN_TARGET if target else None,
            )
        )

    progress("the naive alternatives")
    for row_id, query in (("N1", TEXT), ("N2", PREDICATE)):
        t_brute = timed(lambda q=query: sum(1 for _ in brute_force(path, q)), 1)  # type: ignore[misc]
        brute = list(brute_force(path, query))
        fast = [m.position for m in Recording.open(path).search(query)]
        if brute != fast:
            rep.notes.append(f"{query}: the brute force finds other frames than search()")
        t_scan = scans[query][0]
        rep.add(
            Row(
                row_id,
                f"`{query}` on {n:,} frames: the brute force walks `states()` and matches "
                "every whole state (same frames found)",
                fmt_time(t_scan),
                f"{fmt_time(t_brute)} (brute force)",
                f"{fmt_ratio(t_brute / t_scan)} faster",
            )
        )
    m = sz.naive_frames
    t_fast = timed(lambda: full_scan(path, TEXT, stop=m), sz.reps)
    t_at = timed(lambda: sum(1 for _ in state_at_each(path, TEXT, m)), 1)
    same = list(state_at_each(path, TEXT, m)) == [
        p.position for p in Recording.open(path).search(TEXT, stop=m)
    ]
    if not same:
        rep.notes.append("state_at per frame finds other frames than search()")
    rep.add(
        Row(
            "N3",
            f"`{TEXT}` on the first {m:,} frames: `state_at(i)` for each frame, whole state "
            "matched (same frames found)",
            fmt_time(t_fast),
            f"{fmt_time(t_at)} ({m:,} x `state_at(i)`)",
            f"{fmt_ratio(t_at / t_fast)} faster",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller file, a smoke run")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL
    started = time.perf_counter()
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="ttbench-") as tmp:
        bench(rep, sz, tmp)
    elapsed = time.perf_counter() - started
    rep.print(f"bench_search{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
