"""A small modal that asks for one choice (how it was acknowledged, an urgency, yes/no)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of ``choices`` ((value, label) pairs) with the arrows, Enter or its number.

    Dismisses with the chosen value, or ``None`` on escape.
    """

    BINDINGS = [Binding("escape", "cancel", "cancel")] + [
        Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]], *,
                 current: str | None = None, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.note = note

    def compose(self) -> ComposeResult:
        """A title, an optional note and the numbered choices."""
        with Vertical(id="dialog", classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            if self.note:
                yield Static(Text(self.note, style="dim"), id="dialog-note")
            options = []
            for number, (value, label) in enumerate(self.choices, start=1):
                marker = " (now)" if value == self.current else ""
                options.append(Option(Text(f"{number}  {label}{marker}"), id=value))
            yield OptionList(*options, id="choices")

    def on_mount(self) -> None:
        """Start on the current value when there is one."""
        option_list = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        if self.current in values:
            option_list.highlighted = values.index(self.current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on an option chooses it."""
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, number: int) -> None:
        """A digit chooses the numbered option."""
        if 1 <= number <= len(self.choices):
            self.dismiss(self.choices[number - 1][0])

    def action_cancel(self) -> None:
        """Escape: no choice."""
        self.dismiss(None)
