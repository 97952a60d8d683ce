"""Casework writes: carrying a report from review to closed the way the CARE guide runs it.

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
* Warnings are derived, never stored (see :mod:`careterm.core.casework`).

The status moves themselves are :func:`careterm.actions.incidents.change_status`
under the rules of :mod:`careterm.core.workflow`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from careterm.core.casework import (
    check_resolutions,
    conversation_warnings,
    held_when,
    infer_conversation_kind,
    review,
)
from careterm.core.model import Entry, Incident
from careterm.core.validate import choice_name, clean_text, name_list, required_text
from careterm.core.vocabulary import (
    CATEGORIES,
    CONVERSATION_KINDS,
    STATEMENT_LEVELS,
    STATUSES,
    SUPPORT_ALIASES,
    SUPPORT_KINDS,
    SUPPORT_STATES,
    VIOLATIONS,
)
from careterm.errors import InvalidInput
from careterm.store.store import Store


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


def categorize(store: Store, incident_id: str, category_name: str) -> bool:
    """Set the report's category; False when it already had it."""
    name = choice_name(category_name, CATEGORIES, "category")
    return _set(store, incident_id, lambda inc: (
        ({"category": name}, True) if inc.extra.get("category") != name else (None, False)))


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
        data["review_violation"] = (choice_name(violation, VIOLATIONS, "violation")
                                    if violation != "" else None)
    if actors is not None:
        data["review_actors"] = name_list(actors, "actor")
    if reason is not None:
        data["review_reason"] = clean_text(reason, "reason")
    if not data:
        raise InvalidInput("review: give at least one of finding, violation, actor, reason")

    def make(incident: Incident) -> tuple[dict[str, Any], list[str]]:
        current = {f"review_{k}": v for k, v in review(incident).items()}
        changed = {k: v for k, v in data.items() if current.get(k) != v}
        return changed, [k.removeprefix("review_") for k in changed]

    return _set(store, incident_id, make)


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


def declare_conflict(store: Store, incident_id: str, member: str, reason: str) -> None:
    """Record that ``member`` has a conflict of interest on this report, and why."""
    data = {"member": required_text(member, "member"), "reason": required_text(reason, "reason")}
    _add(store, incident_id, "conflict", data)


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
    who = required_text(with_whom, "with")
    present = name_list(members, "members")
    if not present:
        raise InvalidInput("members: name the CARE members present (at least one)")
    chosen_kind = choice_name(kind, CONVERSATION_KINDS, "kind") if kind is not None else None
    held_at, held_text = held_when(at)
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


def record_unilateral(store: Store, incident_id: str, action: str,
                      consulted: str | None = None) -> None:
    """Record an action one member took alone in an urgent case, and whom they consulted
    (``None``: nobody could be reached)."""
    data = {"action": required_text(action, "action"), "consulted": clean_text(consulted,
                                                                           "consulted")}
    _add(store, incident_id, "unilateral", data)


def record_support(store: Store, incident_id: str, kind: str, state: str,
                   who: str | None = None, at: datetime | str | None = None,
                   notes: str | None = None) -> None:
    """Record support for the reporter: ``kind`` escort / friend / police is
    requested / arranged / declined, by ``who`` (default: the member recording),
    ``at`` a time (default: now). Never a required step.

    Also updates the capture-time ``support_<kind>`` field so every view agrees.
    """
    kind_name = choice_name(kind, SUPPORT_KINDS, "support")
    state_name = choice_name(state, SUPPORT_STATES, "state", SUPPORT_ALIASES)
    held_at, held_text = held_when(at)
    data = {"kind": kind_name, "state": state_name, "who": clean_text(who, "who"),
            "held_at": held_at, "held_text": held_text, "notes": clean_text(notes, "notes")}
    model_state = "done" if state_name == "arranged" else state_name
    # The field goes first, so the record (with who and notes) is the latest word.
    _add(store, incident_id, "support", data,
         set_before={f"support_{kind_name}": model_state})


def record_informed(store: Store, incident_id: str, how: str, told: str | None = None
                    ) -> None:
    """Record that the reporter was informed (how, and what they were told); when and by
    whom come from the record. A ``decided`` report moves to ``informed``."""
    data = {"how": required_text(how, "how"), "told": clean_text(told, "told")}
    _add(store, incident_id, "inform", data,
         set_after=lambda inc: {"status": "informed"} if inc.status == "decided" else None)


def record_statement(store: Store, incident_id: str, level: str, text: str | None = None,
                     members: list[str] | str | None = None) -> None:
    """Record the team's decision on a public statement: ``none``, ``brief`` or
    ``detailed``, its text, and optionally the members who took the decision together."""
    level_name = choice_name(level, STATEMENT_LEVELS, "statement")
    body = clean_text(text, "text")
    if level_name == "none" and body:
        raise InvalidInput("statement: the decision is none, so there is no text to record")
    data = {"statement_level": level_name, "statement_text": body,
            "statement_members": name_list(members, "members")}
    _set(store, incident_id, lambda inc: (data, None))
