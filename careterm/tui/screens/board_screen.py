"""The triage board: open reports by urgency, unacknowledged ones standing out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.core.triage import board_counts, board_header
from careterm.core.vocabulary import URGENCIES
from careterm.tui.messages import IncidentUpdated, IncidentUpdateFailed, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.filter_modal import FilterModal
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.header_counts import FilterLine, HeaderCounts
from careterm.tui.widgets.hint_line import HintLine
from careterm.views.board import BoardView, FilterSpec


class BoardScreen(Screen[None]):
    """The team lead's view. Holds no rules: rows come from
    :class:`careterm.views.board.BoardView`."""

    BINDINGS = [
        Binding("n", "app.capture", "new"),
        Binding("enter", "open", "open"),
        Binding("a", "acknowledge", "ack"),
        Binding("exclamation_mark", "toggle_unacked", "unacked"),
        Binding("i", "toggle_inform", "inform"),
        Binding("f", "filters", "filter"),
        Binding("slash", "search", "search"),
        Binding("escape", "clear_filters", "clear filter", show=False),
        *[Binding(str(n), f"urgency({n})", show=False) for n in range(0, len(URGENCIES) + 1)],
        Binding("question_mark", "app.help", "help"),
        # After help: at 80 columns the footer ends here (both are in help and the palette).
        Binding("h", "handover", "handover"),
        Binding("T", "transparency", "report"),
        Binding("q", "app.quit", "quit"),
    ]

    COMMANDS = {CaseworkCommands}

    def __init__(self) -> None:
        super().__init__()
        self.view = BoardView()
        self._pending_select: str | None = None

    def compose(self) -> ComposeResult:
        """Title, counts, filter, the table, a hint line and the footer."""
        yield Static(id="board-title")
        yield HeaderCounts(id="counts")
        yield FilterLine(id="filter-line")
        yield FormInput(placeholder="search what / who / where · enter applies · esc clears",
                        id="search")
        yield BoardTable(id="board")
        yield HintLine(id="board-hint")
        yield Footer()

    def on_mount(self) -> None:
        """Show what the app has (it may already hold incidents)."""
        self.query_one("#search").display = False
        self.show_title()
        self.query_one(BoardTable).focus()
        self.redraw()

    def show_title(self) -> None:
        """Team, member, and what mode the board is in (demo data, privacy)."""
        app = host(self)
        title = Text.assemble(("careterm", "bold"), " · ",
                              visible(app.team_name, one_line=True), " · ",
                              visible(app.member_name, one_line=True))
        if app.demo:
            title.append("  DEMO: fictional reports, deleted on exit", style="bold reverse")
        if app.privacy:
            title.append("  PRIVACY: names hidden", style="bold reverse")
        self.query_one("#board-title", Static).update(title)

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """Say in the header line that privacy mode is on."""
        self.show_title()

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
        rows = self.view.rows(incidents, now, app.ack_target)
        table = self.table
        table.show_rows(rows)
        open_, unacked, critical = board_counts(list(incidents.values()))
        self.query_one(HeaderCounts).show(board_header(list(incidents.values())), unacked,
                                          critical)
        self.query_one(FilterLine).show(self.view.spec, len(rows))
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
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)

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

    def action_handover(self) -> None:
        """The handover page for a lead starting a shift."""
        host(self).show_handover()

    def action_transparency(self) -> None:
        """Preview the anonymised transparency report."""
        host(self).show_report()
