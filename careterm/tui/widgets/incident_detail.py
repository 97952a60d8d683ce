"""The incident view's body: warnings, every field, the casework record, notes and timeline.

Built as rich ``Text`` from plain values: whatever a report contains is shown
literally (markup, escape sequences and bidi controls made visible). Which
answers are shown, their labels, marks and what is missing come from
:func:`careterm.views.detail.field_rows`, the same rows ``careterm show`` prints;
this module adds the styles, the wrapping and privacy mode.

In privacy mode (someone stands beside the desk) the people fields are shown
as initials and the contact as bullets, and every name and contact the report
knows is masked wherever it appears in the view (what happened, where, the
review's "who acted badly", the conversations, the warnings, the notes and the
timeline, old values too) by the one mask of :mod:`careterm.views.privacy`,
the same one the board and the handover use. The rest of the record stays,
so the team can work.

Notes are shown newest first, so one that arrives (typed on another laptop,
brought by sync) lands at the head of the Notes section, not below the others.
A note someone else wrote that arrived after the view was opened is marked
"● new" (the symbol and the word, not colour alone), and a line near the top of
the view says how many arrived and from whom, so nobody has to scroll to notice.
What counts as arrived: notes not in the report when :class:`IncidentDetail`
first showed it (the view's own ``o`` notes, by the member at this laptop, are
not marked).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.widgets import Static

from careterm.core import casework, vocabulary
from careterm.core.evidence import evidence_items, size_words
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.core.textsafe import visible
from careterm.core.timeline import timeline_entries
from careterm.core.vocabulary import SUPPORT_KINDS
from careterm.core.whentext import describe_when
from careterm.tui.protocol import Host, host
from careterm.tui.widgets.board_table import ACK_STYLES, INFORM_STYLE, URGENCY_STYLES
from careterm.views.board import ack_cell, age_cell
from careterm.views.detail import FieldRow, Related, field_rows, recused_text
from careterm.views.privacy import PRIVATE_FIELDS, NameMask, private_value

LABEL_WIDTH = 16


WARNING_STYLE = "bold black on #ffb000"
"""Standing warnings: colour, and the ⚠ symbol and words."""


NEW_NOTE = "● new"
"""The mark of a note that arrived while the view was open."""


NEW_NOTE_STYLE = "bold reverse"


CASEWORK_KEYS = (("c", "category"), ("x", "conflict"), ("t", "conversation"),
                 ("l", "acted alone"), ("g", "support"), ("r", "review"),
                 ("v", "resolution"), ("i", "reporter informed"), ("m", "statement"))
"""The incident view's casework keys, in the order its sections are shown."""


SHOWN_CHARACTERS = 20_000
"""Longer texts (a pasted 1 MB statement) are cut on screen, which stays fast; the
record keeps everything and ``careterm export ID`` prints it whole."""


def _capped(text: str) -> str:
    if len(text) <= SHOWN_CHARACTERS:
        return text
    rest = len(text) - SHOWN_CHARACTERS
    return f"{text[:SHOWN_CHARACTERS]}… ({rest:,} more characters: 'careterm export' shows all)"


def _indented(text: str, width: int | None, indent: int = LABEL_WIDTH + 2) -> str:
    """Wrap ``text`` to ``width`` with continuation lines under the value column."""
    if not width or width < 20:
        return text
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width=width, break_long_words=True,
                                   replace_whitespace=False) or [""])
    return ("\n" + " " * indent).join(lines)


def _stamp(at: datetime | None, now: datetime) -> str:
    return describe_when(at, now) if at else "?"


def _iso_stamp(at: str | None, now: datetime) -> str:
    if not at:
        return "?"
    try:
        return describe_when(datetime.fromisoformat(at), now)
    except ValueError:
        return visible(at, one_line=True)


class _Writer:
    """Appends labelled, wrapped, redacted lines to one Text."""

    def __init__(self, out: Text, width: int | None, redact: NameMask) -> None:
        self.out = out
        self.width = width
        self.value_width = width - LABEL_WIDTH - 2 if width else None
        self.redact = redact

    def user(self, text: Any, one_line: bool = False) -> str:
        """User text, redacted and made visible."""
        return visible(self.redact(_capped(str(text))), one_line=one_line)

    def label(self, label: str) -> None:
        self.out.append(f"{label:>{LABEL_WIDTH}}  ", style="bold")

    def cont(self) -> None:
        """The label column of a continuation line."""
        self.out.append(" " * (LABEL_WIDTH + 2))

    def wrapped(self, text: str, style: str = "") -> None:
        """Already-visible text, wrapped under the value column, then a newline."""
        self.out.append(_indented(text, self.value_width), style=style)
        self.out.append("\n")

    def block(self, text: str, indent: int, style: str = "", bullet: str = "") -> None:
        """Already-visible text indented by ``indent`` on every line (after an optional
        ``bullet`` on the first), then a newline."""
        self.out.append(" " * indent + bullet, style=style)
        indent += len(bullet)
        wrapped = _indented(text, self.width - indent, indent) if self.width else text
        self.out.append(wrapped, style=style)
        self.out.append("\n")

    def empty(self, key: str, what: str) -> None:
        self.out.append("—", style="dim")
        self.out.append(f"  {key} {what}\n", style="dim italic")


def _value(row: FieldRow, width: int | None, private: bool, redact: NameMask) -> Text:
    if row.mark is not None:
        return Text(f"({row.mark})", style="italic")
    if not row.value:
        return Text("—", style="dim")
    if row.name == "when_text":
        # One wording with ``careterm show``: the time it was understood as, relative
        # first within the hour and absolute first after (FieldRow.reading), then the words
        # as typed (relative to the capture, not to now).
        typed = visible(redact(row.value), one_line=True)
        if not row.reading:
            return Text(_indented(f"{typed}  (time not understood; kept as typed)", width))
        return Text(_indented(f'{row.reading} · typed as "{typed}"', width))
    if private and row.name in (*PRIVATE_FIELDS, "relayed_by"):
        return Text(private_value(row.name, row.value, redact), style="italic")
    return Text(_indented(visible(redact(_capped(row.value))), width))


def _warnings(w: _Writer, incident: Incident, member: str | None) -> None:
    """Standing warnings first, loud: the record keeps them until the cause is gone."""
    own = casework.member_conflict_warning(incident, member) if member else None
    standing = casework.incident_warnings(incident)
    if own:
        w.out.append(" ⚠ YOUR CONFLICT OF INTEREST ", style=WARNING_STYLE)
        w.out.append("\n")
        w.block(w.user(own), 2, style="bold")
        w.out.append("\n")
    if standing:
        w.out.append(f" ⚠ WARNINGS ({len(standing)}) ", style=WARNING_STYLE)
        w.out.append("\n")
        for warning in standing:
            w.block(w.user(warning), 2, style="bold", bullet="⚠ ")
        w.out.append("\n")


def _casework(w: _Writer, incident: Incident, now: datetime) -> None:
    out = w.out
    out.append("Casework\n", style="bold underline")
    w.block(" · ".join(f"{key} {what}" for key, what in CASEWORK_KEYS), 2, style="dim")

    w.label("status")
    out.append(vocabulary.STATUS_LABELS.get(incident.status, incident.status) + "\n")

    w.label("category")
    category = casework.category(incident)
    if category:
        out.append(vocabulary.CATEGORY_LABELS[category] + "\n")
    else:
        w.empty("c", "sets it")

    w.label("conflicts")
    conflicts = casework.conflicts_for(incident)
    if not conflicts:
        w.empty("x", "declares one")
    for index, item in enumerate(conflicts):
        if index:
            w.cont()
        w.wrapped(f"{w.user(item['member'], True)}: {w.user(item['reason'])} "
                  f"(declared by {w.user(item['by'] or '?', True)}, "
                  f"{_iso_stamp(item['at'], now)})")

    w.label("conversations")
    talks = casework.conversations(incident)
    if not talks:
        w.empty("t", "records one")
    for index, talk in enumerate(talks):
        if index:
            w.cont()
        kind = vocabulary.CONVERSATION_KIND_LABELS.get(talk["kind"], "someone else")
        with_whom = w.user(talk["with"], True)
        when = _iso_stamp(talk["held_at"], now)
        if talk.get("held_text"):
            when += f" ({w.user(talk['held_text'], True)})"
        present = ", ".join(w.user(m, True) for m in talk["members"]) or "nobody recorded"
        w.wrapped(f"{when} with {with_whom} ({kind}) · present: {present}")
        if talk.get("notes"):
            w.cont()
            w.wrapped(w.user(talk["notes"]), style="italic")
        for warning in talk["warnings"]:
            w.cont()
            out.append("⚠ ", style="bold")
            w.wrapped(w.user(warning), style="bold")

    w.label("acted alone")
    alone = casework.unilateral_actions(incident)
    if not alone:
        w.empty("l", "records one")
    for index, item in enumerate(alone):
        if index:
            w.cont()
        w.wrapped(f"{w.user(item['by'] or '?', True)}, {_iso_stamp(item['at'], now)}: "
                  f"{w.user(item['action'])} · consulted: {w.user(item['consulted'])}")

    w.label("support")
    support = casework.support_status(incident)
    if not support:
        w.empty("g", "records it (never required)")
    for index, kind in enumerate(k for k in SUPPORT_KINDS if k in support):
        if index:
            w.cont()
        item = support[kind]
        who = f" by {w.user(item['who'], True)}" if item.get("who") else ""
        line = f"{item['label']}: {item['state']}{who}, {_iso_stamp(item['at'], now)}"
        if item.get("notes"):
            line += f" · {w.user(item['notes'])}"
        w.wrapped(line)

    review = casework.review(incident)
    w.label("review")
    if not any((review["finding"], review["violation"], review["actors"], review["reason"])):
        w.empty("r", "fills it in")
    else:
        lines = []
        if review["finding"]:
            lines.append(f"what happened: {w.user(review['finding'])}")
        if review["violation"]:
            lines.append(f"Code of Conduct violation: {w.user(review['violation'], True)}")
        if review["actors"]:
            actors = ", ".join(w.user(a, True) for a in review["actors"])
            lines.append(f"who acted badly: {actors}")
        if review["reason"]:
            lines.append(f"reasoning: {w.user(review['reason'])}")
        for index, line in enumerate(lines):
            if index:
                w.cont()
            w.wrapped(line)

    w.label("resolution")
    chosen = casework.resolution_list(incident)
    if not chosen:
        w.empty("v", "records the team's decision")
    else:
        last = incident.history["resolutions"][-1]
        for item in chosen:
            text = item["label"]
            if item["name"] == "other" and item.get("text"):
                text += f": {w.user(item['text'])}"
            w.wrapped(f"• {text}")
            w.cont()
        w.wrapped(f"decided, recorded by {w.user(last.by or '?', True)}, "
                  f"{_stamp(last.at, now)}", style="dim")

    w.label("reporter told")
    told = casework.informed_records(incident)
    if casework.needs_informing(incident):
        out.append("✉ not yet", style=INFORM_STYLE)
        out.append(" · the reporter is still to be told the resolution · i records it\n",
                   style="bold")
        if told:
            w.cont()
    elif not told:
        w.empty("i", "records it, once a resolution is decided")
    for index, item in enumerate(told):
        if index:
            w.cont()
        line = (f"{_iso_stamp(item['at'], now)} by {w.user(item['by'] or '?', True)} "
                f"· how: {w.user(item['how'])}")
        if item.get("told"):
            line += f" · told: {w.user(item['told'])}"
        w.wrapped(line)

    w.label("statement")
    decided = casework.statement(incident)
    if decided is None:
        w.empty("m", "records the team's decision")
    else:
        line = f"{decided['level']}"
        if decided.get("text"):
            line += f": {w.user(decided['text'])}"
        members = ", ".join(w.user(m, True) for m in decided["members"])
        line += f" · decided by {members or 'the team'}"
        line += (f" (recorded by {w.user(decided['by'] or '?', True)}, "
                 f"{_iso_stamp(decided['at'], now)})")
        w.wrapped(line)
    out.append("\n")


def _evidence(w: _Writer, incident: Incident, now: datetime) -> None:
    """Evidence, listed (the files are never opened here: ``careterm evidence`` saves a
    copy). File names are the sender's text: redacted and shown literally."""
    items = evidence_items(incident)
    if not items:
        return
    w.out.append(f"Evidence ({len(items)})", style="bold underline")
    w.out.append("  careterm evidence ID N --save PATH writes a copy\n", style="dim")
    for item in items:
        note = f" · {w.user(item.note, one_line=True)}" if item.note else ""
        w.block(f"{w.user(item.name, one_line=True)} ({size_words(item.size)}, "
                f"{visible(item.type, one_line=True)}) · {_stamp(item.at, now)} · "
                f"{visible(item.by, one_line=True)}{note}", 2, bullet=f"{item.number}. ")
    w.out.append("\n")


def incident_text(incident: Incident, now: datetime, target: TeamSettings | timedelta,
                  width: int | None = None, *, private: bool = False,
                  member: str | None = None,
                  others: Mapping[str, Incident] | Related | None = None,
                  new_notes: frozenset[str] = frozenset()) -> Text:
    """The whole incident as one Text for a scrolling view ``width`` cells wide.

    ``private``: privacy mode (names as initials, contacts as bullets).
    ``member``: the member looking at it (warned about their own declared conflict).
    ``new_notes``: the change ids of notes that arrived since the view was opened
    (marked, and counted near the top).
    """
    redact = NameMask.for_incident(incident) if private else NameMask.none()
    out = Text()
    w = _Writer(out, width, redact)
    ack = ack_cell(incident, now, target)
    out.append(incident.id, style="bold")
    out.append("  ")
    out.append(incident.urgency, style=URGENCY_STYLES.get(incident.urgency, "") or "bold")
    out.append(f" · {incident.status} · ")
    out.append(ack.text, style=INFORM_STYLE if ack.inform else ACK_STYLES[ack.level])
    out.append(f" · reported {age_cell(incident, now)} ago", style="dim")
    out.append("\n")
    if incident.recused:
        # A stub: the one paragraph that says so; no empty sections, no keys to act on it.
        out.append("\n")
        w.block(recused_text(incident), 0, style="bold")
        out.rstrip()
        return out
    taken = f"taken by {visible(incident.created_by or '?')} at {_stamp(incident.created_at, now)}"
    if incident.acknowledged:
        via = f" ({incident.acknowledged_via})" if incident.acknowledged_via else ""
        taken += (f" · acknowledged by {visible(incident.acknowledged_by or '?')} at "
                  f"{_stamp(incident.acknowledged_at, now)}{via}")
    out.append(taken + "\n", style="dim")
    arrived = [note for note in incident.notes if note.cid in new_notes]
    if arrived:
        authors = ", ".join(dict.fromkeys(visible(n.author or "?", one_line=True)
                                          for n in arrived))
        count = len(arrived)
        out.append(f" {NEW_NOTE} ", style=NEW_NOTE_STYLE)
        out.append(f" {count} new note{'' if count == 1 else 's'} from {authors} since "
                   "you opened this · under Notes, newest first\n", style="bold")
    out.append("\n")

    _warnings(w, incident, member)

    rows = field_rows(incident, now, others)  # others: the "related reports" row
    for row in rows:
        w.label(row.label)
        out.append_text(_value(row, w.value_width, private, redact))
        out.append("\n")

    missing = [f"{row.label} ({row.missing})" for row in rows if row.missing]
    w.label("missing")
    if missing:
        out.append(", ".join(missing), style="italic")
    else:
        out.append("nothing", style="dim")
    out.append("\n\n")

    _casework(w, incident, now)
    _evidence(w, incident, now)

    out.append(f"Notes ({len(incident.notes)})", style="bold underline")
    out.append("  newest first\n" if len(incident.notes) > 1 else "\n", style="dim")
    if not incident.notes:
        out.append("  none yet · o adds one\n", style="dim")
    for note in reversed(incident.notes):
        out.append("  ")
        if note.cid in new_notes:
            out.append(NEW_NOTE, style=NEW_NOTE_STYLE)
            out.append(" ")
        out.append(f"{_stamp(note.at, now)} · {visible(note.author)}\n", style="dim")
        for line in w.user(note.text).splitlines() or [""]:
            out.append(f"    {line}\n")
    out.append("\n")

    out.append("Timeline\n", style="bold underline")
    for entry in timeline_entries(incident):
        out.append(f"  {_stamp(entry['at'], now):<18}", style="dim")
        out.append(f"{visible(entry['by'] or '?', one_line=True)}: ", style="bold")
        out.append(w.user(entry["text"], one_line=True))
        out.append("\n")
    return out


class IncidentDetail(Static):
    """Shows one incident (re-rendered when it changes, the clock ticks or privacy
    mode is switched)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None
        self._opened_with: tuple[str, frozenset[str]] | None = None
        self._related: Related | None = None
        """The report first shown and the notes it had then (what arrives is marked)."""

    def new_notes(self, incident: Incident, member: str | None) -> frozenset[str]:
        """The notes of ``incident`` someone else wrote since it was first shown here."""
        if self._opened_with is None or self._opened_with[0] != incident.id:
            self._opened_with = (incident.id, frozenset(n.cid for n in incident.notes))
        seen = self._opened_with[1]
        return frozenset(n.cid for n in incident.notes
                         if n.cid not in seen and (member is None or n.author != member))

    def show(self, incident: Incident, now: datetime, target: TeamSettings | timedelta, *,
             private: bool = False, member: str | None = None) -> None:
        """Render ``incident`` as of ``now``."""
        self._shown = (incident, now, target, private, member)
        # The app's reports (recused ones already stubs) for "also named in N other
        # reports": worked out again only for a new snapshot or a new version.
        others = host(self).incidents if isinstance(self.app, Host) else None
        if others is None:
            self._related = None
        elif self._related is None or self._related.others is not others:
            self._related = Related(others)
        self.update(incident_text(incident, now, target, self.size.width or None,
                                  private=private, member=member, others=self._related,
                                  new_notes=self.new_notes(incident, member)))

    def on_resize(self) -> None:
        """Wrap again when the width changes (a scrollbar appearing narrows the view)."""
        if self._shown is not None:
            incident, now, target, private, member = self._shown
            self.show(incident, now, target, private=private, member=member)
