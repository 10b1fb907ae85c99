"""Benchmark: the browser viewer's first screen and its reruns on a 100,000-frame recording.

The recording is bench_core's 100,000-frame file (the medium state: 200 scalar keys and 1,000
rows, one row toggled per frame). The viewer page (``timetravel.streamlit.viewer.viewer``)
runs through ``streamlit.testing.v1.AppTest``; each ``AppTest.run()`` is timed with
``time.perf_counter`` (the garbage collector off, as in bench_core). Measured in one run:

- V1, the first screen: a fresh session, with Streamlit's resource cache cleared, so the file
  is opened as ``timetravel view`` opens it the first time (and no chart walk of an earlier
  run still going). Compared with the floor, what
  any reader must do (``Recording.open`` + ``len`` + reading the newest frame), and with the
  naive page: the same viewer with the whole timeline built at once (100,000 rows, one per
  frame, in one ``st.dataframe``). Target: under 2 s;
- V2, a rerun after an interaction, once the chart's numbers are in: selecting a frame by
  clicking a timeline row, going to a frame on another page, paging. The file is not read
  again: the session's recording is the same object before and after them (checked). V2b:
  one such rerun while the chart's walk still runs;
- V1b, the first screen in headless Chromium, served by a real ``timetravel view``: from
  opening the page to the timeline's rows and the state tree drawn, against the same for a
  minimal Streamlit page (a search box, a two-row table, an ``st.json``): most of it is
  Streamlit's own page loading, which no app can go under;
- V3-V6, work done once per recording, on demand or in the background: the chart's walk
  over all the frames, the filter's scan, one key's history, the first search results.

A report, not a test: it always exits 0.

Usage::

    .venv/bin/python benchmarks/bench_viewer.py           # 100,000 frames, about a minute
    .venv/bin/python benchmarks/bench_viewer.py --quick   # 10,000 frames
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/

import streamlit as st
from bench_core import Report, Row, build_medium, fmt_ratio, fmt_time, median, progress, timings
from bench_info import record_file
from streamlit.testing.v1 import AppTest

from timetravel import Recording
from timetravel.streamlit.viewer import search as viewer_search
from timetravel.streamlit.viewer import source as viewer_source
from timetravel.streamlit.viewer import stats as viewer_stats

FIRST_TARGET = 2.0  # seconds: the first screen
RERUN_TARGET = 0.5  # seconds: a rerun after an interaction
K = "_timetravel_viewer_"


@dataclass
class Sizes:
    frames: int
    reps: int


FULL = Sizes(frames=100_000, reps=5)
QUICK = Sizes(frames=10_000, reps=3)


def page(path: str) -> None:
    """The viewer page, as ``timetravel view FILE`` serves it."""
    import streamlit as st

    from timetravel.streamlit.viewer import viewer

    st.set_page_config(layout="wide")
    viewer(path)


def naive_page(path: str) -> None:
    """The viewer with the whole timeline built at once: one row per frame."""
    import streamlit as st

    from timetravel import Recording
    from timetravel.labels import change_words, frame_title

    rec = Recording.open(path)
    st.dataframe(
        {
            "frame": [f.index for f in rec],
            "action": [frame_title(f) for f in rec],
            "changes": [change_words(f) for f in rec],
        }
    )
    st.json(rec.state_at(len(rec) - 1), expanded=1)


def quiet() -> None:
    """Wait for the chart walks of earlier runs to end (a dropped recording's stops early)."""
    while any(t.name == "timetravel-viewer-stats" for t in threading.enumerate()):
        time.sleep(0.01)


def first_screen(path: str) -> tuple[float, AppTest]:
    st.cache_resource.clear()
    gc.collect()
    quiet()
    at = AppTest.from_function(page, args=(path,), default_timeout=120)
    t0 = time.perf_counter()
    at.run()
    took = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    return took, at


def floor(path: str) -> None:
    rec = Recording.open(path)
    len(rec)
    rec[-1]


def wait_for_chart(at: AppTest, path: str) -> None:
    source = viewer_source.open_location(path)  # the session's, from the same cache
    while not source.stats().done:
        time.sleep(0.05)
    at.run()


def timed_run(at: AppTest, act: Callable[[AppTest], Any]) -> float:
    act(at)
    t0 = time.perf_counter()
    at.run()
    took = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    return took


def timeline_key(at: AppTest) -> str:
    return next(d.key for d in at.dataframe if d.key and d.key.startswith(K + "timeline"))


def bench(rep: Report, sz: Sizes, tmp: str) -> None:
    n = sz.frames
    path = os.path.join(tmp, "viewer.ttrec")
    progress(f"recording {n:,} frames of medium (not timed)")
    record_file(path, build_medium(), n)
    size = os.path.getsize(path)

    progress("the floor: Recording.open + len + the newest frame")
    t_floor = median(timings(lambda: floor(path), sz.reps))
    progress("the first screen, a fresh session and an empty cache each time")
    firsts = [first_screen(path)[0] for _ in range(sz.reps)]
    t_first = median(firsts)
    progress("the naive page: the whole timeline at once")
    naive = AppTest.from_function(naive_page, args=(path,), default_timeout=300)
    t0 = time.perf_counter()
    naive.run()
    t_naive = time.perf_counter() - t0
    rep.add(
        Row(
            "V1",
            f"first screen of `timetravel view` on a {n:,}-frame file ({size / 1e6:.1f} MB), "
            f"`AppTest.run()` with the file opened, median of {sz.reps} (max "
            f"{fmt_time(max(firsts))})",
            fmt_time(t_first),
            f"{fmt_time(t_naive)} (whole timeline at once); floor {fmt_time(t_floor)} "
            "(`Recording.open` + `len` + newest frame)",
            f"{fmt_ratio(t_naive / t_first)} faster; {fmt_ratio(t_first / t_floor)} the floor",
            f"< {FIRST_TARGET:g} s",
            t_first < FIRST_TARGET,
        )
    )

    progress("reruns after interactions")
    _, at = first_screen(path)
    before = at.session_state[K + "view"].token
    at.run()  # the chart's part runs a second time: its walk starts (as the page's first tick)
    walking = not viewer_source.open_location(path).stats().done
    during = timed_run(at, lambda at: at.number_input(key=K + "goto").set_value(n // 2))
    walking = walking and not viewer_source.open_location(path).stats().done
    wait_for_chart(at, path)
    clicks, gotos, pages = [], [], []
    for i in range(sz.reps):

        def click(at: AppTest, row: int = 3 + i) -> None:
            at.session_state[timeline_key(at)] = {"selection": {"rows": [row], "columns": []}}

        clicks.append(timed_run(at, click))
        gotos.append(
            timed_run(
                at,
                lambda at, i=i: at.number_input(key=K + "goto").set_value(
                    (i + 1) * n // (sz.reps + 2)
                ),
            )
        )
        pages.append(timed_run(at, lambda at: at.button(key=K + "older").click()))
    same = at.session_state[K + "view"].token == before
    t_rerun = median(clicks + gotos + pages)
    rep.add(
        Row(
            "V2",
            f"a rerun after an interaction, {n:,} frames: click a timeline row / go to a frame "
            f"on another page / next page (medians {fmt_time(median(clicks))} / "
            f"{fmt_time(median(gotos))} / {fmt_time(median(pages))}); file opened once: "
            f"{'yes' if same else 'NO'}",
            fmt_time(t_rerun),
            f"{fmt_time(t_first)} (the first screen)",
            f"{fmt_ratio(t_rerun / t_first)} the time",
            f"< {RERUN_TARGET:g} s, no reread",
            t_rerun < RERUN_TARGET and same,
        )
    )
    rep.add(
        Row(
            "V2b",
            "the same (go to a frame), right after the first screen, while the chart's walk "
            "runs in the background (both in one process: they share the GIL; the chart not "
            "drawn yet)" + ("" if walking else " [the walk had ended: not measured as meant]"),
            fmt_time(during),
            f"{fmt_time(median(gotos))} (after the walk)",
            f"{fmt_ratio(during / median(gotos))} the time",
        )
    )

    progress("the first screen in a real browser")
    quiet()
    bench_browser(rep, n, path, tmp, sz.reps // 2 + 1)

    rec = Recording.open(path)
    progress("the chart's walk")
    t0 = time.perf_counter()
    walk = viewer_stats.start(rec)
    while not walk.done:
        time.sleep(0.005)
    t_walk = time.perf_counter() - t0
    rep.add(
        Row(
            "V3",
            f"the chart's numbers: one background walk over {n:,} frames "
            f"(`Recording.states`, values counted at {len(walk.frames)} points)",
            fmt_time(t_walk),
            f"{fmt_time(t_floor)} (open + newest frame)",
            f"{fmt_ratio(t_walk / t_floor)} the floor",
        )
    )
    progress("the filter, a key history, the first search results")
    source = viewer_source.Source(Recording.open(path), path)
    t_filter = timings(lambda: source.matching("settings"), 1)[0]
    t_history = timings(lambda: rec.history(("rows", 5, "done")), 1)[0]

    def first_results() -> None:
        for i, _ in enumerate(rec.search("rows[*].done == true")):
            if i + 1 == viewer_search.BATCH:
                break

    t_search = timings(first_results, 1)[0]
    for rid, what, took in [
        ("V4", f"filter scan over {n:,} frames (once per filter text, then kept)", t_filter),
        ("V5", f"one key's history over {n:,} frames (once per key, then kept)", t_history),
        (
            "V6",
            f"search: the first {viewer_search.BATCH} matches of `rows[*].done == true`",
            t_search,
        ),
    ]:
        rep.add(
            Row(
                rid,
                what,
                fmt_time(took),
                f"{fmt_time(t_floor)} (floor)",
                f"{fmt_ratio(took / t_floor)} the floor",
            )
        )


MINIMAL_PAGE = """
import streamlit as st

st.set_page_config(layout="wide")
st.text_input("Search")
st.dataframe({"frame": [1, 0]}, key="t", on_select="rerun", selection_mode="single-row")
st.json({"count": 1})
"""


def browser_loads(argv: list[str], port: int, loads: int = 3) -> list[float] | None:
    """Seconds from ``page.goto`` to a table's rows and an ``st.json`` drawn, for ``loads``
    page loads (the first with a cold server and browser) of the server ``argv`` starts on
    ``port``, in headless Chromium; None without Chromium."""
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        return None
    from playwright.sync_api import expect, sync_playwright

    from tests.streamlit.conftest import CHROMIUM_FLAGS
    from tests.streamlit.server import start_command, stop

    proc = start_command(argv, port, dict(os.environ))
    took: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            for _ in range(loads):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t0 = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}")
                rows = page.locator("table[role=grid] tbody tr")
                expect(rows.first).to_be_attached(timeout=60_000)
                expect(page.get_by_test_id("stJson").first).to_be_visible(timeout=60_000)
                took.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    finally:
        stop(proc)
    return took


def bench_browser(rep: Report, n: int, path: str, tmp: str, rounds: int) -> None:
    from tests.streamlit.server import STREAMLIT_FLAGS, free_port

    minimal = os.path.join(tmp, "minimal.py")
    with open(minimal, "w") as f:
        f.write(MINIMAL_PAGE)
    base: list[list[float]] = []
    view: list[list[float]] = []
    for _ in range(rounds):  # alternated, each on a fresh server: the machine's drift shared
        port = free_port()
        argv = [sys.executable, "-m", "streamlit", "run", minimal, "--server.port", str(port),
                *STREAMLIT_FLAGS]  # fmt: skip
        loads = browser_loads(argv, port)
        if loads is None:
            rep.notes.append("no Chromium: V1b not measured")
            return
        base.append(loads)
        port = free_port()
        argv = [sys.executable, "-c", "from timetravel.cli import main; main()", "view", path,
                "--", "--server.port", str(port), *STREAMLIT_FLAGS]  # fmt: skip
        view.append(browser_loads(argv, port) or [])
        quiet()
    first, first_base = median([v[0] for v in view]), median([b[0] for b in base])
    later, later_base = (
        median([t for v in view for t in v[1:]]),
        median([t for b in base for t in b[1:]]),
    )
    rep.add(
        Row(
            "V1b",
            f"first screen in headless Chromium: `timetravel view` on the {n:,}-frame file, "
            "from `page.goto` to the timeline's rows and the state tree drawn: the first load "
            f"of a fresh server (the file opened), median of {rounds} servers; the loads "
            f"after it (a new session each, the file already open): {fmt_time(later)}",
            fmt_time(first),
            f"{fmt_time(first_base)}, then {fmt_time(later_base)} (a Streamlit page of one "
            "search box, one two-row table and one `st.json`, the same way)",
            f"{fmt_ratio(first / first_base)} the time",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 frames, a smoke run")
    args = parser.parse_args(argv)
    sz = QUICK if args.quick else FULL
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    started = time.perf_counter()
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="ttbench-") as tmp:
        bench(rep, sz, tmp)
    elapsed = time.perf_counter() - started
    rep.print(f"bench_viewer{' (--quick)' if args.quick else ''}", elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
