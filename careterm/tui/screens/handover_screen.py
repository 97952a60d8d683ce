"""Handover: one page for a lead starting a shift.

What is unacknowledged, waiting for a decision, waiting to inform the
reporter, and everything open, from :func:`careterm.core.casework.handover`.
The lists are gathered in a thread worker (under the store lock) and drawn
when they arrive; they are gathered again when reports change, and each
minute so ages stay true.

In privacy mode each report's "what" is masked with that report's name mask
(:mod:`careterm.views.privacy`, as on the board and in the incident view),
from the app's copy of the report: the first line is masked before it is cut
to length, so a name at the cut is never left half shown. Switching privacy
redraws the page without gathering again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from careterm.core import casework, clock, vocabulary
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.store.store import Store
from careterm.tui.messages import HandoverGathered, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.gathering_screen import GatheringScreen
from careterm.tui.widgets.board_table import INFORM_STYLE, URGENCY_STYLES
from careterm.tui.widgets.hint_line import HintLine
from careterm.views.privacy import BULLET, MaskCache

REGATHER_SECONDS = 60.0
"""A clock tick gathers the lists again at most this often (ages move by the minute)."""


SECTIONS = (
    ("unacknowledged", "Unacknowledged", "nobody has acknowledged these to the reporter yet"),
    ("waiting_for_decision", "Waiting for a decision", "acknowledged, no resolution in force"),
    ("waiting_to_inform", "Waiting to inform the reporter",
     "a resolution is decided; the reporter has not been told"),
    ("open", "Everything open", "in board order"),
)
"""Handover list key, heading, and what it means."""


WHAT_LENGTH = 80
"""The handover's "what": the first line, cut to this many characters."""


Hidden = Callable[[str], str]
"""Report id → its "what" as privacy mode shows it."""


def private_what(incident: Incident | None, masks: MaskCache) -> str:
    """The first line of what happened with the report's names masked, then cut to
    :data:`WHAT_LENGTH` (a report the app does not have is hidden whole)."""
    if incident is None:
        return BULLET
    lines = (incident.what or "").strip().splitlines()
    first = masks(incident)(lines[0]) if lines else ""
    return first[:WHAT_LENGTH] + ("…" if len(first) > WHAT_LENGTH else "")


def summary_line(item: dict[str, Any], hidden: Hidden | None = None) -> Text:
    """One report as one line: id, urgency, status, how long, flags, what (``hidden``:
    privacy mode's "what" for a report id)."""
    line = Text(end="")
    line.append(f"  {item['id']:<7}", style="bold")
    line.append(f"{item['urgency']:<9}", style=URGENCY_STYLES.get(item["urgency"], ""))
    line.append(f"{item['status']:<13}")
    if item["acknowledged"]:
        line.append(f"{'age ' + item['age']:<16}", style="dim")
    else:
        line.append(f"{'unacked ' + item['waiting']:<16}", style="bold")
    if item["needs_informing"]:
        line.append("✉ inform ", style=INFORM_STYLE)
    if item["warnings"]:
        count = item["warnings"]
        line.append(f"⚠ {count} warning{'s' if count != 1 else ''} ", style="bold")
    if item["category"]:
        line.append(f"[{vocabulary.CATEGORY_LABELS.get(item['category'], item['category'])}] ",
                    style="dim")
    what = item["what"] if hidden is None else hidden(item["id"])
    line.append(visible(what, one_line=True))
    return line


def handover_text(handover: dict[str, Any], now: datetime, team: str = "",
                  hidden: Hidden | None = None) -> Text:
    """The handover page as one Text (one line per report: the view cuts them to fit);
    ``hidden``: privacy mode's "what" for a report id."""
    out = Text()
    out.append("Handover", style="bold underline")
    if team:
        out.append(f" · {visible(team, one_line=True)}", style="bold")
    out.append(f" · {now:%a %d %b %H:%M}\n", style="dim")
    out.append(handover["header"] + "\n\n", style="bold")
    for key, heading, meaning in SECTIONS:
        items = handover[key]
        out.append(f"{heading} ({len(items)})", style="bold")
        out.append(f"  {meaning}\n", style="dim")
        if not items:
            out.append("  none\n", style="dim")
        for item in items:
            out.append_text(summary_line(item, hidden))
            out.append("\n")
        out.append("\n")
    out.rstrip()
    return out


class HandoverScreen(GatheringScreen):
    """The handover page (key ``h`` on the board, or the command palette)."""

    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("h", "back", "back", show=False),
        Binding("question_mark", "app.help", "help"),
    ]
    COMMANDS = {CaseworkCommands}
    DEFAULT_CSS = """
    HandoverScreen #handover-scroll { height: 1fr; padding: 0 1; }
    HandoverScreen #handover { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.handover: dict[str, Any] | None = None
        self._gathered_at = 0.0
        self._masks = MaskCache()

    def compose(self) -> ComposeResult:
        """The page, scrollable, a hint line and the footer."""
        with VerticalScroll(id="handover-scroll"):
            yield Static(Text("gathering…", style="dim"), id="handover")
        yield HintLine(id="handover-hint")
        yield Footer()

    def on_mount(self) -> None:
        """Gather the lists."""
        self.query_one("#handover-scroll").focus()
        self.gather()

    def gathered(self, store: Store) -> HandoverGathered:
        """The lists, from the store."""
        return HandoverGathered(casework.handover(store.incidents(), clock.now()))

    def on_handover_gathered(self, message: HandoverGathered) -> None:
        """Draw the lists."""
        self.handover = message.handover
        self._gathered_at = clock.now().timestamp()
        self.draw()

    def draw(self) -> None:
        """Show what was gathered at the current width."""
        if self.handover is None or not self.query("#handover"):
            return
        app = host(self)
        hidden = partial(self._private_what, app.incidents) if app.privacy else None
        self.query_one("#handover", Static).update(
            handover_text(self.handover, clock.now(), app.team_name, hidden))

    def _private_what(self, incidents: dict[str, Incident], inc_id: str) -> str:
        return private_what(incidents.get(inc_id), self._masks)

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """Names hidden or shown again (what was gathered is drawn again)."""
        self.draw()

    def tick(self) -> None:
        """Ages move on: gather again now and then."""
        if clock.now().timestamp() - self._gathered_at >= REGATHER_SECONDS:
            self.gather()

    def action_back(self) -> None:
        """Back to where the lead was."""
        self.dismiss()

