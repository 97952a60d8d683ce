"""Handover: one page for a lead starting a shift.

What is unacknowledged, waiting for a decision, waiting to inform the
reporter, and everything open grouped by owner (the member who owns each report,
then those nobody owns), from :func:`careterm.core.casework.handover`.
The lists are gathered in a thread worker (under the store lock) and drawn
when they arrive; they are gathered again when reports change, and each
minute so ages stay true.

In privacy mode each report's "what" is masked with that report's name mask
(:mod:`careterm.views.privacy`, as on the board and in the incident view),
from the app's copy of the report: the first line is masked before it is cut
to length, so a name at the cut is never left half shown. Switching privacy
redraws the page without gathering again. A report this laptop's member is recused
from says so (:data:`careterm.core.casework.RECUSED_ROW`), never an empty "what".

An unacknowledged report carries the board's symbol, words and colour for its
escalation (``● unacked 3m``, ``⚠ unacked 17m``, ``‼ unacked 31m``: the same
:func:`careterm.views.board.ack_cell`, from the app's copy of the report), so a
lead reading the handover sees what the board would shout. Reports past their
stage's target (:mod:`careterm.core.stages`, the team's settings) head the page,
by stage, each with the board's stage cell. The page is laid out
for the width it has: below :data:`STATUS_WIDTH` the status column goes (the
lists already say where each report stands), and a section's explanation that
does not fit beside its heading goes under it, wrapped, never cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from careterm.core import casework, clock, vocabulary
from careterm.core.model import Incident
from careterm.core.stages import overdue_stages
from careterm.core.textsafe import visible
from careterm.core.triage import AckLevel
from careterm.store.store import Store
from careterm.tui.messages import HandoverGathered, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.gathering_screen import GatheringScreen
from careterm.tui.widgets.board_table import ACK_STYLES, INFORM_STYLE, URGENCY_STYLES
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.board import ACK_SYMBOLS, AckCell, Targets, ack_cell
from careterm.views.privacy import BULLET, MaskCache

REGATHER_SECONDS = 60.0
"""A clock tick gathers the lists again at most this often (ages move by the minute)."""


SECTIONS = (
    ("unacknowledged", "Unacknowledged", "nobody has acknowledged these to the reporter yet"),
    ("waiting_for_decision", "Waiting for a decision", "acknowledged, no resolution in force"),
    ("waiting_to_inform", "Waiting to inform the reporter",
     "a resolution is decided; the reporter has not been told"),
    ("open", "Everything open", "by owner, each in board order"),
)
"""Handover list key, heading, and what it means."""


WHAT_LENGTH = 80
"""The handover's "what": the first line, cut to this many characters."""


STATUS_WIDTH = 70
"""Narrower than this, a report's line leaves out its status (what happened needs the room)."""


Hidden = Callable[[str], str]
"""Report id → its "what" as privacy mode shows it."""


Acks = Callable[[dict[str, Any]], AckCell]
"""A listed report → its acknowledgement cell, as the board shows it now."""


def item_ack(item: dict[str, Any], incident: Incident | None = None,
             now: datetime | None = None, target: Targets | None = None) -> AckCell:
    """The board's acknowledgement cell for a listed report, from the app's copy of it
    (``incident``) at ``now``; without one, as loud as its urgency alone says."""
    if incident is not None and now is not None and target is not None:
        return ack_cell(incident, now, target)
    if item["acknowledged"]:
        return AckCell(f"{ACK_SYMBOLS[AckLevel.ACKNOWLEDGED]} acked", AckLevel.ACKNOWLEDGED)
    level = AckLevel.ALERT if item["urgency"] == "critical" else AckLevel.WAITING
    return AckCell(f"{ACK_SYMBOLS[level]} unacked {item['waiting']}", level)


def private_what(incident: Incident | None, masks: MaskCache) -> str:
    """The first line of what happened with the report's names masked, then cut to
    :data:`WHAT_LENGTH` (a report the app does not have is hidden whole)."""
    if incident is None:
        return BULLET
    if incident.recused:
        return casework.RECUSED_ROW
    lines = (incident.what or "").strip().splitlines()
    first = masks(incident)(lines[0]) if lines else ""
    return first[:WHAT_LENGTH] + ("…" if len(first) > WHAT_LENGTH else "")


def summary_line(item: dict[str, Any], hidden: Hidden | None = None,
                 acks: Acks | None = None, *, status: bool = True) -> Text:
    """One report as one line: id, urgency, status, how long (unacknowledged: the board's
    escalation), flags, what (``hidden``: privacy mode's "what" for a report id;
    ``acks``: the board's acknowledgement cell; ``status``: False leaves it out)."""
    line = Text(end="")
    line.append(f"  {item['id']:<7}", style="bold")
    line.append(f"{item['urgency']:<9}", style=URGENCY_STYLES.get(item["urgency"], ""))
    if status:
        line.append(f"{item['status']:<13}")
    # With the app's copies (``acks``) every stage's clock shows, as on the board.
    ack = acks(item) if acks is not None else (
        item_ack(item) if not item["acknowledged"] else None)
    if ack is None or ack.level is AckLevel.ACKNOWLEDGED:
        line.append(f"{'age ' + item['age']:<17}", style="dim")
    else:
        line.append(ack.text, style=ACK_STYLES[ack.level])
        line.append(" " * max(1, 17 - len(ack.text)))
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
                  hidden: Hidden | None = None, acks: Acks | None = None,
                  width: int | None = None) -> Text:
    """The handover page as one Text (one line per report: the view cuts them to fit);
    ``hidden``: privacy mode's "what" for a report id; ``acks``: the board's
    acknowledgement cell for a report; ``width``: the cells the page has (``None``: as
    many as it needs)."""
    status = width is None or width >= STATUS_WIDTH
    out = Text()
    out.append("Handover", style="bold underline")
    if team:
        out.append(f" · {visible(team, one_line=True)}", style="bold")
    out.append(f" · {now:%a %d %b %H:%M}\n", style="dim")
    out.append(handover["header"] + "\n\n", style="bold")
    overdue = handover.get("overdue") or []
    late = sum(len(group["reports"]) for group in overdue)
    out.append(f"Overdue ({late})", style="bold")
    out.append("  past the team's target for their stage\n", style="dim")
    if not late:
        out.append("  none\n", style="dim")
    for group in overdue:
        out.append(f"  {group['label']} ({len(group['reports'])})\n", style="bold")
        for item in group["reports"]:
            out.append_text(summary_line(item, hidden, acks, status=status))
            out.append("\n")
    out.append("\n")
    for key, heading, meaning in SECTIONS:
        items = handover[key]
        title = f"{heading} ({len(items)})"
        out.append(title, style="bold")
        if width is None or len(title) + 2 + len(meaning) <= width:
            out.append(f"  {meaning}\n", style="dim")
        else:
            out.append("\n")
            for part in textwrap.wrap(meaning, max(20, width - 2)):
                out.append(f"  {part}\n", style="dim")
        if not items:
            out.append("  none\n", style="dim")
        groups = handover.get("by_owner") if key == "open" else None
        if groups is None:
            groups = [{"owner": None, "reports": items}] if items else []
        for group in groups:
            if group["owner"] is not None:
                out.append(f"  {owner_heading(group)} ({len(group['reports'])})\n",
                           style="bold")
            for item in group["reports"]:
                out.append_text(summary_line(item, hidden, acks, status=status))
                out.append("\n")
        out.append("\n")
    out.rstrip()
    return out


def owner_heading(group: dict[str, Any]) -> str:
    """An owner group's heading: the member (a team member's name, kept in privacy
    mode), or "nobody owns these" for the reports without an owner."""
    reports = group["reports"]
    if reports and all(item.get("owner") is None for item in reports):
        return "nobody owns these (w on the board assigns)"
    return f"owned by {visible(group['owner'], one_line=True)}"


class HandoverScreen(GatheringScreen):
    """The handover page (key ``h`` on the board, or the command palette)."""

    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("h", "back", "back", show=False),
        Binding("question_mark", "app.help", "help"),
        Binding("q", "app.quit", "quit"),
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
        yield KeyFooter()

    def on_mount(self) -> None:
        """Gather the lists."""
        self.query_one("#handover-scroll").focus()
        self.gather()

    def gathered(self, store: Store) -> HandoverGathered:
        """The lists, from the store."""
        seen = casework.screen_recused(store.incidents(), store.member)  # recused: stubs
        now = clock.now()
        late = overdue_stages(seen.values(), store.team_settings(), now)
        return HandoverGathered(casework.handover(seen, now, late))

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
        now = clock.now()
        hidden = partial(self._private_what, app.incidents) if app.privacy else None
        acks = partial(self._ack, app.incidents, now, app.team_settings)
        self.query_one("#handover", Static).update(
            handover_text(self.handover, now, app.team_name, hidden, acks, self._width()))

    def _width(self) -> int:
        """The cells a line has (a vertical scrollbar's two are kept free)."""
        scroll = self.query_one("#handover-scroll")
        width = scroll.content_region.width or self.app.size.width - 2
        return max(20, width - 2)

    def on_resize(self) -> None:
        """Lay the page out again for the new width."""
        self.draw()

    @staticmethod
    def _ack(incidents: dict[str, Incident], now: datetime, target: Targets,
             item: dict[str, Any]) -> AckCell:
        return item_ack(item, incidents.get(item["id"]), now, target)

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

