"""The triage board: open reports by urgency, unacknowledged ones standing out.

Closed reports are off the board; ``c`` shows them (and only them) until it is
pressed again or escape clears the filter. The hint line is about the reports
whose ids it names: it goes once one of them is closed after it was said (a
"7K0003: acknowledged" about a report no longer on the board is stale). A hint
naming a report that was already closed when it was said, or that arrives closed
(a sync bringing a report another laptop captured and closed), stays.

In privacy mode what is typed into the search box is drawn as bullets
(password-style), and the filter line says only that a search is on: the words
searched for are often a name.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input

from careterm.core import clock
from careterm.core.ids import CROCKFORD
from careterm.core.model import Incident
from careterm.core.vocabulary import URGENCIES
from careterm.tui.messages import IncidentUpdated, IncidentUpdateFailed, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.filter_modal import FilterModal
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.header_counts import BoardTitle, FilterLine, HeaderCounts
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.board import BoardView, FilterSpec
from careterm.views.privacy import BULLET


class BoardScreen(Screen[None]):
    """The team lead's view. Holds no rules: rows come from
    :class:`careterm.views.board.BoardView`."""

    BINDINGS = [
        # The footer, most needed first: at 80 columns it shows all of these.
        Binding("n", "app.capture", "new"),
        Binding("enter", "open", "open"),
        Binding("a", "acknowledge", "ack"),
        Binding("question_mark", "app.help", "help"),
        Binding("q", "app.quit", "quit"),
        # The app's p, listed here so the footer shows it before the board's own keys run
        # out of room (the footer lists the screen's keys before the app's).
        Binding("p", "app.toggle_privacy", "privacy"),
        Binding("w", "assign", "owner"),
        Binding("h", "handover", "handover"),
        Binding("T", "transparency", "report"),
        # The filter keys: the filter line above the table lists them at every width.
        Binding("exclamation_mark", "toggle_unacked", "unacked", show=False),
        Binding("i", "toggle_inform", "inform", show=False),
        Binding("m", "toggle_mine", "mine", show=False),
        Binding("c", "toggle_closed", "closed", show=False),
        Binding("f", "filters", "filter", show=False),
        Binding("slash", "search", "search", show=False),
        Binding("escape", "clear_filters", "clear filter", show=False),
        *[Binding(str(n), f"urgency({n})", show=False) for n in range(0, len(URGENCIES) + 1)],
    ]

    COMMANDS = {CaseworkCommands}

    def __init__(self) -> None:
        super().__init__()
        self.view = BoardView()
        self._pending_select: str | None = None
        self._hint_about: dict[str, bool] = {}
        """The reports the hint line names that were not closed when it was said: True
        once seen open, False while not read yet (one that turns up closed is dropped)."""

    def compose(self) -> ComposeResult:
        """Title, counts, filter, the table, a hint line and the footer."""
        yield BoardTitle(id="board-title")
        yield HeaderCounts(id="counts")
        yield FilterLine(id="filter-line")
        yield FormInput(placeholder="search what / who / where · enter applies · esc clears",
                        id="search")
        yield BoardTable(id="board")
        yield HintLine(id="board-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Show what the app has (it may already hold incidents)."""
        self.query_one("#search").display = False
        self._mask_search()
        self.show_title()
        self.query_one(BoardTable).focus()
        self.redraw()

    def show_title(self) -> None:
        """Team, member, and what mode the board is in (demo data, privacy)."""
        app = host(self)
        self.query_one(BoardTitle).show(app.team_name, app.member_name, demo=app.demo,
                                        privacy=app.privacy)

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """Say in the header line that privacy mode is on; mask the search."""
        self.show_title()
        self._mask_search()
        self.redraw(set())

    def _mask_search(self) -> None:
        self.query_one("#search", Input).password = host(self).privacy

    def _spec_shown(self) -> FilterSpec:
        """The filter as the filter line says it (the search words hidden in privacy mode)."""
        spec = self.view.spec
        if host(self).privacy and spec.text.strip():
            return spec.with_(text=BULLET * 3)
        return spec

    @property
    def table(self) -> BoardTable:
        """The board's table."""
        return self.query_one(BoardTable)

    # ------------------------------------------------------------ drawing

    def redraw(self, changed: set[str] | None = None) -> None:
        """Bring the table and the counts up to date with the app's incidents."""
        if not self.query(BoardTable):
            return  # composing, or being torn down (a clock tick can land then)
        if changed is None or changed:
            self.view.invalidate(changed)
        app = host(self)
        incidents = app.incidents
        now = clock.now()
        rows = self.view.rows(incidents, now, app.team_settings)
        table = self.table
        table.show_rows(rows)
        _, unacked, critical = self.view.counts()
        self.query_one(HeaderCounts).show(self.view.header(), unacked, critical,
                                          overdue=self.view.overdue())
        self.query_one(FilterLine).show(self._spec_shown(), len(rows))
        self._drop_stale_hint(incidents)
        if self._pending_select:
            if table.select_id(self._pending_select):
                self._pending_select = None
            elif self._pending_select in incidents and self.view.spec.active:
                # The new report is hidden by the filter: show everything.
                self.set_filter(FilterSpec())
                return

    def tick(self) -> None:
        """Ages and escalation move on with the clock."""
        self.redraw(set())

    def select_when_shown(self, incident_id: str) -> None:
        """Select ``incident_id`` as soon as it is on the board (after a save)."""
        self._pending_select = incident_id
        if self.is_mounted:
            self.redraw(set())

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line (it goes when a report it names is closed)."""
        self.query_one(HintLine).say(message, style=style)
        incidents = host(self).incidents
        self._hint_about = {word: word in incidents for word in _REPORT_ID.findall(message)
                            if not _closed(incidents.get(word))}

    def _drop_stale_hint(self, incidents: dict[str, Incident]) -> None:
        """Clear the hint once a report it names has been closed since it was said (a
        report it named before it was read, which turns up closed, does not count)."""
        for inc_id, seen_open in list(self._hint_about.items()):
            incident = incidents.get(inc_id)
            if incident is None:
                continue
            if incident.is_open:
                self._hint_about[inc_id] = True
            elif seen_open:
                self._hint_about = {}
                self.query_one(HintLine).say("")
                return
            else:
                del self._hint_about[inc_id]  # it arrived closed: not news that went stale

    # ------------------------------------------------------------ filters

    def set_filter(self, spec: FilterSpec) -> None:
        """Use ``spec`` and redraw."""
        self.view.set_filter(spec)
        self.redraw(set())

    def action_toggle_unacked(self) -> None:
        """Show only reports nobody has acknowledged yet (or everything again)."""
        self.set_filter(self.view.spec.with_(unacked_only=not self.view.spec.unacked_only))

    def action_toggle_inform(self) -> None:
        """Show only reports whose resolution is still to be told to the reporter."""
        self.set_filter(self.view.spec.with_(inform_only=not self.view.spec.inform_only))

    def action_toggle_mine(self) -> None:
        """Show only the reports this laptop's member owns (or everything again)."""
        mine = None if self.view.spec.owner else (host(self).member_name or None)
        self.set_filter(self.view.spec.with_(owner=mine))

    def action_toggle_closed(self) -> None:
        """Show the closed reports (off the board otherwise), or the open ones again."""
        self.set_filter(self.view.spec.with_(
            status=None if self.view.spec.closed_only else "closed"))

    def action_urgency(self, number: int) -> None:
        """1-4 show one urgency; 0 any."""
        urgency = URGENCIES[number - 1] if 1 <= number <= len(URGENCIES) else None
        if urgency == self.view.spec.urgency:
            urgency = None
        self.set_filter(self.view.spec.with_(urgency=urgency))

    def action_filters(self) -> None:
        """The filter dialog."""

        def chosen(spec: FilterSpec | None) -> None:
            if spec is not None:
                self.set_filter(spec)

        self.app.push_screen(FilterModal(self.view.spec), chosen)

    def action_search(self) -> None:
        """Show the search box."""
        search = self.query_one("#search", Input)
        search.value = self.view.spec.text
        search.display = True
        search.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search as it is typed."""
        if event.input.id == "search":
            self.set_filter(self.view.spec.with_(text=event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter keeps the search and goes back to the table."""
        if event.input.id == "search":
            event.stop()
            self.set_filter(self.view.spec.with_(text=event.value))
            self.query_one("#search").display = bool(event.value.strip())
            self.table.focus()

    def action_clear_filters(self) -> None:
        """Escape: show every open report."""
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        self.table.focus()
        if self.view.spec.active:
            self.set_filter(FilterSpec())

    # ------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the report."""
        event.stop()
        if event.row_key.value:
            host(self).open_incident(event.row_key.value)

    def action_open(self) -> None:
        """Open the selected report."""
        selected = self.table.selected_id()
        if selected:
            host(self).open_incident(selected)

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """An action from the board was stored: say so and show it."""
        self.hint(f"{message.incident_id}: {message.description}")
        host(self).refresh_now()

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """An action from the board was refused: say why."""
        self.hint(f"Not done: {message.reason}", style="bold")

    def action_acknowledge(self) -> None:
        """Acknowledge the selected report (asks how)."""
        selected = self.table.selected_id()
        if selected:
            host(self).ask_acknowledge(selected)

    def action_assign(self, incident_id: str | None = None) -> None:
        """w: who owns the selected report (a choice of the team's members, or nobody)."""
        selected = incident_id or self.table.selected_id()
        if selected:
            host(self).ask_assign(selected, screen=self)

    def action_handover(self) -> None:
        """The handover page for a lead starting a shift."""
        host(self).show_handover()

    def action_transparency(self) -> None:
        """Preview the anonymised transparency report."""
        host(self).show_report()


_REPORT_ID = re.compile(rf"\b[{CROCKFORD}]{{6}}\b")
"""A word that may be a report's id (six Crockford characters)."""


def _closed(incident: Incident | None) -> bool:
    """True for a report known to be closed (``None``: not known, e.g. not read yet)."""
    return incident is not None and not incident.is_open
