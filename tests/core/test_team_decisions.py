"""Decided as a team, conflicts that matter and the owner (issue 13, points 4, 5 and 8):
the warnings for decisions taken by fewer than two members, the team's decision on a
conflicted member (the latest counts), screening reports for a recused member, and the
handover grouped by owner."""

from __future__ import annotations

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework
from careterm.core.timeline import timeline_entries
from careterm.errors import InvalidInput
from careterm.store.store import Store

TWO = ["Ada Example", "Bo Sample"]


def _report(store: Store, what: str = "Bo Sample kept interrupting Cy in Room Zeta") -> str:
    return incidents.capture(store, what, who="Bo Sample", reporter="Cy Example",
                             contact="cy@example.org").id


def _reviewed(store: Store, members: list[str]) -> str:
    inc_id = _report(store)
    incidents.acknowledge(store, inc_id)
    casework_actions.record_review(store, inc_id, finding="It happened", violation="yes",
                                   members=members, at="20 min ago")
    return inc_id


# ------------------------------------------------------------------ decided as a team


def test_review_by_one_member_is_a_standing_warning(store: Store) -> None:
    inc_id = _reviewed(store, ["Ada Example"])
    warnings = casework.incident_warnings(store.get(inc_id))
    assert any("the review" in w and "one member named (Ada Example)" in w for w in warnings)
    casework_actions.record_review(store, inc_id, members=TWO)
    assert not any("the review" in w for w in casework.incident_warnings(store.get(inc_id)))


def test_review_records_the_meeting(store: Store) -> None:
    inc_id = _reviewed(store, TWO)
    meeting = casework.review_meeting(store.get(inc_id))
    assert meeting["members"] == TWO
    assert meeting["at"] == "2026-11-25T14:10:00+01:00" and meeting["at_text"] == "20 min ago"
    assert casework_actions.record_review(store, inc_id, members=list(reversed(TWO))) == [
        "members"]


def test_review_with_no_members_warns(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.record_review(store, inc_id, finding="f")
    assert any("the review was recorded with no members named" in w
               for w in casework.incident_warnings(store.get(inc_id)))


def test_resolution_and_statement_need_two_members(store: Store) -> None:
    inc_id = _reviewed(store, TWO)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"],
                                       members=["Ada Example"])
    warnings = casework.incident_warnings(store.get(inc_id))
    assert any("the resolution" in w for w in warnings)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"], members=TWO)
    assert casework.resolution_members(store.get(inc_id)) == TWO
    assert not any("the resolution" in w for w in casework.incident_warnings(store.get(inc_id)))
    casework_actions.record_statement(store, inc_id, "none", members="Ada Example")
    assert any("public statement" in w for w in casework.incident_warnings(store.get(inc_id)))
    casework_actions.record_statement(store, inc_id, "none", members=TWO)
    assert casework.incident_warnings(store.get(inc_id)) == []


def test_one_member_with_a_witness_warns(store: Store) -> None:
    inc_id = _report(store)
    warnings = casework_actions.record_conversation(store, inc_id, "a witness at the bar",
                                                    ["Ada Example"])
    assert len(warnings) == 1 and "a witness" in warnings[0]
    assert casework.incident_warnings(store.get(inc_id)) == warnings
    other = _report(store)
    assert casework_actions.record_conversation(store, other, "a witness", TWO) == []
    assert casework_actions.record_conversation(store, other, "venue security",
                                                ["Ada Example"]) == []


def test_consulted_on_ack_and_inform_is_recorded(store: Store) -> None:
    inc_id = _reviewed(store, TWO)
    other = _report(store)
    incidents.acknowledge(store, other, "email", consulted="Bo Sample, Di Tester")
    assert casework.acknowledgement_consulted(store.get(other)) == ["Bo Sample", "Di Tester"]
    assert casework.acknowledgement_consulted(store.get(inc_id)) == []
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"], members=TWO)
    casework_actions.record_informed(store, inc_id, "in person", consulted=["Bo Sample"])
    assert casework.informed_records(store.get(inc_id))[0]["consulted"] == ["Bo Sample"]
    texts = [e["text"] for e in timeline_entries(store.get(inc_id))]
    assert "reporter informed (in person); consulted: Bo Sample" in texts


def test_unknown_members_ignores_case_and_spacing() -> None:
    known = ["Ada Example", "Bo Sample"]
    assert casework.unknown_members(["ada  example", "BO SAMPLE", "Cy Person"], known) == [
        "Cy Person"]


# ------------------------------------------------------------------ conflicts


def test_the_latest_decision_per_member_counts(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo")
    assert casework.decision_for(store.get(inc_id), "Eve Example") is None
    assert not casework.is_recused(store.get(inc_id), "Eve Example")
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo",
                                      decision="recused", decided_by=TWO)
    assert casework.is_recused(store.get(inc_id), "eve example")
    assert not casework.is_recused(store.get(inc_id), "Ada Example")
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo",
                                      decision="may-take-part", decided_by=TWO)
    assert casework.decision_for(store.get(inc_id), "Eve Example") == "may-take-part"
    assert not casework.is_recused(store.get(inc_id), "Eve Example")
    texts = [e["text"] for e in timeline_entries(store.get(inc_id))]
    assert ("conflict of interest for Eve Example: recused (decided by Ada Example, "
            "Bo Sample)") in texts


def test_decision_changes_the_conversation_warning(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo")
    casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Ada Example",
                                                                      "Eve Example"])
    assert "declared a conflict" in casework.incident_warnings(store.get(inc_id))[0]
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo",
                                      decision="may-take-part", decided_by=TWO)
    assert casework.incident_warnings(store.get(inc_id)) == []
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo",
                                      decision="recused", decided_by=TWO)
    assert "Eve Example is recused" in casework.incident_warnings(store.get(inc_id))[0]
    own = casework.member_conflict_warning(store.get(inc_id), "Eve Example")
    assert own and "recused" in own and "Ada Example, Bo Sample" in own


def test_decision_is_checked(store: Store) -> None:
    inc_id = _report(store)
    with pytest.raises(InvalidInput, match="decision"):
        casework_actions.declare_conflict(store, inc_id, "Eve", "x", decision="maybe")
    with pytest.raises(InvalidInput, match="decision"):
        casework_actions.declare_conflict(store, inc_id, "Eve", "x", decided_by="Ada Example")
    assert casework.conflicts_for(store.get(inc_id)) == []


# ------------------------------------------------------------------ screening


def test_screen_recused_keeps_only_the_stub(store: Store) -> None:
    hidden = _report(store, "Eve cornered Bo at the party")
    shown = _report(store, "Loud remark at the bar")
    incidents.acknowledge(store, hidden)
    casework_actions.declare_conflict(store, hidden, "Ada Example", "Eve is my sister",
                                      decision="recused", decided_by=["Bo Sample", "Cy"])
    everything = store.incidents()
    screened = casework.screen_recused(everything, store.member)
    stub = screened[hidden]
    assert stub.recused and stub.what == "" and stub.who is None and stub.contact is None
    assert stub.reporter is None and stub.notes == [] and stub.entries == {}
    assert stub.extra == {} and stub.changes == []
    assert (stub.status, stub.urgency, stub.created_at, stub.acknowledged_at) == (
        everything[hidden].status, everything[hidden].urgency,
        everything[hidden].created_at, everything[hidden].acknowledged_at)
    assert screened[shown] is everything[shown]
    assert not everything[hidden].recused  # the store's own incidents are untouched
    assert casework.screen_recused(everything, "Bo Sample")[hidden] is everything[hidden]
    assert casework.screen_recused(everything, None)[hidden] is everything[hidden]
    assert casework.casework_dict(stub)["warnings"] == []


def test_reveal_is_in_the_timeline(store: Store) -> None:
    inc_id = _report(store)
    casework_actions.reveal(store, inc_id)
    entries = timeline_entries(store.get(inc_id))
    assert entries[-1]["text"] == "revealed by Ada Example despite recusal"
    assert entries[-1]["kind"] == "reveal"


# ------------------------------------------------------------------ owner


def test_assign_and_clear(store: Store) -> None:
    inc_id = _report(store)
    assert casework.owner(store.get(inc_id)) is None
    assert casework_actions.assign(store, inc_id, "Bo Sample")
    assert not casework_actions.assign(store, inc_id, "Bo Sample")
    assert casework.owner(store.get(inc_id)) == "Bo Sample"
    assert casework_actions.assign(store, inc_id, None)
    assert casework.owner(store.get(inc_id)) is None


def test_handover_groups_open_reports_by_owner(store: Store) -> None:
    first = _report(store, "one")
    second = _report(store, "two")
    third = _report(store, "three")
    closed = _report(store, "four")
    casework_actions.assign(store, second, "Cy Person")
    casework_actions.assign(store, third, "Bo Sample")
    casework_actions.assign(store, closed, "Bo Sample")
    incidents.change_status(store, closed, "closed", reason="duplicate of another report")
    casework_actions.declare_conflict(store, first, "Ada Example", "x", decision="recused",
                                      decided_by=TWO)
    page = casework.handover(casework.screen_recused(store.incidents(), store.member))
    groups = [(g["owner"], [r["id"] for r in g["reports"]]) for g in page["by_owner"]]
    assert groups == [("Bo Sample", [third]), ("Cy Person", [second]),
                      ("unassigned", [first])]
    stub_row = page["by_owner"][-1]["reports"][0]
    assert stub_row["what"] == casework.RECUSED_ROW and stub_row["owner"] is None
