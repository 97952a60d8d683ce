"""Command palette entries for casework: handover, the transparency report, the inform filter.

Screens that show casework list this provider in their ``COMMANDS``, so
ctrl+p offers these next to the app's own commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from careterm.views.board import FilterSpec


def _commands(app: Any) -> list[tuple[str, str, Callable[[], None]]]:
    from careterm.tui.screens.handover_screen import open_handover
    from careterm.tui.screens.report_screen import open_report_preview

    def inform_filter() -> None:
        set_filter = getattr(app, "set_board_filter", None)
        if set_filter is not None:
            set_filter(FilterSpec(inform_only=True))

    return [
        ("Handover", "What is open, unacknowledged, waiting for a decision or to inform "
                     "the reporter (h)", lambda: open_handover(app)),
        ("Transparency report (preview)", "The anonymised counts for after the conference (T)",
         lambda: open_report_preview(app)),
        ("Filter: reporter to be informed", "Only reports whose resolution the reporter "
                                            "has not been told yet (i)", inform_filter),
    ]


class CaseworkCommands(Provider):
    """Handover, transparency report preview and the inform filter, for the palette."""

    async def discover(self) -> Hits:
        """Shown before anything is typed."""
        if getattr(self.app, "store", None) is None:
            return
        for name, help_text, callback in _commands(self.app):
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the command names."""
        if getattr(self.app, "store", None) is None:
            return
        matcher = self.matcher(query)
        for name, help_text, callback in _commands(self.app):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
