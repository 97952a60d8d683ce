"""A recused member's app: the board's row and the incident view say "recused" and show
nothing of the report (the app screens its incidents in one place); the handover too."""

from __future__ import annotations

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.widgets.board_table import BoardTable
from tests.support import settle, sync

SECRET = "Eve Placeholder cornered Fay near Room Zeta"


def _recused(store: Store) -> str:
    inc_id = incidents.capture(store, SECRET, who="Eve Placeholder", where="Room Zeta",
                               contact="fay@example.org", urgency="high").id
    incidents.add_note(store, inc_id, "Fay asked for an escort")
    casework_actions.declare_conflict(store, inc_id, store.member, "Eve is my sister",
                                      decision="recused", decided_by=["Bo Sample", "Cy"])
    return inc_id


@sync
async def test_board_and_incident_view_show_the_stub(store: Store, frozen_clock) -> None:
    inc_id = _recused(store)
    other = incidents.capture(store, "Loud remark at the bar").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert set(table.shown_ids) == {inc_id, other}
        assert "recused" in table.cell_text(inc_id, "what")
        assert table.cell_text(inc_id, "where") == ""
        assert table.cell_text(inc_id, "urgency") == "high"
        assert "Loud remark" in table.cell_text(other, "what")
        table.select_id(inc_id)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        text = app.screen.query_one("#incident").render().plain
        assert "You are recused from this report" in text
        for word in ("Placeholder", "Fay", "Room Zeta", "escort", "sister"):
            assert word not in text
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        assert "recused: details hidden on this laptop" in page
        assert "Placeholder" not in page and "Room Zeta" not in page


@sync
async def test_privacy_mode_keeps_saying_recused(store: Store, frozen_clock) -> None:
    inc_id = _recused(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert "recused" in table.cell_text(inc_id, "what")


@sync
async def test_the_stub_view_is_the_paragraph_alone_without_report_keys(
        store: Store, frozen_clock) -> None:
    inc_id = _recused(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        text = screen.query_one("#incident").render().plain
        assert "You are recused from this report" in text
        for section in ("Casework", "Notes", "Timeline", "missing", "taken by"):
            assert section not in text
        footer = " ".join(str(w.render()) for w in screen.query("FooterKey"))
        assert footer.split() == ["esc", "back", "?", "help", "p", "privacy", "q", "quit"]
        await pilot.press("o")  # no note dialog for a report this laptop does not show
        await pilot.press("w")
        await settle(pilot, app)
        assert app.screen is screen


@sync
async def test_the_stub_row_follows_its_reports_urgency_and_status(
        store: Store, frozen_clock) -> None:
    inc_id = _recused(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(inc_id, "urgency") == "high"
        incidents.update(store, inc_id, urgency="critical")
        incidents.change_status(store, inc_id, "acknowledged")
        app.refresh_now()
        await settle(pilot, app)
        await pilot.pause(0.1)
        await settle(pilot, app)
        assert table.cell_text(inc_id, "urgency") == "critical"
        assert table.cell_text(inc_id, "status") == "acknowledged"


@sync
async def test_handover_in_privacy_mode_says_recused(store: Store, frozen_clock) -> None:
    _recused(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        assert "recused: details hidden on this laptop" in page
