"""Quick capture (the info desk's view), also used to edit a report's fields.

Fields come in the order the guide lists them. Only "what happened" is
required; every other answer may stay empty or be marked unknown (ctrl+u) or
declined (ctrl+d) in one key. The form is kept as an encrypted draft while it
is typed, so a crash loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static

from careterm.actions import incidents
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.core.vocabulary import (
    FIELD_LABELS,
    ONGOING,
    SOURCE_LABELS,
    SOURCES,
    SUPPORT_KINDS,
    SUPPORT_LABELS,
    SUPPORT_STATES,
    URGENCIES,
)
from careterm.errors import CaretermError
from careterm.store import draft
from careterm.tui.messages import (
    IncidentSaved,
    IncidentSaveFailed,
    IncidentUpdated,
    IncidentUpdateFailed,
)
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine

if TYPE_CHECKING:
    from careterm.tui.app import CaretermApp


DRAFT_DELAY = 0.6
"""Seconds of quiet typing before the draft is written (debounce)."""


GUIDE_HINT = "Listen · no promises on the outcome · offer an escort or a friend · never pressure"


TEXT_LABELS = {
    "what": "what happened *", "who": "who was involved", "when": "when",
    "where": "where", "contact": "contact reporter", "reporter": "reporter",
}


CHOICE_LABELS = {"ongoing": "still ongoing?", "source": "came in", "urgency": "urgency"}


PLACEHOLDERS = {
    "what": "in their words; the only required answer",
    "who": "names or descriptions · ctrl+u unknown · ctrl+d declined",
    "when": "e.g. 10 min ago, 14:20, yesterday 21:00",
    "where": "room, hallway, online …",
    "contact": "how to reach the reporter",
    "reporter": "name · ctrl+d if they prefer to stay anonymous",
}


FIELD_ORDER = ("what", "who", "when", "where", "ongoing", "contact", "reporter", "source",
               "urgency", *[f"support_{k}" for k in SUPPORT_KINDS])


class CaptureScreen(Screen[None]):
    """A new report (``incident=None``) or an edit of ``incident``'s fields."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save", priority=True),
        Binding("ctrl+u", "mark('unknown')", "unknown", priority=True),
        Binding("ctrl+d", "mark('declined')", "declined", priority=True),
        Binding("escape", "cancel", "back"),
        Binding("f1", "app.help", "help"),
    ]

    app: CaretermApp  # type: ignore[assignment]

    def __init__(self, *, incident: Incident | None = None,
                 form: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.incident = incident
        """The report being edited (dropped while the app is locked; the id stays)."""
        self.incident_id = incident.id if incident is not None else None
        self.original = draft.form_from_incident(incident) if incident else draft.empty_form()
        self.initial_form = draft.normalise_form(form) if form else self.original
        self.marks: dict[str, str] = dict(self.initial_form["marks"])
        self._loading = False
        self._saving = False
        self._form_closed = False
        self._draft_timer: Timer | None = None

    @property
    def saving(self) -> bool:
        """True while the report is being stored (the draft is then left alone)."""
        return self._saving

    @property
    def editing(self) -> bool:
        """True when editing an existing report rather than capturing a new one."""
        return self.incident_id is not None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        """One row per field: label, input, and what the answer will be stored as."""
        if self.incident_id is not None:
            title = Text.assemble(("Edit ", "bold"), (self.incident_id, "bold"),
                                  ("  changes go to the timeline", "dim"))
        else:
            title = Text.assemble(("New report", "bold"),
                                  ("  only what happened is required", "dim"))
        yield Static(title, id="capture-title")
        with VerticalScroll(id="form"):
            for name in FIELD_ORDER:
                with Horizontal(classes="field-row", id=f"row-{name}"):
                    yield Label(self._label(name), classes="field-label")
                    yield self._field_widget(name)
                    yield Static(classes="field-state", id=f"state-{name}")
        yield Static(id="capture-error")
        yield HintLine(Text(GUIDE_HINT, style="dim italic"), id="capture-hint")
        yield Footer()

    @staticmethod
    def _label(name: str) -> str:
        if name.startswith("support_"):
            return "support: " + {"escort": "escort", "friend": "friend",
                                  "police": "police"}[name.removeprefix("support_")]
        return TEXT_LABELS.get(name) or CHOICE_LABELS[name]

    @staticmethod
    def _field_widget(name: str) -> Widget:
        field_id = f"f-{name}"
        if name in TEXT_LABELS:
            return FormInput(placeholder=PLACEHOLDERS[name], id=field_id)
        if name == "ongoing":
            return Select([(o, o) for o in ONGOING], prompt="not asked", id=field_id)
        if name == "source":
            return Select([(SOURCE_LABELS[s], s) for s in SOURCES], prompt="not said",
                          id=field_id)
        if name == "urgency":
            return Select([(u, u) for u in URGENCIES], prompt="automatic", id=field_id)
        kind = name.removeprefix("support_")
        return Select([(s, s) for s in SUPPORT_STATES],
                      prompt=f"{SUPPORT_LABELS[kind]}: not asked", id=field_id)

    def on_mount(self) -> None:
        """Fill the form (a draft or the report being edited) and focus what happened."""
        self._load_form(self.initial_form)
        self.query_one("#f-what", Input).focus()

    # ------------------------------------------------------------ the form

    def _widget(self, name: str) -> Widget:
        return self.query_one(f"#f-{name}")

    def _load_form(self, form: dict[str, Any]) -> None:
        self._loading = True
        try:
            for name in draft.FORM_TEXT_FIELDS:
                self.query_one(f"#f-{name}", Input).value = form[name]
            for name in draft.FORM_CHOICE_FIELDS:
                self._set_select(f"#f-{name}", form[name])
            for kind in SUPPORT_KINDS:
                self._set_select(f"#f-support_{kind}", form["support"][kind])
            self.marks = dict(form["marks"])
        finally:
            self._loading = False
        self._update_states()

    def _set_select(self, selector: str, value: str) -> None:
        select = self.query_one(selector, Select)
        if value:
            select.value = value
        else:
            select.clear()

    def form(self) -> dict[str, Any]:
        """What the form holds now, as a plain dict (the draft format)."""
        form = draft.empty_form()
        for name in draft.FORM_TEXT_FIELDS:
            form[name] = self.query_one(f"#f-{name}", Input).value
        for name in draft.FORM_CHOICE_FIELDS:
            value = self.query_one(f"#f-{name}", Select).value
            form[name] = value if isinstance(value, str) else ""
        for kind in SUPPORT_KINDS:
            value = self.query_one(f"#f-support_{kind}", Select).value
            form["support"][kind] = value if isinstance(value, str) else ""
        form["marks"] = dict(self.marks)
        return form

    def _update_states(self) -> None:
        form = self.form()
        for name in FIELD_ORDER:
            state = self.query_one(f"#state-{name}", Static)
            mark = self.marks.get(name)
            if mark:
                state.update(Text(f"({mark})", style="bold italic"))
            elif name == "what":
                state.update(Text("required" if not form["what"].strip() else "",
                                  style="italic"))
            elif name == "when":
                preview = draft.when_preview(form["when"])
                state.update(Text(visible(preview, one_line=True), style="italic"))
            elif name in ("urgency", "ongoing"):
                state.update(Text(draft.urgency_preview(form) if name == "urgency" else "",
                                  style="italic"))
            else:
                state.update("")
            self.query_one(f"#row-{name}").set_class(bool(mark), "-marked")
            widget = self._widget(name)
            if isinstance(widget, Input) and name in PLACEHOLDERS:
                widget.placeholder = (f"({mark}) · type to answer instead · same key clears"
                                      if mark else PLACEHOLDERS[name])

    def _changed(self) -> None:
        if self._loading:
            return
        self._update_states()
        self.query_one("#capture-error", Static).update("")
        if not self.editing:
            self._schedule_draft()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing an answer into a marked field removes the mark."""
        name = (event.input.id or "").removeprefix("f-")
        if event.value and name in self.marks and not self._loading:
            del self.marks[name]
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choosing an answer removes a mark; ongoing = yes updates the urgency note."""
        name = (event.select.id or "").removeprefix("f-")
        if isinstance(event.value, str) and name in self.marks and not self._loading:
            del self.marks[name]
        self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field (ctrl+s saves)."""
        event.stop()
        self.focus_next()

    def _focused_field(self) -> str | None:
        focused = self.focused
        while focused is not None and not (focused.id or "").startswith("f-"):
            focused = focused.parent if isinstance(focused.parent, Widget) else None
        return (focused.id or "").removeprefix("f-") if focused is not None else None

    def action_mark(self, mark: str) -> None:
        """Set the focused answer to unknown / declined (the same key again clears it)."""
        name = self._focused_field()
        if name not in draft.MARKABLE_FIELDS:
            label = FIELD_LABELS.get(name or "", name or "this field")
            self.query_one("#capture-error", Static).update(Text(
                f"{label} cannot be marked {mark}; move to an optional answer first",
                style="bold"))
            return
        if self.marks.get(name) == mark:
            del self.marks[name]
        else:
            self._loading = True
            try:
                widget = self._widget(name)
                if isinstance(widget, Input):
                    widget.value = ""
                elif isinstance(widget, Select):
                    widget.clear()
            finally:
                self._loading = False
            self.marks[name] = mark
        self._changed()

    # ------------------------------------------------------------ draft

    def _schedule_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._keep_draft)

    def _keep_draft(self) -> None:
        if self._saving or self._form_closed or self.app.locked:
            return
        self._write_draft(self.form())

    @work(thread=True, group="draft")
    def _write_draft(self, form: dict[str, Any]) -> None:
        with self.app.store_lock:
            store = self.app.store
            if self._saving or self._form_closed or store is None or self.app.locked:
                return  # locked: the app keeps the form sealed until the passphrase
            try:
                if draft.form_is_empty(form):
                    draft.clear_draft(store)
                else:
                    draft.save_draft(store, form)
            except CaretermError as error:
                self.app.call_from_thread(self._hint, f"draft not kept: {error}")

    def _hint(self, message: str) -> None:
        self.query_one(HintLine).say(message, style="bold")

    # ------------------------------------------------------------ locking

    def take_form_for_lock(self) -> dict[str, Any]:
        """The app is locking: hand over what the form holds and blank it.

        Returns ``{"form": ..., "original": ...}`` (the app seals it under the
        key before the key is dropped); the report being edited is let go too.
        """
        state = {"form": self.form(), "original": self.original}
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._load_form(draft.empty_form())
        self.original = draft.empty_form()
        self.incident = None
        return state

    def restore_form_after_lock(self, state: dict[str, Any]) -> None:
        """The passphrase was given again: put the form back exactly as it was."""
        self.original = draft.normalise_form(state.get("original") or {})
        self._load_form(draft.normalise_form(state.get("form") or {}))

    def _stop_draft(self) -> None:
        self._form_closed = True
        if self._draft_timer is not None:
            self._draft_timer.stop()

    # ------------------------------------------------------------ saving

    def action_save(self) -> None:
        """ctrl+s: store the report (from any field)."""
        if self._saving:
            return
        form = self.form()
        if not form["what"].strip():
            self.query_one("#capture-error", Static).update(
                Text("Describe what happened: it is the only required answer.", style="bold"))
            self.query_one("#f-what").focus()
            return
        self._saving = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self.query_one("#capture-error", Static).update(Text("saving…", style="dim"))
        if self.incident_id is not None:
            self._save_edit(self.incident_id, form)
        else:
            self._save_capture(form)

    @work(thread=True, group="store")
    def _save_capture(self, form: dict[str, Any]) -> None:
        try:
            with self.app.store_lock:
                store = self.app.store
                if store is None:
                    raise CaretermError("careterm was locked before the report was stored; "
                                        "press ctrl+s again")
                captured = incidents.capture(store, **draft.capture_arguments(form))
                try:
                    draft.clear_draft(store)
                except OSError:
                    pass  # the report is saved; a stale draft is offered once more at worst
        except CaretermError as error:
            self.post_message(IncidentSaveFailed(str(error)))
        else:
            self.post_message(IncidentSaved(captured))

    @work(thread=True, group="store")
    def _save_edit(self, incident_id: str, form: dict[str, Any]) -> None:
        try:
            with self.app.store_lock:
                store = self.app.store
                if store is None:
                    raise CaretermError("careterm was locked before the change was stored; "
                                        "press ctrl+s again")
                changed = incidents.update(store, incident_id,
                                           **draft.update_arguments(form, self.original))
        except CaretermError as error:
            self.post_message(IncidentUpdateFailed(incident_id, str(error)))
        else:
            labels = ", ".join(FIELD_LABELS.get(n, n) for n in changed) or "nothing changed"
            self.post_message(IncidentUpdated(incident_id, f"edited: {labels}", changed))

    def on_incident_saved(self, message: IncidentSaved) -> None:
        """Back to the board, with the new report selected."""
        self._stop_draft()
        self.app.capture_saved(self, message.captured)

    def on_incident_save_failed(self, message: IncidentSaveFailed) -> None:
        """Keep everything on screen and say why: ctrl+s tries again."""
        self._saving = False
        self._say_not_saved(message.reason)

    def _say_not_saved(self, reason: str) -> None:
        self.query_one("#capture-error", Static).update(Text(
            f"Not saved: {visible(reason, one_line=True)}. Everything typed is still here: "
            "ctrl+s tries again.", style="bold"))

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """Back to the incident view."""
        self._stop_draft()
        self.app.action_done(message.description)
        self.dismiss()

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """Keep the edit on screen and say why."""
        self._saving = False
        self._say_not_saved(message.reason)

    # ------------------------------------------------------------ leaving

    def action_cancel(self) -> None:
        """Escape: leave; a non-empty form asks before anything is discarded."""
        form = self.form()
        unchanged = (draft.normalise_form(form) == self.original if self.editing
                     else draft.form_is_empty(form))
        if unchanged:
            self._discard()
            return
        from careterm.tui.screens.choice_modal import ChoiceModal

        question = "Discard your changes?" if self.editing else "Discard this report?"
        choices = [("keep", "Keep writing"),
                   ("discard", "Discard changes" if self.editing
                    else "Discard it (the draft is deleted too)")]

        def chosen(answer: str | None) -> None:
            if answer == "discard":
                self._discard()

        self.app.push_screen(ChoiceModal(question, choices), chosen)

    def _discard(self) -> None:
        self._stop_draft()
        if not self.editing:
            self.app.forget_draft()
        self.dismiss()
