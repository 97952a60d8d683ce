"""A quiet one-line hint or status message."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from careterm.core.textsafe import visible


class HintLine(Static):
    """One dim line at the bottom of a screen: a reminder, or what just happened."""

    def say(self, message: str, *, style: str = "") -> None:
        """Show ``message`` literally (never as markup, no character reaching the terminal)."""
        self.update(Text(visible(message, one_line=True), style=style, no_wrap=True,
                         overflow="ellipsis"))
