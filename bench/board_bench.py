"""Keeping up at conference scale: ``python -m bench.board_bench``.

With 10,000 fictional reports (the demo's) in the app, headless at 120x36, the
clock frozen so every run ticks over the same rows:

1. A clock tick. Timed: the board screen's whole tick (``BoardScreen.tick``:
   the rows, the table, the header's counts) and, of it, the board's own part
   (``BoardView.rows`` + ``BoardTable.show_rows``). A minute of ticks at the
   app's cadence (``TICK_SECONDS``, one second): the ones where few texts change,
   and the one where every age turns over at once (the demo's reports were all
   taken on the same second of a minute, so that happens once a minute; with real
   reports it is spread out).
   Baseline in the same run and the same app: the old tick, every row's clock
   cells worked out again and every row compared with the one shown. Then the
   same with 10,000 reports taken at random seconds over 20 hours (in memory):
   each tick rewrites the rows whose minute turned over meanwhile; and what the
   cycle collector's full collection costs then (the app runs it after a tick,
   once a minute, when nobody is typing: :mod:`careterm.tui.collector`).
2. One arrival (a report written by another store instance, read by the app):
   the time on the app's thread from the re-read snapshot to the board updated
   (``CaretermApp._show_snapshot``): a new report, a report acknowledged
   elsewhere (its row moves) and a report closed elsewhere (its row goes).
   Baseline: the old-style full redraw, every report filtered, sorted, worked
   out and compared (``BoardScreen.redraw(None)``).
3. The repaint after a change: Textual rendering the table's visible rows again,
   timed right after the update (it depends on the terminal's size; after rows
   moved, also on the number of rows: Textual works out every row's line again).
4. Two laptops with those 10,000 reports on one shared folder, the app on one,
   the other writing in another process: from the moment the other laptop's
   segment file is linked into place in the shared folder until the new row
   is in the app's board, both ways. Baseline: the watcher off and sync on the
   old fixed 5 s timer.

Key derivation is excluded (stores are opened with their data key). Figures
vary with the machine: run it twice and read the medians.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from textual.geometry import Region

from careterm.actions import demo, incidents
from careterm.core import clock, related
from careterm.core.triage import board_counts
from careterm.store.crypto import KeyEnvelope
from careterm.store.store import Store, read_envelope
from careterm.team import sync as team_sync
from careterm.tui.app import TICK_SECONDS, CaretermApp
from careterm.tui.collector import QUIET_SECONDS
from careterm.tui.screens.board_screen import BoardScreen
from careterm.tui.screens.incident_screen import IncidentScreen
from careterm.tui.widgets.board_table import BoardTable
from careterm.views.board import ack_cell, age_cell
from careterm.views.detail import related_text

SIZE = (120, 36)
REPORTS = 10_000
TICKS = int(60 / TICK_SECONDS)
"""A minute of ticks at the app's cadence."""
PASSPHRASE = "bench passphrase, never used for real data"
LATENCY_SAMPLES = 7
ARRIVALS = 5
"""Arrivals of each kind timed in part 2."""
BASELINE_SAMPLES = 3
OLD_SYNC_SECONDS = 5.0
"""The fixed sync timer before the watcher (a report from another laptop waited for it)."""


# ------------------------------------------------------------------ helpers


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def replaced(target: Any, name: str, make: Callable[[Callable[..., Any]], Any]
             ) -> Iterator[None]:
    """``target.name`` replaced by ``make(the current one)`` while inside."""
    own = vars(target)
    had, before = name in own, own.get(name)
    setattr(target, name, make(getattr(target, name)))
    try:
        yield
    finally:
        if had:
            setattr(target, name, before)
        else:
            delattr(target, name)  # the class's method shows through again


def timing(target: Any, name: str, into: list[float]) -> Any:
    """Add the duration of every call of ``target.name`` to ``into`` while inside."""

    def make(real: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                into.append(time.perf_counter() - started)
        return timed

    return replaced(target, name, make)


def after(target: Any, name: str, then: Callable[[], object]) -> Any:
    """Run ``then()`` right after every call of ``target.name`` while inside."""

    def make(real: Callable[..., Any]) -> Callable[..., Any]:
        def followed(*args: Any, **kwargs: Any) -> Any:
            try:
                return real(*args, **kwargs)
            finally:
                then()
        return followed

    return replaced(target, name, make)


def make_home(folder: Path) -> tuple[Path, bytes]:
    """An encrypted store with the demo's 10,000 reports, all taken by Ada (a laptop's
    changes must be its own member's to be shared); returns (home, data key)."""
    home = folder / "ada"
    store = Store.create(home, PASSPHRASE, member="Ada Example", team="Example Con CARE",
                         limits="test-only-min")
    demo.seed_demo(store, REPORTS)
    store.close()
    envelope: KeyEnvelope = read_envelope(home)
    return home, envelope.unwrap(PASSPHRASE)


async def board_of(app: CaretermApp, pilot: Any) -> tuple[BoardScreen, BoardTable]:
    """Wait until the board is filled and the start-up reads are done."""
    while True:
        await pilot.pause()
        tables = app.screen.query(BoardTable)
        if tables and tables.first().row_count:
            break
    await app.workers.wait_for_complete()
    await pilot.pause(0.3)
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.board is not None
    return app.board, app.board.table


def spread_store(start: datetime) -> Store:
    """10,000 reports in memory taken at random seconds over the 20 hours before
    ``start`` (as at a conference), in every urgency, two in three acknowledged at
    random moments since (so their review clocks are spread out too)."""
    rng = random.Random(5)
    store = Store.in_memory(member="Ada Example", team="Example Con CARE", tag="SP")
    when = sorted(rng.uniform(0, 20 * 3600) for _ in range(REPORTS))
    # Written in one go at the first report's moment (the clock, and so the changes'
    # stamps, then move forward with the acknowledgements below, as on a real laptop).
    clock.freeze(start - timedelta(seconds=when[-1] + 1))

    def take(maker: Any) -> None:
        for n, seconds in enumerate(reversed(when)):
            data = incidents.prepare_capture(
                f"Spread report {n}", urgency=rng.choice(("critical", "high", "medium", "low")),
                where="Room Zeta").data
            maker.add(maker.new_incident_id(), "set", {
                **data, "created_by": store.member,
                "created_at": (start - timedelta(seconds=seconds)).isoformat()})

    store.transact(take)  # each report at its own random moment, in one write

    # Two in three acknowledged, each a while after it was taken (acknowledgements
    # spread over the hours like the reports, in 1,000 batches of a moment each).
    acks = sorted((incident.created_at + (start - incident.created_at) * rng.random(), inc_id)
                  for inc_id, incident in store.incidents().items() if rng.random() < 2 / 3)
    size = max(1, len(acks) // 1000 + 1)
    for batch in range(0, len(acks), size):
        chunk = acks[batch:batch + size]
        if not chunk:
            continue
        clock.freeze(max(moment for moment, _ in chunk))

        def acknowledge(maker: Any, chunk: list[tuple[datetime, str]] = chunk) -> None:
            for _, inc_id in chunk:
                maker.add(inc_id, "ack", {"via": "in-person"})
                maker.add(inc_id, "set", {"status": "acknowledged"})

        store.transact(acknowledge)
    clock.freeze(start)
    return store


async def spread_ticks() -> list[str]:
    """Ticks 5 s apart over a minute with reports taken at spread-out seconds."""
    start = clock.now()
    store = spread_store(start)
    frozen = clock.freeze(start)
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600,
                      refresh_seconds=3600, sync_seconds=3600)
    figures: list[tuple[float, float, int]] = []
    async with app.run_test(size=SIZE) as pilot:
        board, table = await board_of(app, pilot)
        for _ in range(TICKS):
            frozen.advance(seconds=TICK_SECONDS)
            share: list[float] = []
            whole: list[float] = []
            # The app's own tick (the board's, then the collector's turn after it).
            with timing(board.view, "rows", share), timing(table, "show_rows", share), \
                    timing(board, "tick", whole):
                app._tick()
            changes = getattr(table._given, "changes", None)
            figures.append((sum(whole), sum(share), len(changes.rows) if changes else 0))
            await pilot.pause()
        shown = table.row_count
        # The full collection the app runs after a tick once a minute, when nobody typed
        # for a moment (careterm.tui.collector): what it costs with every row rebuilt.
        started = time.perf_counter()
        gc.collect()
        sweep = time.perf_counter() - started
    store.close()
    clock.set_clock(None)
    return [f"  clock tick every {TICK_SECONDS:g} s with {REPORTS:,} reports taken at "
            f"spread-out seconds over 20 hours ({shown:,} open; median "
            f"{median([f[2] for f in figures]):.0f}, max {max(f[2] for f in figures)} rows "
            "rewritten per tick):",
            f"    whole board screen      {ms(median([f[0] for f in figures]))} median, "
            f"{ms(max(f[0] for f in figures)).strip()} max",
            f"    of which rows + table   {ms(median([f[1] for f in figures]))} median, "
            f"{ms(max(f[1] for f in figures)).strip()} max",
            f"    the cycle collector's full collection, after a tick once a minute when "
            f"nobody typed for {QUIET_SECONDS:g} s: {ms(sweep).strip()}"]


def old_tick(board: BoardScreen, app: CaretermApp) -> None:
    """The tick as it was: every row's clock cells worked out, every row compared."""
    incidents_, now, target = app.incidents, clock.now(), app.team_settings
    rows = [replace(r, ack=ack_cell(incidents_[r.id], now, target),
                    age=age_cell(incidents_[r.id], now))
            for r in board.table._given]
    board.table.show_rows(rows)
    everything = list(incidents_.values())
    board_counts(everything)
    board_counts(everything)


def repaint(table: BoardTable) -> float:
    """Render the visible rows again (what Textual does on the next frame)."""
    started = time.perf_counter()
    table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return time.perf_counter() - started


# ------------------------------------------------------------------ parts 1 to 3


async def board_figures(home: Path, key: bytes) -> list[str]:
    """Ticks, arrivals and repaints at 10,000 reports, with their baselines."""
    store = Store.open_with_key(home, key)
    frozen = clock.freeze(clock.now())
    app = CaretermApp(store=store, cursor_blink=False, tick_seconds=3600,
                      refresh_seconds=3600, sync_seconds=3600)
    lines: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        board, table = await board_of(app, pilot)
        shown = table.row_count
        lines.append(f"Board at {REPORTS:,} reports ({shown:,} open on the board), "
                     f"{SIZE[0]}x{SIZE[1]}:")
        # 1. Ticks.
        ticks: list[tuple[float, float, int, int, float]] = []
        for _ in range(TICKS):
            frozen.advance(seconds=TICK_SECONDS)
            share: list[float] = []
            with timing(board.view, "rows", share), timing(table, "show_rows", share):
                started = time.perf_counter()
                board.tick()
                whole = time.perf_counter() - started
            changes = getattr(table._given, "changes", None)
            rewritten = len(changes.rows) if changes is not None else shown
            ticks.append((whole, sum(share), board.view.worked_out, rewritten, repaint(table)))
            await pilot.pause()
        few = [t for t in ticks if t[3] <= shown // 100]
        turnover = max(ticks, key=lambda t: t[3])
        olds: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            old_tick(board, app)
            olds.append(time.perf_counter() - started)
            await pilot.pause()
        board.redraw(set())  # back to the kept rows
        lines.append(f"  clock tick, few texts change ({len(few)} of {TICKS} ticks, median "
                     f"{median([t[3] for t in few]):.0f} rows rewritten):")
        lines.append(f"    whole board screen      {ms(median([t[0] for t in few]))}")
        lines.append(f"    of which rows + table   {ms(median([t[1] for t in few]))}")
        lines.append(f"  clock tick at the minute every age turns over ({turnover[3]:,} rows "
                     f"rewritten):")
        lines.append(f"    whole board screen      {ms(turnover[0])}")
        lines.append(f"    of which rows + table   {ms(turnover[1])}")
        lines.append(f"    then Textual repaints the visible rows {ms(turnover[4]).strip()}")
        lines.append(f"  baseline, the old tick (every row worked out and compared), "
                     f"median of 5: {ms(median(olds)).strip()}")
        # 2. Arrivals, written by another store instance (another careterm on this laptop).
        other = Store.open_with_key(home, key)
        gc.freeze()  # its objects would be in that other process: keep them out of the
        #              app's garbage collections (the app freezes its own snapshot)
        open_ids = [row.id for row in table._given]
        unacked = [row.id for row in table._given if row.ack.level.value != "acknowledged"
                   and row.urgency != "critical"][:ARRIVALS]
        cases: list[tuple[str, Callable[[int], str]]] = [
            ("a new report", lambda n: incidents.capture(
                other, f"Arrived from the other careterm ({n})", urgency="high",
                where="Room Zeta").id),
            ("a report acknowledged elsewhere (its row moves)",
             lambda n: (incidents.acknowledge(other, unacked[n], "phone"), unacked[n])[1]),
            ("a report closed elsewhere (its row goes)",
             lambda n: (incidents.change_status(other, open_ids[-1 - n], "closed",
                                                reason="bench: closed elsewhere"),
                        open_ids[-1 - n])[1]),
        ]
        for label, write in cases:
            samples: list[tuple[float, float, float]] = []
            for n in range(ARRIVALS):
                spent: list[float] = []
                share = []
                painted: list[float] = []
                before = table._given

                def paint(into: list[float] = painted) -> None:
                    into.append(repaint(table))

                with timing(app, "_show_snapshot", spent), timing(board.view, "rows", share), \
                        timing(table, "show_rows", share), after(app, "_show_snapshot", paint):
                    write(n)
                    app.refresh_now()
                    while table._given is before:
                        await pilot.pause(0.001)
                await app.workers.wait_for_complete()
                await pilot.pause(0.05)
                samples.append((sum(spent), sum(share), sum(painted)))
            lines.append(f"  arrival of {label} (median, max of {ARRIVALS}):")
            lines.append(f"    snapshot to board       {ms(median([t[0] for t in samples]))}, "
                         f"{ms(max(t[0] for t in samples)).strip()}")
            lines.append(f"    of which rows + table   {ms(median([t[1] for t in samples]))}, "
                         f"{ms(max(t[1] for t in samples)).strip()}")
            lines.append(f"    then Textual repaints the visible rows "
                         f"{ms(median([t[2] for t in samples])).strip()}")
        fulls: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            board.redraw(None)
            fulls.append(time.perf_counter() - started)
            await pilot.pause()
        lines.append(f"  baseline, the old-style full redraw (every report filtered, "
                     f"sorted, worked out, compared), median of 5: {ms(median(fulls)).strip()}")
        lines += await incident_view_figures(app, pilot, open_ids[0])
        other.close()
    store.close()
    clock.set_clock(None)
    return lines


async def incident_view_figures(app: CaretermApp, pilot: Any, inc_id: str) -> list[str]:
    """The incident view of one report, drawn again each second (its clock tick)."""
    app.open_incident(inc_id)
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, IncidentScreen), screen
    ticks: list[float] = []
    for _ in range(10):
        started = time.perf_counter()
        screen.tick()
        ticks.append(time.perf_counter() - started)
        await pilot.pause()
    olds: list[float] = []
    # What each tick did before: every report's names read again, nothing remembered.
    with replaced(related, "name_words", lambda memo: memo.__wrapped__), \
            replaced(related, "_names_in", lambda memo: memo.__wrapped__):
        for _ in range(5):
            started = time.perf_counter()
            related_text(app.incidents[inc_id], app.incidents)
            olds.append(time.perf_counter() - started)
    screen.dismiss()
    await pilot.pause()
    return [f"  the incident view of one report, drawn again at each tick (median of 10): "
            f"{ms(median(ticks)).strip()}",
            f"  baseline, its related reports found again by reading every report's names "
            f"(each tick before), median of 5: {ms(median(olds)).strip()}"]


# ------------------------------------------------------------------ part 4


WRITER = r"""
import sys, time
from pathlib import Path
from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import sync
import careterm.team.sync as sync_module

landed = []
real_create = sync_module.create_new

def create_new(path, data, **kwargs):
    real_create(path, data, **kwargs)
    if str(path).endswith(".seg"):
        landed.append(time.perf_counter())

sync_module.create_new = create_new
store = Store.open_with_key(Path(sys.argv[1]), bytes.fromhex(sys.argv[2]))
sync.sync(store)
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() != "go":
        break
    landed.clear()
    inc_id = incidents.capture(store, "Arrived from the other laptop", urgency="high",
                               where="Hallway near Track 2").id
    sync.sync(store)
    print(inc_id, landed[-1] if landed else -1, flush=True)
store.close()
"""


def team_of_two(folder: Path, home: Path, key: bytes) -> dict[str, tuple[Path, bytes]]:
    """Ada (10,000 reports) sets up a shared folder, Bo joins; both synced."""
    os.environ["CARETERM_KDF_LIMITS"] = "test-only-min"
    ada = Store.open_with_key(home, key)
    shared = folder / "shared"
    team_sync.init_shared(ada, shared)
    team_sync.sync(ada)
    ada.close()
    bo = team_sync.join(folder / "bo", shared, "Bo Sample", PASSPHRASE)
    report = team_sync.sync(bo)
    assert len(bo.incidents()) >= REPORTS and not report.skipped, report.lines()
    bo.close()
    return {"Ada": (home, key),
            "Bo": (folder / "bo", read_envelope(folder / "bo").unwrap(PASSPHRASE))}


async def landing_to_board(app_side: tuple[Path, bytes], writer_side: tuple[Path, bytes],
                           samples: int, **timers: float) -> list[tuple[float, float]]:
    """Per report: seconds from the writer's segment landing to the row on the app's
    board, and of it the seconds the app spent syncing (its ``team.sync.sync``)."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(writer_side[0]),
                               writer_side[1].hex()],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "CARETERM_KDF_LIMITS": "test-only-min"})
    assert writer.stdin is not None and writer.stdout is not None
    store = Store.open_with_key(*app_side)
    app = CaretermApp(store=store, cursor_blink=False, **timers)
    figures: list[tuple[float, float]] = []
    syncing: list[float] = []
    # The moment the row is in the board is noted by the app's own update (no polling:
    # a loop asking the app every few milliseconds would slow what it measures).
    waiting: dict[str, Any] = {}

    def shown() -> None:
        if waiting and app.board is not None and app.board.table.row_count != waiting["count"]:
            waiting.setdefault("at", time.perf_counter())
            waiting["event"].set()

    try:
        with timing(team_sync, "sync", syncing), after(CaretermApp, "_show_snapshot", shown):
            async with app.run_test(size=SIZE) as pilot:
                _, table = await board_of(app, pilot)
                ready = await asyncio.to_thread(writer.stdout.readline)
                assert ready.strip() == "ready", ready
                await pilot.pause(1.0)
                await app.workers.wait_for_complete()
                for _ in range(samples):
                    await pilot.pause(random.uniform(0.2, 0.6))
                    synced = len(syncing)
                    waiting.update(count=table.row_count, event=asyncio.Event())
                    waiting.pop("at", None)
                    writer.stdin.write("go\n")
                    writer.stdin.flush()
                    reply = asyncio.ensure_future(asyncio.to_thread(writer.stdout.readline))
                    await asyncio.wait_for(waiting["event"].wait(), timeout=30)
                    shown_at = waiting["at"]
                    new_id, landed = (await reply).split()
                    assert new_id in table.shown_ids
                    figures.append((shown_at - float(landed), sum(syncing[synced:])))
                    await app.workers.wait_for_complete()
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
        store.close()
    return figures


def latency_line(label: str, figures: list[tuple[float, float]]) -> str:
    seconds = [total for total, _ in figures]
    return (f"    {label}: median {ms(median(seconds)).strip()}, max "
            f"{ms(max(seconds)).strip()} ({len(seconds)} reports; of which the app's sync, "
            f"median {ms(median([spent for _, spent in figures])).strip()})")


async def latency_figures(folder: Path, home: Path, key: bytes) -> list[str]:
    laptops = team_of_two(folder, home, key)
    lines = [f"Two laptops with {REPORTS:,} reports on one shared folder, the other one "
             "writing in another process:",
             "  from its segment file linked into place to the row on the app's board:"]
    for app_side, writer_side in (("Ada", "Bo"), ("Bo", "Ada")):
        figures = await landing_to_board(laptops[app_side], laptops[writer_side],
                                         LATENCY_SAMPLES)
        lines.append(latency_line(f"{writer_side} -> {app_side}'s board", figures))
    figures = await landing_to_board(laptops["Ada"], laptops["Bo"], BASELINE_SAMPLES,
                                     refresh_seconds=3600, sync_seconds=OLD_SYNC_SECONDS)
    lines.append(latency_line(f"baseline, watcher off, sync on the old "
                              f"{OLD_SYNC_SECONDS:.0f} s timer (Bo -> Ada)", figures))
    return lines


def main() -> int:
    """Prepare the reports, run every part, print the figures."""
    os.environ.setdefault("CARETERM_KDF_LIMITS", "test-only-min")
    random.seed(11)
    with tempfile.TemporaryDirectory(prefix="careterm-bench-") as name:
        folder = Path(name)
        print(f"preparing {REPORTS:,} fictional reports …", flush=True)
        home, key = make_home(folder)
        for line in asyncio.run(board_figures(home, key)):
            print(line, flush=True)
        for line in asyncio.run(spread_ticks()):
            print(line, flush=True)
        print("preparing the shared folder …", flush=True)
        for line in asyncio.run(latency_figures(folder, home, key)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

