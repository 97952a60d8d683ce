"""Encrypted backup and restore: one file, verified before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from careterm.actions import incidents as actions
from careterm.errors import InvalidInput, StoreDamaged, WrongPassphrase
from careterm.store.backup import read_backup, restore_backup, write_backup
from careterm.store.store import STORE_FILE, Store
from tests.support import PASSPHRASE


@pytest.fixture
def backed_up(home: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    store = Store.open(home, PASSPHRASE)
    inc = actions.capture(store, "Backed-up report BACKUP-MARKER", where="Room Zeta").id
    actions.add_note(store, inc, "a note")
    path = tmp_path / "careterm.store.backup"
    assert write_backup(store, path) == 2
    return home, path, inc


class TestBackup:
    """A backup is one encrypted file."""

    def test_backup_is_encrypted(self, backed_up) -> None:
        _, path, _ = backed_up
        assert b"BACKUP-MARKER" not in path.read_bytes()
        assert b"Room Zeta" not in path.read_bytes()

    def test_wrong_passphrase(self, backed_up) -> None:
        with pytest.raises(WrongPassphrase):
            read_backup(backed_up[1], "wrong")

    def test_damaged_backup_is_refused_and_nothing_changes(self, backed_up) -> None:
        home, path, _ = backed_up
        data = bytearray(path.read_bytes())
        data[-10] ^= 0x40
        path.write_bytes(bytes(data))
        before = (home / STORE_FILE).read_bytes()
        with pytest.raises(StoreDamaged, match=str(path)):
            restore_backup(home, path, PASSPHRASE)
        assert (home / STORE_FILE).read_bytes() == before

    def test_not_a_backup(self, tmp_path: Path, home: Path) -> None:
        other = tmp_path / "notes.txt"
        other.write_text("hello")
        with pytest.raises(InvalidInput, match="not a careterm backup"):
            restore_backup(home, other, PASSPHRASE)


class TestRestore:
    """Restore recreates, merges, or refuses; it never loses data."""

    def test_restore_into_empty_home(self, backed_up, tmp_path: Path) -> None:
        _, path, inc = backed_up
        fresh = tmp_path / "new-laptop"
        result = restore_backup(fresh, path, PASSPHRASE)
        assert result.created and result.added == 2
        restored = Store.open(fresh, PASSPHRASE).get(inc)
        assert restored.where == "Room Zeta" and restored.notes[0].text == "a note"

    def test_restore_into_same_store_merges(self, backed_up) -> None:
        home, path, inc = backed_up
        store = Store.open(home, PASSPHRASE)
        later = actions.capture(store, "captured after the backup").id
        result = restore_backup(home, path, PASSPHRASE)
        assert not result.created and result.added == 0
        after = Store.open(home, PASSPHRASE)
        assert {inc, later} <= set(after.incidents())
        assert len(after.get(inc).notes) == 1

    def test_restore_over_another_store_needs_replace(self, backed_up, tmp_path: Path) -> None:
        _, path, inc = backed_up
        other = tmp_path / "other"
        store = Store.create(other, PASSPHRASE, member="Bo Sample")
        kept = actions.capture(store, "the other store's report").id
        with pytest.raises(InvalidInput, match="--replace"):
            restore_backup(other, path, PASSPHRASE)
        assert kept in Store.open(other, PASSPHRASE).incidents()
        result = restore_backup(other, path, PASSPHRASE, replace=True)
        assert result.moved_aside is not None
        assert inc in Store.open(other, PASSPHRASE).incidents()
        # The old store was moved aside, not deleted.
        assert kept in Store.open(result.moved_aside, PASSPHRASE).incidents()


class TestRestoredLaptopIsANewDevice:
    """A restored store never reuses the change or incident ids of the laptop it came from."""

    def test_new_device_identity(self, backed_up, tmp_path: Path) -> None:
        home, path, inc = backed_up
        original = Store.open(home, PASSPHRASE)
        fresh = tmp_path / "restored"
        restore_backup(fresh, path, PASSPHRASE)
        restored = Store.open(fresh, PASSPHRASE)
        assert restored.device_id != original.device_id
        assert restored.device_tag != original.device_tag
        # The original laptop went on capturing after the backup; so does the restored one.
        later_original = actions.capture(original, "after the backup, original").id
        later_restored = actions.capture(restored, "after the restore").id
        assert later_original != later_restored
        assert not ({c["cid"] for c in original.changes()}
                    & {c["cid"] for c in restored.changes() if c["dev"] == restored.device_id})
