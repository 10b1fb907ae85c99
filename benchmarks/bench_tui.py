"""Terminal UI start-up and scrolling on recordings of 1,000, 10,000 and 100,000 frames.

    python benchmarks/bench_tui.py [--sizes 1000,10000,100000] [--scroll 50]

Each recording has a medium-sized state (19 scalar keys and a list of 50 dicts) and every
frame changes one field. The app runs headless (``App.run_test``) at 120x40. Measured from
just before the app is created (the CLI's ``Recording.open(index=False)`` included):

* first paint: the timeline first draws a frame row;
* indexed: the indexing worker has finished and the first frame's state is shown;
* peak memory: tracemalloc's peak over a second, separate start-up (tracemalloc slows
  Python down, so it is not on while timing);
* scrolling: pagedown pressed N times on the largest file, each press waiting for the
  screen to settle (``pilot.press``); then N pagedown key events posted at once, as a
  held-down key sends them, timed until the cursor and the detail panes have caught up.

It prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from textual import events
from textual.strip import Strip

from timetravel import Recorder, Recording
from timetravel_tui.app import TimetravelApp
from timetravel_tui.widgets.timeline import Timeline

SIZE = (120, 40)


def build(path: Path, frames: int) -> None:
    """A recording of ``frames`` frames; each changes one field of one of 50 dicts."""
    state: dict[str, Any] = {f"setting_{i}": f"value {i}" for i in range(19)}
    state["items"] = [
        {"id": i, "title": f"item {i}", "done": False, "qty": 0, "tags": ["a", "b"]}
        for i in range(50)
    ]
    rec = Recorder(state, sink=path, limit=100)
    rec.capture(page="main")
    for n in range(1, frames):
        state["items"][n % 50]["qty"] = n
        rec.capture(trigger=f"button_{n % 7}", page="main")
    rec.close()


class Probe:
    """Notes when the timeline first draws a frame row."""

    def __init__(self) -> None:
        self.first_paint: float | None = None
        self._original = Timeline.render_row

    def __enter__(self) -> Probe:
        probe = self
        original = self._original

        def render_row(self: Timeline, row: int, width: int, style: Any) -> Strip:
            if probe.first_paint is None:
                probe.first_paint = time.perf_counter()
            return original(self, row, width, style)

        Timeline.render_row = render_row  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Timeline.render_row = self._original  # type: ignore[method-assign]


async def start(path: Path, scroll: int = 0) -> dict[str, float]:
    """Start the app on ``path``; return seconds to first paint and to indexed (and scroll)."""
    with Probe() as probe:
        t0 = time.perf_counter()
        app = TimetravelApp(Recording.open(path, index=False))
        async with app.run_test(size=SIZE) as pilot:
            while not (app.loaded and app.selected is not None):
                await asyncio.sleep(0.001)
            indexed = time.perf_counter() - t0
            await pilot.pause()
            out = {
                "first_paint": (probe.first_paint or time.perf_counter()) - t0,
                "indexed": indexed,
                "frames": float(len(app.source)),
            }
            if scroll:
                t1, c1 = time.perf_counter(), time.process_time()
                for _ in range(scroll):
                    await pilot.press("pagedown")
                out["scroll"] = time.perf_counter() - t1
                out["scroll_cpu"] = time.process_time() - c1
                out["scroll_rows"] = float(app.timeline.cursor)
                # A held-down key: all the key events arrive at once.
                target = app.timeline.cursor + scroll * (app.timeline.visible_rows - 1)
                t2 = time.perf_counter()
                for _ in range(scroll):
                    app.post_message(events.Key("pagedown", None))
                while app.selected != target or app.state_tree.border_title != (
                    f"State at frame {target}"
                ):
                    await asyncio.sleep(0.001)
                out["burst"] = time.perf_counter() - t2
    return out


async def peak_memory(path: Path) -> int:
    """Peak traced memory (bytes) while the app opens and indexes ``path``."""
    gc.collect()
    tracemalloc.start()
    try:
        app = TimetravelApp(Recording.open(path, index=False))
        async with app.run_test(size=SIZE):
            while not (app.loaded and app.selected is not None):
                await asyncio.sleep(0.005)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scroll", type=int, default=50, help="pagedowns on the largest file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    scroll: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"bench-{n}.ttrec"
            t = time.perf_counter()
            build(path, n)
            built = time.perf_counter() - t
            print(f"built {n:,} frames in {built:.1f}s", file=sys.stderr)
            asyncio.run(start(path))  # warm up imports and the file cache
            result = asyncio.run(start(path, args.scroll if n == max(sizes) else 0))
            peak = asyncio.run(peak_memory(path))
            if "scroll" in result:
                scroll = result
            rows.append((n, os.path.getsize(path), result, peak))
    print("| frames | file size | first paint | indexed, first frame shown | peak memory |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n, size, r, peak in rows:
        print(
            f"| {n:,} | {size / 1e6:.1f} MB | {r['first_paint'] * 1000:.0f} ms "
            f"| {r['indexed'] * 1000:.0f} ms | {peak / 1e6:.1f} MB |"
        )
    if scroll:
        presses = args.scroll
        print(
            f"\nScrolling the {max(sizes):,}-frame file: {presses} x pagedown took "
            f"{scroll['scroll'] * 1000:.0f} ms wall ({scroll['scroll'] * 1000 / presses:.1f} ms "
            f"a press, each waiting for the screen to settle) and "
            f"{scroll['scroll_cpu'] * 1000 / presses:.1f} ms of CPU a press "
            f"(timeline, state tree and diff updated, screen repainted); the cursor ended on "
            f"row {int(scroll['scroll_rows']):,}. The same {presses} pagedowns arriving at once "
            f"(a held-down key) took {scroll['burst'] * 1000:.0f} ms until the cursor, the "
            f"state tree and the diff had all caught up."
        )
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, terminal {SIZE[0]}x{SIZE[1]}."
    )


if __name__ == "__main__":
    main()
