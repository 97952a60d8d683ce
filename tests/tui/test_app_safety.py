"""At the desk: privacy mode, the lock screen that drops the key, and the terminal title."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import Input, Select

from careterm.actions import incidents
from careterm.store import draft
from careterm.store.store import Store, change_passphrase
from careterm.team import sync as team_sync
from careterm.tui.app import CaretermApp, PrivacyToggled
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.screens.yes_no_modal import YesNoModal
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.status_bar import StatusBar
from tests.support import PASSPHRASE, run_async, settle, wait_for

SECRET_WHAT = "Dee Fictional cornered Ivy Reporter by the cloakroom"
SECRET_WHO = "Dee Fictional"




def terminal_text(app: CaretermApp) -> str:
    """Everything the app would write to the terminal for the current screen."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def without_styling(stream: str) -> str:
    """The stream with Textual's own colour and cursor sequences (CSI) removed."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream)


def capture_field(screen: Screen[Any], name: str) -> Input:
    return screen.query_one(f"#f-{name}", Input)


def seeded_home_store(home: Path) -> tuple[Store, str, str]:
    store = Store.open(home, PASSPHRASE)
    first = incidents.capture(store, SECRET_WHAT, who=SECRET_WHO, urgency="high").id
    second = incidents.capture(store, "Joke on a slide in Room Zeta", urgency="low").id
    return store, first, second


# ------------------------------------------------------------------ privacy mode


@run_async
async def test_p_toggles_privacy_says_so_and_tells_the_screens(home: Path, frozen_clock,
                                                               monkeypatch) -> None:
    seen: list[bool] = []

    def record(self: BoardScreen, message: PrivacyToggled) -> None:
        seen.append(message.private)

    monkeypatch.setattr(BoardScreen, "on_privacy_toggled", record, raising=False)
    store, _, _ = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.privacy is False and app.sub_title == ""
        assert not [bar for bar in app.screen.query(StatusBar) if bar.display]
        footer_keys = [b.key for (_, b, enabled, _) in app.active_bindings.values()
                       if b.show and enabled]
        assert "p" in footer_keys
        await pilot.press("p")
        await settle(pilot, app)
        assert app.privacy is True and app.sub_title == "PRIVACY"
        assert seen == [True]
        [bar] = app.screen.query(StatusBar)
        assert "PRIVACY" in str(bar.render())
        await pilot.press("p")
        await settle(pilot, app)
        assert app.privacy is False and app.sub_title == "" and seen == [True, False]
        assert not bar.display
        await pilot.press("slash", *"pp")  # typed into the board's search box
        assert app.screen.query_one("#search", Input).value == "pp"
        assert app.privacy is False


@run_async
async def test_privacy_can_be_the_team_default(home: Path, frozen_clock) -> None:
    store, _, _ = seeded_home_store(home)
    store.update_meta(settings={"privacy_default": True})
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.privacy is True and app.sub_title == "PRIVACY"
        assert "PRIVACY" in str(app.screen.query_one(StatusBar).render())


@run_async
async def test_p_typed_in_the_capture_form_is_a_letter(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"pushed past people")
        assert capture_field(app.screen, "what").value == "pushed past people"
        assert app.privacy is False


# ------------------------------------------------------------------ the lock


@run_async
async def test_ctrl_l_drops_the_key_and_every_decrypted_copy_and_comes_back(
        home: Path, frozen_clock, monkeypatch) -> None:
    store, first, second = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False, refresh_seconds=0.1,
                      tick_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        app.screen.query_one(BoardTable).select_id(second)
        await pilot.press("n", *"Half typed about Gus Mock", "tab", *"Gus Mock")
        await pilot.press("tab", "tab", *"Room Zeta", "tab", "tab", "tab")
        await pilot.press("ctrl+d")  # reporter declined
        capture = app.screen
        assert isinstance(capture, CaptureScreen)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        # The key and the decrypted data are gone.
        assert app.store is None and store.key is None
        assert app.incidents == {}
        assert app.board is not None and app.board.table.shown_ids == []
        assert capture_field(capture, "what").value == ""
        assert capture.marks == {}
        # Nothing of any report on screen or in the title.
        shown = terminal_text(app)
        for secret in (SECRET_WHO, "Gus Mock", "Room Zeta", "cloakroom", "Half typed"):
            assert secret not in shown
            assert secret not in app.title and secret not in app.sub_title
        assert "careterm is locked" in shown
        assert app.title == "careterm"
        assert "\x1b]" not in shown  # no title (OSC 0/2) or clipboard (OSC 52) sequence
        # The half-typed report is kept encrypted on disk meanwhile.
        on_disk = (home / draft.DRAFT_FILE).read_bytes()
        assert b"Gus Mock" not in on_disk and b"Half typed" not in on_disk
        peek = Store.open(home, PASSPHRASE)
        assert draft.load_draft(peek)["form"]["what"] == "Half typed about Gus Mock"
        peek.close()
        # Ticks and refreshes (every 0.1 s here) touch no store while locked.
        touched: list[str] = []
        real_refresh = Store.refresh
        monkeypatch.setattr(Store, "refresh",
                            lambda self: touched.append("refresh") or real_refresh(self))
        await pilot.pause(0.6)
        assert touched == []
        assert app.store is None and app.incidents == {}
        # A wrong passphrase keeps it locked.
        await pilot.press(*"not the passphrase", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen) and app.store is None
        assert "Wrong passphrase: still locked" in str(
            app.screen.query_one("#unlock-message").render())
        # The right one: back to the capture form, exactly as it was.
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert touched  # refreshing again once unlocked
        assert app.screen is capture
        assert capture_field(capture, "what").value == "Half typed about Gus Mock"
        assert capture_field(capture, "who").value == "Gus Mock"
        assert capture_field(capture, "where").value == "Room Zeta"
        assert capture.marks == {"reporter": "declined"}
        assert app.store is not None and app.store.key is not None
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, YesNoModal)  # taken at the desk: reporter told?
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert len(app.screen.query_one(BoardTable).shown_ids) == 3
    reopened = Store.open(home, PASSPHRASE)
    assert sorted(i.what for i in reopened.incidents().values()) == sorted(
        [SECRET_WHAT, "Joke on a slide in Room Zeta", "Half typed about Gus Mock"])


@run_async
async def test_unlock_returns_to_the_same_board_row(home: Path, frozen_clock) -> None:
    store, first, second = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        table.select_id(second)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert table.shown_ids == []
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert app.screen is app.board
        assert table.shown_ids == [first, second]
        assert table.selected_id() == second


@run_async
async def test_an_edit_in_progress_survives_the_lock(home: Path, frozen_clock) -> None:
    store, first, _ = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.open_incident(first)
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        edit = app.screen
        assert isinstance(edit, CaptureScreen) and edit.editing
        capture_field(edit, "where").value = "Cloakroom, ground floor"
        edit.query_one("#f-urgency", Select).value = "critical"
        await pilot.pause()
        stack = list(app.screen_stack)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert capture_field(edit, "who").value == ""
        assert edit.incident is None and SECRET_WHO not in str(edit.original)
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert list(app.screen_stack) == stack
        assert capture_field(edit, "where").value == "Cloakroom, ground floor"
        assert capture_field(edit, "who").value == SECRET_WHO
        assert edit.query_one("#f-urgency", Select).value == "critical"
        assert edit.original["who"] == SECRET_WHO  # what the edit is compared with
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    changed = Store.open(home, PASSPHRASE).get(first)
    assert (changed.where, changed.urgency) == ("Cloakroom, ground floor", "critical")


@run_async
async def test_the_team_idle_time_locks_by_itself(home: Path, frozen_clock) -> None:
    store, _, _ = seeded_home_store(home)
    store.update_meta(settings={"lock_after_seconds": 1})
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.idle_lock_seconds() == 1
        # Idle for half the time: not locked yet; a key press restarts the idle time.
        app._last_input = time.monotonic() - 0.5
        app._lock_if_idle()
        assert isinstance(app.screen, BoardScreen)
        before = app._last_input
        await pilot.press("down")
        assert app._last_input > before
        # Idle for longer than the team's time: the app's own timer locks it.
        app._last_input = time.monotonic() - 5
        for _ in range(40):
            if isinstance(app.screen, LockScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, LockScreen)
        await settle(pilot, app)
        assert app.store is None


def test_lock_after_on_the_command_line_wins_over_the_team_setting(home: Path) -> None:
    app = CaretermApp(home, lock_after=30)
    app._team_lock_after = 300
    assert app.idle_lock_seconds() == 30
    assert CaretermApp(home).idle_lock_seconds() is None  # until a store says otherwise


@run_async
async def test_a_passphrase_changed_while_locked_is_the_one_that_unlocks(
        home: Path, frozen_clock) -> None:
    store, _, _ = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        change_passphrase(home, PASSPHRASE, "a brand new team passphrase")
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"a brand new team passphrase", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert len(app.screen.query_one(BoardTable).shown_ids) == 2


@run_async
async def test_the_palette_offers_nothing_while_locked(home: Path, frozen_clock) -> None:
    store, _, _ = seeded_home_store(home)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Lock" in titles and "Privacy mode" in titles
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert list(app.get_system_commands(app.screen)) == []
        await pilot.press("p")  # typed into the passphrase, not a toggle
        assert app.privacy is False


def files_of(home: Path) -> dict[str, bytes]:
    """Every file of a home (lock files aside) and what it holds."""
    return {str(path.relative_to(home)): path.read_bytes() for path in sorted(home.rglob("*"))
            if path.is_file() and not path.name.endswith(".lock")}


@run_async
async def test_a_stuck_sync_keeps_neither_a_save_nor_the_key_waiting(
        tmp_path: Path, frozen_clock, monkeypatch) -> None:
    home = tmp_path / "home"
    store = Store.create(home, PASSPHRASE, member="Ada Example", team="Example Con CARE")
    team_sync.init_shared(store, tmp_path / "shared")
    inside, release, finished = threading.Event(), threading.Event(), threading.Event()
    late: list[str] = []
    real_sync = team_sync.sync

    def stuck_sync(syncing: Store) -> Any:
        if inside.is_set():
            return real_sync(syncing)
        inside.set()  # as a read of a FIFO planted in the shared folder
        try:
            release.wait(30)
            # Back after the lock: whatever it tries with the store it held fails.
            try:
                incidents.capture(syncing, "Written by a sync that came back late")
            except Exception as error:
                late.append(type(error).__name__)
                raise
            return real_sync(syncing)
        finally:
            finished.set()

    monkeypatch.setattr(team_sync, "sync", stuck_sync)
    app = CaretermApp(store=store, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, inside.is_set)
        # A save does not wait for the stuck sync.
        await pilot.press("n", *"Rude remark at lunch", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, YesNoModal), timeout=5)
        await pilot.press("n")  # the reporter was not told yet
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen)
                       and len(app.screen.query_one(BoardTable).shown_ids) == 1, timeout=5)
        # The lock goes up at once, and drops the key within a bound, the sync still stuck.
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, LockScreen)
        locked_at = time.monotonic()
        await wait_for(pilot, lambda: store.is_locked, timeout=5)
        assert time.monotonic() - locked_at < 2.5
        assert not finished.is_set()
        assert store.key is None and store.store_key is None and store.meta == {}
        assert app.store is None
        on_disk = files_of(home)
        said = app.sync_status.line().plain
        # The sync comes back: nothing crashes, nothing is written, nothing is said.
        release.set()
        await wait_for(pilot, finished.is_set)
        await pilot.pause(0.3)
        assert late == ["StoreLocked"]
        assert isinstance(app.screen, LockScreen) and app.return_code is None
        assert files_of(home) == on_disk
        assert app.sync_status.line().plain == said
        # The passphrase brings everything back; sync runs again.
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        await wait_for(pilot, lambda: app.sync_status.last_success is not None)
        assert len(app.screen.query_one(BoardTable).shown_ids) == 1
    reopened = Store.open(home, PASSPHRASE)
    assert [i.what for i in reopened.incidents().values()] == ["Rude remark at lunch"]
    reopened.close()


@run_async
async def test_the_lock_clears_the_decrypted_meta_and_keeps_no_copy_of_the_store(
        tmp_path: Path, frozen_clock) -> None:
    home = tmp_path / "home"
    store = Store.create(home, PASSPHRASE, member="Ada Example", team="Example Con CARE")
    team_sync.init_shared(store, tmp_path / "shared")
    seed = store.meta[team_sync.META_SIGNING_KEY]
    assert seed
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        # The epoch keys and the signing seed went with the key ...
        assert store.is_locked and store.meta == {}
        assert store.key is None and store.store_key is None
        # ... and the app holds the locked store nowhere: unlocking opens it afresh.
        for holder in (app, app.gateway):
            assert all(value is not store for value in vars(holder).values())
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert app.store is not None and app.store is not store
        assert app.store.meta[team_sync.META_SIGNING_KEY] == seed
