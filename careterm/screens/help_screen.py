"""Help: every key, by screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Everywhere", (
        ("?", "this help (F1 in the capture form)"),
        ("ctrl+p", "command palette: new report, board, filters, help"),
        ("n", "new report (quick capture)"),
        ("ctrl+q", "quit"),
    )),
    ("Board", (
        ("↑ ↓ pgup pgdn", "move between reports"),
        ("enter", "open the report"),
        ("a", "acknowledge the selected report (asks how)"),
        ("!", "only unacknowledged reports (again: all)"),
        ("1 2 3 4", "only critical / high / medium / low (again: any)"),
        ("0", "any urgency"),
        ("/", "search what / who / where"),
        ("f", "filter dialog: unacknowledged, urgency, status, search"),
        ("esc", "clear the filter"),
        ("q", "quit"),
    )),
    ("Capture and edit", (
        ("tab / enter", "next field (shift+tab: previous)"),
        ("ctrl+s", "save, from any field"),
        ("ctrl+u", "mark the focused answer unknown (again: clear)"),
        ("ctrl+d", "mark the focused answer declined (again: clear)"),
        ("esc", "leave (asks before discarding what was typed)"),
    )),
    ("Report", (
        ("a", "acknowledge (in person, e-mail, phone)"),
        ("o", "add a note"),
        ("e", "edit the fields"),
        ("u", "change the urgency"),
        ("s", "change the status"),
        ("n", "new report"),
        ("esc", "back to the board"),
    )),
    ("Reading the board", (
        ("● unacked 3m", "waiting for acknowledgement"),
        ("⚠ unacked 17m", "past the team's acknowledgement target"),
        ("‼ unacked 31m", "past twice the target, or critical"),
        ("✓ acked", "acknowledged"),
    )),
)


def help_text() -> Text:
    """Every key as one Text."""
    out = Text()
    for section, keys in KEYS:
        out.append(f"{section}\n", style="bold underline")
        for key, what in keys:
            out.append(f"  {key:<16}", style="bold")
            out.append(f"{what}\n")
        out.append("\n")
    out.append("esc or ? closes this help", style="dim")
    return out


class HelpScreen(ModalScreen[None]):
    """Lists every key."""

    BINDINGS = [Binding("escape", "close", "close"),
                Binding("question_mark", "close", "close", show=False),
                Binding("q", "close", "close", show=False)]

    def compose(self) -> ComposeResult:
        """The key list, scrollable."""
        with VerticalScroll(id="help-box", classes="dialog wide"):
            yield Static(Text("careterm keys", style="bold"), id="help-title")
            yield Static(help_text(), id="help-keys")

    def action_close(self) -> None:
        """Close help."""
        self.dismiss()
