"""A small modal that asks one yes/no question, answered with one key (``y`` or ``n``)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class YesNoModal(ModalScreen[bool | None]):
    """Ask ``question``; ``y`` dismisses with True, ``n`` with False, escape with ``None``.

    ``yes`` and ``no`` say what each answer does, on a line of their own.
    """

    BINDINGS = [
        Binding("y,Y", "answer(True)", "yes"),
        Binding("n,N", "answer(False)", "no"),
        Binding("escape", "cancel", "later"),
    ]

    def __init__(self, question: str, *, yes: str, no: str, note: str = "") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no
        self.note = note

    def compose(self) -> ComposeResult:
        """The question, an optional note and what each key does."""
        with Vertical(id="dialog", classes="dialog"):
            yield Static(Text(self.question, style="bold"), id="dialog-title")
            if self.note:
                yield Static(Text(self.note, style="dim"), id="dialog-note")
            yield Static(Text.assemble(("y", "bold reverse"), f"  {self.yes}"), id="answer-yes")
            yield Static(Text.assemble(("n", "bold reverse"), f"  {self.no}"), id="answer-no")

    def action_answer(self, answer: bool) -> None:
        """``y`` or ``n``."""
        self.dismiss(answer)

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)
