"""A quiet one-line hint or status message."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class HintLine(Static):
    """One dim line at the bottom of a screen: a reminder, or what just happened."""

    def say(self, message: str, *, style: str = "") -> None:
        """Show ``message`` literally (never as markup)."""
        self.update(Text(message, style=style, no_wrap=True, overflow="ellipsis"))
