"""Quick capture in the app: minimal and full reports, marks, drafts, discarding, literal text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Input, Select

from careterm.core.textsafe import visible
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.messages import IncidentSaved
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.widgets.board_table import BoardTable
from tests.support import PASSPHRASE, settle, sync, wait_for


class RecordingApp(CaretermApp):
    """The app, remembering the messages that bubble up to it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, cursor_blink=False, **kwargs)  # type: ignore[arg-type]
        self.seen: list[Message] = []

    def on_incident_saved(self, message: IncidentSaved) -> None:
        self.seen.append(message)


def memory_store() -> Store:
    return Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")



def field(app: CaretermApp, name: str) -> Input:
    return app.screen.query_one(f"#f-{name}", Input)


def state(app: CaretermApp, name: str) -> str:
    return str(app.screen.query_one(f"#state-{name}").render())


@sync
async def test_minimal_report_is_n_type_ctrl_s(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        assert isinstance(app.screen, CaptureScreen)
        await pilot.press(*"Shouting at the cloakroom")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        [saved] = [m for m in app.seen if isinstance(m, IncidentSaved)]
        table = app.screen.query_one(BoardTable)
        assert table.selected_id() == saved.captured.id
        assert table.cell_text(saved.captured.id, "what") == "Shouting at the cloakroom"
        assert table.cell_text(saved.captured.id, "ack") == "● unacked 0s"
        assert "1 open · 1 unacknowledged · 0 critical" in str(
            app.screen.query_one("#counts").render())
    incident = store.get(saved.captured.id)
    assert incident.what == "Shouting at the cloakroom"
    assert incident.created_by == "Ada Example"


@sync
async def test_full_report_with_marks_support_and_ongoing(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.press(*"Followed a speaker to the lobby", "tab")
        await pilot.press("ctrl+u")  # who: unknown
        assert state(app, "who") == "(unknown)"
        await pilot.press("tab", *"10 min ago")
        assert state(app, "when") == "→ 14:20 today"
        await pilot.press("tab", *"Lobby of the Example Hotel")
        screen = app.screen
        screen.query_one("#f-ongoing", Select).value = "yes"
        await pilot.pause()
        assert state(app, "urgency") == "high: raised, it is ongoing"
        field(app, "contact").focus()
        await pilot.press(*"ivy.reporter@example.org", "tab")
        await pilot.press("ctrl+d")  # reporter: anonymous
        assert state(app, "reporter") == "(declined)"
        screen.query_one("#f-source", Select).value = "in-person"
        screen.query_one("#f-support_escort", Select).value = "requested"
        screen.query_one("#f-support_police", Select).value = "declined"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        [saved] = [m for m in app.seen if isinstance(m, IncidentSaved)]
        assert saved.captured.urgency == "high" and saved.captured.urgency_raised
        assert "raised" in str(app.screen.query_one("#board-hint").render())
    incident = store.get(saved.captured.id)
    assert incident.where == "Lobby of the Example Hotel"
    assert incident.when_text == "10 min ago"
    assert incident.when.strftime("%H:%M") == "14:20"
    assert incident.ongoing == "yes" and incident.urgency == "high"
    assert incident.contact == "ivy.reporter@example.org"
    assert incident.source == "in-person"
    assert incident.marks == {"who": "unknown", "reporter": "declined"}
    assert incident.support == {"escort": "requested", "police": "declined"}


@sync
async def test_when_that_cannot_be_read_is_kept_as_text(frozen_clock) -> None:
    app = RecordingApp(store=memory_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        field(app, "when").focus()
        await pilot.press(*"during the keynote")
        assert state(app, "when") == "will be kept as text"


@sync
async def test_urgency_set_by_hand_stands_even_when_ongoing(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Argument by the stairs")
        app.screen.query_one("#f-ongoing", Select).value = "yes"
        app.screen.query_one("#f-urgency", Select).value = "low"
        await pilot.pause()
        assert state(app, "urgency") == "low, set by hand"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    [incident] = store.incidents().values()
    assert incident.urgency == "low"


@sync
async def test_what_happened_is_required(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", "tab", *"Bo Sample", "ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        assert "only required answer" in str(app.screen.query_one("#capture-error").render())
        assert app.focused is field(app, "what")
    assert store.incidents() == {}


@sync
async def test_escape_on_a_typed_form_asks_before_discarding(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Half a report")
        await pilot.press("escape")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("1")  # keep writing
        assert isinstance(app.screen, CaptureScreen)
        assert field(app, "what").value == "Half a report"
        await pilot.press("escape")
        await pilot.press("2")  # discard
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
    assert store.incidents() == {}
    assert draft.load_draft(store) is None


@sync
async def test_escape_on_an_empty_form_just_leaves(frozen_clock) -> None:
    app = RecordingApp(store=memory_store())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", "escape")
        assert isinstance(app.screen, BoardScreen)


@sync
async def test_draft_survives_a_crash_and_is_offered_on_the_next_start(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    first = RecordingApp(store=store)
    async with first.run_test(size=(100, 30)) as pilot:
        await settle(pilot, first)
        await pilot.press("n", *"Photos taken without consent", "tab", "ctrl+u")
        # The draft is written after a short pause in typing.
        await wait_for(pilot, (home / draft.DRAFT_FILE).exists)
        await settle(pilot, first)
    # The app went away without saving (a crash, a closed lid): the draft is on disk,
    # encrypted.
    blob = (home / draft.DRAFT_FILE).read_bytes()
    assert b"Photos" not in blob
    store.close()

    second = RecordingApp(home)
    async with second.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, second)
        assert isinstance(second.screen, ChoiceModal)
        assert "Resume" in str(second.screen.query_one("#dialog-title").render())
        await pilot.press("1")  # resume
        await pilot.pause()
        assert isinstance(second.screen, CaptureScreen)
        assert field(second, "what").value == "Photos taken without consent"
        assert state(second, "who") == "(unknown)"
        await pilot.press("ctrl+s")
        await settle(pilot, second)
        [saved] = [m for m in second.seen if isinstance(m, IncidentSaved)]
        reopened = second.store
        assert reopened is not None
        assert reopened.get(saved.captured.id).marks == {"who": "unknown"}
        assert draft.load_draft(reopened) is None


@pytest.mark.parametrize("text", ["[bold red]x[/]", "[link=https://example.com]y[/link]",
                                  "bell \x07 and \x1b]52;c;aGk=\x07 clipboard"])
@sync
async def test_user_text_is_shown_literally(frozen_clock, text: str) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        field(app, "what").value = text
        field(app, "where").value = text
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        [saved] = [m for m in app.seen if isinstance(m, IncidentSaved)]
        table = app.screen.query_one(BoardTable)
        cell = table.get_cell(saved.captured.id, "what")
        assert cell.plain.strip() == visible(text, one_line=True)
        assert not cell.spans  # no style or link came from the text
        await pilot.press("enter")
        await pilot.pause()
        shown = app.screen.query_one("#incident").render()
        assert visible(text) in shown.plain
        assert "\x1b" not in shown.plain and "\x07" not in shown.plain
        assert not any("link" in str(span.style) for span in shown.spans)


@sync
async def test_a_draft_kept_for_later_is_where_the_next_capture_starts(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, {**draft.empty_form(), "what": "Kept for later"})
    store.close()
    app = RecordingApp(home)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("2")  # not now
        await wait_for(pilot, lambda: app.store is not None
                       and draft.load_draft(app.store) is not None)
        await pilot.press("n")
        await pilot.pause()
        assert field(app, "what").value == "Kept for later"
