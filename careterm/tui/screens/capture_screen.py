"""Quick capture (the info desk's view), also used to edit a report's fields.

Fields come in the order the guide lists them. Only "what happened" is
required; every other answer may stay empty or be marked unknown (ctrl+u) or
declined (ctrl+d) in one key. The form is kept as an encrypted draft while it
is typed, so a crash loses nothing.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any

from rich.text import Text
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
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.messages import (
    DraftNotKept,
    IncidentSaved,
    IncidentSaveFailed,
    IncidentUpdated,
    IncidentUpdateFailed,
)
from careterm.tui.protocol import host
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine

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
        gateway = host(self).gateway
        if self._saving or self._form_closed or not gateway.ready:
            return  # locked: the app keeps the form sealed until the passphrase
        gateway.run(self, partial(self._write_draft, self.form()), DraftNotKept,
                    background=True)

    def _write_draft(self, form: dict[str, Any], store: Store) -> None:
        """In the gateway's worker: keep ``form`` as the draft (or delete an empty one)."""
        if self._saving or self._form_closed:
            return  # saved or left meanwhile
        if draft.form_is_empty(form):
            draft.clear_draft(store)
        else:
            draft.save_draft(store, form)

    def on_draft_not_kept(self, message: DraftNotKept) -> None:
        """Say so; the form on screen is unchanged."""
        self.query_one(HintLine).say(f"draft not kept: {message.reason}", style="bold")

    def form_to_keep(self) -> dict[str, Any] | None:
        """The app is stopping on an unexpected error: the new report being typed, to
        keep as the draft at once (not after the quiet-typing delay), even while it is
        being saved (the error may be the save's); ``None`` when there is none (an
        edit, a report already stored, an empty form)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
        if self.editing or self._form_closed:
            return None
        form = self.form()
        return None if draft.form_is_empty(form) else form

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
        gateway = host(self).gateway
        if self.incident_id is not None:
            gateway.run(self, partial(_save_edit, self.incident_id, form, self.original),
                        partial(IncidentUpdateFailed, self.incident_id))
        else:
            gateway.run(self, partial(_save_capture, form), IncidentSaveFailed)

    def on_incident_saved(self, message: IncidentSaved) -> None:
        """Back to the board, with the new report selected."""
        self._stop_draft()
        host(self).capture_saved(message.captured)

    def on_incident_save_failed(self, message: IncidentSaveFailed) -> None:
        """Keep everything on screen and say why: ctrl+s tries again."""
        self._saving = False
        self._say_not_saved(message.reason)

    def _say_not_saved(self, reason: str) -> None:
        self.query_one("#capture-error", Static).update(Text(
            f"Not saved: {visible(reason, one_line=True)}. Everything typed is still here: "
            "ctrl+s tries again.", style="bold"))

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """Back to the incident view (once unlocked, if the app locked meanwhile)."""
        self._stop_draft()
        host(self).when_unlocked(partial(self._edited, message.description))

    def _edited(self, description: str) -> None:
        host(self).action_done(description)
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
            host(self).forget_draft()
        self.dismiss()


def _save_capture(form: dict[str, Any], store: Store) -> IncidentSaved:
    """In the gateway's worker: store the new report, then drop its draft."""
    captured = incidents.capture(store, **draft.capture_arguments(form))
    with contextlib.suppress(OSError):
        draft.clear_draft(store)  # the report is saved; a stale draft is offered again at worst
    return IncidentSaved(captured)


def _save_edit(incident_id: str, form: dict[str, Any], original: dict[str, Any],
               store: Store) -> IncidentUpdated:
    """In the gateway's worker: store what the edit changed (compared with ``original``)."""
    changed = incidents.update(store, incident_id, **draft.update_arguments(form, original))
    labels = ", ".join(FIELD_LABELS.get(n, n) for n in changed) or "nothing changed"
    return IncidentUpdated(incident_id, f"edited: {labels}", changed)
