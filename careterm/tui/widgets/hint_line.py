"""A quiet hint or status message at the bottom of a screen.

Guidance is never cut: a hint made of phrases (:meth:`HintLine.guide`) wraps
between whole phrases when the line is too narrow, never inside one and never
with an ellipsis; a line made with ``wraps=True`` wraps what it says too (give
it ``height: auto``). Status messages on other lines stay one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import Static

from careterm.core.textsafe import visible

SEPARATOR = " · "
"""Between the phrases of a hint."""


class Phrases:
    """Phrases joined with ``separator``, wrapped between whole phrases to the width
    given; a line that goes on from the one before starts with the separator's mark
    (``· never pressure``). A phrase longer than a whole line wraps between its words."""

    def __init__(self, phrases: Sequence[str], style: str = "", *,
                 separator: str = SEPARATOR) -> None:
        self.phrases = [visible(p, one_line=True) for p in phrases if p.strip()]
        self.style = style
        self.separator = separator

    def lines(self, width: int) -> list[str]:
        """The phrases laid out in lines of at most ``width`` cells (but for a phrase
        longer than that, which the terminal then wraps between its words)."""
        lines: list[str] = []
        line = ""
        for phrase in self.phrases:
            joined = f"{line}{self.separator}{phrase}" if line else phrase
            if line and Text(joined).cell_len > width:
                lines.append(line)
                mark = self.separator.strip()
                line = f"{mark} {phrase}" if mark else phrase
            else:
                line = joined
        if line:
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield Text(line, style=self.style, overflow="fold", end="\n")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        words = [Text(word).cell_len for p in self.phrases for word in p.split()]
        whole = Text(self.separator.join(self.phrases)).cell_len
        longest = min(max(words, default=0) + 2, options.max_width)
        return Measurement(longest, max(longest, min(whole, options.max_width)))


class HintLine(Static):
    """One dim line at the bottom of a screen: a reminder, or what just happened.

    ``wraps``: what :meth:`say` says wraps instead of being cut (the line needs
    ``height: auto``).
    """

    def __init__(self, *args: Any, wraps: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wraps = wraps

    def say(self, message: str, *, style: str = "") -> None:
        """Show ``message`` literally (never as markup, no character reaching the terminal)."""
        if self.wraps:
            self.update(Text(visible(message, one_line=True), style=style))
            return
        self.update(Text(visible(message, one_line=True), style=style, no_wrap=True,
                         overflow="ellipsis"))

    def guide(self, phrases: Sequence[str], *, style: str = "",
              separator: str = SEPARATOR) -> None:
        """Show guidance: ``phrases`` joined with `` · ``, wrapped between whole phrases
        (give the line ``height: auto``)."""
        self.update(Phrases(phrases, style, separator=separator))
