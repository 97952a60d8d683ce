"""The board's columns at every width: what happened gets the room, the least useful
columns go first (member, then where), and nothing is cut that is not said elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careterm.actions import incidents
from careterm.core.triage import format_age
from careterm.store.store import Store
from careterm.views.board import (
    COLUMNS,
    FIXED_WIDTHS,
    FLEX_MINIMUM,
    WHAT_FLOOR,
    board_rows,
    column_layout,
)
from tests.support import FROZEN_AT

TARGET = timedelta(minutes=15)
DESK = 79
"""The board's table at 80x24: one cell goes to the vertical scrollbar."""
NARROW = 59
"""At 60x20."""


def cells(width: int) -> int:
    """The cells a layout takes: each column shown, and the space before it."""
    layout = column_layout(width)
    return layout.total + len(layout.shown)


def test_at_80_columns_what_happened_gets_30_characters() -> None:
    layout = column_layout(DESK)
    assert layout.widths["what"] >= 30
    assert layout.shown == ("id", "urgency", "status", "ack", "age", "what")
    assert cells(DESK) == DESK


def test_member_goes_first_then_where() -> None:
    shown = {width: column_layout(width).shown for width in range(40, 250)}
    without_member = [w for w, cols in shown.items() if "member" not in cols]
    without_where = [w for w, cols in shown.items() if "where" not in cols]
    # Where goes only at widths where member has already gone...
    assert set(without_where) <= set(without_member)
    # There are widths with where but no member (the order is member, then where).
    assert set(without_member) - set(without_where)
    # Wide enough, every column is there.
    assert column_layout(119).shown == COLUMNS
    assert "where" in column_layout(99).shown and "member" not in column_layout(99).shown


def test_at_60_columns_status_goes_too_and_the_rest_stays() -> None:
    layout = column_layout(NARROW)
    assert layout.shown == ("id", "urgency", "ack", "age", "what")
    assert layout.widths["what"] >= 20
    assert cells(NARROW) == NARROW


@given(st.integers(min_value=40, max_value=400))
def test_the_columns_fill_the_width_exactly_when_they_can(width: int) -> None:
    layout = column_layout(width)
    assert all(w >= 0 for w in layout.widths.values())
    assert list(layout.widths) == list(COLUMNS)
    assert layout.widths["what"] >= WHAT_FLOOR
    if layout.widths["what"] > WHAT_FLOOR:
        assert cells(width) == width
    for name in ("id", "urgency", "age"):
        assert layout.widths[name] == FIXED_WIDTHS[name]  # never cut
    for name in ("where", "member"):
        assert layout.widths[name] in (0,) or layout.widths[name] >= FLEX_MINIMUM[name]
    if width >= DESK:
        assert layout.widths["what"] >= FLEX_MINIMUM["what"]


def test_wider_gives_what_more() -> None:
    whats = [column_layout(width).widths["what"] for width in (DESK, 119, 199)]
    assert whats == sorted(whats) and whats[0] < whats[-1]
    assert cells(199) == 199


@pytest.mark.parametrize("width", [DESK, NARROW, 89, 119, 199])
def test_the_stage_cell_keeps_its_symbol_word_and_time(store: Store, width: int) -> None:
    """The stage cell is whole at every width: symbol, word and the time in the stage in
    whole units; the age column has the exact reading."""
    inc_id = incidents.capture(store, "Followed to the lobby", urgency="high").id
    later = FROZEN_AT + timedelta(hours=20, minutes=45)
    [row] = [r for r in board_rows(store.incidents().values(), later, TARGET)
             if r.id == inc_id]
    layout = column_layout(width)
    assert row.ack.text == "‼ unacked 20h"
    assert row.age == "20h45m" == format_age(later - FROZEN_AT)
    assert len(row.age) <= layout.widths["age"]
    assert len(row.ack.text) <= layout.widths["ack"]


@pytest.mark.parametrize("width", [DESK, NARROW])
def test_every_stage_cell_fits_the_narrowed_column(store: Store, width: int) -> None:
    inc_id = incidents.capture(store, "Followed to the lobby", urgency="high").id
    incidents.acknowledge(store, inc_id)
    widest = ("‼ unacked 23h", "‼ review 23h", "‼ inform 59m", "‼ info 23h", "✓ informed",
              "– closed")
    assert all(len(text) <= column_layout(width).widths["ack"] for text in widest)
    later = FROZEN_AT + timedelta(hours=23, minutes=59)
    [row] = board_rows(store.incidents().values(), later, TARGET)
    assert row.ack.text == "⚠ review 23h"  # 24 h would be twice the 12 h target
