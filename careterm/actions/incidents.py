"""What a member can do to incidents: capture, update, acknowledge, note, status.

The command line and every screen call these functions; they hold the rules
(only "what happened" is required, ongoing means at least high urgency, an
acknowledgement stays given) and turn each action into change records.

A question left unanswered is not recorded at all: "not asked" is no value,
never a guess such as ``ongoing: unknown`` (which is the reporter's answer, and
does not raise the urgency either).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from careterm.core import clock
from careterm.core.model import Incident
from careterm.core.validate import (
    check_choice,
    choice_name,
    clean_text,
    effective_urgency,
    name_list,
)
from careterm.core.vocabulary import (
    ACK_VIA,
    CHOICE_FIELDS,
    MARKS,
    OPTIONAL_FIELDS,
    STATUSES,
    SUPPORT_KINDS,
)
from careterm.core.whentext import parse_when
from careterm.core.workflow import check_status_move, check_transition
from careterm.errors import InvalidInput
from careterm.store.store import Store

CAPTURE_OPTIONS = ("what", "who", "when", "where", "ongoing", "contact", "reporter",
                   "source", "urgency", "relayed_by", "wishes")
"""Names of the capture options (CLI flags, import columns, form fields)."""


def resolve_when(text: str | None, now: datetime | None = None) -> dict[str, Any]:
    """``{"when_text": …, "when": ISO or None}`` for what was typed."""
    if not text:
        return {"when_text": None, "when": None}
    when = parse_when(text, now)
    return {"when_text": text, "when": when.isoformat() if when else None}


def _field_data(fields: dict[str, Any], marks: dict[str, str] | None) -> dict[str, Any]:
    """Validate capture/update options into change data (only the keys given)."""
    data: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "when":
            data.update(resolve_when(clean_text(value, "when")))
        elif name in ("ongoing", "source", "urgency", "status", "wishes") \
                or name.startswith("support_"):
            if name not in CHOICE_FIELDS:
                raise InvalidInput(f"unknown field {name!r}")
            data[name] = check_choice(name, value)
        elif name in ("what", "who", "where", "contact", "reporter", "relayed_by"):
            data[name] = clean_text(value, name)
        else:
            raise InvalidInput(f"unknown field {name!r}")
    for name, mark in (marks or {}).items():
        target = "when_text" if name == "when" else name
        if target not in OPTIONAL_FIELDS:
            raise InvalidInput(f"{name} cannot be marked {mark}")
        if mark not in MARKS:
            raise InvalidInput(f"{mark!r} is not one of {', '.join(MARKS)}")
        if fields.get(name):
            raise InvalidInput(f"{name} has an answer and is marked {mark}: choose one")
        data[target] = {"mark": mark}
        if target == "when_text":
            data["when"] = None
    return data


@dataclass
class Captured:
    """The result of a capture."""

    id: str
    urgency: str
    urgency_raised: bool = False
    notices: list[str] = field(default_factory=list)


def capture(store: Store, what: str | None, *, marks: dict[str, str] | None = None,
            support: dict[str, str] | None = None, **fields: Any) -> Captured:
    """Record a new report. Only ``what`` is required; everything else may be missing."""
    captured = prepare_capture(what, marks=marks, support=support, **fields)
    result: list[Captured] = []

    def build(maker: Any) -> None:
        inc_id = maker.new_incident_id()
        maker.add(inc_id, "set", {**captured.data, "created_at": clock.now().isoformat(),
                                  "created_by": store.member})
        result.append(Captured(inc_id, captured.data["urgency"], captured.raised,
                               captured.notices))

    store.transact(build)
    return result[0]


@dataclass
class PreparedCapture:
    """A validated capture, ready to be stamped and stored."""

    data: dict[str, Any]
    raised: bool
    notices: list[str]


def prepare_capture(what: str | None, *, marks: dict[str, str] | None = None,
                    support: dict[str, str] | None = None, **fields: Any) -> PreparedCapture:
    """Validate one report's fields (used by capture and by bulk import)."""
    unknown = set(fields) - set(CAPTURE_OPTIONS)
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}")
    what = clean_text(what, "what")
    if not what:
        raise InvalidInput("what: describe what happened (the only required answer)")
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    for kind, state in (support or {}).items():
        if kind not in SUPPORT_KINDS:
            raise InvalidInput(f"support: {kind!r} is not one of {', '.join(SUPPORT_KINDS)}")
        given[f"support_{kind}"] = state
    data = _field_data(given, marks)
    data["what"] = what
    urgency, raised = effective_urgency(data.get("ongoing"), data.get("urgency"))
    data["urgency"] = urgency
    data["status"] = "new"
    notices = ["urgency raised to high because it is ongoing"] if raised else []
    return PreparedCapture(data, raised, notices)


def capture_many(store: Store, rows: list[PreparedCapture]) -> list[str]:
    """Store many prepared reports in one write; return their ids in order."""
    made: list[str] = []

    def build(maker: Any) -> None:
        now = clock.now().isoformat()
        for row in rows:
            inc_id = maker.new_incident_id()
            maker.add(inc_id, "set", {**row.data, "created_at": now,
                                      "created_by": store.member})
            made.append(inc_id)

    store.transact(build)
    return made


def update(store: Store, incident_id: str, *, marks: dict[str, str] | None = None,
           reason: str | None = None, **fields: Any) -> list[str]:
    """Change fields of an incident; return the names that really changed.

    Setting ongoing to yes raises the urgency to at least high unless an
    urgency is given in the same update. ``reason``: why a status given here closes
    the report without a resolution told to the reporter (as :func:`change_status`).
    """
    changed: list[str] = []
    why = clean_text(reason, "reason")
    if "what" in fields and not clean_text(fields["what"], "what"):
        raise InvalidInput("what: cannot be emptied (it is the one required answer)")

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        data = _field_data({k: v for k, v in fields.items()}, marks)
        if data.get("ongoing") == "yes" and "urgency" not in data:
            urgency, raised = effective_urgency("yes", None, incident.urgency)
            if raised:
                data["urgency"] = urgency
        if "status" in data and data["status"] is None:
            del data["status"]
        if data.get("status") not in (None, incident.status):
            check_status_move(incident, data["status"], why)
        current = current_values(incident)
        data = {k: v for k, v in data.items() if current.get(k) != v}
        if why and "status" in data:
            data["status_reason"] = why
        if data:
            maker.add(incident.id, "set", data)
            changed.extend(k for k in data if k != "when")

    store.transact(build)
    return changed


def current_values(incident: Incident) -> dict[str, Any]:
    """The incident's fields in change-data form (for skipping no-op updates)."""
    values: dict[str, Any] = {}
    for name in ("what", "who", "when_text", "where", "ongoing", "contact", "reporter",
                 "source", "urgency", "status"):
        values[name] = ({"mark": incident.marks[name]} if name in incident.marks
                        else getattr(incident, name))
    values["when"] = incident.when.isoformat() if incident.when else None
    for kind in SUPPORT_KINDS:
        values[f"support_{kind}"] = incident.support.get(kind)
    for name in ("relayed_by", "wishes"):  # intake details (kept in Incident.extra)
        values[name] = incident.extra.get(name)
    return values


def acknowledge(store: Store, incident_id: str, via: str | None = None,
                consulted: list[str] | str | None = None) -> bool:
    """Acknowledge receipt to the reporter (``consulted``: the members the one
    acknowledging consulted). Returns False if it already was (no change)."""
    if via is not None and via not in ACK_VIA:
        raise InvalidInput(f"via: {via!r} is not one of {', '.join(ACK_VIA)}")
    whom = name_list(consulted, "consulted")
    done: list[bool] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if incident.acknowledged:
            done.append(False)
            return
        data: dict[str, Any] = {"via": via} if via else {}
        if whom:
            data["consulted"] = whom
        maker.add(incident.id, "ack", data)
        if incident.status == "new":
            maker.add(incident.id, "set", {"status": "acknowledged"})
        done.append(True)

    store.transact(build)
    return done[0]


def add_note(store: Store, incident_id: str, text: str) -> None:
    """Add a note to the incident's record (notes are never overwritten)."""
    cleaned = clean_text(text, "note")
    if not cleaned:
        raise InvalidInput("note: the note is empty")

    def build(maker: Any) -> None:
        maker.add(store.get(incident_id).id, "note", {"text": cleaned})

    store.transact(build)


def change_status(store: Store, incident_id: str, status: str,
                  reason: str | None = None) -> bool:
    """Move the report to ``status`` (a name from :data:`STATUSES`).

    Returns False when it already had that status. Refuses (InvalidInput)
    moves the workflow does not allow and moves the record does not support
    yet (see the module rules): closing without a resolution told to the
    reporter needs ``reason``, recorded with the status change
    (``status_reason``, read in the timeline). Moving to ``acknowledged`` also
    records the acknowledgement.
    """
    status = choice_name(status, STATUSES, "status")
    why = clean_text(reason, "reason")

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if incident.status == status:
            check_transition(incident.status, status)
            done.append(False)
            return
        check_status_move(incident, status, why)
        if status == "acknowledged" and not incident.acknowledged:
            maker.add(incident.id, "ack", {})
        maker.add(incident.id, "set", {"status": status, "status_reason": why} if why
                  else {"status": status})
        done.append(True)

    done: list[bool] = []
    store.transact(build)
    return done[0]
