"""The status dialog's view of the workflow: every move, allowed or refused with why, and
what closing a report leaves unrecorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core.vocabulary import STATUSES
from careterm.core.workflow import (
    BACK_ONLY_TO,
    OFF_BOARD,
    check_status_move,
    closing_gaps,
    closing_needs_reason,
    inform_out_of_order,
    resolution_out_of_order,
    status_moves,
)
from careterm.errors import InvalidInput
from careterm.store.store import Store


def _new(store: Store) -> str:
    return incidents.capture(store, "Shoved near the stairs", urgency="critical").id


def _in_review(store: Store) -> str:
    inc_id = _new(store)
    incidents.acknowledge(store, inc_id, "email")
    incidents.change_status(store, inc_id, "in-review")
    return inc_id


def _decided(store: Store) -> str:
    inc_id = _in_review(store)
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    return inc_id


def _informed(store: Store) -> str:
    inc_id = _decided(store)
    casework_actions.record_informed(store, inc_id, "in person at the info desk")
    return inc_id


def _closed(store: Store) -> str:
    inc_id = _informed(store)  # resolved and told: closes without a reason
    incidents.change_status(store, inc_id, "closed")
    return inc_id


STAGES: dict[str, Callable[[Store], str]] = {
    "new": _new, "in-review": _in_review, "decided": _decided, "informed": _informed,
    "closed": _closed,
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_status_is_listed_and_agrees_with_the_rule(store: Store, stage: str) -> None:
    incident = store.get(STAGES[stage](store))
    moves = status_moves(incident)
    assert [m.status for m in moves] == list(STATUSES)
    assert [m.status for m in moves if m.current] == [incident.status]
    for move in moves:
        try:
            check_status_move(incident, move.status,
                              "a duplicate" if move.needs_reason else None)
        except InvalidInput as refusal:
            assert not move.allowed, move
            assert move.refused and move.refused in str(refusal)
        else:
            assert move.allowed and move.refused is None, move


def test_a_new_report_may_skip_ahead_but_not_decide_without_a_resolution(
        store: Store) -> None:
    moves = {m.status: m for m in status_moves(store.get(_new(store)))}
    assert moves["decided"].refused == "record the resolution first"
    assert moves["informed"].refused == "record the resolution first"
    assert moves["in-review"].allowed and moves["closed"].allowed


def test_backward_moves_say_the_only_way_back(store: Store) -> None:
    moves = {m.status: m for m in status_moves(store.get(_decided(store)))}
    assert moves["new"].refused == moves["acknowledged"].refused == BACK_ONLY_TO
    assert moves["in-review"].allowed
    assert moves["informed"].refused == "record how the reporter was informed first"
    # Closing before the reporter was told: allowed only with a reason, asked for.
    assert moves["closed"].allowed and moves["closed"].needs_reason
    assert moves["closed"].gaps == ("the reporter was not informed",)


def test_closing_is_the_move_off_the_board_and_says_what_is_missing(store: Store) -> None:
    assert OFF_BOARD == ("closed",)
    moves = {m.status: m for m in status_moves(store.get(_new(store)))}
    closing = moves["closed"]
    assert closing.allowed and closing.off_board and closing.needs_reason
    assert closing.gaps == ("no resolution recorded", "the reporter was not informed",
                            "receipt was never acknowledged to the reporter")
    assert not any(m.off_board for s, m in moves.items() if s != "closed")


def test_a_report_done_properly_closes_with_nothing_missing(store: Store) -> None:
    incident = store.get(_informed(store))
    assert closing_gaps(incident) == ()
    closing = next(m for m in status_moves(incident) if m.status == "closed")
    assert closing.allowed and closing.off_board and closing.gaps == ()
    assert not closing.needs_reason
    check_status_move(incident, "closed")  # no reason needed


def test_a_closed_report_can_only_be_reopened_for_review(store: Store) -> None:
    moves = status_moves(store.get(_closed(store)))
    assert [m.status for m in moves if m.allowed and not m.current] == ["in-review"]
    closed = next(m for m in moves if m.current)
    assert closed.status == "closed" and not closed.off_board  # staying is no move


def test_closing_without_a_resolution_told_needs_a_reason(store: Store) -> None:
    for make in (_new, _in_review, _decided):
        incident = store.get(make(store))
        with pytest.raises(InvalidInput, match="give a reason to close it anyway"):
            check_status_move(incident, "closed")
        with pytest.raises(InvalidInput, match="give a reason"):
            check_status_move(incident, "closed", "  ")
        check_status_move(incident, "closed", "withdrawn by the reporter")
        assert closing_needs_reason(incident)
    assert closing_needs_reason(store.get(_informed(store))) == ()


def test_a_changed_resolution_needs_telling_again_before_closing(store: Store) -> None:
    inc_id = _informed(store)
    incidents.change_status(store, inc_id, "in-review")
    casework_actions.record_resolution(store, inc_id, ["no-action"])
    assert closing_needs_reason(store.get(inc_id)) == (
        "the reporter was not informed of the current resolution",)


def test_out_of_order_steps_are_named(store: Store) -> None:
    new = store.get(_new(store))
    assert resolution_out_of_order(new) == "nobody acknowledged or reviewed the report yet"
    assert inform_out_of_order(new) == "no resolution recorded yet"
    reviewed = store.get(_in_review(store))
    assert resolution_out_of_order(reviewed) is None
    assert inform_out_of_order(store.get(_decided(store))) is None
