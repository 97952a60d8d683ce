"""`q` quits from every screen that has no text to type, as the README says."""

from __future__ import annotations

import pytest

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.report_screen import ReportScreen
from tests.support import settle, sync


@pytest.mark.parametrize(("key", "kind"), [("h", HandoverScreen), ("T", ReportScreen)])
@sync
async def test_q_quits_from_the_handover_and_the_report_preview(
        store: Store, frozen_clock, key: str, kind: type) -> None:
    incidents.capture(store, "Shouted at a volunteer at the coat check")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press(key)
        await settle(pilot, app)
        assert isinstance(app.screen, kind)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is not None  # the app is on its way out
