"""Sync benchmark: ``python -m bench.sync_bench``.

Part 1 (in one process, key derivation excluded: the key is derived once per
unlock, before any sync): 5 laptops x 2,000 reports with a note each publish
to a shared folder; then a fresh laptop joins and we time

* its first full sync (reads every laptop's files),
* a sync after one other laptop added one note,
* a sync with nothing new,

with the bytes of the shared folder each one read.

Part 2 (subprocesses, Argon2id at careterm's MODERATE limits, so key
derivation included): two laptops with 2,000 reports each, 1,500 edits
between them since their last sync (notes and field edits, some on the same
reports); we time the whole ``careterm sync`` command on each.

Goals (issue 4): first full sync < 1 s, one-change and no-change < 50 ms,
whole command < 1 s.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from careterm.actions import incidents
from careterm.store.store import Store
from careterm.team import sync

PASSPHRASE = "bench horse battery staple"
DEVICES = 5
REPORTS = 2_000
EDITS = 1_500
PLACES = ("Room Zeta", "Hall Omega", "Foyer", "Track B", "Sponsor area")
MEMBERS = ("Ada Example", "Bo Sample", "Cy Person", "Di Tester", "Ed Placeholder", "Fay Demo")


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _fill(store: Store, count: int, rng: random.Random, label: str) -> list[str]:
    """``count`` reports, each with one note, in two store writes."""
    rows = [incidents.prepare_capture(
        f"{label} report {n}: someone was made to feel unwelcome near {rng.choice(PLACES)}",
        who="a fictional attendee", where=rng.choice(PLACES),
        urgency=rng.choice(("high", "medium", "low")), when="10 min ago")
        for n in range(count)]
    made = incidents.capture_many(store, rows)

    def notes(maker: Any) -> None:
        for inc_id in made:
            maker.add(inc_id, "note", {"text": f"Spoke with the reporter about {inc_id}; "
                                               "they would like a follow-up tomorrow."})

    store.transact(notes)
    return made


def _figure(name: str, seconds: float, goal: float, extra: str = "") -> str:
    verdict = "ok" if seconds < goal else "OVER GOAL"
    return f"  {name:<34} {seconds * 1000:8.1f} ms  (goal < {goal * 1000:.0f} ms, {verdict}){extra}"


class _StoreTimer:
    """Measures the time a store spends in ``add_foreign`` (storing and folding)."""

    def __init__(self, store: Store) -> None:
        self.seconds = 0.0
        self._inner = store.add_foreign
        store.add_foreign = self  # type: ignore[method-assign]

    def __call__(self, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        start = time.perf_counter()
        try:
            return self._inner(changes)
        finally:
            self.seconds += time.perf_counter() - start


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def part_one(root: Path, repeat: int = 3) -> list[str]:
    """Five laptops, then fresh ones: first, one-change and no-change syncs."""
    os.environ["CARETERM_KDF_LIMITS"] = "test-only-min"  # setup only; not timed
    rng = random.Random(4)
    shared = root / "shared"
    first = Store.create(root / "laptop0", PASSPHRASE, member=MEMBERS[0], team="Example Con")
    sync.init_shared(first, shared)
    laptops = [first] + [sync.join(root / f"laptop{i}", shared, MEMBERS[i], PASSPHRASE)
                         for i in range(1, DEVICES)]
    for i, laptop in enumerate(laptops):
        _fill(laptop, REPORTS, rng, f"L{i}")
        sync.sync(laptop)
    lines = [f"Part 1: {DEVICES} laptops x {REPORTS:,} reports with a note each "
             f"({DEVICES * REPORTS * 2:,} changes); key derivation excluded; "
             f"median of {repeat} runs"]

    def measure(name: str, goal: float, runs: list[tuple[float, sync.SyncReport, float]]
                ) -> None:
        seconds = _median([r[0] for r in runs])
        report = runs[0][1]
        store_share = _median([r[2] for r in runs])
        lines.append(_figure(name, seconds, goal,
                             f", read {report.bytes_read:,} bytes in {report.files_read} "
                             f"files; of which storing + folding in the store "
                             f"{store_share * 1000:.0f} ms"))

    fresh_runs, one_runs, none_runs = [], [], []
    for run in range(repeat):
        fresh = sync.join(root / f"fresh{run}", shared, MEMBERS[DEVICES], PASSPHRASE)
        timer = _StoreTimer(fresh)
        seconds, report = _timed(lambda fresh=fresh: sync.sync(fresh))
        assert len(fresh.incidents()) == DEVICES * REPORTS, len(fresh.incidents())
        fresh_runs.append((seconds, report, timer.seconds))
        for _ in range(2):
            some_id = rng.choice(list(laptops[2].incidents()))
            incidents.add_note(laptops[2], some_id, "One more thing the reporter remembered.")
            sync.sync(laptops[2])
            timer.seconds = 0.0
            seconds, report = _timed(lambda fresh=fresh: sync.sync(fresh))
            assert report.received_changes == 1, report.lines()
            one_runs.append((seconds, report, timer.seconds))
        for _ in range(5):
            timer.seconds = 0.0
            seconds, report = _timed(lambda fresh=fresh: sync.sync(fresh))
            assert report.received_changes == 0 and report.files_read == 0, report.lines()
            none_runs.append((seconds, report, timer.seconds))
        fresh.close()
    measure("first full sync on a fresh laptop", 1.0, fresh_runs)
    measure("sync with one new change", 0.05, one_runs)
    measure("sync with nothing new", 0.05, none_runs)
    for laptop in laptops:
        laptop.close()
    return lines


def _edit(store: Store, ids: list[str], count: int, rng: random.Random, who: str) -> None:
    """``count`` edits in one write: notes, and where/urgency changes."""

    def build(maker: Any) -> None:
        for n in range(count):
            inc_id = rng.choice(ids)
            kind = n % 3
            if kind == 0:
                maker.add(inc_id, "note", {"text": f"{who} follow-up {n}"})
            elif kind == 1:
                maker.add(inc_id, "set", {"where": rng.choice(PLACES)})
            else:
                maker.add(inc_id, "set", {"urgency": rng.choice(("high", "medium", "low"))})

    store.transact(build)


def _cli(home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if k != "CARETERM_KDF_LIMITS"}
    env["CARETERM_PASSPHRASE"] = PASSPHRASE
    command = [sys.executable, "-m", "careterm", "--home", str(home), *args]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def part_two(root: Path) -> list[str]:
    """Two laptops, 2,000 reports each, 1,500 edits between them: whole ``careterm sync``."""
    os.environ.pop("CARETERM_KDF_LIMITS", None)  # careterm's real (MODERATE) limits
    rng = random.Random(2)
    shared = root / "shared2"
    ada = Store.create(root / "ada", PASSPHRASE, member="Ada Example", team="Example Con")
    sync.init_shared(ada, shared)
    bo = sync.join(root / "bo", shared, "Bo Sample", PASSPHRASE)
    ada_ids = _fill(ada, REPORTS, rng, "A")
    bo_ids = _fill(bo, REPORTS, rng, "B")
    for laptop in (ada, bo, ada):
        sync.sync(laptop)
    every = ada_ids + bo_ids
    _edit(ada, every, EDITS // 2, rng, "Ada")
    _edit(bo, every, EDITS - EDITS // 2, rng, "Bo")
    ada.close()
    bo.close()
    lines = [f"Part 2: 2 laptops x {REPORTS:,} reports (with notes), {EDITS:,} edits between "
             "them; whole 'careterm sync' command, Argon2id MODERATE key derivation included"]
    seconds, done = _cli(root / "ada", "sync")
    lines.append(_figure("careterm sync (Ada: send 750)", seconds, 1.0) + _status(done))
    seconds, done = _cli(root / "bo", "sync")
    lines.append(_figure("careterm sync (Bo: send 750, get 750)", seconds, 1.0) + _status(done))
    seconds, done = _cli(root / "ada", "sync")
    lines.append(_figure("careterm sync (Ada: get 750)", seconds, 1.0) + _status(done))
    seconds, done = _cli(root / "ada", "sync")
    lines.append(_figure("careterm sync (nothing new)", seconds, 1.0) + _status(done))
    kdf = Store.open  # measure one key derivation alone, for scale
    start = time.perf_counter()
    kdf(root / "ada", PASSPHRASE).close()
    lines.append(f"  (of which opening the store with MODERATE Argon2id alone: "
                 f"{(time.perf_counter() - start) * 1000:.0f} ms)")
    return lines


def _status(done: subprocess.CompletedProcess[str]) -> str:
    if done.returncode != 0:
        return f"  FAILED (exit {done.returncode}): {done.stderr.strip()[-200:]}"
    return ""


def main() -> int:
    """Run both parts and print the figures."""
    with tempfile.TemporaryDirectory(prefix="careterm-bench-") as tmp:
        root = Path(tmp)
        for line in part_one(root) + part_two(root):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
