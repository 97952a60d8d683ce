"""The incident view: every field, what is missing, the timeline, and its keys."""

from __future__ import annotations

from textual.widgets import Input

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.board_table import BoardTable
from tests.support import settle, sync


def shown(app: CaretermApp) -> str:
    return app.screen.query_one("#incident").render().plain


def hint(app: CaretermApp) -> str:
    return str(app.screen.query_one("#incident-hint").render())


async def open_report(pilot, app: CaretermApp, inc_id: str) -> None:
    await settle(pilot, app)
    app.screen.query_one(BoardTable).select_id(inc_id)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, IncidentScreen)


def capture_one(store: Store) -> str:
    return incidents.capture(store, "Unwanted touching at the social", who="Dee Fictional",
                             when="10 min ago", where="Evening social, Hall Omega",
                             marks={"contact": "declined"}, urgency="high").id


@sync
async def test_enter_opens_every_field_what_is_missing_and_the_timeline(
        store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        text = shown(app)
        assert "Unwanted touching at the social" in text
        assert "Dee Fictional" in text
        assert "10 min ago  (14:20 today)" in text
        assert "Evening social, Hall Omega" in text
        assert "contact  (declined)" in text
        assert "missing  ongoing (empty), contact (declined), reporter (empty)" in text
        assert "Ada Example: report captured" in text
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


@sync
async def test_acknowledge_asks_how_and_lands_in_the_timeline(store: Store,
                                                              frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("2")  # e-mail
        await settle(pilot, app)
        assert "acknowledged by Ada Example at 14:30 today (email)" in shown(app)
        assert "Ada Example: acknowledged (email)" in shown(app)
        assert "✓ acked" in shown(app)
        await pilot.press("a")  # a second time: nothing to do, and it says so
        assert not isinstance(app.screen, ChoiceModal)
        assert "already acknowledged" in hint(app)
    assert store.get(inc_id).acknowledged_via == "email"


@sync
async def test_note_is_added(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("o")
        assert isinstance(app.screen, TextModal)
        await pilot.press("enter")  # empty: refused, the dialog stays
        assert isinstance(app.screen, TextModal)
        await pilot.press(*"Reporter wants an escort tonight", "enter")
        await settle(pilot, app)
        assert "Notes (1)" in shown(app)
        assert "Reporter wants an escort tonight" in shown(app)
    assert [n.text for n in store.get(inc_id).notes] == ["Reporter wants an escort tonight"]


@sync
async def test_edit_changes_fields_and_the_timeline_says_so(store: Store,
                                                            frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("e")
        assert isinstance(app.screen, CaptureScreen)
        where = app.screen.query_one("#f-where", Input)
        assert where.value == "Evening social, Hall Omega"
        where.value = "Room Zeta"
        app.screen.query_one("#f-contact", Input).focus()
        await pilot.press(*"via the info desk")  # answers the declined contact after all
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        text = shown(app)
        assert "where: Evening social, Hall Omega → Room Zeta" in text
        contact_line = next(line for line in text.splitlines() if "contact: (" in line)
        assert "declined" in contact_line and contact_line.endswith("→ via the info desk")
        assert "edited: where, contact" in hint(app)
    incident = store.get(inc_id)
    assert incident.where == "Room Zeta" and incident.contact == "via the info desk"
    assert incident.marks == {}


@sync
async def test_urgency_and_status_keys(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("u", "1")  # critical
        await settle(pilot, app)
        assert "urgency: high → critical" in shown(app)
        await pilot.press("s", "3")  # in-review
        await settle(pilot, app)
        assert "in-review · " in shown(app) and "status: new → in" in shown(app)
        await pilot.press("s", "5")  # decided: refused without a resolution
        await settle(pilot, app)
        assert "Not done: decided: record the resolution first" in hint(app)
    incident = store.get(inc_id)
    assert (incident.urgency, incident.status) == ("critical", "in-review")


@sync
async def test_n_in_the_incident_view_captures_and_returns_to_the_board(
        store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("n", *"Second report", "ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(table.selected_id(), "what") == "Second report"
