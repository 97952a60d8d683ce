"""The encrypted TinyDB storage: snapshot, journal, compaction and damage."""

from __future__ import annotations

from pathlib import Path

import pytest

import careterm.store.storage
from careterm.actions import incidents as actions
from careterm.errors import StoreDamaged
from careterm.store.storage import EncryptedStorage
from careterm.store.store import STORE_FILE, Store
from tests.support import PASSPHRASE


def journal(home: Path) -> Path:
    return home / "store.journal"


class TestJournal:
    """Saving a change appends to the journal instead of rewriting the history."""

    def test_capture_appends_and_leaves_the_snapshot(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        actions.capture(store, "first")
        snapshot = (home / STORE_FILE).read_bytes()
        size = journal(home).stat().st_size
        actions.capture(store, "second")
        assert (home / STORE_FILE).read_bytes() == snapshot
        assert journal(home).stat().st_size > size
        assert {i.what for i in Store.open(home, PASSPHRASE).incidents().values()} == {
            "first", "second"}

    def test_compaction_folds_the_journal_into_a_new_snapshot(self, home: Path,
                                                               monkeypatch) -> None:
        monkeypatch.setattr(careterm.store.storage, "COMPACT_AT", 2000)
        store = Store.open(home, PASSPHRASE)
        first_snapshot = (home / STORE_FILE).read_bytes()
        for n in range(30):
            actions.capture(store, f"report {n} " + "x" * 200)
        snapshot_size = (home / STORE_FILE).stat().st_size
        assert (home / STORE_FILE).read_bytes() != first_snapshot
        # The journal never grows much past half the snapshot before it is folded in.
        assert journal(home).stat().st_size <= max(2000, snapshot_size // 2) + 1000
        assert len(Store.open(home, PASSPHRASE).incidents()) == 30

    def test_a_stale_journal_is_ignored(self, home: Path, monkeypatch) -> None:
        store = Store.open(home, PASSPHRASE)
        actions.capture(store, "kept")
        stale = journal(home).read_bytes()
        monkeypatch.setattr(careterm.store.storage, "COMPACT_AT", -1)
        actions.capture(store, "compacted")  # a new snapshot; the journal is reset
        journal(home).write_bytes(stale)  # a crash before the reset, say
        assert {i.what for i in Store.open(home, PASSPHRASE).incidents().values()} == {
            "kept", "compacted"}

    def test_a_torn_tail_is_ignored_and_cut_off(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        actions.capture(store, "complete")
        good = journal(home).read_bytes()
        actions.capture(store, "torn")
        full = journal(home).read_bytes()
        journal(home).write_bytes(full[: len(good) + (len(full) - len(good)) // 2])
        reopened = Store.open(home, PASSPHRASE)
        assert [i.what for i in reopened.incidents().values()] == ["complete"]
        actions.capture(reopened, "after")
        assert [i.what for i in Store.open(home, PASSPHRASE).incidents().values()] == [
            "complete", "after"]

    def test_a_damaged_record_is_named_and_kept(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        actions.capture(store, "one")
        actions.capture(store, "two")
        data = bytearray(journal(home).read_bytes())
        data[-5] ^= 0x10
        journal(home).write_bytes(bytes(data))
        with pytest.raises(StoreDamaged, match="store.journal"):
            Store.open(home, PASSPHRASE)
        with pytest.raises(StoreDamaged):
            actions.capture(store, "three")
        assert journal(home).read_bytes() == bytes(data)

    def test_records_cannot_be_reordered(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        actions.capture(store, "one")
        first_end = journal(home).stat().st_size
        actions.capture(store, "two")
        raw = journal(home).read_bytes()
        header = raw[:20]
        one, two = raw[20:first_end], raw[first_end:]
        journal(home).write_bytes(header + two + one)
        with pytest.raises(StoreDamaged):
            Store.open(home, PASSPHRASE)

    def test_another_process_append_is_read_incrementally(self, home: Path) -> None:
        tui = Store.open(home, PASSPHRASE)
        cli = Store.open(home, PASSPHRASE)
        actions.capture(tui, "from the app")
        actions.capture(cli, "from the command line")
        assert {i.what for i in tui.incidents().values()} == {"from the app",
                                                               "from the command line"}

    def test_storage_without_files_reads_none(self, tmp_path: Path) -> None:
        assert EncryptedStorage(tmp_path / "store.ct", b"k" * 32).read() is None
