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
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from careterm.core import casework, clock, vocabulary
from careterm.core.model import Incident
from careterm.core.textsafe import safe_json

THRESHOLD = 3
"""Categories and resolutions with fewer reports than this are merged into "other"."""
ANONYMISED_NOTE = (
    "Anonymised: this report holds counts only. It contains no names, contacts, places, "
    "descriptions or times of any report. Categories and resolutions with fewer than "
    f"{THRESHOLD} reports are counted under \"other\", so that nobody can be singled out."
)
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


def transparency_report(incidents: Iterable[Incident] | dict[str, Incident],
                        now: datetime | None = None) -> dict[str, Any]:
    """The anonymised figures, JSON-ready.

    ``{note, threshold, reports, still_open, by_category, by_resolution,
    without_resolution, by_violation, acknowledgement}``; ``acknowledgement`` has
    ``acknowledged``, ``median_minutes``, ``worst_minutes`` (``None`` when none
    was acknowledged), ``not_acknowledged`` and ``longest_waiting_minutes``
    (how long the oldest still-unacknowledged report has waited at ``now``).
    """
    now = now or clock.now()
    reports = list(incidents.values() if isinstance(incidents, dict) else incidents)
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
    return {
        "title": "Code of Conduct transparency report",
        "note": ANONYMISED_NOTE,
        "threshold": THRESHOLD,
        "reports": len(reports),
        "still_open": sum(1 for i in reports if i.is_open),
        "by_category": _merge_small(categories, vocabulary.CATEGORIES),
        "by_resolution": _merge_small(resolved, vocabulary.RESOLUTIONS),
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
    }


def _minutes(value: int | None) -> str:
    if value is None:
        return "—"
    return "1 minute" if value == 1 else f"{value} minutes"


def _table(heading: str, rows: list[tuple[str, int]]) -> list[str]:
    lines = [f"| {heading} | Reports |", "| --- | ---: |"]
    lines += [f"| {label} | {count} |" for label, count in rows]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, with exactly the figures of :func:`transparency_report`."""
    ack = report["acknowledgement"]
    out = [f"# {report['title']}", "", f"> {report['note']}", "",
           f"**Reports received:** {report['reports']} "
           f"({report['still_open']} still open)", ""]
    out += ["## Reports by category", ""]
    out += _table("Category", [(vocabulary.CATEGORY_LABELS[name], count)
                               for name, count in report["by_category"].items()])
    out += ["", "## Resolutions", "",
            "A report may have more than one resolution.", ""]
    out += _table("Resolution", [(vocabulary.RESOLUTION_LABELS[name], count)
                                 for name, count in report["by_resolution"].items()])
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
    return "\n".join(out)


def render_json(report: dict[str, Any]) -> str:
    """The report as JSON (the same figures as the Markdown)."""
    return safe_json(report, indent=2) + "\n"
