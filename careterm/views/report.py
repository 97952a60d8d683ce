"""The anonymised Code of Conduct transparency report, published after the conference.

Only counts leave this module, and every name in it comes from careterm's
own fixed vocabulary (categories, resolutions, findings), never from what
anyone typed: no names, contacts, places, descriptions, free text ("other"
resolutions included) or times of any report. Acknowledgement speed is given
as whole minutes (median and slowest), not as times of day.

So that nobody can be singled out, any category with fewer than
:data:`THRESHOLD` reports is counted under "other"; the same rule applies to
resolutions (a single "removed from the conference" is easy to put a name
to). Reports not categorised count as "other" too. The violation finding
(yes / no / undetermined / not recorded) is shown in full: it says what the
team concluded, not who was involved, and is not broken down further.

"Reports" counts reports: a report with two resolutions counts once there and
once under "with a resolution"; the resolutions table counts resolutions
(each decided resolution once), under its own heading. The report may cover a
period (``start``..``end``, whole days, both included, by the day a report
was captured; a report with no capture time is left out of a period); the
period's dates are the event's, so they are printed. "People named in more
than one report" is a count from :func:`careterm.core.related.repeat_people`
(names matched, confirmed links): a number, never a name.

Public summaries (issue 15) are the one place free text is published: a report's
summary (:mod:`careterm.core.summaries`) is listed once two different members
approved its exact text, under its category as the counts show it (a category merged
into "other" puts its summaries under "other" too, so the list never undoes the
merge), sorted by their text (never by date: no day or time of any report is
published). An approved summary that holds a name or contact known in its report
(the report's :class:`~careterm.views.privacy.NameMask` would change it:
:func:`summary_names`) is never published; :func:`withheld_summaries` names those
reports so the CLI and the app can say so. The summary text is escaped for Markdown
(one line each), so what the team typed is printed, never read as markup. With no
approved summary the report reads exactly as before.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from careterm.core import casework, clock, summaries, vocabulary
from careterm.core.model import Incident
from careterm.core.related import repeat_people
from careterm.core.textsafe import safe_json, visible
from careterm.views.privacy import NameMask

THRESHOLD = 3
"""Categories and resolutions with fewer reports than this are merged into "other"."""
ANONYMISED_NOTE = (
    "Anonymised: this report holds counts only. It contains no names, contacts, places, "
    "descriptions or times of any report. Categories and resolutions with fewer than "
    f"{THRESHOLD} reports are counted under \"other\", so that nobody can be singled out."
)
ANONYMISED_NOTE_WITH_SUMMARIES = (
    "Anonymised: apart from the short public summaries the team wrote and two members "
    "approved, this report holds counts only. It contains no names, contacts, places or "
    "times of any report. Categories and resolutions with fewer than "
    f"{THRESHOLD} reports are counted under \"other\", so that nobody can be singled out."
)
SUMMARIES_HEADING = "Summaries of reports, in the team's words"
FINDINGS = ("yes", "no", "undetermined", "not-recorded")
FINDING_LABELS = {"yes": "violation found", "no": "no violation found",
                  "undetermined": "undetermined", "not-recorded": "not recorded"}


def _round_minutes(minutes: float) -> int:
    """Whole minutes, halves rounded up (not to even: 2.5 minutes reads as 3)."""
    return int(minutes + 0.5)


def _merge_small(counts: Counter[str], order: tuple[str, ...]) -> dict[str, int]:
    """Counts in ``order`` with those under the threshold moved into ``other``."""
    merged: Counter[str] = Counter()
    for name, count in counts.items():
        if count <= 0:
            continue
        merged["other" if name not in order or count < THRESHOLD else name] += count
    return {name: merged[name] for name in order if merged.get(name)}


def in_period(incident: Incident, start: date | None, end: date | None) -> bool:
    """True when the report was captured within ``start``..``end`` (both included;
    either may be open)."""
    if start is None and end is None:
        return True
    if incident.created_at is None:
        return False
    day = incident.created_at.date()
    return (start is None or day >= start) and (end is None or day <= end)


def summary_names(incident: Incident, text: str | None = None) -> bool:
    """True when ``text`` (default: the report's public summary) holds a name or contact
    known in the report: who, reporter, contact, the review's actors, the people
    conversations were held with (any value they ever held). Such a summary is warned
    about when written and never published."""
    body = text if text is not None else summaries.summary_text(incident)
    if not body:
        return False
    return NameMask.for_incident(incident)(body) != body


def _approved(reports: Iterable[Incident]) -> tuple[list[Incident], list[str]]:
    """The reports whose approved summary may be published, and the ids of those whose
    approved summary names someone (withheld)."""
    published: list[Incident] = []
    withheld: list[str] = []
    for incident in reports:
        if incident.recused or not summaries.is_approved(incident):
            continue
        if summary_names(incident):
            withheld.append(incident.id)
        else:
            published.append(incident)
    return published, sorted(withheld)


def withheld_summaries(incidents: Iterable[Incident] | dict[str, Incident], *,
                       start: date | None = None, end: date | None = None) -> list[str]:
    """Ids of the reports in the period whose approved public summary holds a name
    known in the report, so the report leaves it out."""
    reports = (incidents.values() if isinstance(incidents, dict) else incidents)
    return _approved(i for i in reports if in_period(i, start, end))[1]


def withheld_notice(ids: list[str]) -> str:
    """What the CLI and the app say about summaries left out (one sentence), or ``""``."""
    if not ids:
        return ""
    which = ", ".join(ids)
    return (f"not published: the approved public summary of {which} holds a name or contact "
            "known in the report; reword it (careterm summary ID --text TEXT) and approve it "
            "again")


def _summary_groups(reports: list[Incident], shown: dict[str, int]) -> dict[str, list[str]]:
    """Approved, publishable summaries by category (as merged in ``shown``), in
    :data:`vocabulary.CATEGORIES` order, each group sorted by its text."""
    groups: dict[str, list[str]] = {}
    for incident in _approved(reports)[0]:
        name = casework.category(incident) or "other"
        if name not in shown:
            name = "other"
        groups.setdefault(name, []).append(summaries.summary_text(incident) or "")
    return {name: sorted(groups[name], key=str.casefold)
            for name in vocabulary.CATEGORIES if name in groups}


def transparency_report(incidents: Iterable[Incident] | dict[str, Incident],
                        now: datetime | None = None, *, start: date | None = None,
                        end: date | None = None) -> dict[str, Any]:
    """The anonymised figures, JSON-ready.

    ``{note, threshold, period, reports, still_open, people_named_more_than_once,
    with_resolution, by_category, by_resolution, resolutions_recorded,
    without_resolution, by_violation, acknowledgement}``; ``period`` is
    ``{from, to}`` (ISO dates or null); ``acknowledgement`` has
    ``acknowledged``, ``median_minutes``, ``worst_minutes`` (``None`` when none
    was acknowledged), ``not_acknowledged`` and ``longest_waiting_minutes``
    (how long the oldest still-unacknowledged report has waited at ``now``).
    """
    now = now or clock.now()
    reports = [i for i in (incidents.values() if isinstance(incidents, dict) else incidents)
               if in_period(i, start, end)]
    categories: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    without_resolution = 0
    ack_minutes: list[float] = []
    waiting_minutes: list[float] = []
    for incident in reports:
        categories[casework.category(incident) or "other"] += 1
        names = casework.resolutions(incident)
        if not names:
            without_resolution += 1
        for name in names:
            resolved[name] += 1
        violation = casework.review(incident)["violation"]
        findings[violation if violation in vocabulary.VIOLATIONS else "not-recorded"] += 1
        if incident.acknowledged and incident.acknowledged_at and incident.created_at:
            seconds = (incident.acknowledged_at - incident.created_at).total_seconds()
            ack_minutes.append(max(0.0, seconds) / 60)
        elif incident.created_at and not incident.acknowledged:
            waiting_minutes.append(max(0.0, (now - incident.created_at).total_seconds()) / 60)
    by_category = _merge_small(categories, vocabulary.CATEGORIES)
    published = _summary_groups(reports, by_category)
    return {
        "title": "Code of Conduct transparency report",
        "note": ANONYMISED_NOTE_WITH_SUMMARIES if published else ANONYMISED_NOTE,
        "threshold": THRESHOLD,
        "period": {"from": start.isoformat() if start else None,
                   "to": end.isoformat() if end else None},
        "reports": len(reports),
        "still_open": sum(1 for i in reports if i.is_open),
        "people_named_more_than_once": repeat_people(reports),
        "with_resolution": len(reports) - without_resolution,
        "by_category": by_category,
        "by_resolution": _merge_small(resolved, vocabulary.RESOLUTIONS),
        "resolutions_recorded": sum(resolved.values()),
        "without_resolution": without_resolution,
        "by_violation": {name: findings.get(name, 0) for name in FINDINGS},
        "acknowledgement": {
            "acknowledged": len(ack_minutes),
            "median_minutes": (_round_minutes(statistics.median(ack_minutes))
                               if ack_minutes else None),
            "worst_minutes": _round_minutes(max(ack_minutes)) if ack_minutes else None,
            "not_acknowledged": sum(1 for i in reports if not i.acknowledged),
            "longest_waiting_minutes": (_round_minutes(max(waiting_minutes))
                                        if waiting_minutes else None),
        },
        "summaries": published,
    }


def _minutes(value: int | None) -> str:
    if value is None:
        return "—"
    return "1 minute" if value == 1 else f"{value} minutes"


def _table(heading: str, rows: list[tuple[str, int]], column: str = "Reports") -> list[str]:
    lines = [f"| {heading} | {column} |", "| --- | ---: |"]
    lines += [f"| {label} | {count} |" for label, count in rows]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, with exactly the figures of :func:`transparency_report`."""
    ack = report["acknowledgement"]
    period = report.get("period") or {}
    out = [f"# {report['title']}", "", f"> {report['note']}", ""]
    if period.get("from") or period.get("to"):
        out += [f"**Period:** {period.get('from') or 'the start'} to "
                f"{period.get('to') or 'today'} (by the day each report was received)", ""]
    out += [f"**Reports received:** {report['reports']} "
            f"({report['still_open']} still open)", "",
            f"**People named in more than one report:** "
            f"{report.get('people_named_more_than_once', 0)}", ""]
    out += ["## Reports by category", ""]
    out += _table("Category", [(vocabulary.CATEGORY_LABELS[name], count)
                               for name, count in report["by_category"].items()])
    out += ["", "## Resolutions", "",
            f"**Reports with a resolution recorded:** {report.get('with_resolution', 0)}", "",
            "A report may have more than one resolution: this table counts resolutions "
            f"({report.get('resolutions_recorded', 0)} in all), not reports.", ""]
    out += _table("Resolution", [(vocabulary.RESOLUTION_LABELS[name], count)
                                 for name, count in report["by_resolution"].items()],
                  column="Resolutions")
    out += ["", f"**Reports without a resolution recorded:** {report['without_resolution']}",
            "", "## Was a Code of Conduct violation found?", ""]
    out += _table("Finding", [(FINDING_LABELS[name], count)
                              for name, count in report["by_violation"].items()])
    out += ["", "## How quickly reports were acknowledged", "",
            f"- **Acknowledged:** {ack['acknowledged']} of {report['reports']}",
            f"- **Median time to acknowledge:** {_minutes(ack['median_minutes'])}",
            f"- **Slowest acknowledgement:** {_minutes(ack['worst_minutes'])}",
            f"- **Not acknowledged:** {ack['not_acknowledged']}"]
    if ack["longest_waiting_minutes"] is not None:
        out.append(f"- **Longest still waiting:** {_minutes(ack['longest_waiting_minutes'])}")
    out.append("")
    published = report.get("summaries") or {}
    if published:
        out += [f"## {SUMMARIES_HEADING}", "",
                "Each summary was written by the team and approved by two of its members.",
                ""]
        for name, texts in published.items():
            out += [f"### {_escape(vocabulary.CATEGORY_LABELS.get(name, name))}", ""]
            out += [f"- {_escape(text)}" for text in texts]
            out.append("")
    return "\n".join(out)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_MARKDOWN_LEADING = re.compile(r"^([#+\-=]|\d+(?=[.)]))")


def _escape(text: str) -> str:
    """User text as literal Markdown on one line (line breaks become spaces, control
    characters shown): every character Markdown could read as markup is escaped, and
    a start that would make a heading, a list or a quote."""
    line = " ".join(visible(text, one_line=True).split())
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    leading = _MARKDOWN_LEADING.match(line)
    if leading is None:
        return line
    if leading[1].isdigit():  # "1. …" would start a numbered list: escape the full stop
        return leading[1] + "\\" + line[leading.end():]
    return "\\" + line


def render_json(report: dict[str, Any]) -> str:
    """The report as JSON (the same figures as the Markdown)."""
    return safe_json(report, indent=2) + "\n"
