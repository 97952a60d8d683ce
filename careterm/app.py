"""The careterm app: layout, screen flow and the workers that talk to the store.

Screens live in :mod:`careterm.screens` (one per file), reusable widgets in
:mod:`careterm.widgets`, styles in ``app.tcss``. Every disk and crypto
operation runs in a thread worker that posts a past-tense message back
(:mod:`careterm.screens.messages`); no widget is touched from a thread.

Two entry points for the command line: :func:`run_app` (always starts on the
unlock screen, or the setup screen when the home has no store yet) and
:func:`run_demo` (a throwaway store full of fictional reports).
"""

from __future__ import annotations

import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from careterm import draft, incidents
from careterm.board import FilterSpec
from careterm.errors import CaretermError
from careterm.model import Incident
from careterm.screens.board_screen import BoardScreen
from careterm.screens.messages import (
    DraftFound,
    DraftUnreadable,
    IncidentsRefreshed,
    IncidentUpdated,
    IncidentUpdateFailed,
    RefreshFailed,
)
from careterm.store import Store, has_store

TICK_SECONDS = 5.0
"""How often ages and escalation move on by themselves."""
REFRESH_SECONDS = 3.0
"""How often the store is re-read for reports written by another careterm (or by sync)."""
ACK_CHOICES = [("in-person", "in person"), ("email", "e-mail"), ("phone", "phone"),
               ("other", "other")]


class CaretermApp(App[int]):
    """The careterm terminal app.

    ``home``: the store to unlock. ``store``: an already open store (the demo,
    tests, benchmarks); the unlock screen is skipped. ``cursor_blink=False``
    keeps snapshots steady.
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "careterm"
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True, show=False),
        Binding("ctrl+l", "lock", "lock", priority=True, show=False),
    ]

    def __init__(self, home: Path | None = None, *, store: Store | None = None,
                 demo: bool = False, lock_after: float | None = None,
                 cursor_blink: bool = True, tick_seconds: float = TICK_SECONDS,
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__()
        self.home = home
        self.demo = demo
        self.lock_after = lock_after
        self.cursor_blink = cursor_blink
        self.tick_seconds = tick_seconds
        self.refresh_seconds = refresh_seconds
        self.store: Store | None = None
        self.store_lock = threading.RLock()
        """Held by every worker while it uses the store (one store user at a time)."""
        self.incidents: dict[str, Incident] = {}
        """The latest snapshot of the store's incidents (main thread only)."""
        self.ack_target = timedelta(minutes=15)
        self.team_name = ""
        self.member_name = ""
        self.board: BoardScreen | None = None
        self._given_store = store
        self._refresh_gate = threading.Lock()
        self._versions: dict[str, int] = {}
        self._timers_started = False
        self._last_input = time.monotonic()
        self.locked = False
        self.kept_draft: dict[str, Any] | None = None
        """A draft the user chose to resume later: the next capture starts from it."""

    # ------------------------------------------------------------ start

    def on_mount(self) -> None:
        """Open on the unlock screen (or setup), or straight on the board with a given store."""
        if self._given_store is not None:
            self.install_store(self._given_store)
            return
        from careterm.screens.setup_screen import SetupScreen
        from careterm.screens.unlock_screen import UnlockScreen

        assert self.home is not None, "CaretermApp needs a home or a store"
        if has_store(self.home):
            self.push_screen(UnlockScreen(self.home))
        else:
            self.push_screen(SetupScreen(self.home))

    def install_store(self, store: Store, *, notice: str = "") -> None:
        """Use the unlocked ``store``: show the board, start the clock and the refresher."""
        self.store = store
        self.team_name = str(store.meta.get("team") or "")
        self.member_name = store.member
        self.ack_target = store.ack_target()
        self.board = BoardScreen()
        if len(self.screen_stack) > 1:
            self.switch_screen(self.board)
        else:
            self.push_screen(self.board)
        if notice:
            self.board.call_after_refresh(self.board.hint, notice)
        if not self._timers_started:
            self._timers_started = True
            self.set_interval(self.tick_seconds, self._tick, name="tick")
            self.set_interval(self.refresh_seconds, self._background_refresh, name="refresh")
            if self.lock_after:
                self.set_interval(min(1.0, self.lock_after / 2), self._lock_if_idle,
                                  name="idle-lock")
        self._background_refresh(initial=True)
        if not self.demo:
            self._look_for_draft()

    # ------------------------------------------------------------ locking

    async def on_event(self, event: events.Event) -> None:
        """Any key or mouse press counts as activity (for the idle lock)."""
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _lock_if_idle(self) -> None:
        if (self.lock_after and not self.locked
                and time.monotonic() - self._last_input >= self.lock_after):
            self.action_lock()

    def action_lock(self) -> None:
        """ctrl+l: cover everything with the lock screen at once."""
        from careterm.screens.lock_screen import LockScreen

        if self.store is None or self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen())

    def unlocked(self) -> None:
        """The lock screen was lifted: back to exactly where the user was."""
        from careterm.screens.lock_screen import LockScreen

        if isinstance(self.screen, LockScreen):
            self.pop_screen()
        self.locked = False
        self._last_input = time.monotonic()

    # ------------------------------------------------------------ live board

    def _tick(self) -> None:
        """Ages and escalation move on, without a key being pressed."""
        for screen in self.screen_stack:
            tick = getattr(screen, "tick", None)
            if tick is not None and screen.is_mounted:
                tick()

    @work(thread=True, group="refresh")
    def _background_refresh(self, initial: bool = False) -> None:
        """Re-read the store (picks up other careterm processes); post what changed.

        This is the one periodic place that talks to the outside world: sync
        (publish and merge through the shared folder) belongs here too.
        """
        if not self._refresh_gate.acquire(blocking=False):
            return  # the previous refresh is still running
        try:
            store = self.store
            if store is None:
                return
            with self.store_lock:
                store.refresh()
                snapshot = dict(store.incidents())
            changed = {inc_id for inc_id, incident in snapshot.items()
                       if self._versions.get(inc_id) != len(incident.changes)}
            if changed or initial:
                self._versions = {inc_id: len(incident.changes)
                                  for inc_id, incident in snapshot.items()}
                self.post_message(IncidentsRefreshed(snapshot, changed, initial))
        except CaretermError as error:
            self.post_message(RefreshFailed(str(error)))
        finally:
            self._refresh_gate.release()

    def refresh_now(self) -> None:
        """Re-read the store at once (after this app stored something)."""
        self._background_refresh()

    def on_incidents_refreshed(self, message: IncidentsRefreshed) -> None:
        """Show the new snapshot on every screen that shows incidents."""
        self.incidents = message.incidents
        if self.store is not None:
            self.ack_target = self.store.ack_target()
        changed = None if message.initial else message.changed
        for screen in self.screen_stack:
            redraw = getattr(screen, "redraw", None)
            if redraw is not None and screen.is_mounted:
                redraw(changed)

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        """Keep showing what we had, and say why it is not fresh."""
        if self.board is not None and self.board.is_mounted:
            self.board.hint(f"could not re-read the store: {message.reason}", style="bold")

    # ------------------------------------------------------------ actions

    @work(thread=True, group="store")
    def store_action(self, target: Screen[Any], description: str,
                   action: Callable[..., Any], incident_id: str, *args: Any) -> None:
        """Run a core action in a thread; post IncidentUpdated(Failed) to ``target``."""
        try:
            with self.store_lock:
                result = action(self.store, incident_id, *args)
        except CaretermError as error:
            target.post_message(IncidentUpdateFailed(incident_id, str(error)))
        else:
            target.post_message(IncidentUpdated(incident_id, description, result))

    def ask_acknowledge(self, incident_id: str, screen: Screen[Any] | None = None) -> None:
        """Ask how the acknowledgement reached the reporter, then record it."""
        from careterm.screens.choice_modal import ChoiceModal

        incident = self.incidents.get(incident_id)
        target = screen or self.screen
        if incident is not None and incident.acknowledged:
            hint = getattr(target, "hint", None)
            if hint is not None:
                hint(f"{incident_id} was already acknowledged by "
                     f"{incident.acknowledged_by or '?'}")
            return

        def chosen(via: str | None) -> None:
            if via:
                self.store_action(target, f"acknowledged ({via})", incidents.acknowledge,
                                incident_id, via)

        self.push_screen(ChoiceModal(f"Acknowledge {incident_id}: how did it reach the reporter?",
                                     ACK_CHOICES), chosen)

    def open_incident(self, incident_id: str) -> None:
        """Show one report."""
        from careterm.screens.incident_screen import IncidentScreen

        self.push_screen(IncidentScreen(incident_id))

    def capture_saved(self, capture: Screen[Any], captured: incidents.Captured) -> None:
        """After a save: back to the board, which selects the new report."""
        self.back_to_board()
        if self.board is None:
            return
        notice = f"saved {captured.id} · urgency {captured.urgency}"
        if captured.notices:
            notice += " · " + "; ".join(captured.notices)
        self.board.hint(notice)
        self.board.select_when_shown(captured.id)
        self.refresh_now()

    def action_done(self, description: str) -> None:
        """An edit was stored: refresh and say so on the screen below."""
        self.refresh_now()
        if len(self.screen_stack) >= 2:
            hint = getattr(self.screen_stack[-2], "hint", None)
            if hint is not None:
                hint(description)

    def back_to_board(self) -> None:
        """Close every screen above the board (never the lock screen)."""
        if self.board is None or self.locked:
            return
        while len(self.screen_stack) > 1 and self.screen is not self.board:
            self.pop_screen()

    # ------------------------------------------------------------ drafts

    @work(thread=True, group="draft")
    def _look_for_draft(self) -> None:
        """After unlocking: is there a report that was being typed?"""
        store = self.store
        if store is None:
            return
        try:
            with self.store_lock:
                record = draft.load_draft(store)
        except CaretermError as error:
            with self.store_lock:
                moved = draft.set_aside_damaged(store)
            where = f"; it was kept as {moved.name}" if moved else ""
            self.post_message(DraftUnreadable(f"{error}{where}"))
            return
        if record and not draft.form_is_empty(record.get("form") or {}):
            self.post_message(DraftFound(record))

    def on_draft_found(self, message: DraftFound) -> None:
        """Offer to resume the draft."""
        from careterm.screens.capture_screen import CaptureScreen
        from careterm.screens.choice_modal import ChoiceModal

        form = draft.normalise_form(message.record.get("form") or {})
        what = form["what"].strip().splitlines()[0] if form["what"].strip() else "(no text)"
        note = f"kept {message.record.get('saved_at', '?')[:16].replace('T', ' ')}: {what[:60]}"

        def chosen(answer: str | None) -> None:
            if answer == "resume":
                self.push_screen(CaptureScreen(form=form))
            elif answer == "discard":
                self.forget_draft()
            else:
                # There is one draft per laptop: the next capture continues it.
                self.kept_draft = form

        self.push_screen(ChoiceModal("A report was being written. Resume it?",
                                     [("resume", "Resume it"),
                                      ("later", "Not now (keep the draft)"),
                                      ("discard", "Discard it")], note=note), chosen)

    def on_draft_unreadable(self, message: DraftUnreadable) -> None:
        """Say so; the damaged file was set aside, not overwritten."""
        if self.board is not None:
            self.board.hint(f"capture draft unreadable: {message.reason}", style="bold")

    @work(thread=True, group="draft")
    def forget_draft(self) -> None:
        """Delete the capture draft."""
        if self.store is not None:
            with self.store_lock:
                draft.clear_draft(self.store)

    # ------------------------------------------------------------ keys and commands

    def action_capture(self) -> None:
        """Quick capture of a new report."""
        from careterm.screens.capture_screen import CaptureScreen

        if self.store is None or isinstance(self.screen, CaptureScreen):
            return
        form, self.kept_draft = self.kept_draft, None
        self.push_screen(CaptureScreen(form=form))

    def action_board(self) -> None:
        """Back to the board."""
        self.back_to_board()

    def action_help(self) -> None:
        """Every key."""
        from careterm.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def set_board_filter(self, spec: FilterSpec) -> None:
        """Show the board with ``spec``."""
        self.back_to_board()
        if self.board is not None:
            self.board.set_filter(spec)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: careterm's main actions, then Textual's."""
        if self.store is not None:
            yield SystemCommand("New report", "Quick capture of a report (n)",
                                self.action_capture)
            yield SystemCommand("Board", "The triage board of open reports",
                                self.action_board)
            yield SystemCommand("Filter: unacknowledged only",
                                "Only reports nobody has acknowledged yet",
                                lambda: self.set_board_filter(FilterSpec(unacked_only=True)))
            yield SystemCommand("Filter: critical only", "Only critical reports",
                                lambda: self.set_board_filter(FilterSpec(urgency="critical")))
            yield SystemCommand("Filter: clear", "Show every open report",
                                lambda: self.set_board_filter(FilterSpec()))
            if self.board is not None:
                yield SystemCommand("Filter…", "Unacknowledged, urgency, status, search (f)",
                                    self._filter_dialog)
        yield SystemCommand("Help", "Every key (?)", self.action_help)
        yield from super().get_system_commands(screen)

    def _filter_dialog(self) -> None:
        self.back_to_board()
        if self.board is not None:
            self.board.action_filters()

    def close_store(self) -> None:
        """Drop decrypted data and keys from memory."""
        if self.store is not None:
            self.store.close()
            self.store = None


def run_app(home: Path, lock_after: float | None = None) -> int:
    """Run the app on the store in ``home`` (unlock screen first; setup when there is none)."""
    app = CaretermApp(home, lock_after=lock_after)
    try:
        result = app.run()
    finally:
        app.close_store()
    return int(result or 0)


def open_demo_store(home: Path, count: int) -> Store:
    """A new store in ``home`` with ``count`` fictional reports, opened without asking."""
    from careterm import demo

    # Nobody ever types this passphrase: the demo store is thrown away on exit.
    store = Store.create(home, secrets.token_urlsafe(32), member=demo.DEMO_MEMBERS[0],
                         team="Example Con CARE (demo)", limits="interactive")
    demo.seed_demo(store, count, members=demo.DEMO_MEMBERS)
    return store


def run_demo(incidents: int = 12, lock_after: float | None = None) -> int:
    """Run the app on a throwaway store in a temp folder, removed on exit."""
    from careterm.demo import MAX_DEMO_INCIDENTS

    if not 0 <= incidents <= MAX_DEMO_INCIDENTS:
        print(f"careterm: --incidents must be between 0 and {MAX_DEMO_INCIDENTS:,}",
              file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="careterm-demo-"))
    app: CaretermApp | None = None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGHUP, signal.SIGTERM)}

    def leave(signum: int, frame: object) -> None:
        # A closed terminal or a kill: unwind so the temp folder is removed
        # (a second signal must not interrupt that clean-up).
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    for sig in previous:
        signal.signal(sig, leave)
    try:
        if incidents > 500:
            print(f"Preparing {incidents:,} fictional reports…", file=sys.stderr)
        store = open_demo_store(folder / "home", incidents)
        app = CaretermApp(store=store, demo=True, lock_after=lock_after)
        result = app.run()
        return int(result or 0)
    finally:
        if app is not None:
            app.close_store()
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

