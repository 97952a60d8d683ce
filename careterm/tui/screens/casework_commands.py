"""Command palette entries for casework: handover, the transparency report, the inform filter.

Screens that show casework list this provider in their ``COMMANDS``, so
ctrl+p offers these next to the app's own commands. They are asked of the app
through :class:`careterm.tui.protocol.Host` (this module imports no screen).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from careterm.tui.protocol import Host, host
from careterm.views.board import FilterSpec


def _commands(app: Host) -> list[tuple[str, str, Callable[[], None]]]:
    return [
        ("Handover", "What is open, unacknowledged, waiting for a decision or to inform "
                     "the reporter (h)", app.show_handover),
        ("Transparency report (preview)", "The anonymised counts for after the conference (T)",
         app.show_report),
        ("Filter: reporter to be informed", "Only reports whose resolution the reporter "
                                            "has not been told yet (i)",
         lambda: app.set_board_filter(FilterSpec(inform_only=True))),
    ]


class CaseworkCommands(Provider):
    """Handover, transparency report preview and the inform filter, for the palette."""

    def _offered(self) -> list[tuple[str, str, Callable[[], None]]]:
        app = host(self.screen)
        return _commands(app) if app.gateway.ready else []

    async def discover(self) -> Hits:
        """Shown before anything is typed."""
        for name, help_text, callback in self._offered():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the command names."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._offered():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
