"""The incident view: every field, what is missing, notes and the timeline."""

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

from careterm import clock, incidents
from careterm.errors import CaretermError
from careterm.model import STATUSES, URGENCIES
from careterm.screens.messages import IncidentUpdated, IncidentUpdateFailed
from careterm.widgets.hint_line import HintLine
from careterm.widgets.incident_detail import IncidentDetail

if TYPE_CHECKING:
    from careterm.app import CaretermApp

ACK_CHOICES = [("in-person", "in person"), ("email", "e-mail"), ("phone", "phone"),
               ("other", "other")]


class IncidentScreen(Screen[None]):
    """One report. Keys act on it; every action runs in a worker and lands in the timeline."""

    BINDINGS = [
        Binding("a", "acknowledge", "ack"),
        Binding("o", "note", "note"),
        Binding("e", "edit", "edit"),
        Binding("u", "urgency", "urgency"),
        Binding("s", "status", "status"),
        Binding("n", "app.capture", "new", show=False),
        Binding("escape", "back", "back"),
        Binding("question_mark", "app.help", "help"),
    ]

    app: CaretermApp  # type: ignore[assignment]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        """The record, scrollable, with a hint line and the footer."""
        with VerticalScroll(id="incident-scroll"):
            yield IncidentDetail(id="incident")
        yield HintLine(id="incident-hint")
        yield Footer()

    def on_mount(self) -> None:
        """Draw the record."""
        self.redraw()
        self.query_one("#incident-scroll").focus()

    def redraw(self, changed: set[str] | None = None) -> None:
        """Draw again (when this report changed, or the clock ticked)."""
        if changed is not None and changed and self.incident_id not in changed:
            return
        incident = self.app.incidents.get(self.incident_id)
        if incident is None:
            self.query_one(IncidentDetail).update(
                Text(f"{self.incident_id}: not in this store (yet)", style="bold"))
            return
        self.query_one(IncidentDetail).show(incident, clock.now(), self.app.ack_target)

    def on_resize(self) -> None:
        """Long answers wrap to the new width."""
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
        from careterm.screens.text_modal import TextModal

        def chosen(text: str | None) -> None:
            if text:
                self.store_action("note added", incidents.add_note, text)

        self.app.push_screen(TextModal(f"Note on {self.incident_id}",
                                       placeholder="what was said or done"), chosen)

    def action_edit(self) -> None:
        """Edit the report's fields (each change goes to the timeline)."""
        incident = self.app.incidents.get(self.incident_id)
        if incident is not None:
            from careterm.screens.capture_screen import CaptureScreen

            self.app.push_screen(CaptureScreen(incident=incident))

    def _choose(self, title: str, field: str, values: tuple[str, ...],
                apply: Callable[[str], None]) -> None:
        from careterm.screens.choice_modal import ChoiceModal

        incident = self.app.incidents.get(self.incident_id)
        current = getattr(incident, field, None) if incident else None

        def chosen(value: str | None) -> None:
            if value and value != current:
                apply(value)

        self.app.push_screen(ChoiceModal(title, [(v, v) for v in values], current=current),
                             chosen)

    def action_urgency(self) -> None:
        """Change the urgency."""
        self._choose(f"Urgency of {self.incident_id}", "urgency", URGENCIES,
                     lambda v: self.store_action(f"urgency {v}", _set_urgency, v))

    def action_status(self) -> None:
        """Change the status."""
        self._choose(f"Status of {self.incident_id}", "status", STATUSES,
                     lambda v: self.store_action(f"status {v}", incidents.set_status, v))

    def action_back(self) -> None:
        """Back to the board."""
        self.dismiss()


def _set_urgency(store: Any, incident_id: str, urgency: str) -> list[str]:
    return incidents.update(store, incident_id, urgency=urgency)
