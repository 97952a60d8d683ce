"""The written record of one report, as Markdown, for the team's review meeting.

The guide asks for a written record of each incident and its review; this is
it, complete: the report and its missing answers, warnings, the review, the
resolution, conflicts of interest, conversations, unilateral actions,
support, informing the reporter, the public statement, notes and the full
timeline with who and when.

User text never shapes the document: every piece passes through
:func:`careterm.core.textsafe.visible`; one-line text is escaped where Markdown
would read it as markup, and text with line breaks goes into a fenced block
whose fence is longer than any run of backticks inside it, so it is shown
exactly as typed and cannot end the block, open a heading or make a link.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from careterm.core import casework, clock, vocabulary
from careterm.core.evidence import evidence_items, size_words
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.core.timeline import timeline_entries
from careterm.core.vocabulary import FIELD_LABELS, SOURCE_LABELS
from careterm.views.detail import recused_text

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_NUMBERED = re.compile(r"^(\d{1,9})[.)]")
_REPORT_FIELDS = ("what", "who", "when_text", "where", "ongoing", "contact", "reporter",
                  "source")
_MARK_WORDS = {"unknown": "(not known)", "declined": "(declined to say)",
               "empty": "(no answer)"}


def inline(text: Any) -> str:
    """One line of user text, safe anywhere in a Markdown line, even at its start."""
    shown = _INLINE_SPECIAL.sub(r"\\\1", visible(str(text), one_line=True).strip())
    numbered = _NUMBERED.match(shown)
    if numbered:  # "1. " would start a numbered list
        return numbered[1] + "\\" + shown[len(numbered[1]):]
    if shown[:1] in ("#", "+", "-", "="):  # a heading, a list item, a setext underline
        return "\\" + shown
    return shown


def fenced(text: str, indent: str = "") -> list[str]:
    """User text as a fenced block that nothing inside can close."""
    shown = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = [indent + fence + "text"]
    lines += [indent + line if line.strip() else "" for line in shown.split("\n")]
    lines.append(indent + fence)
    return lines


def _field(label: str, value: Any, empty: str = "(none recorded)") -> list[str]:
    """A ``- **label:** value`` item; text with line breaks goes in a block under it."""
    if value is None or value == "" or value == []:
        return [f"- **{label}:** {empty}"]
    if isinstance(value, list):
        return [f"- **{label}:** " + ", ".join(inline(v) for v in value)]
    text = str(value)
    if "\n" in text.strip():
        return [f"- **{label}:**", "", *fenced(text.strip("\n"), indent="  ")]
    return [f"- **{label}:** {inline(text)}"]


def _stamp(at: datetime | str | None) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.strftime("%Y-%m-%d %H:%M") if at else "(time unknown)"


def _by(by: str | None, at: datetime | str | None) -> str:
    return f"{inline(by) if by else '(unknown member)'}, {_stamp(at)}"


def _timeline_lines(incident: Incident) -> list[dict[str, str]]:
    """Every change as ``{at, by, text}`` for the written record."""
    return [{"at": _stamp(entry["at"]), "by": entry["by"],
             "text": ("note: " if entry["kind"] == "note" else "") + entry["text"]}
            for entry in timeline_entries(incident)]


def _report_value(incident: Incident, name: str, missing: dict[str, str]) -> Any:
    if name in missing:
        return None
    if name == "when_text":
        if incident.when and incident.when_text:
            return f"{incident.when_text} ({_stamp(incident.when)})"
        return incident.when_text
    if name == "source":
        return SOURCE_LABELS.get(incident.source or "", incident.source)
    return getattr(incident, name)


def export_markdown(incident: Incident, now: datetime | None = None) -> str:
    """The full written record of one report, as Markdown (for a report this laptop's
    member is recused from, a stub saying so and nothing of the report)."""
    now = now or clock.now()
    if incident.recused:
        return "\n".join([
            f"# Report {inline(incident.id)}: recused", "",
            "- **Status:** "
            + vocabulary.STATUS_LABELS.get(incident.status, inline(incident.status)),
            f"- **Urgency:** {inline(incident.urgency)}", "",
            inline(recused_text(incident)), ""])
    work = casework.casework_dict(incident)
    out: list[str] = []
    add = out.extend

    add([f"# Report {inline(incident.id)}: written record", "",
         "_Confidential: the CARE team's record of one report. Do not share it outside "
         "the team._", ""])
    category = work["category"]
    ack = (f"{_by(incident.acknowledged_by, incident.acknowledged_at)}"
           + (f" ({inline(incident.acknowledged_via)})" if incident.acknowledged_via else "")
           if incident.acknowledged else "not yet acknowledged")
    add([f"- **Status:** {vocabulary.STATUS_LABELS.get(incident.status, inline(incident.status))}",
         "- **Category:** "
         + (vocabulary.CATEGORY_LABELS[category] if category else "not categorised"),
         f"- **Urgency:** {inline(incident.urgency)}",
         f"- **Captured:** {_by(incident.created_by, incident.created_at)}",
         f"- **Acknowledged:** {ack}",
         *(["- **Consulted on acknowledging:** "
            + ", ".join(inline(n) for n in work["acknowledged_consulted"])]
           if work["acknowledged_consulted"] else []),
         f"- **Owner:** {inline(work['owner']) if work['owner'] else '(nobody)'}",
         f"- **Record exported:** {_stamp(now)}", ""])

    missing = incident.missing()
    add(["## The report", ""])
    for name in _REPORT_FIELDS:
        value = _report_value(incident, name, missing)
        add(_field(FIELD_LABELS[name].capitalize(), value,
                   empty=_MARK_WORDS.get(missing.get(name, "empty"), "(no answer)")))
    add([""])
    if missing:
        add(["**Missing answers:** " + ", ".join(
            f"{FIELD_LABELS[n]} {_MARK_WORDS[m]}" for n, m in missing.items()), ""])
    else:
        add(["**Missing answers:** none", ""])

    add(["## Warnings", ""])
    add([f"- {inline(w)}" for w in work["warnings"]] or ["None."])
    add([""])

    review = work["review"]
    add(["## Review", ""])
    add(_field("What happened (finding)", review["finding"]))
    add(_field("Code of Conduct violation",
               vocabulary.VIOLATION_LABELS.get(review["violation"] or "", None),
               empty="(not decided)"))
    add(_field("Who acted badly", review["actors"]))
    add(_field("Reasoning", review["reason"]))
    meeting = work["review_meeting"]
    add(_field("Decided together by", meeting["members"], empty="(not recorded)"))
    if meeting["at"] or meeting["at_text"]:
        add(_field("Meeting", meeting["at_text"] or _stamp(meeting["at"])))
    add([""])

    add(["## Resolution", ""])
    if work["resolutions"]:
        for item in work["resolutions"]:
            if item["name"] == "other":
                add(_field("Other", item.get("text")))
            else:
                add([f"- {item['label']}"])
        add(_field("Decided together by", work["resolution_members"], empty="(not recorded)"))
        add(["", "**Reporter informed:** "
             + ("waiting: nobody has recorded informing the reporter of this resolution"
                if work["needs_informing"] else "yes"), ""])
    else:
        add(["No resolution recorded yet.", ""])

    add(["## Conflicts of interest", ""])
    add([f"- **{inline(c['member'])}:** {inline(c['reason'])} "
         + (f"· team decision: {vocabulary.CONFLICT_DECISION_LABELS.get(c['decision'], '?')}"
            f" (decided by {', '.join(inline(n) for n in c['decided_by']) or 'not named'}) "
            if c.get("decision") else "")
         + f"(recorded by {_by(c['by'], c['at'])})" for c in work["conflicts"]]
        or ["None declared."])
    add([""])

    add(["## Conversations", ""])
    if not work["conversations"]:
        add(["None recorded.", ""])
    for number, talk in enumerate(work["conversations"], 1):
        when = _stamp(talk["held_at"])
        if talk["held_text"]:
            when = f"{inline(talk['held_text'])} ({when})" if talk["held_at"] \
                else inline(talk["held_text"])
        add([f"### Conversation {number}", ""])
        add(_field("With", f"{talk['with']} "
                   f"({vocabulary.CONVERSATION_KIND_LABELS.get(talk['kind'], 'someone else')})"))
        add([f"- **When:** {when}"])
        add(_field("CARE members present", talk["members"]))
        add([f"- **Recorded by:** {_by(talk['by'], talk['at'])}"])
        for warning in talk["warnings"]:
            add([f"- **Warning:** {inline(warning)}"])
        add(_field("Notes", talk["notes"]))
        add([""])

    add(["## Unilateral actions", ""])
    if not work["unilateral"]:
        add(["None recorded.", ""])
    for number, action in enumerate(work["unilateral"], 1):
        add([f"### Unilateral action {number}", ""])
        add(_field("What was done", action["action"]))
        add(_field("Consulted", action["consulted"]))
        add([f"- **Recorded by:** {_by(action['by'], action['at'])}", ""])

    add(["## Support for the reporter", ""])
    add([f"- **{item['label'].capitalize()}:** {inline(item['state'])}, by "
         f"{inline(item['who'] or item['by'])}, {_stamp(item['at'])}"
         + (f" ({inline(item['notes'])})" if item["notes"] else "")
         for item in work["support"].values()] or ["None requested or offered."])
    add([""])

    add(["## Informing the reporter", ""])
    if work["needs_informing"]:
        add(["**Waiting:** a resolution is decided and nobody has recorded informing the "
             "reporter.", ""])
    if not work["informed"]:
        add(["Not recorded yet.", ""])
    for number, told in enumerate(work["informed"], 1):
        add([f"### Informed {number}", ""])
        add([f"- **When / by:** {_by(told['by'], told['at'])}"])
        add(_field("How", told["how"]))
        add(_field("What they were told", told["told"]))
        if told.get("consulted"):
            add(_field("Consulted", told["consulted"]))
        add([""])

    add(["## Public statement", ""])
    statement = work["statement"]
    if statement is None:
        add(["No decision recorded yet.", ""])
    else:
        add([f"- **Team decision:** {statement['level']}",
             f"- **Recorded by:** {_by(statement['by'], statement['at'])}"])
        add(_field("Decided together by", statement["members"], empty="(not recorded)"))
        if statement["level"] != "none":
            add(_field("Text", statement["text"], empty="(not written yet)"))
        add([""])

    add(["## Evidence", ""])
    items = evidence_items(incident)
    add([f"- **{item.number}. {inline(item.name)}** ({size_words(item.size)}, "
         f"{inline(item.type)}), added by {_by(item.by, item.at)}"
         + (f": {inline(item.note)}" if item.note else "") for item in items]
        or ["None."])
    if items:
        add(["", "Listed only: the files stay encrypted in careterm "
                 "(`careterm evidence ID N --save PATH`)."])
    add([""])

    add(["## Notes", ""])
    if not incident.notes:
        add(["None.", ""])
    for number, note in enumerate(incident.notes, 1):
        add([f"### Note {number}: {_by(note.author, note.at)}", ""])
        text = visible(note.text)
        add(fenced(text) if "\n" in text.strip() else [inline(text)])
        add([""])

    add(["## Timeline", ""])
    add([f"- {line['at']} · {inline(line['by']) or '(unknown member)'} · {inline(line['text'])}"
         for line in _timeline_lines(incident)])
    add([""])
    return "\n".join(out)
