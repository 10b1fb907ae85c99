"""The chart: the size of the state and the number of changes, over the frames.

The numbers come from ``stats`` (a background walk, once per recording), started half a
second after the first screen. While the walk is under way a fragment looks again every
half second, then reruns the page once to draw the chart; nothing else on the page waits
for it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from timetravel.labels import plural

from .selection import View
from .source import Source
from .stats import Stats
from .text import md

__all__ = ["draw"]


def _frame(stats: Stats) -> Any:
    import pandas as pd  # pandas and altair load with the first chart, not with the package

    frames, changes, values = stats.snapshot()
    return pd.DataFrame({"frame": frames, "changes": changes, "values": values})


def _chart(data: Any, field: str, title: str, mark: str, selected: int | None) -> Any:
    import altair as alt
    import pandas as pd

    base = alt.Chart(data).encode(
        x=alt.X("frame:Q", title="frame", axis=alt.Axis(format=",d")),
        y=alt.Y(f"{field}:Q", title=title),
        tooltip=["frame", field],
    )
    if mark == "bar" and len(data) <= 100:  # one bar a frame; more would blur into one
        drawn = base.mark_bar()
    elif mark == "bar":
        drawn = base.mark_area(interpolate="step-after")
    else:
        drawn = base.mark_line(interpolate="step-after")
    if selected is None:
        return drawn.properties(height=150)
    rule = (
        alt.Chart(pd.DataFrame({"frame": [selected]}))
        .mark_rule(color="#ff4b4b")
        .encode(x="frame:Q")
    )
    return alt.layer(drawn, rule).properties(height=150)


def _draw(source: Source, view: View, stats: Stats) -> None:
    data = _frame(stats)
    selected = source.frame(view.selected).index if len(source) else None
    per = "frame" if stats.bucket == 1 else f"{stats.bucket:,} frames"
    left, right = st.columns(2)
    with left:
        st.markdown("**State size**")
        st.altair_chart(_chart(data, "values", "values", "line", selected), width="stretch")
        st.caption(
            "The number of values in the state after the frame: every value, container and "
            "item counted once (not bytes)."
        )
    with right:
        st.markdown(f"**Changes per {per}**")
        st.altair_chart(_chart(data, "changes", "changes", "bar", selected), width="stretch")
        st.caption(
            f"`len(frame.changes)`, summed over {plural(stats.bucket, 'frame')} a point. "
            "The red line is the selected frame."
        )
    if stats.error:
        st.warning(f"The chart stops early: {md(stats.error, 2000)}")


def draw(source: Source, view: View) -> None:
    """The chart, or how far working it out has come."""
    st.subheader("Size and changes over time")
    stats = source.stats_started
    if stats is not None and stats.done:
        _draw(source, view, stats)
        return

    @st.fragment(run_every=0.5)
    def wait() -> None:
        # The walk starts on the second run of this part, the fragment's first tick: the
        # first screen is drawn (and its page loaded) without a thread competing with it.
        view.chart_runs += 1
        walk = source.stats() if view.chart_runs > 1 else source.stats_started
        if walk is not None and walk.done:
            st.rerun()
        share = walk.walked / walk.total if walk is not None and walk.total else 0.0
        st.progress(share, text=f"Reading {plural(len(source), 'frame')} for the chart…")

    wait()
