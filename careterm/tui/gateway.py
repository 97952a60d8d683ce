"""The one way to the store from the app and its screens: :class:`StoreGateway`.

Every read or write of the open store runs through :meth:`StoreGateway.run`:

- in a Textual thread worker of one group (:data:`GROUP`), started on the
  screen (or the app) that asked, so nothing slow ever runs on the UI thread;
- under the store lock: one store user at a time. Sync is the one exception
  (``hold_lock=False``): it reads a shared folder that strangers can fill (a FIFO,
  a stalled network mount), it takes the store's own lock only to merge, and a
  save must never wait for it;
- only while the store is open and unlocked; this is the one place that checks;
- a :class:`~careterm.errors.CaretermError` or an ``OSError`` becomes one line
  handed to the caller's failure message (never a traceback);
- the work returns a past-tense message (:mod:`careterm.tui.messages`) and the
  gateway posts it to whoever asked: the work itself never touches a widget, the
  message is handled on the UI thread.

The lock screen waits for the gateway's workers (:meth:`StoreGateway.settle`), then
closes the store under the same lock (:meth:`StoreGateway.close`); work asked for
after the lock finds the store locked and is refused with a sentence (or, for
background work, simply not done). Both waits are bounded: work stuck for longer
(a read that never returns) does not keep the key in memory behind a screen that
says locked. The store's secrets are then dropped under it
(``Store.forget_secrets``); when that work comes back it finds the store let go,
and whatever it returns or raises is dropped (work the user asked for hears
:data:`LOCKED`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker
from textual.worker_manager import WorkerManager

from careterm.errors import CaretermError
from careterm.store.store import Store
from careterm.tui.messages import IncidentUpdated, IncidentUpdateFailed

GROUP = "store"
"""The worker group of every piece of store work (the lock waits for exactly this group)."""


LOCKED = "careterm was locked before this was stored; do it again"
"""Said when work asked for by the user finds the store locked (or already closed)."""


WAIT_SECONDS = 1.0
"""How long the lock waits for store work under way, and then for the store to close,
before it drops the store's secrets anyway."""


StoreWork = Callable[[Store], Message | None]
"""Work on the open store, run in a thread under the store lock: returns what to post."""


Failure = Callable[[str], Message]
"""Makes the message that says, in one line, why the work was not done."""


class StoreGateway:
    """Holds the open store and its lock; runs every piece of store work in a worker.

    The app sets :attr:`store` when a store is unlocked and :attr:`locked` when
    the lock screen goes up; screens reach the gateway through
    :func:`careterm.tui.protocol.host`.
    """

    def __init__(self) -> None:
        self.store: Store | None = None
        """The open store (``None`` before unlocking and once the lock closed it)."""
        self.locked = False
        """True from the moment the lock screen goes up until the passphrase lifts it."""
        self.lock = threading.RLock()
        """Held while store work runs (one store user at a time)."""
        self._again: set[str] = set()
        self._jobs: dict[str, threading.Lock] = {}

    @property
    def ready(self) -> bool:
        """True while a store is open and unlocked (the one test of it)."""
        return self.store is not None and not self.locked

    # ------------------------------------------------------------ running work

    def run(self, requester: DOMNode, work: StoreWork, failed: Failure, *,
            background: bool = False, exclusive: bool = False,
            job: str = "", hold_lock: bool = True) -> Worker[None]:
        """Run ``work(store)`` in a thread worker; post what it returns to ``requester``.

        ``failed(reason)`` makes the message posted instead when the work raises a
        :class:`CaretermError` or an ``OSError``, or when what the user asked for
        finds the store locked. ``background``: work nobody asked for (a re-read,
        a draft, a page being gathered) is simply not done while the store is
        locked, and what it returns once the lock went up is dropped.
        ``exclusive``: a new run replaces the requester's earlier ones.
        ``job``: one run of that name at a time; asking while it runs makes it go
        round once more (so ``work`` must read whatever is current).
        ``hold_lock=False``: the work does its own locking (sync) and runs beside
        the rest, so nothing waits for it.
        """
        body = partial(self._deliver, requester, work, failed, background, hold_lock)
        if job:
            body = partial(self._coalesced, job, body)
        return requester.run_worker(body, group=GROUP, exclusive=exclusive, thread=True)

    def act(self, requester: DOMNode, incident_id: str, description: str,
            action: Callable[..., Any], *args: Any) -> Worker[None]:
        """Run a core action on one report (``action(store, incident_id, *args)``).

        ``requester`` gets :class:`IncidentUpdated` (``description`` and what the
        action returned) or :class:`IncidentUpdateFailed` with the reason.
        """
        def work(store: Store) -> Message:
            return IncidentUpdated(incident_id, description, action(store, incident_id, *args))

        return self.run(requester, work, partial(IncidentUpdateFailed, incident_id))

    def _deliver(self, requester: DOMNode, work: StoreWork, failed: Failure,
                 background: bool, hold_lock: bool) -> None:
        """In the worker thread: do the work, post its message (or why it failed)."""
        store: Store | None = None
        try:
            with self.lock if hold_lock else contextlib.nullcontext():
                store = self.store
                if store is None or self.locked:
                    if background:
                        return
                    raise CaretermError(LOCKED)
                message = work(store)
        except Exception as error:
            if store is not None and store.is_locked:
                # The lock dropped the store's secrets under this work (it was stuck):
                # whatever failed is that, and nothing was stored with them.
                message = None if background else failed(LOCKED)
            elif isinstance(error, CaretermError):
                message = failed(str(error))
            elif isinstance(error, OSError):
                message = failed(f"the store could not be used ({error.strerror or error})")
            else:
                raise  # a bug: the app stops with one line (CaretermApp._handle_exception)
        if message is not None and background and store is not None and self._let_go(store):
            return  # read before the lock went up: not shown, it is read again after
        if message is not None:
            requester.post_message(message)

    def _let_go(self, store: Store) -> bool:
        """True once ``store`` is locked or no longer the open one."""
        return self.locked or self.store is not store

    def _coalesced(self, job: str, body: Callable[[], None]) -> None:
        """In the worker thread: run ``body`` unless ``job`` runs already; then it goes
        round again for every request that came meanwhile (checked after releasing too,
        so no request is lost)."""
        gate = self._jobs.setdefault(job, threading.Lock())
        self._again.add(job)
        while job in self._again and self.ready and gate.acquire(blocking=False):
            try:
                while job in self._again and self.ready:
                    self._again.discard(job)
                    body()
            finally:
                gate.release()

    # ------------------------------------------------------------ locking

    async def settle(self, workers: WorkerManager, timeout: float | None = None) -> bool:
        """Wait until the store work already under way has finished (before a lock);
        at most ``timeout`` seconds. False when some of it still runs."""
        busy = [w for w in workers if w.group == GROUP and not w.is_finished]
        deadline = None if timeout is None else time.monotonic() + timeout
        # Polled, not awaited: cancelling a wait on a worker would cancel the worker.
        while any(not w.is_finished for w in busy):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def close(self, store: Store | None = None, *,
              keep: Callable[[Store], None] | None = None,
              wait: float | None = None) -> bool:
        """Close ``store`` (the open one by default) once no work uses it.

        Takes the store lock, so it may wait: call it from a thread while the app
        runs. ``keep(store)`` runs just before (the lock keeps the capture draft
        this way); if it fails the store is closed all the same. ``wait``: at most
        that many seconds; then the store's secrets are dropped at once, and it
        is closed (in the background) when the work holding it lets go. Returns
        False in that case.
        """
        if store is None:
            store = self.store
        if store is None:
            return True
        if self.store is store:
            self.store = None  # from here no work starts on it
        forced = threading.Event()
        closed = threading.Event()
        failures: list[Exception] = []

        def finish() -> None:
            try:
                with self.lock:
                    if keep is not None and not forced.is_set():
                        with contextlib.suppress(CaretermError, OSError):
                            keep(store)
                    store.forget_secrets()
                    store.close()
            except Exception as error:
                # Once its secrets were dropped under it, closing can only fail on that.
                if not forced.is_set():
                    failures.append(error)
            finally:
                closed.set()

        if wait is None:
            finish()
        else:
            threading.Thread(target=finish, name="careterm-close", daemon=True).start()
            if not closed.wait(wait):
                forced.set()
                store.forget_secrets()
                return False
        if failures:
            raise failures[0]
        return True
