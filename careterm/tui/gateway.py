"""The one way to the store from the app and its screens: :class:`StoreGateway`.

Every read or write of the open store runs through :meth:`StoreGateway.run`:

- in a Textual thread worker of one group (:data:`GROUP`), started on the
  screen (or the app) that asked, so nothing slow ever runs on the UI thread;
- under the store lock: one store user at a time;
- only while the store is open and unlocked; this is the one place that checks;
- a :class:`~careterm.errors.CaretermError` or an ``OSError`` becomes one line
  handed to the caller's failure message (never a traceback);
- the work returns a past-tense message (:mod:`careterm.tui.messages`) and the
  gateway posts it to whoever asked: the work itself never touches a widget, the
  message is handled on the UI thread.

The lock screen waits for exactly the gateway's workers (:meth:`StoreGateway.settle`)
and then closes the store under the same lock (:meth:`StoreGateway.close`); work
asked for after the lock finds the store locked and is refused with a sentence
(or, for background work, simply not done).
"""

from __future__ import annotations

import contextlib
import threading
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
            job: str = "") -> Worker[None]:
        """Run ``work(store)`` in a thread worker; post what it returns to ``requester``.

        ``failed(reason)`` makes the message posted instead when the work raises a
        :class:`CaretermError` or an ``OSError``, or when what the user asked for
        finds the store locked. ``background``: work nobody asked for (a re-read,
        a draft, a page being gathered) is simply not done while the store is
        locked. ``exclusive``: a new run replaces the requester's earlier ones.
        ``job``: one run of that name at a time; asking while it runs makes it go
        round once more (so ``work`` must read whatever is current).
        """
        body = partial(self._deliver, requester, work, failed, background)
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
                 background: bool) -> None:
        """In the worker thread: do the work, post its message (or why it failed)."""
        try:
            with self.lock:
                store = self.store
                if store is None or self.locked:
                    if background:
                        return
                    raise CaretermError(LOCKED)
                message = work(store)
        except CaretermError as error:
            message = failed(str(error))
        except OSError as error:
            message = failed(f"the store could not be used ({error.strerror or error})")
        if message is not None:
            requester.post_message(message)

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

    async def settle(self, workers: WorkerManager) -> None:
        """Wait until the store work already under way has finished (before a lock)."""
        busy = [w for w in workers if w.group == GROUP and not w.is_finished]
        if busy:
            await workers.wait_for_complete(busy)

    def close(self, store: Store | None = None, *,
              keep: Callable[[Store], None] | None = None) -> None:
        """Close ``store`` (the open one by default) once no work uses it.

        Takes the store lock, so it may wait: call it from a thread while the app
        runs. ``keep(store)`` runs just before (the lock keeps the capture draft
        this way); if it fails the store is closed all the same.
        """
        with self.lock:
            if store is None:
                store = self.store
            if store is None:
                return
            if keep is not None:
                with contextlib.suppress(CaretermError, OSError):
                    keep(store)
            store.close()
            if self.store is store:
                self.store = None
