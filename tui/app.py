"""The timetravel terminal UI: browse, replay, diff, filter, search and follow a recording."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Hashable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Header, Input, ProgressBar, TabbedContent, TabPane, Tree

from timetravel import Frame, Recording, RecordingError
from timetravel.display import escape_controls, safe_text
from timetravel.jsonable import to_json

from .commands import TimetravelCommands
from .filtering import Filter
from .follow import Follow
from .keys import bindings
from .replay import Replay
from .screens.export import ExportScreen
from .screens.goto import GotoScreen
from .screens.help import HelpScreen
from .screens.search import SearchScreen
from .source import RecordingSource
from .widgets.diff_view import DiffView
from .widgets.filter_bar import FilterBar
from .widgets.key_history import HistoryList, KeyHistory
from .widgets.scrubber import Scrubber
from .widgets.state_tree import StateNode, StateTree
from .widgets.timeline import Timeline

__all__ = ["NOTIFY_LIMIT", "TimetravelApp"]

NOTIFY_LIMIT = 500
"""Characters of a notification shown (the rest is cut, with the full length shown)."""


class TimetravelApp(App[None]):
    """Browse a recording: timeline, state tree, diff, replay, filter, search, key history.

    ``recording`` may be opened with ``index=False``: the app indexes it in a worker thread,
    showing rows as they are found, then selects the newest frame, or frame ``frame``
    (``Frame.index``; negative counts from the end). ``follow`` starts following the file.
    ``export_dir`` is the folder ``e`` offers to write JSON to (default: the current
    directory). ``exit_on_sigterm`` makes SIGTERM quit cleanly, restoring the terminal (the
    command line sets it).

    The app wires its parts together; replay, following and the filter keep their own state
    (:class:`~timetravel_tui.replay.Replay`, :class:`~timetravel_tui.follow.Follow`,
    :class:`~timetravel_tui.filtering.Filter`).
    """

    CSS_PATH = "app.tcss"
    TITLE = "timetravel"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings())
    COMMANDS = App.COMMANDS | {TimetravelCommands}
    # Textual annotates this `ClassVar[...] | None`, which mypy takes for an instance
    # variable, so it can't be annotated as a ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012

    def __init__(
        self,
        recording: Recording,
        *,
        follow: bool = False,
        frame: int | None = None,
        export_dir: str | Path | None = None,
        exit_on_sigterm: bool = False,
    ) -> None:
        super().__init__()
        self._exit_on_sigterm = exit_on_sigterm
        self.source = RecordingSource(recording)
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.selected: int | None = None
        self.marks: dict[str, int] = {}
        self._follow_on_load = follow
        self.open_on = frame
        self.last_search = ""
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
        timeline = Timeline(id="timeline")
        yield Header()
        with Horizontal(id="main"):
            yield timeline
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
        yield Replay(timeline)
        yield Follow(self.source, follow_on_load=self._follow_on_load)
        yield Filter(self.source, timeline)

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

    @property
    def replay(self) -> Replay:
        """Replay: playing, speed."""
        return self.query_one(Replay)

    @property
    def follower(self) -> Follow:
        """Reading the file: loaded, following, broken."""
        return self.query_one(Follow)

    @property
    def filtering(self) -> Filter:
        """The timeline's filter."""
        return self.query_one(Filter)

    @property
    def loaded(self) -> bool:
        """True once the file has been indexed (the first time)."""
        return self.follower.loaded

    def on_mount(self) -> None:
        if self._exit_on_sigterm:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
        timeline = self.timeline
        timeline.border_title = "Timeline"
        self.state_tree.border_title = "State"
        # Rows show up as the file is read; the newest frame is selected once it is known.
        timeline.announce_first = False
        timeline.attach(self.source)
        timeline.focus()
        self.diff_view.show_message("Reading the recording…")
        replay, follower = self.replay, self.follower
        for node, attribute in ((replay, "playing"), (replay, "speed")):
            self.watch(node, attribute, self._update_scrubber, init=False)
        self.watch(self.filtering, "text", self._update_scrubber, init=False)
        self.watch(follower, "following", self._following_changed, init=False)
        self._update_titles()
        follower.start()

    # --- reading the file ----------------------------------------------------------------------

    def on_follow_progress(self, message: Follow.Progress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        self._frames_added()

    def on_follow_refreshed(self, message: Follow.Refreshed) -> None:
        if message.initial:
            self.query_one(ProgressBar).display = False
            self.timeline.announce_first = True
        if message.initial or message.new:
            self._frames_added()
        if message.initial:
            self._open_on_target()
        if not len(self.source):
            self.diff_view.show_message(
                "This recording has no frames yet. Press f to follow it while it is written."
            )

    def _frames_added(self) -> None:
        """The source has more frames: show them (through the filter if there is one)."""
        if self.filtering.text is None:
            self.timeline.sync()
        else:
            self.filtering.scan_new()
        self._update_titles()

    def _open_on_target(self) -> None:
        """Once the file is read: select the frame asked for, else the newest."""
        if not len(self.source):
            return
        pos = None
        if self.open_on is not None:
            pos = self.source.resolve(self.open_on)
            if pos is None:
                self.notify(
                    f"There is no frame {self.open_on} ({self.source.describe_range()}): "
                    "showing the newest.",
                    severity="warning",
                )
        if pos is None:
            if self.selected is not None:
                return  # the user picked a frame while the file was read
            pos = len(self.source) - 1
        self.select_position(pos)

    def _following_changed(self, following: bool) -> None:
        timeline = self.timeline
        timeline.stick_to_end = following
        self.replay.wait_at_end = following
        if following:
            timeline.action_last()
        self._update_scrubber()

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

    def _update_titles(self) -> None:
        n = len(self.source)
        self.sub_title = f"{safe_text(self.source.name)} · {n:,} frame{'s' * (n != 1)}"
        self.filtering.show_status()
        self._update_scrubber()

    def _update_scrubber(self) -> None:
        timeline = self.timeline
        first = self.source.first_index
        replay = self.replay
        self.scrubber.update_state(
            row=timeline.cursor,
            rows=timeline.row_count,
            frame_index=first + self.selected if self.selected is not None else None,
            frames=len(self.source),
            playing=replay.playing,
            speed=replay.speed,
            following=self.follower.following,
            filter=self.filtering.text,
            marks=" ".join(f"{name}={first + pos}" for name, pos in sorted(self.marks.items())),
        )

    def select_position(self, pos: int) -> None:
        """Select the frame at ``pos``, clearing the filter if it hides that frame."""
        if not self.timeline.select_position(pos):
            if self.filtering.text is not None:
                index = self.source.first_index + pos
                self.notify(f"Frame {index} is hidden by the filter, so the filter is cleared.")
                self.filtering.clear()
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
        self.replay.toggle()

    def action_speed(self, factor: float) -> None:
        """Multiply the replay speed by ``factor`` (within 0.25x to 16x)."""
        self.replay.speed *= factor

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
        elif self.selected is not None:
            self.diff_view.show_frame(self.source.frame(self.selected))
        self._update_scrubber()

    def action_clear(self) -> None:
        """Clear the A/B marks; if there are none, the filter; else show the diff tab."""
        if self.marks:
            self.marks.clear()
            self._show_marks()
        elif self.filtering.text is not None:
            self.filtering.clear()
        else:
            self.query_one(TabbedContent).active = "changes"

    # --- filter -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Open the filter bar."""
        bar = self.query_one(FilterBar)
        bar.add_class("-open")
        bar.value = self.filtering.text or ""
        bar.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_filter_bar()
        text = event.value.strip()
        if text:
            self.filtering.apply(text)
        else:
            self.filtering.clear()

    def on_filter_bar_cleared(self, message: FilterBar.Cleared) -> None:
        self._close_filter_bar()
        self.filtering.clear()

    def _close_filter_bar(self) -> None:
        self.query_one(FilterBar).remove_class("-open")
        self.timeline.focus()

    # --- search -----------------------------------------------------------------------------

    def action_search(self) -> None:
        """Search across time; Enter on a result jumps to its frame."""
        if isinstance(self.screen, SearchScreen):
            return
        screen = SearchScreen(self.source, self.last_search)

        def done(position: int | None) -> None:
            self.last_search = screen.query_text
            if position is not None:
                self.select_position(position)
                self.timeline.focus()

        self.push_screen(screen, done)

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
        """Show the history of ``path`` in the Key history tab (traced in a worker)."""
        self.query_one(TabbedContent).active = "history"
        self.key_history.trace(self.source, path)

    def on_history_list_jump(self, message: HistoryList.Jump) -> None:
        self.select_position(message.position)

    # --- follow, export, help ---------------------------------------------------------------

    def action_follow(self) -> None:
        """Follow the file (new frames appear, the cursor sticks to the last), or stop."""
        self.follower.toggle()

    def export_path(self, frame: Frame) -> Path:
        """Where ``e`` offers to write the state of ``frame``: an absolute path in the export
        folder, named after the recording (its control characters escaped)."""
        folder = self.export_dir if self.export_dir is not None else Path.cwd()
        return folder.absolute() / f"{escape_controls(self.source.stem)}-frame-{frame.index}.json"

    def action_export(self) -> None:
        """Ask where to write the selected frame's state as JSON, write it and say where."""
        if self.selected is None:
            self.notify("There is no frame to export.", severity="warning")
            return
        try:
            frame = self.source.frame(self.selected)
            state = self.source.state_at(self.selected)
        except RecordingError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return

        def write(target: Path) -> None:
            target.write_text(json.dumps(to_json(state), indent=2) + "\n", encoding="utf-8")

        def done(target: Path | None) -> None:
            if target is not None:
                self.notify(f"Wrote the state of frame {frame.index} to {target}", title="Exported")

        self.push_screen(ExportScreen(frame.index, self.export_path(frame), write), done)

    def action_help(self) -> None:
        """Show the keys."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
