"""The store gateway: one worker group, one readiness check, one-line failures; the lock
waits for exactly its work, a bounded while (stuck work does not keep the key); screens
and the app talk without importing each other."""

from __future__ import annotations

import ast
import errno
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Static

import careterm.tui
from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core import casework
from careterm.errors import CaretermError, InvalidInput
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.gateway import GROUP, LOCKED, StoreGateway
from careterm.tui.messages import GatherFailed, ReportGathered
from careterm.tui.protocol import Host, LiveScreen
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.casework_modals import CaseworkForm
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.screens.report_screen import ReportScreen
from tests.support import PASSPHRASE, settle, sync, wait_for

TUI = Path(careterm.tui.__file__).parent


class Requester:
    """Stands in for a screen: runs each worker body in a thread, keeps what is posted."""

    def __init__(self) -> None:
        self.posted: list[Message] = []
        self.workers: list[tuple[str, bool, bool]] = []
        self.threads: list[threading.Thread] = []

    def run_worker(self, body: Callable[[], None], *, group: str, exclusive: bool,
                   thread: bool) -> threading.Thread:
        self.workers.append((group, exclusive, thread))
        worker = threading.Thread(target=body)
        self.threads.append(worker)
        worker.start()
        return worker

    def post_message(self, message: Message) -> bool:
        self.posted.append(message)
        return True

    def finish(self) -> None:
        for worker in self.threads:
            worker.join(10)


def open_gateway() -> StoreGateway:
    gateway = StoreGateway()
    gateway.store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    return gateway


# ------------------------------------------------------------------ the gateway itself


def test_work_runs_in_a_gateway_worker_thread_under_the_lock_and_posts_its_message() -> None:
    gateway = open_gateway()
    requester = Requester()
    threads: list[threading.Thread] = []

    def work(store: Store) -> Message:
        threads.append(threading.current_thread())
        return ReportGathered(store.member)

    gateway.run(requester, work, GatherFailed)  # type: ignore[arg-type]
    requester.finish()
    assert requester.workers == [(GROUP, False, True)]
    assert [type(m) for m in requester.posted] == [ReportGathered]
    assert requester.posted[0].markdown == "Ada Example"  # type: ignore[attr-defined]
    assert threads == requester.threads  # never on the caller's thread


@pytest.mark.parametrize(("error", "said"), [
    (InvalidInput("the category must be one of the list"), "the category must be one of the list"),
    (OSError(errno.ENOSPC, "No space left on device"),
     "the store could not be used (No space left on device)"),
])
def test_a_refusal_or_a_disk_error_is_one_line_for_the_caller(error: Exception,
                                                              said: str) -> None:
    gateway = open_gateway()
    requester = Requester()

    def work(store: Store) -> Message:
        raise error

    gateway.run(requester, work, GatherFailed)  # type: ignore[arg-type]
    requester.finish()
    [failed] = requester.posted
    assert isinstance(failed, GatherFailed) and failed.reason == said


def test_nothing_runs_on_a_locked_or_closed_store() -> None:
    ran: list[str] = []

    def work(store: Store) -> Message:
        ran.append("work")
        return ReportGathered("")

    for locked, store in ((True, True), (False, False)):
        gateway = open_gateway()
        gateway.locked = locked
        if not store:
            gateway.store = None
        assert not gateway.ready
        asked, background = Requester(), Requester()
        gateway.run(asked, work, GatherFailed)  # type: ignore[arg-type]
        gateway.run(background, work, GatherFailed, background=True)  # type: ignore[arg-type]
        asked.finish()
        background.finish()
        assert [m.reason for m in asked.posted] == [LOCKED]  # type: ignore[attr-defined]
        assert background.posted == []
    assert ran == []


def test_a_job_asked_for_while_it_runs_goes_round_once_more() -> None:
    gateway = open_gateway()
    requester = Requester()
    inside, release = threading.Event(), threading.Event()
    rounds: list[int] = []

    def work(store: Store) -> None:
        rounds.append(len(rounds))
        inside.set()
        release.wait(10)

    gateway.run(requester, work, GatherFailed, background=True,  # type: ignore[arg-type]
                job="refresh")
    assert inside.wait(10)
    for _ in range(3):  # asked three times meanwhile: one more round, not three
        gateway.run(requester, work, GatherFailed, background=True,  # type: ignore[arg-type]
                    job="refresh")
    for worker in requester.threads[1:]:
        worker.join(10)
    assert rounds == [0]
    release.set()
    requester.finish()
    assert rounds == [0, 1]


def test_closing_waits_for_work_and_keeps_what_was_asked() -> None:
    gateway = open_gateway()
    store = gateway.store
    assert store is not None
    kept: list[str] = []
    gateway.close(keep=lambda closing: kept.append(closing.member))
    assert kept == ["Ada Example"] and gateway.store is None and not gateway.ready

    def failing(closing: Store) -> None:
        raise CaretermError("disk full")

    other = open_gateway()
    other.close(keep=failing)  # the store is closed all the same
    assert other.store is None


@pytest.mark.parametrize("background", [False, True], ids=["asked for", "background"])
def test_stuck_work_does_not_keep_the_secrets_and_finds_the_store_gone(
        background: bool) -> None:
    gateway = open_gateway()
    store = gateway.store
    assert store is not None
    requester = Requester()
    inside, release = threading.Event(), threading.Event()

    def stuck(holding: Store) -> Message:
        inside.set()
        release.wait(10)  # as a read that does not return
        incidents.capture(holding, "Stored late")
        return ReportGathered("late")

    gateway.run(requester, stuck, GatherFailed, background=background)  # type: ignore[arg-type]
    assert inside.wait(10)
    gateway.locked = True
    kept: list[Store] = []
    started = time.monotonic()
    assert gateway.close(keep=kept.append, wait=0.2) is False
    assert time.monotonic() - started < 1.0
    # The secrets went without waiting for the work; the draft could not be kept.
    assert store.is_locked and store.meta == {} and gateway.store is None and kept == []
    release.set()
    requester.finish()
    # What the work tried failed on the dropped store, and nothing else happened.
    assert [getattr(m, "reason", m) for m in requester.posted] == (
        [] if background else [LOCKED])
    assert store.is_locked


def test_background_results_read_before_the_lock_are_dropped() -> None:
    gateway = open_gateway()
    requester = Requester()

    def reread(store: Store) -> Message:
        gateway.locked = True  # the lock goes up while this runs
        return ReportGathered("read before the lock")

    gateway.run(requester, reread, GatherFailed, background=True)  # type: ignore[arg-type]
    requester.finish()
    assert requester.posted == []


# ------------------------------------------------------------------ in the app


@sync
async def test_the_lock_waits_for_a_casework_form_being_stored(
        home: Path, frozen_clock, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(home, PASSPHRASE)
    inc_id = incidents.capture(store, "Unwanted touching at the social", urgency="high").id
    inside, release = threading.Event(), threading.Event()
    real = casework_actions.record_review

    def slow_review(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(casework_actions, "record_review", slow_review)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.press("r", *"Touched twice after being told no", "ctrl+s")
        await wait_for(pilot, inside.is_set)
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)
        # Locked at once, but the store stays open until the review is stored.
        assert isinstance(app.screen, LockScreen) and app.locked
        assert store.key is not None
        release.set()
        await settle(pilot, app)
        assert app.store is None and store.key is None
        # The form closes only once the user is back: the lock screen stays up.
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, IncidentScreen)
        assert "review: finding, members recorded" in str(
            app.screen.query_one("#incident-hint").render())
    reopened = Store.open(home, PASSPHRASE)
    assert casework.review(reopened.get(inc_id))["finding"] == "Touched twice after being told no"


@sync
async def test_a_disk_error_in_a_casework_form_is_one_line_and_the_form_stays(
        frozen_clock, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = incidents.capture(store, "Unwanted touching at the social").id

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(casework_actions, "record_review", full_disk)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        app.open_incident(inc_id)
        await settle(pilot, app)
        await pilot.press("r", *"Touched twice", "ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, CaseworkForm)
        assert str(app.screen.query_one("#form-error").render()) == (
            "Not saved: the store could not be used (No space left on device)")
        assert app.screen.saving is False


@sync
async def test_a_store_only_in_memory_locks_and_enter_lifts_it(frozen_clock) -> None:
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="AA")
    inc_id = incidents.capture(store, "Joke on a slide in Room Zeta").id
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert isinstance(app.screen, LockScreen) and app.locked
        said = " ".join(str(line.render()) for line in app.screen.query(Static))
        assert "Demo: press enter to continue." in said
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, BoardScreen) and not app.locked
        assert app.store is store
        assert app.screen.table.shown_ids == [inc_id]


@sync
async def test_the_app_is_the_screens_host_and_its_live_screens_are_typed(
        store: Store, frozen_clock) -> None:
    app = CaretermApp(store=store, cursor_blink=False)
    assert isinstance(app, Host)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, LiveScreen)
        app.show_handover()
        await settle(pilot, app)
        assert isinstance(app.screen, HandoverScreen) and isinstance(app.screen, LiveScreen)
        app.show_handover()  # already there: not twice
        await settle(pilot, app)
        assert sum(isinstance(s, HandoverScreen) for s in app.screen_stack) == 1
        app.back_to_board()
        app.show_report()
        await settle(pilot, app)
        assert isinstance(app.screen, ReportScreen) and isinstance(app.screen, LiveScreen)


# ------------------------------------------------------------------ how the modules depend


def tui_modules() -> list[Path]:
    return sorted(TUI.rglob("*.py"))


@pytest.mark.parametrize("path", tui_modules(), ids=lambda p: str(p.relative_to(TUI)))
def test_no_import_inside_a_function_and_no_screen_imports_the_app(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            assert id(node) in top_level, f"{path.name}:{node.lineno} imports inside a body"
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [alias.name for alias in node.names])
            if path.name != "app.py":
                assert "careterm.tui.app" not in names, f"{path.name} imports the app"
