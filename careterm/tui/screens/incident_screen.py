"""The incident view: warnings, every field, the casework record, notes and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework, clock, vocabulary
from careterm.core.model import Incident
from careterm.core.vocabulary import URGENCIES
from careterm.core.workflow import closing_gaps, status_moves
from careterm.store.store import Store
from careterm.tui.messages import IncidentUpdated, IncidentUpdateFailed, PrivacyToggled
from careterm.tui.protocol import host
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.screens.casework_modals import (
    CaseworkForm,
    ConflictForm,
    ConversationForm,
    InformedForm,
    ResolutionForm,
    ReviewForm,
    StatementForm,
    SupportForm,
    UnilateralForm,
)
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.reason_modal import ReasonModal
from careterm.tui.screens.summary_modal import SummaryForm
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.incident_detail import IncidentDetail
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.privacy import NameMask

_CASEWORK = Binding.Group("casework", compact=True)
"""The casework keys share one footer entry (each is spelled out in the view's legend)."""


CASEWORK_FORMS: dict[str, type[CaseworkForm]] = {
    "conflict": ConflictForm,
    "conversation": ConversationForm,
    "unilateral": UnilateralForm,
    "support": SupportForm,
    "review": ReviewForm,
    "resolution": ResolutionForm,
    "informed": InformedForm,
    "statement": StatementForm,
    "summary": SummaryForm,
}
"""The casework forms by name (``casework('review')`` opens the review form)."""


REPORT_ACTIONS = frozenset({"acknowledge", "assign", "note", "status", "edit", "urgency",
                            "category", "casework"})
"""The keys that act on the report: not offered (nor in the footer) on the stub of a
report this laptop's member is recused from."""


class IncidentScreen(Screen[None]):
    """One report. Keys act on it; every action runs in a worker and lands in the timeline."""

    BINDINGS = [
        # The footer, most needed first: at 80 columns it shows all of these; at 60,
        # back, help, privacy and the report's first actions.
        Binding("escape", "back", "back"),
        Binding("question_mark", "app.help", "help"),
        Binding("a", "acknowledge", "ack"),
        Binding("w", "assign", "owner"),
        Binding("o", "note", "note"),
        Binding("s", "status", "status"),
        # The app's p, listed here so the footer shows it (it lists the screen's keys first).
        Binding("p", "app.toggle_privacy", "privacy"),
        Binding("e", "edit", "edit"),
        Binding("u", "urgency", "urgency"),
        # No text is typed here (notes and edits open their own dialogs): q quits, as on
        # the board.
        Binding("q", "app.quit", "quit"),
        # The casework keys are listed, with words, at the head of the page's Casework
        # section; in the footer they would push the keys above off an 80-column screen.
        Binding("c", "category", "category", group=_CASEWORK, show=False),
        Binding("x", "casework('conflict')", "conflict", group=_CASEWORK, show=False),
        Binding("t", "casework('conversation')", "conversation", group=_CASEWORK, show=False),
        Binding("l", "casework('unilateral')", "acted alone", group=_CASEWORK, show=False),
        Binding("g", "casework('support')", "support", group=_CASEWORK, show=False),
        Binding("r", "casework('review')", "review", group=_CASEWORK, show=False),
        Binding("v", "casework('resolution')", "resolution", group=_CASEWORK, show=False),
        Binding("i", "casework('informed')", "informed", group=_CASEWORK, show=False),
        Binding("m", "casework('statement')", "statement", group=_CASEWORK, show=False),
        Binding("b", "casework('summary')", "public summary", group=_CASEWORK, show=False),
        Binding("n", "app.capture", "new", show=False),
    ]
    COMMANDS = {CaseworkCommands}
    DEFAULT_CSS = """
    IncidentScreen Footer.-compact FooterLabel { margin: 0 1; }
    """

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self._opened = False
        self._recused: bool | None = None
        """Whether the report was last drawn as a recused stub (its keys follow)."""

    def compose(self) -> ComposeResult:
        """The record, scrollable, with a hint line and the footer."""
        with VerticalScroll(id="incident-scroll"):
            yield IncidentDetail(id="incident")
        yield HintLine(id="incident-hint")
        # Compact, without the palette key (ctrl+p still works): the keys fit 80 columns.
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Draw the record."""
        self.redraw()
        self.query_one("#incident-scroll").focus()

    @property
    def private(self) -> bool:
        """True in privacy mode (names as initials, contacts as bullets)."""
        return host(self).privacy

    @property
    def member(self) -> str:
        """The member using this laptop."""
        return host(self).member_name

    @property
    def incident(self) -> Incident | None:
        """This report as the app last read it (``None`` while locked or not yet synced)."""
        return host(self).incidents.get(self.incident_id)

    def redraw(self, changed: set[str] | None = None) -> None:
        """Draw again (when this report changed, the clock ticked or privacy switched)."""
        if changed is not None and changed and self.incident_id not in changed:
            return
        if not self.query(IncidentDetail):
            return  # composing, or being torn down (a clock tick can land then)
        incident = self.incident
        if incident is None:
            self.query_one(IncidentDetail).update(
                Text(f"{self.incident_id}: not in this store (yet)", style="bold"))
            return
        if incident.recused != self._recused:
            self._recused = incident.recused
            self.refresh_bindings()
        member = self.member
        self.query_one(IncidentDetail).show(incident, clock.now(), host(self).team_settings,
                                            private=self.private, member=member)
        if not self._opened:
            # On opening only: the warning block at the top stays for as long as it applies.
            self._opened = True
            if casework.member_conflict_warning(incident, member):
                self.hint("⚠ you declared a conflict of interest on this report (see the top)",
                          style="bold")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A recused stub offers no key that acts on the report (nothing is shown to act
        on); back, help, privacy, new and quit stay."""
        if action in REPORT_ACTIONS:
            incident = self.incident
            if incident is not None and incident.recused:
                return False
        return True

    def on_resize(self) -> None:
        """Long answers wrap to the new width."""
        self.redraw()

    def on_screen_resume(self) -> None:
        """Back from a dialog or another screen: privacy mode may have changed meanwhile."""
        if self.is_mounted:
            self.redraw()

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """Names and contacts hidden or shown again."""
        self.redraw()

    def tick(self) -> None:
        """Ages move on."""
        self.redraw()

    def hint(self, message: str, *, style: str = "") -> None:
        """Say something on the hint line (names masked in privacy mode: a casework
        warning may name the people of the report)."""
        incident = self.incident
        if self.private and incident is not None:
            message = NameMask.for_incident(incident)(message)
        self.query_one(HintLine).say(message, style=style)

    # ------------------------------------------------------------ actions

    def _act(self, description: str, action: Callable[..., Any], *args: Any) -> None:
        """Run a core action on this report (through the gateway); post what happened."""
        host(self).gateway.act(self, self.incident_id, description, action, *args)

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """Say what was done and show it."""
        if message.result is False:
            self.hint(f"{message.incident_id}: nothing to change ({message.description})")
        else:
            self.hint(f"{message.incident_id}: {message.description}")
        host(self).refresh_now()

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """Say why, on this screen."""
        self.hint(f"Not done: {message.reason}", style="bold")

    def action_acknowledge(self) -> None:
        """Acknowledge receipt to the reporter; asks how it reached them."""
        host(self).ask_acknowledge(self.incident_id, screen=self)

    def action_assign(self) -> None:
        """w: who owns this report (a choice of the team's members, or nobody)."""
        host(self).ask_assign(self.incident_id, screen=self)

    def action_note(self) -> None:
        """Add a note (notes are never overwritten)."""

        def chosen(text: str | None) -> None:
            if text:
                self._act("note added", incidents.add_note, text)

        self.app.push_screen(TextModal(f"Note on {self.incident_id}",
                                       placeholder="what was said or done"), chosen)

    def action_edit(self) -> None:
        """Edit the report's fields (each change goes to the timeline)."""
        incident = self.incident
        if incident is not None:
            self.app.push_screen(CaptureScreen(incident=incident))

    def _choose(self, title: str, current: str | None, choices: list[tuple[str, str]],
                apply: Callable[[str], None]) -> None:
        def chosen(value: str | None) -> None:
            if value and value != current:
                apply(value)

        self.app.push_screen(ChoiceModal(title, choices, current=current), chosen)

    def action_urgency(self) -> None:
        """Change the urgency."""
        incident = self.incident
        self._choose(f"Urgency of {self.incident_id}", incident.urgency if incident else None,
                     [(u, u) for u in URGENCIES],
                     lambda v: self._act(f"urgency {v}", _set_urgency, v))

    def action_status(self) -> None:
        """Change the status. The dialog offers the moves the workflow allows from here;
        the others are greyed with why (:func:`careterm.core.workflow.status_moves`). A
        move that takes the report off the board (closing) is asked for again."""
        incident = self.incident
        if incident is None:
            return
        moves = status_moves(incident)
        refused = {m.status: m.refused for m in moves if m.refused is not None}
        off_board = {m.status for m in moves if m.off_board}
        needs_reason = {m.status for m in moves if m.needs_reason}
        note = "greyed: not allowed from here (the reason follows)" if refused else ""

        def chosen(value: str | None) -> None:
            if not value or value == incident.status:
                return
            if value in needs_reason:
                self._ask_reason(value)
            elif value in off_board:
                self._confirm_off_board(value)
            else:
                self._act(f"status {value}", incidents.change_status, value)

        self.app.push_screen(ChoiceModal(f"Status of {self.incident_id}",
                                         [(m.status, m.label) for m in moves],
                                         current=incident.status, note=note,
                                         refused=refused), chosen)

    def _ask_reason(self, status: str) -> None:
        """Closing with no resolution told to the reporter: the question says what is
        missing and asks why (recorded in the timeline); escape keeps the report."""
        incident = self.incident
        if incident is None:
            return
        inc_id = self.incident_id
        gaps = closing_gaps(incident)

        def chosen(reason: str | None) -> None:
            if reason:
                self._act(f"status {status} · off the board (c on the board shows closed "
                          "reports)", _change_status_with_reason, status, reason)
            else:
                self.hint(f"{inc_id}: not closed; it stays on the board")

        self.app.push_screen(ReasonModal(
            f"Close {inc_id} ({incident.urgency})? It leaves the board.",
            warning="⚠ " + "; ".join(gaps) + ". Closing needs a reason:",
            placeholder="e.g. a duplicate of another report, withdrawn, cannot be reached",
            hint="enter closes it with this reason (recorded in the timeline) · esc keeps it"),
            chosen)

    def _confirm_off_board(self, status: str) -> None:
        """Ask before a move that takes the report off the board: what the record is
        missing, said plainly; Cancel is where the dialog starts (Enter keeps it)."""
        incident = self.incident
        if incident is None:
            return
        inc_id = self.incident_id
        label = vocabulary.STATUS_LABELS.get(status, status)
        gaps = closing_gaps(incident)
        if status == "closed":
            title = f"Close {inc_id} ({incident.urgency})? It leaves the board."
            go = "Close it"
        else:
            title = f"Move {inc_id} ({incident.urgency}) to {label}? It leaves the board."
            go = f"Move it to {label}"
        go += " anyway" if gaps else ""
        warning = "⚠ " + "; ".join(gaps) if gaps else ""

        def chosen(value: str | None) -> None:
            if value == status:
                self._act(f"status {status} · off the board (c on the board shows closed "
                          "reports)", incidents.change_status, status)
            else:
                self.hint(f"{inc_id}: not {label}; it stays on the board")

        self.app.push_screen(ChoiceModal(
            title, [("cancel", "Cancel: keep it on the board"), (status, go)],
            default="cancel", warning=warning,
            note="Found again with c on the board (closed reports), ctrl+p and its id, "
                 "or careterm list --all."), chosen)

    def action_category(self) -> None:
        """Set the category (for the transparency report)."""
        incident = self.incident
        self._choose(f"Category of {self.incident_id}",
                     casework.category(incident) if incident else None,
                     [(c, vocabulary.CATEGORY_LABELS[c]) for c in vocabulary.CATEGORIES],
                     lambda v: self._act(f"category {v}", casework_actions.categorize, v))

    def action_casework(self, name: str) -> None:
        """Open one of the casework forms (:data:`CASEWORK_FORMS`) for this report: review,
        resolution, conflict of interest, conversation, acting alone, support, informing
        the reporter, public statement."""
        incident = self.incident
        if incident is None:
            return

        def saved(description: str | None) -> None:
            if description:
                self.hint(f"{self.incident_id}: {description}")
                host(self).refresh_now()

        self.app.push_screen(CASEWORK_FORMS[name](incident, member=self.member,
                                                  private=self.private), saved)

    def action_back(self) -> None:
        """Back to the board."""
        self.dismiss()


def _change_status_with_reason(store: Store, incident_id: str, status: str,
                               reason: str) -> bool:
    """:func:`careterm.actions.incidents.change_status` with the reason asked for."""
    return incidents.change_status(store, incident_id, status, reason=reason)


def _set_urgency(store: Store, incident_id: str, urgency: str) -> list[str]:
    return incidents.update(store, incident_id, urgency=urgency)
