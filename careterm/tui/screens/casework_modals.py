"""Small forms for the casework record: review, resolution, conflict, conversation,
acting alone, support, informing the reporter and the public statement.

Each form calls one :mod:`careterm.actions.casework` function through the app's
store gateway (:mod:`careterm.tui.gateway`), in a thread worker.
When the core refuses the input, the form stays open with the reason on it
and everything typed kept; when it is stored, the form closes with a line
describing what was recorded (the incident view shows it on its hint line).

In privacy mode a form puts no name of the report's people on screen: answers
already recorded that name someone (the report's
:class:`~careterm.views.privacy.NameMask` would change them) are drawn as bullets,
password-style, and so is what is typed into them; the note above the fields is
masked; a line says so, and ``f2`` shows them on this form. Team members' names
(who was present, who decided) are not hidden, as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static

from careterm.actions import casework as casework_actions
from careterm.core import casework, vocabulary
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.core.vocabulary import SUPPORT_KINDS, SUPPORT_LABELS
from careterm.store.store import Store
from careterm.team.members import known_members
from careterm.tui.messages import CaseworkNeedsConfirm, CaseworkRefused, CaseworkSaved
from careterm.tui.protocol import host
from careterm.tui.screens.yes_no_modal import YesNoModal
from careterm.tui.widgets.form_input import FormInput
from careterm.tui.widgets.hint_line import HintLine
from careterm.views.privacy import NameMask

FORM_HINT = "tab / enter next field · ctrl+s saves · esc cancels"


NAMES_HIDDEN = "names hidden (privacy mode) · f2 shows them on this form"


def _names(text: str) -> list[str]:
    """Names typed separated by commas."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _or_none(text: str) -> str | None:
    return text if text.strip() else None


class CaseworkForm(ModalScreen[str | None]):
    """A casework form for one report. Subclasses list their fields and say what to store.

    Dismisses with a description of what was stored, or ``None`` on escape. A step the
    command line would need ``--force`` for (out of order, against the reporter's
    wishes) is asked about first; confirmed, it is stored marked as forced.
    """

    _confirmed: dict[str, bool] = {}  # noqa: RUF012 (replaced, never changed in place)
    """Keyword arguments the member confirmed (``force_order``, ``force_wishes``)."""

    DEFAULT_CSS = """
    CaseworkForm .field-label { width: 16; }
    CaseworkForm #form-note { color: $text-muted; margin-bottom: 1; }
    CaseworkForm #form-error { height: auto; color: $warning; text-style: bold; }
    CaseworkForm #names-hidden { height: auto; color: $warning; text-style: bold; }
    CaseworkForm SelectionList { height: auto; max-height: 9; border: none; padding: 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel"),
                Binding("ctrl+s", "save", "save", priority=True),
                Binding("f2", "reveal_names", "show names", show=False)]
    FORM_TITLE = "Casework"
    MEMBER_FIELDS: tuple[str, ...] = ()
    """Fields that name team members: a name no known member has is a warning when saved
    (:func:`careterm.core.casework.unknown_members`), never a refusal."""

    def __init__(self, incident: Incident, *, member: str = "", private: bool = False) -> None:
        super().__init__()
        self.incident = incident
        self.member = member
        self.private = private
        self.saving = False
        self.names_shown = False
        """f2 was pressed: this form's answers are not masked."""

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        """Title, optional note, the fields, the refusal line and a hint."""
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Text.assemble((f"{self.FORM_TITLE} · ", "bold"),
                                       (self.incident.id, "bold")), id="dialog-title")
            note = self.note()
            if note:
                if self.private:
                    note = NameMask.for_incident(self.incident)(note)
                yield Static(Text(note), id="form-note")
            yield Static(Text(NAMES_HIDDEN), id="names-hidden")
            yield from self.fields()
            yield Static(id="form-error")
            yield HintLine(Text(FORM_HINT, style="dim"), id="dialog-hint")

    def note(self) -> str:
        """A line of context above the fields (already visible text), or ``""``."""
        return ""

    def fields(self) -> Iterator[Widget]:
        """The form's rows."""
        raise NotImplementedError

    @staticmethod
    def row(label: str, widget: Widget) -> Horizontal:
        """One labelled field."""
        return Horizontal(Label(label, classes="field-label"), widget, classes="field-row")

    @staticmethod
    def text_input(field_id: str, value: str | None = None, placeholder: str = "") -> FormInput:
        """A one-line text field."""
        return FormInput(value or "", placeholder=placeholder, id=field_id)

    def value(self, field_id: str) -> str:
        """The text of an input."""
        return self.query_one(f"#{field_id}", Input).value

    def choice(self, field_id: str) -> str | None:
        """The value of a Select (``None`` when nothing is chosen)."""
        value = self.query_one(f"#{field_id}", Select).value
        return value if isinstance(value, str) else None

    def on_mount(self) -> None:
        """Start in the first field (names masked in privacy mode)."""
        self.mask_names()
        first = next(iter(self.query("Input, Select, SelectionList")), None)
        if first is not None:
            first.focus()

    def mask_names(self) -> None:
        """In privacy mode, draw the answers that name one of the report's people as
        bullets; say so above the fields."""
        mask = NameMask.for_incident(self.incident)
        hidden = False
        for field in self.query(Input):
            masked = (self.private and not self.names_shown and bool(field.value.strip())
                      and mask(field.value) != field.value)
            field.password = masked
            hidden = hidden or masked
        self.query_one("#names-hidden").display = hidden

    def action_reveal_names(self) -> None:
        """f2: show the answers on this form (privacy mode stays on elsewhere)."""
        self.names_shown = not self.names_shown
        self.mask_names()

    # ------------------------------------------------------------ saving

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """The casework function to call and its arguments (after the store and id)."""
        raise NotImplementedError

    def describe(self, result: Any) -> str:
        """What was stored, in a few words, for the incident view's hint line."""
        return "recorded"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on; in the last field it saves."""
        event.stop()
        inputs = list(self.query(Input))
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        """Store what the form holds (in a thread); the form stays until it is stored."""
        if self.saving:
            return
        self.saving = True
        self.query_one("#form-error", Static).update("")
        action, args, kwargs = self.store()
        kwargs = {**kwargs, **self._confirmed}
        incident_id = self.incident.id
        typed = [name for field_id in self.MEMBER_FIELDS for name in _names(self.value(field_id))]

        def record(store: Store) -> CaseworkSaved | CaseworkNeedsConfirm:
            try:
                result = action(store, incident_id, *args, **kwargs)
            except casework_actions.NeedsForce as asked:  # the CLI's --force: ask first
                return CaseworkNeedsConfirm(str(asked), asked.flags)
            unknown = casework.unknown_members(typed, known_members(store)) if typed else []
            return CaseworkSaved(incident_id, result, list(dict.fromkeys(unknown)))

        host(self).gateway.run(self, record, CaseworkRefused)

    def on_casework_needs_confirm(self, message: CaseworkNeedsConfirm) -> None:
        """Ask whether to record it anyway (the record then says it was forced); no
        keeps the form as it is, with why."""
        def chosen(yes: bool | None) -> None:
            self.saving = False
            if yes:
                self._confirmed = {**self._confirmed, **dict.fromkeys(message.flags, True)}
                self.action_save()
            else:
                self.query_one("#form-error", Static).update(
                    Text(f"Not saved: {visible(message.reason, one_line=True)}"))

        reason = message.reason.replace(" (confirm with --force)", "")
        self.app.push_screen(YesNoModal(
            f"{visible(reason, one_line=True)}. Record it anyway?",
            yes="Record it anyway (the record says so)", no="Not now",
            note="The record keeps that this was confirmed, and why it was asked."), chosen)

    def on_casework_refused(self, message: CaseworkRefused) -> None:
        """Say why on the form; everything typed stays."""
        self.saving = False
        self.query_one("#form-error", Static).update(
            Text(f"Not saved: {visible(message.reason, one_line=True)}"))

    def on_casework_saved(self, message: CaseworkSaved) -> None:
        """Close, saying what was recorded (once unlocked, if the app locked meanwhile)."""
        description = self.describe(message.result)
        if message.unknown:
            names = ", ".join(visible(name, one_line=True) for name in message.unknown)
            description += f" · ⚠ not a known member of the team: {names}"
        host(self).when_unlocked(lambda: self.dismiss(description))

    def action_cancel(self) -> None:
        """Escape: nothing is stored."""
        self.dismiss(None)


class ReviewForm(CaseworkForm):
    """The review record from the team's review meeting."""

    FORM_TITLE = "Review"

    def fields(self) -> Iterator[Widget]:
        """Finding, violation, who acted badly, reasoning (filled with what is recorded)."""
        review = casework.review(self.incident)
        yield self.row("what happened", self.text_input(
            "f-finding", review["finding"], "the team's finding"))
        yield self.row("CoC violation?", Select(
            [(vocabulary.VIOLATION_LABELS[v] if v != "yes" else "yes, a violation", v)
             for v in vocabulary.VIOLATIONS],
            prompt="not decided", value=review["violation"] or Select.NULL, id="f-violation"))
        if self.private and review["actors"]:
            # Privacy mode: the names are not put on screen; empty keeps them as they are.
            yield self.row("who acted badly", self.text_input(
                "f-actors", "", "hidden in privacy mode · empty keeps them"))
        else:
            yield self.row("who acted badly", self.text_input(
                "f-actors", ", ".join(review["actors"]), "names, separated by commas"))
        yield self.row("reasoning", self.text_input(
            "f-reason", review["reason"], "why the team decided so"))
        meeting = casework.review_meeting(self.incident)
        yield self.row("members", self.text_input(
            "f-members", ", ".join(meeting["members"]) or self.member,
            "two or more, separated by commas"))
        yield self.row("meeting at", self.text_input(
            "f-at", meeting["at_text"] or "", "e.g. yesterday 20:00"))

    MEMBER_FIELDS = ("f-members",)

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_review` with every answer."""
        actors_text = self.value("f-actors")
        keep_actors = self.private and not actors_text.strip()
        meeting = casework.review_meeting(self.incident)
        at = self.value("f-at").strip()
        return casework_actions.record_review, (), {
            "finding": self.value("f-finding"),
            "violation": self.choice("f-violation") or "",
            "actors": None if keep_actors else _names(actors_text),
            "reason": self.value("f-reason"),
            "members": _names(self.value("f-members")),
            "at": at if at and at != (meeting["at_text"] or "") else None,
        }

    def describe(self, result: Any) -> str:
        """Which answers changed."""
        return f"review: {', '.join(result)} recorded" if result else "review: nothing changed"


class ResolutionForm(CaseworkForm):
    """The team's resolution: one or more of the guide's, or other with a description."""

    FORM_TITLE = "Resolution"

    def note(self) -> str:
        """How the list works."""
        return "space ticks one · more than one may apply · the report moves to decided"

    def fields(self) -> Iterator[Widget]:
        """The resolutions as a checkbox list, then the description for other."""
        current = casework.resolutions(self.incident)
        yield SelectionList[str](
            *[(vocabulary.RESOLUTION_LABELS[name], name, name in current)
              for name in vocabulary.RESOLUTIONS], id="f-resolutions")
        yield self.row("other", self.text_input(
            "f-other", self.incident.extra.get("resolution_other"),
            "describe it (needed for other)"))
        yield self.row("decided by", self.text_input(
            "f-members", ", ".join(casework.resolution_members(self.incident)) or self.member,
            "two or more, separated by commas"))

    MEMBER_FIELDS = ("f-members",)

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_resolution`."""
        chosen = list(self.query_one("#f-resolutions", SelectionList).selected)
        other = _or_none(self.value("f-other"))
        return casework_actions.record_resolution, (chosen,), {
            "other": other, "members": _names(self.value("f-members"))}

    def describe(self, result: Any) -> str:
        """The resolutions recorded."""
        return "resolution recorded: " + ", ".join(result)


class ConflictForm(CaseworkForm):
    """A conflict of interest declared by a member."""

    FORM_TITLE = "Conflict of interest"

    def fields(self) -> Iterator[Widget]:
        """Who has the conflict, why, and the team's decision with who took it."""
        yield self.row("member", self.text_input("f-member", self.member, "the CARE member"))
        yield self.row("reason", self.text_input(
            "f-reason", None, "e.g. works with the reported person"))
        yield self.row("team decision", Select(
            [(vocabulary.CONFLICT_DECISION_LABELS[d], d) for d in vocabulary.CONFLICT_DECISIONS],
            prompt="not decided yet", id="f-decision"))
        yield self.row("decided by", self.text_input(
            "f-decided-by", None, "members, separated by commas"))

    MEMBER_FIELDS = ("f-member", "f-decided-by")

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.declare_conflict`."""
        return casework_actions.declare_conflict, (self.value("f-member"),
                                                   self.value("f-reason")), {
            "decision": self.choice("f-decision"),
            "decided_by": _names(self.value("f-decided-by")) or None}

    def describe(self, result: Any) -> str:
        """Whose conflict (and the decision)."""
        said = f"conflict of interest declared for {self.value('f-member').strip()}"
        decision = self.choice("f-decision")
        if decision:
            said += f" · team decision: {vocabulary.CONFLICT_DECISION_LABELS[decision]}"
        return said


class ConversationForm(CaseworkForm):
    """A conversation held as part of the case."""

    FORM_TITLE = "Conversation"

    def note(self) -> str:
        """The guide's two-member rule."""
        return "The guide asks for two CARE members when talking with the reported person."

    def fields(self) -> Iterator[Widget]:
        """With whom, their role, members present, when, notes."""
        yield self.row("with", self.text_input(
            "f-with", None, "a name, or e.g. the reporter, a witness"))
        yield self.row("they are", Select(
            [(vocabulary.CONVERSATION_KIND_LABELS[k], k) for k in vocabulary.CONVERSATION_KINDS],
            prompt="tell from the words", id="f-kind"))
        yield self.row("CARE present", self.text_input(
            "f-members", self.member, "names, separated by commas"))
        yield self.row("when", self.text_input("f-when", None, "e.g. 10 min ago · empty: now"))
        yield self.row("notes", self.text_input("f-notes", None, "what was said"))

    MEMBER_FIELDS = ("f-members",)

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_conversation`."""
        return casework_actions.record_conversation, (self.value("f-with"),
                                                      self.value("f-members")), {
            "notes": _or_none(self.value("f-notes")), "kind": self.choice("f-kind"),
            "at": _or_none(self.value("f-when")),
        }

    def describe(self, result: Any) -> str:
        """Recorded, and the first warning it raised."""
        if result:
            return f"conversation recorded · ⚠ {result[0]}"
        return "conversation recorded"


class UnilateralForm(CaseworkForm):
    """An action one member took alone in an urgent case."""

    FORM_TITLE = "Acted alone"

    def fields(self) -> Iterator[Widget]:
        """What was done, and whom they consulted."""
        yield self.row("what was done", self.text_input(
            "f-action", None, "e.g. asked the person to leave the social"))
        yield self.row("consulted", self.text_input(
            "f-consulted", None, "who was consulted · empty: nobody could be reached"))

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_unilateral`."""
        return casework_actions.record_unilateral, (self.value("f-action"),), {
            "consulted": _or_none(self.value("f-consulted"))}

    def describe(self, result: Any) -> str:
        """Recorded."""
        return "action taken alone recorded"


class SupportForm(CaseworkForm):
    """Support for the reporter: requested, arranged or declined."""

    FORM_TITLE = "Support for the reporter"

    def note(self) -> str:
        """Support is offered, never required."""
        return "Offer it; never a required step."

    def fields(self) -> Iterator[Widget]:
        """Which support, its state, who, when, notes."""
        yield self.row("support", Select(
            [(SUPPORT_LABELS[k], k) for k in SUPPORT_KINDS], prompt="choose", id="f-kind"))
        yield self.row("state", Select(
            [(s, s) for s in vocabulary.SUPPORT_STATES], prompt="choose", id="f-state"))
        yield self.row("who", self.text_input("f-who", None, "who arranged it · empty: you"))
        yield self.row("when", self.text_input("f-when", None, "e.g. 14:00 · empty: now"))
        yield self.row("notes", self.text_input("f-notes", None, ""))

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_support`."""
        return casework_actions.record_support, (self.choice("f-kind"), self.choice("f-state")), {
            "who": _or_none(self.value("f-who")), "at": _or_none(self.value("f-when")),
            "notes": _or_none(self.value("f-notes"))}

    def describe(self, result: Any) -> str:
        """Which support, which state."""
        kind = self.choice("f-kind") or ""
        return f"support: {SUPPORT_LABELS.get(kind, kind)} {self.choice('f-state') or ''}"


class InformedForm(CaseworkForm):
    """The reporter was told the resolution."""

    FORM_TITLE = "Reporter informed"

    def note(self) -> str:
        """The resolution they were told about."""
        chosen = casework.resolution_list(self.incident)
        if not chosen:
            return "No resolution is recorded yet (v records it)."
        return "Resolution: " + "; ".join(
            item["label"] + (f": {visible(item['text'])}" if item.get("text") else "")
            for item in chosen)

    def fields(self) -> Iterator[Widget]:
        """How, and what they were told."""
        yield self.row("how", self.text_input(
            "f-how", None, "e.g. in person at the info desk; or: could not be reached"))
        yield self.row("told", self.text_input("f-told", None, "what they were told"))
        yield self.row("consulted", self.text_input(
            "f-consulted", None, "members asked first"))

    MEMBER_FIELDS = ("f-consulted",)

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_informed`."""
        return casework_actions.record_informed, (self.value("f-how"),), {
            "told": _or_none(self.value("f-told")),
            "consulted": _names(self.value("f-consulted")) or None}

    def describe(self, result: Any) -> str:
        """Recorded."""
        return "reporter informed, recorded"


class StatementForm(CaseworkForm):
    """The team's decision on a public statement."""

    FORM_TITLE = "Public statement"

    def note(self) -> str:
        """A team decision."""
        return "A decision of the team: name the members who took it."

    def fields(self) -> Iterator[Widget]:
        """Level, text, members (filled with what is recorded)."""
        current = casework.statement(self.incident) or {}
        yield self.row("statement", Select(
            [(level, level) for level in vocabulary.STATEMENT_LEVELS], prompt="choose",
            value=current.get("level") or Select.NULL, id="f-level"))
        yield self.row("text", self.text_input("f-text", current.get("text"),
                                               "the statement (none: leave empty)"))
        yield self.row("decided by", self.text_input(
            "f-members", ", ".join(current.get("members") or []) or self.member,
            "members, separated by commas"))

    MEMBER_FIELDS = ("f-members",)

    def store(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """:func:`careterm.actions.casework.record_statement`."""
        return casework_actions.record_statement, (self.choice("f-level"),), {
            "text": _or_none(self.value("f-text")), "members": _names(self.value("f-members"))}

    def describe(self, result: Any) -> str:
        """The decision."""
        return f"public statement: {self.choice('f-level')}"
