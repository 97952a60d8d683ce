"""Privacy mode covers every screen: with ``p`` on, the names a report knows appear
nowhere on the board, the incident view, the handover, the transparency preview, the
status line or the title; they come back when it is switched off."""

from __future__ import annotations

import re
from typing import Any

from careterm.actions import incidents
from careterm.core import clock
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.handover_screen import HandoverScreen, handover_text, private_what
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.report_screen import ReportScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.status_bar import StatusBar, SyncStatus
from careterm.views.privacy import BULLET, MaskCache, fold
from tests.support import FROZEN_AT, settle, sync

WHAT = ("Jordan Fakename grabbed Alex Placeholder's arm at the party; "
        "jose nunez saw it from the bar")
NOTE = "Alex Placeholder asked for an escort; José wants a call on +00 0000 0042 first"
NAMES = ("Jordan Fakename", "Alex Placeholder", "José Ñúñez",
         "jose.nunez@example.test", "+00 0000 0042")
"""The fictional people of the seeded report (who, reporter, contact)."""
PARTS = ("jordan", "fakename", "alex", "placeholder", "jose", "nunez", "0042")
"""Their parts, as compared (no accents, no case): none may be on screen."""


def seed(store: Store) -> str:
    """A critical report naming its people in what, where and a note, and a plain one."""
    inc_id = incidents.capture(store, WHAT, who="Jordan Fakename and Alex Placeholder",
                               where="Jordan's hotel room, 4th floor", reporter="José Ñúñez",
                               contact="jose.nunez@example.test, +00 0000 0042",
                               urgency="critical").id
    incidents.add_note(store, inc_id, NOTE)
    incidents.capture(store, "Joke on a slide", where="Room Zeta", urgency="low")
    return inc_id


def screen_text(app: CaretermApp) -> str:
    """What the terminal shows for the current screen, line by line."""
    stream = app.screen._compositor.render_update(full=True).render_segments(app.console)
    stream = re.sub(r"\x1b\[[0-9;]*H", "\n", stream)  # cursor moves start a new line
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream)


def names_left(text: str) -> list[str]:
    """The seeded names (or parts of them) still in ``text``."""
    words = set(re.findall(r"\w+", fold(text)))
    left = [name for name in NAMES if fold(name) in fold(text)]
    return left + [part for part in PARTS if part in words]


def everything_shown(app: CaretermApp) -> str:
    """The screen, plus the whole content of the page (below the fold too), the title
    and the status line."""
    screen = app.screen
    parts = [screen_text(app), app.title, app.sub_title, screen.title or "",
             screen.sub_title or ""]
    parts += [str(bar.render()) for bar in screen.query(StatusBar)]
    for selector in ("#incident", "#handover"):
        parts += [widget.render().plain for widget in screen.query(selector)]  # type: ignore[attr-defined]
    if isinstance(screen, ReportScreen):
        parts.append(screen.markdown)
    if isinstance(screen, BoardScreen):
        table = screen.query_one(BoardTable)
        parts += [table.cell_text(inc_id, column) for inc_id in table.shown_ids
                  for column in ("where", "what", "member")]
    return "\n".join(parts)


async def open_screen(pilot: Any, app: CaretermApp, key: str, kind: type) -> None:
    await pilot.press(key)
    await settle(pilot, app)
    assert isinstance(app.screen, kind)


@sync
async def test_no_screen_shows_a_name_in_privacy_mode(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        # Privacy off: the names are there to be found (the check can see them).
        assert "Jordan Fakename grabbed" in screen_text(app)
        assert names_left(everything_shown(app))

        await pilot.press("p")
        await settle(pilot, app)
        board = everything_shown(app)
        assert names_left(board) == []
        assert "J.F. grabbed A.P.'s arm at the party" in board
        assert "PRIVACY" in board and "Joke on a slide" in board

        await pilot.press("enter")  # the critical report is first
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen) and app.screen.incident_id == inc_id
        view = everything_shown(app)
        assert names_left(view) == []
        assert "A.P. asked for an escort; J. wants a call on ●●● first" in view
        await pilot.press("escape")
        await settle(pilot, app)

        await open_screen(pilot, app, "h", HandoverScreen)
        handover = everything_shown(app)
        assert names_left(handover) == [] and "J.F. grabbed A.P.'s arm" in handover
        await pilot.press("escape")
        await settle(pilot, app)

        await open_screen(pilot, app, "T", ReportScreen)
        preview = everything_shown(app)
        assert names_left(preview) == []
        # The preview holds no free text at all, privacy mode or not.
        for words in ("grabbed", "party", "hotel", "escort", "Joke", "Room Zeta"):
            assert words not in preview
        await pilot.press("escape")
        await settle(pilot, app)

        await pilot.press("p")  # off again: the names come back
        await settle(pilot, app)
        assert "Jordan Fakename grabbed" in screen_text(app)


@sync
async def test_switching_privacy_on_a_page_redraws_it(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await open_screen(pilot, app, "h", HandoverScreen)
        assert names_left(everything_shown(app))
        await pilot.press("p")
        await settle(pilot, app)
        assert names_left(everything_shown(app)) == []
        await pilot.press("escape")  # the board below was masked meanwhile
        await settle(pilot, app)
        assert names_left(everything_shown(app)) == []
        await pilot.press("p")
        await settle(pilot, app)
        assert "Jordan Fakename" in everything_shown(app)


@sync
async def test_a_name_recorded_later_is_masked_on_the_board_at_once(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = incidents.capture(store, "Sam Newname shouted at Jordan", urgency="high").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert table.cell_text(inc_id, "what") == "Sam Newname shouted at Jordan"
        incidents.update(store, inc_id, who="Sam Newname")  # the what itself is unchanged
        app.refresh_now()
        await settle(pilot, app)
        assert table.cell_text(inc_id, "what") == "S.N. shouted at Jordan"


@sync
async def test_the_title_never_names_anyone(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = seed(store)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("p")
        app.open_incident(inc_id)
        await settle(pilot, app)
        titles = " ".join([app.title, app.sub_title, app.screen.title or "",
                           app.screen.sub_title or ""])
        assert names_left(titles) == [] and app.title == "careterm"
        assert "\x1b]" not in screen_text(app)  # no OSC 0/2 title sequence either


def test_the_status_line_names_members_only() -> None:
    # Peers on the status line are team members, not parties to a report: shown.
    status = SyncStatus(configured=True, last_success=FROZEN_AT,
                        peers=[("Bo Sample", FROZEN_AT)])
    line = status.line(privacy=True, now=FROZEN_AT).plain
    assert line.startswith(" PRIVACY  names hidden") and "Bo 14:30" in line


def test_handover_what_is_masked_before_it_is_cut(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    what = "x" * 50 + " Jordan Fakename grabbed someone"
    inc = store.get(incidents.capture(store, what + "\nsecond line",
                                      who="Jordan Fakename").id)
    shown = private_what(inc, MaskCache())
    assert shown == "x" * 50 + " J.F. grabbed someone"
    # A name at the cut is masked whole, never left half shown ("Jorda…").
    at_cut = store.get(incidents.capture(store, "y" * 77 + " Jordan was there",
                                         who="Jordan Fakename").id)
    assert private_what(at_cut, MaskCache()) == "y" * 77 + " J.…"
    assert private_what(None, MaskCache()) == BULLET
    handover = {"header": "", "open": [{
        "id": inc.id, "urgency": "high", "status": "new", "acknowledged": False,
        "waiting": "3m", "age": "3m", "needs_informing": False, "warnings": 0,
        "category": None, "what": what[:80] + "…"}],
        "unacknowledged": [], "waiting_for_decision": [], "waiting_to_inform": []}
    now = clock.now()
    assert "Jordan Fakename grabbed" in handover_text(handover, now).plain  # privacy off
    page = handover_text(handover, now, hidden=lambda _: shown).plain
    assert "J.F. grabbed someone" in page and names_left(page) == []
