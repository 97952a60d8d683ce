"""The board's header: ``N open · M unacknowledged · K critical`` and the active filter."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from careterm.views.board import FilterSpec


class HeaderCounts(Static):
    """Counts of open, unacknowledged and critical reports (exactly the core's header)."""

    def show(self, header: str, unacked: int, critical: int) -> None:
        """Show ``header``; it turns loud when something waits for acknowledgement."""
        self.set_class(bool(unacked), "-waiting")
        self.set_class(bool(critical), "-critical")
        self.update(Text(header, style="bold", no_wrap=True, overflow="ellipsis"))


class FilterLine(Static):
    """Which filter is active, or that every open report is shown."""

    def show(self, spec: FilterSpec, shown: int) -> None:
        """Describe ``spec`` (and how many rows it lets through)."""
        if spec.active:
            text = Text.assemble(("filter: ", "bold"), spec.describe(),
                                 f" · {shown} shown · esc clears")
        else:
            text = Text("all open reports · ! unacknowledged · i to inform · 1-4 urgency"
                        " · / search · f filters", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.set_class(spec.active, "-active")
        self.update(text)
