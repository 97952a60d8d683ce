"""Reading the casework record: what the team decided and did about a report.

Casework is stored as ordinary change records (see
:mod:`careterm.actions.casework` for what is written and how it merges). This
module only reads an :class:`~careterm.core.model.Incident`: its category,
review, resolutions, conflicts of interest, conversations, support, informing
and public statement, the warnings the guide asks for, and the shift handover.

Warnings are never stored: :func:`incident_warnings` derives them from the
record every time, so they stay visible for as long as the cause is there.
The status rules live in :mod:`careterm.core.workflow`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from careterm.core import clock
from careterm.core.model import Entry, Incident
from careterm.core.triage import board_header, board_order, format_age, waiting_for
from careterm.core.validate import choice_name, clean_text, required_text, same_person_key
from careterm.core.vocabulary import (
    CATEGORIES,
    CONVERSATION_KIND_LABELS,
    NOBODY_REACHED,
    OPEN_STATUSES,
    RESOLUTION_ALIASES,
    RESOLUTION_LABELS,
    RESOLUTIONS,
    STATUS_LABELS,
    SUPPORT_ALIASES,
    SUPPORT_KINDS,
    SUPPORT_LABELS,
)
from careterm.core.whentext import parse_when
from careterm.errors import InvalidInput


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _stamp(at: datetime | None) -> str:
    """A time as the record shows it: ``2026-11-25 14:30``."""
    return at.strftime("%Y-%m-%d %H:%M") if at else "(time unknown)"


def _entries(incident: Incident, op: str) -> list[Entry]:
    return list(incident.entries.get(op, []))


def category(incident: Incident) -> str | None:
    """The report's category name, or ``None`` when not categorised yet."""
    value = incident.extra.get("category")
    return value if value in CATEGORIES else (None if value is None else "other")


def review(incident: Incident) -> dict[str, Any]:
    """The review record: ``{finding, violation, actors, reason}`` (None/[] when not filled)."""
    extra = incident.extra
    actors = extra.get("review_actors")
    return {
        "finding": extra.get("review_finding"),
        "violation": extra.get("review_violation"),
        "actors": list(actors) if isinstance(actors, list) else [],
        "reason": extra.get("review_reason"),
    }


def resolutions(incident: Incident) -> list[str]:
    """Names of the recorded resolution(s), in :data:`RESOLUTIONS` order ([] when none)."""
    value = incident.extra.get("resolutions")
    if not isinstance(value, list):
        return []
    known = [n for n in RESOLUTIONS if n in value]
    if any(n not in RESOLUTIONS for n in value) and "other" not in known:
        known.append("other")  # a name from a newer version still counts as a resolution
    return known


def resolution_list(incident: Incident) -> list[dict[str, Any]]:
    """The resolution(s) as ``[{name, label, text?}]`` (``text`` for ``other``)."""
    result = []
    for name in resolutions(incident):
        item: dict[str, Any] = {"name": name, "label": RESOLUTION_LABELS[name]}
        if name == "other":
            item["text"] = incident.extra.get("resolution_other")
        result.append(item)
    return result


def check_resolutions(names: Iterable[str] | str, other: str | None = None
                      ) -> tuple[list[str], str | None]:
    """Validate resolution names and the ``other`` text; return them in canonical form.

    More than one may apply; ``no-action`` cannot be combined with another;
    ``other`` needs its text, and text given without ``other`` adds ``other``.
    """
    if isinstance(names, str):
        names = [names]
    chosen = {choice_name(n, RESOLUTIONS, "resolution", RESOLUTION_ALIASES) for n in names}
    other_text = clean_text(other, "other")
    if other_text:
        chosen.add("other")
    if not chosen:
        raise InvalidInput(f"resolution: choose at least one of {', '.join(RESOLUTIONS)}")
    if "other" in chosen and not other_text:
        raise InvalidInput("resolution: other needs a description (--other TEXT)")
    if "no-action" in chosen and len(chosen) > 1:
        raise InvalidInput("resolution: no-action cannot be combined with another resolution")
    return [n for n in RESOLUTIONS if n in chosen], other_text


def conflicts_for(incident: Incident) -> list[dict[str, Any]]:
    """Declared conflicts: ``[{member, reason, by, at}]`` in the order declared."""
    return [{"member": e.data.get("member", ""), "reason": e.data.get("reason", ""),
             "by": e.by, "at": _iso(e.at)} for e in _entries(incident, "conflict")]


def _conflicted(incident: Incident) -> dict[str, list[str]]:
    """Person key → reasons, for members who declared a conflict."""
    found: dict[str, list[str]] = {}
    for item in conflicts_for(incident):
        if item["member"]:
            found.setdefault(same_person_key(item["member"]), []).append(item["reason"])
    return found


def member_conflict_warning(incident: Incident, member: str) -> str | None:
    """What ``member`` sees on opening the report when they declared a conflict, else None."""
    reasons = _conflicted(incident).get(same_person_key(member or ""))
    if not reasons:
        return None
    return ("You declared a conflict of interest on this report (" + "; ".join(reasons)
            + "). The team decides together whether you take part; where possible, leave "
              "conversations with the people involved to other members.")


_KIND_WORDS = (
    ("reported-person", re.compile(r"\b(reported|accused|offender|bad actor|respondent|"
                                   r"harasser|perpetrator)\b", re.IGNORECASE)),
    ("reporter", re.compile(r"\b(reporter|complainant|target)\b", re.IGNORECASE)),
    ("witness", re.compile(r"\bwitness(es)?\b", re.IGNORECASE)),
)


def infer_conversation_kind(incident: Incident, with_whom: str) -> str:
    """Whom a conversation was with, told from the words typed.

    Words like "reported person" / "reporter" / "witness" decide; then the
    reporter's recorded name; then a name that appears in "who was involved"
    counts as the reported person, because when unsure careterm errs towards
    showing the two-member warning. Otherwise ``other``.
    """
    for kind, pattern in _KIND_WORDS:
        if pattern.search(with_whom):
            return kind
    key = same_person_key(with_whom)
    if incident.reporter and key == same_person_key(incident.reporter):
        return "reporter"
    if incident.who and len(key) >= 3 and key in same_person_key(incident.who):
        return "reported-person"
    return "other"


def held_when(at: datetime | str | None) -> tuple[str | None, str | None]:
    """(ISO time or None, words as typed or None) for a time given as either."""
    if at is None:
        return None, None
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise InvalidInput("at: the time needs a time zone")
        return at.isoformat(), None
    text = required_text(at, "at")
    parsed = parse_when(text, clock.now())
    return (parsed.isoformat() if parsed else None), text


def conversations(incident: Incident) -> list[dict[str, Any]]:
    """Recorded conversations: ``[{with, kind, members, notes, held_at, held_text, by, at,
    warnings}]`` in the order recorded."""
    result = []
    for entry in _entries(incident, "conversation"):
        data = entry.data
        result.append({
            "with": data.get("with", ""), "kind": data.get("kind") or "other",
            "members": list(data.get("members") or []), "notes": data.get("notes"),
            "held_at": data.get("held_at") or _iso(entry.at),
            "held_text": data.get("held_text"), "by": entry.by, "at": _iso(entry.at),
            "warnings": conversation_warnings(incident, entry),
        })
    return result


def conversation_warnings(incident: Incident, entry: Entry) -> list[str]:
    """Warnings one conversation raises: one member with the reported person; a member
    with a declared conflict present."""
    data = entry.data
    members = list(data.get("members") or [])
    held = data.get("held_at") or _iso(entry.at)
    when = _stamp(datetime.fromisoformat(held)) if held else "(time unknown)"
    who = data.get("with", "")
    warnings = []
    if data.get("kind") == "reported-person" and len(members) < 2:
        present = members[0] if members else "nobody recorded"
        warnings.append(f"conversation with the reported person ({who}) on {when} had one "
                        f"CARE member present ({present}); the guide asks for two")
    conflicted = _conflicted(incident)
    for member in members:
        reasons = conflicted.get(same_person_key(member))
        if reasons:
            warnings.append(f"{member} declared a conflict of interest ({'; '.join(reasons)}) "
                            f"and was present at the conversation with {who} on {when}")
    return warnings


def incident_warnings(incident: Incident) -> list[str]:
    """Every standing warning on the report (derived from the record, never stored)."""
    warnings: list[str] = []
    for entry in _entries(incident, "conversation"):
        warnings.extend(conversation_warnings(incident, entry))
    return warnings


def unilateral_actions(incident: Incident) -> list[dict[str, Any]]:
    """``[{action, consulted, by, at}]``; ``consulted`` reads "nobody could be reached"."""
    return [{"action": e.data.get("action", ""),
             "consulted": e.data.get("consulted") or NOBODY_REACHED,
             "by": e.by, "at": _iso(e.at)} for e in _entries(incident, "unilateral")]


def support_status(incident: Incident) -> dict[str, dict[str, Any]]:
    """Latest support state per kind (capture-time field or casework record, latest wins):
    ``{kind: {label, state, who, at, by, notes}}``; kinds with no state are left out."""
    latest: dict[str, tuple[tuple[str, str, str], dict[str, Any] | None]] = {}

    def offer(kind: str, key: tuple[str, str, str], item: dict[str, Any] | None) -> None:
        if kind not in latest or key > latest[kind][0]:
            latest[kind] = (key, item)

    for kind in SUPPORT_KINDS:
        values = incident.history.get(f"support_{kind}") or []
        if values:
            last = values[-1]
            state = last.value if isinstance(last.value, str) and last.value else None
            offer(kind, last.key, None if state is None else {
                "label": SUPPORT_LABELS[kind], "state": SUPPORT_ALIASES.get(state, state),
                "who": None, "at": _iso(last.at), "by": last.by, "notes": None})
    for entry in _entries(incident, "support"):
        kind = entry.data.get("kind")
        if kind in SUPPORT_KINDS:
            offer(kind, entry.key, {
                "label": SUPPORT_LABELS[kind], "state": entry.data.get("state"),
                "who": entry.data.get("who") or entry.by,
                "at": entry.data.get("held_at") or _iso(entry.at), "by": entry.by,
                "notes": entry.data.get("notes")})
    return {k: latest[k][1] for k in SUPPORT_KINDS  # type: ignore[misc]
            if k in latest and latest[k][1] is not None}


def informed_records(incident: Incident) -> list[dict[str, Any]]:
    """``[{how, told, by, at}]`` in the order recorded."""
    return [{"how": e.data.get("how", ""), "told": e.data.get("told"), "by": e.by,
             "at": _iso(e.at)} for e in _entries(incident, "inform")]


def needs_informing(incident: Incident) -> bool:
    """True when a resolution is recorded and nobody has recorded informing the
    reporter since it was (a changed resolution needs telling again)."""
    if not resolutions(incident):
        return False
    decided_key = incident.history["resolutions"][-1].key
    return not any(e.key > decided_key for e in _entries(incident, "inform"))


def statement(incident: Incident) -> dict[str, Any] | None:
    """``{level, text, members, by, at}`` or ``None`` when the team has not decided."""
    level = incident.extra.get("statement_level")
    if not level:
        return None
    last = incident.history["statement_level"][-1]
    return {"level": level, "text": incident.extra.get("statement_text"),
            "members": list(incident.extra.get("statement_members") or []),
            "by": last.by, "at": _iso(last.at)}


def describe_entry(op: str, data: dict[str, Any]) -> str:
    """One line for a timeline saying what a casework entry recorded (user text raw:
    the caller makes it visible)."""
    if op == "conflict":
        return f"conflict of interest declared for {data.get('member', '')}"
    if op == "conversation":
        kind = CONVERSATION_KIND_LABELS.get(data.get("kind") or "other", "someone else")
        return f"conversation with {data.get('with', '')} ({kind}) recorded"
    if op == "unilateral":
        return f"unilateral action recorded: {data.get('action', '')}"
    if op == "support":
        label = SUPPORT_LABELS.get(data.get("kind", ""), data.get("kind", ""))
        return f"support: {label} {data.get('state', '')}"
    if op == "inform":
        return f"reporter informed ({data.get('how', '')})"
    return op


def casework_dict(incident: Incident) -> dict[str, Any]:
    """Casework of one report in JSON-ready form (``show --json``)."""
    return {
        "category": category(incident),
        "review": review(incident),
        "resolutions": resolution_list(incident),
        "conflicts": conflicts_for(incident),
        "conversations": conversations(incident),
        "unilateral": unilateral_actions(incident),
        "support": support_status(incident),
        "informed": informed_records(incident),
        "needs_informing": needs_informing(incident),
        "statement": statement(incident),
        "warnings": incident_warnings(incident),
    }


def waiting_for_decision(incident: Incident) -> bool:
    """True for an open report past ``new`` with no decision in force (being reviewed,
    waiting for information, or moved on without a resolution recorded)."""
    if not incident.is_open or incident.status == "new":
        return False
    return incident.status in ("acknowledged", "in-review", "needs-info") \
        or not resolutions(incident)


def _summary(incident: Incident, now: datetime) -> dict[str, Any]:
    first_line = (incident.what or "").strip().splitlines()[0] if incident.what else ""
    return {
        "id": incident.id, "urgency": incident.urgency, "status": incident.status,
        "status_label": STATUS_LABELS.get(incident.status, incident.status),
        "category": category(incident),
        "age": format_age(now - incident.created_at) if incident.created_at else "",
        "acknowledged": incident.acknowledged,
        "waiting": format_age(waiting_for(incident, now)) if not incident.acknowledged else "",
        "needs_informing": needs_informing(incident),
        "warnings": len(incident_warnings(incident)),
        "what": first_line[:80] + ("…" if len(first_line) > 80 else ""),
    }


def handover(incident_list: Iterable[Incident] | dict[str, Incident],
             now: datetime | None = None) -> dict[str, Any]:
    """One page for a lead starting a shift, each list in board order:
    ``{header, open, unacknowledged, waiting_for_decision, waiting_to_inform}``
    (items are JSON-ready summaries with the report ``id``)."""
    now = now or clock.now()
    if isinstance(incident_list, dict):
        incident_list = incident_list.values()
    open_ = board_order(i for i in incident_list if i.status in OPEN_STATUSES)
    return {
        "header": board_header(open_),
        "open": [_summary(i, now) for i in open_],
        "unacknowledged": [_summary(i, now) for i in open_ if not i.acknowledged],
        "waiting_for_decision": [_summary(i, now) for i in open_ if waiting_for_decision(i)],
        "waiting_to_inform": [_summary(i, now) for i in open_ if needs_informing(i)],
    }
