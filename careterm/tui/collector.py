"""When Python's cycle collector may pause the app: never inside a tick or a keypress.

The app keeps the decrypted store in memory (at 10,000 reports, some 350,000
objects) and the board keeps a row object per report, rebuilt as its clock
cells change: within a minute every row has been rebuilt once. Python's cycle
collector walks every object it tracks when it runs a full collection, and it
starts one on its own, in whatever code happens to be allocating: a clock tick,
a keypress. Measured at 10,000 reports: 300 ms with the store tracked, and
still 30 to 100 ms for the rows and Textual's render caches once the store is
frozen; a tick that itself costs 6 ms then took 81 ms.

So the app decides when a full collection happens (:class:`Collector`):

* after a full read of the store, what it read is *frozen* (``gc.freeze``): it
  stays until the lock, and a full collection never walks it again;
* while the app runs, full collections never start on their own (the third
  threshold is set out of reach; the young generations are collected as
  usual, a few milliseconds at most);
* instead, right after a clock tick, :meth:`Collector.after_tick` runs the
  full collection itself, when it is due (:data:`SWEEP_SECONDS` since the
  last one) and nobody has pressed a key for :data:`QUIET_SECONDS`, or in any
  case once it is :data:`LATEST_SECONDS` overdue (so memory held by cycles is
  always given back, also on a desk that is never quiet);
* at the lock everything is unfrozen and the next tick collects it (ticks go
  on behind the lock screen, and nobody types there), and when the app ends
  the collector's own settings come back.

Only the app's main thread calls these (ticks, the lock, mount and unmount).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

SWEEP_SECONDS = 60.0
"""A full collection at most this often."""


QUIET_SECONDS = 2.0
"""A full collection waits until no key was pressed for this long."""


LATEST_SECONDS = 300.0
"""...but not longer than this past its time."""


OUT_OF_REACH = 1 << 30
"""The third threshold while the app runs: the collector never starts a full collection
on its own."""


class Collector:
    """The app's say over full collections (see the module's notes)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._thresholds: tuple[int, int, int] | None = None
        self._last_sweep = clock()
        self.sweeps = 0
        """Full collections run by :meth:`after_tick` (for tests and the bench)."""

    def start(self) -> None:
        """Full collections from now on only when :meth:`after_tick` says."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, OUT_OF_REACH)
        self._last_sweep = self._clock()

    def stop(self) -> None:
        """The collector as it was before :meth:`start`; nothing frozen any more."""
        gc.unfreeze()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def hold(self) -> None:
        """Everything alive now (the store just read) is left out of full collections."""
        gc.freeze()

    def release(self) -> None:
        """The lock: nothing frozen any more, and a full collection due at once."""
        gc.unfreeze()
        self._last_sweep = float("-inf")

    def after_tick(self, last_input: float) -> bool:
        """Run a full collection when it is due and the desk is quiet (``last_input``: the
        monotonic time of the last key); True when it ran."""
        now = self._clock()
        since = now - self._last_sweep
        if since < SWEEP_SECONDS:
            return False
        if now - last_input < QUIET_SECONDS and since < SWEEP_SECONDS + LATEST_SECONDS:
            return False
        gc.collect()
        self._last_sweep = now
        self.sweeps += 1
        return True
