"""Snapshots of the main screens at 80x24, 120x36 and 60x20 (frozen clock, fixed data,
no blink).

The scenes are the ones ``screenshots/make_screenshots.py`` pictures.
Update with ``pytest tests/test_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenshots.make_screenshots import SCENES, scene_app

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
]


@pytest.mark.parametrize(("scene", "size"), CASES,
                         ids=[f"{scene}-{w}x{h}" for scene, (w, h) in CASES])
def test_screen_snapshot(snap_compare, frozen_clock, tmp_path: Path, scene: str,
                         size: tuple[int, int]) -> None:
    app = scene_app(scene, tmp_path / "home")
    assert snap_compare(app, run_before=SCENES[scene], terminal_size=size)
