"""A small modal that asks for one choice (how it was acknowledged, an urgency, yes/no).

Choices the caller refuses (``refused``: value → why) are still listed, greyed
with the reason, so the dialog shows what exists and why it is not offered
now; they cannot be highlighted or chosen (their number says so instead).
``default`` highlights a choice without calling it the current one (a
question whose safe answer is Cancel starts there); ``warning`` is said in
bold above the choices.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from careterm.core.textsafe import visible


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of ``choices`` ((value, label) pairs) with the arrows, Enter or its number.

    Dismisses with the chosen value, or ``None`` on escape.
    """

    BINDINGS = [Binding("escape", "cancel", "cancel")] + [
        Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]], *,
                 current: str | None = None, note: str = "",
                 refused: dict[str, str] | None = None, default: str | None = None,
                 warning: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current
        self.note = note
        self.refused = dict(refused or {})
        self.default = default
        self.warning = warning

    def compose(self) -> ComposeResult:
        """A title, an optional warning and note, the numbered choices (refused ones
        greyed with why) and, when some are refused, a line that answers a greyed number."""
        classes = "dialog wide" if self.refused else "dialog"
        with Vertical(id="dialog", classes=classes):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            if self.warning:
                yield Static(Text(visible(self.warning), style="bold"), id="dialog-warning")
            if self.note:
                yield Static(Text(self.note, style="dim"), id="dialog-note")
            options = []
            for number, (value, label) in enumerate(self.choices, start=1):
                marker = " (now)" if value == self.current else ""
                prompt = Text(f"{number}  {label}{marker}")
                reason = self.refused.get(value)
                if reason is not None:
                    prompt.append(f" — {reason}", style="italic")
                options.append(Option(prompt, id=value, disabled=reason is not None))
            yield OptionList(*options, id="choices")
            if self.refused:
                yield Static(id="dialog-hint")

    def on_mount(self) -> None:
        """Start on the default, else the current value (when there is one)."""
        option_list = self.query_one(OptionList)
        if self.refused:
            option_list.styles.max_height = len(self.choices) * 3  # reasons may wrap
        values = [value for value, _ in self.choices]
        start = self.default if self.default in values else self.current
        if start in values and start not in self.refused:
            option_list.highlighted = values.index(start)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on an option chooses it."""
        event.stop()
        if event.option.id not in self.refused:
            self.dismiss(event.option.id)

    def action_pick(self, number: int) -> None:
        """A digit chooses the numbered option (a refused one says it cannot be chosen)."""
        if 1 <= number <= len(self.choices):
            value, label = self.choices[number - 1]
            reason = self.refused.get(value)
            if reason is None:
                self.dismiss(value)
            else:
                self.query_one("#dialog-hint", Static).update(
                    Text(f"{number} ({label}) cannot be chosen now: why is on its line",
                         style="bold"))

    def action_cancel(self) -> None:
        """Escape: no choice."""
        self.dismiss(None)
