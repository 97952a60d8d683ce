"""The triage board: order, counts, escalation that ticks, filters, live arrival."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from textual.widgets import Select

from careterm.actions import incidents
from careterm.core.triage import AckLevel
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.help_screen import HelpScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.board import (
    COLUMNS,
    BoardView,
    FilterSpec,
    ack_cell,
    board_rows,
    column_layout,
    filter_incidents,
)
from tests.support import FROZEN_AT, PASSPHRASE, settle, sync, wait_for

TARGET = timedelta(minutes=15)




def seed(store: Store) -> dict[str, str]:
    """Four reports: a critical one, a high one, a medium acknowledged one, a low one."""
    made = {
        "critical": incidents.capture(store, "Shoved near the stairs", urgency="critical",
                                      where="Hallway near Track 2", who="Gus Mock").id,
        "high": incidents.capture(store, "Followed to the lobby", urgency="high",
                                  where="Lobby of the Example Hotel").id,
        "acked": incidents.capture(store, "Rude remark at lunch", urgency="medium",
                                   where="Lunch area, table 4").id,
        "low": incidents.capture(store, "Joke on a slide", urgency="low",
                                 where="Room Zeta").id,
    }
    incidents.acknowledge(store, made["acked"], "email")
    return made


def table_ids(app: CaretermApp) -> list[str]:
    return app.screen.query_one(BoardTable).shown_ids


def cell(app: CaretermApp, inc_id: str, column: str) -> str:
    return app.screen.query_one(BoardTable).cell_text(inc_id, column)


def header(app: CaretermApp) -> str:
    return str(app.screen.query_one("#counts").render())


# ------------------------------------------------------------------ pure board logic


def test_escalation_words_say_what_the_colours_say(store: Store, frozen_clock) -> None:
    made = seed(store)
    high = store.get(made["high"])
    assert ack_cell(high, FROZEN_AT, TARGET).text == "● unacked 0s"
    later = FROZEN_AT + timedelta(minutes=17)
    assert ack_cell(high, later, TARGET) .text == "⚠ unacked 17m"
    assert ack_cell(high, later, TARGET).level is AckLevel.WARNING
    much_later = FROZEN_AT + timedelta(minutes=31)
    assert ack_cell(high, much_later, TARGET).text == "‼ unacked 31m"
    assert ack_cell(high, much_later, TARGET).level is AckLevel.ALERT
    critical = store.get(made["critical"])
    assert ack_cell(critical, FROZEN_AT, TARGET).text == "‼ unacked 0s"
    assert ack_cell(store.get(made["acked"]), later, TARGET).text == "✓ acked"


def test_filters_combine_and_describe_themselves(store: Store, frozen_clock) -> None:
    made = seed(store)
    everything = list(store.incidents().values())
    unacked = FilterSpec(unacked_only=True)
    assert [i.id for i in filter_incidents(everything, unacked)] == [
        made["critical"], made["high"], made["low"]]
    assert [i.id for i in filter_incidents(everything, FilterSpec(urgency="low"))] == [
        made["low"]]
    assert [i.id for i in filter_incidents(everything, FilterSpec(text="LOBBY"))] == [
        made["high"]]
    assert [i.id for i in filter_incidents(everything, FilterSpec(text="gus"))] == [
        made["critical"]]
    assert [i.id for i in filter_incidents(everything, FilterSpec(status="acknowledged"))
            ] == [made["acked"]]
    spec = FilterSpec(unacked_only=True, urgency="high", text="lobby")
    assert spec.describe() == "unacknowledged only · urgency high · search “lobby”"
    assert not FilterSpec().active and spec.active


def test_closed_reports_leave_the_board_unless_asked_for(store: Store, frozen_clock) -> None:
    made = seed(store)
    incidents.change_status(store, made["low"], "closed")
    rows = board_rows(store.incidents().values(), FROZEN_AT, TARGET)
    assert made["low"] not in [r.id for r in rows]
    closed = board_rows(store.incidents().values(), FROZEN_AT, TARGET,
                        FilterSpec(status="closed"))
    assert [r.id for r in closed] == [made["low"]]


def test_board_view_recomputes_only_the_clock_cells_on_a_tick(store: Store,
                                                               frozen_clock) -> None:
    made = seed(store)
    view = BoardView()
    first = view.rows(store.incidents(), FROZEN_AT, TARGET)
    later = view.rows(store.incidents(), FROZEN_AT + timedelta(minutes=20), TARGET)
    assert [r.id for r in first] == [r.id for r in later]
    changed = {r.id for r, s in zip(first, later, strict=True) if r != s}
    assert changed == {made["critical"], made["high"], made["acked"], made["low"]}
    assert [r.what for r in first] == [r.what for r in later]


def test_columns_fit_80_and_use_200(frozen_clock) -> None:
    narrow = column_layout(79)
    assert narrow.total + len(COLUMNS) <= 79
    wide = column_layout(199)
    assert wide.total + len(COLUMNS) == 199
    assert wide.widths["what"] > narrow.widths["what"]


# ------------------------------------------------------------------ the board in the app


@sync
async def test_board_shows_open_reports_in_order_with_the_exact_header(
        store: Store, frozen_clock) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert table_ids(app) == [made["critical"], made["high"], made["acked"], made["low"]]
        assert header(app) == "4 open · 3 unacknowledged · 1 critical"
        assert cell(app, made["critical"], "ack") == "‼ unacked 0s"
        assert cell(app, made["acked"], "ack") == "✓ acked"
        assert cell(app, made["high"], "where") == "Lobby of the Example Hotel"
        assert cell(app, made["high"], "member") == "Ada Example"


@sync
async def test_ages_and_escalation_tick_without_a_key(store: Store, frozen_clock) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert cell(app, made["high"], "ack") == "● unacked 0s"
        frozen_clock.advance(minutes=17)
        await wait_for(pilot, lambda: cell(app, made["high"], "ack") == "⚠ unacked 17m")
        assert cell(app, made["high"], "age") == "17m"
        frozen_clock.advance(minutes=14)
        await wait_for(pilot, lambda: cell(app, made["high"], "ack") == "‼ unacked 31m")
        assert cell(app, made["low"], "ack") == "‼ unacked 31m"
        assert cell(app, made["acked"], "ack") == "✓ acked"


@sync
async def test_filter_keys_and_the_active_filter_line(store: Store, frozen_clock) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("exclamation_mark")
        assert table_ids(app) == [made["critical"], made["high"], made["low"]]
        assert "unacknowledged only" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("4")
        assert table_ids(app) == [made["low"]]
        await pilot.press("escape")
        assert len(table_ids(app)) == 4
        assert "all open reports" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("slash", *"table 4")
        assert table_ids(app) == [made["acked"]]
        assert "search “table 4”" in str(app.screen.query_one("#filter-line").render())
        await pilot.press("enter", "escape")
        assert len(table_ids(app)) == 4
        # The filter dialog: status acknowledged.
        await pilot.press("f")
        app.screen.query_one("#status", Select).value = "acknowledged"
        await pilot.press("ctrl+s")
        assert table_ids(app) == [made["acked"]]
        assert "status acknowledged" in str(app.screen.query_one("#filter-line").render())
        # The header always counts every open report, whatever the filter.
        assert header(app) == "4 open · 3 unacknowledged · 1 critical"


@sync
async def test_acknowledge_from_the_board(store: Store, frozen_clock) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(BoardTable).select_id(made["high"])
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("3")  # phone
        await settle(pilot, app)
        assert cell(app, made["high"], "ack") == "✓ acked"
        assert header(app) == "4 open · 2 unacknowledged · 1 critical"
    assert store.get(made["high"]).acknowledged_via == "phone"


@sync
async def test_report_from_another_store_instance_appears_live(home: Path,
                                                                frozen_clock) -> None:
    mine = Store.open(home, PASSPHRASE)
    app = CaretermApp(store=mine, cursor_blink=False, refresh_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert table_ids(app) == []
        other = Store.open(home, PASSPHRASE)
        new_id = incidents.capture(other, "Arrived from the other laptop", urgency="high").id
        for _ in range(30):
            await pilot.pause(0.1)
            if table_ids(app):
                break
        assert table_ids(app) == [new_id]
        assert header(app) == "1 open · 1 unacknowledged · 0 critical"


@sync
async def test_report_written_by_another_process_appears_live(home: Path,
                                                               frozen_clock) -> None:
    mine = Store.open(home, PASSPHRASE)
    app = CaretermApp(store=mine, cursor_blink=False, refresh_seconds=0.1)
    script = (
        "import sys; from pathlib import Path\n"
        "from careterm.store.store import Store\nfrom careterm.actions import incidents\n"
        "s = Store.open(Path(sys.argv[1]), sys.argv[2])\n"
        "print(incidents.capture(s, 'Written by another careterm', where='Room Zeta').id)\n"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        done = subprocess.run([sys.executable, "-c", script, str(home), PASSPHRASE],
                              capture_output=True, text=True, timeout=60, check=True,
                              env={**os.environ, "CARETERM_KDF_LIMITS": "test-only-min"})
        new_id = done.stdout.strip()
        for _ in range(30):
            await pilot.pause(0.1)
            if table_ids(app):
                break
        assert table_ids(app) == [new_id]
        assert cell(app, new_id, "where") == "Room Zeta"


@sync
async def test_help_lists_the_keys_and_the_palette_has_the_main_actions(
        store: Store, frozen_clock) -> None:
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys").render())
        for key in ("ctrl+s", "ctrl+u", "ctrl+d", "acknowledge", "add a note", "edit the fields",
                    "change the urgency", "change the status", "search what / who / where"):
            assert key in text
        await pilot.press("escape")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("New report", "Board", "Filter: unacknowledged only", "Filter: clear",
                      "Help"):
            assert title in titles
        # The palette's "New report" opens capture.
        next(c for c in app.get_system_commands(app.screen) if c.title == "New report"
             ).callback()
        await pilot.pause()
        assert isinstance(app.screen, CaptureScreen)


def test_the_longest_ages_fit_their_columns(store: Store, frozen_clock) -> None:
    made = seed(store)
    later = FROZEN_AT + timedelta(hours=20, minutes=45)
    [row] = [r for r in board_rows(store.incidents().values(), later, TARGET)
             if r.id == made["high"]]
    widths = column_layout(79).widths
    assert row.ack.text == "‼ unacked 20h45m" and len(row.ack.text) <= widths["ack"]
    assert row.age == "20h45m" and len(row.age) <= widths["age"]
