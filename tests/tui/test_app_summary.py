"""The public summary in the app (issue 15, part 4): b in a report opens the dialog, the
text is written and recorded, f3 approves it as shown, a name is warned about, and the
report preview lists it once approved by two (or says it is left out)."""

from __future__ import annotations

from textual.widgets import Markdown, TextArea

from careterm.actions import incidents
from careterm.actions.summaries import approve_summary, write_summary
from careterm.core import summaries
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.report_screen import ReportScreen
from careterm.tui.screens.summary_modal import SummaryForm
from careterm.tui.widgets.board_table import BoardTable
from tests.support import settle, sync

TEXT = "A participant made unwanted comments; they were asked to stop."


def _store() -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")


async def _open(pilot, app: CaretermApp, inc_id: str) -> None:
    await settle(pilot, app)
    app.screen.query_one(BoardTable).select_id(inc_id)
    await pilot.press("enter")
    await settle(pilot, app)
    assert isinstance(app.screen, IncidentScreen)


@sync
async def test_write_a_summary_in_the_app(frozen_clock) -> None:
    store = _store()
    inc_id = incidents.capture(store, "Comments at the party", who="Jordan Smith").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await _open(pilot, app, inc_id)
        await pilot.press("b")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryForm)
        assert "no public summary" in app.screen.query_one("#form-note").render().plain
        await pilot.press(*"Jordan was asked to stop")
        await settle(pilot, app)
        warning = app.screen.query_one("#summary-warning").render().plain
        assert "holds a name" in warning
        app.screen.query_one("#f-summary", TextArea).text = TEXT
        await settle(pilot, app)
        assert app.screen.query_one("#summary-warning").render().plain == ""
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "public summary written" in app.screen.query_one("#incident-hint").render().plain
        assert "public summary written" in app.screen.query_one("#incident").render().plain
        assert summaries.summary_text(store.get(inc_id)) == TEXT
        assert summaries.approvers(store.get(inc_id)) == ["Ada Example"]


@sync
async def test_approve_in_the_app_and_see_it_in_the_preview(frozen_clock) -> None:
    ada = _store()  # Ada writes the summaries on her laptop…
    inc_id = incidents.capture(ada, "Comments at the party", who="Jordan Smith").id
    write_summary(ada, inc_id, TEXT)
    named = incidents.capture(ada, "Other comments", who="Kim Placeholder").id
    write_summary(ada, named, "Kim Placeholder was asked to leave.")
    approve_summary(ada, named, "Bo Sample")
    store = Store.in_memory(member="Bo Sample", team="Example Con CARE", tag="BB")
    store.add_foreign(ada.changes())  # …and Bo approves on his
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await _open(pilot, app, inc_id)
        await pilot.press("b")
        await settle(pilot, app)
        assert isinstance(app.screen, SummaryForm)
        await pilot.press("f3")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "public summary approved" in app.screen.query_one("#incident-hint").render().plain
        assert summaries.is_approved(store.get(inc_id))
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("T")
        await settle(pilot, app)
        assert isinstance(app.screen, ReportScreen)
        source = app.screen.query_one("#report", Markdown).source
        assert TEXT in source
        assert "Kim" not in source
        assert f"not published: the approved public summary of {named}" in source
