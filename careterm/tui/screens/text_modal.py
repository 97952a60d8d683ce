"""A small modal that asks for one line of text (a note)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine


class TextModal(ModalScreen[str | None]):
    """Ask for text; Enter (or ctrl+s) keeps it, escape cancels. Empty text is refused,
    unless the question is optional (``allow_empty``: enter with nothing skips it)."""

    BINDINGS = [Binding("escape", "cancel", "cancel"),
                Binding("ctrl+s", "submit", "save", priority=True)]

    def __init__(self, title: str, *, placeholder: str = "", hint: str = "",
                 allow_empty: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.hint = hint
        self.allow_empty = allow_empty
        """Enter with nothing typed answers "" (an optional question), not a refusal."""

    def compose(self) -> ComposeResult:
        """Title, one input and a hint."""
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield FormInput(placeholder=self.placeholder, id="text")
            yield HintLine(Text(self.hint or "enter saves · esc cancels", style="dim"),
                           id="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter saves."""
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Keep the text, unless it is empty."""
        value = self.query_one("#text", Input).value
        if not value.strip() and self.allow_empty:
            self.dismiss("")
            return
        if not value.strip():
            self.query_one(HintLine).say("the text is empty: type something or press esc",
                                         style="bold")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Escape: nothing is kept."""
        self.dismiss(None)
