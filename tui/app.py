"""The timetravel terminal UI: browse, replay, diff, filter and follow a ``.ttrec`` recording."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Hashable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape as escape_markup
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, ProgressBar, TabbedContent, TabPane, Tree
from textual.worker import get_current_worker

from timetravel import Frame, Recording, RecordingError
from timetravel.display import safe_text
from timetravel.jsonable import to_json

from .commands import TimetravelCommands
from .keys import bindings
from .screens.goto import GotoScreen
from .screens.help import HelpScreen
from .source import HistoryEntry, RecordingSource
from .widgets.diff_view import DiffView
from .widgets.filter_bar import FilterBar
from .widgets.key_history import HistoryList, KeyHistory
from .widgets.scrubber import Scrubber
from .widgets.state_tree import StateNode, StateTree
from .widgets.timeline import Timeline

__all__ = ["BASE_FPS", "SPEEDS", "TimetravelApp"]

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
"""Replay speeds; + and - move along this list."""

BASE_FPS = 4.0
"""Frames per second at 1x. Replay steps through frames at a steady rate (recorded time gaps
are ignored: a session's reruns can be seconds or hours apart)."""

MAX_TICK_HZ = 20.0
"""Above this many frames per second, each timer tick advances several frames."""

FOLLOW_INTERVAL = 0.5
"""Seconds between checks for new frames while following a file."""

NOTIFY_LIMIT = 500
"""Characters of a notification shown (the rest is cut, with the full length shown)."""


class IndexProgress(Message):
    """Indexing has reached ``done`` of ``total`` bytes (``frames`` frames so far)."""

    def __init__(self, done: int, total: int, frames: int) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.frames = frames


class Refreshed(Message):
    """A refresh of the file finished: ``new`` frames, or ``error``."""

    def __init__(self, new: int, error: str | None, *, initial: bool) -> None:
        super().__init__()
        self.new = new
        self.error = error
        self.initial = initial


class FilterScanned(Message):
    """The filter scan of positions ``start``..``end`` found ``positions``."""

    def __init__(
        self, token: int, start: int, end: int, positions: list[int], error: str | None = None
    ) -> None:
        super().__init__()
        self.token = token
        self.start = start
        self.end = end
        self.positions = positions
        self.error = error


class HistoryTraced(Message):
    """The key history of ``path`` is ready (or failed with ``error``)."""

    def __init__(
        self,
        token: int,
        path: tuple[Hashable, ...],
        entries: list[HistoryEntry],
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.path = path
        self.entries = entries
        self.error = error


class TimetravelApp(App[None]):
    """Browse a recording: timeline, state tree, diff, replay, filter, key history, follow.

    ``recording`` may be opened with ``index=False``: the app indexes it in a worker thread,
    showing rows as they are found. ``export_dir`` is where ``e`` writes JSON (default: the
    current directory). ``exit_on_sigterm`` makes SIGTERM quit cleanly, restoring the
    terminal (the command line sets it).
    """

    CSS_PATH = "app.tcss"
    TITLE = "timetravel"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings())
    COMMANDS = App.COMMANDS | {TimetravelCommands}

    def __init__(
        self,
        recording: Recording,
        *,
        follow: bool = False,
        export_dir: str | Path | None = None,
        exit_on_sigterm: bool = False,
    ) -> None:
        super().__init__()
        self._exit_on_sigterm = exit_on_sigterm
        self.source = RecordingSource(recording)
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.loaded = False
        self.broken: str | None = None
        self.selected: int | None = None
        self.speed = 1.0
        self.playing = False
        self.following = False
        self.marks: dict[str, int] = {}
        self.filter_text: str | None = None
        self._follow_on_load = follow
        self._play_timer: Timer | None = None
        self._follow_timer: Timer | None = None
        self._carry = 0.0
        self._refreshing = False
        self._filter_token = 0
        self._filter_scanned = 0
        self._filter_scanning = False
        self._history_token = 0
        self._details_pending = False

    # --- notifications ----------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast. Messages often quote the file (errors, notices, keys, paths), so they
        are always plain text: control characters are escaped, long text is cut and markup
        is never parsed (``markup`` is ignored)."""
        super().notify(
            safe_text(message, NOTIFY_LIMIT, multiline=True),
            title=safe_text(title, 200),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Timeline(id="timeline")
            with Vertical(id="side"):
                yield StateTree(id="state")
                with TabbedContent(id="tabs", initial="changes"):
                    with TabPane("Changes", id="changes"):
                        yield DiffView(id="diff")
                    with TabPane("Key history", id="history"):
                        yield KeyHistory(id="key-history")
        yield ProgressBar(id="progress", show_eta=False)
        yield FilterBar(id="filter")
        yield Scrubber(id="scrubber")
        yield Footer()

    @property
    def timeline(self) -> Timeline:
        """The timeline widget."""
        return self.query_one(Timeline)

    @property
    def state_tree(self) -> StateTree:
        """The state tree widget."""
        return self.query_one(StateTree)

    @property
    def diff_view(self) -> DiffView:
        """The diff widget."""
        return self.query_one(DiffView)

    @property
    def key_history(self) -> KeyHistory:
        """The key history widget."""
        return self.query_one(KeyHistory)

    @property
    def scrubber(self) -> Scrubber:
        """The replay bar."""
        return self.query_one(Scrubber)

    def on_mount(self) -> None:
        if self._exit_on_sigterm:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
        self.timeline.border_title = "Timeline"
        self.state_tree.border_title = "State"
        self.timeline.attach(self.source)
        self.timeline.focus()
        self.diff_view.show_message("Reading the recording…")
        self._update_titles()
        self._index()

    # --- indexing and following ---------------------------------------------------------------

    @work(thread=True, exclusive=True, group="refresh")
    def _index(self) -> None:
        """Index the whole file, reporting progress (the first rows show up as they come)."""
        self._refresh_now(initial=True)

    def _refresh_now(self, *, initial: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(IndexProgress(done, total, len(self.source)))

        try:
            new = self.source.refresh(progress if initial else None)
        except RecordingError as exc:
            self.post_message(Refreshed(0, str(exc), initial=initial))
            return
        self.post_message(Refreshed(new, None, initial=initial))

    def on_index_progress(self, message: IndexProgress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=message.total, progress=message.done)
        self._frames_added()

    def on_refreshed(self, message: Refreshed) -> None:
        self._refreshing = False
        if message.initial:
            self.loaded = True
            self.query_one(ProgressBar).display = False
            notice = self.source.recording.notice
            if notice:
                self.notify(notice, title="Incomplete file", severity="warning", timeout=8)
        if message.error is not None:
            # The frames before the damage stay readable, but the index can't go past it.
            self.broken = message.error
            self.notify(message.error, title="Can't read the recording", severity="error")
            if self.following:
                self.action_follow()
        if message.initial or message.new:
            self._frames_added()
        if message.initial and self._follow_on_load:
            self.action_follow()
        if not len(self.source):
            self.diff_view.show_message(
                "This recording has no frames yet. Press f to follow it while it is written."
            )

    def _frames_added(self) -> None:
        """The source has more frames: show them (through the filter if there is one)."""
        timeline = self.timeline
        if self.filter_text is None:
            timeline.sync()
        else:
            self._scan_filter_tail()
        if self.following:
            timeline.action_last()
        self._update_titles()

    def _poll(self) -> None:
        if self._refreshing or not self.loaded or self.broken is not None:
            return
        self._refreshing = True
        self._refresh_worker()

    @work(thread=True, group="refresh")
    def _refresh_worker(self) -> None:
        self._refresh_now(initial=False)

    # --- the selected frame ---------------------------------------------------------------

    @on(Timeline.FrameSelected)
    def _frame_selected(self, message: Timeline.FrameSelected) -> None:
        self.selected = message.position
        self._update_scrubber()
        # The state tree and diff are updated once the messages already queued are handled:
        # a held-down key moves the timeline at every repeat, and the detail panes catch up
        # once instead of once per key.
        if not self._details_pending:
            self._details_pending = True
            self.call_later(self._show_selected)

    def _show_selected(self) -> None:
        self._details_pending = False
        pos = self.selected
        tree = self.state_tree
        if pos is None:
            tree.show_state({})
            tree.border_title = "State"
            if len(self.source):
                self.diff_view.show_message("No frame matches the filter.")
            self._update_scrubber()
            return
        try:
            frame = self.source.frame(pos)
            state = self.source.state_at(pos)
        except RecordingError as exc:
            self.notify(str(exc), title="Can't read this frame", severity="error")
            return
        tree.show_state(state, [c.path for c in frame.changes])
        tree.border_title = f"State at frame {frame.index}"
        if not self._both_marked():
            self.diff_view.show_frame(frame)
        self._update_scrubber()

    def _selected_frame(self) -> Frame | None:
        return self.source.frame(self.selected) if self.selected is not None else None

    def _update_titles(self) -> None:
        n = len(self.source)
        self.sub_title = f"{safe_text(self.source.name)} · {n:,} frame{'s' * (n != 1)}"
        timeline = self.timeline
        if self.filter_text is None:
            timeline.border_subtitle = ""
        else:
            # Border titles are markup: the filter text is escaped.
            shown = escape_markup(safe_text(self.filter_text, 40))
            if self._filter_scanning:
                timeline.border_subtitle = f"filtering “{shown}”…"
            else:
                timeline.border_subtitle = f"{timeline.row_count:,} of {n:,} match “{shown}”"
        self._update_scrubber()

    def _update_scrubber(self) -> None:
        timeline = self.timeline
        frame_index = None
        if self.selected is not None:
            frame_index = self.source.first_index + self.selected
        marks = " ".join(
            f"{name}={self.source.first_index + pos}" for name, pos in sorted(self.marks.items())
        )
        self.scrubber.update_state(
            row=timeline.cursor,
            rows=timeline.row_count,
            frame_index=frame_index,
            frames=len(self.source),
            playing=self.playing,
            speed=self.speed,
            following=self.following,
            filter=self.filter_text,
            marks=marks,
        )

    def select_position(self, pos: int) -> None:
        """Select the frame at ``pos``, clearing the filter if it hides that frame."""
        if not self.timeline.select_position(pos):
            if self.filter_text is not None:
                index = self.source.first_index + pos
                self.notify(f"Frame {index} is hidden by the filter, so the filter is cleared.")
                self.clear_filter()
            self.timeline.select_position(pos)

    def goto_index(self, index: int) -> bool:
        """Select the frame whose number (``Frame.index``) is ``index``."""
        pos = self.source.position_of(index)
        if pos is None:
            self.notify(f"There is no frame {index}.", severity="warning")
            return False
        self.select_position(pos)
        return True

    # --- stepping and replay -----------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        """Move ``delta`` frames (of those shown)."""
        timeline = self.timeline
        timeline.move_cursor(timeline.cursor + delta)

    def action_first(self) -> None:
        """Go to the first frame."""
        self.timeline.action_first()

    def action_last(self) -> None:
        """Go to the last frame."""
        self.timeline.action_last()

    def action_play_pause(self) -> None:
        """Play from the selected frame, or pause."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Start the replay (from the first frame if the cursor is on the last)."""
        timeline = self.timeline
        if not timeline.row_count:
            return
        if timeline.cursor >= timeline.row_count - 1 and not self.following:
            timeline.move_cursor(0)
        self.playing = True
        self._carry = 0.0
        self._start_play_timer()
        self._update_scrubber()

    def pause(self) -> None:
        """Stop the replay."""
        self.playing = False
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        self._update_scrubber()

    def _start_play_timer(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
        rate = min(BASE_FPS * self.speed, MAX_TICK_HZ)
        self._play_timer = self.set_interval(1 / rate, self._tick)

    def _tick(self) -> None:
        fps = BASE_FPS * self.speed
        self._carry += fps / min(fps, MAX_TICK_HZ)
        steps = int(self._carry)
        self._carry -= steps
        timeline = self.timeline
        last = timeline.row_count - 1
        timeline.move_cursor(min(timeline.cursor + steps, last))
        if timeline.cursor >= last and not self.following:
            self.pause()

    def action_speed(self, factor: float) -> None:
        """Multiply the replay speed by ``factor`` (within 0.25x to 16x)."""
        self.speed = min(max(self.speed * factor, SPEEDS[0]), SPEEDS[-1])
        if self.playing:
            self._start_play_timer()
        self._update_scrubber()

    def on_scrubber_seek(self, message: Scrubber.Seek) -> None:
        self.timeline.move_cursor(message.row)

    def action_goto(self) -> None:
        """Ask for a frame number and go there."""
        if not len(self.source):
            self.notify("There are no frames yet.", severity="warning")
            return
        first = self.source.first_index

        def go(index: int | None) -> None:
            if index is not None:
                self.goto_index(index)

        self.push_screen(GotoScreen(first, first + len(self.source) - 1), go)

    # --- marks and diffs ------------------------------------------------------------------

    def _both_marked(self) -> bool:
        return "A" in self.marks and "B" in self.marks

    def action_mark(self, name: str) -> None:
        """Mark the selected frame as A or B; with both marked the diff shows A → B."""
        if self.selected is None:
            return
        self.marks[name] = self.selected
        self._show_marks()

    def _show_marks(self) -> None:
        shown: dict[int, str] = {}
        for name, pos in sorted(self.marks.items()):
            shown[pos] = shown.get(pos, "") + name
        self.timeline.set_marks(shown)
        if self._both_marked():
            a, b = self.marks["A"], self.marks["B"]
            try:
                changes = self.source.diff(a, b)
            except RecordingError as exc:
                self.notify(str(exc), title="Can't diff these frames", severity="error")
                return
            first = self.source.first_index
            self.diff_view.show_between(first + a, first + b, changes)
            self.query_one(TabbedContent).active = "changes"
        else:
            frame = self._selected_frame()
            if frame is not None:
                self.diff_view.show_frame(frame)
        self._update_scrubber()

    def action_clear(self) -> None:
        """Clear the A/B marks; if there are none, the filter; else show the diff tab."""
        if self.marks:
            self.marks.clear()
            self._show_marks()
        elif self.filter_text is not None:
            self.clear_filter()
        else:
            self.query_one(TabbedContent).active = "changes"

    # --- filter -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Open the filter bar."""
        bar = self.query_one(FilterBar)
        bar.add_class("-open")
        bar.value = self.filter_text or ""
        bar.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_filter_bar()
        text = event.value.strip()
        if text:
            self.apply_filter(text)
        else:
            self.clear_filter()

    def on_filter_bar_cleared(self, message: FilterBar.Cleared) -> None:
        self._close_filter_bar()
        self.clear_filter()

    def _close_filter_bar(self) -> None:
        self.query_one(FilterBar).remove_class("-open")
        self.timeline.focus()

    def apply_filter(self, text: str) -> None:
        """Show only frames whose trigger or changed paths contain ``text`` (any case)."""
        self.filter_text = text
        self._filter_token += 1
        self._filter_scanned = 0
        self._filter_scanning = False
        self._scan_filter_tail()

    def clear_filter(self) -> None:
        """Show every frame again."""
        self.filter_text = None
        self._filter_token += 1
        self._filter_scanning = False
        self.timeline.set_filter(None)
        self._update_titles()

    def _scan_filter_tail(self) -> None:
        """Scan the frames the filter has not seen yet (all of them at first)."""
        if self.filter_text is None or self._filter_scanning:
            return
        end = len(self.source)
        if self._filter_scanned >= end and self.timeline.filtered:
            return
        self._filter_scanning = True
        self._scan_filter(self.filter_text, self._filter_token, self._filter_scanned, end)
        self._update_titles()

    @work(thread=True, group="filter")
    def _scan_filter(self, text: str, token: int, start: int, end: int) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or token != self._filter_token

        try:
            found = self.source.matching(text, range(start, end), cancelled)
        except RecordingError as exc:
            self.post_message(FilterScanned(token, start, start, [], str(exc)))
            return
        if found is not None:
            self.post_message(FilterScanned(token, start, end, found))

    def on_filter_scanned(self, message: FilterScanned) -> None:
        if message.token != self._filter_token:
            return
        self._filter_scanning = False
        if message.error is not None:
            self.notify(message.error, title="Filter failed", severity="error")
            self.clear_filter()
            return
        self._filter_scanned = message.end
        timeline = self.timeline
        if message.start == 0:
            timeline.set_filter(message.positions)
            if not message.positions:
                self.notify(f"No frame matches “{self.filter_text}”.", severity="warning")
        else:
            timeline.extend_filter(message.positions)
            if self.following:
                timeline.action_last()
        self._update_titles()
        if self._filter_scanned < len(self.source):
            self._scan_filter_tail()

    # --- key history ----------------------------------------------------------------------

    def action_key_history(self) -> None:
        """Show every frame that changed the key selected in the state tree."""
        path = self.state_tree.selected_path()
        if path is None:
            self.notify("Select a key in the state tree first (Tab moves there).")
            return
        self.trace(path)

    @on(Tree.NodeSelected, "#state")
    def _node_selected(self, event: Tree.NodeSelected[StateNode]) -> None:
        data = event.node.data
        if data is not None and data.path:
            self.trace(data.path)

    def trace(self, path: tuple[Hashable, ...]) -> None:
        """Trace the history of ``path`` in a worker and show it in the Key history tab."""
        self._history_token += 1
        self.query_one(TabbedContent).active = "history"
        self.key_history.show_loading(path)
        self._trace(path, self._history_token)

    @work(thread=True, exclusive=True, group="history")
    def _trace(self, path: tuple[Hashable, ...], token: int) -> None:
        try:
            entries = self.source.history(path)
        except (RecordingError, ValueError) as exc:
            self.post_message(HistoryTraced(token, path, [], str(exc)))
            return
        self.post_message(HistoryTraced(token, path, entries))

    def on_history_traced(self, message: HistoryTraced) -> None:
        if message.token != self._history_token:
            return
        if message.error is not None:
            self.key_history.show_error(message.error)
            return
        self.key_history.show_entries(message.path, message.entries, self.source.start_time)
        self.key_history.rows.focus()

    def on_history_list_jump(self, message: HistoryList.Jump) -> None:
        self.select_position(message.position)

    # --- follow, export, help ---------------------------------------------------------------

    def action_follow(self) -> None:
        """Follow the file (new frames appear, the cursor sticks to the last), or stop."""
        if self.following:
            self.following = False
            if self._follow_timer is not None:
                self._follow_timer.stop()
                self._follow_timer = None
            self.notify("Stopped following the file.")
        elif self.broken is not None:
            self.notify(f"Can't follow this file: {self.broken}", severity="error")
        else:
            self.following = True
            self._follow_timer = self.set_interval(FOLLOW_INTERVAL, self._poll)
            self.timeline.action_last()
            self._poll()
            self.notify("Following the file: new frames show up as they are written.")
        self._update_scrubber()

    def export_path(self, frame: Frame) -> Path:
        """Where ``e`` writes the state of ``frame``."""
        folder = self.export_dir if self.export_dir is not None else Path.cwd()
        return folder / f"{self.source.stem}-frame-{frame.index}.json"

    def action_export(self) -> None:
        """Write the selected frame's state as JSON and say where."""
        if self.selected is None:
            self.notify("There is no frame to export.", severity="warning")
            return
        try:
            frame = self.source.frame(self.selected)
            state = self.source.state_at(self.selected)
            target = self.export_path(frame)
            target.write_text(json.dumps(to_json(state), indent=2) + "\n", encoding="utf-8")
        except (RecordingError, OSError) as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(f"Wrote the state of frame {frame.index} to {target}", title="Exported")

    def action_help(self) -> None:
        """Show the keys."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
