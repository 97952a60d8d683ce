"""Faults at the store: SIGKILL mid-save, a full or read-only disk, random corruption."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careterm.actions import incidents as actions
from careterm.errors import StorageFailed, StoreDamaged, WrongPassphrase
from careterm.store.store import KEY_FILE, STORE_FILE, Store
from tests.support import PASSPHRASE, corrupt

SUBPROCESS_ENV = {**os.environ, "CARETERM_KDF_LIMITS": "test-only-min"}
KILL_RUNS = 25

SAVING_LOOP = """
import sys
from pathlib import Path
from careterm.store.store import Store
from careterm.actions import incidents
store = Store.open(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
n = 0
while True:
    inc = incidents.capture(store, f"kill-test report {n} " + "x" * 2000).id
    incidents.add_note(store, inc, "note for " + inc)
    print(inc, flush=True)  # printed only after the save returned
    n += 1
"""


class TestKilledMidSave:
    """SIGKILL at random points never loses a report whose save had returned."""

    def test_random_kills(self, home: Path) -> None:
        rng = random.Random(20261125)
        confirmed: set[str] = set()
        for _ in range(KILL_RUNS):
            proc = subprocess.Popen([sys.executable, "-c", SAVING_LOOP, str(home), PASSPHRASE],
                                    env=SUBPROCESS_ENV, stdout=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.25))
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
            confirmed |= {line.strip() for line in out.splitlines() if line.strip()}
            store = Store.open(home, PASSPHRASE)  # always opens
            incidents = store.incidents()
            missing = confirmed - set(incidents)
            assert not missing, f"lost after SIGKILL: {sorted(missing)}"
            for inc in confirmed:
                assert incidents[inc].notes, inc
        assert len(confirmed) > KILL_RUNS  # the loop really was saving when killed
        actions.capture(Store.open(home, PASSPHRASE), "the store still works")


SYNCING_LOOP = """
import sys
from pathlib import Path
from careterm.store.store import Store
from careterm.actions import incidents
from careterm.team import sync
store = Store.open(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
n = 0
while True:
    inc = incidents.capture(store, f"sync-kill report {n}").id
    sync.sync(store)
    print(inc, flush=True)  # printed only after the save and the sync returned
    n += 1
"""


class TestKilledMidSync:
    """SIGKILL during sync: the store opens with everything, and the next sync completes."""

    def test_random_kills(self, tmp_path: Path, frozen_clock) -> None:
        from careterm.team import sync

        shared = tmp_path / "shared"
        ada_home = tmp_path / "ada"
        ada = Store.create(ada_home, PASSPHRASE, member="Ada Example")
        sync.init_shared(ada, shared)
        ada.close()
        bo = sync.join(tmp_path / "bo", shared, "Bo Sample", PASSPHRASE)
        rng = random.Random(4)
        confirmed: set[str] = set()
        for _ in range(KILL_RUNS):
            proc = subprocess.Popen([sys.executable, "-c", SYNCING_LOOP, str(ada_home),
                                     PASSPHRASE], env=SUBPROCESS_ENV, stdout=subprocess.PIPE,
                                    text=True)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
            confirmed |= {line.strip() for line in out.splitlines() if line.strip()}
            store = Store.open(ada_home, PASSPHRASE)
            assert not confirmed - set(store.incidents())
            report = sync.sync(store)  # the next sync completes
            assert not report.skipped and not report.warnings, report.lines()
            store.close()
        sync.sync(bo)
        assert not confirmed - set(bo.incidents())
        assert len(confirmed) > KILL_RUNS // 2


class TestDiskRefuses:
    """A full or read-only disk gives a clear message and loses nothing."""

    @pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
    @pytest.mark.parametrize("fails", ["open", "write"])
    def test_write_fails_cleanly(self, home: Path, monkeypatch, code: int, fails: str) -> None:
        store = Store.open(home, PASSPHRASE)
        kept = actions.capture(store, "saved before the disk filled").id
        files = {p: p.read_bytes() for p in home.iterdir() if p.is_file()}
        real = getattr(os, fails)

        def refusing(*args, **kwargs):
            if fails == "write" or str(args[0]).endswith((".tmp", ".journal")):
                raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        monkeypatch.setattr(os, fails, refusing)
        with pytest.raises(StorageFailed, match=os.strerror(code)) as caught:
            actions.capture(store, "written while the disk is full")
        assert "nothing was changed" in str(caught.value)
        monkeypatch.setattr(os, fails, real)
        for path, data in files.items():
            if path.name != "lock":
                assert path.read_bytes() == data, path.name
        assert not list(home.glob("*.tmp")) and not list(home.glob(".*.tmp"))
        # Retrying once the disk has room works, and nothing was lost.
        retried = actions.capture(store, "written while the disk is full").id
        assert {kept, retried} <= set(Store.open(home, PASSPHRASE).incidents())


class TestRandomCorruption:
    """Any corruption gives a clear error, never a traceback or an overwrite."""

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_store_file(self, home: Path, data: st.DataObject) -> None:
        store = Store.open(home, PASSPHRASE)
        if not store.incidents():
            actions.capture(store, "a report to corrupt")
        path = home / STORE_FILE
        original = path.read_bytes()
        damaged = corrupt(original, data)
        path.write_bytes(damaged)
        try:
            with pytest.raises(StoreDamaged):
                Store.open(home, PASSPHRASE)
            assert path.read_bytes() == damaged
        finally:
            path.write_bytes(original)

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_key_file(self, home: Path, data: st.DataObject) -> None:
        path = home / KEY_FILE
        original = path.read_bytes()
        damaged = corrupt(original, data)
        assert damaged != original  # every kind of damage changes the bytes
        path.write_bytes(damaged)
        try:
            try:
                Store.open(home, PASSPHRASE).close()
            except StoreDamaged as exc:
                assert str(exc).startswith(f"{path} is damaged or has been tampered with")
                assert "\n" not in str(exc)
                assert path.read_bytes() == damaged  # refused, and left as it is
            except WrongPassphrase as exc:
                assert str(exc) == str(WrongPassphrase())
                assert path.read_bytes() == damaged
            else:
                # It opened: only damage that leaves what the file says unchanged may
                # (JSON layout: a space turned into a tab). Base64 is read in its one
                # canonical spelling, so no other change to the bytes opens it.
                assert json.loads(damaged) == json.loads(original)
        finally:
            path.write_bytes(original)


