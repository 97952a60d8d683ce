"""Quick capture (the info desk's view), also used to edit a report's fields.

Fields come in the order the guide lists them. Only "what happened" is
required; every other answer may stay empty ("not asked") or be marked unknown
(ctrl+u) or declined (ctrl+d) in one key. A mark never throws away what was
typed: the text stays (struck through, not saved) and the same key again takes
the mark off. Dropdowns take their answer's first letter (``y``/``n``/``u``) and
Enter moves on, as the footer shows.

The form is kept as an encrypted draft while it is typed, so a crash loses
nothing. A new report always starts empty: a draft set aside earlier ("Not now")
is offered above the form with its time and first words, and comes back only
when chosen (ctrl+r); what was typed meanwhile is then kept aside in its place.

A report taken at the desk (came in: in person, or not said) is shown as
unacknowledged and escalates until someone acknowledges it; so, once it is
saved, the form asks whether the reporter was told it is received (``y``/``n``)
and records the acknowledgement with the capture.

In privacy mode the answers already in the form (the report being edited, a
draft brought back) are not put on screen where they name someone: the people
fields, and any answer the report's :class:`~careterm.views.privacy.NameMask`
would change, are drawn as bullets (password-style; what is typed into them
stays bullets too), and a line says so; ``f2`` shows them on this form only
(``p`` types a letter here). Answers without a name stay readable.

Guidance on this screen is never cut: placeholders and states fit the 80x24
desk, the hint below the form wraps between whole phrases.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from careterm.actions import incidents
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.core.vocabulary import (
    FIELD_LABELS,
    ONGOING,
    SOURCE_LABELS,
    SOURCES,
    SUPPORT_KINDS,
    SUPPORT_STATES,
    URGENCIES,
    WISHES,
)
from careterm.errors import CaretermError
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.messages import (
    DraftNotKept,
    IncidentSaved,
    IncidentSaveFailed,
    IncidentUpdated,
    IncidentUpdateFailed,
    PrivacyToggled,
)
from careterm.tui.protocol import host
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.yes_no_modal import YesNoModal
from careterm.tui.widgets.form_input import FormChoice, FormInput
from careterm.tui.widgets.hint_line import HintLine
from careterm.tui.widgets.key_footer import KeyFooter
from careterm.views.privacy import PRIVATE_FIELDS, NameMask, contact_parts, name_parts

DRAFT_DELAY = 0.6
"""Seconds of quiet typing before the draft is written (debounce)."""


GUIDE_PHRASES = ("Listen", "no promises on the outcome", "offer an escort or a friend",
                 "never pressure")
"""The guide's reminder under the form (wrapped between phrases, never cut)."""


GUIDE_HINT = " · ".join(GUIDE_PHRASES)


TEXT_LABELS = {
    "what": "what happened *", "who": "who was involved", "when": "when",
    "where": "where", "contact": "contact reporter", "reporter": "reporter",
    "relayed_by": "relayed by",
}


CHOICE_LABELS = {"ongoing": "still ongoing?", "source": "came in", "urgency": "urgency",
                 "wishes": "reporter wants"}


WISH_CHOICES = {"action": "action taken", "no-action": "no action", "no-confrontation":
                "don't confront them", "record-only": "record only", "unknown": "unknown"}
"""The reporter's wishes as the form's dropdown says them (one different first letter
each: a n d r u); the incident view says them in full (``WISHES_LABELS``)."""


PLACEHOLDERS = {
    "what": "in their words",
    "who": "names or descriptions",
    "when": "e.g. 10 min ago, 14:20",
    "where": "room, hallway, online …",
    "contact": "phone, e-mail or handle",
    "reporter": "name · ctrl+d: anonymous",
    "relayed_by": "who passed it on",
}
"""Short enough to be read whole in the 80-column form (the footer names ctrl+u and
ctrl+d; the title says what is required)."""


MARKED_PLACEHOLDER = "type to answer instead"


NAMES_HIDDEN = "names hidden (privacy mode) · f2 shows them on this form"


MARK_KEYS = {"unknown": "ctrl+u", "declined": "ctrl+d"}


DESK_SOURCES = ("", "in-person")
"""A new report that came in like this was taken at the desk: ask whether the
reporter was told it is received ("" is not said, or marked)."""


FIELD_ORDER = ("what", "who", "when", "where", "ongoing", "contact", "reporter", "relayed_by",
               "source", "wishes", "urgency", *[f"support_{k}" for k in SUPPORT_KINDS])


@dataclass
class KeptDraftsRead(Message):
    """The drafts set aside earlier were read (newest first), to offer above the form."""

    kept: list[dict[str, Any]] = field(repr=False)


@dataclass
class KeptDraftResumed(Message):
    """A kept draft was made the form being typed again (``form`` is ``None`` when it
    was no longer there); ``kept`` is what is still kept."""

    form: dict[str, Any] | None = field(repr=False)
    kept: list[dict[str, Any]] = field(repr=False)


def draft_mask(form: dict[str, Any]) -> NameMask:
    """Privacy mode's mask for a draft: the names and contacts its own answers give."""
    form = draft.normalise_form(form)
    names = [value for name in ("who", "reporter") if (value := form[name].strip())]
    names += [part for value in list(names) for part in name_parts(value)]
    contact = form["contact"].strip()
    contacts = [contact, *contact_parts(contact)] if contact else []
    return NameMask(names, contacts)


def draft_offer(entry: dict[str, Any], *, private: bool = False) -> str:
    """``Resume the draft from 14:02: Half-typed report about…?`` for a kept draft
    (``entry`` as :func:`careterm.store.draft.kept_drafts` gives it, or the load_draft
    record); with ``private``, names and contacts the draft holds are hidden."""
    form = entry.get("form") or {}
    words = draft.first_words(form)
    if private:
        words = draft_mask(form)(words)
    when = draft.draft_time(str(entry.get("saved_at") or ""))
    return f"Resume the draft from {when}: {visible(words, one_line=True)}?"


class CaptureScreen(Screen[None]):
    """A new report (``incident=None``) or an edit of ``incident``'s fields."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal")]
    """Under 80 columns the form's columns are narrower and a long state wraps."""

    BINDINGS = [
        Binding("ctrl+s", "save", "save", priority=True),
        Binding("ctrl+u", "mark('unknown')", "unknown", priority=True),
        Binding("ctrl+d", "mark('declined')", "declined", priority=True),
        Binding("ctrl+r", "resume_kept", "resume draft", priority=True, show=False),
        Binding("escape", "cancel", "back"),
        Binding("f1", "app.help", "help"),
        Binding("f2", "reveal_names", "show names", show=False),
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
        self.kept: list[dict[str, Any]] = []
        """Drafts set aside earlier, newest first (offered above the form, never loaded
        into it unless chosen)."""
        self._starts_empty = incident is None and form is None
        self._loading = False
        self._saving = False
        self._form_closed = False
        self._draft_timer: Timer | None = None
        self._saved_form: dict[str, Any] | None = None
        self._desk_capture: incidents.Captured | None = None
        self._names_shown = False
        """f2 was pressed: privacy mode does not mask this form's answers."""

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
        yield HintLine(id="draft-offer")
        yield Static(Text(NAMES_HIDDEN, style="bold"), id="names-hidden")
        with VerticalScroll(id="form"):
            for name in FIELD_ORDER:
                with Horizontal(classes="field-row", id=f"row-{name}"):
                    yield Label(self._label(name), classes="field-label")
                    yield self._field_widget(name)
                    yield Static(classes="field-state", id=f"state-{name}")
        yield Static(id="capture-error")
        hint = HintLine(id="capture-hint", wraps=True)
        hint.guide(GUIDE_PHRASES, style="dim italic")
        yield hint
        # No palette key here: the form's own keys fill the 80-column footer (ctrl+p
        # still opens it).
        yield KeyFooter(show_command_palette=False)

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
            return FormChoice([(o, o) for o in ONGOING], prompt="not asked", id=field_id)
        if name == "source":
            return FormChoice([(SOURCE_LABELS[s], s) for s in SOURCES], prompt="not said",
                              id=field_id)
        if name == "urgency":
            return FormChoice([(u, u) for u in URGENCIES], prompt="automatic", id=field_id)
        if name == "wishes":
            return FormChoice([(WISH_CHOICES[w], w) for w in WISHES], prompt="not asked",
                              id=field_id)
        return FormChoice([(s, s) for s in SUPPORT_STATES], prompt="not asked", id=field_id)

    def on_mount(self) -> None:
        """Fill the form (a draft or the report being edited) and focus what happened;
        a new report looks for drafts set aside earlier, to offer them."""
        self._load_form(self.initial_form)
        self._show_offer()
        self.query_one("#f-what", Input).focus()
        if not self.editing:
            self._read_kept(set_aside_typed=self._starts_empty)

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
        self._mask_names()

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
                state.update(Text.assemble((f"({mark})", "bold italic"),
                                           (f" · {MARK_KEYS[mark]} undoes", "italic")))
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
                widget.placeholder = MARKED_PLACEHOLDER if mark else PLACEHOLDERS[name]

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

    def on_form_choice_answered(self, event: FormChoice.Answered) -> None:
        """An answer's letter removes a mark, even when it chose the answer already there."""
        name = (event.choice.id or "").removeprefix("f-")
        if name in self.marks and not self._loading:
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
        """Mark the focused answer unknown / declined; the same key again takes the mark
        off. What was typed or chosen stays in the field (not saved while marked), so
        taking the mark off brings the answer back."""
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
        self.query_one("#capture-hint", HintLine).say(f"draft not kept: {message.reason}",
                                                      style="bold")

    # ------------------------------------------------------------ drafts kept for later

    def _read_kept(self, *, set_aside_typed: bool = False) -> None:
        """Read the drafts set aside earlier (in the gateway's worker) to offer them.
        ``set_aside_typed``: a new, empty form is starting, so a form left in the draft
        file (never answered "Not now" to) is set aside first: the new form's own draft
        never replaces it."""
        gateway = host(self).gateway
        if self.editing or not gateway.ready:
            return
        gateway.run(self, partial(_read_kept, set_aside_typed), DraftNotKept,
                    background=True)

    def on_kept_drafts_read(self, message: KeptDraftsRead) -> None:
        """Offer the newest kept draft above the form."""
        message.stop()
        self.kept = message.kept
        self._show_offer()

    def _show_offer(self) -> None:
        offer = self.query_one("#draft-offer", HintLine)
        if not self.kept or self.editing or self._form_closed:
            offer.update("")
            offer.display = False
            return
        question = draft_offer(self.kept[0], private=host(self).privacy)
        more = len(self.kept) - 1
        keys = "ctrl+r resumes it" + (f" ({more} more kept)" if more else "")
        offer.guide([question, keys], separator="  ")
        offer.display = True

    def action_resume_kept(self) -> None:
        """ctrl+r: bring the offered draft into the form (what was typed is kept aside)."""
        gateway = host(self).gateway
        if not self.kept or self.editing or self._saving or not gateway.ready:
            return
        if self._draft_timer is not None:
            self._draft_timer.stop()
        typed = self.form()
        gateway.run(self, partial(_resume_kept, self.kept[0]["id"], typed), DraftNotKept)

    def on_kept_draft_resumed(self, message: KeptDraftResumed) -> None:
        """Fill the form with the chosen draft and keep it as the draft being typed."""
        message.stop()
        self.kept = message.kept
        if message.form is not None and not self._form_closed:
            self._load_form(message.form)
            self.query_one("#capture-error", Static).update("")
            self.query_one("#f-what", Input).focus()
            self._keep_draft()  # the draft file holds what the form now shows
        self._show_offer()

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
        self.kept = []  # the offer's first words go too; read again after the lock
        self._show_offer()
        return state

    def restore_form_after_lock(self, state: dict[str, Any]) -> None:
        """The passphrase was given again: put the form back exactly as it was."""
        self.original = draft.normalise_form(state.get("original") or {})
        self._load_form(draft.normalise_form(state.get("form") or {}))
        if not self._form_closed:
            host(self).when_unlocked(self._read_kept)  # the store opens to work at the end

    def on_privacy_toggled(self, message: PrivacyToggled) -> None:
        """The offer's first words hide (or show again) the names the draft holds; so
        do the form's answers."""
        self._show_offer()
        self._mask_names()

    def _mask_names(self) -> None:
        """In privacy mode, draw the answers that name someone as bullets (see above)."""
        private = host(self).privacy and not self._names_shown
        form = self.form()
        mask = (NameMask.for_incident(self.incident) if self.incident is not None
                else draft_mask(form))
        hidden = False
        for name in draft.FORM_TEXT_FIELDS:
            value = form[name]
            masked = private and bool(value.strip()) and (
                name in PRIVATE_FIELDS or mask(value) != value)
            self.query_one(f"#f-{name}", Input).password = masked
            hidden = hidden or masked
        self.query_one("#names-hidden").display = hidden

    def action_reveal_names(self) -> None:
        """f2: show the answers on this form (privacy mode stays on elsewhere)."""
        self._names_shown = not self._names_shown
        self._mask_names()

    def _stop_draft(self) -> None:
        self._form_closed = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._show_offer()

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
        self._saved_form = form
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
        """Back to the board, with the new report selected; a report taken at the desk
        first asks whether the reporter was told it is received."""
        self._stop_draft()
        form = draft.normalise_form(self._saved_form or {})
        source = "" if "source" in form["marks"] else form["source"]
        if source in DESK_SOURCES:
            host(self).when_unlocked(partial(self._ask_told, message.captured))
        else:
            host(self).capture_saved(message.captured)

    def _ask_told(self, captured: incidents.Captured) -> None:
        host(self).refresh_now()  # stored: the other laptops get it while the desk answers
        self.query_one("#capture-error", Static).update(
            Text(f"saved {captured.id}", style="dim"))
        self.app.push_screen(YesNoModal(
            "Did you tell the reporter it is received?",
            yes="Yes: record it as acknowledged in person",
            no="Not yet: it stays unacknowledged and escalates",
            note=f"Saved as {captured.id}."), partial(self._told, captured))

    def _told(self, captured: incidents.Captured, answer: bool | None) -> None:
        """``y`` records the acknowledgement (in person); anything else leaves it."""
        if not answer:
            host(self).capture_saved(captured)
            return
        self._desk_capture = captured
        host(self).gateway.act(self, captured.id, "acknowledged in person",
                               incidents.acknowledge, "in-person")

    def on_incident_save_failed(self, message: IncidentSaveFailed) -> None:
        """Keep everything on screen and say why: ctrl+s tries again."""
        self._saving = False
        self._say_not_saved(message.reason)

    def _say_not_saved(self, reason: str) -> None:
        self.query_one("#capture-error", Static).update(Text(
            f"Not saved: {visible(reason, one_line=True)}. Everything typed is still here: "
            "ctrl+s tries again.", style="bold"))

    def on_incident_updated(self, message: IncidentUpdated) -> None:
        """Back to the incident view (once unlocked, if the app locked meanwhile); after
        a desk capture's acknowledgement, back to the board."""
        if self._desk_capture is not None:
            captured, self._desk_capture = self._desk_capture, None
            host(self).capture_saved(replace(
                captured, notices=[*captured.notices, "acknowledged in person"]))
            return
        self._stop_draft()
        host(self).when_unlocked(partial(self._edited, message.description))

    def _edited(self, description: str) -> None:
        host(self).action_done(description)
        self.dismiss()

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """Keep the edit on screen and say why; a desk capture's acknowledgement that
        failed is said on the board (the report itself is stored)."""
        if self._desk_capture is not None:
            captured, self._desk_capture = self._desk_capture, None
            reason = visible(message.reason, one_line=True)
            host(self).capture_saved(replace(
                captured, notices=[*captured.notices, f"not acknowledged: {reason}"]))
            return
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
    """In the gateway's worker: store the new report, then drop its draft (drafts kept
    for later stay)."""
    captured = incidents.capture(store, **draft.capture_arguments(form))
    with contextlib.suppress(OSError, CaretermError):
        draft.clear_draft(store)  # the report is saved; a stale draft is offered again at worst
    return IncidentSaved(captured)


def _read_kept(set_aside_typed: bool, store: Store) -> KeptDraftsRead:
    """In the gateway's worker: the drafts kept for later (after setting aside a form
    left in the draft file, when a new empty form starts)."""
    if set_aside_typed:
        draft.keep_for_later(store)
    record = draft.load_draft(store)
    return KeptDraftsRead(record["kept"] if record else [])


def _resume_kept(draft_id: str, typed: dict[str, Any], store: Store) -> KeptDraftResumed:
    """In the gateway's worker: the kept draft ``draft_id`` becomes the form being typed
    (``typed`` is kept aside in its place unless it is empty)."""
    form = draft.resume_kept(store, draft_id, typed)
    record = draft.load_draft(store)
    return KeptDraftResumed(form, record["kept"] if record else [])


def _save_edit(incident_id: str, form: dict[str, Any], original: dict[str, Any],
               store: Store) -> IncidentUpdated:
    """In the gateway's worker: store what the edit changed (compared with ``original``)."""
    changed = incidents.update(store, incident_id, **draft.update_arguments(form, original))
    labels = ", ".join(FIELD_LABELS.get(n, n) for n in changed) or "nothing changed"
    return IncidentUpdated(incident_id, f"edited: {labels}", changed)
