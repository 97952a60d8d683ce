"""Casework writes: carrying a report from review to closed the way the CARE guide runs it.

Everything here is written as ordinary change records, so it syncs and
merges like the rest of an incident:

* single decisions (status, category, the review record, the resolution, the
  public statement, the owner) are ``set`` fields, last writer wins, history kept:
  ``category``, ``review_finding``, ``review_violation``, ``review_actors``,
  ``review_reason``, ``review_members`` + ``review_at`` + ``review_at_text`` (the
  meeting), ``resolutions`` + ``resolution_other`` + ``resolution_members`` (always
  written together), ``statement_level`` + ``statement_text`` + ``statement_members``,
  ``owner`` (:func:`assign`; ``None`` clears it);
* things that happen (a conflict declared or decided, a conversation held, a
  unilateral action, support given, the reporter informed, a recused report revealed)
  are add-only list ops (``conflict``, ``conversation``, ``unilateral``, ``support``,
  ``inform``, ``reveal``): two laptops recording at once never overwrite each other.

Decided as a team: the review, the resolution and the statement record the members
who decided (``--members``), conversations the members present, the acknowledgement
and informing whom the member consulted (``consulted``). Fewer than two members is
never refused: it is a standing warning on the report (derived in
:func:`careterm.core.casework.incident_warnings`). Whether a name is a member of the
team is the caller's check (:func:`careterm.core.casework.unknown_members` with the
members the face knows of): an unknown name is a warning, never a refusal.

Conflicts of interest: a ``conflict`` entry names the member and the reason, and may
carry the team's ``decision`` (``may-take-part`` or ``recused``) with ``decided_by``;
the latest decision per member counts (merge by union, then read in change order). A
recused member's laptop reads every report through
:func:`careterm.core.casework.screen_recused`; :func:`reveal` is the recorded way
past it (the timeline says "revealed by X despite recusal").

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
  Recording one on a report nobody acknowledged or reviewed is out of order:
  refused (:class:`NeedsForce`) unless confirmed (``force_order``, ``--force``);
  a forced one is marked (``resolution_forced``: what was skipped, told in the
  timeline with the resolution).
* ``informed`` needs an inform record made after the current resolution;
  recording one moves a ``decided`` report to ``informed``. Informing before any
  resolution is out of order: refused unless confirmed (``force_order``), and the
  entry then says so (``forced``).
* ``closed`` needs a resolution and the reporter informed of it, or a reason
  (a duplicate, a withdrawn report, a reporter who cannot be reached):
  :func:`careterm.actions.incidents.change_status` with ``reason``, recorded with
  the status change (``status_reason``) and told in the timeline.
* Capture and notes are never checked against any of this.
* Warnings are derived, never stored (see :mod:`careterm.core.casework`).
* The reporter's wishes (``wishes``, recorded at intake) are respected: a
  conversation with the reported person when they want no confrontation or only
  a record, and a resolution other than no-action when they want no action or
  only a record, raise :class:`NeedsForce` unless confirmed (``force_wishes``);
  a confirmed one is marked in the record (``against_wishes`` on the
  conversation, ``resolution_against_wishes`` with the resolution) and stays
  a warning on the report.

The status moves themselves are :func:`careterm.actions.incidents.change_status`
under the rules of :mod:`careterm.core.workflow`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from careterm.core.casework import (
    check_resolutions,
    conversation_against_wishes,
    conversation_warnings,
    held_when,
    infer_conversation_kind,
    owner,
    resolution_against_wishes,
    review,
    review_meeting,
    wishes,
)
from careterm.core.model import Entry, Incident
from careterm.core.validate import choice_name, clean_text, name_list, required_text
from careterm.core.vocabulary import (
    CATEGORIES,
    CONFLICT_DECISIONS,
    CONVERSATION_KINDS,
    STATEMENT_LEVELS,
    STATUSES,
    SUPPORT_ALIASES,
    SUPPORT_KINDS,
    SUPPORT_STATES,
    VIOLATIONS,
)
from careterm.core.workflow import inform_out_of_order, resolution_out_of_order
from careterm.errors import InvalidInput
from careterm.store.store import Store


class NeedsForce(InvalidInput):
    """The step goes against the reporter's wishes: the CLI needs ``--force``, the app
    asks for confirmation (then call again with ``force_wishes=True``). Also raised for
    a step out of order (:mod:`careterm.core.workflow`); :attr:`flags` names the keyword
    arguments that confirm it (call again with each set to True)."""

    def __init__(self, message: str, flags: tuple[str, ...] = ("force_wishes",)) -> None:
        super().__init__(message)
        self.flags = flags


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
         set_before: dict[str, Any] | None = None, set_after: Any = None,
         check: Any = None) -> None:
    """Add one list entry in one transaction, optionally with ``set`` changes around it
    (``set_after`` is decided from the current incident)."""

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if check is not None:
            check(incident)  # may refuse (then nothing is written)
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
                  reason: str | None = None, members: list[str] | str | None = None,
                  at: datetime | str | None = None) -> list[str]:
    """Fill in the review record; only the answers given change (``""`` / ``[]`` clear one).

    ``members`` are who took part in the meeting, ``at`` when it was held (a time or
    words like "yesterday 20:00"). Returns the names (finding, violation, actors,
    reason, members, at) that really changed.
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
    if members is not None:
        data["review_members"] = name_list(members, "members")
    if at is not None:
        data["review_at"], data["review_at_text"] = held_when(at)
    if not data:
        raise InvalidInput("review: give at least one of finding, violation, actor, reason, "
                           "members, at")

    def make(incident: Incident) -> tuple[dict[str, Any], list[str]]:
        current = {f"review_{k}": v for k, v in review(incident).items()}
        current.update({f"review_{k}": v for k, v in review_meeting(incident).items()})
        changed = {k: v for k, v in data.items() if current.get(k) != v}
        names = [k.removeprefix("review_") for k in changed if k != "review_at_text"]
        if "review_at_text" in changed and "at" not in names:
            names.append("at")
        return changed, names

    return _set(store, incident_id, make)


def record_resolution(store: Store, incident_id: str, names: Iterable[str] | str,
                      other: str | None = None, *, force_wishes: bool = False,
                      members: list[str] | str | None = None,
                      force_order: bool = False) -> list[str]:
    """Record the team's resolution (replacing an earlier one); return the names recorded.

    A report not yet decided moves to ``decided``. Refused on an informed or
    closed report: reopen it for review first, so the reporter is told again.
    A resolution other than no-action when the reporter wants no action or only a
    record is refused unless ``force_wishes`` (the team confirmed it); then the record
    marks it (``resolution_against_wishes``: the wishes it went against).
    On a report nobody acknowledged or reviewed it is refused (:class:`NeedsForce`)
    unless ``force_order``; then the record marks it (``resolution_forced``).
    """
    chosen, other_text = check_resolutions(names, other)
    deciding = name_list(members, "members")

    def make(incident: Incident) -> tuple[dict[str, Any], list[str]]:
        if incident.status in ("informed", "closed"):
            raise InvalidInput(f"resolution: the report is {incident.status}; move it back "
                               "to in-review before changing the resolution")
        data: dict[str, Any] = {"resolutions": chosen, "resolution_other": other_text,
                                "resolution_members": deciding}
        against = resolution_against_wishes(incident, chosen)
        if against and not force_wishes:
            raise NeedsForce(f"resolution: {against}; nothing was recorded (confirm with "
                             "--force)")
        if against or incident.extra.get("resolution_against_wishes"):
            data["resolution_against_wishes"] = wishes(incident) if against else None
        early = resolution_out_of_order(incident)
        if early and not force_order:
            raise NeedsForce(f"resolution: {early}; nothing was recorded (confirm with "
                             "--force)", flags=("force_order",))
        if early or incident.extra.get("resolution_forced"):
            data["resolution_forced"] = early
        if incident.status in STATUSES[:STATUSES.index("decided")]:
            data["status"] = "decided"
        return data, chosen

    return _set(store, incident_id, make)


def declare_conflict(store: Store, incident_id: str, member: str, reason: str,
                     decision: str | None = None,
                     decided_by: list[str] | str | None = None) -> None:
    """Record that ``member`` has a conflict of interest on this report, and why; with
    ``decision`` (``may-take-part`` or ``recused``) also the team's decision and who took
    it (``decided_by``). The latest decision per member counts."""
    data: dict[str, Any] = {"member": required_text(member, "member"),
                            "reason": required_text(reason, "reason")}
    deciding = name_list(decided_by, "decided-by")
    if decision is not None:
        data["decision"] = choice_name(decision, CONFLICT_DECISIONS, "decision")
        data["decided_by"] = deciding
    elif deciding:
        raise InvalidInput("decided-by: give the team's --decision too "
                           f"({', '.join(CONFLICT_DECISIONS)})")
    _add(store, incident_id, "conflict", data)


def reveal(store: Store, incident_id: str) -> None:
    """Record that this laptop's member looked at a report they are recused from (the
    timeline says "revealed by X despite recusal"); the caller then shows it."""
    _add(store, incident_id, "reveal", {"member": store.member})


def assign(store: Store, incident_id: str, member: str | None) -> bool:
    """Make ``member`` the report's owner (``None`` or ``""``: nobody owns it); False
    when it already was so."""
    name = clean_text(member, "member") if member else None
    return _set(store, incident_id, lambda inc: (
        ({"owner": name}, True) if owner(inc) != name else (None, False)))


def record_conversation(store: Store, incident_id: str, with_whom: str,
                        members: list[str] | str, notes: str | None = None,
                        kind: str | None = None, at: datetime | str | None = None,
                        *, force_wishes: bool = False) -> list[str]:
    """Record a conversation held as part of the case; return the warnings it raises.

    ``members`` are the CARE members present (a list, or names separated by
    commas). ``kind`` is one of :data:`CONVERSATION_KINDS`, inferred from
    ``with_whom`` when not given. ``at`` is when it was held (a time, or words
    like "10 min ago"); by default when it is recorded. The warnings stay on
    the report (see :func:`incident_warnings`). A conversation with the reported
    person when the reporter asked for no confrontation or only a record is refused
    unless ``force_wishes``; then the entry is marked ``against_wishes`` (the wishes).
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
        against = conversation_against_wishes(incident, data["kind"])
        if against and not force_wishes:
            raise NeedsForce(f"conversation: {against}; nothing was recorded (confirm with "
                             "--force)")
        if against:
            data["against_wishes"] = wishes(incident)
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


def record_informed(store: Store, incident_id: str, how: str, told: str | None = None,
                    consulted: list[str] | str | None = None, *,
                    force_order: bool = False) -> None:
    """Record that the reporter was informed (how, what they were told, whom the member
    consulted); when and by whom come from the record. A ``decided`` report moves to
    ``informed``. Before any resolution it is refused (:class:`NeedsForce`) unless
    ``force_order``; then the entry says so (``forced``)."""
    data: dict[str, Any] = {"how": required_text(how, "how"), "told": clean_text(told, "told")}
    whom = name_list(consulted, "consulted")
    if whom:
        data["consulted"] = whom

    def check(incident: Incident) -> None:
        early = inform_out_of_order(incident)
        if early and not force_order:
            raise NeedsForce(f"inform: {early}; nothing was recorded (confirm with --force)",
                             flags=("force_order",))
        if early:
            data["forced"] = early

    _add(store, incident_id, "inform", data, check=check,
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
