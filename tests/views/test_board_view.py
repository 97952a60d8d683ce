"""The board kept, not redrawn: BoardView works out only what changed, and gets it right.

Every step of a random run of captures, acknowledgements, urgency and status
changes, notes and clock jumps is checked against the board worked out from
scratch (:func:`board_rows`), and the changes it reports, applied to the rows
shown before, must give the new rows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from careterm.actions import incidents
from careterm.core import clock
from careterm.core.model import Incident
from careterm.core.triage import board_counts, board_header, board_order
from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.views import board as board_module
from careterm.views.board import (
    BoardRow,
    BoardRows,
    BoardView,
    FilterSpec,
    board_key,
    board_row,
    board_rows,
    next_change,
)
from tests.support import FROZEN_AT

TARGET = timedelta(minutes=15)
URGENCIES = ("critical", "high", "medium", "low")


def fresh_store() -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")


def versions(store: Store) -> dict[str, int]:
    return {inc_id: len(incident.changes) for inc_id, incident in store.incidents().items()}


def apply(shown: dict[str, BoardRow], order: list[str], rows: BoardRows) -> list[str]:
    """What a table does with the changes: the order it ends with."""
    assert rows.changes is not None
    for inc_id in rows.changes.removed:
        del shown[inc_id]
    shown.update(rows.changes.rows)
    if rows.changes.moved:
        return [row.id for row in rows]
    return order


def step(store: Store, rng: random.Random, frozen: clock.FrozenClock) -> None:
    """One random thing that happens at the desk."""
    ids = list(store.incidents())
    kind = rng.choice(("capture", "capture", "ack", "urgency", "close", "note", "clock",
                       "clock"))
    if kind == "capture" or not ids:
        incidents.capture(store, f"report {len(ids)}", urgency=rng.choice(URGENCIES),
                          where=rng.choice(("Room Zeta", "Hallway near Track 2")))
    elif kind == "ack":
        incidents.acknowledge(store, rng.choice(ids), "email")
    elif kind == "urgency":
        incidents.update(store, rng.choice(ids), urgency=rng.choice(URGENCIES))
    elif kind == "close":
        try:
            incidents.change_status(store, rng.choice(ids), "closed")
        except CaretermError:
            pass  # the workflow refuses it from here: nothing changed
    elif kind == "note":
        incidents.add_note(store, rng.choice(ids), "Spoke with the reporter again.")
    else:
        frozen.advance(seconds=rng.choice((1, 7, 59, 61, 600, 901, 1799, 3601, 86_400)))


@pytest.mark.parametrize("spec", [FilterSpec(), FilterSpec(unacked_only=True),
                                  FilterSpec(urgency="high"), FilterSpec(status="closed")],
                         ids=["open", "unacked", "high", "closed"])
@pytest.mark.parametrize("seed", range(4))
def test_the_kept_board_is_the_board_worked_out_from_scratch(spec: FilterSpec, seed: int,
                                                             frozen_clock) -> None:
    rng = random.Random(seed)
    store = fresh_store()
    view = BoardView(spec)
    seen: dict[str, int] = {}
    shown: dict[str, BoardRow] = {}
    order: list[str] = []
    for number in range(60):
        step(store, rng, frozen_clock)
        now_versions = versions(store)
        view.invalidate({i for i, v in now_versions.items() if seen.get(i) != v})
        seen = now_versions
        everything = store.incidents()
        rows = view.rows(everything, clock.now(), TARGET)
        assert list(rows) == board_rows(everything.values(), clock.now(), TARGET, spec), number
        assert view.counts() == board_counts(list(everything.values()))
        assert view.header() == board_header(list(everything.values()))
        if number == 0:
            assert rows.changes is None  # the first rows: everything was worked out
            shown, order = {row.id: row for row in rows}, [row.id for row in rows]
            continue
        order = apply(shown, order, rows)
        assert [shown[inc_id] for inc_id in order] == list(rows), number
    store.close()


def test_a_tick_with_nothing_due_works_nothing_out(frozen_clock, monkeypatch) -> None:
    store = fresh_store()
    for n in range(30):
        incidents.capture(store, f"report {n}", urgency=URGENCIES[n % 4])
    frozen_clock.advance(minutes=3)
    view = BoardView()
    view.rows(store.incidents(), clock.now(), TARGET)
    calls: list[str] = []
    real = board_module.ack_cell

    def counting(incident: Incident, *args: object, **kwargs: object) -> object:
        calls.append(incident.id)
        return real(incident, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(board_module, "ack_cell", counting)
    # Ages read "3m" until 4 minutes: a tick 20 seconds on changes no text.
    later = view.rows(store.incidents(), clock.now() + timedelta(seconds=20), TARGET)
    assert calls == [] and view.worked_out == 0
    assert later.changes is not None and later.changes.rows == {} and not later.changes.moved
    # At 4 minutes every age and wait reads differently: each row once, nothing more.
    at_four = view.rows(store.incidents(), clock.now() + timedelta(minutes=1), TARGET)
    assert view.worked_out == 30 and at_four.changes is not None
    assert set(at_four.changes.rows) == {row.id for row in at_four}
    assert not at_four.changes.moved
    store.close()


def test_an_arrival_is_put_in_its_place_and_a_closed_report_leaves(frozen_clock) -> None:
    store = fresh_store()
    made = [incidents.capture(store, f"report {n}", urgency=URGENCIES[n % 4]).id
            for n in range(12)]
    view = BoardView()
    first = view.rows(store.incidents(), clock.now(), TARGET)
    new = incidents.capture(store, "Shoved near the stairs", urgency="critical").id
    view.invalidate({new})
    arrived = view.rows(store.incidents(), clock.now(), TARGET)
    assert arrived.changes is not None and arrived.changes.base == first.generation
    assert set(arrived.changes.rows) == {new} and arrived.changes.moved
    assert view.worked_out == 1
    assert [row.id for row in arrived] == [i.id for i in board_order(
        store.incidents().values())]
    incidents.change_status(store, made[0], "closed")
    view.invalidate({made[0]})
    after = view.rows(store.incidents(), clock.now(), TARGET)
    assert after.changes is not None and after.changes.removed == {made[0]}
    assert made[0] not in [row.id for row in after]
    store.close()


def test_the_board_key_sorts_as_the_board_order(frozen_clock) -> None:
    store = fresh_store()
    rng = random.Random(7)
    for n in range(80):
        inc_id = incidents.capture(store, f"report {n}", urgency=rng.choice(URGENCIES)).id
        if rng.random() < 0.4:
            incidents.acknowledge(store, inc_id, "phone")
        frozen_clock.advance(seconds=rng.choice((0, 1, 30)))
    everything = list(store.incidents().values())
    assert sorted(everything, key=board_key) == board_order(everything)
    store.close()


@pytest.mark.parametrize("urgency", ["critical", "high", "low"])
@pytest.mark.parametrize("acked", [False, True])
def test_the_clock_cells_change_exactly_when_next_change_says(urgency: str, acked: bool,
                                                                frozen_clock) -> None:
    store = fresh_store()
    inc_id = incidents.capture(store, "Joke on a slide", urgency=urgency).id
    if acked:
        incidents.acknowledge(store, inc_id, "email")
    incident = store.get(inc_id)
    rng = random.Random(urgency)
    offsets = [0.0, 0.5, 14.9, 59.2, 60.0, 899.0, 900.0, 1799.5, 3599.0, 86_399.5, 86_400.0,
               90_000.0] + [rng.uniform(0, 200_000) for _ in range(40)]
    for offset in offsets:
        now: datetime = FROZEN_AT + timedelta(seconds=offset)
        due = next_change(incident, now, TARGET)
        assert due is not None and due > now
        shown = board_row(incident, now, TARGET)
        for moment in (now + (due - now) / 2, due - timedelta(microseconds=1)):
            assert board_row(incident, moment, TARGET) == shown, (offset, moment)
        assert board_row(incident, due, TARGET) != shown, (offset, due)
    store.close()


def test_a_report_without_a_creation_time_never_ticks() -> None:
    assert next_change(Incident(id="AA0001"), FROZEN_AT, TARGET) is None
