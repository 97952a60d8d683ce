"""Snapshots of the main screens at 80x24, 120x36 and 60x20 (frozen clock, fixed data,
no blink).

The scenes are the ones ``screenshots/make_screenshots.py`` pictures.
Update with ``pytest tests/test_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from careterm.store.store import Store
from careterm.team.doctor import ClockGap, Diagnosis, Laptop, Service, SkippedFile
from careterm.tui.app import CaretermApp
from careterm.tui.screens.doctor_screen import DoctorScreen
from screenshots.make_screenshots import SCENES, scene_app
from tests.support import FROZEN_AT

CASES = [
    ("board", (80, 24)), ("board", (120, 36)),
    ("capture", (80, 24)), ("capture", (120, 36)),
    ("incident", (80, 24)), ("incident", (120, 36)),
    ("help", (80, 24)),
    ("unlock", (80, 24)), ("unlock", (120, 36)),
    ("casework", (80, 24)), ("casework", (120, 36)),
    ("privacy", (120, 36)),
    ("handover", (80, 24)), ("handover", (120, 36)),
    ("report", (80, 24)), ("report", (120, 36)),
    # Privacy mode on: a report naming its people in what, where and a note.
    ("privacy-board", (80, 24)), ("privacy-board", (120, 36)),
    ("privacy-incident", (80, 24)), ("privacy-incident", (120, 36)),
    ("privacy-handover", (80, 24)), ("privacy-handover", (120, 36)),
    ("privacy-report", (80, 24)), ("privacy-report", (120, 36)),
    # Two apps side by side: the board keeps what happened readable, the footer keeps help,
    # and privacy's notice stays whole.
    ("board", (60, 20)), ("incident", (60, 20)), ("capture", (60, 20)), ("handover", (60, 20)),
    ("privacy-board", (60, 20)),
    # Locked: the dialog centred like the unlock screen.
    ("lock", (80, 24)),
    # Team settings (S), and a value careterm settings would refuse, said in the dialog.
    ("settings", (80, 24)), ("settings", (120, 36)),
    ("settings-refused", (80, 24)), ("settings-refused", (120, 36)),
    # After the event: a pseudonym in privacy mode, an erased report, the erasure status.
    ("privacy-alias", (80, 24)), ("privacy-alias", (120, 36)),
    ("erased", (80, 24)), ("erased", (120, 36)),
    ("erasure-status", (80, 24)), ("erasure-status", (120, 36)),
]


@pytest.mark.parametrize(("scene", "size"), CASES,
                         ids=[f"{scene}-{w}x{h}" for scene, (w, h) in CASES])
def test_screen_snapshot(snap_compare, frozen_clock, tmp_path: Path, scene: str,
                         size: tuple[int, int]) -> None:
    app = scene_app(scene, tmp_path / "home")
    assert snap_compare(app, run_before=SCENES[scene], terminal_size=size)


def doctor_diagnosis() -> Diagnosis:
    """A fixed diagnosis (the folder, tags and times of a real one change at each run):
    Bo's clock ahead, one of Bo's files still arriving, a conflict copy."""
    now = FROZEN_AT
    folder = Path("/home/ada/Sync/careterm")
    seen = Diagnosis(folder, now, reachable=True, writable=True, free_bytes=48 * 1024 ** 3)
    seen.services = [Service("Syncthing", folder.parent, f".stfolder in {folder.parent}")]
    seen.add("service", "ok", ".stignore hides none of careterm's files")
    seen.laptops = [
        Laptop("a1b2c3d4e5f60718", "Ada Example", "K7QM", True, "member",
               now - timedelta(minutes=2), 14, 14),
        Laptop("0918f7e6d5c4b3a2", "Bo Sample", "R2XD", False, "member",
               now - timedelta(minutes=1), 9, 8)]
    seen.add("laptops", "note", "1 file of other laptops not merged on this laptop yet: the "
             "next sync merges them")
    seen.skipped = [SkippedFile("devices/0918f7e6d5c4b3a2/.syncthing.9.seg.tmp", "temp",
                                "read once it is complete")]
    seen.add("files", "note", "1 file still being copied by the sync service; the next sync "
             "after it finishes reads them")
    seen.conflicts = ["devices/0918f7e6d5c4b3a2/4.sync-conflict-20261125-141502-R2XDQ7A.seg"]
    seen.add("conflicts", "note", "1 conflict copy: harmless to the reports (careterm reads "
             "each and keeps every change once)")
    seen.clocks = [ClockGap("0918f7e6d5c4b3a2", "Bo Sample", 330)]
    seen.add("clocks", "problem", "the clock of Bo Sample's laptop (tag R2XD) is at least 5 "
             "minutes ahead of this laptop's: set both clocks to the network time",
             "a clock 5 minutes ahead on Bo Sample's laptop")
    return seen


async def _doctor(pilot) -> None:
    await pilot.pause()
    pilot.app.push_screen(DoctorScreen(examine=lambda store: doctor_diagnosis()))
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_doctor_snapshot(snap_compare, frozen_clock) -> None:
    app = CaretermApp(store=Store.in_memory(member="Ada Example", team="Example Con CARE"),
                      cursor_blink=False)
    assert snap_compare(app, run_before=_doctor, terminal_size=(80, 24))
