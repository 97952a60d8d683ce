"""The incident view's body: every field, what is missing, notes and the timeline.

Built as rich ``Text`` from plain values: whatever a report contains is shown
literally (markup, escape sequences and bidi controls made visible).
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from careterm.board import ack_cell, age_cell
from careterm.model import FIELD_LABELS, SOURCE_LABELS, SUPPORT_KINDS, SUPPORT_LABELS, Incident
from careterm.textsafe import visible
from careterm.whentext import describe_when
from careterm.widgets.board_table import ACK_STYLES, URGENCY_STYLES

LABEL_WIDTH = 16
SHOWN_FIELDS = ("what", "who", "when_text", "where", "ongoing", "contact", "reporter", "source")


def _indented(text: str, width: int | None) -> str:
    """Wrap ``text`` to ``width`` with continuation lines under the value column."""
    if not width or width < 20:
        return text
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width=width, break_long_words=True,
                                   replace_whitespace=False) or [""])
    return ("\n" + " " * (LABEL_WIDTH + 2)).join(lines)


def _value(incident: Incident, name: str, now: datetime, width: int | None = None) -> Text:
    if name in incident.marks:
        return Text(f"({incident.marks[name]})", style="italic")
    if name == "when_text":
        if not incident.when_text:
            return Text("—", style="dim")
        text = Text(visible(incident.when_text))
        if incident.when is not None:
            text.append(f"  ({describe_when(incident.when, now)})", style="dim")
        else:
            text.append("  (kept as text)", style="dim")
        return text
    value = getattr(incident, name)
    if name == "source" and value:
        value = SOURCE_LABELS.get(value, value)
    if value in (None, ""):
        return Text("—", style="dim")
    return Text(_indented(visible(str(value)), width))


def _stamp(at: datetime | None, now: datetime) -> str:
    return describe_when(at, now) if at else "?"


def incident_text(incident: Incident, now: datetime, target: timedelta,
                  width: int | None = None) -> Text:
    """The whole incident as one Text for a scrolling view ``width`` cells wide."""
    value_width = width - LABEL_WIDTH - 2 if width else None
    out = Text()
    ack = ack_cell(incident, now, target)
    out.append(incident.id, style="bold")
    out.append("  ")
    out.append(incident.urgency, style=URGENCY_STYLES.get(incident.urgency, "") or "bold")
    out.append(f" · {incident.status} · ")
    out.append(ack.text, style=ACK_STYLES[ack.level])
    out.append(f" · reported {age_cell(incident, now)} ago", style="dim")
    out.append("\n")
    taken = f"taken by {visible(incident.created_by or '?')} at {_stamp(incident.created_at, now)}"
    if incident.acknowledged:
        via = f" ({incident.acknowledged_via})" if incident.acknowledged_via else ""
        taken += (f" · acknowledged by {visible(incident.acknowledged_by or '?')} at "
                  f"{_stamp(incident.acknowledged_at, now)}{via}")
    out.append(taken + "\n\n", style="dim")

    for name in SHOWN_FIELDS:
        out.append(f"{FIELD_LABELS[name]:>{LABEL_WIDTH}}  ", style="bold")
        out.append_text(_value(incident, name, now, value_width))
        out.append("\n")
    out.append(f"{'support':>{LABEL_WIDTH}}  ", style="bold")
    support = [f"{SUPPORT_LABELS[k]}: {incident.support[k]}" for k in SUPPORT_KINDS
               if k in incident.support]
    out.append(" · ".join(support) if support else "—", style="" if support else "dim")
    out.append("\n")

    missing = incident.missing()
    out.append(f"{'missing':>{LABEL_WIDTH}}  ", style="bold")
    if missing:
        out.append(", ".join(f"{FIELD_LABELS.get(k, k)} ({v})" for k, v in missing.items()),
                   style="italic")
    else:
        out.append("nothing", style="dim")
    out.append("\n\n")

    out.append(f"Notes ({len(incident.notes)})\n", style="bold underline")
    if not incident.notes:
        out.append("  none yet · o adds one\n", style="dim")
    for note in incident.notes:
        out.append(f"  {_stamp(note.at, now)} · {visible(note.author)}\n", style="dim")
        for line in visible(note.text).splitlines() or [""]:
            out.append(f"    {line}\n")
    out.append("\n")

    out.append("Timeline\n", style="bold underline")
    for entry in incident.timeline():
        out.append(f"  {_stamp(entry['at'], now):<18}", style="dim")
        out.append(f"{visible(entry['by'] or '?', one_line=True)}: ", style="bold")
        out.append(visible(str(entry["text"]), one_line=True))
        out.append("\n")
    return out


class IncidentDetail(Static):
    """Shows one incident (re-rendered when it changes or the clock ticks)."""

    def show(self, incident: Incident, now: datetime, target: timedelta) -> None:
        """Render ``incident`` as of ``now``."""
        self.update(incident_text(incident, now, target, self.size.width or None))
