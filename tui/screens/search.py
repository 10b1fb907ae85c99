"""Search across time: a query, its results as they are found, Enter to jump to one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from timetravel import Query, QueryError, RecordingError, parse_query
from timetravel.display import safe_text

from ..source import RecordingSource
from ..widgets.search_results import SearchHit, SearchResults

__all__ = ["DEBOUNCE", "MAX_RESULTS", "SearchScreen"]

DEBOUNCE = 0.25
"""Seconds of no typing before the query is searched for."""

MAX_RESULTS = 10_000
"""Results listed; the search still counts the rest."""

FOOTNOTE = "Enter jumps to the frame · ↑ ↓ choose a result · Esc closes"

HINT = (
    'text (any case) · /regex/i · key path and predicate: todos[*].title == "buy milk", '
    "count > 10 · $count for a key path"
)


class SearchScreen(ModalScreen[int | None]):
    """Searches the recording with :meth:`timetravel.Recording.search` as you type.

    The search runs in a worker thread a stretch of frames at a time, so results show up
    while it scans and a new query cancels the old search. A query that can't be parsed
    says why under the input. Enter (or a double click) on a result closes the screen
    with that frame's position; Esc closes it with None.
    """

    DEFAULT_CSS = """
    SearchScreen {
        align: center middle;
        background: $background 60%;

        & > #search-box {
            width: 100%;
            max-width: 120;
            height: 100%;
            max-height: 40;
            border: round $border;
            border-title-color: $text-accent;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        & #search-input { margin: 0 0; }
        & #search-status {
            height: auto;
            max-height: 3;
            color: $text-muted;
            &.-error { color: $text-error; }
        }
        & #search-hint { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=True),
        Binding("down", "move(1)", "Next result", show=False),
        Binding("up", "move(-1)", "Previous result", show=False),
    ]

    class Found(Message):
        """The search for ``token`` found ``count`` more frames, searching the first ``done``
        of ``total``; ``hits`` are the rows to list (none past :data:`MAX_RESULTS`)."""

        def __init__(
            self, token: int, hits: list[SearchHit], count: int, done: int, total: int
        ) -> None:
            super().__init__()
            self.token = token
            self.hits = hits
            self.count = count
            self.done = done
            self.total = total

    class Failed(Message):
        """The search for ``token`` met a frame that can't be read."""

        def __init__(self, token: int, error: str) -> None:
            super().__init__()
            self.token = token
            self.error = error

    def __init__(self, source: RecordingSource, query: str = "") -> None:
        super().__init__()
        self.source = source
        self.query_text = query
        """The query shown (kept by the app for the next time the screen opens)."""
        self.searched: str | None = None
        """The query the results are for (None before the first search)."""
        self.found = 0
        """How many frames matched so far."""
        self.running = False
        """True while a search is running."""
        self._token = 0
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Search across time"
            yield Input(self.query_text, placeholder="search…", id="search-input")
            yield Static(Text(HINT), id="search-status")
            yield SearchResults(id="search-results")
            yield Static(Text(FOOTNOTE), id="search-hint")

    @property
    def results(self) -> SearchResults:
        """The results list."""
        return self.query_one(SearchResults)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.query_text.strip():
            self.search(self.query_text)

    # --- searching ---------------------------------------------------------------------------

    def search(self, query: str) -> None:
        """Search for ``query`` now (cancelling a search still running)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._token += 1
        self.query_text = query
        self.found = 0
        query = query.strip()
        self.searched = query
        results = self.results
        if not query:
            self.running = False
            results.clear_hits("(type a query)")
            self._status(HINT)
            return
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            self.running = False
            results.clear_hits("(no results)")
            self._status(str(exc), error=True)
            return
        self.running = True
        results.clear_hits("(searching…)")
        self._status("searching… 0 found")
        self._search(parsed, self._token, len(self.source))

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: Query, token: int, total: int) -> None:
        worker = get_current_worker()
        start_time = self.source.start_time
        listed = 0
        try:
            for done, matches in self.source.search(query, total):
                if worker.is_cancelled or token != self._token:
                    return
                # Rows are made only for the results listed; the others are just counted.
                room = max(0, MAX_RESULTS - listed)
                hits = [SearchHit.from_match(m, start_time) for m in matches[:room]]
                listed += len(hits)
                self.post_message(self.Found(token, hits, len(matches), done, total))
        except RecordingError as exc:
            self.post_message(self.Failed(token, str(exc)))

    def on_search_screen_found(self, message: SearchScreen.Found) -> None:
        if message.token != self._token:
            return
        self.found += message.count
        results = self.results
        results.add_hits(message.hits)
        n = f"{self.found:,}"
        if message.done < message.total:
            share = message.done * 100 // message.total
            self._status(f"searching… {n} found · {share}% of {message.total:,} frames")
            return
        self.running = False
        if self.found > MAX_RESULTS:
            self._status(f"{n} found (the first {MAX_RESULTS:,} are listed)")
        else:
            self._status(f"{n} found")
        if not self.found:
            results.clear_hits("(no frame matches)")

    def on_search_screen_failed(self, message: SearchScreen.Failed) -> None:
        if message.token != self._token:
            return
        self.running = False
        self.results.clear_hits("(no results)")
        self._status(message.error, error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        # Errors quote the query and the file: plain text, control characters escaped.
        status = self.query_one("#search-status", Static)
        status.update(Text(safe_text(text, 500, multiline=True)))
        status.set_class(error, "-error")

    # --- input and keys ----------------------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self.query_text:
            return
        self.query_text = event.value
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, lambda: self.search(self.query_text))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.searched == event.value.strip() and self.results.current is not None:
            self.results.action_jump()
        else:
            self.search(event.value)

    def action_move(self, delta: int) -> None:
        """Move the results' cursor (from the input)."""
        results = self.results
        results.move_cursor(results.cursor + delta)

    @on(SearchResults.Jump)
    def _jump(self, message: SearchResults.Jump) -> None:
        message.stop()
        self.dismiss(message.position)

    def action_close(self) -> None:
        """Close without moving."""
        self.dismiss(None)
