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
        ("ctrl+p", "command palette: every command by name"),
        ("n", "new report (quick capture)"),
        ("p", "privacy mode: names and contacts hidden (again: shown)"),
        ("ctrl+l", "lock now (the passphrase brings you back)"),
        ("ctrl+q", "quit"),
    )),
    ("Board", (
        ("↑ ↓ pgup pgdn", "move between reports"),
        ("enter", "open the report"),
        ("a", "acknowledge the selected report (asks how)"),
        ("w", "who owns the selected report (a team member, or nobody)"),
        ("!", "only unacknowledged reports (again: all)"),
        ("i", "only reports still to tell the reporter (again: all)"),
        ("m", "only the reports you own (again: all)"),
        ("c", "only closed reports (again: the open ones)"),
        ("1 2 3 4", "only critical / high / medium / low (again: any)"),
        ("0", "any urgency"),
        ("/", "search what / who / where"),
        ("f", "filter dialog (unacked, inform, urgency, status, search)"),
        ("esc", "clear the filter"),
        ("h", "handover page for a lead starting a shift"),
        ("T", "transparency report preview (anonymised counts)"),
        ("q", "quit"),
    )),
    ("Capture and edit", (
        ("tab / enter", "next field (shift+tab: previous)"),
        ("ctrl+s", "save, from any field"),
        ("ctrl+u", "mark the focused answer unknown (again: clear)"),
        ("ctrl+d", "mark the focused answer declined (again: clear)"),
        ("y n u …", "dropdowns take a one-letter answer; enter moves on"),
        ("ctrl+r", "resume a kept draft (offered above a new report)"),
        ("f2", "privacy mode: show the hidden names on this form"),
        ("esc", "leave (asks before discarding what was typed)"),
    )),
    ("Report", (
        ("a", "acknowledge (in person, e-mail, phone)"),
        ("w", "who owns it (a team member, or nobody)"),
        ("o", "add a note"),
        ("e", "edit the fields"),
        ("u", "change the urgency"),
        ("s", "change the status (back to in review is allowed)"),
        ("n", "new report"),
        ("esc", "back to the board"),
    )),
    ("Casework (in a report)", (
        ("c", "category (for the transparency report)"),
        ("x", "declare a conflict of interest"),
        ("t", "record a conversation held for the case"),
        ("l", "record an action taken alone in an urgent case"),
        ("g", "support: escort, contact a friend, law enforcement"),
        ("r", "review: what happened, violation, who, reasoning"),
        ("v", "resolution (space ticks; more than one may apply)"),
        ("i", "the reporter was informed of the resolution"),
        ("m", "public statement: none, brief or detailed"),
        ("b", "public summary for the transparency report: write it, f3 approves"),
        ("ctrl+s", "save the form (it stays open when refused)"),
    )),
    ("Reading the board", (
        ("● unacked 3m", "waiting for acknowledgement"),
        ("⚠ unacked 17m", "past the team's acknowledgement target"),
        ("‼ unacked 31m", "past twice the target, or critical"),
        ("✓ acked", "acknowledged"),
        ("✉ inform", "resolution decided; the reporter is not told yet"),
    )),
    ("Shared folder", (
        ("D", "folder doctor: why a laptop does not see another's notes"),
        ("r", "(in the doctor) look again"),
    )),
    ("Team", (
        ("S", "team settings: stage targets, event dates, alert (enter changes one)"),
        ("ctrl+p", "\"Erasure status\": which laptops have carried out each erasure"),
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
