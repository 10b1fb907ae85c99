"""Benchmark: ``timetravel info`` answers from the index; ``export --states`` walks forward once.

``info`` on bench_core's 100,000-frame file (the medium state, one row toggled per frame) is
timed against ``Recording.open`` of the same file, in the same run, and so is ``info`` on the
same recording without the frame summaries (as files written before them are). ``export
--states`` on a 10,000-frame file is timed against the export it replaces, which rebuilt each
frame's state with ``state_at(i)``. Printed as one Markdown table with a PASS/FAIL column. This
is a report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_info.py           # full run
    .venv/bin/python benchmarks/bench_info.py --quick   # smaller files, a smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import msgpack
from bench_core import (
    Report,
    Row,
    build_medium,
    build_rows_state,
    fmt_ratio,
    fmt_time,
    median,
    progress,
    step_rows,
    timings,
)

from timetravel import Recorder, Recording
from timetravel._format import KIND_FRAME, KIND_HEADER, PREAMBLE, RECORD_HEAD
from timetravel.cli import export, info
from timetravel.jsonable import frame_to_json, to_json

INFO_TARGET = 3.0  # info may take this many times Recording.open


@dataclass
class Sizes:
    info_frames: int
    export_frames: int
    reps: int


FULL = Sizes(info_frames=100_000, export_frames=10_000, reps=3)
QUICK = Sizes(info_frames=10_000, export_frames=2_000, reps=3)


def record_file(path: str, state: dict[str, Any], n: int) -> None:
    with Recorder(state, sink=path) as rec:
        rec.capture()
        for i in range(1, n):
            step_rows(state, i)
            rec.capture(trigger=f"row{i % 50}", page="Home" if i % 3 else "Settings")


def strip_summaries(src: str, dst: str) -> None:
    """Write ``src`` as files were written before frame summaries: no header flag, and every
    frame record its first 7 items (the bytes of those items unchanged)."""
    with open(src, "rb") as f:
        data = f.read()
    out = bytearray(data[: len(PREAMBLE)])
    pos = len(PREAMBLE)
    while pos < len(data):
        kind, length, _ = RECORD_HEAD.unpack_from(data, pos)
        payload = data[pos + RECORD_HEAD.size : pos + RECORD_HEAD.size + length]
        if kind == KIND_HEADER:
            header = msgpack.unpackb(payload, strict_map_key=False)
            header.pop("summary", None)
            payload = msgpack.packb(header)
        elif kind == KIND_FRAME and payload[0] == 0x98:
            unpacker = msgpack.Unpacker()
            unpacker.feed(payload)
            unpacker.read_array_header()
            for _ in range(7):
                unpacker.skip()
            payload = b"\x97" + payload[1 : unpacker.tell()]
        out += struct.pack("<cII", kind, len(payload), zlib.crc32(payload)) + payload
        pos += RECORD_HEAD.size + length
    with open(dst, "wb") as f:
        f.write(out)


def run_info(path: str) -> str:
    """``timetravel info path``, in process; returns what it printed."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        info.callback(file=path)  # type: ignore[misc]
    return buf.getvalue()


def run_export_states(path: str) -> None:
    """``timetravel export path --format jsonl --states -o /dev/null``, in process."""
    with contextlib.redirect_stderr(io.StringIO()):
        export.callback(file=path, fmt="jsonl", output=os.devnull, states=True)  # type: ignore[misc]


def run_export_state_at(path: str) -> None:
    """The export it replaces: the same output, each frame's state rebuilt by state_at."""
    rec = Recording.open(path)
    with open(os.devnull, "w", encoding="utf-8") as out:
        out.write(json.dumps({"header": {"frames": len(rec)}}) + "\n")
        for i, frame in enumerate(rec):
            row = frame_to_json(frame)
            row["state"] = to_json(rec.state_at(i))
            out.write(json.dumps(row) + "\n")


def timed(fn: Callable[[], Any], reps: int) -> float:
    return median(timings(fn, reps))


def bench_info(rep: Report, sz: Sizes, tmp: str) -> None:
    n = sz.info_frames
    path = os.path.join(tmp, "info.ttrec")
    old = os.path.join(tmp, "info-old.ttrec")
    progress(f"recording {n:,} frames of medium (not timed)")
    record_file(path, build_medium(), n)
    strip_summaries(path, old)

    progress("Recording.open and info")
    t_open = timed(lambda: Recording.open(path), sz.reps)
    t_info = timed(lambda: run_info(path), sz.reps)
    t_old = timed(lambda: run_info(old), 1)
    new_out, old_out = run_info(path), run_info(old)
    same = [ln for ln in new_out.splitlines() if not ln.startswith(("file:", "size:"))] == [
        ln for ln in old_out.splitlines() if not ln.startswith(("file:", "size:"))
    ]
    if not same:
        rep.notes.append("info prints something else for the file without summaries")
    rec = Recording.open(path)
    decoded = rec.summary().decoded
    kfs = len(rec.keyframes)
    ratio = t_info / t_open
    rep.add(
        Row(
            "I1",
            f"`timetravel info`, {n:,}-frame file ({kfs} keyframes, so {kfs} stored "
            f"summaries; {decoded} frames decoded), median of {sz.reps}",
            fmt_time(t_info),
            f"{fmt_time(t_open)} (`Recording.open`)",
            f"{fmt_ratio(ratio)} the time",
            f"≤ {INFO_TARGET:g}x `Recording.open`",
            ratio <= INFO_TARGET,
        )
    )
    rep.add(
        Row(
            "I2",
            f"`timetravel info`, the same {n:,} frames without summaries (a file written "
            "before them: every frame decoded)",
            fmt_time(t_old),
            f"{fmt_time(t_open)} (`Recording.open`)",
            f"{fmt_ratio(t_old / t_open)} the time",
        )
    )


def bench_export(rep: Report, sz: Sizes, tmp: str) -> None:
    n = sz.export_frames
    path = os.path.join(tmp, "export.ttrec")
    progress(f"recording {n:,} frames of 200 keys + 200 rows (not timed)")
    record_file(path, build_rows_state(200), n)
    rec = Recording.open(path)
    kfs = len(rec.keyframes)

    progress("export --states, one forward walk")
    t_walk_export = timed(lambda: run_export_states(path), 1)
    progress("export --states the old way, state_at per frame")
    t_at_export = timed(lambda: run_export_state_at(path), 1)
    progress("Recording.states() against state_at(i) for every i")
    t_walk = timed(lambda: sum(1 for _ in Recording.open(path).states()), sz.reps)

    def every_state_at() -> None:
        r = Recording.open(path)
        for i in range(len(r)):
            r.state_at(i)

    t_at = timed(every_state_at, 1)
    rep.add(
        Row(
            "E1",
            f"`timetravel export --states` (jsonl to /dev/null), {n:,} frames of 200 keys + "
            f"200 rows ({kfs} keyframes)",
            fmt_time(t_walk_export),
            f"{fmt_time(t_at_export)} (the same export with `state_at(i)` per frame)",
            f"{fmt_ratio(t_at_export / t_walk_export)} faster",
        )
    )
    rep.add(
        Row(
            "E2",
            f"the walk alone: `Recording.states()` over {n:,} frames, median of {sz.reps}",
            fmt_time(t_walk),
            f"{fmt_time(t_at)} ({n:,} x `state_at(i)`)",
            f"{fmt_ratio(t_at / t_walk)} faster",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files, a smoke run")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL
    started = time.perf_counter()
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="ttbench-") as tmp:
        bench_info(rep, sz, tmp)
        bench_export(rep, sz, tmp)
    elapsed = time.perf_counter() - started
    rep.print(f"timetravel info/export benchmark{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
