"""The incident view: warnings, every field, the casework record, notes and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework, clock, vocabulary
from careterm.core.vocabulary import STATUSES, URGENCIES
from careterm.errors import CaretermError
from careterm.tui.messages import IncidentUpdated, IncidentUpdateFailed, PrivacyToggled
from careterm.tui.screens.casework_commands import CaseworkCommands
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.incident_detail import IncidentDetail

if TYPE_CHECKING:
    from careterm.tui.app import CaretermApp


ACK_CHOICES = [("in-person", "in person"), ("email", "e-mail"), ("phone", "phone"),
               ("other", "other")]


_CASEWORK = Binding.Group("casework", compact=True)
"""The casework keys share one footer entry (each is spelled out in the view's legend)."""


class IncidentScreen(Screen[None]):
    """One report. Keys act on it; every action runs in a worker and lands in the timeline."""

    BINDINGS = [
        Binding("a", "acknowledge", "ack"),
        Binding("o", "note", "note"),
        Binding("e", "edit", "edit"),
        Binding("u", "urgency", "urgency"),
        Binding("s", "status", "status"),
        Binding("c", "category", "category", group=_CASEWORK),
        Binding("x", "conflict", "conflict", group=_CASEWORK),
        Binding("t", "conversation", "conversation", group=_CASEWORK),
        Binding("l", "unilateral", "acted alone", group=_CASEWORK),
        Binding("g", "support", "support", group=_CASEWORK),
        Binding("r", "review", "review", group=_CASEWORK),
        Binding("v", "resolution", "resolution", group=_CASEWORK),
        Binding("i", "informed", "informed", group=_CASEWORK),
        Binding("m", "statement", "statement", group=_CASEWORK),
        Binding("n", "app.capture", "new", show=False),
        Binding("escape", "back", "back"),
        Binding("question_mark", "app.help", "help"),
    ]
    COMMANDS = {CaseworkCommands}
    DEFAULT_CSS = """
    IncidentScreen Footer.-compact FooterLabel { margin: 0 1; }
    """

    app: CaretermApp  # type: ignore[assignment]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self._opened = False

    def compose(self) -> ComposeResult:
        """The record, scrollable, with a hint line and the footer."""
        with VerticalScroll(id="incident-scroll"):
            yield IncidentDetail(id="incident")
        yield HintLine(id="incident-hint")
        # Compact, without the palette key (ctrl+p still works): the keys fit 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Draw the record."""
        self.redraw()
        self.query_one("#incident-scroll").focus()

    @property
    def private(self) -> bool:
        """True in privacy mode (names as initials, contacts as bullets)."""
        return bool(getattr(self.app, "privacy", False))

    @property
    def member(self) -> str:
        """The member using this laptop."""
        store = self.app.store
        return store.member if store is not None else self.app.member_name

    def redraw(self, changed: set[str] | None = None) -> None:
        """Draw again (when this report changed, the clock ticked or privacy switched)."""
        if changed is not None and changed and self.incident_id not in changed:
            return
        if not self.query(IncidentDetail):
            return  # composing, or being torn down (a clock tick can land then)
        incident = self.app.incidents.get(self.incident_id)
        if incident is None:
            self.query_one(IncidentDetail).update(
                Text(f"{self.incident_id}: not in this store (yet)", style="bold"))
            return
        member = self.member
        self.query_one(IncidentDetail).show(incident, clock.now(), self.app.ack_target,
                                            private=self.private, member=member)
        if not self._opened:
            # On opening only: the warning block at the top stays for as long as it applies.
            self._opened = True
            if casework.member_conflict_warning(incident, member):
                self.hint("⚠ you declared a conflict of interest on this report (see the top)",
                          style="bold")

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
        """Say something on the hint line."""
        self.query_one(HintLine).say(message, style=style)

    # ------------------------------------------------------------ actions

    @work(thread=True, group="store")
    def store_action(self, description: str, action: Callable[..., Any], *args: Any) -> None:
        """Run a core action on this report in a thread; post what happened."""
        try:
            with self.app.store_lock:
                result = action(self.app.store, self.incident_id, *args)
        except CaretermError as error:
            self.post_message(IncidentUpdateFailed(self.incident_id, str(error)))
        else:
            self.post_message(IncidentUpdated(self.incident_id, description, result))

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """Say what was done and show it."""
        if message.result is False:
            self.hint(f"{message.incident_id}: nothing to change ({message.description})")
        else:
            self.hint(f"{message.incident_id}: {message.description}")
        self.app.refresh_now()

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """Say why, on this screen."""
        self.hint(f"Not done: {message.reason}", style="bold")

    def action_acknowledge(self) -> None:
        """Acknowledge receipt to the reporter; asks how it reached them."""
        self.app.ask_acknowledge(self.incident_id, screen=self)

    def action_note(self) -> None:
        """Add a note (notes are never overwritten)."""
        from careterm.tui.screens.text_modal import TextModal

        def chosen(text: str | None) -> None:
            if text:
                self.store_action("note added", incidents.add_note, text)

        self.app.push_screen(TextModal(f"Note on {self.incident_id}",
                                       placeholder="what was said or done"), chosen)

    def action_edit(self) -> None:
        """Edit the report's fields (each change goes to the timeline)."""
        incident = self.app.incidents.get(self.incident_id)
        if incident is not None:
            from careterm.tui.screens.capture_screen import CaptureScreen

            self.app.push_screen(CaptureScreen(incident=incident))

    def _choose(self, title: str, current: str | None, choices: list[tuple[str, str]],
                apply: Callable[[str], None]) -> None:
        from careterm.tui.screens.choice_modal import ChoiceModal

        def chosen(value: str | None) -> None:
            if value and value != current:
                apply(value)

        self.app.push_screen(ChoiceModal(title, choices, current=current), chosen)

    def action_urgency(self) -> None:
        """Change the urgency."""
        incident = self.app.incidents.get(self.incident_id)
        self._choose(f"Urgency of {self.incident_id}", incident.urgency if incident else None,
                     [(u, u) for u in URGENCIES],
                     lambda v: self.store_action(f"urgency {v}", _set_urgency, v))

    def action_status(self) -> None:
        """Change the status (the workflow's rules apply: see :mod:`careterm.core.casework`)."""
        incident = self.app.incidents.get(self.incident_id)
        self._choose(f"Status of {self.incident_id}", incident.status if incident else None,
                     [(s, vocabulary.STATUS_LABELS[s]) for s in STATUSES],
                     lambda v: self.store_action(f"status {v}", incidents.change_status, v))

    def action_category(self) -> None:
        """Set the category (for the transparency report)."""
        incident = self.app.incidents.get(self.incident_id)
        self._choose(f"Category of {self.incident_id}",
                     casework.category(incident) if incident else None,
                     [(c, vocabulary.CATEGORY_LABELS[c]) for c in vocabulary.CATEGORIES],
                     lambda v: self.store_action(f"category {v}", casework_actions.categorize, v))

    def _form(self, form_class: type[Any]) -> None:
        incident = self.app.incidents.get(self.incident_id)
        if incident is None:
            return

        def saved(description: str | None) -> None:
            if description:
                self.hint(f"{self.incident_id}: {description}")
                self.app.refresh_now()

        self.app.push_screen(form_class(incident, member=self.member, private=self.private),
                             saved)

    def action_review(self) -> None:
        """Fill in the review record (finding, violation, who, reasoning)."""
        from careterm.tui.screens.casework_modals import ReviewForm

        self._form(ReviewForm)

    def action_resolution(self) -> None:
        """Record the team's resolution (one or more)."""
        from careterm.tui.screens.casework_modals import ResolutionForm

        self._form(ResolutionForm)

    def action_conflict(self) -> None:
        """Declare a conflict of interest."""
        from careterm.tui.screens.casework_modals import ConflictForm

        self._form(ConflictForm)

    def action_conversation(self) -> None:
        """Record a conversation held for this case."""
        from careterm.tui.screens.casework_modals import ConversationForm

        self._form(ConversationForm)

    def action_unilateral(self) -> None:
        """Record an action taken alone in an urgent case."""
        from careterm.tui.screens.casework_modals import UnilateralForm

        self._form(UnilateralForm)

    def action_support(self) -> None:
        """Record support for the reporter (escort, friend, law enforcement)."""
        from careterm.tui.screens.casework_modals import SupportForm

        self._form(SupportForm)

    def action_informed(self) -> None:
        """Record that the reporter was told the resolution."""
        from careterm.tui.screens.casework_modals import InformedForm

        self._form(InformedForm)

    def action_statement(self) -> None:
        """Record the team's decision on a public statement."""
        from careterm.tui.screens.casework_modals import StatementForm

        self._form(StatementForm)

    def action_back(self) -> None:
        """Back to the board."""
        self.dismiss()


def _set_urgency(store: Any, incident_id: str, urgency: str) -> list[str]:
    return incidents.update(store, incident_id, urgency=urgency)
