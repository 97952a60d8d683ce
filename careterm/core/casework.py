"""Reading the casework record: what the team decided and did about a report.

Casework is stored as ordinary change records (see
:mod:`careterm.actions.casework` for what is written and how it merges). This
module only reads an :class:`~careterm.core.model.Incident`: its category,
review, resolutions, conflicts of interest, conversations, support, informing
and public statement, the warnings the guide asks for, and the shift handover.

Warnings are never stored: :func:`incident_warnings` derives them from the
record every time, so they stay visible for as long as the cause is there.
Decided as a team: a review, resolution or statement with fewer than two members
named, and a conversation with a party held by one member, are standing warnings
(:func:`decision_warnings`, :func:`conversation_warnings`). Conflicts carry the team's
decision (the latest per member counts, :func:`conflict_decisions`);
:func:`screen_recused` is what each face reads reports through, replacing a report the
laptop's member is recused from by a stub. Whether a typed name is a member is
:func:`unknown_members` against names the caller gathers (core knows no shared folder).
The status rules live in :mod:`careterm.core.workflow`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from careterm.core import clock, summaries
from careterm.core.model import Entry, Incident
from careterm.core.triage import board_header, board_order, format_age, waiting_for
from careterm.core.validate import choice_name, clean_text, required_text, same_person_key
from careterm.core.vocabulary import (
    CATEGORIES,
    CONFLICT_DECISION_LABELS,
    CONVERSATION_KIND_LABELS,
    NOBODY_REACHED,
    OPEN_STATUSES,
    RESOLUTION_ALIASES,
    RESOLUTION_LABELS,
    RESOLUTIONS,
    STAGE_LABELS,
    STAGES,
    STATUS_LABELS,
    SUPPORT_ALIASES,
    SUPPORT_KINDS,
    SUPPORT_LABELS,
    TEAM_DECISION_MEMBERS,
    UNASSIGNED,
    WISHES_LABELS,
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


def review_meeting(incident: Incident) -> dict[str, Any]:
    """Who took part in the review and when: ``{members, at, at_text}`` (``at`` ISO or
    None, ``at_text`` the words as typed or None)."""
    extra = incident.extra
    members = extra.get("review_members")
    return {"members": list(members) if isinstance(members, list) else [],
            "at": extra.get("review_at"), "at_text": extra.get("review_at_text")}


def resolution_members(incident: Incident) -> list[str]:
    """The members who decided the current resolution ([] when none were named)."""
    members = incident.extra.get("resolution_members")
    return list(members) if isinstance(members, list) else []


def owner(incident: Incident) -> str | None:
    """The member who owns the report (``careterm assign``), or None."""
    value = incident.extra.get("owner")
    return value if isinstance(value, str) and value.strip() else None


def acknowledgement_consulted(incident: Incident) -> list[str]:
    """Whom the member who acknowledged consulted (``ack --consulted``); [] when nobody
    was named. Read from the acknowledgement that counts (the earliest)."""
    acks = [c for c in incident.changes if c.get("op") == "ack"]
    if not acks:
        return []
    first = min(acks, key=lambda c: (c["hlc"], c["dev"], c["cid"]))
    consulted = (first.get("data") or {}).get("consulted")
    return list(consulted) if isinstance(consulted, list) else []


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
    """Declared conflicts: ``[{member, reason, by, at}]`` in the order declared; an entry
    that records the team's decision also has ``decision`` (``may-take-part`` or
    ``recused``) and ``decided_by`` (the members who decided)."""
    result = []
    for e in _entries(incident, "conflict"):
        item: dict[str, Any] = {"member": e.data.get("member", ""),
                                "reason": e.data.get("reason", ""), "by": e.by, "at": _iso(e.at)}
        if e.data.get("decision"):
            item["decision"] = e.data["decision"]
            item["decided_by"] = list(e.data.get("decided_by") or [])
        result.append(item)
    return result


def conflict_decisions(incident: Incident) -> dict[str, dict[str, Any]]:
    """Person key → the latest decision recorded for that member (the latest counts):
    ``{member, reason, decision, decided_by, by, at}``. Members with only a declaration
    are left out (the team has not decided yet)."""
    found: dict[str, dict[str, Any]] = {}
    for item in conflicts_for(incident):  # in change order: a later decision replaces
        if item["member"] and item.get("decision"):
            found[same_person_key(item["member"])] = item
    return found


def decision_for(incident: Incident, member: str | None) -> str | None:
    """``may-take-part``, ``recused`` or None (no decision) for ``member`` on this report."""
    if not member:
        return None
    decided = conflict_decisions(incident).get(same_person_key(member))
    return decided["decision"] if decided else None


def is_recused(incident: Incident, member: str | None) -> bool:
    """True when the team's latest decision recuses ``member`` from this report."""
    if incident.recused:
        return True
    if not member or not incident.entries.get("conflict"):
        return False
    return decision_for(incident, member) == "recused"


def recused_stub(incident: Incident) -> Incident:
    """What a recused member's laptop shows in place of the report: id, status, urgency,
    when it was captured and acknowledged, and ``recused=True``; nothing else."""
    return Incident(id=incident.id, urgency=incident.urgency, status=incident.status,
                    created_at=incident.created_at,
                    acknowledged_at=incident.acknowledged_at, recused=True,
                    stub_version=incident.version)


def screen_recused(incidents: dict[str, Incident], member: str | None
                   ) -> dict[str, Incident]:
    """``incidents`` as ``member``'s laptop shows them: each report the team recused
    them from replaced by its :func:`recused_stub`. Each face reads incidents through
    this in one place (the CLI's session, the app's snapshot). It hides the report from
    a glance, not from a member who decrypts their own store."""
    if not member:
        return dict(incidents)
    return {inc_id: (recused_stub(incident) if is_recused(incident, member) else incident)
            for inc_id, incident in incidents.items()}


def unknown_members(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """The names in ``names`` that are no known member of the team (case and spacing
    ignored). The caller gathers ``known``: core knows nothing of the shared folder."""
    keys = {same_person_key(k) for k in known if k}
    return [n for n in names if n and same_person_key(n) not in keys]


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
    decided = conflict_decisions(incident).get(same_person_key(member or ""))
    if decided is not None:
        said = "; ".join(r for r in dict.fromkeys(reasons) if r)
        by = ", ".join(decided["decided_by"]) or "the team"
        if decided["decision"] == "recused":
            return (f"You have a conflict of interest on this report ({said}). The team "
                    f"decided you are recused (decided by {by}): leave this report to the "
                    "other members.")
        return (f"You have a conflict of interest on this report ({said}). The team decided "
                f"you may take part (decided by {by}).")
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
    elif data.get("kind") in ("reporter", "witness") and len(members) < TEAM_DECISION_MEMBERS:
        present = members[0] if members else "nobody recorded"
        label = CONVERSATION_KIND_LABELS[data["kind"]]
        warnings.append(f"conversation with {label} ({who}) on {when} had one CARE member "
                        f"present ({present}); the guide asks for two where possible")
    conflicted = _conflicted(incident)
    decisions = conflict_decisions(incident)
    for member in members:
        key = same_person_key(member)
        reasons = conflicted.get(key)
        decided = decisions.get(key, {}).get("decision")
        if reasons and decided == "recused":
            warnings.append(f"{member} is recused from this report ({'; '.join(reasons)}) "
                            f"and was present at the conversation with {who} on {when}")
        elif reasons and decided != "may-take-part":
            warnings.append(f"{member} declared a conflict of interest ({'; '.join(reasons)}) "
                            f"and was present at the conversation with {who} on {when}")
    return warnings


def too_few_members(what: str, members: list[str]) -> str | None:
    """The warning for a team decision recorded with fewer than two members, else None."""
    if len(members) >= TEAM_DECISION_MEMBERS:
        return None
    named = f"one member named ({members[0]})" if members else "no members named"
    return (f"{what} was recorded with {named}; the guide asks the team to decide together "
            "(name at least two with --members)")


def decision_warnings(incident: Incident) -> list[str]:
    """Warnings for the team's decisions (review, resolution, public statement) recorded
    with fewer than two members."""
    warnings = []
    if any(review(incident).values()):
        warnings.append(too_few_members("the review", review_meeting(incident)["members"]))
    if resolutions(incident):
        warnings.append(too_few_members("the resolution", resolution_members(incident)))
    decided = statement(incident)
    if decided is not None:
        warnings.append(too_few_members("the public statement decision", decided["members"]))
    return [w for w in warnings if w]


def incident_warnings(incident: Incident) -> list[str]:
    """Every standing warning on the report (derived from the record, never stored)."""
    warnings: list[str] = []
    for entry in _entries(incident, "conversation"):
        warnings.extend(conversation_warnings(incident, entry))
    warnings.extend(decision_warnings(incident))
    warnings.extend(intake_warnings(incident))
    return warnings


# ------------------------------------------------------------ intake: relayed, wishes

def wishes(incident: Incident) -> str | None:
    """What the reporter wants done (a name from :data:`WISHES`), or ``None`` when not
    recorded."""
    value = incident.extra.get("wishes")
    return value if isinstance(value, str) and value else None


def relayed_by(incident: Incident) -> str | None:
    """Who passed the report on (a volunteer, a staff member), or ``None``."""
    value = incident.extra.get("relayed_by")
    return value if isinstance(value, str) and value.strip() else None


def met_reporter(incident: Incident) -> bool:
    """True once a conversation with the reporter is recorded."""
    return any(e.data.get("kind") == "reporter" for e in _entries(incident, "conversation"))


MEET_REPORTER = "meet the original reporter first"
"""The guide's advice for a report passed on by someone else."""


def conversation_against_wishes(incident: Incident, kind: str | None) -> str | None:
    """Why a conversation of ``kind`` goes against the reporter's wishes, or ``None``:
    talking to the reported person when the reporter asked for no confrontation or only
    a record."""
    wanted = wishes(incident)
    if kind == "reported-person" and wanted in ("no-confrontation", "record-only"):
        return (f"the reporter {WISHES_LABELS[wanted]}: a conversation with the reported "
                "person goes against the reporter's wishes")
    return None


def resolution_against_wishes(incident: Incident, names: Iterable[str]) -> str | None:
    """Why resolution ``names`` go against the reporter's wishes, or ``None``: anything
    but no-action when the reporter wants no action or only a record."""
    wanted = wishes(incident)
    chosen = [n for n in names if n != "no-action"]
    if chosen and wanted in ("no-action", "record-only"):
        return (f"the reporter {WISHES_LABELS[wanted]}: the resolution "
                f"({', '.join(chosen)}) goes against the reporter's wishes")
    return None


def intake_warnings(incident: Incident) -> list[str]:
    """Standing warnings from the intake details: a relayed report nobody has met the
    reporter for yet; a conversation or a resolution recorded against the reporter's
    wishes (confirmed with --force, so the record says so)."""
    warnings: list[str] = []
    via = relayed_by(incident)
    if via and not met_reporter(incident):
        # The relayer is not named here: the row "relayed by" shows them (privacy mode
        # hides that row's name; warnings are masked only for the report's own people).
        warnings.append(f"passed on by someone else: {MEET_REPORTER} (no conversation with "
                        "the reporter recorded yet)")
    for entry in _entries(incident, "conversation"):
        if entry.data.get("against_wishes"):
            when = _stamp(datetime.fromisoformat(entry.data["held_at"])) \
                if entry.data.get("held_at") else _stamp(entry.at)
            warnings.append(f"conversation with {entry.data.get('with', '')} on {when} went "
                            f"against the reporter's wishes "
                            f"({WISHES_LABELS.get(entry.data['against_wishes'], 'as recorded')})")
    reason = resolution_against_wishes(incident, resolutions(incident))
    if reason:
        warnings.append(reason)
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
    """``[{how, told, by, at}]`` in the order recorded, with ``consulted`` (the members
    asked first) when any were named."""
    return [{"how": e.data.get("how", ""), "told": e.data.get("told"), "by": e.by,
             "at": _iso(e.at),
             **({"consulted": list(e.data["consulted"])} if e.data.get("consulted") else {})}
            for e in _entries(incident, "inform")]


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


def aliases(incident: Incident) -> list[tuple[str, str]]:
    """The team's pseudonyms for people in the report (``alias`` entries, issue 15):
    ``[(name, pseudonym)]``, the latest one given for each name (names compared as
    :func:`same_person_key`), in the order the names were first given. The real name
    stays in the record; privacy mode, the handover and pseudonymised exports show the
    pseudonym in its place (:mod:`careterm.views.privacy`)."""
    latest: dict[str, tuple[str, str]] = {}
    for entry in _entries(incident, "alias"):
        name, pseudonym = entry.data.get("name"), entry.data.get("pseudonym")
        if isinstance(name, str) and isinstance(pseudonym, str) and name.strip() \
                and pseudonym.strip():
            key = same_person_key(name)
            latest[key] = (latest.get(key, (name, ""))[0], pseudonym)
    return list(latest.values())


def describe_entry(op: str, data: dict[str, Any]) -> str:
    """One line for a timeline saying what a casework entry recorded (user text raw:
    the caller makes it visible). An ``alias`` is told without the name it hides."""
    if op == "alias":
        return f"pseudonym given to a person: shown as {data.get('pseudonym', '')}"
    if op == "conflict":
        if data.get("decision"):
            label = CONFLICT_DECISION_LABELS.get(data["decision"], str(data["decision"]))
            by = ", ".join(data.get("decided_by") or []) or "not named"
            return (f"conflict of interest for {data.get('member', '')}: {label} "
                    f"(decided by {by})")
        return f"conflict of interest declared for {data.get('member', '')}"
    if op == "reveal":
        return f"revealed by {data.get('member', '')} despite recusal"
    if op == "conversation":
        kind = CONVERSATION_KIND_LABELS.get(data.get("kind") or "other", "someone else")
        against = " against the reporter's wishes" if data.get("against_wishes") else ""
        return f"conversation with {data.get('with', '')} ({kind}) recorded{against}"
    if op == "unilateral":
        return f"unilateral action recorded: {data.get('action', '')}"
    if op == "evidence":
        return f"evidence added: {data.get('name', '')}"
    if op == "support":
        label = SUPPORT_LABELS.get(data.get("kind", ""), data.get("kind", ""))
        return f"support: {label} {data.get('state', '')}"
    if op == "inform":
        consulted = ", ".join(data.get("consulted") or [])
        return (f"reporter informed ({data.get('how', '')})"
                + (f"; consulted: {consulted}" if consulted else "")
                + (f"; forced, out of order: {data['forced']}" if data.get("forced") else ""))
    if op == "link":
        return f"linked to report {data.get('other', '')} (the same person)"
    if op == summaries.APPROVAL_OP:
        return summaries.describe_approval(data)
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
        "summary": summaries.summary(incident),
        "warnings": incident_warnings(incident),
        "review_meeting": review_meeting(incident),
        "resolution_members": resolution_members(incident),
        "acknowledged_consulted": acknowledgement_consulted(incident),
        "owner": owner(incident),
        "recused": incident.recused,
    }


def waiting_for_decision(incident: Incident) -> bool:
    """True for an open report past ``new`` with no decision in force (being reviewed,
    waiting for information, or moved on without a resolution recorded)."""
    if not incident.is_open or incident.status == "new":
        return False
    return incident.status in ("acknowledged", "in-review", "needs-info") \
        or not resolutions(incident)


RECUSED_ROW = "recused: details hidden on this laptop"
"""What a list row, the board and the handover say for a report this laptop's member is
recused from, in place of what happened."""


def _summary(incident: Incident, now: datetime) -> dict[str, Any]:
    first_line = (incident.what or "").strip().splitlines()[0] if incident.what else ""
    if incident.recused:
        first_line = RECUSED_ROW
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
        "owner": owner(incident),
    }


def handover(incident_list: Iterable[Incident] | dict[str, Incident],
             now: datetime | None = None,
             overdue: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One page for a lead starting a shift, each list in board order:
    ``{header, overdue, open, unacknowledged, waiting_for_decision, waiting_to_inform,
    by_owner}`` (items are JSON-ready summaries with the report ``id``). ``overdue``
    (report id → stage, :func:`careterm.core.stages.overdue_stages`) gives the overdue
    reports by stage: ``[{stage, label, reports}]`` in workflow order, stages with
    none left out."""
    now = now or clock.now()
    if isinstance(incident_list, dict):
        incident_list = incident_list.values()
    open_ = board_order(i for i in incident_list if i.status in OPEN_STATUSES)
    late = overdue or {}
    by_stage = [{"stage": stage, "label": STAGE_LABELS[stage],
                 "reports": [_summary(i, now) for i in open_ if late.get(i.id) == stage]}
                for stage in STAGES]
    return {
        "header": board_header(open_, sum(1 for i in open_ if i.id in late)),
        "overdue": [group for group in by_stage if group["reports"]],
        "open": [_summary(i, now) for i in open_],
        "unacknowledged": [_summary(i, now) for i in open_ if not i.acknowledged],
        "waiting_for_decision": [_summary(i, now) for i in open_ if waiting_for_decision(i)],
        "waiting_to_inform": [_summary(i, now) for i in open_ if needs_informing(i)],
        "by_owner": _by_owner(open_, now),
    }


def _by_owner(open_: list[Incident], now: datetime) -> list[dict[str, Any]]:
    """Open reports grouped by owner (``[{owner, reports}]``): owners in name order,
    each group in board order, reports nobody owns last under ``unassigned``."""
    groups: dict[str, tuple[str, list[Incident]]] = {}
    nobody: list[Incident] = []
    for incident in open_:
        name = owner(incident)
        if name is None:
            nobody.append(incident)
        else:
            groups.setdefault(same_person_key(name), (name, []))[1].append(incident)
    result = [{"owner": name, "reports": [_summary(i, now) for i in items]}
              for _key, (name, items) in sorted(groups.items())]
    if nobody:
        result.append({"owner": UNASSIGNED, "reports": [_summary(i, now) for i in nobody]})
    return result
