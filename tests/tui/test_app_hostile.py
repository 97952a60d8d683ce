"""Hostile text, a full disk and a second careterm, through the app: nothing lost."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from careterm.actions import incidents
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.tui.widgets.form_input import shown_literally
from tests.support import PASSPHRASE, run_async, settle

SUBPROCESS_ENV = {**os.environ, "CARETERM_KDF_LIMITS": "test-only-min"}

HOSTILE = {
    "markup": "[bold red]Eli Demo[/bold red] [link=https://example.org]click[/link]",
    "osc52": "copy me\x1b]52;c;ZWNobyBvd25lZA==\x07 now",
    "title": "retitle\x1b]0;careterm: 0 open\x07 here\x1b]2;x\x1b\\",
    "csi": "clear\x1b[2J\x1b[H screen \x9b31m c1",
    "rtl": "Room \u202eateZ\u202c by the \u2066door\u2069",
    "zero_width": "Gus\u200b Mock\u200d\ufeff",
    "nul": "before\x00after\x07bell\x7fdel",
}




def terminal_text(app: CaretermApp) -> str:
    """Everything the app would write to the terminal for the current screen."""
    return app.screen._compositor.render_update(full=True).render_segments(app.console)


def assert_nothing_interpreted(app: CaretermApp) -> str:
    """No escape, C1, bidi, invisible or NUL character reaches the terminal; returns the text."""
    stream = terminal_text(app)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream)  # Textual's own colours and moves
    bad = [ch for ch in text if ord(ch) < 0x20 and ch != "\n" or 0x7F <= ord(ch) < 0xA0
           or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200d\ufeff"]
    assert not bad, f"raw characters reached the terminal: {bad!r}"
    return text


def field(app: CaretermApp, name: str) -> Input:
    return app.screen.query_one(f"#f-{name}", Input)


# ------------------------------------------------------------------ hostile text


def test_the_form_draws_every_character_one_for_one() -> None:
    for value in HOSTILE.values():
        drawn = shown_literally(value)
        assert len(drawn) == len(value)
        assert "\x1b" not in drawn and "\x00" not in drawn and "\u202e" not in drawn
    assert shown_literally(HOSTILE["markup"]) == HOSTILE["markup"]
    assert shown_literally("a\x1b]52;c;x\x07") == "a␛]52;c;x␇"


@run_async
async def test_hostile_text_typed_and_pasted_is_kept_and_shown_literally(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.press(*"[b]x[/b] ")  # typed markup
        what = field(app, "what")
        what.post_message(events.Paste(HOSTILE["osc52"] + HOSTILE["title"]))
        await pilot.pause()
        for name, key in (("who", "zero_width"), ("where", "rtl"), ("contact", "nul"),
                          ("reporter", "csi")):
            field(app, name).focus()
            field(app, name).insert_text_at_cursor(HOSTILE[key])
        field(app, "when").focus()
        field(app, "when").insert_text_at_cursor(HOSTILE["markup"])
        await pilot.pause()
        shown = assert_nothing_interpreted(app)
        assert "[bold red]Eli Demo[/bold red]" in shown
        assert "Gus␦ Mock" not in shown and "Gus\ufffd Mock\ufffd\ufffd" in shown
        assert "before␀after␇bell␡del" in shown and "Room \ufffdateZ\ufffd" in shown
        what.action_home()  # the start of the pasted line, drawn literally
        await pilot.pause()
        assert "[b]x[/b] copy me␛]52;c;ZWNobyBvd25lZA==␇ now" in assert_nothing_interpreted(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        [inc_id] = app.screen.query_one(BoardTable).shown_ids
        cell = app.screen.query_one(BoardTable).cell_text(inc_id, "what")
        assert cell.startswith("[b]x[/b] copy me␛]52;c;")
        assert_nothing_interpreted(app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        shown = assert_nothing_interpreted(app)
        assert "[bold red]Eli Demo[/bold red]" in shown
    # Stored exactly as typed and pasted (the first line of a paste).
    incident = Store.open(home, PASSPHRASE).get(inc_id)
    assert incident.what == "[b]x[/b] " + HOSTILE["osc52"] + HOSTILE["title"]
    assert incident.who == HOSTILE["zero_width"].strip() or incident.who == HOSTILE["zero_width"]
    assert incident.contact == HOSTILE["nul"]
    assert incident.where == HOSTILE["rtl"]


@run_async
async def test_stored_hostile_reports_show_literally_on_every_screen(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    made = {key: incidents.capture(store, value, who=value, where=value, contact=value).id
            for key, value in HOSTILE.items()}
    incidents.add_note(store, made["osc52"], HOSTILE["title"])
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert sorted(app.screen.query_one(BoardTable).shown_ids) == sorted(made.values())
        shown = assert_nothing_interpreted(app)
        assert "[bold red]Eli" in shown
        for key in ("osc52", "markup", "rtl"):
            app.open_incident(made[key])
            await settle(pilot, app)
            assert_nothing_interpreted(app)
            await pilot.press("e")  # the edit form, filled with the stored text
            await settle(pilot, app)
            assert isinstance(app.screen, CaptureScreen)
            assert field(app, "what").value == HOSTILE[key]
            assert_nothing_interpreted(app)
            app.back_to_board()
            await settle(pilot, app)
        assert app.title == "careterm"


@run_async
async def test_a_one_megabyte_report_shows_truncated_on_the_board(home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    huge = ("Long statement from the reporter. " * 31_000)[:1_000_000]
    big = incidents.capture(store, huge, where="Room Zeta").id
    small = incidents.capture(store, "Joke on a slide", urgency="high").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(BoardTable)
        assert set(table.shown_ids) == {big, small}
        cell = table.cell_text(big, "what")
        assert cell.startswith("Long statement") and len(cell) < 300
        assert_nothing_interpreted(app)
        # Typing into the capture form next to it is not slowed down.
        await pilot.press("n", *"quick")
        assert field(app, "what").value == "quick"


@run_async
async def test_a_one_megabyte_paste_into_the_form_is_kept(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        pasted = "x\x1b" * 500_000
        field(app, "what").post_message(events.Paste(pasted))
        await pilot.pause()
        assert len(field(app, "what").value) == 1_000_000
        assert_nothing_interpreted(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
    [incident] = store.incidents().values()
    assert incident.what == pasted


# ------------------------------------------------------------------ a full or read-only disk


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
@pytest.mark.parametrize("fails", ["open", "write"])
@run_async
async def test_a_full_disk_keeps_the_form_and_the_retry_saves_it(
        home: Path, frozen_clock, monkeypatch: pytest.MonkeyPatch, code: int,
        fails: str) -> None:
    store = Store.open(home, PASSPHRASE)
    kept = incidents.capture(store, "Saved before the disk filled").id
    real = getattr(os, fails)

    def refusing(*args: Any, **kwargs: Any) -> Any:
        target = str(args[0]) if args else ""
        if fails == "write" and isinstance(args[0], int) and args[0] > 2 \
                or fails == "open" and target.endswith((".tmp", ".journal")):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("n", *"Written while the disk is full", "tab", *"Gus Mock")
        await settle(pilot, app)
        monkeypatch.setattr(os, fails, refusing)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        error = str(app.screen.query_one("#capture-error").render())
        assert error.startswith("Not saved: could not save to ")
        assert os.strerror(code) in error and "ctrl+s tries again" in error
        assert field(app, "what").value == "Written while the disk is full"
        assert field(app, "who").value == "Gus Mock"
        assert set(Store.open(home, PASSPHRASE).incidents()) == {kept}
        # The disk has room again: the same form saves.
        monkeypatch.setattr(os, fails, real)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("n")  # "did you tell the reporter it is received?" not yet
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen)
        assert len(app.screen.query_one(BoardTable).shown_ids) == 2
    reopened = Store.open(home, PASSPHRASE)
    assert sorted(i.what for i in reopened.incidents().values()) == [
        "Saved before the disk filled", "Written while the disk is full"]
    assert draft.load_draft(reopened) is None


# ------------------------------------------------------------------ a second careterm

WRITER = """
import sys
from pathlib import Path
from careterm.store.store import Store
from careterm.actions import incidents
store = Store.open(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
made = []
for n in range(int(sys.argv[3])):
    inc = incidents.capture(store, f"from the command line {n}", where="Room Zeta").id
    incidents.add_note(store, inc, f"note {n}")
    made.append(inc)
print(" ".join(made), flush=True)
"""


@run_async
async def test_the_app_and_another_careterm_write_at_once_and_both_are_kept(
        home: Path, frozen_clock) -> None:
    store = Store.open(home, PASSPHRASE)
    app = CaretermApp(store=store, cursor_blink=False, refresh_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(home), PASSPHRASE, "25"],
                                  env=SUBPROCESS_ENV, stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        mine = []
        for n in range(5):
            await pilot.press("n", *f"at the desk {n}", "ctrl+s")
            await settle(pilot, app)
            await pilot.press("n")  # "did you tell the reporter it is received?" not yet
            await settle(pilot, app)
            assert isinstance(app.screen, BoardScreen)
            mine.append(app.screen.query_one(BoardTable).selected_id())
        theirs = writer.stdout.readline().split()
        assert writer.wait(timeout=60) == 0
        assert len(theirs) == 25 and len(set(mine)) == 5
        table = app.screen.query_one(BoardTable)
        for _ in range(50):
            if len(table.shown_ids) == 30:
                break
            await pilot.pause(0.1)
        assert set(table.shown_ids) == set(mine) | set(theirs)
    everything = Store.open(home, PASSPHRASE).incidents()
    assert set(everything) == set(mine) | set(theirs)
    assert all(everything[i].notes for i in theirs)
