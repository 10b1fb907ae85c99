"""The history panel: the session's actions as a compact timeline, newest first.

One line per action: its time, what the user did (:func:`timetravel.labels.frame_title`),
what it changed in a few words (:func:`timetravel.labels.change_words`), and a marker on
the current one. Clicking a line jumps there; a chevron beside it shows its changes. Pages
of ``page_size`` lines and a filter box reach every action in memory; branches that an undo
left behind show under the action they fork from, with a jump to their tip.

The panel's own widgets have keys that start with ``_timetravel``: using it (typing a
filter, turning a page, opening a diff) is never recorded, and makes no frame.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from typing import Any

import streamlit as st

from ..display import display_path, display_repr
from ..labels import change_words, frame_title, plural
from ..model import Change, Frame
from ..recorder import Branch
from ._internals import KEY_PREFIX
from .session import StreamlitRecorder
from .widgets import callback, showing

__all__ = ["escape_markdown", "history_panel"]

DEFAULT_KEY = "history"
DIFF_LIMIT = 40  # changes a diff shows

# Everything Markdown, Streamlit's directives (:red[...], :material/x:) or LaTeX could read
# as syntax: backslash-escaped, so that text shows as it is. Streamlit turns emoji shortcodes
# (:dog:) into emoji after the escapes are read: an invisible word joiner between a colon and
# a word keeps a shortcode from forming.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")
_SHORTCODE_START = re.compile(r"(?<=:)(?=[\w+\-])")
_WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """``text`` on one line, to show as it is where Streamlit renders Markdown (a button
    label, ``st.markdown``): no link, image, HTML, icon, emoji or formatting can come of it."""
    joined = _SHORTCODE_START.sub(_WORD_JOINER, " ".join(text.split()))
    return _MARKDOWN.sub(r"\\\1", joined)


class _Keys:
    """The keys of one panel's widgets: ``_timetravel_<name>`` for the default panel (so
    its jump buttons are ``_timetravel_jump_<index>``), ``_timetravel_<key>_<name>`` else."""

    __slots__ = ("prefix",)

    def __init__(self, key: str) -> None:
        self.prefix = f"{KEY_PREFIX}_" if key == DEFAULT_KEY else f"{KEY_PREFIX}_{key}_"

    def __call__(self, name: str) -> str:
        return self.prefix + name


class _Search:
    """The text each frame is found by (title, change words, keys, trigger, ``#index``),
    lowercased, kept for the frames that settled: a filter costs a scan of strings."""

    __slots__ = ("first", "texts")

    def __init__(self) -> None:
        self.first = 0
        self.texts: list[str] = []

    def matching(self, frames: Sequence[Frame], open_last: bool, query: str) -> list[int]:
        """The positions in ``frames`` of those that match ``query``, oldest first."""
        self._sync(frames, open_last)
        needle = query.casefold()
        hits = [i for i, text in enumerate(self.texts) if needle in text]
        if open_last and frames and needle in _search_text(frames[-1]):
            hits.append(len(frames) - 1)
        return hits

    def _sync(self, frames: Sequence[Frame], open_last: bool) -> None:
        first = frames[0].index if frames else 0
        texts = self.texts
        drop = first - self.first
        if 0 <= drop <= len(texts):
            del texts[:drop]  # folded out of memory
        else:
            texts.clear()
        self.first = first
        if texts and frames[len(texts) - 1].index != first + len(texts) - 1:
            texts.clear()  # frames that are not the ones these texts were made from
        settled = len(frames) - 1 if open_last else len(frames)
        texts.extend(_search_text(f) for f in frames[len(texts) : settled])


def _search_text(frame: Frame) -> str:
    keys = " ".join(str(k) for k in frame.keys[:20])
    trigger = frame.trigger or ""
    return f"#{frame.index} {frame_title(frame)} {change_words(frame)} {keys} {trigger}".casefold()


def _clock(frame: Frame) -> str:
    return time.strftime("%H:%M:%S", time.localtime(frame.time))


def _row_label(frame: Frame, here: bool) -> str:
    title = escape_markdown(frame_title(frame))
    words = escape_markdown(change_words(frame, 80))
    if here:
        title = f"**{title}**"
    return f":gray[{_clock(frame)}]  {title}  :gray[· {words}]"


def _icon(frame: Frame, here: bool) -> str:
    if here:
        return ":material/radio_button_checked:"
    if frame.trigger == "undo" and frame.is_restore:
        return ":material/undo:"
    if frame.trigger == "redo" and frame.is_restore:
        return ":material/redo:"
    if frame.is_restore:
        return ":material/history:"
    return ":material/radio_button_unchecked:"


def _change_lines(change: Change) -> list[str]:
    where = display_path(change.path, 60)
    if change.action.startswith("set_item"):
        sign = "+" if change.kind == "added" else "-"
        value = change.new if change.kind == "added" else change.old
        return [f"{sign} {where} ∋ {display_repr(value, 80)}"]
    if change.kind == "added":
        return [f"+ {where} = {display_repr(change.new, 80)}"]
    if change.kind == "removed":
        return [f"- {where} = {display_repr(change.old, 80)}"]
    return [
        f"- {where} = {display_repr(change.old, 80)}",
        f"+ {where} = {display_repr(change.new, 80)}",
    ]


def _diff_text(frame: Frame, limit: int = DIFF_LIMIT) -> str:
    """What ``frame`` changed, as the lines of a diff (``- old``, ``+ new``), escaped for a
    screen and cut to ``limit`` changes."""
    if not frame.changes:
        return "no change"
    lines = [line for c in frame.changes[:limit] for line in _change_lines(c)]
    if len(frame.changes) > limit:
        lines.append(f"… {plural(len(frame.changes) - limit, 'more change')}")
    return "\n".join(lines)


def _set(key: str, value: Any) -> None:
    st.session_state[key] = value


def _toggle(key: str, index: int) -> None:
    st.session_state[key] = None if st.session_state.get(key) == index else index


def _filtered(page_key: str, open_key: str) -> None:
    st.session_state[page_key] = 0
    st.session_state[open_key] = None


# Lines left-aligned and one line high; a branch indented under its fork, cut to one line.
_STYLE = """<style>
.st-key-{box} [data-testid="stBaseButton-tertiary"] {{
  justify-content: flex-start; text-align: left; min-height: 1.75rem; padding: 0 0.25rem;
}}
.st-key-{box} [data-testid="stBaseButton-tertiary"] > div,
.st-key-{box} [data-testid="stBaseButton-tertiary"] > div > span {{
  justify-content: flex-start;
}}
.st-key-{box} [data-testid="stBaseButton-tertiary"]:disabled {{ color: inherit; }}
.st-key-{box} [class*="st-key-{prefix}branch_"] {{ padding-left: 1.75rem; }}
.st-key-{box} [class*="st-key-{prefix}branch_"] [data-testid="stCaptionContainer"] p {{
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}}
</style>"""


def history_panel(
    rec: StreamlitRecorder | None = None,
    *,
    sidebar: bool = True,
    page_size: int = 10,
    key: str = DEFAULT_KEY,
) -> None:
    """The session's actions, newest first, a page of ``page_size`` at a time: time, what
    the user did, what it changed, and a marker on the current one. Clicking one jumps to
    it; its chevron shows its changes. Once there is more than a page, a filter box finds
    actions by name, change or key, and Newer/Older buttons turn the pages. Branches left by
    an undo show under the action they fork from, with a jump to their tip. A button
    downloads the recording. In the sidebar unless ``sidebar=False``.

    Use ``key`` to tell two panels apart. The panel's widget keys start with
    ``_timetravel``: using it records nothing.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    rec = showing(rec)
    keys = _Keys(key)
    box = keys("panel")
    with st.sidebar if sidebar else st.container(), st.container(key=box):
        st.html(_STYLE.format(box=box, prefix=keys.prefix))
        _Panel(rec, keys).draw(page_size)


class _Panel:
    """One drawing of the panel."""

    def __init__(self, rec: StreamlitRecorder, keys: _Keys) -> None:
        self.rec = rec
        self.keys = keys
        self.frames = rec.frames
        self.position = rec.position
        self.page_key, self.open_key = keys("page"), keys("open")
        self.opened = st.session_state.get(self.open_key)
        self.jump = callback(rec.jump)

    def draw(self, page_size: int) -> None:
        frames, keys = self.frames, self.keys
        n = len(frames)
        st.subheader("History")
        if not n:
            st.caption("No actions yet")
            return
        count = plural(n, "action")
        if frames[0].index > 0:
            count += f" (from #{frames[0].index:,})"
        st.caption(f"{count} · at #{self.position}")

        filter_key = keys("filter")
        query = ""
        if n > page_size or st.session_state.get(filter_key):
            query = self._filter_box(filter_key)
        matches: list[int] | None = None
        total = n
        if query:
            search = self.rec.ui.setdefault(keys("search"), _Search())
            matches = search.matching(frames, self.rec.recorder.open_frame is not None, query)
            total = len(matches)
            if total:
                st.caption(f"{plural(total, 'action')} of {n:,} match")
            else:
                st.caption(f"No action matches “{escape_markdown(query[:60])}”")
        if total:
            self._lines(matches, total, page_size)
        self._download()

    def _lines(self, matches: list[int] | None, total: int, page_size: int) -> None:
        """A page of lines (of ``matches``, if filtered), newest first, and the pager."""
        frames = self.frames
        pages = -(-total // page_size)
        page = min(max(int(st.session_state.get(self.page_key) or 0), 0), pages - 1)
        newest = total - 1 - page * page_size
        shown = range(newest, max(-1, newest - page_size), -1)
        positions = [matches[i] for i in shown] if matches is not None else list(shown)

        rows = [frames[pos] for pos in positions]
        forks = self._branches([f.index for f in rows])
        oldest = frames[0].index
        with st.container(gap=None):
            for frame in rows:
                self._row(frame)
                branches = forks.get(frame.index, [])
                if frame.index == oldest:  # branches whose fork was folded out of memory
                    branches = branches + forks.get(None, [])
                for branch in branches:
                    self._branch(branch)
        if pages > 1:
            self._pager(page, pages)

    def _branches(self, shown: list[int]) -> dict[int | None, list[Branch]]:
        """The branches that fork from the frames shown, by their fork."""
        forks: list[int | None] = list(shown)
        if self.frames[0].index in shown:
            forks.append(None)
        found: dict[int | None, list[Branch]] = {}
        for branch in self.rec.recorder.branches(forks):
            found.setdefault(branch.fork, []).append(branch)
        return found

    def _filter_box(self, key: str) -> str:
        query = st.text_input(
            "Filter actions",
            key=key,
            placeholder="Filter by action, change or key",
            label_visibility="collapsed",
            icon=":material/search:",
            on_change=_filtered,
            args=(self.page_key, self.open_key),
        )
        return (query or "").strip()

    def _row(self, frame: Frame) -> None:
        """One action's line, and its changes if opened."""
        index = frame.index
        here = index == self.position
        opened = self.opened == index
        with st.container(horizontal=True, vertical_alignment="center", gap=None, wrap=False):
            st.button(
                _row_label(frame, here),
                key=self.keys(f"jump_{index}"),
                icon=_icon(frame, here),
                on_click=self.jump,
                args=(index,),
                disabled=here,
                type="tertiary",
                width="stretch",
                wrap=False,
            )
            st.button(
                "",
                key=self.keys(f"diff_{index}"),
                icon=":material/expand_less:" if opened else ":material/expand_more:",
                help="Hide the changes" if opened else "Show the changes",
                on_click=_toggle,
                args=(self.open_key, index),
                type="tertiary",
            )
        if opened:
            st.code(_diff_text(frame), language="diff", wrap_lines=True)

    def _branch(self, branch: Branch) -> None:
        """A branch as an alternative line under its fork, with a jump to its tip."""
        frames = self.frames
        at = branch.tip - frames[0].index
        title = frame_title(frames[at]) if 0 <= at < len(frames) else f"#{branch.tip}"
        text = f"↳ {plural(len(branch.frames), 'undone action')} · {title}"
        with st.container(key=self.keys(f"branch_{branch.tip}"), gap="xsmall"):
            st.caption(escape_markdown(text))
            st.button(
                "Jump to tip",
                key=self.keys(f"tip_{branch.tip}"),
                icon=":material/call_split:",
                on_click=self.jump,
                args=(branch.tip,),
                type="tertiary",
            )

    def _pager(self, page: int, pages: int) -> None:
        with st.container(
            horizontal=True, vertical_alignment="center", horizontal_alignment="distribute"
        ):
            st.button(
                "Newer",
                key=self.keys("newer"),
                icon=":material/chevron_left:",
                disabled=page == 0,
                on_click=_set,
                args=(self.page_key, page - 1),
                type="tertiary",
            )
            st.caption(f"page {page + 1:,} of {pages:,}", width="content")
            st.button(
                "Older",
                key=self.keys("older"),
                icon=":material/chevron_right:",
                icon_position="right",
                disabled=page >= pages - 1,
                on_click=_set,
                args=(self.page_key, page + 1),
                type="tertiary",
            )

    def _download(self) -> None:
        rec = self.rec
        st.download_button(
            "Download recording",
            data=rec.recording_bytes,
            file_name=os.path.basename(rec.path) if rec.path else "session.ttrec",
            mime="application/octet-stream",
            key=self.keys("download"),
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )
