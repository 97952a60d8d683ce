"""Sync in the app: by itself every few seconds and after each save, shown on the status bar."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import sync
from careterm.team.keys import change_passphrase_everywhere
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.watcher import ChangeWatcher, WatchPlan, store_files
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.status_bar import StatusBar, SyncStatus
from tests.support import FROZEN_AT, PASSPHRASE, run_async, settle


async def wait_for(pilot: Any, condition: Callable[[], bool], seconds: float = 6.0) -> bool:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


def two_laptops(root: Path, bo_name: str = "Bo Sample") -> tuple[Store, Store, Path]:
    """Ada's laptop (set up the shared folder) and Bo's (joined it)."""
    shared = root / "shared"
    ada = Store.create(root / "ada", PASSPHRASE, member="Ada Example", team="Example Con CARE")
    sync.init_shared(ada, shared)
    bo = sync.join(root / "bo", shared, bo_name, PASSPHRASE)
    return ada, bo, shared


def status(app: CaretermApp) -> str:
    bars = [bar for bar in app.screen.query(StatusBar) if bar.display]
    return str(bars[0].render()) if bars else ""


def shown(app: CaretermApp) -> list[str]:
    tables = app.screen.query(BoardTable)
    return tables.first().shown_ids if tables else []


@run_async
async def test_a_report_captured_on_another_laptop_appears_on_the_board(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, _ = two_laptops(tmp_path)
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: status(app).startswith("synced 14:30"))
        assert shown(app) == []
        new_id = incidents.capture(bo, "Followed to the lobby", where="Lobby of the Example "
                                   "Hotel", urgency="high").id
        sync.sync(bo)
        assert await wait_for(pilot, lambda: shown(app) == [new_id])
        assert app.screen.query_one(BoardTable).cell_text(new_id, "member") == "Bo Sample"
        # When a peer last wrote is its file's time in the folder (the real clock).
        peer = re.compile(r"· 1 peer \(Bo (\d\d \w{3} )?\d\d:\d\d\)")
        assert await wait_for(pilot, lambda: bool(peer.search(status(app))))
        assert "new report from Bo Sample" in str(app.screen.query_one("#board-hint").render())
    bo.close()


@run_async
async def test_a_save_in_the_app_is_published_at_once(tmp_path: Path, frozen_clock) -> None:
    ada, bo, shared = two_laptops(tmp_path)
    published = shared / "devices" / ada.device_id
    # The periodic sync is far away: only the save can explain the publish.
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.sync_status.last_success is not None  # the sync right after unlocking
        assert not list(published.glob("*.seg"))
        await pilot.press("n", *"Rude remark at lunch", "ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        [captured] = shown(app)
        assert await wait_for(pilot, lambda: bool(list(published.glob("*.seg"))), 3.0)
    sync.sync(bo)
    assert captured in bo.incidents()
    assert bo.get(captured).what == "Rude remark at lunch"
    bo.close()


@run_async
async def test_an_unreachable_folder_is_said_and_local_work_carries_on(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, shared = two_laptops(tmp_path)
    bo.close()
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: status(app).startswith("synced"))
        shared.rename(tmp_path / "unplugged")
        assert await wait_for(pilot, lambda: "not reachable" in status(app))
        line = status(app)
        assert line.startswith("⚠ shared folder ")
        assert "synced 14:30" in line
        # Capture still works while the folder is away; its screen says so too.
        await pilot.press("n")
        assert await wait_for(pilot, lambda: "not reachable" in status(app))
        await pilot.press(*"Shouting at the cloakroom", "ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert len(shown(app)) == 1
        (tmp_path / "unplugged").rename(shared)
        assert await wait_for(pilot, lambda: status(app).startswith("synced"))
    # What was captured meanwhile went out with the next sync.
    bo = Store.open(tmp_path / "bo", PASSPHRASE)
    sync.sync(bo)
    assert [i.what for i in bo.incidents().values()] == ["Shouting at the cloakroom"]


@run_async
async def test_skipped_files_and_hostile_peer_names_on_the_status_bar(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, shared = two_laptops(tmp_path, bo_name="Bo[b]\x1b]2;x\x07 Sample")
    incidents.capture(bo, "A report")
    sync.sync(bo)
    (shared / "devices" / bo.device_id / "99.seg").write_bytes(os.urandom(2000))
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.1, sync_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: "skipped" in status(app))
        line = status(app)
        assert "⚠ 1 file skipped" in line
        assert "\x1b" not in line and "(Bo[b]␛]2;x␇ " in line
        bar = app.screen.query_one(StatusBar)
        assert bar.size.height == 1 and bar.size.width <= 80
    bo.close()


@run_async
async def test_no_status_bar_without_a_shared_folder(home: Path, frozen_clock) -> None:
    app = CaretermApp(store=Store.open(home, PASSPHRASE), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert not app.screen.query(StatusBar)
        assert app.sync_status.configured is False


def test_the_status_line_names_peers_and_when_they_wrote(frozen_clock) -> None:
    class Peer:
        def __init__(self, member: str, minutes_ago: float | None) -> None:
            self.member = member
            self.last_wrote = (None if minutes_ago is None
                               else FROZEN_AT - timedelta(minutes=minutes_ago))

    class Report:
        finished_at = FROZEN_AT + timedelta(minutes=2)
        peers = [Peer("Cy Person", 145), Peer("Bo Sample", 1), Peer("Dee Fictional", None),
                 Peer("Eli Demo", 60 * 26)]
        skipped = [("devices/x/3.seg", "truncated")]
        warnings: list[str] = []
        in_transit = 0

    status_ = SyncStatus(configured=True)
    assert status_.line().plain == "syncing…"
    status_.succeeded(Report())
    assert status_.line().plain == ("synced 14:32 · 4 peers (Bo 14:29, Cy 12:05, "
                                    "Eli 24 Nov 12:30, +1) · ⚠ 1 file skipped")
    status_.failed("shared folder /media/usb is not reachable (No such file or directory)")
    assert status_.line().plain.startswith(
        "⚠ shared folder /media/usb is not reachable (No such file or directory) · "
        "synced 14:32")


@run_async
async def test_unlock_takes_a_passphrase_changed_on_another_laptop(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, _ = two_laptops(tmp_path)
    incidents.capture(bo, "Written on Bo's laptop")
    ada.close()
    app = CaretermApp(store=bo, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        change_passphrase_everywhere(tmp_path / "ada", PASSPHRASE, "the new team passphrase")
        await pilot.press(*"not the passphrase", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"the new team passphrase", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert len(shown(app)) == 1
    # Bo's own key file now opens with the new passphrase too.
    Store.open(tmp_path / "bo", "the new team passphrase").close()


# ------------------------------------------------------------------ watching (issue 11)


@run_async
async def test_a_report_from_another_laptop_shows_without_a_periodic_sync(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, _ = two_laptops(tmp_path)
    # No periodic sync to speak of: only watching the folder can bring it.
    app = CaretermApp(store=ada, cursor_blink=False, sync_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: status(app).startswith("synced"))
        new_id = incidents.capture(bo, "Followed to the lobby", urgency="high").id
        sync.sync(bo)
        assert await wait_for(pilot, lambda: shown(app) == [new_id])
        note = "The reporter remembered a name badge"
        incidents.add_note(bo, new_id, note)
        sync.sync(bo)
        assert await wait_for(pilot, lambda: [n.text for n in app.incidents[new_id].notes]
                              == [note])
    bo.close()


@run_async
async def test_nothing_is_read_while_nothing_changes(tmp_path: Path, frozen_clock,
                                                     monkeypatch) -> None:
    ada, bo, _ = two_laptops(tmp_path)
    real_sync = sync.sync
    syncs: list[str] = []

    def counted_sync(store: Store) -> sync.SyncReport:
        syncs.append(store.member)
        return real_sync(store)

    monkeypatch.setattr(sync, "sync", counted_sync)
    app = CaretermApp(store=ada, cursor_blink=False, refresh_seconds=0.05, sync_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert await wait_for(pilot, lambda: status(app).startswith("synced"))
        await pilot.pause(0.5)
        await settle(pilot, app)
        reads: list[int] = []
        real_reread = app._reread

        def counted_reread(store: Store) -> Any:
            reads.append(1)
            return real_reread(store)

        monkeypatch.setattr(app, "_reread", counted_reread)
        syncs.clear()
        looks = app.watcher.looks
        await pilot.pause(1.0)
        assert app.watcher.looks - looks >= 5  # it looked, and found nothing to read
        assert syncs == [] and reads == []
        new_id = incidents.capture(bo, "Shouting at the cloakroom").id
        real_sync(bo)
        assert await wait_for(pilot, lambda: shown(app) == [new_id])
        assert 1 <= syncs.count("Ada Example") <= 3 and reads
    bo.close()


def test_the_watcher_sees_other_laptops_files_and_the_stores_not_its_own(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, shared = two_laptops(tmp_path)
    seen: list[tuple[bool, bool]] = []
    watcher = ChangeWatcher(3600, lambda store, folder: seen.append((store, folder)))
    watcher.stop()  # no thread: this test looks itself
    watcher.watch(WatchPlan(store_files(ada.home), shared, ada.device_id))
    assert watcher.look() == (True, True)  # the first look reads everything
    assert watcher.look() == (False, False)
    incidents.capture(bo, "Joke on a slide")
    sync.sync(bo)  # a new file in Bo's device folder
    assert watcher.look() == (False, True)
    assert watcher.look() == (False, False)
    incidents.capture(ada, "Rude remark at lunch")  # Ada's store
    assert watcher.look() == (True, False)
    sync.sync(ada)  # Ada publishes in her own folder: no news
    assert watcher.look()[1] is False
    watcher.pause()
    assert watcher.look() == (False, False)
    watcher.watch(WatchPlan(store_files(ada.home), shared, ada.device_id))
    assert watcher.look() == (True, True)
    shared.rename(tmp_path / "unplugged")  # a folder that goes is news too
    assert watcher.look() == (False, True)
    assert seen == []  # look() itself tells nobody: the thread does
    bo.close()


def test_a_file_added_within_one_tick_of_the_file_systems_clock_is_seen(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, shared = two_laptops(tmp_path)
    watcher = ChangeWatcher(3600, lambda store, folder: None)
    watcher.stop()
    watcher.watch(WatchPlan((), shared, ada.device_id))
    watcher.look()
    bo_dir = shared / "devices" / bo.device_id
    (bo_dir / "8.seg.tmp").write_bytes(b"")
    assert watcher.look() == (False, True)
    assert watcher.look() == (False, False)  # nothing new: no sync for nothing
    seen = bo_dir.stat()
    (bo_dir / "9.seg.tmp").write_bytes(b"")
    # In the same tick of the file system's clock, the folder's time would not move.
    os.utime(bo_dir, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert watcher.look() == (False, True)
    assert watcher.look() == (False, False)
    bo.close()


@run_async
async def test_the_reports_read_are_left_out_of_garbage_collection_until_the_lock(
        tmp_path: Path, frozen_clock) -> None:
    ada, bo, _ = two_laptops(tmp_path)
    incidents.capture(ada, "Rude remark at lunch")
    bo.close()
    app = CaretermApp(store=ada, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert gc.get_freeze_count() > 0  # a full collection no longer walks them
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen)
        assert gc.get_freeze_count() == 0  # what the lock drops can be collected
