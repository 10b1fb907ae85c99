"""Terminal UI start-up, scrolling and search on recordings of 1,000 to 100,000 frames.

    python benchmarks/bench_tui.py [--sizes 1000,10000,100000] [--scroll 50] [--reps 3]

Each recording has a medium-sized state (19 scalar keys and a list of 50 dicts) and every
frame changes one field. The app runs headless (``App.run_test``) at 120x40. Measured from
just before the app is created (the CLI's ``Recording.open(index=False)`` included), median
of ``--reps`` start-ups, in wall time and in CPU time (the process's, all threads: what the
app did, whatever else the machine was doing):

* first paint: the timeline first draws a frame row;
* newest frame shown: the indexing worker has finished and the newest frame is selected,
  its state in the tree (what the app opens on);
* first frame shown: the same with ``--frame 0`` (what the app opened on before it opened
  on the newest), in the same run: opening on the newest must cost no more;
* peak memory: tracemalloc's peak over a separate start-up (tracemalloc slows Python down,
  so it is not on while timing);
* scrolling: pagedown pressed N times on the largest file, each press waiting for the
  screen to settle (``pilot.press``); then N pagedown key events posted at once, as a
  held-down key sends them, timed until the cursor and the detail panes have caught up;
* search, on the largest file: the search screen's query run from the moment it is
  searched for until the first results are listed and until the last are, against
  ``Recording.open`` + ``Recording.search`` run to the end in the same process (the floor:
  the search itself, with no UI); and the longest the event loop went without running
  while the search worker scanned (the screen stays responsive if that is short), next to
  the same measure taken as long again with nothing running (what the machine allowed).

It prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
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
from timetravel_tui.screens.search import SearchScreen
from timetravel_tui.widgets.timeline import Timeline

SIZE = (120, 40)

SEARCHES = ("qty", "items[3].qty == 50003", "zebra")
"""A query matching every frame, one matching a single frame, one matching none."""

TICK = 0.01
"""Seconds the search figures sleep between looks at the screen (so that they barely
compete with the search for the interpreter)."""


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


def shown(app: TimetravelApp, position: int) -> bool:
    """The frame at ``position`` is selected and its state is in the tree."""
    if not app.loaded or app.selected != position:
        return False
    index = app.source.first_index + position
    return app.state_tree.border_title == f"State at frame {index}"


async def start(path: Path, scroll: int = 0, frame: int | None = None) -> dict[str, float]:
    """Start the app on ``path`` (on ``frame``, else the newest); return seconds to first
    paint and until the frame opened on is shown (and the scrolling figures)."""
    with Probe() as probe:
        t0, c0 = time.perf_counter(), time.process_time()
        app = TimetravelApp(Recording.open(path, index=False), frame=frame)
        async with app.run_test(size=SIZE) as pilot:
            while not app.loaded:
                await asyncio.sleep(0.001)
            target = len(app.source) - 1 if frame is None else frame
            while not shown(app, target):
                await asyncio.sleep(0.001)
            indexed = time.perf_counter() - t0
            cpu = time.process_time() - c0
            await pilot.pause()
            out = {
                "first_paint": (probe.first_paint or time.perf_counter()) - t0,
                "indexed": indexed,
                "cpu": cpu,
                "frames": float(len(app.source)),
            }
            if scroll:
                await pilot.press("home")
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
            while not (app.loaded and app.selected == len(app.source) - 1):
                await asyncio.sleep(0.005)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def search(path: Path, query: str) -> dict[str, float]:
    """The search screen on ``path``: seconds to the first results listed and to the last,
    the results found, and the longest the event loop went without running meanwhile."""
    app = TimetravelApp(Recording.open(path, index=False))
    async with app.run_test(size=SIZE) as pilot:
        while not (app.loaded and app.selected is not None):
            await asyncio.sleep(0.005)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        stall = 0.0
        t0 = last = time.perf_counter()
        first = None
        screen.search(query)
        while screen.running:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            stall, last = max(stall, now - last), now
            if first is None and screen.results.hits:
                first = now - t0
        done = time.perf_counter() - t0
        # The same watch, as long, with nothing running: what the machine allowed meanwhile.
        idle, last = 0.0, time.perf_counter()
        while time.perf_counter() - t0 < 2 * done:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            idle, last = max(idle, now - last), now
        return {
            "first": first if first is not None else done,
            "done": done,
            "found": float(screen.found),
            "stall": stall - TICK,
            "idle": idle - TICK,
        }


def search_floor(path: Path, query: str) -> tuple[float, int]:
    """Seconds for ``Recording.open`` and a whole ``Recording.search``; matches found."""
    t0 = time.perf_counter()
    found = sum(1 for _ in Recording.open(path).search(query))
    return time.perf_counter() - t0, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scroll", type=int, default=50, help="pagedowns on the largest file")
    parser.add_argument("--reps", type=int, default=5, help="start-ups timed per file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    scroll: dict[str, float] = {}
    searches: list[tuple[str, dict[str, float], float, int]] = []
    t_run = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"bench-{n}.ttrec"
            t = time.perf_counter()
            build(path, n)
            built = time.perf_counter() - t
            print(f"built {n:,} frames in {built:.1f}s", file=sys.stderr)
            asyncio.run(start(path))  # warm up imports and the file cache
            newest, first = [], []
            for rep in range(args.reps):
                # Interleaved, in turns first, so that load on the machine hits both alike.
                for frame in (None, 0) if rep % 2 else (0, None):
                    (first if frame == 0 else newest).append(asyncio.run(start(path, frame=frame)))
            result = {
                key: statistics.median(r[key] for r in newest)
                for key in ("first_paint", "indexed", "cpu")
            }
            result["first_frame"] = statistics.median(r["indexed"] for r in first)
            result["first_cpu"] = statistics.median(r["cpu"] for r in first)
            peak = asyncio.run(peak_memory(path))
            rows.append((n, os.path.getsize(path), result, peak))
            if n == max(sizes):
                if args.scroll:
                    scroll = asyncio.run(start(path, args.scroll))
                for query in SEARCHES:
                    floor, found = search_floor(path, query)
                    tui = asyncio.run(search(path, query))
                    assert int(tui["found"]) == found, (query, tui, found)
                    searches.append((query, tui, floor, found))
    print(
        f"bench_tui: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, terminal "
        f"{SIZE[0]}x{SIZE[1]}, run {time.strftime('%Y-%m-%d')}, took "
        f"{time.perf_counter() - t_run:.0f} s\n"
    )
    print(
        "| frames | file size | first paint | newest frame shown (the default): wall / CPU "
        "| first frame shown (`--frame 0`): wall / CPU | newest / first (CPU) | peak memory |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, size, r, peak in rows:
        print(
            f"| {n:,} | {size / 1e6:.1f} MB | {r['first_paint'] * 1000:.0f} ms "
            f"| {r['indexed'] * 1000:.0f} ms / {r['cpu'] * 1000:.0f} ms "
            f"| {r['first_frame'] * 1000:.0f} ms / {r['first_cpu'] * 1000:.0f} ms "
            f"| {r['cpu'] / r['first_cpu']:.2f}x | {peak / 1e6:.1f} MB |"
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
    if searches:
        print(
            f"\nSearch on the {max(sizes):,}-frame file (the search screen, worker thread, "
            "results listed as they are found):\n"
        )
        print(
            "| query | found | first results listed | all found | `Recording.open` + "
            "`search` alone | all found / alone | longest event-loop stall (idle) |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for query, tui, floor, found in searches:
            print(
                f"| `{query}` | {found:,} | {tui['first'] * 1000:.0f} ms "
                f"| {tui['done'] * 1000:.0f} ms | {floor * 1000:.0f} ms "
                f"| {tui['done'] / floor:.2f}x | {tui['stall'] * 1000:.0f} ms "
                f"({tui['idle'] * 1000:.0f} ms) |"
            )


if __name__ == "__main__":
    main()
