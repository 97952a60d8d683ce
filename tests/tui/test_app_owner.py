"""Owners in the app: the board's owner column, ``m`` for the reports one owns, ``w`` to
choose who owns a report (from the board and the incident view), and the handover grouped
by owner."""

from __future__ import annotations

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework
from careterm.store.store import Store
from careterm.team.members import known_members
from careterm.tui.app import CaretermApp
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.help_screen import help_text
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.board import column_layout
from tests.support import settle, sync


def _two(store: Store) -> tuple[str, str]:
    mine = incidents.capture(store, "Loud remark at the bar", urgency="high").id
    other = incidents.capture(store, "Slide with an unwelcome joke").id
    casework_actions.assign(store, mine, "Ada Example")
    casework_actions.assign(store, other, "Bo Sample")
    return mine, other


def test_known_members_are_this_laptops_member_and_everyone_who_recorded(
        store: Store) -> None:
    inc_id = incidents.capture(store, "Loud remark").id
    assert known_members(store) == ["Ada Example"]
    casework_actions.assign(store, inc_id, "Bo Sample")  # the owner is no member by that
    assert known_members(store) == ["Ada Example"]


def test_the_owner_column_goes_before_where_and_after_member() -> None:
    for width in range(60, 200):
        shown = column_layout(width).shown
        if "where" in shown:
            assert "owner" in shown or "member" not in shown
        if "owner" in shown:
            assert "where" in shown
    assert "owner" in column_layout(119).shown


@sync
async def test_board_shows_the_owner_and_m_filters_to_mine(store: Store, frozen_clock) -> None:
    mine, other = _two(store)
    nobody = incidents.capture(store, "Nobody owns this one").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(mine, "owner") == "Ada Example"
        assert table.cell_text(other, "owner") == "Bo Sample"
        assert table.cell_text(nobody, "owner") == ""
        await pilot.press("m")
        await settle(pilot, app)
        assert table.shown_ids == [mine]
        line = str(app.screen.query_one("#filter-line").render())
        assert "owned by Ada Example" in line and "1 shown" in line
        await pilot.press("m")
        await settle(pilot, app)
        assert set(table.shown_ids) == {mine, other, nobody}


@sync
async def test_w_on_the_board_assigns_and_nobody_clears(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Loud remark at the bar").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        table.select_id(inc_id)
        await pilot.press("w")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        labels = [label for _, label in app.screen.choices]
        assert labels[0] == "Ada Example" and labels[-1].startswith("(nobody)")
        await pilot.press("1")
        await settle(pilot, app)
        await settle(pilot, app)
        assert casework.owner(store.get(inc_id)) == "Ada Example"
        assert table.cell_text(inc_id, "owner") == "Ada Example"
        await pilot.press("w")
        await settle(pilot, app)
        await pilot.press(str(len(app.screen.choices)))  # (nobody)
        await settle(pilot, app)
        await settle(pilot, app)
        assert casework.owner(store.get(inc_id)) is None
        assert table.cell_text(inc_id, "owner") == ""


@sync
async def test_w_in_the_incident_view_assigns(store: Store, frozen_clock) -> None:
    inc_id = incidents.capture(store, "Loud remark at the bar").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("w")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("1")
        await settle(pilot, app)
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert casework.owner(store.get(inc_id)) == "Ada Example"
        assert "owner" in str(app.screen.query_one("#incident-hint").render())


@sync
async def test_handover_groups_open_reports_by_owner_after_overdue(
        store: Store, frozen_clock) -> None:
    mine, other = _two(store)
    nobody = incidents.capture(store, "Nobody owns this one").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        assert page.index("Overdue") < page.index("Everything open")
        tail = page[page.index("Everything open"):]
        ada, bo, none = (tail.index("owned by Ada Example"), tail.index("owned by Bo Sample"),
                         tail.index("nobody owns these"))
        assert ada < tail.index(mine) < bo < tail.index(other) < none < tail.index(nobody)


def test_help_names_the_owner_keys() -> None:
    text = help_text().plain
    assert "w " in text and "who owns" in text
    assert "only the reports you own" in text
