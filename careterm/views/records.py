"""Incidents as plain JSON-ready records, for ``list --json`` and ``show --json``.

One function builds the record every machine-readable output uses, so the
keys stay the same everywhere. Times are ISO 8601 with their UTC offset;
a field with no answer is ``null``. Marks and missing answers are keyed by
the capture option names (``when``, not ``when_text``), because they answer
"which question has no answer"; ``history`` is keyed by the stored field
names, because it lists the values exactly as they were recorded.
``missing`` says why an answer is missing: ``empty`` (nobody asked, or it was
cleared), ``unknown`` (the reporter does not know) or ``declined``; "not asked"
and "unknown" are different facts (:mod:`careterm.core.model`), so ``ongoing``
is ``null`` when nobody asked and ``"unknown"`` when the reporter did not know.

Casework adds ``category``, ``review``, ``resolutions``, ``conflicts``,
``conversations``, ``support`` (each step with who and when), ``informed``,
``statement`` and ``warnings``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from careterm.core import casework, clock
from careterm.core.model import Incident
from careterm.core.timeline import timeline_entries
from careterm.core.triage import waiting_for

RECORD_KEYS = ("id", "what", "who", "when", "when_text", "where", "ongoing", "contact",
               "reporter", "source", "urgency", "status", "created_at", "created_by",
               "acknowledged_at", "acknowledged_by", "acknowledged_via", "notes", "marks",
               "missing", "support", "updated_at", "waiting_seconds", "category", "review",
               "resolutions", "conflicts", "conversations", "unilateral", "informed",
               "needs_informing", "statement", "warnings")
"""Keys of every record, in output order."""
DETAIL_KEYS = ("timeline", "history")
"""Keys only :func:`incident_to_dict` with ``detail=True`` adds (``show --json``)."""


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, or ``None``."""
    return moment.isoformat() if moment else None


def option_name(field: str) -> str:
    """The capture option a stored field answers (``when_text`` → ``when``)."""
    return "when" if field == "when_text" else field


def updated_at(incident: Incident) -> datetime | None:
    """When anything about the incident was last recorded."""
    times = [datetime.fromisoformat(c["at"]) for c in incident.changes if c.get("at")]
    return max(times, default=None)


def incident_to_dict(incident: Incident, now: datetime | None = None, *,
                     detail: bool = False) -> dict[str, Any]:
    """The JSON-ready record of ``incident``.

    ``waiting_seconds`` is how long an open report has waited for an
    acknowledgement at ``now`` (``null`` once acknowledged or closed).
    With ``detail`` the record also holds the ``timeline`` (what happened to
    the report, who did it and when) and the ``history`` of every value each
    field has held, oldest first, the current one last.
    """
    now = now or clock.now()
    waiting = None
    if incident.is_open and not incident.acknowledged and incident.created_at:
        waiting = int(waiting_for(incident, now).total_seconds())
    record: dict[str, Any] = {
        "id": incident.id,
        "what": incident.what,
        "who": incident.who,
        "when": iso(incident.when),
        "when_text": incident.when_text,
        "where": incident.where,
        "ongoing": incident.ongoing,
        "contact": incident.contact,
        "reporter": incident.reporter,
        "source": incident.source,
        "urgency": incident.urgency,
        "status": incident.status,
        "created_at": iso(incident.created_at),
        "created_by": incident.created_by,
        "acknowledged_at": iso(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "acknowledged_via": incident.acknowledged_via,
        "notes": [{"author": note.author, "at": iso(note.at), "text": note.text}
                  for note in incident.notes],
        "marks": {option_name(name): mark for name, mark in incident.marks.items()},
        "missing": {option_name(name): why for name, why in incident.missing().items()},
        "support": None,  # filled in by casework below, keeping the key order
        "updated_at": iso(updated_at(incident)),
        "waiting_seconds": waiting,
    }
    # Casework (category, review, resolutions, conflicts, conversations, support,
    # informed, statement, warnings); its "support" is the full record of each step.
    record.update(casework.casework_dict(incident))
    if detail:
        record["timeline"] = [
            {**entry, "at": iso(entry.get("at"))} for entry in timeline_entries(incident)
        ]
        record["history"] = {
            name: [{"value": value.value, "by": value.by, "at": iso(value.at),
                    "device": value.dev} for value in values]
            for name, values in incident.history.items()
        }
    return record
