"""Quick capture in the app: minimal and full reports, marks, drafts, discarding, literal
text, one-letter answers, the desk's acknowledgement and guidance that is never cut."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Input, Select

from careterm.actions import incidents
from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.messages import IncidentSaved
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import GUIDE_PHRASES, CaptureScreen
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.yes_no_modal import YesNoModal
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


def screen_lines(app: CaretermApp) -> list[str]:
    """The text of every row on the terminal, as the user reads it."""
    stream = app.screen._compositor.render_update(full=True).render_segments(app.console)
    rows = re.split(r"\x1b\[\d+;\d+H", stream)
    return [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", row).rstrip() for row in rows if row]


async def answer_told(pilot, app: CaretermApp, key: str = "n") -> None:
    """A desk capture was saved: answer "did you tell the reporter it is received?"."""
    await wait_for(pilot, lambda: isinstance(app.screen, YesNoModal))
    await pilot.press(key)
    await settle(pilot, app)


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
        # Taken at the desk (came in: not said): was the reporter told it is received?
        assert isinstance(app.screen, YesNoModal)
        assert "Did you tell the reporter it is received?" in "\n".join(screen_lines(app))
        await pilot.press("n")  # not yet: it stays unacknowledged
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
    assert not incident.acknowledged
    assert incident.ongoing is None  # not asked is not unknown


@sync
async def test_full_report_with_marks_support_and_ongoing(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.press(*"Followed a speaker to the lobby", "tab")
        await pilot.press("ctrl+u")  # who: unknown
        assert state(app, "who") == "(unknown) · ctrl+u undoes"
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
        assert state(app, "reporter") == "(declined) · ctrl+d undoes"
        screen.query_one("#f-source", Select).value = "in-person"
        screen.query_one("#f-support_escort", Select).value = "requested"
        screen.query_one("#f-support_police", Select).value = "declined"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await answer_told(pilot, app, "n")
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
        await answer_told(pilot, app)
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
        assert str(second.screen.query_one("#dialog-title").render()) == (
            "Resume the draft from 14:30: Photos taken without consent?")
        await pilot.press("1")  # resume
        await pilot.pause()
        assert isinstance(second.screen, CaptureScreen)
        assert field(second, "what").value == "Photos taken without consent"
        assert state(second, "who") == "(unknown) · ctrl+u undoes"
        await pilot.press("ctrl+s")
        await settle(pilot, second)
        await answer_told(pilot, second)
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
        await answer_told(pilot, app)
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
async def test_a_kept_draft_never_slips_into_the_next_reporters_form(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, {**draft.empty_form(), "what": "Half-typed report about the "
                             "lanyard colours and a photo", "who": "Gus Mock"})
    store.close()
    frozen_clock.advance(minutes=40)
    app = RecordingApp(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoiceModal)
        offer = "Resume the draft from 14:30: Half-typed report about the lanyard…?"
        assert str(app.screen.query_one("#dialog-title").render()) == offer
        await pilot.press("2")  # not now (keep the draft)
        await settle(pilot, app)
        # n starts an empty form; the kept draft is only offered, with its time and words.
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.form() == draft.empty_form()
        shown = "\n".join(screen_lines(app))
        assert "Resume the draft from 14:30: Half-typed report about the lanyard…?" in shown
        assert "ctrl+r resumes it" in shown
        # The next reporter's report is typed and saved: the kept draft is still kept.
        await pilot.press(*"Someone else's report", "ctrl+s")
        await settle(pilot, app)
        await answer_told(pilot, app)
        reopened = app.store
        assert reopened is not None
        assert [i.what for i in reopened.incidents().values()] == ["Someone else's report"]
        record = draft.load_draft(reopened)
        assert record is not None and draft.form_is_empty(record["form"])
        [kept] = record["kept"]
        assert kept["form"]["what"].startswith("Half-typed report")
        # Chosen: only then does it come back into the form.
        await pilot.press("n")
        await settle(pilot, app)
        assert field(app, "what").value == ""
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert field(app, "what").value.startswith("Half-typed report about")
        assert field(app, "who").value == "Gus Mock"
        assert not app.screen.query_one("#draft-offer").display
        record = draft.load_draft(reopened)
        assert record is not None and record["kept"] == []
        assert record["form"]["who"] == "Gus Mock"


@sync
async def test_resuming_a_kept_draft_keeps_what_was_typed_aside(frozen_clock) -> None:
    store = memory_store()
    draft.save_draft(store, {**draft.empty_form(), "what": "The older one"})
    draft.keep_for_later(store)
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        await pilot.press(*"Started typing anew", "ctrl+r")
        await settle(pilot, app)
        assert field(app, "what").value == "The older one"
        shown = "\n".join(screen_lines(app))
        assert "Resume the draft from 14:30: Started typing anew?" in shown
        await pilot.press("ctrl+r")  # and back again: nothing is ever dropped
        await settle(pilot, app)
        assert field(app, "what").value == "Started typing anew"
        assert "Resume the draft from 14:30: The older one?" in "\n".join(screen_lines(app))


@sync
async def test_the_offer_hides_the_drafts_names_in_privacy_mode(frozen_clock) -> None:
    store = memory_store()
    draft.save_draft(store, {**draft.empty_form(), "what": "Gus Mock followed her",
                             "who": "Gus Mock"})
    draft.keep_for_later(store)
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.privacy = True
        await pilot.press("n")
        await settle(pilot, app)
        shown = "\n".join(screen_lines(app))
        assert "Resume the draft from 14:30: G.M. followed her?" in shown
        assert "Gus" not in shown


@sync
async def test_the_offer_goes_with_the_lock_and_comes_back(home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    draft.save_draft(store, {**draft.empty_form(), "what": "Kept about Gus Mock"})
    draft.keep_for_later(store)
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        capture = app.screen
        offer = "Resume the draft from 14:30: Kept about Gus Mock?"
        assert offer in "\n".join(screen_lines(app))
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert capture.kept == [] and not capture.query_one("#draft-offer").display
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert app.screen is capture
        assert offer in "\n".join(screen_lines(app))


# ------------------------------------------------------------------ marks keep the text


@sync
async def test_a_mark_keeps_what_was_typed_and_the_same_key_brings_it_back(
        frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Shoved at the bar", "tab", *"Gus Mock")
        await pilot.press("ctrl+u")
        assert field(app, "who").value == "Gus Mock"  # kept, not thrown away
        assert state(app, "who") == "(unknown) · ctrl+u undoes"
        assert app.screen.query_one("#row-who").has_class("-marked")
        await pilot.press("ctrl+u")  # the same key again: the answer is back
        assert field(app, "who").value == "Gus Mock"
        assert app.screen.marks == {} and state(app, "who") == ""
        await pilot.press("ctrl+d", "ctrl+u")  # declined, then unknown instead
        assert app.screen.marks == {"who": "unknown"}
        assert field(app, "who").value == "Gus Mock"
        # A marked dropdown keeps its answer too; a letter answers it again.
        app.screen.query_one("#f-ongoing", Select).focus()
        await pilot.press("y", "ctrl+u")
        assert app.screen.query_one("#f-ongoing", Select).value == "yes"
        assert app.screen.marks == {"who": "unknown", "ongoing": "unknown"}
        await pilot.press("y")
        assert app.screen.marks == {"who": "unknown"}
        await pilot.press("ctrl+u", "ctrl+s")
        await settle(pilot, app)
        await answer_told(pilot, app)
    [incident] = store.incidents().values()
    # Saved as marks: what was typed under a mark is not stored.
    assert incident.marks == {"who": "unknown", "ongoing": "unknown"}
    assert incident.who is None and incident.ongoing == "unknown"
    assert "ongoing" in incident.history


@sync
async def test_not_asked_and_unknown_are_saved_as_different_facts(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        for what, keys in (("Nobody asked", ()), ("Reporter does not know", ("u",)),
                           ("Marked unknown", ("ctrl+u",))):
            await pilot.press("n", *what)
            app.screen.query_one("#f-ongoing", Select).focus()
            await pilot.press(*keys, "ctrl+s")
            await settle(pilot, app)
            await answer_told(pilot, app)
    found = {i.what: i for i in store.incidents().values()}
    assert found["Nobody asked"].ongoing is None
    assert found["Nobody asked"].missing()["ongoing"] == "empty"
    assert "ongoing" not in found["Nobody asked"].history
    assert found["Reporter does not know"].ongoing == "unknown"
    assert found["Reporter does not know"].marks == {}
    assert found["Marked unknown"].marks == {"ongoing": "unknown"}


# ------------------------------------------------------------------ one-letter answers


@sync
async def test_dropdowns_take_one_letter_and_enter_moves_on_as_the_footer_says(
        frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Cornered by the lifts", "enter", "enter", "enter", "enter")
        ongoing = app.screen.query_one("#f-ongoing", Select)
        assert app.focused is ongoing
        footer = screen_lines(app)[-1]
        assert "y n u answer" in footer and "⏎ next" in footer and "f1 help" in footer
        await pilot.press("y")
        assert ongoing.value == "yes" and not ongoing.expanded
        assert state(app, "urgency") == "high: raised, it is ongoing"
        await pilot.press("enter")  # on to the next field, no list opened
        assert app.focused is field(app, "contact")
        await pilot.press("enter", "enter", "enter")  # contact, reporter, relayed by
        source = app.screen.query_one("#f-source", Select)
        assert app.focused is source
        assert "i e r o b answer" in screen_lines(app)[-1]
        await pilot.press("e", "enter")
        wishes = app.screen.query_one("#f-wishes", Select)
        assert app.focused is wishes
        assert "a n d r u answer" in screen_lines(app)[-1]
        await pilot.press("enter")  # not asked: enter moves on
        urgency = app.screen.query_one("#f-urgency", Select)
        assert source.value == "email" and app.focused is urgency
        assert "c h m l answer" in screen_lines(app)[-1]
        await pilot.press("p")  # chooses nothing here: no privacy toggle, no answer
        assert urgency.value == Select.NULL and app.privacy is False
        await pilot.press("c", "backspace")  # backspace clears: automatic again
        assert urgency.value == Select.NULL
        await pilot.press("C", "enter")
        assert urgency.value == "critical"
        await pilot.press("a")  # support: escort arranged
        assert app.screen.query_one("#f-support_escort", Select).value == "arranged"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        # Came in by e-mail: nobody at the desk to tell, so no question.
        assert isinstance(app.screen, BoardScreen)
    [incident] = store.incidents().values()
    assert (incident.ongoing, incident.source, incident.urgency) == ("yes", "email",
                                                                      "critical")
    assert incident.support == {"escort": "arranged"}


# ------------------------------------------------------------------ the desk's acknowledgement


@sync
async def test_a_desk_capture_asks_if_the_reporter_was_told_and_y_records_it(
        frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Heckled during the talk")
        app.screen.query_one("#f-source", Select).focus()
        await pilot.press("i", "ctrl+s")  # in person
        await settle(pilot, app)
        assert isinstance(app.screen, YesNoModal)
        shown = "\n".join(screen_lines(app))
        assert "Did you tell the reporter it is received?" in shown
        assert "record it as acknowledged in person" in shown
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        [saved] = [m for m in app.seen if isinstance(m, IncidentSaved)]
        assert "acknowledged in person" in str(app.screen.query_one("#board-hint").render())
        table = app.screen.query_one(BoardTable)
        assert "unacked" not in table.cell_text(saved.captured.id, "ack")
    incident = store.get(saved.captured.id)
    assert incident.acknowledged and incident.status == "acknowledged"
    assert incident.acknowledged_via == "in-person"
    assert incident.acknowledged_by == "Ada Example"


@sync
async def test_an_edit_never_asks_about_the_reporter(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"First words", "ctrl+s")
        await settle(pilot, app)
        await answer_told(pilot, app, "escape")  # no answer: left unacknowledged
        assert isinstance(app.screen, BoardScreen)
        [incident] = store.incidents().values()
        assert not incident.acknowledged
        await pilot.press("enter", "e")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen) and app.screen.editing
        await pilot.press("tab", *"Gus Mock", "ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, (YesNoModal, CaptureScreen))
    assert store.get(incident.id).who == "Gus Mock"


# ------------------------------------------------------------------ guidance is never cut


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (60, 20)])
@sync
async def test_the_capture_hint_is_never_cut(frozen_clock, size: tuple[int, int]) -> None:
    app = RecordingApp(store=memory_store())
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        lines = screen_lines(app)
        hint = " ".join(line.strip() for line in lines
                        if any(phrase in line for phrase in GUIDE_PHRASES))
        for phrase in GUIDE_PHRASES:
            assert phrase in hint
        assert hint.endswith("never pressure") and "…" not in hint
        # Every placeholder is read whole at the desk's 80 columns.
        if size == (80, 24):
            shown = "\n".join(lines)
            for placeholder in ("in their words", "names or descriptions",
                                "e.g. 10 min ago, 14:20", "name · ctrl+d: anonymous"):
                assert placeholder in shown


def test_first_words_and_time_of_a_draft(frozen_clock) -> None:
    form = {**draft.empty_form(), "what": "Half-typed report about something that went on"}
    assert draft.first_words(form) == "Half-typed report about something that…"
    now = clock.now()
    assert draft.draft_time(now.isoformat()) == "14:30"
    assert draft.draft_time((now - timedelta(days=1)).isoformat()) == "yesterday 14:30"


@sync
async def test_wishes_and_relayed_by_are_asked_and_stored(frozen_clock) -> None:
    store = memory_store()
    app = RecordingApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.press(*"Remark at the badge desk")
        field(app, "relayed_by").focus()
        await pilot.press(*"Val Volunteer", "tab", "tab")
        assert app.screen.focused is app.screen.query_one("#f-wishes")
        await pilot.press("d")  # don't confront them: one letter, like the other dropdowns
        await pilot.pause()
        lines = screen_lines(app)
        assert any("reporter wants" in line and "don't confront them" in line
                   for line in lines)  # scrolled into view at 80x24
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await answer_told(pilot, app, "n")
        [saved] = [m for m in app.seen if isinstance(m, IncidentSaved)]
    incident = store.get(saved.captured.id)
    assert incident.extra["wishes"] == "no-confrontation"
    assert incident.extra["relayed_by"] == "Val Volunteer"


@sync
async def test_editing_keeps_wishes_and_relayed_by(frozen_clock) -> None:
    store = memory_store()
    inc_id = incidents.capture(store, "Remark at the badge desk", wishes="record-only",
                               relayed_by="Val Volunteer").id
    app = RecordingApp(store=store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        app.push_screen(CaptureScreen(incident=store.get(inc_id)))
        await settle(pilot, app)
        assert field(app, "relayed_by").value == "Val Volunteer"
        assert app.screen.query_one("#f-wishes", Select).value == "record-only"
        app.screen.query_one("#f-wishes").focus()
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#f-wishes", Select).value == "action"
        assert screen_lines(app)[-2].strip()  # the hint line is there, not cut away
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert store.get(inc_id).extra["wishes"] == "action"
