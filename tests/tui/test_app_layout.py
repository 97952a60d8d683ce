"""The desk's sizes: at 80x24 and 60x20 what happened gets the room, the keys that
matter stay in the footer, the privacy notice is never cut off, guidance is never cut
mid-sentence; the lock sits centred; the handover shouts as loudly as the board."""

from __future__ import annotations

import re

from textual.widgets import Checkbox

from careterm.actions import incidents
from careterm.core import clock
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.filter_modal import FilterModal
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.header_counts import GUIDE_FORMS, FilterLine
from careterm.views.board import COLUMNS, FilterSpec
from tests.support import settle, sync

LONG_WHAT = ("Repeated unwelcome comments about someone's appearance at the coffee break, "
             "twice, after being asked to stop")


def desk_store(frozen: clock.FrozenClock, team: str = "Example Con CARE") -> Store:
    """Reports that alert, escalate and wait (``frozen`` moves past the 15-minute target)."""
    store = Store.in_memory(member="Ada Example", team=team, tag="AA")
    incidents.capture(store, LONG_WHAT, urgency="critical", where="Cloakroom")
    incidents.capture(store, "Followed a speaker to the hotel lobby", urgency="high",
                      where="Lobby of the Example Hotel")
    frozen.advance(minutes=20)
    incidents.capture(store, "Loud argument near the registration desk", urgency="medium",
                      where="Registration desk")
    acked = incidents.capture(store, "Joke on a slide", urgency="low", where="Room Zeta").id
    incidents.acknowledge(store, acked, "email")
    return store


def shown_columns(table: BoardTable) -> dict[str, int]:
    """Columns the table draws, with the characters of text each shows (its leading
    space is not text)."""
    return {key.value: column.width - 1 for key, column in table.columns.items()
            if column.width > 0}


def footer_keys(app: CaretermApp) -> set[str]:
    """Keys whose footer entry is whole on screen (not cut, not under the palette's)."""
    keys = list(app.screen.query("FooterKey"))
    palette = [k for k in keys if k.has_class("-command-palette")]
    right = palette[0].region.x if palette else app.size.width
    return {k.key for k in keys
            if not k.has_class("-command-palette") and k.region.right <= right}


def lines_of(widget) -> list[str]:
    return str(widget.render()).splitlines()


# ------------------------------------------------------------------ the board's columns


@sync
async def test_at_80x24_what_happened_gets_30_characters(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        columns = shown_columns(table)
        assert columns["what"] >= 30
        assert list(columns) == ["id", "urgency", "status", "ack", "age", "what"]
        # Nothing scrolls sideways.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        [critical] = [i for i, inc in app.incidents.items() if inc.what == LONG_WHAT]
        assert table.cell_text(critical, "what").startswith(LONG_WHAT[:29])


@sync
async def test_member_then_where_go_as_the_terminal_narrows(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert list(shown_columns(table)) == list(COLUMNS)
        seen = {}
        for width in (120, 100, 80, 60, 120):
            await pilot.resize_terminal(width, 30)
            await settle(pilot, app)
            seen[width] = list(shown_columns(table))
            assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "member" not in seen[100] and "where" in seen[100]
        assert "member" not in seen[80] and "where" not in seen[80]
        assert seen[60] == ["id", "urgency", "ack", "age", "what"]
        assert seen[120] == list(COLUMNS)  # and back again


# ------------------------------------------------------------------ the footer


@sync
async def test_the_footer_keeps_help_quit_and_privacy_at_80(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert {"question_mark", "q", "p", "n", "a", "h", "T"} <= footer_keys(app)
        await pilot.resize_terminal(60, 20)
        await settle(pilot, app)
        assert {"question_mark", "q", "p"} <= footer_keys(app)


@sync
async def test_the_report_footer_keeps_back_help_and_privacy_at_80(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert {"escape", "question_mark", "p", "a", "o", "s"} <= footer_keys(app)
        await pilot.resize_terminal(60, 20)
        await settle(pilot, app)
        assert {"escape", "question_mark", "p"} <= footer_keys(app)


# ------------------------------------------------------------------ the header


@sync
async def test_the_privacy_notice_is_whole_at_80_and_60(frozen_clock) -> None:
    for demo in (False, True):
        app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False, demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await pilot.press("p")
            await settle(pilot, app)
            for width, height in ((80, 24), (60, 20), (120, 36)):
                await pilot.resize_terminal(width, height)
                await settle(pilot, app)
                title = app.screen.query_one("#board-title")
                lines = lines_of(title)
                room = title.content_size.width
                assert all(len(line) <= room for line in lines), (width, lines)
                assert any("PRIVACY: names hidden" in line for line in lines), (width, lines)
                if demo:
                    assert any("DEMO: fictional" in line for line in lines), (width, lines)
                assert lines[0].startswith("careterm · Example Con CARE · Ada Example")
            await pilot.press("p")
            await settle(pilot, app)
            assert not any("PRIVACY" in line for line in lines_of(title))


@sync
async def test_a_team_without_a_name_shows_no_empty_field(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock, team=""), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        [title] = lines_of(app.screen.query_one("#board-title"))
        assert title.strip() == "careterm · Ada Example"


@sync
async def test_the_filter_line_is_never_cut(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        line = app.screen.query_one(FilterLine)
        for width, height in ((120, 36), (80, 24), (60, 20)):
            await pilot.resize_terminal(width, height)
            await settle(pilot, app)
            [said] = lines_of(line)
            assert said in GUIDE_FORMS and len(said) <= line.content_size.width, said
            assert "f filters" in said and "/ search" in said
        assert said != GUIDE_FORMS[0]
        # An active filter keeps "esc clears" however long the search.
        app.screen.set_filter(FilterSpec(unacked_only=True, text="x" * 80))
        await settle(pilot, app)
        [said] = lines_of(line)
        assert said.startswith("filter: unacknowledged only")
        assert said.endswith(" shown · esc clears") and "…" in said


# ------------------------------------------------------------------ dialogs


@sync
async def test_the_lock_sits_centred_like_the_unlock_screen(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        box = app.screen.query_one("#unlock-box").region
        assert abs((box.x + box.right) / 2 - 40) <= 1
        assert abs((box.y + box.bottom) / 2 - 12) <= 1


@sync
async def test_filter_checkboxes_read_clearly_unchecked(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await settle(pilot, app)
        assert isinstance(app.screen, FilterModal)
        box = app.screen.query_one("#unacked", Checkbox)
        off = box.get_component_rich_style("toggle--button")
        assert off.color == off.bgcolor  # an empty box: no mark to misread as ticked
        box.value = True
        await settle(pilot, app)
        on = box.get_component_rich_style("toggle--button")
        assert on.color != on.bgcolor and on.bold


# ------------------------------------------------------------------ the handover


@sync
async def test_the_handover_shows_the_boards_escalation(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        board = {table.cell_text(inc_id, "ack") for inc_id in table.shown_ids}
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen)
        page = app.screen.query_one("#handover").render().plain
        # The critical one alerts, the high one is past its target, the new one waits.
        for symbol in ("‼", "⚠", "●"):
            cells = [c for c in board if c.startswith(symbol)]
            assert cells and all(c in page for c in cells), (symbol, board)
        assert re.search(r"‼ unacked 20m +Repeated unwelcome", page)


@sync
async def test_the_handover_explanations_are_never_cut(frozen_clock) -> None:
    app = CaretermApp(store=desk_store(frozen_clock), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        for width, height in ((80, 24), (60, 20)):
            await pilot.resize_terminal(width, height)
            await settle(pilot, app)
            page = app.screen.query_one("#handover")
            room = page.content_size.width
            text = page.render().plain
            for line in text.splitlines():
                if not line.startswith("  AA"):  # a report's line is cut to fit: not these
                    assert len(line) <= room, (width, line)
            assert "the reporter has not been told" in " ".join(text.split())
