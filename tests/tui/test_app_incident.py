"""The incident view: every field, what is missing, the timeline, and its keys."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework
from careterm.core.timeline import timeline_entries
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.reason_modal import ReasonModal
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.widgets.board_table import BoardTable
from tests.support import settle, sync


def shown(app: CaretermApp) -> str:
    return app.screen.query_one("#incident").render().plain


def hint(app: CaretermApp) -> str:
    return str(app.screen.query_one("#incident-hint").render())


def dialog_hint(app: CaretermApp) -> str:
    return str(app.screen.query_one("#dialog-hint").render())


def dialog_text(app: CaretermApp) -> str:
    """Every line of the dialog on top: title, warning, note and the choices."""
    screen = app.screen
    lines = [str(static.render()) for static in screen.query(Static)]
    for options in screen.query(OptionList):
        lines += [str(options.get_option_at_index(n).prompt)
                  for n in range(options.option_count)]
    return "\n".join(lines)


def options(app: CaretermApp) -> dict[str, Option]:
    """The dialog's options by value."""
    option_list = app.screen.query_one(OptionList)
    found = [option_list.get_option_at_index(n) for n in range(option_list.option_count)]
    return {option.id: option for option in found if option.id}


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
        assert 'about 10 minutes ago (14:20 today) · typed as "10 min ago"' in text
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
        await pilot.press(*"Bo Sample", "enter")  # whom Ada consulted first
        await settle(pilot, app)
        assert "acknowledged by Ada Example at 14:30 today (email)" in shown(app)
        assert "Ada Example: acknowledged (email)" in shown(app)
        assert "● review 0s" in shown(app)  # acknowledged: the review's clock runs
        await pilot.press("a")  # a second time: nothing to do, and it says so
        assert not isinstance(app.screen, ChoiceModal)
        assert "already acknowledged" in hint(app)
    assert store.get(inc_id).acknowledged_via == "email"
    assert casework.acknowledgement_consulted(store.get(inc_id)) == ["Bo Sample"]


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
        await pilot.press("s", "5")  # decided: greyed without a resolution, says why
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        assert "5 (resolution decided) cannot be chosen now" in dialog_hint(app)
        assert "resolution decided — record the resolution first" in dialog_text(app)
        await pilot.press("escape")
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
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(table.selected_id(), "what") == "Second report"


def capture_critical(store: Store) -> str:
    """A critical report nobody acknowledged, with no resolution and nobody told."""
    return incidents.capture(store, "Shoved near the stairs", who="Gus Mock",
                             urgency="critical").id


@sync
async def test_s_then_7_asks_before_closing_and_says_what_is_missing(
        store: Store, frozen_clock) -> None:
    inc_id = capture_critical(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("s", "7")
        await settle(pilot, app)
        # Not closed: a question that says what is missing and asks why.
        assert store.get(inc_id).status == "new"
        assert isinstance(app.screen, ReasonModal)
        text = dialog_text(app)
        assert f"Close {inc_id} (critical)? It leaves the board." in text
        assert ("no resolution recorded; the reporter was not informed; "
                "receipt was never acknowledged to the reporter. Closing needs a reason:"
                ) in text
        await pilot.press("enter")  # no reason: refused in place, nothing changes
        await settle(pilot, app)
        assert isinstance(app.screen, ReasonModal)
        assert store.get(inc_id).status == "new"
        await pilot.press("escape")  # escape keeps it
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "not closed; it stays on the board" in hint(app)
        assert store.get(inc_id).status == "new"
        # A reason closes it, and the timeline says why.
        await pilot.press("s", "7")
        await settle(pilot, app)
        await pilot.press(*"duplicate", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "status closed · off the board" in hint(app)
    incident = store.get(inc_id)
    assert incident.status == "closed" and incident.extra["status_reason"] == "duplicate"
    assert "status: new → closed (reason: duplicate)" in [
        entry["text"] for entry in timeline_entries(incident)]


@sync
async def test_closing_a_report_done_properly_still_asks(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    incidents.acknowledge(store, inc_id, "email")
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])
    casework_actions.record_informed(store, inc_id, "in person at the info desk")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("s", "7")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        assert "⚠" not in dialog_text(app)  # nothing missing: nothing to warn about
        assert options(app)["closed"].prompt.plain == "2  Close it"
        await pilot.press("down", "enter")
        await settle(pilot, app)
    assert store.get(inc_id).status == "closed"


@sync
async def test_refused_moves_are_greyed_with_why_and_cannot_be_chosen(
        store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    incidents.acknowledge(store, inc_id, "email")
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"])  # decided
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("s")
        assert isinstance(app.screen, ChoiceModal)
        offered = options(app)
        assert [value for value, option in offered.items() if not option.disabled] == [
            "in-review", "decided", "closed"]  # back to review, stay, or close with a reason
        for value in ("new", "acknowledged", "needs-info"):
            assert offered[value].disabled
            assert " — a report can only go back to in-review" in str(
                offered[value].prompt)
        assert offered["informed"].disabled
        assert "record how the reporter was informed first" in str(offered["informed"].prompt)
        # A number of a greyed move says why and does nothing.
        await pilot.press("4")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        assert ("4 (more information needed) cannot be chosen now: why is on its line"
                in dialog_hint(app))
        # The arrows pass over greyed moves, so Enter never lands on one.
        seen = set()
        for _ in range(10):
            await pilot.press("down")
            seen.add(app.screen.query_one(OptionList).highlighted_option.id)
        assert seen == {"in-review", "decided", "closed"}
        await pilot.press("escape")
        await settle(pilot, app)
    assert store.get(inc_id).status == "decided"


@sync
async def test_q_quits_from_the_incident_view(store: Store, frozen_clock) -> None:
    inc_id = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_report(pilot, app, inc_id)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@sync
async def test_related_reports_follow_a_report_that_arrives_while_one_is_open(
        store: Store, frozen_clock) -> None:
    # The related row is worked out once per snapshot of the reports (the view draws
    # every second): a new report naming the same person must still show at once.
    first = capture_one(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_report(pilot, app, first)
        assert "also named in" not in shown(app)
        app._tick()
        second = incidents.capture(store, "Followed me to the lift", who="Dee Fictional",
                                   urgency="medium").id
        app.refresh_now()
        await settle(pilot, app)
        app._tick()  # (the view draws again for its own report at once, for others each second)
        await settle(pilot, app)
        assert f"also named in 1 other report: {second}" in shown(app)
