"""Starting the app: unlock with the right and a wrong passphrase, first-time setup, the demo."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

import careterm.tui.app as app_module
from careterm.actions import incidents
from careterm.store.store import Store, has_store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.screens.setup_screen import SetupScreen
from careterm.tui.screens.unlock_screen import UnlockScreen
from careterm.tui.widgets.board_table import BoardTable
from tests.support import PASSPHRASE, settle, sync, wait_for


def message(app: CaretermApp) -> str:
    return str(app.screen.query_one("#unlock-message").render())


@sync
async def test_right_passphrase_shows_the_board(home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    inc_id = incidents.capture(store, "Shouting at the cloakroom").id
    store.close()
    app = CaretermApp(home, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert app.screen.query_one("#passphrase", Input).password
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert app.screen.query_one(BoardTable).shown_ids == [inc_id]


@sync
async def test_wrong_passphrase_says_so_and_shows_no_data(home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    incidents.capture(store, "Shouting at the cloakroom")
    store.close()
    app = CaretermApp(home, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"not the passphrase", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, UnlockScreen)
        assert message(app) == "Wrong passphrase: the store was not unlocked. Try again."
        assert app.screen.query_one("#passphrase", Input).value == ""
        assert app.store is None and app.incidents == {}
        assert not app.query(BoardTable)
        # And the right one still works afterwards.
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)


@sync
async def test_setup_creates_a_store_when_there_is_none(tmp_path: Path, frozen_clock) -> None:
    home = tmp_path / "new-home"
    app = CaretermApp(home, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        await pilot.press(*"Bo Sample", "enter", *"Example Con CARE", "enter")
        await pilot.press(*"a long team passphrase", "enter", *"a different one!", "enter")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "differ" in str(app.screen.query_one("#setup-message").render())
        assert not has_store(home)
        app.screen.query_one("#repeat", Input).value = "a long team passphrase"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert "Example Con CARE" in str(app.screen.query_one("#board-title").render())
    assert has_store(home)
    reopened = Store.open(home, "a long team passphrase")
    assert reopened.member == "Bo Sample"


def test_demo_uses_a_temp_folder_and_removes_it(monkeypatch: pytest.MonkeyPatch,
                                               frozen_clock) -> None:
    seen: dict[str, Any] = {}

    def fake_run(self: CaretermApp) -> int:
        assert self.store is None and self.demo
        store = self._given_store
        seen["home"] = store.home
        seen["count"] = len(store.incidents())
        seen["exists"] = store.home.exists()
        return 0

    monkeypatch.setattr(CaretermApp, "run", fake_run)
    assert app_module.run_demo(incidents=30) == 0
    assert seen["count"] == 30 and seen["exists"]
    assert Path(tempfile.gettempdir()) in seen["home"].parents
    assert not seen["home"].parent.exists()


def test_demo_refuses_an_impossible_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert app_module.run_demo(incidents=10_001) == 2
    assert "between 0 and 10,000" in capsys.readouterr().err


@sync
async def test_setup_with_a_shared_folder_prepares_it(tmp_path: Path, frozen_clock) -> None:
    home, shared = tmp_path / "home", tmp_path / "shared"
    shared.mkdir()
    app = CaretermApp(home, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for field_id, value in (("member", "Bo Sample"), ("team", "Example Con CARE"),
                                ("passphrase", "a long team passphrase"),
                                ("repeat", "a long team passphrase"), ("shared", str(shared))):
            app.screen.query_one(f"#{field_id}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert "is ready for the team" in str(app.screen.query_one("#board-hint").render())
    assert any(shared.iterdir())


@sync
async def test_lock_hides_everything_and_the_passphrase_brings_back_the_draft(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    incidents.capture(store, "Secret detail about Dee Fictional")
    app = CaretermApp(store=store, cursor_blink=False, lock_after=1.5)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", *"Half typed")
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.query_one("#f-what", Input).value == "Half typed"
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))  # idle > lock_after
        assert "Dee Fictional" not in str(app.screen.query_one("#unlock-box").render())
        await pilot.press(*"wrong", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        assert "Wrong passphrase" in str(app.screen.query_one("#unlock-message").render())
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        assert app.screen.query_one("#f-what", Input).value == "Half typed"
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, LockScreen)
