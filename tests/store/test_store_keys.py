"""Each laptop's own store key: the key file, re-keying, older homes, and locking."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import nacl.secret
import nacl.utils
import pytest

from careterm.actions import incidents
from careterm.core import clock
from careterm.errors import StorageFailed, StoreDamaged, WrongPassphrase
from careterm.store import draft
from careterm.store import store as store_module
from careterm.store.crypto import KDF_LIMITS, KeyEnvelope, derive_key, new_key, seal, subkey
from careterm.store.keyfile import read_key_file
from careterm.store.storage import EncryptedStorage
from careterm.store.store import (
    KEY_FILE,
    STORE_FILE,
    PassphraseChanged,
    Store,
    StoreLocked,
    home_lock,
)
from tests.support import PASSPHRASE

EPOCH = "1-0123456789abcdef"


def a_form(text: str) -> dict:
    form = draft.empty_form()
    form["what"] = text
    return form


class TestTwoKeys:
    """The store key is this laptop's own; the team key lives in the sealed meta."""

    def test_the_store_is_not_sealed_with_the_team_key(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        assert store.key is not None and store.store_key is not None
        assert store.key != store.store_key
        with pytest.raises(StoreDamaged):
            EncryptedStorage(home / STORE_FILE, subkey(store.key, "store")).read()
        store.close()

    def test_two_laptops_of_one_team_have_different_store_keys(self, tmp_path: Path,
                                                                frozen_clock) -> None:
        team_key = new_key()
        one = Store.create(tmp_path / "one", PASSPHRASE, member="Ada Example", data_key=team_key)
        two = Store.create(tmp_path / "two", PASSPHRASE, member="Bo Sample", data_key=team_key)
        assert one.key == two.key == team_key
        assert one.store_key != two.store_key
        one.close()
        two.close()

    def test_a_key_file_with_an_unknown_field_is_damaged(self, home: Path) -> None:
        path = home / KEY_FILE
        data = json.loads(path.read_text())
        data["passphrasf"] = data.pop("passphrase")
        path.write_text(json.dumps(data))
        with pytest.raises(StoreDamaged, match=KEY_FILE):
            Store.open(home, PASSPHRASE)

    def test_a_damaged_epoch_sealing_is_refused_at_open(self, home: Path) -> None:
        path = home / KEY_FILE
        data = json.loads(path.read_text())
        data["key_id"] = "0" * 16  # the sealing is bound to the key's id
        path.write_text(json.dumps(data))
        with pytest.raises(StoreDamaged, match="do not match"):
            Store.open(home, PASSPHRASE)


class TestRekey:
    """A new epoch: a new store key for the snapshot, the journal and the draft."""

    def rekey(self, store: Store) -> bytes:
        assert store.key is not None
        epoch_key = new_key()
        assert store.rekey(EPOCH, {"0": store.key, EPOCH: epoch_key})
        return epoch_key

    def test_rekey_keeps_everything_and_drops_the_passphrase(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        inc = incidents.capture(store, "before the re-key").id
        draft.save_draft(store, a_form("a draft"))
        old = store.store_key
        assert old is not None
        self.rekey(store)
        assert store.store_key not in (None, old)
        assert store.get(inc).what == "before the re-key"
        assert draft.load_draft(store)["form"]["what"] == "a draft"
        with pytest.raises(StoreDamaged):
            EncryptedStorage(home / STORE_FILE, subkey(old, "store")).read()
        assert not (home / "store.journal").exists() or (home / "store.journal").stat().st_size == 0
        later = incidents.capture(store, "after the re-key").id
        assert not store.rekey(EPOCH, {"0": store.key or b"", EPOCH: new_key()})  # done once
        store.close()
        with pytest.raises(PassphraseChanged):
            Store.open(home, PASSPHRASE)
        key_file = read_key_file(home)
        assert key_file.passphrase is None and key_file.changed and key_file.epoch == EPOCH
        # Opened the way the folder's header would give the key.
        reopened = Store.open_with_key(home, key_file.follow(
            key_file.links[0].from_id, old)[-1][1])
        assert {inc, later} <= set(reopened.incidents())
        reopened.close()

    def test_an_older_epoch_or_one_another_process_passed_changes_nothing(
            self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        epoch_key = self.rekey(store)
        before = (home / KEY_FILE).read_bytes()
        assert store.key is not None
        # The key file names an epoch these keys lack: another careterm learnt a newer one.
        assert not store.rekey("0", {"0": store.key})
        assert not store.rekey(EPOCH, {"0": store.key, EPOCH: epoch_key})
        assert (home / KEY_FILE).read_bytes() == before
        store.close()

    def test_a_crash_before_the_snapshot_is_rewritten_loses_nothing(
            self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        store = Store.open(home, PASSPHRASE)
        inc = incidents.capture(store, "kept through the crash").id

        def crash(key: bytes) -> None:
            raise StorageFailed(home / STORE_FILE, "No space left on device")

        monkeypatch.setattr(store._storage, "rekey", crash)
        with pytest.raises(StorageFailed):
            self.rekey(store)
        monkeypatch.undo()
        store.close()
        again = Store.open(home, PASSPHRASE)  # the old key, as before
        assert again.get(inc).what == "kept through the crash"
        self.rekey(again)  # the next sync finishes it
        assert inc in again.incidents()
        again.close()

    def test_a_crash_after_the_snapshot_is_rewritten_loses_nothing(
            self, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        store = Store.open(home, PASSPHRASE)
        inc = incidents.capture(store, "kept through the crash").id
        draft.save_draft(store, a_form("the draft too"))
        real = store_module.atomic_write

        def crash(path: Path, data: bytes, **kwargs) -> None:
            raise StorageFailed(path, "the laptop went off")

        monkeypatch.setattr(store_module, "atomic_write", crash)  # the draft's new sealing
        with pytest.raises(StorageFailed):
            self.rekey(store)
        monkeypatch.setattr(store_module, "atomic_write", real)
        store.close()
        # The key file still holds the old key's wrapping and a link to the new key.
        again = Store.open(home, PASSPHRASE)
        assert again.get(inc).what == "kept through the crash"
        assert draft.load_draft(again)["form"]["what"] == "the draft too"
        self.rekey(again)
        assert draft.load_draft(again)["form"]["what"] == "the draft too"
        again.close()
        with pytest.raises(PassphraseChanged):
            Store.open(home, PASSPHRASE)


class TestOlderHomes:
    """A home written before each laptop had its own store key (format 1) still opens."""

    def make_format_1_home(self, home: Path) -> tuple[bytes, str]:
        source = Store.in_memory(member="Ada Example", team="Example Con CARE")
        inc = incidents.capture(source, "Captured by an older careterm").id
        team_key = new_key()
        home.mkdir()
        EncryptedStorage(home / STORE_FILE, subkey(team_key, "store")).write(
            {"meta": {"1": source.meta}, "changes": dict(
                (str(n), change) for n, change in enumerate(source.changes(), 1))})
        record = {"saved_at": clock.now().isoformat(), "member": "Ada Example",
                  "form": a_form("an older draft")}
        (home / draft.DRAFT_FILE).write_bytes(seal(subkey(team_key, "draft"),
                                                   json.dumps(record).encode(),
                                                   draft.DRAFT_PURPOSE))
        opslimit, memlimit = KDF_LIMITS["test-only-min"]
        salt = nacl.utils.random(16)
        kek = derive_key(PASSPHRASE, salt, opslimit, memlimit)
        envelope = KeyEnvelope(salt, opslimit, memlimit,
                               bytes(nacl.secret.SecretBox(kek).encrypt(team_key)))
        (home / KEY_FILE).write_text(json.dumps({"format": 1, **envelope.to_dict()}))
        return team_key, inc

    def test_the_first_unlock_gives_it_a_store_key_of_its_own(self, tmp_path: Path,
                                                               frozen_clock) -> None:
        home = tmp_path / "older"
        team_key, inc = self.make_format_1_home(home)
        with pytest.raises(WrongPassphrase):
            Store.open(home, "not it")
        assert json.loads((home / KEY_FILE).read_text())["format"] == 1  # untouched
        store = Store.open(home, PASSPHRASE)
        assert store.key == team_key and store.store_key != team_key
        assert store.get(inc).what == "Captured by an older careterm"
        assert draft.load_draft(store)["form"]["what"] == "an older draft"
        store.close()
        key_file = read_key_file(home)
        assert not key_file.legacy and key_file.links == ()  # no way from the team key
        with pytest.raises(StoreDamaged):
            EncryptedStorage(home / STORE_FILE, subkey(team_key, "store")).read()
        again = Store.open(home, PASSPHRASE)
        assert again.get(inc).what == "Captured by an older careterm"
        assert draft.load_draft(again)["form"]["what"] == "an older draft"
        again.close()

    def test_an_interrupted_move_is_finished_and_leaves_no_way_from_the_team_key(
            self, tmp_path: Path, frozen_clock, monkeypatch: pytest.MonkeyPatch) -> None:
        home = tmp_path / "older"
        team_key, inc = self.make_format_1_home(home)
        real = store_module.atomic_write

        def crash(path: Path, data: bytes, **kwargs) -> None:
            raise StorageFailed(path, "the laptop went off")

        monkeypatch.setattr(store_module, "atomic_write", crash)  # after the snapshot
        with pytest.raises(StorageFailed):
            Store.open(home, PASSPHRASE)
        monkeypatch.setattr(store_module, "atomic_write", real)
        assert read_key_file(home).legacy and read_key_file(home).links
        store = Store.open(home, PASSPHRASE)
        assert store.get(inc).what == "Captured by an older careterm"
        assert draft.load_draft(store)["form"]["what"] == "an older draft"
        store.close()
        key_file = read_key_file(home)
        assert not key_file.legacy and key_file.links == ()
        assert key_file.open_with_epochs({"0": team_key}) == Store.open(home, PASSPHRASE).store_key


class TestForgetSecrets:
    """Locking drops every key and the decrypted meta at once; the store is then unusable."""

    def test_everything_is_dropped(self, store: Store) -> None:
        incidents.capture(store, "a report")
        store.update_meta(sync_signing_key="c2VjcmV0", sync_epochs={"1-x": {"key": "k"}})
        store.forget_secrets()
        assert store.is_locked
        assert store.key is None and store.store_key is None and store._kek is None
        assert store.meta == {} and store._meta == {} and not store._fold.incidents
        storage = store._storage
        if isinstance(storage, EncryptedStorage):
            assert storage._key == b"" and storage._cache is None
        else:
            assert storage.memory is None

    @pytest.mark.parametrize("use", ["incidents", "changes", "capture", "update_meta",
                                     "device_id", "draft"])
    def test_every_use_after_says_locked(self, store: Store, use: str) -> None:
        incidents.capture(store, "a report")
        store.forget_secrets()
        action = {
            "incidents": store.incidents,
            "changes": store.changes,
            "capture": lambda: incidents.capture(store, "never stored"),
            "update_meta": lambda: store.update_meta(member="Someone Else"),
            "device_id": lambda: store.device_id,
            "draft": lambda: draft.save_draft(store, a_form("typed after the lock")),
        }[use]
        with pytest.raises(StoreLocked, match="the store is locked"):
            action()

    def test_it_never_waits_for_a_lock(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        held, release = threading.Event(), threading.Event()

        def stuck_worker() -> None:
            with store.locked():
                held.set()
                release.wait(10)

        worker = threading.Thread(target=stuck_worker)
        worker.start()
        held.wait(5)
        started = time.monotonic()
        store.forget_secrets()
        assert time.monotonic() - started < 1
        assert store.key is None
        release.set()
        worker.join(5)
        with home_lock(home):
            pass  # the worker let go of the lock

    def test_close_is_forget_secrets(self, home: Path) -> None:
        store = Store.open(home, PASSPHRASE)
        store.close()
        assert store.is_locked and store.key is None
        with pytest.raises(StoreLocked):
            store.incidents()
