"""Privacy mode in the app: names, contacts and the reporter hidden on the board, the
incident view and the handover; everything comes back when it is switched off."""

from __future__ import annotations

from textual.widgets import Input, Static

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.casework_modals import ReviewForm
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.privacy import NameMask
from tests.support import settle, sync

SEEDED = ("Dee Fictional", "Ivy Reporter", "ivy.reporter@example.org", "Gus Mock",
          "Hana Specimen")
"""Names and contacts of the seeded report (who, reporter, contact, actor, earlier who)."""




def seed(store: Store) -> str:
    """A report whose people appear in its fields, review, conversation and history."""
    inc_id = incidents.capture(store, "Unwanted touching at the social",
                               who="Hana Specimen", where="Evening social, Hall Omega",
                               contact="ivy.reporter@example.org", reporter="Ivy Reporter",
                               urgency="high").id
    incidents.update(store, inc_id, who="Dee Fictional (attendee, red hoodie)")
    casework_actions.record_review(store, inc_id, finding="Touched twice", violation="yes",
                           actors=["Dee Fictional", "Gus Mock"])
    casework_actions.record_conversation(store, inc_id, "Gus Mock", ["Ada Example"],
                                 kind="witness", notes="Gus Mock saw it from the bar")
    incidents.add_note(store, inc_id, "Ivy Reporter wants an escort tonight")
    return inc_id


def set_privacy(app: CaretermApp, private: bool) -> None:
    """Switch privacy mode as the ``p`` key does (the app tells every screen)."""
    app.privacy = private


def incident_view(app: CaretermApp) -> str:
    return app.screen.query_one("#incident").render().plain


def test_the_mask_hides_every_value_the_people_fields_held(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    incident = store.get(seed(store))
    redact = NameMask.for_incident(incident)
    text = ("Dee Fictional (attendee, red hoodie) met Hana Specimen; write to "
            "ivy.reporter@example.org; Gus Mock and Ivy Reporter saw it. Deep water.")
    assert redact(text) == ("D.F.R. met H.S.; write to ●●●; G.M. and I.R. saw it. "
                            "Deep water.")
    assert NameMask.none()(text) == text


@sync
async def test_incident_view_hides_names_and_contacts_until_switched_off(
        store: Store, frozen_clock) -> None:
    inc_id = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        before = incident_view(app)
        for name in SEEDED:
            assert name in before

        set_privacy(app, True)
        await settle(pilot, app)
        hidden = incident_view(app)
        for name in SEEDED:
            assert name not in hidden, name
        assert "who was involved  D.F.R." in hidden
        assert "contact  ●●●" in hidden and "reporter  I.R." in hidden
        assert "who acted badly: D.F., G.M." in hidden
        assert "with G.M. (a witness)" in hidden
        assert "Evening social, Hall Omega" in hidden  # where and what stay
        assert "Unwanted touching at the social" in hidden

        await pilot.press("p")  # the app's key switches it off again
        await settle(pilot, app)
        assert incident_view(app) == before


@sync
async def test_board_and_handover_show_no_names_in_privacy_mode(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        set_privacy(app, True)
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        board = " ".join(table.cell_text(inc_id, column) for column in
                         ("id", "urgency", "status", "ack", "where", "what", "member"))
        assert "Unwanted touching at the social" in board
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        assert inc_id in page
        for name in SEEDED:
            assert name not in board and name not in page


@sync
async def test_review_form_in_privacy_mode_keeps_the_hidden_names(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        set_privacy(app, True)
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.press("r")
        assert isinstance(app.screen, ReviewForm)
        actors = app.screen.query_one("#f-actors", Input)
        assert actors.value == "" and "hidden in privacy mode" in actors.placeholder
        app.screen.query_one("#f-reason", Input).value = "Two witnesses"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
    review = casework.review(store.get(inc_id))
    assert review["actors"] == ["Dee Fictional", "Gus Mock"]
    assert review["reason"] == "Two witnesses"


@sync
async def test_the_board_header_says_privacy_mode_is_on(store: Store) -> None:
    seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        title = app.screen.query_one("#board-title", Static)
        assert "PRIVACY" not in str(title.render())
        await pilot.press("p")
        await settle(pilot, app)
        assert "PRIVACY" in str(title.render())
        await pilot.press("p")
        await settle(pilot, app)
        assert "PRIVACY" not in str(title.render())
