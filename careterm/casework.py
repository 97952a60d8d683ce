"""Casework: carrying a report from review to closed the way the CARE guide runs it.

Everything here is written as ordinary change records, so it syncs and
merges like the rest of an incident:

* single decisions (status, category, the review record, the resolution, the
  public statement) are ``set`` fields, last writer wins, history kept:
  ``category``, ``review_finding``, ``review_violation``, ``review_actors``,
  ``review_reason``, ``resolutions`` + ``resolution_other`` (always written
  together), ``statement_level`` + ``statement_text`` + ``statement_members``;
* things that happen (a conflict declared, a conversation held, a unilateral
  action, support given, the reporter informed) are add-only list ops
  (``conflict``, ``conversation``, ``unilateral``, ``support``, ``inform``):
  two laptops recording at once never overwrite each other.

Rules, as decided for careterm (none of them ever stops a safety action:
conversations, unilateral actions and support can be recorded at any status):

* Status moves forward freely (steps may be skipped), and from any later
  status a report can go *back to in-review* (needs-info, decided, informed and
  closed may all be reopened for review). Every other backward move is refused.
* Moving to ``acknowledged`` records the acknowledgement itself, so the board
  and the status never disagree.
* ``decided`` needs a recorded resolution; recording a resolution moves a
  report that is not yet decided to ``decided``. A resolution cannot be
  changed on an informed or closed report: reopen it for review first.
* ``informed`` needs an inform record made after the current resolution;
  recording one moves a ``decided`` report to ``informed``.
* ``closed`` is refused while a resolution is waiting to be told to the
  reporter (if they cannot be reached, record that as *how*). A report with
  no resolution (a duplicate, a withdrawn report) may be closed at any time.
* Warnings are never stored: :func:`incident_warnings` derives them from the
  record every time, so they stay visible for as long as the cause is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from careterm import clock
from careterm.errors import InvalidInput
from careterm.incidents import clean_text
from careterm.model import (
    OPEN_STATUSES,
    STATUSES,
    SUPPORT_KINDS,
    SUPPORT_LABELS,
    Entry,
    Incident,
    board_header,
    board_order,
    format_age,
    waiting_for,
)
from careterm.store import Store
from careterm.whentext import parse_when

STATUS_LABELS = {
    "new": "new", "acknowledged": "acknowledged", "in-review": "in review",
    "needs-info": "more information needed", "decided": "resolution decided",
    "informed": "reporter informed", "closed": "closed",
}
"""Status names (as typed on the command line) → what people read."""

CATEGORIES = ("harassment", "sexual-attention", "offensive-talk", "offensive-remark",
              "physical-safety", "online", "other")
"""Report categories for the transparency report, in display order."""
CATEGORY_LABELS = {
    "harassment": "harassment",
    "sexual-attention": "unwelcome sexual attention",
    "offensive-talk": "offensive content in a talk or slides",
    "offensive-remark": "offensive joke or remark",
    "physical-safety": "physical safety",
    "online": "online / chat",
    "other": "other",
}

VIOLATIONS = ("yes", "no", "undetermined")
"""Answers to "is this a Code of Conduct violation?"."""
VIOLATION_LABELS = {"yes": "violation", "no": "no violation", "undetermined": "undetermined"}

RESOLUTIONS = ("no-action", "stop-behaviour", "avoid-contact", "no-video", "cancel-talk",
               "remove-participant", "other")
"""The guide's most common resolutions, plus other (with free text)."""
RESOLUTION_LABELS = {
    "no-action": "no action",
    "stop-behaviour": "demand that the participant stops their behaviour",
    "avoid-contact": "demand that the participant prevents further contact with "
                     "certain other participants",
    "no-video": "do not publish the video of the talk",
    "cancel-talk": "cancel the talk",
    "remove-participant": "remove the participant from the conference, without refund",
    "other": "other",
}
_RESOLUTION_ALIASES = {"stop-behavior": "stop-behaviour", "none": "no-action"}

CONVERSATION_KINDS = ("reporter", "witness", "reported-person", "other")
"""Whom a conversation was with."""
CONVERSATION_KIND_LABELS = {"reporter": "the reporter", "witness": "a witness",
                            "reported-person": "the reported person", "other": "someone else"}

SUPPORT_STATES = ("requested", "arranged", "declined")
"""Casework support states. Capture's ``done`` is read as ``arranged``."""
_SUPPORT_ALIASES = {"done": "arranged"}

STATEMENT_LEVELS = ("none", "brief", "detailed")
"""The team's decision on a public statement."""

NOBODY_REACHED = "nobody could be reached"

CASEWORK_FIELD_LABELS = {
    "category": "category",
    "review_finding": "review: what happened", "review_violation": "review: violation",
    "review_actors": "review: who acted badly", "review_reason": "review: reasoning",
    "resolutions": "resolution", "resolution_other": "resolution: other",
    "statement_level": "public statement", "statement_text": "public statement: text",
    "statement_members": "public statement: decided by",
}
"""Labels for the set-fields casework writes (for timelines and exports)."""


# ------------------------------------------------------------------ helpers


def _name(value: Any, choices: tuple[str, ...], what: str,
          aliases: dict[str, str] | None = None) -> str:
    """One of ``choices``, forgiving case, spaces and underscores."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what}: choose one of {', '.join(choices)}")
    name = re.sub(r"[\s_]+", "-", value.strip().lower())
    name = (aliases or {}).get(name, name)
    if name not in choices:
        raise InvalidInput(f"{what}: {value.strip()!r} is not one of {', '.join(choices)}")
    return name


def _required(value: Any, what: str) -> str:
    text = clean_text(value, what)
    if not text:
        raise InvalidInput(f"{what}: this cannot be empty")
    return text


def _names(values: Any, what: str) -> list[str]:
    """A list of people's names: a list, or one string separated by commas."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{what}: expected a list of names")
    result: list[str] = []
    for value in values:
        name = clean_text(value, what)
        if name and _same_person_key(name) not in map(_same_person_key, result):
            result.append(name)
    return result


def _same_person_key(name: str) -> str:
    """How two typed names are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _stamp(at: datetime | None) -> str:
    """A time as the record shows it: ``2026-11-25 14:30``."""
    return at.strftime("%Y-%m-%d %H:%M") if at else "(time unknown)"


def _entries(incident: Incident, op: str) -> list[Entry]:
    return list(incident.entries.get(op, []))


def _set(store: Store, incident_id: str, make: Any) -> Any:
    """Run ``make(incident) -> (data, result)`` in one transaction; write ``data`` if any."""
    out: list[Any] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        data, result = make(incident)
        if data:
            maker.add(incident.id, "set", data)
        out.append(result)

    store.transact(build)
    return out[0]


def _add(store: Store, incident_id: str, op: str, data: dict[str, Any], *,
         set_before: dict[str, Any] | None = None, set_after: Any = None) -> None:
    """Add one list entry in one transaction, optionally with ``set`` changes around it
    (``set_after`` is decided from the current incident)."""

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if set_before:
            maker.add(incident.id, "set", set_before)
        maker.add(incident.id, op, data)
        if set_after is not None:
            more = set_after(incident)
            if more:
                maker.add(incident.id, "set", more)

    store.transact(build)


# ------------------------------------------------------------------ status


def check_transition(old: str, new: str) -> None:
    """Raise :class:`InvalidInput` unless the workflow allows moving ``old`` → ``new``.

    Forward moves are allowed (steps may be skipped); the only way back is to
    ``in-review``. Staying at the same status is allowed (it changes nothing).
    """
    new = _name(new, STATUSES, "status")
    if old not in STATUSES:  # a status from a newer version: let people move on
        return
    if new == old or STATUSES.index(new) > STATUSES.index(old) or new == "in-review":
        return
    raise InvalidInput(f"status: cannot go back from {old} to {new}; "
                       "a report can only go back to in-review")


def status_blocker(incident: Incident, new: str) -> str | None:
    """Why the record does not yet allow ``new`` (one line), or ``None``."""
    if new == "decided" and not resolutions(incident):
        return "decided: record the resolution first"
    if new == "informed":
        if not resolutions(incident):
            return "informed: record the resolution first"
        if needs_informing(incident):
            return "informed: record how the reporter was informed first"
    if new == "closed" and needs_informing(incident):
        return ("closed: the reporter has not been recorded as informed of the resolution; "
                "record that first (if they cannot be reached, record that as how)")
    return None


def change_status(store: Store, incident_id: str, status: str) -> bool:
    """Move the report to ``status`` (a name from :data:`STATUSES`).

    Returns False when it already had that status. Refuses (InvalidInput)
    moves the workflow does not allow and moves the record does not support
    yet (see the module rules). Moving to ``acknowledged`` also records the
    acknowledgement.
    """
    status = _name(status, STATUSES, "status")

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        check_transition(incident.status, status)
        if incident.status == status:
            done.append(False)
            return
        blocker = status_blocker(incident, status)
        if blocker:
            raise InvalidInput(blocker)
        if status == "acknowledged" and not incident.acknowledged:
            maker.add(incident.id, "ack", {})
        maker.add(incident.id, "set", {"status": status})
        done.append(True)

    done: list[bool] = []
    store.transact(build)
    return done[0]


# ------------------------------------------------------------------ category & review


def category(incident: Incident) -> str | None:
    """The report's category name, or ``None`` when not categorised yet."""
    value = incident.extra.get("category")
    return value if value in CATEGORIES else (None if value is None else "other")


def categorize(store: Store, incident_id: str, category_name: str) -> bool:
    """Set the report's category; False when it already had it."""
    name = _name(category_name, CATEGORIES, "category")
    return _set(store, incident_id, lambda inc: (
        ({"category": name}, True) if inc.extra.get("category") != name else (None, False)))


REVIEW_FIELDS = ("finding", "violation", "actors", "reason")


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


def record_review(store: Store, incident_id: str, *, finding: str | None = None,
                  violation: str | None = None, actors: list[str] | None = None,
                  reason: str | None = None) -> list[str]:
    """Fill in the review record; only the answers given change (``""`` / ``[]`` clear one).

    Returns the names (finding, violation, actors, reason) that really changed.
    """
    data: dict[str, Any] = {}
    if finding is not None:
        data["review_finding"] = clean_text(finding, "finding")
    if violation is not None:
        data["review_violation"] = (_name(violation, VIOLATIONS, "violation")
                                    if violation != "" else None)
    if actors is not None:
        data["review_actors"] = _names(actors, "actor")
    if reason is not None:
        data["review_reason"] = clean_text(reason, "reason")
    if not data:
        raise InvalidInput("review: give at least one of finding, violation, actor, reason")

    def make(incident: Incident) -> tuple[dict[str, Any], list[str]]:
        current = {f"review_{k}": v for k, v in review(incident).items()}
        changed = {k: v for k, v in data.items() if current.get(k) != v}
        return changed, [k.removeprefix("review_") for k in changed]

    return _set(store, incident_id, make)


# ------------------------------------------------------------------ resolutions


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
    chosen = {_name(n, RESOLUTIONS, "resolution", _RESOLUTION_ALIASES) for n in names}
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


def record_resolution(store: Store, incident_id: str, names: Iterable[str] | str,
                      other: str | None = None) -> list[str]:
    """Record the team's resolution (replacing an earlier one); return the names recorded.

    A report not yet decided moves to ``decided``. Refused on an informed or
    closed report: reopen it for review first, so the reporter is told again.
    """
    chosen, other_text = check_resolutions(names, other)

    def make(incident: Incident) -> tuple[dict[str, Any], list[str]]:
        if incident.status in ("informed", "closed"):
            raise InvalidInput(f"resolution: the report is {incident.status}; move it back "
                               "to in-review before changing the resolution")
        data: dict[str, Any] = {"resolutions": chosen, "resolution_other": other_text}
        if incident.status in STATUSES[:STATUSES.index("decided")]:
            data["status"] = "decided"
        return data, chosen

    return _set(store, incident_id, make)


# ------------------------------------------------------------------ conflicts of interest


def declare_conflict(store: Store, incident_id: str, member: str, reason: str) -> None:
    """Record that ``member`` has a conflict of interest on this report, and why."""
    data = {"member": _required(member, "member"), "reason": _required(reason, "reason")}
    _add(store, incident_id, "conflict", data)


def conflicts_for(incident: Incident) -> list[dict[str, Any]]:
    """Declared conflicts: ``[{member, reason, by, at}]`` in the order declared."""
    return [{"member": e.data.get("member", ""), "reason": e.data.get("reason", ""),
             "by": e.by, "at": _iso(e.at)} for e in _entries(incident, "conflict")]


def _conflicted(incident: Incident) -> dict[str, list[str]]:
    """Person key → reasons, for members who declared a conflict."""
    found: dict[str, list[str]] = {}
    for item in conflicts_for(incident):
        if item["member"]:
            found.setdefault(_same_person_key(item["member"]), []).append(item["reason"])
    return found


def member_conflict_warning(incident: Incident, member: str) -> str | None:
    """What ``member`` sees on opening the report when they declared a conflict, else None."""
    reasons = _conflicted(incident).get(_same_person_key(member or ""))
    if not reasons:
        return None
    return ("You declared a conflict of interest on this report (" + "; ".join(reasons)
            + "). The team decides together whether you take part; where possible, leave "
              "conversations with the people involved to other members.")


# ------------------------------------------------------------------ conversations

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
    key = _same_person_key(with_whom)
    if incident.reporter and key == _same_person_key(incident.reporter):
        return "reporter"
    if incident.who and len(key) >= 3 and key in _same_person_key(incident.who):
        return "reported-person"
    return "other"


def record_conversation(store: Store, incident_id: str, with_whom: str,
                        members: list[str] | str, notes: str | None = None,
                        kind: str | None = None, at: datetime | str | None = None
                        ) -> list[str]:
    """Record a conversation held as part of the case; return the warnings it raises.

    ``members`` are the CARE members present (a list, or names separated by
    commas). ``kind`` is one of :data:`CONVERSATION_KINDS`, inferred from
    ``with_whom`` when not given. ``at`` is when it was held (a time, or words
    like "10 min ago"); by default when it is recorded. The warnings stay on
    the report (see :func:`incident_warnings`).
    """
    who = _required(with_whom, "with")
    present = _names(members, "members")
    if not present:
        raise InvalidInput("members: name the CARE members present (at least one)")
    chosen_kind = _name(kind, CONVERSATION_KINDS, "kind") if kind is not None else None
    held_at, held_text = _when(at)
    data = {"with": who, "kind": chosen_kind, "members": present,
            "notes": clean_text(notes, "notes"), "held_at": held_at, "held_text": held_text}
    warnings: list[str] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if data["kind"] is None:
            data["kind"] = infer_conversation_kind(incident, who)
        change = maker.add(incident.id, "conversation", data)
        entry = Entry("conversation", change["by"], datetime.fromisoformat(change["at"]),
                      data, change["cid"], ("", "", ""))
        warnings.extend(conversation_warnings(incident, entry))

    store.transact(build)
    return warnings


def _when(at: datetime | str | None) -> tuple[str | None, str | None]:
    """(ISO time or None, words as typed or None) for a time given as either."""
    if at is None:
        return None, None
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise InvalidInput("at: the time needs a time zone")
        return at.isoformat(), None
    text = _required(at, "at")
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
        reasons = conflicted.get(_same_person_key(member))
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


# ------------------------------------------------------------------ unilateral action


def record_unilateral(store: Store, incident_id: str, action: str,
                      consulted: str | None = None) -> None:
    """Record an action one member took alone in an urgent case, and whom they consulted
    (``None``: nobody could be reached)."""
    data = {"action": _required(action, "action"), "consulted": clean_text(consulted,
                                                                           "consulted")}
    _add(store, incident_id, "unilateral", data)


def unilateral_actions(incident: Incident) -> list[dict[str, Any]]:
    """``[{action, consulted, by, at}]``; ``consulted`` reads "nobody could be reached"."""
    return [{"action": e.data.get("action", ""),
             "consulted": e.data.get("consulted") or NOBODY_REACHED,
             "by": e.by, "at": _iso(e.at)} for e in _entries(incident, "unilateral")]


# ------------------------------------------------------------------ support


def record_support(store: Store, incident_id: str, kind: str, state: str,
                   who: str | None = None, at: datetime | str | None = None,
                   notes: str | None = None) -> None:
    """Record support for the reporter: ``kind`` escort / friend / police is
    requested / arranged / declined, by ``who`` (default: the member recording),
    ``at`` a time (default: now). Never a required step.

    Also updates the capture-time ``support_<kind>`` field so every view agrees.
    """
    kind_name = _name(kind, SUPPORT_KINDS, "support")
    state_name = _name(state, SUPPORT_STATES, "state", _SUPPORT_ALIASES)
    held_at, held_text = _when(at)
    data = {"kind": kind_name, "state": state_name, "who": clean_text(who, "who"),
            "held_at": held_at, "held_text": held_text, "notes": clean_text(notes, "notes")}
    model_state = "done" if state_name == "arranged" else state_name
    # The field goes first, so the record (with who and notes) is the latest word.
    _add(store, incident_id, "support", data,
         set_before={f"support_{kind_name}": model_state})


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
                "label": SUPPORT_LABELS[kind], "state": _SUPPORT_ALIASES.get(state, state),
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


# ------------------------------------------------------------------ informing the reporter


def record_informed(store: Store, incident_id: str, how: str, told: str | None = None
                    ) -> None:
    """Record that the reporter was informed (how, and what they were told); when and by
    whom come from the record. A ``decided`` report moves to ``informed``."""
    data = {"how": _required(how, "how"), "told": clean_text(told, "told")}
    _add(store, incident_id, "inform", data,
         set_after=lambda inc: {"status": "informed"} if inc.status == "decided" else None)


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


# ------------------------------------------------------------------ public statement


def record_statement(store: Store, incident_id: str, level: str, text: str | None = None,
                     members: list[str] | str | None = None) -> None:
    """Record the team's decision on a public statement: ``none``, ``brief`` or
    ``detailed``, its text, and optionally the members who took the decision together."""
    level_name = _name(level, STATEMENT_LEVELS, "statement")
    body = clean_text(text, "text")
    if level_name == "none" and body:
        raise InvalidInput("statement: the decision is none, so there is no text to record")
    data = {"statement_level": level_name, "statement_text": body,
            "statement_members": _names(members, "members")}
    _set(store, incident_id, lambda inc: (data, None))


def statement(incident: Incident) -> dict[str, Any] | None:
    """``{level, text, members, by, at}`` or ``None`` when the team has not decided."""
    level = incident.extra.get("statement_level")
    if not level:
        return None
    last = incident.history["statement_level"][-1]
    return {"level": level, "text": incident.extra.get("statement_text"),
            "members": list(incident.extra.get("statement_members") or []),
            "by": last.by, "at": _iso(last.at)}


# ------------------------------------------------------------------ views

ENTRY_OPS = ("conflict", "conversation", "unilateral", "support", "inform")
"""The add-only ops casework writes."""


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
