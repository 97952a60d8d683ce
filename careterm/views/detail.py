"""One report in full: which answers are shown, under which labels, and what is missing.

Both faces show a report's answers the same way: :func:`field_rows` picks the
fields (what happened, then every optional capture answer), their labels, the
recorded value or the reporter's mark in its place, why an answer counts as
missing, and for "when" the time it was understood as. ``careterm show`` prints
them as plain text with :func:`detail_lines`; the incident screen renders the
same rows with its own styles, wrapping and privacy mode
(:mod:`careterm.tui.widgets.incident_detail`).

Values in a :class:`FieldRow` are the recorded text, not yet made visible: a
face redacts or cuts it first, then shows it through
:func:`careterm.core.textsafe.visible`. :func:`detail_lines` returns lines
already made visible.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from careterm.core import casework, vocabulary
from careterm.core.evidence import evidence_items, size_words
from careterm.core.model import Incident
from careterm.core.related import linked_ids, related
from careterm.core.settings import TeamSettings, format_duration
from careterm.core.stages import stage_of
from careterm.core.textsafe import visible
from careterm.core.timeline import describe_value, timeline_entries
from careterm.core.triage import format_age, waiting_for
from careterm.core.vocabulary import (
    FIELD_LABELS,
    OPTIONAL_FIELDS,
    SOURCE_LABELS,
    SUPPORT_LABELS,
    WISHES_LABELS,
)
from careterm.core.whentext import describe_when, describe_when_relative

SHOWN_FIELDS = ("what", *OPTIONAL_FIELDS)
"""The capture answers a report's detail shows, in order."""


@dataclass(frozen=True)
class FieldRow:
    """One capture answer of a report, as both faces show it."""

    name: str
    """The incident's attribute (``when_text``)."""
    option: str
    """The name as on the command line (``when``)."""
    label: str
    """What people read (``came in``)."""
    value: str
    """The recorded answer (a source as its label); ``""`` when there is none."""
    mark: str | None
    """The reporter's mark in place of an answer (``unknown``, ``declined``…)."""
    missing: str | None
    """Why the answer counts as missing (``empty``, ``unknown``, ``declined``), else None."""
    understood: str | None = None
    """``when`` only: the time it was understood as (``14:20 today``); None when the
    text was not understood as a time."""
    reading: str | None = None
    """``when`` only: that time with how long ago it was, the quicker reading first
    (``about 10 minutes ago (14:20 today)``, after an hour ``11:30 today (about 3 hours
    ago)``; :func:`careterm.core.whentext.describe_when_relative`). Faces lead with it,
    then the words as typed: those were relative to the capture, not to now."""


RECUSED_TEXT = ("You are recused from this report: the team decided you do not take part, "
                "so this laptop shows nothing of it (no names, contacts, notes or casework). "
                "If you must see it, 'careterm show {id} --reveal' shows it in full and "
                "records in its timeline that you revealed it.")
"""What both faces show in place of a report this laptop's member is recused from."""


def recused_text(incident: Incident) -> str:
    """:data:`RECUSED_TEXT` for ``incident`` (a stub: only its id is named)."""
    return RECUSED_TEXT.format(id=incident.id)


def field_rows(incident: Incident, now: datetime,
               others: Mapping[str, Incident] | Related | None = None) -> list[FieldRow]:
    """Every answer in :data:`SHOWN_FIELDS` order.

    Intake details add rows only when recorded: the reporter's wishes first (the
    top of both views), who relayed the report after "came in". With ``others``
    (every report this laptop's member may see, recused ones as stubs) a last
    ``related`` row says "also named in N other reports: ids" and the linked ids
    (:mod:`careterm.core.related`); nothing of a recused report is ever named.
    """
    if incident.recused:  # a stub: one row saying so, and nothing of the report
        return [FieldRow(name="recused", option="recused", label="recused",
                         value=recused_text(incident), mark=None, missing=None)]
    missing = incident.missing()
    rows = []
    wanted = casework.wishes(incident)
    if wanted:
        rows.append(FieldRow(name="wishes", option="wishes", label=FIELD_LABELS["wishes"],
                             value=WISHES_LABELS.get(wanted, wanted), mark=None,
                             missing=None))
    for name in SHOWN_FIELDS:
        value = getattr(incident, name)
        if value in (None, ""):
            text = ""
        else:
            if name == "source":
                value = SOURCE_LABELS.get(value, value)
            text = str(value)
        understood = reading = None
        if name == "when_text" and incident.when:
            understood = describe_when(incident.when, now)
            reading = describe_when_relative(incident.when, now)
        rows.append(FieldRow(
            name=name, option="when" if name == "when_text" else name, label=FIELD_LABELS[name],
            value=text, mark=str(incident.marks[name]) if name in incident.marks else None,
            missing=missing.get(name), understood=understood, reading=reading))
        if name == "source" and casework.relayed_by(incident):
            rows.append(FieldRow(name="relayed_by", option="relayed-by",
                                 label=FIELD_LABELS["relayed_by"],
                                 value=casework.relayed_by(incident) or "", mark=None,
                                 missing=None))
    if others is not None:
        text = (others if isinstance(others, Related) else Related(others)).text(incident)
        if text:
            rows.append(FieldRow(name="related", option="related", label="related reports",
                                 value=text, mark=None, missing=None))
    return rows


class Related:
    """The "related reports" text of reports among ``others`` (one snapshot of the
    reports), each worked out once per version of the report: the app's incident view
    draws again every second, and at 10,000 reports finding the reports that name the
    same people takes ~17 ms."""

    def __init__(self, others: Mapping[str, Incident]) -> None:
        self.others = others
        self._texts: dict[str, tuple[int, str]] = {}

    def text(self, incident: Incident) -> str:
        """:func:`related_text` of ``incident`` among :attr:`others`."""
        cached = self._texts.get(incident.id)
        if cached is None or cached[0] != incident.version:
            cached = (incident.version, related_text(incident, self.others))
            self._texts[incident.id] = cached
        return cached[1]


def related_text(incident: Incident, others: Mapping[str, Incident]) -> str:
    """``also named in 2 other reports: AB0001, AB0007 · linked: AB0003`` (ids only),
    or ``""`` when there is nothing related."""
    if incident.recused:
        return ""
    named = related(incident, others)
    linked = linked_ids(incident, others)
    parts = []
    if named:
        count = f"{len(named)} other report{'' if len(named) == 1 else 's'}"
        parts.append(f"also named in {count}: {', '.join(named)}")
    if linked:
        parts.append(f"linked: {', '.join(linked)}")
    return " · ".join(parts)


def moment(at: datetime | None, now: datetime) -> str:
    """When something happened, as people say it (``10 min ago``)."""
    return describe_when(at, now) if at else "(time unknown)"


def _answer(row: FieldRow) -> str:
    if row.mark is not None:
        return visible(f"({row.mark})")
    if not row.value:
        return "(empty)"
    if row.reading:
        return f'{row.reading} · typed as "{visible(row.value, one_line=True)}"'
    if row.name == "when_text":
        return visible(row.value) + "  (time not understood; kept as typed)"
    return visible(row.value)


def _labelled(label: str, text: str, width: int = 18) -> list[str]:
    first, *rest = text.split("\n")
    return [f"{label + ':':<{width}}{first}"] + [" " * width + line for line in rest]


def stage_text(incident: Incident, now: datetime, settings: TeamSettings) -> str | None:
    """The stage the report waits in and when its target passes (``review · due 21:40
    today, in 3h10m (target 12h)``, ``… overdue by 40m``); ``None`` with no clock."""
    stage = stage_of(incident, settings)
    if stage is None:
        return None
    if stage.overdue(now):
        state = f"overdue by {format_age(now - stage.due_at)}"
    else:
        state = f"in {format_age(stage.due_at - now)}"
    return (f"{stage.label} · due {moment(stage.due_at, now)}, {state} "
            f"(target {format_duration(stage.target)})")


def detail_lines(incident: Incident, now: datetime, target: TeamSettings | timedelta,
                 others: Mapping[str, Incident] | None = None) -> list[str]:
    """``careterm show``: every field, what is missing, the timeline and the history.

    The first line is the id, the urgency and the status, each once; an
    acknowledgement still missing is added there, loud, while one given has its
    own ``acknowledged`` line (when and by whom) below: with the status
    ``acknowledged`` the head would otherwise say it twice. ``target``: the team's
    settings (a timedelta: the acknowledgement target, the others at their
    defaults); the ``stage`` line says which stage the report waits in and when its
    target passes (:func:`stage_text`).
    """
    settings = target if isinstance(target, TeamSettings) else TeamSettings(ack=target)
    parts = [incident.id, incident.urgency, incident.status]
    if not incident.acknowledged:
        parts.append(f"unacknowledged for {format_age(waiting_for(incident, now))} "
                     f"(target {format_age(settings.ack)})" if incident.is_open
                     else "never acknowledged")
    # Urgency and status may come from another laptop's newer careterm: show them safely too.
    head = " · ".join(parts)
    lines = [visible(head, one_line=True), ""]
    if incident.recused:
        return [*lines, *textwrap.wrap(recused_text(incident), 78)]
    rows = field_rows(incident, now, others)
    for row in rows:
        lines += _labelled(row.label, _answer(row))
    if incident.support:
        support = ", ".join(f"{SUPPORT_LABELS.get(kind, kind)}: {state}"
                            for kind, state in incident.support.items())
        lines += _labelled("support", visible(support))
    lines += _labelled("captured", f"{moment(incident.created_at, now)} by "
                       f"{visible(incident.created_by or '(unknown)', one_line=True)}")
    if incident.acknowledged:
        via = (f" ({visible(incident.acknowledged_via, one_line=True)})"
               if incident.acknowledged_via else "")
        lines += _labelled("acknowledged", f"{moment(incident.acknowledged_at, now)} by "
                           f"{visible(incident.acknowledged_by or '', one_line=True)}{via}")
        consulted = casework.acknowledgement_consulted(incident)
        if consulted:
            lines += _labelled("  consulted", visible(", ".join(consulted), one_line=True))
    stage = stage_text(incident, now, settings)
    if stage is not None:
        lines += _labelled("stage", stage)
    owner = casework.owner(incident)
    lines += _labelled("owner", visible(owner, one_line=True) if owner else "(nobody)")
    missing = [f"{row.option} ({row.missing})" for row in rows if row.missing]
    lines += _labelled("missing", ", ".join(missing) if missing else "nothing")
    lines += _casework_lines(incident)
    lines += evidence_lines(incident, now)
    lines += ["", "timeline"]
    for entry in timeline_entries(incident):
        text = entry["text"]
        if entry["kind"] == "note":
            text = "note: " + text
        head = f"  {moment(entry.get('at'), now)}  {visible(entry['by'], one_line=True)}  "
        body = visible(text).split("\n")
        lines.append(head + body[0])
        lines += ["      " + line for line in body[1:]]
    changed = {name: values for name, values in incident.history.items()
               if len(values) > 1 and name not in ("when", "created_at", "created_by")}
    if changed:
        lines += ["", "history of changed answers (oldest first, the last is current)"]
        for name, values in changed.items():
            lines.append(f"  {visible(FIELD_LABELS.get(name, name), one_line=True)}")
            for value in values:
                shown = visible(describe_value(name, value.value), one_line=True)
                lines.append(f"    {moment(value.at, now)}  "
                             f"{visible(value.by, one_line=True)}  {shown}")
    return lines


def evidence_lines(incident: Incident, now: datetime) -> list[str]:
    """The evidence part of ``careterm show`` and the incident view: one line per item
    (number, name, size, type, who, when) and its note; nothing when there is none."""
    lines: list[str] = []
    for item in evidence_items(incident):
        text = visible(f"{item.number}. {item.name} ({size_words(item.size)}, {item.type}) "
                       f"added {moment(item.at, now)} by {item.by}"
                       + (f": {item.note}" if item.note else ""), one_line=True)
        lines += _labelled("evidence", text) if item.number == 1 else [" " * 18 + text]
    return lines


def _casework_lines(incident: Incident) -> list[str]:
    """The casework part of ``careterm show``: only what has been recorded, warnings first."""
    lines: list[str] = []
    for warning in casework.incident_warnings(incident):
        lines += _labelled("WARNING", visible(warning, one_line=True))
    category = casework.category(incident)
    if category:
        lines += _labelled("category", vocabulary.CATEGORY_LABELS.get(category, category))
    review = casework.review(incident)
    if any(review.get(k) for k in vocabulary.REVIEW_FIELDS):
        violation = review.get("violation")
        parts = [vocabulary.VIOLATION_LABELS.get(violation, "violation not decided")
                 if violation else "violation not decided"]
        if review.get("actors"):
            parts.append("acted badly: " + ", ".join(review["actors"]))
        lines += _labelled("review", visible("; ".join(parts), one_line=True))
        for key in ("finding", "reason"):
            if review.get(key):
                lines += _labelled(f"  {key}", visible(str(review[key])))
    meeting = casework.review_meeting(incident)
    if meeting["members"] or meeting["at"] or meeting["at_text"]:
        when = meeting["at_text"] or meeting["at"]
        lines += _labelled("  review by", visible(
            (", ".join(meeting["members"]) or "(no members named)")
            + (f" · meeting: {when}" if when else ""), one_line=True))
    resolutions = casework.resolution_list(incident)
    if resolutions:
        lines += _labelled("resolution", visible("; ".join(
            r["label"] + (f": {r['text']}" if r.get("text") else "") for r in resolutions),
            one_line=True))
        deciding = casework.resolution_members(incident)
        lines += _labelled("  decided by", visible(", ".join(deciding), one_line=True)
                           if deciding else "(no members named)")
    for conversation in casework.conversations(incident):
        lines += _labelled("conversation", visible(
            f"with {conversation.get('with')} ({conversation.get('kind')}); members: "
            f"{', '.join(conversation.get('members') or [])}", one_line=True))
    for conflict in casework.conflicts_for(incident):
        decided = ""
        if conflict.get("decision"):
            label = vocabulary.CONFLICT_DECISION_LABELS.get(conflict["decision"],
                                                            conflict["decision"])
            decided = (f" · {label} (decided by "
                       f"{', '.join(conflict.get('decided_by') or []) or 'not named'})")
        lines += _labelled("conflict", visible(
            f"{conflict.get('member')}: {conflict.get('reason')}{decided}", one_line=True))
    if casework.needs_informing(incident):
        lines += _labelled("reporter", "NOT YET INFORMED of the resolution")
    for informed in casework.informed_records(incident):
        consulted = ", ".join(informed.get("consulted") or [])
        lines += _labelled("informed", visible(
            f"{informed.get('how')} by {informed.get('by')}"
            + (f" · consulted: {consulted}" if consulted else ""), one_line=True))
    statement = casework.statement(incident)
    if statement:
        lines += _labelled("statement", visible(str(statement.get("level")), one_line=True))
    return lines
