"""The results of a search across time: one row per matching frame; Enter jumps there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from timetravel import Match
from timetravel.display import display_path

from ..formatting import format_elapsed
from .rowlist import RowList, fit
from .timeline import row_title

__all__ = ["SearchHit", "SearchResults"]

_TIME_W = 10
_PATHS_LIMIT = 200


@dataclass(frozen=True)
class SearchHit:
    """One result, as text ready to draw (made in the search worker, not per repaint)."""

    position: int
    index: int
    time: str
    title: str
    paths: str

    @classmethod
    def from_match(cls, match: Match, start_time: float) -> SearchHit:
        """The row for ``match``. Titles and paths come from the file: they are escaped and
        cut (:mod:`timetravel.display`)."""
        frame = match.frame
        # ``how`` is what the first path's change did: it goes next to that path.
        shown = [display_path(p, 60) for p in match.paths[:20]]
        if shown:
            shown[0] += f" ({match.how})"
        paths = ", ".join(shown) or match.how
        if len(match.paths) > 20:
            paths += f" +{len(match.paths) - 20} more"
        return cls(
            position=match.position,
            index=match.index,
            time=format_elapsed(frame.time - start_time),
            title=row_title(frame),
            paths=paths[:_PATHS_LIMIT],
        )


class SearchResults(RowList):
    """Frame number, time, action and the key paths that matched, for each result."""

    DEFAULT_CSS = """
    SearchResults {
        height: 1fr;
        background: $surface;

        & > .search--index { color: $text-muted; }
        & > .search--time { color: $text-accent; }
        & > .search--title { color: $text; }
        & > .search--paths { color: $text-warning; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jump", "Jump to frame", show=True),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "search--index",
        "search--time",
        "search--title",
        "search--paths",
    }

    show_header = True
    empty_text = "(no results)"

    class Jump(Message):
        """Go to the frame at ``position``."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.hits: list[SearchHit] = []
        self._index_w = 3

    def clear_hits(self, empty_text: str = "(no results)") -> None:
        """Show no rows (and ``empty_text`` in their place)."""
        self.hits = []
        self.empty_text = empty_text
        self._index_w = 3
        self.set_row_count(0)
        self.scroll_to(y=0, animate=False, immediate=True)

    def add_hits(self, hits: list[SearchHit]) -> None:
        """Append rows (the cursor stays where it is)."""
        if not hits:
            return
        self.hits.extend(hits)
        self._index_w = max(self._index_w, len(str(hits[-1].index)))
        self.set_row_count(len(self.hits))

    @property
    def current(self) -> SearchHit | None:
        """The result under the cursor."""
        return self.hits[self.cursor] if self.hits else None

    def _title_width(self, width: int) -> int:
        rest = width - (self._index_w + 1 + _TIME_W + 4)
        return min(30, max(12, rest * 2 // 5))

    def render_header(self, width: int, style: Style) -> Strip:
        text = (
            f"{fit('#', self._index_w, right=True)} {fit('time', _TIME_W, right=True)}  "
            f"{fit('action', self._title_width(width))}  matched"
        )
        return Strip([Segment(fit(text, width), style)])

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        hit = self.hits[row]
        plain = row == self.cursor

        def seg(text: str, component: str | None = None) -> Segment:
            if plain or component is None:
                return Segment(text, style)
            return Segment(text, style + self.get_component_rich_style(component, partial=True))

        segments = [
            seg(fit(str(hit.index), self._index_w, right=True), "search--index"),
            seg(" "),
            seg(fit(hit.time, _TIME_W, right=True), "search--time"),
            seg("  "),
            seg(fit(hit.title, self._title_width(width)), "search--title"),
            seg("  "),
            seg(hit.paths, "search--paths"),
        ]
        return Strip(segments).crop(0, width).adjust_cell_length(width, style)

    def action_jump(self) -> None:
        """Go to the frame of the result under the cursor."""
        hit = self.current
        if hit is not None:
            self.post_message(self.Jump(hit.position))

    def on_row_clicked(self, row: int, chain: int) -> None:
        if chain >= 2:
            self.action_jump()
