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
``statement`` and ``warnings``; decided as a team adds ``review_meeting`` (members, at),
``resolution_members`` and ``acknowledged_consulted`` (each inform has its own
``consulted``); then ``owner`` (or ``null``) and ``recused`` (``false``). The record of
a report this laptop's member is recused from holds only :data:`RECUSED_KEYS`, with
``recused: true``. Intake adds ``wishes`` (what the reporter wants
done, or ``null``) and ``relayed_by``; ``links`` holds the ids of reports a member
confirmed as about the same person (read both ways when the caller passes the
other reports as ``others``). The stage clock (:mod:`careterm.core.stages`) adds
``stage`` (``acknowledge``, ``review``, ``needs-info``, ``inform`` or ``null`` when no
clock runs), ``stage_due_at`` (when its target passes) and ``overdue``, under the team
settings the caller passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from careterm.core import casework, clock
from careterm.core.model import Incident
from careterm.core.related import Links
from careterm.core.settings import TeamSettings
from careterm.core.stages import stage_of
from careterm.core.timeline import timeline_entries
from careterm.core.triage import waiting_for

RECORD_KEYS = ("id", "what", "who", "when", "when_text", "where", "ongoing", "contact",
               "reporter", "source", "urgency", "status", "created_at", "created_by",
               "acknowledged_at", "acknowledged_by", "acknowledged_via", "notes", "marks",
               "missing", "support", "updated_at", "waiting_seconds", "category", "review",
               "resolutions", "conflicts", "conversations", "unilateral", "informed",
               "needs_informing", "statement", "summary", "warnings", "review_meeting",
               "resolution_members", "acknowledged_consulted", "owner", "recused", "wishes",
               "relayed_by", "links", "stage", "stage_due_at", "overdue")
"""Keys of every record, in output order."""
RECUSED_KEYS = ("id", "status", "urgency", "recused")
"""Every key of the record of a report this laptop's member is recused from (a stub:
:func:`careterm.core.casework.screen_recused`)."""
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
                     detail: bool = False,
                     others: Mapping[str, Incident] | Links | None = None,
                     settings: TeamSettings | None = None) -> dict[str, Any]:
    """The JSON-ready record of ``incident``.

    ``waiting_seconds`` is how long an open report has waited for an
    acknowledgement at ``now`` (``null`` once acknowledged or closed).
    With ``detail`` the record also holds the ``timeline`` (what happened to
    the report, who did it and when) and the ``history`` of every value each
    field has held, oldest first, the current one last.
    """
    if incident.recused:
        return {"id": incident.id, "status": incident.status, "urgency": incident.urgency,
                "recused": True}
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
    # Intake details and confirmed links (read both ways when ``others`` are given).
    record["wishes"] = casework.wishes(incident)
    record["relayed_by"] = casework.relayed_by(incident)
    record["links"] = (others if isinstance(others, Links) else Links(others)).of(incident)
    # The stage clock under the team's settings (the defaults when none are given).
    stage = stage_of(incident, settings or TeamSettings())
    record["stage"] = stage.name if stage else None
    record["stage_due_at"] = iso(stage.due_at) if stage else None
    record["overdue"] = stage.overdue(now) if stage else False
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
