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

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.actions.settings import change_settings
from careterm.core import clock
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.core.stages import overdue_count
from careterm.core.triage import AckLevel, board_counts, board_header, board_order
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
    """What a table does with the changes: the order it ends with (everything again when
    the view worked everything out, e.g. after the team's settings changed)."""
    if rows.changes is None:
        shown.clear()
        shown.update({row.id: row for row in rows})
        return [row.id for row in rows]
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
                       "clock", "review", "needs-info", "resolve", "inform", "settings"))
    if kind == "capture" or not ids:
        incidents.capture(store, f"report {len(ids)}", urgency=rng.choice(URGENCIES),
                          where=rng.choice(("Room Zeta", "Hallway near Track 2")))
    elif kind == "ack":
        incidents.acknowledge(store, rng.choice(ids), "email")
    elif kind == "urgency":
        incidents.update(store, rng.choice(ids), urgency=rng.choice(URGENCIES))
    elif kind == "close":
        try:
            incidents.change_status(store, rng.choice(ids), "closed",
                                    reason=rng.choice((None, "a duplicate")))
        except CaretermError:
            pass  # the workflow refuses it from here: nothing changed
    elif kind in ("review", "needs-info"):
        try:
            incidents.change_status(store, rng.choice(ids), kind.replace("review", "in-review"))
        except CaretermError:
            pass
    elif kind == "resolve":
        try:
            casework_actions.record_resolution(store, rng.choice(ids), ["stop-behaviour"],
                                               force_order=True)
        except CaretermError:
            pass  # informed or closed: reopen first
    elif kind == "inform":
        casework_actions.record_informed(store, rng.choice(ids), "e-mail", force_order=True)
    elif kind == "settings":
        change_settings(store, {rng.choice(("ack", "review", "needs_info", "inform")):
                                rng.choice((60, 600, 900, 3600, 6 * 3600))})
    elif kind == "note":
        incidents.add_note(store, rng.choice(ids), "Spoke with the reporter again.")
    else:
        frozen.advance(seconds=rng.choice((1, 7, 59, 61, 600, 901, 1799, 3601, 86_400)))


@pytest.mark.parametrize("spec", [FilterSpec(), FilterSpec(unacked_only=True),
                                  FilterSpec(urgency="high"), FilterSpec(status="closed")],
                         ids=["open", "unacked", "high", "closed"])
@pytest.mark.parametrize("seed", range(8))
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
        settings = store.team_settings()
        rows = view.rows(everything, clock.now(), settings)
        assert list(rows) == board_rows(everything.values(), clock.now(), settings,
                                        spec), number
        assert view.counts() == board_counts(list(everything.values()))
        overdue = overdue_count(list(everything.values()), settings, clock.now())
        assert view.overdue() == overdue, number
        assert view.header() == board_header(list(everything.values()), overdue)
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
    incidents.change_status(store, made[0], "closed", reason="a duplicate")
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


STAGE_SETTINGS = TeamSettings(ack=timedelta(minutes=10), review=timedelta(hours=2),
                              needs_info=timedelta(hours=1), inform=timedelta(hours=3))


def _in_stage(store: Store, stage: str, urgency: str,
              frozen: clock.FrozenClock | None = None) -> str:
    """A report in ``stage``; with ``frozen``, each step 7m37s after the one before, so
    the stage's clock and the report's age turn at different moments."""
    inc_id = incidents.capture(store, "Joke on a slide", urgency=urgency).id
    if stage == "acknowledge":
        return inc_id
    if frozen is not None:
        frozen.advance(seconds=457)
    incidents.acknowledge(store, inc_id, "email")
    if frozen is not None:
        frozen.advance(seconds=457)
    if stage == "review":
        incidents.change_status(store, inc_id, "in-review")
    elif stage == "needs-info":
        incidents.change_status(store, inc_id, "needs-info")
    elif stage == "inform":
        incidents.change_status(store, inc_id, "in-review")
        casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    return inc_id


@pytest.mark.parametrize("stage", ["acknowledge", "review", "needs-info", "inform"])
@pytest.mark.parametrize("urgency", ["critical", "low"])
def test_every_stage_clock_changes_exactly_when_next_change_says(
        stage: str, urgency: str, frozen_clock) -> None:
    store = fresh_store()
    inc_id = _in_stage(store, stage, urgency, frozen_clock)
    incident = store.get(inc_id)
    rng = random.Random(stage + urgency)
    offsets = [0.0, 59.9, 600.0, 601.0, 1200.0, 3600.0, 3600.5, 7200.0, 7200.1, 10_800.0,
               14_400.2, 21_600.0, 21_600.1] + [rng.uniform(0, 100_000) for _ in range(30)]
    for offset in offsets:
        now: datetime = FROZEN_AT + timedelta(seconds=offset)
        due = next_change(incident, now, STAGE_SETTINGS)
        assert due is not None and due > now
        shown = board_row(incident, now, STAGE_SETTINGS)
        for moment in (now + (due - now) / 2, due - timedelta(microseconds=1)):
            assert board_row(incident, moment, STAGE_SETTINGS) == shown, (offset, moment)
        assert board_row(incident, due, STAGE_SETTINGS) != shown, (offset, due)
    store.close()


@pytest.mark.parametrize("stage,target,word", [
    ("review", timedelta(hours=2), "review"), ("needs-info", timedelta(hours=1), "info"),
    ("inform", timedelta(hours=3), "inform")])
def test_a_row_changes_level_when_its_stage_target_passes(
        stage: str, target: timedelta, word: str, frozen_clock) -> None:
    store = fresh_store()
    inc_id = _in_stage(store, stage, "low")
    view = BoardView()
    start = clock.now()
    first = view.rows(store.incidents(), start, STAGE_SETTINGS)
    assert first[0].ack.text == f"● {word} 0s" and first[0].ack.level is AckLevel.WAITING
    assert view.overdue() == 0
    just_before = view.rows(store.incidents(), start + target, STAGE_SETTINGS)
    assert just_before[0].ack.level is AckLevel.WAITING
    late = view.rows(store.incidents(), start + target + timedelta(seconds=1), STAGE_SETTINGS)
    assert late.changes is not None and inc_id in late.changes.rows
    assert late[0].ack.level is AckLevel.WARNING and late[0].ack.text.startswith(f"⚠ {word} ")
    assert view.overdue() == 1 and view.header().endswith("· 1 overdue")
    very_late = view.rows(store.incidents(), start + 2 * target + timedelta(seconds=1),
                          STAGE_SETTINGS)
    assert very_late[0].ack.level is AckLevel.ALERT and very_late[0].ack.text.startswith("‼")
    # The same board under a longer target: worked out again, waiting once more.
    longer = TeamSettings(review=10 * target, needs_info=10 * target, inform=10 * target)
    relaxed = view.rows(store.incidents(), start + 2 * target + timedelta(seconds=1), longer)
    assert relaxed.changes is None and relaxed[0].ack.level is AckLevel.WAITING
    assert view.overdue() == 0
    store.close()


def test_a_stage_change_restarts_the_clock_on_the_kept_board(frozen_clock) -> None:
    store = fresh_store()
    inc_id = _in_stage(store, "review", "low")
    view = BoardView()
    view.rows(store.incidents(), clock.now(), STAGE_SETTINGS)
    frozen_clock.advance(hours=3)
    late = view.rows(store.incidents(), clock.now(), STAGE_SETTINGS)
    assert late[0].ack.text == "⚠ review 3h" and view.overdue() == 1
    incidents.change_status(store, inc_id, "needs-info")
    view.invalidate({inc_id})
    asked = view.rows(store.incidents(), clock.now(), STAGE_SETTINGS)
    assert asked[0].ack.text == "● info 0s" and view.overdue() == 0
    casework_actions.record_resolution(store, inc_id, ["no-action"])
    casework_actions.record_informed(store, inc_id, "e-mail")
    view.invalidate({inc_id})
    done = view.rows(store.incidents(), clock.now() + timedelta(days=3), STAGE_SETTINGS)
    assert done[0].ack.text == "✓ informed" and view.overdue() == 0
    store.close()
