"""The confirmation of a move that needs a reason: closing a report whose resolution
was never recorded or never told to the reporter (:func:`careterm.core.workflow.
closing_needs_reason`).

The question says what the record is missing (the same words as the command line's
refusal), and holds the one input the move needs: the reason, recorded with the
status change and read in the timeline. Enter with a reason confirms; an empty
reason is refused in place; escape keeps the report as it is (nothing changes).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine


class ReasonModal(TextModal):
    """Ask for the reason a move needs (the warning says why); dismissed with the reason,
    or ``None`` when cancelled."""

    def __init__(self, title: str, *, warning: str, placeholder: str = "",
                 hint: str = "") -> None:
        super().__init__(title, placeholder=placeholder, hint=hint)
        self.warning = warning

    def compose(self) -> ComposeResult:
        """Title, what is missing, the reason's input and a hint."""
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.warning, style="bold"), id="dialog-warning")
            yield FormInput(placeholder=self.placeholder, id="text")
            yield HintLine(Text(self.hint or "enter confirms with this reason · esc cancels",
                                style="dim"), id="dialog-hint")
