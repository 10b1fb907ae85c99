"""The app's actions in the command palette (Ctrl+P), named as in the help screen."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import APP_KEYS

__all__ = ["TimetravelCommands"]


class TimetravelCommands(Provider):
    """Every app key that has a palette name, runnable by typing part of that name."""

    def _entries(self) -> list[tuple[str, str, str]]:
        return [
            (f"{k.palette}", f"{k.description} (key: {k.shown_as})", k.action)
            for k in APP_KEYS
            if k.palette
        ]

    async def discover(self) -> Hits:
        """All the commands, for an empty palette."""
        for name, help_text, action in self._entries():
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        """The commands whose name matches ``query``."""
        matcher = self.matcher(query)
        for name, help_text, action in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
