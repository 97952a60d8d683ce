"""What tests share: fictional people and times, CLI runners, a team of laptops on one
shared folder, byte corruption and Pilot helpers. Fixtures live in ``conftest.py``."""

from __future__ import annotations

import os

# New stores in tests use cheap Argon2id limits; every store records its own
# limits, so this never weakens a real store (see careterm.store.crypto).
os.environ.setdefault("CARETERM_KDF_LIMITS", "test-only-min")

import asyncio
import functools
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil import tz
from hypothesis import strategies as st
from rich.console import Console

from careterm.core import clock
from careterm.core.timeline import timeline_entries
from careterm.store.store import Store
from careterm.team import revoke, segments
from careterm.team import sync as team_sync

CONFERENCE_TZ = tz.gettz("Europe/Amsterdam")

FROZEN_AT = datetime(2026, 11, 25, 14, 30, tzinfo=CONFERENCE_TZ)
"""Wednesday 25 November 2026, 14:30 at the (fictional) venue."""

PASSPHRASE = "correct horse battery staple"



# ------------------------------------------------------------------ command line

def run_careterm(home: Path, *args: str | bytes, passphrase: str | None = PASSPHRASE
                 ) -> subprocess.CompletedProcess[bytes]:
    """``python -m careterm --home HOME ARGS`` in a fresh process."""
    env = {**os.environ, "CARETERM_KDF_LIMITS": "test-only-min"}
    env.pop("CARETERM_HOME", None)
    env.pop("CARETERM_PASSPHRASE", None)
    if passphrase is not None:
        env["CARETERM_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "-m", "careterm", "--home", str(home), *args],
                          capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def one_error_line(stderr: bytes | str) -> str:
    """The single stderr line of a failed command (fails the test if there is more)."""
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text
    assert text.startswith("careterm: ") and text.endswith("\n") and text.count("\n") == 1, text
    return text


@dataclass
class Result:
    code: int
    out: str
    err: str


def capture(cli, *args: str) -> str:
    result = cli("capture", *args)
    assert result.code == 0, result.err
    return result.out.strip()


def show_json(cli, inc_id: str) -> dict:
    result = cli("show", inc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)



# ------------------------------------------------------------------ a team of laptops

MEMBERS = ("Ada Example", "Bo Sample", "Cy Person", "Di Tester")


def canonical(store: Store) -> dict[str, Any]:
    """Everything a person can see of every incident, in a comparable form."""
    result = {}
    for inc_id, inc in store.incidents().items():
        result[inc_id] = {
            "fields": {name: getattr(inc, name) for name in (
                "what", "who", "when", "when_text", "where", "ongoing", "contact", "reporter",
                "source", "urgency", "status", "created_at", "created_by",
                "acknowledged_at", "acknowledged_by", "acknowledged_via")},
            "marks": inc.marks, "support": inc.support, "extra": inc.extra,
            "notes": [(n.author, n.at, n.text) for n in inc.notes],
            "history": {k: [(v.value, v.by) for v in vs] for k, vs in inc.history.items()},
            "timeline": [(e["by"], e["kind"], e["text"]) for e in timeline_entries(inc)],
        }
    return result


class Team:
    """Laptops of one team sharing a folder, each with its own home and clock offset."""

    def __init__(self, root: Path, frozen: clock.FrozenClock) -> None:
        self.root = root
        self.shared = root / "shared"
        self.frozen = frozen
        self.laptops: list[Store] = []
        self.skew: dict[int, timedelta] = {}

    def add(self, member: str | None = None) -> Store:
        """A new laptop: the first one sets the folder up, the others join."""
        n = len(self.laptops)
        member = member or MEMBERS[n]
        home = self.root / f"home{n}"
        if n == 0:
            laptop = Store.create(home, PASSPHRASE, member=member, team="Example Con CARE")
            team_sync.init_shared(laptop, self.shared)
        else:
            laptop = team_sync.join(home, self.shared, member, PASSPHRASE)
        self.laptops.append(laptop)
        return laptop

    def on(self, n: int, action: Callable[[Store], Any]) -> Any:
        """Run ``action`` on laptop ``n`` with that laptop's clock (skewed or not)."""
        offset = self.skew.get(n, timedelta(0))
        clock.set_clock(lambda: self.frozen.at + offset)
        try:
            return action(self.laptops[n])
        finally:
            clock.set_clock(self.frozen)

    def sync(self, n: int) -> team_sync.SyncReport:
        """Sync laptop ``n``."""
        return self.on(n, team_sync.sync)

    def sync_all(self, rounds: int = 2) -> None:
        """Sync every laptop, twice round, so everyone has everything."""
        for _ in range(rounds):
            for n in range(len(self.laptops)):
                self.sync(n)

    def close(self) -> None:
        for laptop in self.laptops:
            laptop.close()



# ------------------------------------------------------------------ damage

def corrupt(original: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["flip", "truncate", "garbage", "splice"]))
    blob = bytearray(original)
    if how == "flip":
        index = data.draw(st.integers(0, len(blob) - 1))
        blob[index] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif how == "garbage":
        blob = bytearray(data.draw(st.binary(max_size=200)))
    else:
        index = data.draw(st.integers(0, len(blob)))
        blob[index:index] = data.draw(st.binary(min_size=1, max_size=20))
    return bytes(blob)



# ------------------------------------------------------------------ Pilot



def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test with asyncio (no pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


sync = run_async
"""The same decorator under the name some test modules use."""


async def settle(pilot: Any, app: Any) -> None:
    """Let pending messages and workers finish, so the screen shows their result."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for(pilot: Any, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (timers, debounced saves), or fail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {condition}")
        await pilot.pause(0.05)


# ------------------------------------------------------------------ shared-folder tests

NEW_PASSPHRASE = "a new passphrase after Cy left"
"""What the revoking laptop sets when Cy's laptop is removed."""


def remove_cy(team: Team) -> revoke.RevokeResult:
    return team.on(0, lambda ada: revoke.revoke(ada, team.laptops[2].device_tag,
                                                NEW_PASSPHRASE))


def device_dir(team: Team, n: int) -> Path:
    return team.shared / segments.DEVICES_DIR / team.laptops[n].device_id


def folder_files(team: Team) -> dict[str, bytes]:
    return {str(p.relative_to(team.shared)): p.read_bytes()
            for p in team.shared.rglob("*") if p.is_file()}


def within(seconds: float, call: Callable[[], Any], fifo: Path | None = None) -> Any:
    """``call()``'s result, or the exception it raised; fails the test if it takes longer
    than ``seconds`` (then opens ``fifo`` for writing, so a read stuck on it ends)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            thread.join(seconds)
        pytest.fail(f"still running after {seconds} s (blocked on a read?)")
    return outcome[0]


def plain(renderable: Any) -> str:
    """What a Rich renderable shows, as plain text (wide enough that nothing wraps)."""
    console = Console(width=500, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())
