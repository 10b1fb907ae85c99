"""Every key of the app in one table: the bindings, the help screen and the command palette
are all made from it, so they can't disagree."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

__all__ = ["APP_KEYS", "WIDGET_KEYS", "AppKey", "bindings"]


@dataclass(frozen=True)
class AppKey:
    """One app-wide key: Textual key names, the action it runs and how it is described.

    ``rank`` orders the footer (lowest first). A footer too narrow for every key cuts the
    last ones off, so the keys a newcomer needs rank first; every key stays in the help
    screen and the command palette.
    """

    keys: str
    action: str
    footer: str
    description: str
    display: str = ""
    show: bool = True
    palette: str | None = None
    rank: int = 99
    also: str = ""
    """Other keys for the same action, named in the help screen (not in the footer)."""

    @property
    def shown_as(self) -> str:
        """The key(s) as the help screen writes them."""
        shown = self.display or self.keys
        return f"{shown} / {self.also}" if self.also else shown


APP_KEYS: tuple[AppKey, ...] = (
    AppKey(
        "space", "play_pause", "Play", "Play or pause the replay", palette="Play / pause", rank=1
    ),
    AppKey(
        "left", "step(-1)", "Back", "Step to the previous frame", "←", palette="Step back", rank=10
    ),
    AppKey(
        "right", "step(1)", "Next", "Step to the next frame", "→", palette="Step forward", rank=11
    ),
    AppKey(
        "plus,equals_sign",
        "speed(2)",
        "Faster",
        "Replay twice as fast (up to 16x)",
        "+",
        show=False,
        palette="Replay faster",
    ),
    AppKey(
        "minus",
        "speed(0.5)",
        "Slower",
        "Replay half as fast (down to 0.25x)",
        "-",
        show=False,
        palette="Replay slower",
    ),
    AppKey("home", "first", "First", "Go to the first frame", show=False, palette="First frame"),
    AppKey("end", "last", "Last", "Go to the last frame", show=False, palette="Last frame"),
    AppKey("g", "goto", "Go to", "Go to a frame number", palette="Go to frame…", rank=2),
    AppKey(
        "slash",
        "filter",
        "Filter",
        "Filter frames by changed path or trigger",
        "/",
        palette="Filter frames…",
        rank=3,
    ),
    AppKey(
        "s,ctrl+f",
        "search",
        "Search",
        "Search across time (text, /regex/, key path == value)",
        "s",
        palette="Search across time…",
        rank=4,
        also="Ctrl+F",
    ),
    AppKey("a", "mark('A')", "Mark A", "Mark this frame as A", palette="Mark frame as A"),
    AppKey(
        "b",
        "mark('B')",
        "Mark B",
        "Mark this frame as B (shows the A → B diff)",
        palette="Mark frame as B",
    ),
    AppKey(
        "escape",
        "clear",
        "Clear",
        "Clear the A/B marks, else the filter",
        "esc",
        show=False,
        palette="Clear marks / filter",
    ),
    AppKey(
        "h",
        "key_history",
        "History",
        "Key history of the state tree's selected key",
        palette="Key history of selected key",
        rank=5,
    ),
    AppKey(
        "f",
        "follow",
        "Follow",
        "Follow a file that is still being written",
        palette="Follow file (toggle)",
        rank=9,
    ),
    AppKey(
        "e",
        "export",
        "Export",
        "Write this frame's state as JSON (asks where)",
        palette="Export state as JSON…",
        rank=8,
    ),
    AppKey("question_mark", "help", "Help", "Show the keys", "?", palette="Help: keys", rank=6),
    AppKey("q", "quit", "Quit", "Quit", palette=None, rank=7),
)

WIDGET_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Timeline", "↑ ↓ PgUp PgDn Home End", "Move through frames (click selects a row)"),
    ("State tree", "↑ ↓ space", "Move, expand or collapse a node"),
    ("State tree", "Enter / h", "Key history of the node's key path"),
    ("Key history", "Enter / double-click", "Jump the timeline to that frame"),
    ("Filter bar", "Enter / Esc", "Apply the filter / clear it"),
    ("Search", "↑ ↓ Enter / Esc", "Choose a result and jump to its frame / close"),
    ("Export", "Enter / Esc", "Write the file / cancel"),
    ("Anywhere", "Tab / Shift+Tab", "Move the focus between panes"),
    ("Anywhere", "Ctrl+P", "Command palette (every action above by name)"),
)
"""Keys that belong to one widget: (where, keys, what they do)."""


def bindings() -> list[Binding]:
    """The app's bindings, in footer order."""
    return [
        Binding(k.keys, k.action, k.footer, show=k.show, key_display=k.display or None)
        for k in sorted(APP_KEYS, key=lambda k: k.rank)
    ]
