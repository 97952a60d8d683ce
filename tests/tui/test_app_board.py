"""The triage board: order, counts, escalation that ticks, filters, live arrival."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from textual.command import CommandList
from textual.widgets import Select

from careterm.actions import incidents
from careterm.core.triage import AckLevel
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.casework_commands import report_matches, report_prompt
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.help_screen import HelpScreen
from careterm.tui.screens.incident_screen import IncidentScreen
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
    # Acknowledged: the review's clock runs now (default target 12 h).
    acked = store.get(made["acked"])
    assert ack_cell(acked, later, TARGET).text == "● review 17m"
    late = ack_cell(acked, FROZEN_AT + timedelta(hours=13), TARGET)
    assert late.text == "⚠ review 13h" and late.level is AckLevel.WARNING


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
    incidents.change_status(store, made["low"], "closed", reason="a duplicate")
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
    assert narrow.total + len(narrow.shown) <= 79
    wide = column_layout(199)
    assert wide.total + len(wide.shown) == 199
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
        assert cell(app, made["acked"], "ack") == "● review 0s"
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
        assert cell(app, made["acked"], "ack") == "● review 31m"  # its target is 12 h
        assert header(app) == "4 open · 3 unacknowledged · 1 critical · 3 overdue"


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
        # At 100 columns the guide's second form: every filter key, m (mine) too.
        line = str(app.screen.query_one("#filter-line").render())
        assert line.startswith("all open · ") and "m mine" in line
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
        await pilot.press("enter")  # consulted nobody (optional)
        await settle(pilot, app)
        assert cell(app, made["high"], "ack") == "● review 0s"
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
async def test_reports_changed_by_another_store_instance_change_live(home: Path,
                                                                    frozen_clock) -> None:
    # Not only new rows: a report edited and one acknowledged elsewhere read anew in
    # place, read after read (what changed is worked out against the read before).
    mine = Store.open(home, PASSPHRASE)
    first = incidents.capture(mine, "Shouting at the desk", urgency="medium").id
    second = incidents.capture(mine, "Photos without asking", urgency="low").id
    app = CaretermApp(store=mine, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        other = Store.open(home, PASSPHRASE)
        incidents.update(other, first, where="Hall Omega")
        await wait_for(pilot, lambda: cell(app, first, "where") == "Hall Omega")
        incidents.acknowledge(other, second, "phone")
        await wait_for(pilot, lambda: "acked" in cell(app, second, "ack")
                       or "review" in cell(app, second, "ack"))
        incidents.update(other, first, urgency="high")
        await wait_for(pilot, lambda: cell(app, first, "urgency") == "high")
        other.close()


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
    widths = column_layout(119).widths  # wide enough for the full ack cell
    assert row.ack.text == "‼ unacked 20h" and len(row.ack.text) <= widths["ack"]
    assert row.age == "20h45m" and len(row.age) <= widths["age"]


# ------------------------------------------------------------------ closed reports


def hint_text(app: CaretermApp) -> str:
    return str(app.screen.query_one("#board-hint").render())


@sync
async def test_c_shows_the_closed_reports_and_again_the_open_ones(
        store: Store, frozen_clock) -> None:
    made = seed(store)
    incidents.change_status(store, made["low"], "closed", reason="a duplicate")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert made["low"] not in table_ids(app)
        await pilot.press("c")
        assert table_ids(app) == [made["low"]]
        assert cell(app, made["low"], "status") == "closed"
        assert "filter: closed reports · 1 shown" in str(
            app.screen.query_one("#filter-line").render())
        await pilot.press("c")
        assert table_ids(app) == [made["critical"], made["high"], made["acked"]]
        await pilot.press("c", "escape")  # escape clears it too
        assert made["low"] not in table_ids(app) and len(table_ids(app)) == 3
    assert FilterSpec(status="closed").describe() == "closed reports"


@sync
async def test_palette_finds_a_closed_report_by_its_id_and_opens_it(
        store: Store, frozen_clock) -> None:
    made = seed(store)
    incidents.change_status(store, made["low"], "closed", reason="a duplicate")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert made["low"] not in table_ids(app)
        await pilot.press("ctrl+p", *made["low"].lower())  # as typed, in lower case
        await pilot.pause(0.3)
        palette = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: palette.option_count > 0)
        first = str(palette.get_option_at_index(0).prompt)
        assert f"Open report {made['low']} · closed, off the board · low" in first
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.incident_id == made["low"]


@sync
async def test_a_hint_about_a_report_goes_once_the_report_is_closed(
        store: Store, frozen_clock) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(BoardTable).select_id(made["high"])
        await pilot.press("a", "3")  # acknowledged by phone: the hint names the report
        await settle(pilot, app)
        await pilot.press("enter")  # consulted nobody (optional)
        await settle(pilot, app)
        assert hint_text(app) == f"{made['high']}: acknowledged (phone)"
        # Another change to it (still open): the hint stays.
        incidents.add_note(store, made["high"], "Reporter is with a friend now")
        await reread(pilot, app)
        assert len(app.incidents[made["high"]].notes) == 1
        assert hint_text(app) == f"{made['high']}: acknowledged (phone)"
        # Closed in its incident view: back on the board, the hint about it is gone.
        await pilot.press("enter", "s", "7")
        await settle(pilot, app)
        await pilot.press(*"a duplicate", "enter")  # closing unresolved asks why
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert not app.incidents[made["high"]].is_open
        assert hint_text(app) == ""
        # A hint about a report that was already closed when it was said stays.
        app.screen.hint(f"{made['high']}: closed earlier today")
        incidents.add_note(store, made["high"], "Filed away")
        await reread(pilot, app)
        assert len(app.incidents[made["high"]].notes) == 2
        assert hint_text(app) == f"{made['high']}: closed earlier today"
        # Closed elsewhere (another careterm on this store): the hint goes as well.
        app.screen.hint(f"{made['low']}: urgency high")
        incidents.change_status(store, made["low"], "closed", reason="a duplicate")
        await reread(pilot, app)
        assert hint_text(app) == ""
        # Named before it was read, it arrives closed: that is news, not stale.
        arrived = incidents.capture(store, "Handled by Bo at the desk", urgency="low").id
        incidents.change_status(store, arrived, "closed", reason="a duplicate")
        app.screen.hint(f"sync: {arrived} from Bo Sample")
        await reread(pilot, app)
        assert arrived in app.incidents
        assert hint_text(app) == f"sync: {arrived} from Bo Sample"


async def reread(pilot, app: CaretermApp) -> None:
    """Have the app re-read the store (as it does when its files change) and redraw."""
    app.refresh_now()
    await settle(pilot, app)
    await pilot.pause(0.1)
    await settle(pilot, app)

def test_the_palette_finds_ids_as_typed_and_hides_names_in_privacy_mode(
        store: Store, frozen_clock) -> None:
    made = seed(store)
    named = incidents.capture(store, "Gus Mock grabbed Hal Sample's arm", who="Gus Mock",
                              urgency="high").id
    incidents.change_status(store, named, "closed", reason="a duplicate")
    everything = store.incidents()
    # Lower case, a dash and the look-alike o are forgiven; the exact id comes first.
    assert report_matches(everything, f" {named[:2].lower()}-{named[2:]} ".replace("0", "o")
                          )[0].id == named
    assert {i.id for i in report_matches(everything, "AA")} == {*made.values(), named}
    assert report_matches(everything, "A") == []  # one character finds nothing yet
    shown = report_prompt(everything[named], private=False).plain
    assert shown == f"Open report {named} · closed, off the board · high · " \
                    "Gus Mock grabbed Hal Sample's arm"
    hidden = report_prompt(everything[named], private=True).plain
    assert "Gus" not in hidden and "Mock" not in hidden and named in hidden


# ------------------------------------------------------------------ keeping up (issue 11)


def cells_of(table: BoardTable) -> dict[tuple[str, str], object]:
    """Every cell object shown, by (report, column): a cell written again is a new object."""
    return {(inc_id, column): table.get_cell(inc_id, column)
            for inc_id in table.shown_ids for column in COLUMNS}


def spy(monkeypatch, table: BoardTable, *names: str) -> dict[str, list[object]]:
    """Record the calls of the table's ``names`` (the ways to rebuild or re-sort it)."""
    calls: dict[str, list[object]] = {name: [] for name in names}
    for name in names:
        real = getattr(table, name)

        def recorded(*args: object, _real=real, _name=name, **kwargs: object) -> object:
            calls[_name].append(kwargs.get("key", args))
            return _real(*args, **kwargs)

        monkeypatch.setattr(table, name, recorded)
    return calls


@sync
async def test_a_tick_writes_only_the_cells_whose_text_changed(store: Store, frozen_clock,
                                                                monkeypatch) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert app.board is not None
        calls = spy(monkeypatch, table, "clear", "add_row", "remove_row", "sort")
        order, row_keys, before = table_ids(app), list(table.rows), cells_of(table)
        frozen_clock.advance(minutes=17)
        app.board.tick()
        after = cells_of(table)
        written = {place for place in before if after[place] is not before[place]}
        # Ages everywhere, every stage's time (the acknowledged one's review too):
        # nothing else, not even a row that turned from waiting to warning.
        assert written == ({(inc_id, "age") for inc_id in made.values()}
                           | {(made[k], "ack") for k in ("critical", "high", "low", "acked")})
        assert all(str(after[place]) != str(before[place]) for place in written)
        assert cell(app, made["high"], "ack") == "⚠ unacked 17m"
        assert calls == {"clear": [], "add_row": [], "remove_row": [], "sort": []}
        assert table_ids(app) == order and list(table.rows) == row_keys
        # Five seconds on, every text reads the same: no row is even worked out.
        frozen_clock.advance(seconds=5)
        app.board.tick()
        assert app.board.view.worked_out == 0
        assert all(cells_of(table)[place] is after[place] for place in after)


@sync
async def test_an_arrival_adds_only_its_row_in_its_place(store: Store, frozen_clock,
                                                          monkeypatch) -> None:
    made = seed(store)
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        table.select_id(made["high"])
        calls = spy(monkeypatch, table, "clear", "add_row", "remove_row", "sort")
        before = cells_of(table)
        new_id = incidents.capture(store, "Cornered near the cloakroom", urgency="critical",
                                   where="Cloakroom").id
        app.refresh_now()
        await wait_for(pilot, lambda: new_id in table_ids(app))
        assert table_ids(app) == [made["critical"], new_id, made["high"], made["acked"],
                                  made["low"]]
        assert calls == {"clear": [], "add_row": [new_id], "remove_row": [], "sort": []}
        assert all(cells_of(table)[place] is before[place] for place in before)
        assert [row.key.value for row in table.ordered_rows] == table_ids(app)
        assert table.selected_id() == made["high"]  # the cursor stays on its report
        assert cell(app, new_id, "where") == "Cloakroom"
        assert header(app) == "5 open · 4 unacknowledged · 2 critical"
        # Acknowledged, the older critical report moves below the new one: only its row
        # is written.
        before = cells_of(table)
        incidents.acknowledge(store, made["critical"], "email")
        app.refresh_now()
        await wait_for(pilot, lambda: table_ids(app)[:2] == [new_id, made["critical"]])
        after = cells_of(table)
        assert {inc_id for inc_id, _ in before if after[inc_id, _] is not before[inc_id, _]
                } == {made["critical"]}
        assert [row.key.value for row in table.ordered_rows] == table_ids(app)
        assert table.selected_id() == made["high"]
        # Under "unacknowledged only", a report acknowledged elsewhere leaves the board.
        await pilot.press("exclamation_mark")
        assert table_ids(app) == [new_id, made["high"], made["low"]]
        incidents.acknowledge(store, made["low"], "phone")
        app.refresh_now()
        await wait_for(pilot, lambda: made["low"] not in table_ids(app))
        assert table_ids(app) == [new_id, made["high"]]
        assert [row.key.value for row in table.ordered_rows] == table_ids(app)
        assert table.selected_id() == made["high"]
        assert calls["clear"] == calls["remove_row"] == calls["sort"] == []


@sync
async def test_an_arrival_in_privacy_mode_is_masked(store: Store, frozen_clock) -> None:
    seed(store)
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        await settle(pilot, app)
        new_id = incidents.capture(store, "Jordan Smith grabbed an arm at the party",
                                   who="Jordan Smith", urgency="high").id
        app.refresh_now()
        await wait_for(pilot, lambda: new_id in table_ids(app))
        assert "Jordan" not in cell(app, new_id, "what")
        assert "grabbed an arm" in cell(app, new_id, "what")
