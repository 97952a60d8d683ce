"""The cycle collector's full collections come after a tick, when nobody types, never in one."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.tui.app import CaretermApp
from careterm.tui.collector import (
    LATEST_SECONDS,
    OUT_OF_REACH,
    QUIET_SECONDS,
    SWEEP_SECONDS,
    Collector,
)
from tests.support import PASSPHRASE, run_async, settle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Cycle:
    """Garbage only a full collection frees (it refers to itself)."""

    def __init__(self) -> None:
        self.me = self


def cyclic_garbage() -> weakref.ref[Cycle]:
    """A cycle nobody holds, moved to the oldest generation (where only a full collection
    looks), and a weak reference that tells when it is freed."""
    cycle = Cycle()
    gone = weakref.ref(cycle)
    gc.collect(1)
    gc.collect(1)  # survived twice: now in the oldest generation
    del cycle
    gc.collect(1)
    assert gone() is not None  # the young collections do not reach it
    return gone


def test_full_collections_never_start_on_their_own_while_it_runs() -> None:
    before = gc.get_threshold()
    collector = Collector(Clock())
    collector.start()
    try:
        assert gc.get_threshold()[:2] == before[:2]
        assert gc.get_threshold()[2] == OUT_OF_REACH
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_a_due_collection_waits_for_a_quiet_moment_but_not_for_ever() -> None:
    clock = Clock()
    collector = Collector(clock)
    collector.start()
    try:
        gone = cyclic_garbage()
        clock.now += SWEEP_SECONDS - 1
        assert not collector.after_tick(last_input=0.0)  # not due yet
        assert gone() is not None
        clock.now += 2
        typed = clock.now - QUIET_SECONDS / 2
        assert not collector.after_tick(last_input=typed)  # due, but someone is typing
        assert gone() is not None
        assert collector.after_tick(last_input=clock.now - QUIET_SECONDS)  # quiet: now
        assert gone() is None and collector.sweeps == 1
        assert not collector.after_tick(last_input=0.0)  # once, not at every tick
        # A desk that is never quiet still gives memory back once it is long overdue.
        clock.now += SWEEP_SECONDS + LATEST_SECONDS - 1
        assert not collector.after_tick(last_input=clock.now)
        clock.now += 1
        assert collector.after_tick(last_input=clock.now)
    finally:
        collector.stop()


def test_the_lock_makes_a_collection_due_at_once() -> None:
    clock = Clock()
    collector = Collector(clock)
    collector.start()
    try:
        collector.hold()
        assert gc.get_freeze_count() > 0
        collector.release()
        assert gc.get_freeze_count() == 0
        assert collector.after_tick(last_input=clock.now - QUIET_SECONDS)
    finally:
        collector.stop()


@run_async
async def test_the_app_collects_after_its_tick_and_gives_the_collector_back(
        tmp_path: Path) -> None:
    before = gc.get_threshold()
    store = Store.create(tmp_path / "home", PASSPHRASE, member="Ada Example")
    incidents.capture(store, "Rude remark at lunch")
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert gc.get_threshold()[2] == OUT_OF_REACH
        gone = cyclic_garbage()
        app._last_input -= QUIET_SECONDS
        app.collector._last_sweep -= SWEEP_SECONDS
        app._tick()
        assert gone() is None and app.collector.sweeps == 1
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
