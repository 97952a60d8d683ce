"""Board startup and live-update benchmark: ``python -m bench.startup``.

1. Launch → board with 2,000 reports painted, next to a bare Textual app that
   shows a plain DataTable of the same rows, in the same run (alternating,
   median of several rounds). Key derivation is excluded: careterm opens the
   store with the already unwrapped data key (``Store.open_with_key``), which
   still decrypts and folds the whole store; the bare app gets its rows as
   ready-made strings. Goal (issue 3): at most 1.3x the bare table.
2. With 10,000 reports on the board: the time from "another careterm wrote
   one new report" until it is on the board (re-read, decrypt, fold, redraw),
   and the board's own share of that (the redraw), plus one clock tick.

Both apps run headless (``App.run_test``) at 120x36; "painted" means the
table holds every row and the screen has been rendered once after that. Each
launch starts after a full garbage collection, as a fresh process would:
otherwise what earlier rounds left behind is collected during whichever launch
comes next, and the ratio depends on the order of the rounds.

Part 2 is measured in more detail, with baselines, by ``python -m bench.board_bench``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from careterm.actions import demo, incidents
from careterm.core import clock
from careterm.store.crypto import KeyEnvelope
from careterm.store.store import Store, read_envelope
from careterm.tui.app import CaretermApp
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.board import COLUMNS, board_rows

SIZE = (120, 36)
ROUNDS = 5
PASSPHRASE = "bench passphrase, never used for real data"


class BareTableApp(App[None]):
    """A plain DataTable of the same rows: the yardstick."""

    def __init__(self, rows: list[tuple[str, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        """Just the table."""
        yield DataTable()

    def on_mount(self) -> None:
        """Fill it."""
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(self.rows)


def make_home(folder: Path, count: int) -> tuple[Path, bytes]:
    """An encrypted store with ``count`` demo reports; returns (home, data key)."""
    home = folder / f"home-{count}"
    store = Store.create(home, PASSPHRASE, member="Ada Example", team="Example Con CARE",
                         limits="test-only-min")
    demo.seed_demo(store, count, members=demo.DEMO_MEMBERS)
    store.close()
    envelope: KeyEnvelope = read_envelope(home)
    return home, envelope.unwrap(PASSPHRASE)


async def time_careterm(home: Path, key: bytes, expected: int,
                        opened: Store | None = None) -> float:
    """Launch (store opened with the key) → board painted with every row.

    With ``opened`` the store is already open: that times the app alone.
    """
    gc.collect()  # each launch starts as a fresh process would: no garbage of earlier ones
    started = time.perf_counter()
    store = opened or Store.open_with_key(home, key)
    app = CaretermApp(store=store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        while True:
            await pilot.pause()
            tables = app.screen.query(BoardTable)
            if tables and tables.first().row_count == expected:
                break
        await pilot.pause()
        elapsed = time.perf_counter() - started
    if opened is None:
        store.close()
    return elapsed


def time_open(home: Path, key: bytes) -> float:
    """Decrypt and fold the store (what careterm does before it can draw anything)."""
    started = time.perf_counter()
    Store.open_with_key(home, key).close()
    return time.perf_counter() - started


async def time_bare(rows: list[tuple[str, ...]]) -> float:
    """Launch → plain DataTable painted with every row."""
    gc.collect()
    started = time.perf_counter()
    app = BareTableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        while app.query_one(DataTable).row_count != len(rows):
            await pilot.pause()
        await pilot.pause()
        elapsed = time.perf_counter() - started
    return elapsed


async def time_new_report(home: Path, key: bytes) -> dict[str, float]:
    """With 10,000 on the board: one report written by another store instance appears."""
    store = Store.open_with_key(home, key)
    app = CaretermApp(store=store, cursor_blink=False, refresh_seconds=3600,
                      tick_seconds=3600)
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        table = None
        while table is None or table.row_count == 0:
            await pilot.pause()
            found = app.screen.query(BoardTable)
            table = found.first() if found else None
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.board
        assert board is not None
        other = Store.open_with_key(home, key)
        new_id = incidents.capture(other, "One more report, from another laptop",
                                   urgency="critical").id
        started = time.perf_counter()
        app.refresh_now()
        while new_id not in table.shown_ids:
            await pilot.pause(0.001)
        await pilot.pause()
        figures["arrival_total"] = time.perf_counter() - started
        # The board's share: redraw for one changed report, and one clock tick.
        redraws, ticks = [], []
        for _ in range(5):
            started = time.perf_counter()
            board.redraw({new_id})
            redraws.append(time.perf_counter() - started)
            started = time.perf_counter()
            board.tick()
            ticks.append(time.perf_counter() - started)
        figures["redraw_one_changed"] = statistics.median(redraws)
        figures["tick"] = statistics.median(ticks)
        other.close()
    store.close()
    return figures


def main() -> int:
    """Run both measurements and print the figures."""
    os.environ.setdefault("CARETERM_KDF_LIMITS", "test-only-min")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        print("preparing 2,000 and 10,000 fictional reports …", flush=True)
        home_2k, key_2k = make_home(folder, 2000)
        home_10k, key_10k = make_home(folder, 10_000)
        probe = Store.open_with_key(home_2k, key_2k)
        rows = [row.cells() for row in board_rows(probe.incidents().values(), clock.now(),
                                                  probe.team_settings())]
        probe.close()
        expected = len(rows)

        careterm_times, bare_times, app_times, open_times = [], [], [], []
        asyncio.run(time_bare(rows))  # warm up imports and caches for both
        asyncio.run(time_careterm(home_2k, key_2k, expected))
        for _ in range(ROUNDS):
            bare_times.append(asyncio.run(time_bare(rows)))
            careterm_times.append(asyncio.run(time_careterm(home_2k, key_2k, expected)))
            open_times.append(time_open(home_2k, key_2k))
            opened = Store.open_with_key(home_2k, key_2k)
            app_times.append(asyncio.run(time_careterm(home_2k, key_2k, expected, opened)))
            opened.close()
        bare, ours = statistics.median(bare_times), statistics.median(careterm_times)
        app_only, store_open = statistics.median(app_times), statistics.median(open_times)
        print(f"\nStartup to a painted board, {expected:,} open reports (of 2,000), "
              f"median of {ROUNDS}, key derivation excluded:")
        print(f"  bare Textual DataTable : {bare * 1000:7.0f} ms")
        print(f"  careterm board         : {ours * 1000:7.0f} ms "
              "(includes decrypting and folding the store)")
        print(f"  ratio                  : {ours / bare:7.2f}x   (goal <= 1.3x)")
        print(f"    of which store open  : {store_open * 1000:7.0f} ms (decrypt + fold, core)")
        print(f"    app alone            : {app_only * 1000:7.0f} ms "
              f"(store already open) = {app_only / bare:.2f}x the bare table")

        figures = asyncio.run(time_new_report(home_10k, key_10k))
        print("\nWith 10,000 reports in the store:")
        print(f"  new report written elsewhere → on the board : "
              f"{figures['arrival_total'] * 1000:6.0f} ms (re-read + decrypt + fold + redraw)")
        print(f"  board redraw for one changed report         : "
              f"{figures['redraw_one_changed'] * 1000:6.0f} ms")
        print(f"  one clock tick (ages, escalation)           : "
              f"{figures['tick'] * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
