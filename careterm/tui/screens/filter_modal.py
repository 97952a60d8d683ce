"""The board's filter dialog: unacknowledged only, reporter to be informed, urgency, status,
free-text search."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static

from careterm.core.vocabulary import STATUSES, URGENCIES
from careterm.tui.protocol import host
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine
from careterm.views.board import FilterSpec

_STATUS_CHOICES = {"closed": "closed (off the board; c on the board)"}
"""Status choices that need a word more than their name."""


class FilterModal(ModalScreen[FilterSpec | None]):
    """Edit the board's filter; ctrl+s or Enter in the search applies, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel"),
                Binding("ctrl+s", "apply", "apply", priority=True),
                Binding("ctrl+r", "reset", "clear all", priority=True)]

    def __init__(self, spec: FilterSpec) -> None:
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        """The five filter parts."""
        spec = self.spec
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text("Filter the board", style="bold"), id="dialog-title")
            yield Checkbox("unacknowledged only", spec.unacked_only, id="unacked")
            yield Checkbox("✉ reporter to be informed only", spec.inform_only, id="inform")
            yield Select([(u, u) for u in URGENCIES], prompt="any urgency",
                         value=spec.urgency or Select.NULL, id="urgency")
            yield Select([(_STATUS_CHOICES.get(s, s), s) for s in STATUSES],
                         prompt="any open status",
                         value=spec.status or Select.NULL, id="status")
            # In privacy mode the search words (often a name) are drawn as bullets.
            yield FormInput(spec.text, placeholder="search what / who / where", id="search",
                            password=host(self).privacy)
            yield HintLine(Text("ctrl+s applies · ctrl+r clears all · esc cancels",
                                style="dim"))

    def _spec(self) -> FilterSpec:
        urgency = self.query_one("#urgency", Select).value
        status = self.query_one("#status", Select).value
        return FilterSpec(
            unacked_only=self.query_one("#unacked", Checkbox).value,
            inform_only=self.query_one("#inform", Checkbox).value,
            urgency=urgency if isinstance(urgency, str) else None,
            status=status if isinstance(status, str) else None,
            text=self.query_one("#search", Input).value,
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search applies."""
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        """Use the filter."""
        self.dismiss(self._spec())

    def action_reset(self) -> None:
        """Show every open report."""
        self.dismiss(FilterSpec())

    def action_cancel(self) -> None:
        """Keep the filter as it was."""
        self.dismiss(None)
