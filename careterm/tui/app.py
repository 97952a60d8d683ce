"""The careterm app: lifecycle, screen flow, timers and the lock.

Screens live in :mod:`careterm.tui.screens` (one per file), reusable widgets in
:mod:`careterm.tui.widgets`, styles in ``app.tcss``. Screens never import this
module: the app is the :class:`~careterm.tui.protocol.Host` they talk to, and
the screens that show incidents are :class:`~careterm.tui.protocol.LiveScreen`
to it; everything else travels as messages (:mod:`careterm.tui.messages`).
Every read or write of the open store runs through the app's one
:class:`~careterm.tui.gateway.StoreGateway` (a thread worker, the store lock,
one check that the store is open and unlocked); no widget is touched from a
thread.

Entry points for the command line: :func:`run` (the one the CLI calls), which
starts :func:`run_app` (always on the unlock screen, or the setup screen when
the home has no store yet) or :func:`run_demo` (a throwaway store full of
fictional reports).

At the desk: ``p`` toggles privacy mode (:attr:`CaretermApp.privacy`; screens
get a :class:`PrivacyToggled` message), ``ctrl+l`` or the team's idle time
locks (the data key and every decrypted copy are dropped; the passphrase
derives the key again and the user is back where they were). In the last
:data:`LOCK_WARNING_SECONDS` before the idle lock the status line counts down
("locking in 27 s — press any key to stay"); a key pressed then only keeps the
app open (it is not also taken as a command: "any key" must not open, type or
confirm anything). Idle time is measured on the monotonic clock, not on
:mod:`careterm.core.clock` (the time of day, which tests freeze and a laptop's
clock may jump).

``S`` (or "Team settings" in the command palette) shows the team's settings and
changes one (:mod:`careterm.tui.screens.settings_screen`); after a change the store
is read again, so the team settings the board's clocks run on follow. "Erasure
status" in the palette shows ``careterm erase --status``
(:mod:`careterm.tui.screens.erasure_screen`).

A new critical report arriving from another laptop (sync brought it) shows a toast
naming only its id, and rings the terminal bell, unless the team setting
``critical_alert`` is off (:func:`critical_alert_on`). A report captured on this
laptop is never announced to it.

Keeping up: a :class:`~careterm.tui.watcher.ChangeWatcher` looks at the store's
files and the shared folder ten times a second (a few ``lstat`` calls, in a
thread of its own); when the store's files changed the store is re-read, when
the folder changed it is synced (in a worker of its own that never holds the
store lock: a folder read that hangs keeps neither a save nor the lock
waiting), and nothing is read otherwise. A save syncs at once; a slow periodic
sync (:data:`SYNC_SECONDS`) covers shares whose folder times lag. What was read
reaches the screens as the ids of the reports that changed, and the board
updates only their rows (:class:`careterm.views.board.BoardView`).

An exception nothing handled stops the app with one line on the terminal
(:meth:`CaretermApp._handle_exception`): never a traceback, never local
variables (Textual's own crash report shows them: the key, the passphrase,
what was typed); the report being typed is kept as the sealed draft first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from careterm.actions import casework as casework_actions
from careterm.actions import demo, incidents, mail
from careterm.core import casework
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.core.textsafe import visible
from careterm.errors import CaretermError
from careterm.store import draft
from careterm.store.crypto import Unsealable, seal, subkey, unseal
from careterm.store.store import Store, has_store
from careterm.team import sync as team_sync
from careterm.team.members import known_members
from careterm.tui.collector import Collector
from careterm.tui.gateway import WAIT_SECONDS, StoreGateway
from careterm.tui.messages import (
    DraftFound,
    DraftNotDeleted,
    DraftNotKept,
    DraftUnreadable,
    IncidentsRefreshed,
    IncidentUpdateFailed,
    KeyRederived,
    LockLifted,
    MailImported,
    MailImportFailed,
    MembersGathered,
    PrivacyToggled,
    RefreshFailed,
    StoreCreated,
    StoreUnlocked,
    SyncFinished,
)
from careterm.tui.protocol import LiveScreen
from careterm.tui.quiet import QuietCrash
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.capture_screen import CaptureScreen, draft_offer
from careterm.tui.screens.choice_modal import ChoiceModal
from careterm.tui.screens.doctor_screen import DoctorScreen
from careterm.tui.screens.erasure_screen import ErasureScreen
from careterm.tui.screens.handover_screen import HandoverScreen
from careterm.tui.screens.help_screen import HelpScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.screens.lock_screen import LockScreen
from careterm.tui.screens.report_screen import ReportScreen
from careterm.tui.screens.settings_screen import SettingsScreen
from careterm.tui.screens.setup_screen import SetupScreen
from careterm.tui.screens.text_modal import TextModal
from careterm.tui.screens.unlock_screen import UnlockScreen
from careterm.tui.watcher import WATCH_SECONDS, ChangeWatcher, FilesChanged, WatchPlan
from careterm.tui.watcher import store_files as watched_store_files
from careterm.tui.widgets.status_bar import StatusBar, SyncStatus
from careterm.views.board import FilterSpec

__all__ = ["CaretermApp", "PrivacyToggled", "run", "run_app", "run_demo"]


TICK_SECONDS = 1.0
"""How often ages and escalation move on by themselves. Every second: an age below a
minute reads exactly, a critical report escalates at once, and each tick rewrites only
the rows whose text turned over in that second (at 10,000 reports taken over a day,
about one in 360; ``bench/board_bench.py``), so the work is spread thin."""


REFRESH_SECONDS = WATCH_SECONDS
"""How often the store's files and the shared folder are looked at for change (a report
written by another careterm, or arriving from another laptop, is read then)."""


SYNC_SECONDS = 30.0
"""How often the shared folder is synced even though nothing was seen to change (the
status bar's "synced" time; shares whose folder times lag)."""


DEMO_EXIT_SECONDS = 5.0
"""After a hang-up or a kill, how long the demo may take to stop before it is ended at
once (its temp folder removed first)."""


LOCK_WARNING_SECONDS = 30.0
"""The idle lock is announced this long before (at most half the idle time)."""


LOCKED_FORMS_PURPOSE = b"careterm/locked-forms/v1"
"""Forms being typed when the app locked are kept sealed under this purpose until unlock."""


ACK_CHOICES = [("in-person", "in person"), ("email", "e-mail"), ("phone", "phone"),
               ("other", "other")]


class CaretermApp(QuietCrash, App[int]):
    """The careterm terminal app (the :class:`~careterm.tui.protocol.Host` of its screens).

    ``home``: the store to unlock. ``store``: an already open store (the demo,
    tests, benchmarks); the unlock screen is skipped. ``cursor_blink=False``
    keeps snapshots steady. ``lock_after``: idle seconds before the lock
    screen (default: the team setting ``lock_after_seconds``).
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "careterm"
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True, show=False),
        Binding("ctrl+l", "lock", "lock", priority=True, show=False),
        Binding("p", "toggle_privacy", "privacy"),
        Binding("D", "doctor", "folder doctor", show=False),
        Binding("S", "team_settings", "team settings", show=False),
    ]

    privacy: reactive[bool] = reactive(False, init=False)
    """Privacy mode: names, contacts and the reporter are shown as initials."""

    def __init__(self, home: Path | None = None, *, store: Store | None = None,
                 demo: bool = False, lock_after: float | None = None,
                 cursor_blink: bool = True, tick_seconds: float = TICK_SECONDS,
                 refresh_seconds: float = REFRESH_SECONDS,
                 sync_seconds: float = SYNC_SECONDS) -> None:
        super().__init__()
        self.home = home
        self.demo = demo
        self.lock_after = lock_after
        self.cursor_blink = cursor_blink
        self.tick_seconds = tick_seconds
        self.refresh_seconds = refresh_seconds
        self.sync_seconds = sync_seconds
        self.gateway = StoreGateway()
        """Runs every piece of store work; holds the open store and whether it is locked."""
        self.watcher = ChangeWatcher(refresh_seconds, self._files_changed)
        """Looks at the store's files and the shared folder for change (a thread)."""
        self.store_home: Path | None = None
        """Where the unlocked store lives (kept while locked, to unlock it again)."""
        self.incidents: dict[str, Incident] = {}
        """The latest snapshot of the store's incidents (main thread only)."""
        self.team_settings = TeamSettings()
        """The team's settings (stage targets, event, alert), read with the reports."""
        self._team_settings_read = self.team_settings
        self.team_name = ""
        self.member_name = ""
        self.board: BoardScreen | None = None
        self.sync_status = SyncStatus()
        """What the status bar says about sync (main thread only)."""
        self._given_store = store
        self._redraw_all = False
        self._sync_wanted = True
        self._last_sync_try = 0.0
        self._versions: dict[str, int] = {}
        self._last_read: dict[str, int] | None = None
        """The versions of the last read (the gateway's worker only)."""
        self._assign_for: Screen[Any] | None = None
        """The screen that asked who owns a report (it hears how it went)."""
        self._timers_started = False
        self.collector = Collector()
        """When Python's cycle collector runs full collections (after a tick, never in one)."""
        self._last_input = time.monotonic()
        self._lock_countdown: int | None = None
        """Seconds left before the idle lock, while the status line counts them down."""
        self._critical_alert = True
        """The team setting ``critical_alert`` (read with the reports, in the worker)."""
        self._team_lock_after: float | None = None
        self._sealed_forms: list[tuple[CaptureScreen, bytes]] = []
        self._selected_before_lock: str | None = None
        self._after_unlock: list[Callable[[], None]] = []
        self._draft_kept_at_lock = False
        self.stopped_by: str | None = None
        """The one line said when an unexpected error stopped the app (``None`` until then)."""

    @property
    def store(self) -> Store | None:
        """The open store (``None`` before unlocking and once the lock has closed it)."""
        return self.gateway.store

    @property
    def locked(self) -> bool:
        """True while the lock screen is up."""
        return self.gateway.locked

    # ------------------------------------------------------------ start

    def on_mount(self) -> None:
        """Open on the unlock screen (or setup), or straight on the board with a given store."""
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self._given_store is not None:
            given, self._given_store = self._given_store, None  # the lock must let it go
            self.install_store(given)
            return
        assert self.home is not None, "CaretermApp needs a home or a store"
        if has_store(self.home):
            self.push_screen(UnlockScreen(self.home))
        else:
            self.push_screen(SetupScreen(self.home))

    def on_store_unlocked(self, message: StoreUnlocked) -> None:
        """The unlock screen opened the store: show the board."""
        self.install_store(message.store)

    def on_store_created(self, message: StoreCreated) -> None:
        """The setup screen created the store: show the (empty) board."""
        self.install_store(message.store, notice=message.notice)

    def install_store(self, store: Store, *, notice: str = "") -> None:
        """Use the unlocked ``store``: show the board, start the clock and the refresher."""
        self._use_store(store)
        settings = store.settings()
        self.privacy = bool(settings.get("privacy_default"))
        self.board = BoardScreen()
        if len(self.screen_stack) > 1:
            self.switch_screen(self.board)
        else:
            self.push_screen(self.board)
        if notice:
            self.board.call_after_refresh(self.board.hint, notice)
        if not self._timers_started:
            self._timers_started = True
            self.collector.start()
            self.set_interval(self.tick_seconds, self._tick, name="tick")
            self.set_interval(self.sync_seconds, self._periodic_sync, name="sync")
            idle = self.idle_lock_seconds()
            if idle:
                self.set_interval(min(1.0, idle / 2), self._lock_if_idle, name="idle-lock")
        self._background_refresh(initial=True)
        if not self.demo:
            self._look_for_draft()

    def _use_store(self, store: Store) -> None:
        """Take ``store`` as the open store (first unlock, or after the lock screen)."""
        self.gateway.store = store
        self.store_home = store.home
        self.team_name = str(store.meta.get("team") or "")
        self.member_name = store.member
        self.team_settings = self._team_settings_read = store.team_settings()
        settings = store.settings()
        try:
            team_idle = float(settings.get("lock_after_seconds") or 0)
        except (TypeError, ValueError):
            team_idle = float(300)
        self._team_lock_after = team_idle if team_idle > 0 else None
        folder = team_sync.shared_folder(store)
        self.sync_status.configured = folder is not None
        self._sync_wanted = True
        self._versions = {}
        self._update_status_bars()
        self.watcher.watch(WatchPlan(watched_store_files(store.home), folder, store.device_id))

    def idle_lock_seconds(self) -> float | None:
        """Idle seconds before the lock screen: ``--lock-after``, else the team setting."""
        if self.lock_after:
            return float(self.lock_after)
        return self._team_lock_after

    def _live_screens(self) -> Iterator[LiveScreen]:
        """The mounted screens that show incidents, bottom to top."""
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen) and screen.is_mounted:
                yield screen

    # ------------------------------------------------------------ privacy

    def action_toggle_privacy(self) -> None:
        """p: hide names, contacts and the reporter (or show them again)."""
        if self.gateway.ready:
            self.privacy = not self.privacy

    def watch_privacy(self, privacy: bool) -> None:
        """Say so in the title and the status bar; every screen redraws its names."""
        self.sub_title = "PRIVACY" if privacy else ""
        for screen in self.screen_stack:
            if screen.is_mounted:
                screen.post_message(PrivacyToggled(privacy))
        self._update_status_bars()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """p is offered only with reports to hide, and not where p is typed (capture)."""
        if action == "toggle_privacy":
            return self.gateway.ready and not isinstance(self.screen, CaptureScreen)
        if action in ("doctor", "team_settings"):  # likewise, not where D or S is typed
            return self.gateway.ready and not isinstance(self.screen, CaptureScreen)
        return True

    # ------------------------------------------------------------ status bar

    def _wants_status_bar(self) -> bool:
        return self.sync_status.configured or self.privacy or self._lock_countdown is not None

    def _status_line(self) -> Text:
        """The status bar's line: the idle lock's countdown first, then sync and privacy."""
        line = self.sync_status.line(privacy=self.privacy)
        if self._lock_countdown is None:
            return line
        warning = Text(no_wrap=True, overflow="ellipsis", end="")
        warning.append(f" locking in {self._lock_countdown} s — press any key to stay ",
                       style="bold reverse")
        if line.plain:
            warning.append(" ")
            warning.append_text(line)
        return warning

    @staticmethod
    def _takes_status_bar(screen: Screen[Any]) -> bool:
        return not isinstance(screen, ModalScreen | LockScreen | UnlockScreen | SetupScreen)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        if self._wants_status_bar():
            self.call_after_refresh(self._attach_status_bar, screen)

    def _attach_status_bar(self, screen: Screen[Any]) -> None:
        """Give a full screen the status bar (above its footer) when there is sync or privacy."""
        if (not self._wants_status_bar() or not screen.is_mounted
                or not self._takes_status_bar(screen) or screen.query(StatusBar)):
            return
        bar = StatusBar(classes="status-bar")
        bar.show(self._status_line())
        screen.mount(bar)

    def _update_status_bars(self) -> None:
        """Show the latest sync status on every screen's status bar."""
        wanted = self._wants_status_bar()
        line = self._status_line()
        for screen in self.screen_stack:
            if not screen.is_mounted:
                continue
            bars = list(screen.query(StatusBar))
            if wanted and not bars:
                self._attach_status_bar(screen)
            for bar in bars:
                bar.display = wanted
                bar.show(line)

    # ------------------------------------------------------------ locking

    async def on_event(self, event: events.Event) -> None:
        """Any key, paste or mouse press counts as activity (for the idle lock). While
        the lock is being counted down, a key only keeps the app open."""
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = time.monotonic()
            if self._lock_countdown is not None:
                self._show_lock_countdown(None)
                if isinstance(event, events.Key):
                    event.stop()
                    return  # "press any key to stay": that is all this key does
        await super().on_event(event)

    def _lock_if_idle(self) -> None:
        """The idle timer: count the last seconds down on the status line, then lock."""
        idle = self.idle_lock_seconds()
        if not idle or self.locked or self.store is None:
            self._show_lock_countdown(None)
            return
        left = idle - (time.monotonic() - self._last_input)
        if left <= 0:
            self._show_lock_countdown(None)
            self.action_lock()
        elif left <= min(LOCK_WARNING_SECONDS, idle / 2):
            self._show_lock_countdown(math.ceil(left))
        else:
            self._show_lock_countdown(None)

    def _show_lock_countdown(self, seconds: int | None) -> None:
        """Show (or take away) "locking in N s" on the status line."""
        if seconds != self._lock_countdown:
            self._lock_countdown = seconds
            self._update_status_bars()

    def action_lock(self) -> None:
        """ctrl+l: cover everything with the lock screen and drop the key at once."""
        store = self.gateway.store
        if store is None or self.locked:
            return
        self.gateway.locked = True  # from here on the gateway starts no store work
        self.watcher.pause()
        self.push_screen(LockScreen(None if self.demo else self.store_home))
        self.refresh_bindings()
        if self.demo or store.key is None or store.home is None:
            return  # nothing to drop: a throwaway demo key, or a store only in memory
        if self.board is not None and self.board.is_mounted:
            self._selected_before_lock = self.board.table.selected_id()
        # Forms being typed are sealed under the key before it goes, then blanked.
        forms_key = subkey(store.key, "locked-forms")
        drafts: list[dict[str, Any]] = []
        self._sealed_forms = []
        self._draft_kept_at_lock = False
        for screen in self.screen_stack:
            if isinstance(screen, CaptureScreen) and screen.is_mounted:
                state = screen.take_form_for_lock()
                payload = json.dumps(state, ensure_ascii=False).encode("utf-8", "surrogatepass")
                self._sealed_forms.append((screen, seal(forms_key, payload,
                                                        LOCKED_FORMS_PURPOSE)))
                if (not screen.editing and not screen.saving
                        and not draft.form_is_empty(state["form"])):
                    drafts.append(state["form"])
        del forms_key
        # The decrypted snapshot goes too; screens underneath redraw empty.
        self.incidents = {}
        self._versions = {}
        for live in self._live_screens():
            live.redraw(None)
        self.collector.release()  # what the snapshot leaves behind goes at the next tick
        self._drop_key(store, drafts[-1] if drafts else None)

    @work(group="lock")
    async def _drop_key(self, store: Store, form: dict[str, Any] | None) -> None:
        """Let the store work already under way finish, keep the draft, then close the store
        and drop its secrets (``Store.forget_secrets``: the key, the epoch keys, the signing
        seed). Each wait is bounded (:data:`~careterm.tui.gateway.WAIT_SECONDS`): work
        stuck on a read that never returns does not keep the key in memory behind the lock
        screen; when it comes back it finds the store let go (see the gateway)."""

        def keep(closing: Store) -> None:
            # If this fails, the sealed copy in memory still brings the form back.
            if form is not None:
                draft.save_draft(closing, form)
                self._draft_kept_at_lock = True

        await self.gateway.settle(self.workers, timeout=WAIT_SECONDS)
        await asyncio.to_thread(self.gateway.close, store, keep=keep, wait=WAIT_SECONDS)

    def on_key_rederived(self, message: KeyRederived) -> None:
        """The lock screen derived the key again: back to exactly where the user was.

        (The store opened before the lock is closed by :meth:`_drop_key`.)
        """
        store = message.store
        self._use_store(store)
        if store.key is not None:
            forms_key = subkey(store.key, "locked-forms")
            for screen, sealed in self._sealed_forms:
                try:
                    state = json.loads(unseal(forms_key, sealed, LOCKED_FORMS_PURPOSE))
                except (Unsealable, ValueError):
                    continue  # cannot happen with the same key; the draft file remains
                if screen.is_mounted:
                    screen.restore_form_after_lock(state)
        self._sealed_forms = []
        self.unlocked()
        if self.board is not None and self._selected_before_lock:
            self.board.select_when_shown(self._selected_before_lock)
        self._selected_before_lock = None
        self._background_refresh(initial=True)

    def on_lock_lifted(self, message: LockLifted) -> None:
        """Demo: the lock screen goes without a passphrase."""
        self.unlocked()

    def unlocked(self) -> None:
        """The lock screen was lifted: back to exactly where the user was."""
        if isinstance(self.screen, LockScreen):
            self.pop_screen()
        self.gateway.locked = False
        self._last_input = time.monotonic()
        self.refresh_bindings()
        pending, self._after_unlock = self._after_unlock, []
        for action in pending:
            action()

    # ------------------------------------------------------------ live board

    def _tick(self) -> None:
        """Ages and escalation move on, without a key being pressed; then, when it is due
        and nobody is typing, the one full collection of the cycle collector
        (:mod:`careterm.tui.collector`)."""
        if not self.locked:
            for live in self._live_screens():
                live.tick()
        self.collector.after_tick(self._last_input)

    def _background_refresh(self, initial: bool = False) -> None:
        """Re-read the store, and sync when due (on unlocking, after a save).

        Sync (publish and merge through the shared folder) runs when the watcher
        saw the folder change, right after every save (:meth:`refresh_now`) and
        every ``sync_seconds`` all the same, in a job of its own that does not hold
        the store lock (the folder is the strangers' part: a read there may hang,
        and a save must not wait for it). One re-read and one sync run at a time
        (the gateway's ``job``): asked for while one runs, it goes round once more.
        ``initial``: draw everything again.
        """
        if initial:
            self._redraw_all = True
        self._reread_store()
        if self._sync_due():
            self._start_sync()

    def _reread_store(self) -> None:
        self.gateway.run(self, self._reread, RefreshFailed, background=True, job="refresh")

    def _start_sync(self) -> None:
        self.gateway.run(self, self._sync, partial(SyncFinished, None), background=True,
                         job="sync", hold_lock=False)

    def _sync_due(self) -> bool:
        return self.sync_status.configured and (
            self._sync_wanted or time.monotonic() - self._last_sync_try >= self.sync_seconds)

    def _periodic_sync(self) -> None:
        """Sync every ``sync_seconds`` even when the watcher saw nothing change (unless a
        sync started in the last half of that)."""
        if (self.gateway.ready and self.sync_status.configured
                and time.monotonic() - self._last_sync_try >= self.sync_seconds / 2):
            self._sync_wanted = True
            self._start_sync()

    def _files_changed(self, store_changed: bool, folder_changed: bool) -> None:
        """In the watcher's thread: tell the app (on its own thread) what changed."""
        self.post_message(FilesChanged(store_changed, folder_changed))

    def on_files_changed(self, message: FilesChanged) -> None:
        """The store's files changed: re-read them; the shared folder changed: sync."""
        if not self.gateway.ready:
            return  # locked (unlocking reads everything again)
        if message.store:
            self._reread_store()
        if message.folder and self.sync_status.configured:
            self._sync_wanted = True
            self._start_sync()

    def on_unmount(self) -> None:
        """The app ends: the watcher stops looking."""
        self.watcher.stop()
        self.collector.stop()

    def _reread(self, store: Store) -> IncidentsRefreshed:
        """In the gateway's worker: read every report."""
        store.refresh()
        self._critical_alert = critical_alert_on(store)
        self._team_settings_read = store.team_settings()
        # The one place the app reads reports: those this laptop's member is recused
        # from become stubs (board, incident view, handover all show these).
        snapshot = casework.screen_recused(store.incidents(), store.member)
        versions = {inc_id: incident.version for inc_id, incident in snapshot.items()}
        # What changed since the previous read is worked out here too, off the app's
        # thread (reads run one at a time; a versions dict is never changed once sent).
        base, self._last_read = self._last_read, versions
        changed = frozenset() if base is None else frozenset(
            inc_id for inc_id, version in versions.items() if base.get(inc_id) != version)
        return IncidentsRefreshed(snapshot, versions, base, changed)

    def _sync(self, store: Store) -> SyncFinished | None:
        """In the gateway's sync job (without the store lock): sync, if still due."""
        if not self._sync_due():
            return None
        self._sync_wanted = False
        self._last_sync_try = time.monotonic()
        return SyncFinished(*_run_sync(store))

    def refresh_now(self) -> None:
        """Re-read the store and sync at once (after this app stored something)."""
        self._sync_wanted = True
        self._background_refresh()

    def on_incidents_refreshed(self, message: IncidentsRefreshed) -> None:
        """Show the new snapshot on every screen that shows incidents."""
        if not self.locked:  # read before the lock: not shown, it comes again after unlock
            known = message.changed if message.base is self._versions else None
            self._show_snapshot(message.incidents, message.versions, known)

    def on_sync_finished(self, message: SyncFinished) -> None:
        """Say how sync went; re-read the store for what it brought."""
        if message.synced is not None:
            self._sync_succeeded(message.synced)
            if message.synced.received_changes:
                self._reread_store()
        elif message.failure:
            self._sync_failed(message.failure)

    def _show_snapshot(self, snapshot: dict[str, Incident], new_versions: dict[str, int],
                       known: frozenset[str] | None = None) -> None:
        """Redraw what changed since the last snapshot (everything after an unlock, or
        when a report went: the store was put back to an older copy); ``new_versions``:
        each report's version in ``snapshot``; ``known``: what changed since the snapshot
        shown, when the worker worked it out against it."""
        versions = self._versions
        changed = set(known) if known is not None else {
            inc_id for inc_id, version in new_versions.items()
            if versions.get(inc_id) != version}
        initial, self._redraw_all = self._redraw_all, False
        settings_moved = self._team_settings_read != self.team_settings
        self.team_settings = self._team_settings_read
        if (not changed and not initial and not settings_moved
                and len(snapshot) == len(versions)):
            self._versions = new_versions  # the same reading: the next diff starts here
            return
        arrived = [inc_id for inc_id in changed if inc_id not in versions]
        added = len(arrived)
        if initial or len(versions) + added != len(snapshot):
            initial = True
        # Never changed in place: the worker compares its next read with this very dict.
        self._versions = new_versions
        self.incidents = snapshot
        for live in self._live_screens():
            live.redraw(None if initial or settings_moved else changed)
        if not initial and arrived:
            self._announce_critical(arrived, snapshot)
        if initial:
            # The store just read stays until the lock: out of the collector's walks
            # (careterm.tui.collector).
            self.collector.hold()

    def _announce_critical(self, arrived: list[str], snapshot: dict[str, Incident]) -> None:
        """A toast and the bell for each new open critical report captured on another
        laptop (the toast names only its id: privacy mode or not, nobody's name)."""
        store = self.gateway.store
        if store is None or not self._critical_alert:
            return
        here = store.device_id
        news = [inc_id for inc_id in sorted(arrived)
                if snapshot[inc_id].urgency == "critical" and snapshot[inc_id].is_open
                and captured_on(snapshot[inc_id]) not in (None, here)]
        for inc_id in news:
            self.notify(f"New critical report {inc_id}", title="careterm",
                        severity="warning", timeout=15)
        if news:
            self.bell()

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        """Keep showing what we had, and say why it is not fresh."""
        if self.board is not None and self.board.is_mounted:
            self.board.hint(f"could not re-read the store: {message.reason}", style="bold")

    def _sync_succeeded(self, report: team_sync.SyncReport) -> None:
        """Show when sync last worked, the peers and anything received."""
        self.sync_status.succeeded(report)
        self._update_status_bars()
        received = [line for line in report.lines()
                    if " from " in line or " updated by " in line]
        if received and self.board is not None and self.board.is_mounted and not self.locked:
            self.board.hint("sync: " + "; ".join(received))

    def _sync_failed(self, reason: str) -> None:
        """Say on the status bar why sync did not run; local work carries on."""
        self.sync_status.failed(reason)
        self._update_status_bars()

    # ------------------------------------------------------------ what screens ask for

    def ask_acknowledge(self, incident_id: str, screen: Screen[Any] | None = None) -> None:
        """Ask how the acknowledgement reached the reporter and, optionally, whom the
        member consulted first (enter skips), then record it."""
        incident = self.incidents.get(incident_id)
        target = screen or self.screen
        if incident is not None and incident.acknowledged:
            if isinstance(target, LiveScreen):
                target.hint(f"{incident_id} was already acknowledged by "
                            f"{incident.acknowledged_by or '?'}")
            return

        def chosen(via: str | None) -> None:
            if not via:
                return

            def consulted(names: str | None) -> None:
                if names is None:
                    return  # escape: nothing recorded
                self.gateway.act(target, incident_id, f"acknowledged ({via})",
                                 incidents.acknowledge, via, names or None)

            self.push_screen(TextModal(
                f"Acknowledge {incident_id}: whom did you consult first? (optional)",
                placeholder="member names, e.g. Bo Sample, Cy Placeholder",
                hint="enter records it (empty: nobody named) · esc cancels",
                allow_empty=True), consulted)

        self.push_screen(ChoiceModal(f"Acknowledge {incident_id}: how did it reach the reporter?",
                                     ACK_CHOICES), chosen)

    def ask_assign(self, incident_id: str, screen: Screen[Any] | None = None) -> None:
        """Ask which member owns the report (the team's members as this laptop knows
        them, or nobody), then record it; ``screen`` hears how it went."""
        incident = self.incidents.get(incident_id)
        target = screen or self.screen
        if incident is None:
            return
        if incident.recused:
            if isinstance(target, LiveScreen):
                target.hint(f"{incident_id}: you are recused from it; its owner is left to "
                            "the others")
            return
        self._assign_for = target

        def gather(store: Store) -> MembersGathered:
            return MembersGathered(incident_id, known_members(store))

        self.gateway.run(self, gather, partial(IncidentUpdateFailed, incident_id))

    def on_members_gathered(self, message: MembersGathered) -> None:
        """The members are known: offer them (the owner now marked), and nobody."""
        inc_id = message.incident_id
        incident = self.incidents.get(inc_id)
        target = self._assign_for
        if incident is None or target is None or self.locked:
            return
        current = casework.owner(incident)
        choices = [(name, visible(name, one_line=True)) for name in message.members]
        if current and current not in message.members:
            choices.append((current, visible(current, one_line=True)))
        choices.append((NOBODY, "(nobody) · nobody owns it"))

        def chosen(value: str | None) -> None:
            if value is None:
                return
            name = None if value == NOBODY else value
            said = f"owner {visible(name, one_line=True)}" if name else "owner: nobody"
            self.gateway.act(target, inc_id, said, casework_actions.assign, name)

        self.push_screen(ChoiceModal(f"Who owns {inc_id}?", choices,
                                     current=current or NOBODY,
                                     note="the team's members as this laptop knows them"),
                         chosen)

    def on_incident_update_failed(self, message: IncidentUpdateFailed) -> None:
        """The members could not be gathered (the store locked meanwhile…): said on the
        screen that asked."""
        if isinstance(self._assign_for, LiveScreen):
            self._assign_for.hint(f"Not done: {message.reason}", style="bold")

    def open_incident(self, incident_id: str) -> None:
        """Show one report."""
        self.push_screen(IncidentScreen(incident_id))

    def show_handover(self) -> None:
        """The handover page (``h`` on the board, or the command palette)."""
        self._show_page(HandoverScreen)

    def show_report(self) -> None:
        """The transparency report preview (``T`` on the board, or the command palette)."""
        self._show_page(ReportScreen)

    def action_team_settings(self) -> None:
        """S (or "Team settings" in the command palette): the team's settings, and a
        dialog to change one, as ``careterm settings``."""
        if self.gateway.ready and not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def action_erasure_status(self) -> None:
        """"Erasure status" in the command palette: per laptop, whether each erasure was
        carried out, as ``careterm erase --status`` (read only)."""
        if self.gateway.ready and not isinstance(self.screen, ErasureScreen):
            self.push_screen(ErasureScreen())

    def action_doctor(self) -> None:
        """D (or "Folder doctor" in the command palette): the shared folder's state, as
        ``careterm doctor`` says it."""
        if self.gateway.ready and not isinstance(self.screen, DoctorScreen):
            self.push_screen(DoctorScreen())

    def action_import_mail(self) -> None:
        """"Import e-mail…" in the command palette: ask for a path, then turn its messages
        into reports (in the store worker); they arrive on the board unacknowledged."""
        if not self.gateway.ready or self.demo:
            if self.demo:
                self.notify("the demo imports no e-mail: its reports are made up",
                            markup=False)
            return

        def chosen(path: str | None) -> None:
            if path:
                self.gateway.run(self, partial(_import_mail, path.strip()), MailImportFailed)

        self.push_screen(TextModal(
            "Import e-mail", placeholder="an .eml file, an mbox file or a Maildir folder",
            hint="enter imports · esc cancels · the same as: careterm mail PATH"), chosen)

    def on_mail_imported(self, message: MailImported) -> None:
        """Say what the import did (skipped messages named), and show the new reports."""
        result = message.result
        summary = (f"E-mail: {len(result.new_reports)} new, {len(result.notes)} replies as "
                   f"notes, {result.duplicates} already imported, {len(result.skipped)} "
                   "skipped")
        details = [visible(f"skipped {where}: {why}", one_line=True)
                   for where, why in result.skipped[:5]]
        self.notify("\n".join([summary, *details]), markup=False,
                    severity="warning" if result.skipped else "information")
        self.refresh_now()

    def on_mail_import_failed(self, message: MailImportFailed) -> None:
        """The import did not run: one line."""
        self.notify(visible(f"e-mail not imported: {message.reason}", one_line=True),
                    markup=False, severity="error")

    def _show_page(self, page: type[HandoverScreen | ReportScreen]) -> None:
        if self.gateway.ready and not isinstance(self.screen, page):
            self.push_screen(page())

    def when_unlocked(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the lock screen is lifted.

        Store work under way when the app locks still finishes (the lock waits for
        it); what its result does to the screens (closing a form, going back to the
        board) waits for the user, so it never takes the lock screen away.
        """
        if self.locked:
            self._after_unlock.append(action)
        else:
            action()

    def capture_saved(self, captured: incidents.Captured) -> None:
        """After a save: back to the board, which selects the new report."""
        if self.locked:
            # Saved just as the app locked: finish when the user is back.
            self.when_unlocked(lambda: self.capture_saved(captured))
            return
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
            below = self.screen_stack[-2]
            if isinstance(below, LiveScreen):
                below.hint(description)

    def back_to_board(self) -> None:
        """Close every screen above the board (never the lock screen)."""
        if self.board is None or self.locked:
            return
        while len(self.screen_stack) > 1 and self.screen is not self.board:
            self.pop_screen()

    def set_board_filter(self, spec: FilterSpec) -> None:
        """Show the board with ``spec``."""
        self.back_to_board()
        if self.board is not None:
            self.board.set_filter(spec)

    # ------------------------------------------------------------ drafts

    def _look_for_draft(self) -> None:
        """After unlocking: is there a report that was being typed?"""
        self.gateway.run(self, _find_draft, DraftUnreadable, background=True)

    def on_draft_found(self, message: DraftFound) -> None:
        """Offer to resume the draft: its time and first words, never its form until
        chosen. "Not now" sets it aside (sealed, in the draft file): the next new report
        still starts empty and offers it."""
        form = draft.normalise_form(message.record.get("form") or {})

        def chosen(answer: str | None) -> None:
            if answer == "resume":
                self.push_screen(CaptureScreen(form=form))
            elif answer == "discard":
                self.forget_draft()
            else:
                self.gateway.run(self, _keep_draft_for_later, DraftNotKept, background=True)
                if self.board is not None:
                    self.board.hint("draft kept: a new report (n) offers it")

        self.push_screen(ChoiceModal(draft_offer(message.record, private=self.privacy),
                                     [("resume", "Resume it"),
                                      ("later", "Not now (keep the draft)"),
                                      ("discard", "Discard it")],
                                     note="A report was being written on this laptop."),
                         chosen)

    def on_draft_not_kept(self, message: DraftNotKept) -> None:
        """Setting the draft aside failed: it stays, and the next new report sets it aside."""
        if self.board is not None:
            self.board.hint(f"capture draft not set aside: {message.reason}", style="bold")

    def on_draft_unreadable(self, message: DraftUnreadable) -> None:
        """Say so; the damaged file was set aside, not overwritten."""
        if self.board is not None:
            self.board.hint(f"capture draft unreadable: {message.reason}", style="bold")

    def forget_draft(self) -> None:
        """Delete the capture draft (in the gateway's worker)."""
        self.gateway.run(self, _clear_draft, DraftNotDeleted, background=True)

    def on_draft_not_deleted(self, message: DraftNotDeleted) -> None:
        """Say so; the draft is offered again after the next unlock."""
        if self.board is not None:
            self.board.hint(f"capture draft not deleted: {message.reason}", style="bold")

    # ------------------------------------------------------------ keys and commands

    def action_capture(self) -> None:
        """Quick capture of a new report."""
        if self.store is None or isinstance(self.screen, CaptureScreen):
            return
        self.push_screen(CaptureScreen())  # always empty; it offers a kept draft

    def action_board(self) -> None:
        """Back to the board."""
        self.back_to_board()

    def action_help(self) -> None:
        """Every key."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: careterm's main actions, then Textual's (none while locked)."""
        if self.locked:
            return
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
            yield SystemCommand("Privacy mode", "Hide names, contacts and reporters (p)",
                                self.action_toggle_privacy)
            yield SystemCommand("Lock", "Lock careterm now (ctrl+l)", self.action_lock)
            yield SystemCommand("Import e-mail…", "Turn .eml, mbox or Maildir messages into "
                                "reports (careterm mail)", self.action_import_mail)
            yield SystemCommand("Folder doctor", "Why a laptop does not see another's notes: "
                                "the shared folder's state (D)", self.action_doctor)
            yield SystemCommand("Team settings", "Every stage's target, the event's dates, "
                                "the alert: see and change them (S)", self.action_team_settings)
            yield SystemCommand("Erasure status", "Per laptop, whether each erasure was "
                                "carried out (careterm erase --status)",
                                self.action_erasure_status)
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
        """Drop decrypted data and keys from memory (the app has ended)."""
        self.gateway.close(wait=WAIT_SECONDS)

    # ------------------------------------------------------------ unexpected errors
    # (careterm.tui.quiet.QuietCrash: one line, never a traceback; the draft is kept.)

    def _keep_draft_now(self) -> bool | None:
        """Keep the new report being typed as the sealed draft, at once: True when it was
        kept (now or by the lock), False when it could not be, ``None`` when none was."""
        if self.locked:
            return True if self._draft_kept_at_lock else None
        store = self.gateway.store
        form: dict[str, Any] | None = None
        for screen in reversed(self.screen_stack):
            if isinstance(screen, CaptureScreen) and screen.is_mounted:
                try:
                    form = screen.form_to_keep()
                except Exception:  # the screen that just failed: nothing to read from it
                    form = None
                break
        if form is None or store is None or store.home is None or self.demo:
            return None  # nothing typed, or nothing to keep it in (the demo is thrown away)
        if not self.gateway.lock.acquire(timeout=WAIT_SECONDS):
            return False  # store work is stuck: better stop than hang here
        try:
            draft.save_draft(store, form)
        except Exception:  # whatever broke the app may break this too; say so, stop anyway
            return False
        finally:
            self.gateway.lock.release()
        return True


NOBODY = "\x00nobody"
"""The owner dialog's "(nobody)" (no member's name holds a NUL)."""


def critical_alert_on(store: Store) -> bool:
    """The team setting ``critical_alert`` (default on): synced team settings when the
    store has them, else this laptop's settings."""
    team_settings = getattr(store, "team_settings", None)
    if team_settings is not None:
        settings = team_settings() if callable(team_settings) else team_settings
        return bool(getattr(settings, "critical_alert", True))
    return bool(store.settings().get("critical_alert", True))


def captured_on(incident: Incident) -> str | None:
    """The device that captured ``incident`` (its first change's), ``None`` if unknown."""
    if incident.created_dev:
        return incident.created_dev
    if not incident.changes:
        return None
    return str(incident.changes[0].get("dev") or "") or None  # changes are in order


def _import_mail(path: str, store: Store) -> MailImported:
    """In the store worker: import the messages at ``path``."""
    return MailImported(mail.import_mail(store, [Path(path).expanduser()]))


def _run_sync(store: Store) -> tuple[team_sync.SyncReport | None, str]:
    """One sync (in the re-read): the report, or why it did not run (one line)."""
    try:
        return team_sync.sync(store), ""
    except CaretermError as error:
        reason = str(error)
    except OSError as error:
        reason = f"shared folder not usable ({error.strerror or error})"
    # "…; nothing was synced and nothing on this laptop was changed" is the status bar's
    # whole point: keep the first part, which says what is wrong.
    return None, reason.split("; nothing was synced")[0]


def _find_draft(store: Store) -> Message | None:
    """In the gateway's worker: the draft to offer, or why it cannot be read."""
    try:
        record = draft.load_draft(store)
    except CaretermError as error:
        moved = draft.set_aside_damaged(store)
        where = f"; it was kept as {moved.name}" if moved else ""
        return DraftUnreadable(f"{error}{where}")
    if record and not draft.form_is_empty(record.get("form") or {}):
        return DraftFound(record)
    return None


def _clear_draft(store: Store) -> None:
    """In the gateway's worker: delete the capture draft."""
    draft.clear_draft(store)


def _keep_draft_for_later(store: Store) -> None:
    """In the gateway's worker: set the draft aside ("Not now"), to be offered again."""
    draft.keep_for_later(store)


def run(home: Path | None, *, lock_after: float | None = None,
        demo_incidents: int | None = None) -> int:
    """The one way the command line starts the app: on the store in ``home``, or with
    ``demo_incidents`` set, on a throwaway store of that many fictional reports."""
    if demo_incidents is not None:
        return run_demo(demo_incidents, lock_after=lock_after)
    assert home is not None
    return run_app(home, lock_after=lock_after)


def run_app(home: Path, lock_after: float | None = None) -> int:
    """Run the app on the store in ``home`` (unlock screen first; setup when there is none)."""
    app = CaretermApp(home, lock_after=lock_after)
    try:
        result = app.run()
    finally:
        app.close_store()
        _say_why_stopped(app)
    return app.return_code or int(result or 0)


def _say_why_stopped(app: CaretermApp) -> None:
    """The one line about an unexpected error, once the app has left the terminal."""
    if app.stopped_by:
        with contextlib.suppress(OSError, ValueError):  # the terminal may be gone
            print(app.stopped_by, file=sys.stderr, flush=True)


def open_demo_store(home: Path, count: int) -> Store:
    """A new store in ``home`` with ``count`` fictional reports, opened without asking."""
    # Nobody ever types this passphrase: the demo store is thrown away on exit.
    store = Store.create(home, secrets.token_urlsafe(32), member=demo.DEMO_MEMBERS[0],
                         team="Example Con CARE (demo)", limits="interactive")
    demo.seed_demo(store, count, members=demo.DEMO_MEMBERS)
    return store


def run_demo(incidents: int = 12, lock_after: float | None = None) -> int:
    """Run the app on a throwaway store in a temp folder, removed on exit.

    A closed terminal (SIGHUP) or a kill (SIGTERM) ends it, the temp folder removed.
    Python runs a signal handler on the main thread, which is the app's event loop:
    raising there unwinds the loop under the app, and a shutdown cut short leaves
    Textual's terminal input thread spinning on the dead terminal's end-of-file,
    which keeps the process alive. So the handler asks the app to exit (through the
    loop) and raises only while the store is still being prepared. After a hang-up,
    what is still written goes to ``/dev/null`` (a write that fails stops Textual's
    output thread, and the app would then wait on it for ever); and should the app
    still not have stopped after :data:`DEMO_EXIT_SECONDS`, the folder is removed
    and the process ends at once.
    """
    if not 0 <= incidents <= demo.MAX_DEMO_INCIDENTS:
        print(f"careterm: --incidents must be between 0 and {demo.MAX_DEMO_INCIDENTS:,}",
              file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="careterm-demo-"))
    app: CaretermApp | None = None
    stopped_by: list[int] = []
    cleaning = False
    done = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGHUP, signal.SIGTERM)}

    def end_anyway(code: int) -> None:
        if not done.wait(DEMO_EXIT_SECONDS):
            shutil.rmtree(folder, ignore_errors=True)
            os._exit(code)

    def leave(signum: int, frame: FrameType | None) -> None:
        if stopped_by or cleaning:
            return  # a second signal must not interrupt the clean-up
        stopped_by.append(signum)
        if signum == signal.SIGHUP:
            _write_nowhere()
        threading.Thread(target=end_anyway, args=(128 + signum,), daemon=True,
                         name="careterm-demo-exit").start()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or app is None:
            raise SystemExit(128 + signum)  # not in the app's loop: unwind, the folder goes
        loop.call_soon_threadsafe(app.exit, None, 128 + signum)

    for sig in previous:
        signal.signal(sig, leave)
    try:
        if incidents > 500:
            print(f"Preparing {incidents:,} fictional reports…", file=sys.stderr)
        store = open_demo_store(folder / "home", incidents)
        app = CaretermApp(store=store, demo=True, lock_after=lock_after)
        result = app.run()
        if stopped_by:
            return 128 + stopped_by[0]
        return app.return_code or int(result or 0)
    finally:
        cleaning = True
        if app is not None:
            app.close_store()
            _say_why_stopped(app)
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        done.set()


def _write_nowhere() -> None:
    """The terminal was closed: what is still written (standard output and error) goes
    to ``/dev/null`` instead of failing."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
