"""What reaches the terminal when something goes wrong: one line, never a traceback nor a
local variable (the data key, the typed passphrase, the report being written), the report
being typed kept as the sealed draft; and the demo ends when its terminal is closed.

Two of these run careterm in a pseudo-terminal, as at the info desk: what the process
writes there is what stays on the screen and in the scrollback.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

import careterm.tui.app as app_module
from careterm.actions import incidents
from careterm.store import draft
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.screens.board_screen import BoardScreen
from tests.support import PASSPHRASE, wait_for

MARKER = "MARKER-7c1e-not-for-any-screen"
"""Held by a local variable of the code that fails: it must never reach the terminal."""

STOPPED = re.compile(r"careterm: the app stopped after an unexpected error "
                     r"\(ValueError in [\w.-]+\.py\)")

CSI = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07]*\x07")


class Terminal:
    """A command on a pseudo-terminal of 100 x 30: what it wrote, and keys typed into it."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        environ = {**os.environ, "TERM": "xterm-256color",
                   "CARETERM_KDF_LIMITS": "test-only-min", **(env or {})}
        environ.pop("CARETERM_HOME", None)
        environ.pop("CARETERM_PASSPHRASE", None)
        pid = os.fork()
        if pid == 0:  # the child: a session of its own, the terminal its controlling one
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                os.execve(sys.executable, [sys.executable, *argv], environ)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid = pid
        self.master: int | None = master
        self.output = b""
        self.status: int | None = None

    @property
    def text(self) -> str:
        """Everything written so far, without colours and cursor moves."""
        return CSI.sub("", self.output.decode("utf-8", "replace"))

    @property
    def left_behind(self) -> str:
        """What was written once the app had left its screen (the alternate screen): what
        stays on the terminal and in its scrollback."""
        written = self.output.decode("utf-8", "replace")
        return CSI.sub("", written.rpartition("\x1b[?1049l")[2]).strip()

    def read_until(self, wanted: str, timeout: float = 30.0) -> bool:
        """Read what the command writes until ``wanted`` appears (False: it ended first)."""
        deadline = time.monotonic() + timeout
        while wanted not in self.text:
            if self.master is None or time.monotonic() > deadline:
                return False
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: the command has ended and closed the terminal
                    chunk = b""
                if not chunk:
                    return wanted in self.text
                self.output += chunk
        return True

    def type(self, keys: str) -> None:
        assert self.master is not None
        os.write(self.master, keys.encode())

    def read_to_the_end(self, timeout: float = 30.0) -> None:
        self.read_until("\0never written\0", timeout)

    def hang_up(self) -> None:
        """Close the terminal, as when its window is closed."""
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def wait(self, timeout: float) -> int | None:
        """The exit code once the command has ended, ``None`` if it still runs."""
        deadline = time.monotonic() + timeout
        while self.status is None and time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
            else:
                time.sleep(0.05)
        return self.status

    def kill(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            self.wait(10)
        self.hang_up()


# ------------------------------------------------------------------ an unexpected error


CRASHING_APP = '''
import sys
from careterm.cli.main import main
from careterm.tui.screens.capture_screen import CaptureScreen

typed_at_unlock = sys.argv[2]
original = CaptureScreen.on_input_changed

def on_input_changed(self, event):
    original(self, event)
    if event.value.endswith("!"):
        marker, passphrase = sys.argv[3], typed_at_unlock  # locals Textual would show
        raise ValueError(f"{marker} {passphrase}")

CaptureScreen.on_input_changed = on_input_changed
sys.exit(main(["--home", sys.argv[1]]))
'''


def test_an_unexpected_error_says_one_line_and_keeps_the_draft_sealed(
        home: Path, tmp_path: Path) -> None:
    script = tmp_path / "crashing.py"
    script.write_text(CRASHING_APP)
    terminal = Terminal([str(script), str(home), PASSPHRASE, MARKER])
    try:
        assert terminal.read_until("Enter the team passphrase"), terminal.text[-2000:]
        terminal.type(PASSPHRASE + "\r")
        assert terminal.read_until("unacknowledged"), terminal.text[-2000:]
        terminal.type("n")
        assert terminal.read_until("no promises"), terminal.text[-2000:]  # the capture form
        terminal.type("Shouted at in the Gus Mock queue")
        time.sleep(0.3)
        terminal.type("!")
        terminal.read_to_the_end()
        assert terminal.wait(30) == 1
    finally:
        terminal.kill()
    written = terminal.output.decode("utf-8", "replace")
    assert "Traceback" not in written and "locals" not in written
    assert MARKER not in written and PASSPHRASE not in written
    assert terminal.left_behind == ("careterm: the app stopped after an unexpected error "
                                    "(ValueError in crashing.py); your draft is kept sealed")
    # The report being typed is the draft: sealed on disk, whole once unlocked.
    assert b"Gus Mock" not in (home / draft.DRAFT_FILE).read_bytes()
    store = Store.open(home, PASSPHRASE)
    assert draft.load_draft(store)["form"]["what"] == "Shouted at in the Gus Mock queue!"
    store.close()


def run_headless(monkeypatch: pytest.MonkeyPatch, home: Path,
                 act: Callable[[Pilot[Any]], Awaitable[None]]) -> int:
    """``run_app`` with Textual's headless driver: unlock, then ``act``; wait until the
    app stops by itself (it is stopped after 20 s, and the test fails)."""

    async def steps(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, CaretermApp)
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        await act(pilot)
        for _ in range(200):
            if app.return_code:  # it stopped on an error
                return
            await asyncio.sleep(0.1)
        app.exit()

    def run(self: CaretermApp, **kwargs: Any) -> Any:
        return App.run(self, headless=True, size=(100, 30), auto_pilot=steps)

    monkeypatch.setattr(CaretermApp, "run", run)
    return app_module.run_app(home)


async def press_h(pilot: Pilot[Any]) -> None:
    await pilot.press("h")


async def start_a_timer(pilot: Pilot[Any]) -> None:
    def ring() -> None:
        marker, passphrase = MARKER, PASSPHRASE  # noqa: F841 (a local Textual would show)
        raise ValueError(marker)

    pilot.app.set_timer(0.05, ring)


async def save_a_report(pilot: Pilot[Any]) -> None:
    await pilot.press("n", *"Followed to the Gus Mock lift", "ctrl+s")


@pytest.mark.parametrize("act", [press_h, start_a_timer, save_a_report],
                         ids=["a key's action", "a timer", "a store worker"])
def test_no_traceback_wherever_the_error_happens(
        act: Callable[[Pilot[Any]], Awaitable[None]], home: Path,
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        marker, passphrase = MARKER, PASSPHRASE  # noqa: F841 (locals Textual would show)
        raise ValueError(f"{marker}")

    monkeypatch.setattr(BoardScreen, "action_handover", failing)
    monkeypatch.setattr(incidents, "capture", failing)  # in the gateway's worker thread
    code = run_headless(monkeypatch, home, act)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and MARKER not in out + err
    assert PASSPHRASE not in out + err
    assert code == 1
    [line] = err.splitlines()
    assert STOPPED.match(line), line
    if act is save_a_report:  # the save is what failed: the report is the draft
        assert line.endswith("; your draft is kept sealed")
        store = Store.open(home, PASSPHRASE)
        assert draft.load_draft(store)["form"]["what"] == "Followed to the Gus Mock lift"
        assert store.incidents() == {}
        store.close()
    else:
        assert STOPPED.fullmatch(line), line


# ------------------------------------------------------------------ the demo


def demo_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("careterm-demo-*"))


def hang_up_the_demo(argv: list[str]) -> None:
    """Start the demo in a terminal, close the terminal once the board is drawn: the
    process must end within 10 s, its temp folder removed."""
    before = demo_folders()
    terminal = Terminal(argv)
    try:
        assert terminal.read_until("unacknowledged"), terminal.text[-2000:]
        [folder] = demo_folders() - before
        terminal.hang_up()
        assert terminal.wait(10) is not None, "the demo still runs after its terminal closed"
        assert not folder.exists()
    finally:
        terminal.kill()
        for left in demo_folders() - before:  # only when the test failed
            shutil.rmtree(left, ignore_errors=True)


def test_the_demo_ends_when_its_terminal_is_closed() -> None:
    hang_up_the_demo(["-m", "careterm", "demo", "--incidents", "5"])


STUCK_ON_THE_DEAD_TERMINAL = '''
import sys, time
from textual.drivers.linux_driver import LinuxDriver
from careterm.cli.main import main

def stop_application_mode(self):
    # As when Textual's output thread died on a write to the closed terminal: its queue
    # fills up and the next write waits for ever.
    while True:
        time.sleep(1)

LinuxDriver.stop_application_mode = stop_application_mode
sys.exit(main(["demo", "--incidents", "5"]))
'''


def test_the_demo_ends_even_when_leaving_the_dead_terminal_hangs(tmp_path: Path) -> None:
    script = tmp_path / "stuck.py"
    script.write_text(STUCK_ON_THE_DEAD_TERMINAL)
    hang_up_the_demo([str(script)])


def test_a_kill_asks_the_demo_to_exit_instead_of_raising_in_its_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def kill_me(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, CaretermApp) and app.store is not None
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen))
        seen["folder"] = app.store.home.parent if app.store.home else None
        os.kill(os.getpid(), signal.SIGTERM)  # its handler runs here, in the app's loop
        for _ in range(100):
            if app.return_code is not None:
                seen["code"] = app.return_code
                return
            await asyncio.sleep(0.05)

    def run(self: CaretermApp, **kwargs: Any) -> Any:
        return App.run(self, headless=True, size=(100, 30), auto_pilot=kill_me)

    monkeypatch.setattr(CaretermApp, "run", run)
    before = signal.getsignal(signal.SIGTERM)
    assert app_module.run_demo(incidents=3) == 128 + signal.SIGTERM
    assert seen["code"] == 128 + signal.SIGTERM  # the app was asked to exit, and did
    assert seen["folder"] is not None and not seen["folder"].exists()
    assert signal.getsignal(signal.SIGTERM) == before
