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

import json
import re
from datetime import datetime
from typing import Any

from careterm.core import casework, clock, vocabulary
from careterm.core.evidence import evidence_items, size_words
from careterm.core.model import Incident
from careterm.core.related import Links
from careterm.core.settings import TeamSettings
from careterm.core.textsafe import visible
from careterm.core.timeline import timeline_entries
from careterm.core.vocabulary import FIELD_LABELS, SOURCE_LABELS
from careterm.views.detail import recused_text
from careterm.views.privacy import pseudonymised
from careterm.views.records import incident_to_dict

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


# ------------------------------------------------------------------ handing the records over

SAFE_ID = re.compile(r"[0-9A-Z]{1,16}")
"""A report id fit for a file name; any other id (a hostile change from the folder) is
named by its place in the list instead, never by its text."""


def report_file(incident_id: str, number: int, fmt: str) -> str:
    """The file a report is written to inside the handed-over folder: from its id only."""
    stem = incident_id if SAFE_ID.fullmatch(incident_id) else f"report-{number:04d}"
    return f"reports/{stem}.{fmt}"


def _captured_day(incident: Incident) -> str:
    return incident.created_at.strftime("%Y-%m-%d") if incident.created_at else ""


def _index_markdown(rows: list[dict[str, str]], title: str) -> str:
    lines = [f"# {title}: index", "",
             "| Report | Status | Urgency | Category | Captured | File |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(" | ".join(["|" + " " + inline(row["id"]), inline(row["status"]),
                                 inline(row["urgency"]), inline(row["category"]),
                                 row["captured"] or "(unknown)",
                                 f"[{row['file']}]({row['file']}) |"]))
    if not rows:
        lines.append("")
        lines.append("No reports.")
    return "\n".join(lines) + "\n"


def _readme(*, count: int, fmt: str, pseudonymise: bool, team: str, member: str,
            now: datetime, tool: str) -> str:
    index = "index.json" if fmt == "json" else "index.md"
    kind = "JSON (one record per report, with its timeline and history)" if fmt == "json" \
        else "Markdown (the written record of each report, as `careterm export ID`)"
    if pseudonymise:
        names = ("**Pseudonymised.** Each person the team gave a pseudonym (`careterm alias`) "
                 "is shown by it wherever their name appeared; other names the reports "
                 "know of (who was involved, the reporter, the people conversations were "
                 "held with) are shown as initials, contacts as ●●●. The team members "
                 "who recorded each step are named. A name typed in a text that no people "
                 "field, conversation or pseudonym names is not recognised: read the files "
                 "before passing them on.")
    else:
        names = ("**Not pseudonymised.** The files hold the reports in full: the names of "
                 "reporters and of the people involved, contacts, what happened, notes and "
                 "the whole casework record.")
    return "\n".join([
        f"# Records of {inline(team) or 'a CARE team'}", "",
        "These are the Code of Conduct reports of a CARE team, handed over (for example "
        "to a standing committee that keeps them for the stated time).", "",
        "## These files are NOT encrypted", "",
        "Anyone who can read this folder can read every report in it. Keep it on an "
        "encrypted disk, share it only with the people it is for, and delete it when the "
        "time the records are kept for has passed.", "",
        "## What is inside", "",
        "- `README.md`: this page.",
        f"- `{index}`: one line per report (id, status, urgency, category, the day it was "
        "captured, its file).",
        f"- `reports/`: {count} report{'s' if count != 1 else ''}, one file each, in {kind}. "
        "A report the exporting member was recused from holds only its id and status.", "",
        "## How it was made", "",
        f"- Made with `careterm export --all` ({inline(tool)}) on {_stamp(now)}.",
        f"- Team: {inline(team) or '(not named)'}; exported by {inline(member) or '(unknown)'}.",
        f"- Reports: {count}.",
        f"- Pseudonymised: {'yes' if pseudonymise else 'no'}.", "",
        names, ""])


def export_bundle(incidents: list[Incident], *, fmt: str = "md", pseudonymise: bool = False,
                  team: str = "", member: str = "", tool: str = "careterm",
                  now: datetime | None = None,
                  settings: TeamSettings | None = None) -> dict[str, str]:
    """Every report of ``incidents`` as files to hand over: ``{relative path: text}`` with
    ``README.md`` (what is inside, how it was made, that it is not encrypted), an index
    (``index.md`` or ``index.json``) and ``reports/ID.md`` (or ``.json``) per report.

    ``pseudonymise``: each report goes through
    :func:`careterm.views.privacy.pseudonymised` first. A JSON report is
    :func:`careterm.views.records.incident_to_dict` with its timeline and history
    (``settings``: the team's, for the stage clock). File names come from report ids
    only, never from what anyone typed."""
    now = now or clock.now()
    files: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    ordered = sorted(incidents, key=lambda inc: (inc.created_at is None,
                                                 inc.created_at or now, inc.id))
    shown = {inc.id: pseudonymised(inc) if pseudonymise else inc for inc in ordered}
    links = Links(shown)
    for number, original in enumerate(ordered, 1):
        incident = shown[original.id]
        name = report_file(original.id, number, fmt)
        if fmt == "json":
            record = incident_to_dict(incident, now, detail=True, others=links,
                                      settings=settings)
            files[name] = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        else:
            files[name] = export_markdown(incident, now)
        category = casework.category(incident) if not incident.recused else None
        rows.append({"id": original.id if SAFE_ID.fullmatch(original.id) else name,
                     "status": incident.status, "urgency": incident.urgency,
                     "category": vocabulary.CATEGORY_LABELS.get(category or "",
                                                                "not categorised"),
                     "captured": _captured_day(incident), "file": name})
    if fmt == "json":
        files["index.json"] = json.dumps({"reports": rows}, ensure_ascii=False, indent=2) + "\n"
    else:
        files["index.md"] = _index_markdown(rows, f"Records of {inline(team) or 'a CARE team'}")
    files["README.md"] = _readme(count=len(ordered), fmt=fmt, pseudonymise=pseudonymise,
                                 team=team, member=member, now=now, tool=tool)
    return files
