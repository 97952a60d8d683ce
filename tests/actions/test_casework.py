"""Casework rules: the status flow, review, resolutions, conflicts, conversations,
support, informing the reporter, the public statement and the handover page."""

from __future__ import annotations

import json

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework, vocabulary, workflow
from careterm.core.model import fold
from careterm.core.timeline import timeline_entries
from careterm.core.vocabulary import STATUSES
from careterm.errors import InvalidInput, UnknownIncident
from careterm.store.store import Store
from tests.support import FROZEN_AT


def _report(store: Store, **fields: str) -> str:
    fields.setdefault("who", "Bo Sample")
    fields.setdefault("reporter", "Cy Example")
    return incidents.capture(store, "Bo Sample kept interrupting Cy in Room Zeta",
                             **fields).id


DECIDING = ["Ada Example", "Eve Example"]
"""Two members: a resolution decided together (one alone is a standing warning)."""


def _decided(store: Store) -> str:
    inc_id = _report(store)
    incidents.acknowledge(store, inc_id)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"],
                                       members=DECIDING)
    return inc_id


# ------------------------------------------------------------------ status flow


def test_full_flow_from_new_to_closed_with_records(store: Store) -> None:
    inc_id = _report(store)
    assert incidents.change_status(store, inc_id, "acknowledged")
    assert store.get(inc_id).acknowledged  # the acknowledgement itself is recorded
    assert incidents.change_status(store, inc_id, "in-review")
    assert incidents.change_status(store, inc_id, "needs-info")
    assert incidents.change_status(store, inc_id, "in-review")  # information arrived
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    assert store.get(inc_id).status == "decided"
    casework_actions.record_informed(store, inc_id, "in person at the info desk")
    assert store.get(inc_id).status == "informed"
    assert incidents.change_status(store, inc_id, "closed")
    assert not store.get(inc_id).is_open


def test_status_changes_land_in_timeline_with_who_and_when(store: Store) -> None:
    inc_id = _report(store)
    incidents.change_status(store, inc_id, "in-review")
    changed = [e for e in timeline_entries(store.get(inc_id)) if e.get("field") == "status"]
    assert changed[-1]["by"] == "Ada Example"
    assert changed[-1]["at"] == FROZEN_AT
    assert changed[-1]["text"].endswith("→ in review")


@pytest.mark.parametrize("old", ["needs-info", "decided", "informed", "closed"])
def test_any_later_status_can_go_back_to_in_review(old: str) -> None:
    workflow.check_transition(old, "in-review")


@pytest.mark.parametrize(("old", "new"), [
    ("acknowledged", "new"), ("in-review", "acknowledged"), ("decided", "needs-info"),
    ("informed", "decided"), ("closed", "informed"), ("closed", "new"),
])
def test_other_backward_moves_are_refused(old: str, new: str) -> None:
    with pytest.raises(InvalidInput, match="only go back to in-review"):
        workflow.check_transition(old, new)


def test_forward_moves_may_skip_steps() -> None:
    for i, old in enumerate(STATUSES):
        for new in STATUSES[i:]:
            workflow.check_transition(old, new)


def test_reopened_closed_report_goes_back_to_review(store: Store) -> None:
    inc_id = _decided(store)
    casework_actions.record_informed(store, inc_id, "e-mail")
    incidents.change_status(store, inc_id, "closed")
    assert incidents.change_status(store, inc_id, "in-review")
    assert store.get(inc_id).is_open
    with pytest.raises(InvalidInput, match="go back"):
        incidents.change_status(store, inc_id, "acknowledged")


def test_unknown_status_is_refused_with_the_names(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="in-review"):
        incidents.change_status(store, inc_id, "resolved")
    assert store.get(inc_id).status == "new"


def test_same_status_changes_nothing(store: Store) -> None:
    inc_id = _report(store)
    incidents.change_status(store, inc_id, "in-review")
    before = len(store.changes())
    assert incidents.change_status(store, inc_id, "In Review") is False
    assert len(store.changes()) == before


def test_decided_needs_a_resolution(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="record the resolution first"):
        incidents.change_status(store, inc_id, "decided")
    assert store.get(inc_id).status == "new"


def test_informed_needs_an_inform_record(store: Store) -> None:
    inc_id = _decided(store)
    with pytest.raises(InvalidInput, match="informed first"):
        incidents.change_status(store, inc_id, "informed")


def test_closing_waits_for_the_reporter_to_be_informed(store: Store) -> None:
    inc_id = _decided(store)
    with pytest.raises(InvalidInput, match="the reporter was not informed; give a reason"):
        incidents.change_status(store, inc_id, "closed")
    assert store.get(inc_id).status == "decided"  # nothing written
    casework_actions.record_informed(store, inc_id, "no contact given: could not be reached")
    assert incidents.change_status(store, inc_id, "closed")


def test_report_without_resolution_closes_only_with_a_reason(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="no resolution recorded; the reporter was not "
                                           "informed; give a reason"):
        incidents.change_status(store, inc_id, "closed")
    with pytest.raises(InvalidInput, match="give a reason"):
        incidents.change_status(store, inc_id, "closed", reason="   ")
    assert incidents.change_status(store, inc_id, "closed", reason="duplicate of AA0001")
    incident = store.get(inc_id)
    assert incident.status == "closed"
    texts = [entry["text"] for entry in timeline_entries(incident)]
    assert "status: new → closed (reason: duplicate of AA0001)" in texts


def test_a_decided_report_closes_with_a_reason_when_the_reporter_cannot_be_told(
        store: Store) -> None:
    inc_id = _decided(store)
    assert incidents.change_status(store, inc_id, "closed", reason="reporter left no contact")
    assert store.get(inc_id).extra["status_reason"] == "reporter left no contact"


def test_resolution_on_a_report_nobody_acknowledged_or_reviewed_needs_force(
        store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(casework_actions.NeedsForce, match="nobody acknowledged or reviewed"
                       ) as refused:
        casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    assert refused.value.flags == ("force_order",)
    assert casework.resolutions(store.get(inc_id)) == []  # nothing written
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"], force_order=True)
    incident = store.get(inc_id)
    assert incident.status == "decided"
    assert incident.extra["resolution_forced"] == "nobody acknowledged or reviewed the report yet"
    texts = [entry["text"] for entry in timeline_entries(incident)]
    assert any(text.startswith("resolution: (empty) → ") and text.endswith(
        "(forced, out of order: nobody acknowledged or reviewed the report yet)")
        for text in texts), texts


def test_a_reviewed_report_takes_a_resolution_without_force(store: Store) -> None:
    inc_id = _report(store)
    incidents.change_status(store, inc_id, "in-review")  # reviewed, never acknowledged
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    assert "resolution_forced" not in store.get(inc_id).extra


def test_informing_before_any_resolution_needs_force(store: Store) -> None:
    inc_id = _report(store)
    incidents.acknowledge(store, inc_id)
    with pytest.raises(casework_actions.NeedsForce, match="inform: no resolution recorded yet"):
        casework_actions.record_informed(store, inc_id, "e-mail")
    assert casework.informed_records(store.get(inc_id)) == []
    casework_actions.record_informed(store, inc_id, "e-mail", force_order=True)
    incident = store.get(inc_id)
    assert incident.entries["inform"][0].data["forced"] == "no resolution recorded yet"
    assert any("forced, out of order: no resolution recorded yet" in entry["text"]
               for entry in timeline_entries(incident))


def test_notes_and_capture_are_never_held_back(store: Store) -> None:
    inc_id = _report(store)
    incidents.add_note(store, inc_id, "Reporter asked to wait until Monday.")
    assert incidents.capture(store, "Another report at once").id


def test_unknown_incident_is_a_clear_error(store: Store) -> None:
    with pytest.raises(UnknownIncident):
        incidents.change_status(store, "ZZ9999", "in-review")


# ------------------------------------------------------------------ category & review


def test_categorize_accepts_cli_names_and_refuses_others(store: Store) -> None:
    inc_id = _report(store)
    assert casework_actions.categorize(store, inc_id, "sexual-attention")
    assert casework.category(store.get(inc_id)) == "sexual-attention"
    assert casework_actions.categorize(store, inc_id, "sexual-attention") is False
    with pytest.raises(InvalidInput, match="offensive-talk"):
        casework_actions.categorize(store, inc_id, "rudeness")
    assert vocabulary.CATEGORY_LABELS["offensive-talk"] == "offensive content in a talk or slides"


def test_review_changes_only_the_answers_given(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_review(store, inc_id, finding="Bo interrupted Cy three times",
                           violation="undetermined")
    changed = casework_actions.record_review(store, inc_id, violation="yes",
                                     actors=["Bo Sample", "bo  sample", "Di Sample"],
                                     reason="repeated after being asked to stop")
    assert changed == ["violation", "actors", "reason"]
    assert casework.review(store.get(inc_id)) == {
        "finding": "Bo interrupted Cy three times", "violation": "yes",
        "actors": ["Bo Sample", "Di Sample"], "reason": "repeated after being asked to stop",
    }


def test_review_refuses_bad_violation_and_empty_call(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="undetermined"):
        casework_actions.record_review(store, inc_id, violation="maybe")
    with pytest.raises(InvalidInput, match="at least one"):
        casework_actions.record_review(store, inc_id)
    assert casework.review(store.get(inc_id))["violation"] is None


# ------------------------------------------------------------------ resolutions


def test_several_resolutions_with_other_text(store: Store) -> None:
    inc_id = _report(store)
    incidents.acknowledge(store, inc_id)
    names = casework_actions.record_resolution(store, inc_id, ["no-video", "stop-behaviour"],
                                       other="apology to the room")
    assert names == ["stop-behaviour", "no-video", "other"]
    assert casework.resolution_list(store.get(inc_id))[-1] == {
        "name": "other", "label": "other", "text": "apology to the room"}


@pytest.mark.parametrize(("names", "other", "message"), [
    ([], None, "at least one"),
    (["ban-forever"], None, "not one of"),
    (["other"], None, "needs a description"),
    (["no-action", "cancel-talk"], None, "cannot be combined"),
])
def test_resolution_list_is_validated(store: Store, names: list[str], other: str | None,
                                      message: str) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match=message):
        casework_actions.record_resolution(store, inc_id, names, other=other)
    assert casework.resolutions(store.get(inc_id)) == []
    assert store.get(inc_id).status == "new"


def test_resolution_cannot_change_after_informing_without_review(store: Store) -> None:
    inc_id = _decided(store)
    casework_actions.record_informed(store, inc_id, "phone")
    with pytest.raises(InvalidInput, match="in-review"):
        casework_actions.record_resolution(store, inc_id, ["remove-participant"])
    incidents.change_status(store, inc_id, "in-review")
    casework_actions.record_resolution(store, inc_id, ["remove-participant"])
    assert casework.needs_informing(store.get(inc_id))  # told again about the new decision


# ------------------------------------------------------------------ informing


def test_inform_flag_appears_after_decision_and_goes_after_recording(store: Store) -> None:
    inc_id = _report(store)
    incidents.acknowledge(store, inc_id)
    assert not casework.needs_informing(store.get(inc_id))
    casework_actions.record_resolution(store, inc_id, ["no-action"])
    assert casework.needs_informing(store.get(inc_id))
    casework_actions.record_informed(store, inc_id, "e-mail",
                                     told="no violation was found, and why")
    incident = store.get(inc_id)
    assert not casework.needs_informing(incident)
    assert casework.informed_records(incident) == [{
        "how": "e-mail", "told": "no violation was found, and why", "by": "Ada Example",
        "at": FROZEN_AT.isoformat()}]


def test_inform_needs_how(store: Store) -> None:
    inc_id = _decided(store)
    with pytest.raises(InvalidInput, match="how"):
        casework_actions.record_informed(store, inc_id, "  ")
    assert casework.needs_informing(store.get(inc_id))


# ------------------------------------------------------------------ conflicts & conversations


def test_conversation_with_reported_person_and_one_member_warns_and_keeps_warning(
        store: Store) -> None:
    inc_id = _report(store)
    warnings = casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Ada Example"],
                                            notes="said it was a joke")
    assert len(warnings) == 1 and "one CARE member" in warnings[0]
    incident = store.get(inc_id)
    assert casework.conversations(incident)[0]["kind"] == "reported-person"
    assert casework.incident_warnings(incident) == warnings
    # Still visible later, after other work on the report.
    incidents.acknowledge(store, inc_id)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"], members=DECIDING,
                                       force_order=True)
    assert casework.incident_warnings(store.get(inc_id)) == warnings


def test_two_members_with_reported_person_raise_no_warning(store: Store) -> None:
    inc_id = _report(store)
    assert casework_actions.record_conversation(store, inc_id, "the reported person",
                                        "Ada Example, Eve Example") == []
    assert casework.incident_warnings(store.get(inc_id)) == []


def test_one_member_with_the_reporter_warns_gently(store: Store) -> None:
    """The guide: conversations "should generally be done by two people" (issue 13)."""
    inc_id = _report(store)
    warnings = casework_actions.record_conversation(store, inc_id, "Cy Example", ["Ada Example"])
    assert casework.conversations(store.get(inc_id))[0]["kind"] == "reporter"
    assert len(warnings) == 1 and "the reporter" in warnings[0]
    assert "two where possible" in warnings[0]
    assert casework.incident_warnings(store.get(inc_id)) == warnings
    assert casework_actions.record_conversation(
        store, inc_id, "the reporter", ["Ada Example", "Eve Example"]) == []


@pytest.mark.parametrize(("with_whom", "kind"), [
    ("the reported person", "reported-person"), ("a witness at the bar", "witness"),
    ("the reporter", "reporter"), ("Cy Example", "reporter"), ("bo sample", "reported-person"),
    ("venue security", "other"),
])
def test_conversation_kind_is_inferred(store: Store, with_whom: str, kind: str) -> None:
    inc_id = _report(store)
    assert casework.infer_conversation_kind(store.get(inc_id), with_whom) == kind


def test_explicit_kind_wins_and_is_validated(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Ada Example",
                                                                       "Eve Example"],
                                         kind="witness")
    assert casework.incident_warnings(store.get(inc_id)) == []
    assert casework.conversations(store.get(inc_id))[0]["kind"] == "witness"
    with pytest.raises(InvalidInput, match="reported-person"):
        casework_actions.record_conversation(store, inc_id, "Bo", ["Ada Example"], kind="suspect")
    with pytest.raises(InvalidInput, match="members"):
        casework_actions.record_conversation(store, inc_id, "Bo", " , ")


def test_conversation_time_from_words(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_conversation(store, inc_id, "a witness", ["Ada Example"],
                                 at="20 min ago")
    talk = casework.conversations(store.get(inc_id))[0]
    assert talk["held_at"] == "2026-11-25T14:10:00+01:00"
    assert talk["held_text"] == "20 min ago"


def test_conflict_is_shown_and_warns_the_member(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo Sample")
    incident = store.get(inc_id)
    assert casework.conflicts_for(incident) == [{
        "member": "Eve Example", "reason": "friends with Bo Sample", "by": "Ada Example",
        "at": FROZEN_AT.isoformat()}]
    warning = casework.member_conflict_warning(incident, "eve  example")
    assert warning and "friends with Bo Sample" in warning
    assert casework.member_conflict_warning(incident, "Ada Example") is None


def test_conflicted_member_on_conversation_gets_warning(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo Sample")
    warnings = casework_actions.record_conversation(store, inc_id, "Bo Sample",
                                            ["Ada Example", "Eve Example"])
    assert len(warnings) == 1 and "Eve Example declared a conflict" in warnings[0]
    assert casework.incident_warnings(store.get(inc_id)) == warnings


def test_conflict_declared_after_the_conversation_still_warns(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_conversation(store, inc_id, "a witness", ["Eve Example", "Ada Example"])
    assert casework.incident_warnings(store.get(inc_id)) == []
    casework_actions.declare_conflict(store, inc_id, "Eve Example",
                                      "shares a flat with the witness")
    assert "Eve Example declared" in casework.incident_warnings(store.get(inc_id))[0]


def test_conflict_needs_member_and_reason(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="reason"):
        casework_actions.declare_conflict(store, inc_id, "Eve Example", "")
    assert casework.conflicts_for(store.get(inc_id)) == []


def test_conversations_from_two_laptops_are_both_kept(store: Store) -> None:
    inc_id = _report(store)
    other = Store.in_memory(member="Eve Example", team="Example Con CARE", tag="EE")
    other.add_foreign(store.changes())
    casework_actions.record_conversation(store, inc_id, "a witness", ["Ada Example"])
    casework_actions.record_conversation(other, inc_id, "the reporter", ["Eve Example"])
    merged = fold(store.changes() + other.changes())[inc_id]
    assert sorted(c["with"] for c in casework.conversations(merged)) == [
        "a witness", "the reporter"]


# ------------------------------------------------------------------ unilateral, support, statement


def test_unilateral_action_records_who_was_consulted(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_unilateral(store, inc_id, "asked Bo Sample to leave Room Zeta", None)
    casework_actions.record_unilateral(store, inc_id, "stopped the talk", "Fay Example (organiser)")
    actions = casework.unilateral_actions(store.get(inc_id))
    assert [a["consulted"] for a in actions] == ["nobody could be reached",
                                                 "Fay Example (organiser)"]


def test_support_latest_wins_over_capture(store: Store, frozen_clock) -> None:
    inc_id = _report(store, support={"escort": "requested"})  # type: ignore[arg-type]
    assert casework.support_status(store.get(inc_id))["escort"]["state"] == "requested"
    frozen_clock.advance(minutes=5)
    casework_actions.record_support(store, inc_id, "escort", "arranged", who="Gus Staff")
    incident = store.get(inc_id)
    escort = casework.support_status(incident)["escort"]
    assert (escort["state"], escort["who"]) == ("arranged", "Gus Staff")
    assert incident.support["escort"] == "done"  # the board's view agrees
    frozen_clock.advance(minutes=5)
    incidents.update(store, inc_id, support_escort="declined")
    assert casework.support_status(store.get(inc_id))["escort"]["state"] == "declined"
    assert "police" not in casework.support_status(store.get(inc_id))


def test_support_is_validated(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="escort"):
        casework_actions.record_support(store, inc_id, "taxi", "requested")
    with pytest.raises(InvalidInput, match="arranged"):
        casework_actions.record_support(store, inc_id, "police", "maybe")


def test_statement_is_a_team_decision(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_statement(store, inc_id, "brief", "A participant was asked to leave.",
                              members=["Ada Example", "Eve Example"])
    assert casework.statement(store.get(inc_id)) == {
        "level": "brief", "text": "A participant was asked to leave.",
        "members": ["Ada Example", "Eve Example"], "by": "Ada Example",
        "at": FROZEN_AT.isoformat()}
    with pytest.raises(InvalidInput, match="none"):
        casework_actions.record_statement(store, inc_id, "none", "some text")
    with pytest.raises(InvalidInput, match="detailed"):
        casework_actions.record_statement(store, inc_id, "loud")


# ------------------------------------------------------------------ views


def test_casework_dict_is_json_ready_with_every_key(store: Store) -> None:
    inc_id = _decided(store)
    casework_actions.categorize(store, inc_id, "harassment")
    casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Ada Example"])
    work = casework.casework_dict(store.get(inc_id))
    assert {"category", "review", "resolutions", "conflicts", "conversations", "support",
            "informed", "statement", "warnings"} <= set(work)
    assert json.loads(json.dumps(work)) == work
    assert work["needs_informing"] and len(work["warnings"]) == 1


def test_handover_lists_what_a_lead_needs(store: Store, frozen_clock) -> None:
    waiting = incidents.capture(store, "Unacknowledged report", urgency="high").id
    reviewing = _report(store)
    incidents.change_status(store, reviewing, "acknowledged")
    to_inform = _decided(store)
    done = _decided(store)
    casework_actions.record_informed(store, done, "phone")
    incidents.change_status(store, done, "closed")
    frozen_clock.advance(minutes=12)
    page = casework.handover(store.incidents())
    ids = {name: [item["id"] for item in page[name]]
           for name in ("open", "unacknowledged", "waiting_for_decision", "waiting_to_inform")}
    assert ids == {
        "open": [waiting, reviewing, to_inform],
        "unacknowledged": [waiting],
        "waiting_for_decision": [reviewing],
        "waiting_to_inform": [to_inform],
    }
    assert page["unacknowledged"][0]["waiting"] == "12m"
    assert page["header"] == "3 open · 1 unacknowledged · 0 critical"
