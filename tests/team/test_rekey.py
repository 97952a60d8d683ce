"""Per-laptop store keys: a removal re-keys every remaining laptop that learns of it."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from careterm.actions import incidents
from careterm.errors import InvalidInput, StoreDamaged, WrongPassphrase
from careterm.store import backup, draft
from careterm.store.crypto import Unsealable, subkey, unseal
from careterm.store.keyfile import read_key_file
from careterm.store.storage import EncryptedStorage
from careterm.store.store import (
    KEY_FILE,
    STORE_FILE,
    PassphraseChanged,
    Store,
    StoreLocked,
    write_shared_hint,
)
from careterm.team import keys, sync
from tests.support import NEW_PASSPHRASE, PASSPHRASE, Team, remove_cy

NEW = NEW_PASSPHRASE
MARKER = "AFTER-THE-REMOVAL-5309"


@pytest.fixture
def team(team_of_three: Team) -> Team:
    """Ada, Bo and Cy, each with one report, all synced."""
    return team_of_three




def a_form(text: str) -> dict:
    form = draft.empty_form()
    form.update(what=text, where="Room Zeta")
    return form


def removed_members_keys(cy: Store) -> list[bytes]:
    """Every key the removed member has: the team key, every epoch key its laptop was given
    and its own store key."""
    assert cy.key is not None and cy.store_key is not None
    return [cy.key, *sync.epochs_of(cy).keys.values(), cy.store_key]


def home_bytes(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def test_a_remaining_laptop_that_learns_of_the_removal_takes_only_the_new_passphrase(
        team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    remove_cy(team)
    # Before Bo's laptop has synced, the old passphrase still opens it (it knows nothing).
    Store.open(bo.home, PASSPHRASE).close()
    old_key = bo.store_key
    report = team.sync(1)
    assert report.new_epochs
    assert bo.store_key != old_key
    # The running session goes on.
    kept = incidents.capture(bo, "Captured on Bo's laptop after learning of the removal").id
    bo.close()
    for opening in (Store.open, keys.unlock):
        with pytest.raises(PassphraseChanged) as refused:
            opening(bo.home, PASSPHRASE)
        assert "unlock with the new passphrase" in str(refused.value)
        assert "\n" not in str(refused.value)
    with pytest.raises(WrongPassphrase):
        keys.unlock(bo.home, "a guess")
    reopened = keys.unlock(bo.home, NEW)  # through the shared folder's header and keyring
    assert kept in reopened.incidents() and len(reopened.incidents()) == 4
    reopened.close()
    # From then on the new passphrase opens it directly, and the old one never again.
    Store.open(bo.home, NEW).close()
    with pytest.raises(WrongPassphrase):
        keys.unlock(bo.home, PASSPHRASE)
    team.laptops[1] = keys.unlock(bo.home, NEW)
    team.sync(1)
    assert len(team.laptops[1].incidents()) == 4


def test_a_copy_of_the_home_taken_after_reveals_nothing_to_the_removed_member(
        team: Team, tmp_path: Path) -> None:
    ada, bo, cy = team.laptops
    assert bo.home is not None
    old_folder = tmp_path / "cy-copy-of-the-folder"
    shutil.copytree(team.shared, old_folder)  # the removed member keeps its copy
    remove_cy(team)
    team.sync(1)
    inc = incidents.capture(bo, f"{MARKER} in Room Zeta", who=MARKER).id
    incidents.add_note(bo, inc, f"note {MARKER}")
    draft.save_draft(bo, a_form(f"draft {MARKER}"))
    copy = tmp_path / "copy-of-bo"
    shutil.copytree(bo.home, copy)
    files = home_bytes(copy)
    assert not [name for name, blob in files.items() if MARKER.encode() in blob]
    # The old passphrase opens nothing: not the key file, not through either folder.
    with pytest.raises(PassphraseChanged):
        keys.unlock(copy, PASSPHRASE)
    write_shared_hint(copy, old_folder)
    with pytest.raises(PassphraseChanged):
        keys.unlock(copy, PASSPHRASE)
    # No key the removed member has opens the store, the journal, the draft or the key file.
    key_file = read_key_file(copy)
    assert key_file.passphrase is None and key_file.team is None and key_file.changed
    assert key_file.epoch is not None
    for key in removed_members_keys(cy):
        assert key_file.open_with_epochs({key_file.epoch: key, "0": key}) is None
        assert all(link.open(key) is None for link in key_file.links)
        with pytest.raises(StoreDamaged):
            EncryptedStorage(copy / STORE_FILE, subkey(key, "store")).read()
        with pytest.raises(Unsealable):
            unseal(subkey(key, "draft"), files[draft.DRAFT_FILE], draft.DRAFT_PURPOSE)
    assert ada.key is not None and bo.key == cy.key == ada.key  # the team key did not change


def test_the_draft_and_later_backups_are_sealed_under_the_new_key(team: Team,
                                                                  tmp_path: Path) -> None:
    _ada, bo, cy = team.laptops
    assert bo.home is not None and bo.key is not None
    draft.save_draft(bo, a_form("half-typed before the sync"))
    old_key = bo.store_key
    assert old_key is not None
    remove_cy(team)
    team.sync(1)
    assert bo.store_key not in (None, old_key)
    blob = (bo.home / draft.DRAFT_FILE).read_bytes()
    for key in (old_key, bo.key):
        with pytest.raises(Unsealable):
            unseal(subkey(key, "draft"), blob, draft.DRAFT_PURPOSE)
    record = draft.load_draft(bo)
    assert record is not None and record["form"]["what"] == "half-typed before the sync"
    # Until the new passphrase unlocks the laptop, a backup would have no passphrase to go by.
    path = tmp_path / "bo.backup"
    with pytest.raises(InvalidInput, match="unlock with the new passphrase"):
        backup.write_backup(bo, path)
    assert not path.exists()
    bo.close()
    team.laptops[1] = bo = keys.unlock(bo.home, NEW)
    inc = incidents.capture(bo, f"{MARKER} after the removal").id
    assert backup.write_backup(bo, path) == len(bo.changes())
    with pytest.raises(WrongPassphrase):
        backup.read_backup(path, PASSPHRASE)
    restored = backup.read_backup(path, NEW)
    assert inc in {c["inc"] for c in restored.changes}
    body = path.read_bytes().partition(b"\n")[2]
    for key in (old_key, *removed_members_keys(cy)):
        with pytest.raises(Unsealable):
            unseal(subkey(key, "backup"), body, backup.PURPOSE)
    # Restored elsewhere, it opens with the new passphrase only.
    fresh = tmp_path / "restored"
    backup.restore_backup(fresh, path, NEW)
    with pytest.raises(WrongPassphrase):
        Store.open(fresh, PASSPHRASE)
    again = Store.open(fresh, NEW)
    assert inc in again.incidents()
    again.close()


def test_reports_written_after_the_removal_are_not_in_the_old_key(team: Team) -> None:
    _ada, bo, cy = team.laptops
    assert bo.home is not None and bo.key is not None
    old_key = bo.store_key
    assert old_key is not None
    remove_cy(team)
    team.sync(1)
    incidents.capture(bo, f"{MARKER} captured after")
    for key in (old_key, *removed_members_keys(cy)):
        with pytest.raises(StoreDamaged):
            EncryptedStorage(bo.home / STORE_FILE, subkey(key, "store")).read()
    data = EncryptedStorage(bo.home / STORE_FILE, subkey(bo.store_key or b"", "store")).read()
    assert data is not None and MARKER in json.dumps(data)


def test_the_removing_laptop_takes_the_new_passphrase_and_a_new_key(team: Team) -> None:
    ada = team.laptops[0]
    assert ada.home is not None
    old_key = ada.store_key
    result = remove_cy(team)
    assert ada.store_key not in (None, old_key)
    key_file = read_key_file(ada.home)
    assert key_file.epoch == result.record.epoch and not key_file.changed
    with pytest.raises(WrongPassphrase):
        keys.unlock(ada.home, PASSPHRASE)
    Store.open(ada.home, NEW).close()
    assert not team.sync(0).new_epochs  # nothing more to do


def test_a_laptop_unlocked_with_the_new_passphrase_before_its_sync_keeps_it(
        team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    remove_cy(team)
    bo.close()
    team.laptops[1] = bo = keys.unlock(bo.home, NEW)  # told the new passphrase first
    old_key = bo.store_key
    team.sync(1)
    assert bo.store_key not in (None, old_key)  # re-keyed all the same
    assert not read_key_file(bo.home).changed
    Store.open(bo.home, NEW).close()  # no trip through the folder needed
    with pytest.raises(WrongPassphrase):
        keys.unlock(bo.home, PASSPHRASE)


def test_another_careterm_on_the_same_laptop_follows_the_rekey(team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    other = Store.open(bo.home, PASSPHRASE)  # e.g. the app, while a command line syncs
    stale = Store.open(bo.home, PASSPHRASE)
    draft.save_draft(other, a_form("typed in the app"))
    remove_cy(team)
    team.sync(1)
    # It follows the link to the new key: reads, writes and its draft go on.
    made = incidents.capture(other, "captured in the app after the re-key").id
    assert other.store_key == bo.store_key
    assert made in bo.incidents()
    record = draft.load_draft(other)
    assert record is not None and record["form"]["what"] == "typed in the app"
    # An unlock with the passphrase drops the links; a process still on the old key is
    # told to unlock again, in one sentence, and nothing is written.
    again = keys.unlock(bo.home, NEW)
    assert read_key_file(bo.home).links == ()
    before = home_bytes(bo.home)
    with pytest.raises(StoreLocked, match="lock and unlock"):
        incidents.capture(stale, "never stored")
    assert home_bytes(bo.home) == before
    assert len(again.incidents()) == 4
    for store in (other, stale, again):
        store.close()


def test_a_restored_laptop_is_rekeyed_like_the_others(team: Team, tmp_path: Path) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    path = tmp_path / "bo.backup"
    backup.write_backup(bo, path)
    restored_home = tmp_path / "restored"
    backup.restore_backup(restored_home, path, PASSPHRASE)
    team.laptops.append(Store.open(restored_home, PASSPHRASE))
    team.sync(3)  # registers as a new laptop of the team
    remove_cy(team)
    assert team.sync(3).new_epochs
    team.laptops[3].close()
    with pytest.raises(PassphraseChanged):
        keys.unlock(restored_home, PASSPHRASE)
    team.laptops[3] = keys.unlock(restored_home, NEW)
    assert len(team.laptops[3].incidents()) == 3


def test_the_key_file_names_no_report_and_no_key(team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None and bo.key is not None
    remove_cy(team)
    team.sync(1)
    text = (bo.home / KEY_FILE).read_text()
    data = json.loads(text)
    assert data["format"] == 2 and "passphrase" not in data and data["changed"] is True
    for key in (bo.key, bo.store_key or b""):
        assert key.hex() not in text and base64.b64encode(key).decode() not in text


def test_the_first_unlock_after_a_rekey_needs_the_shared_folder(team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    remove_cy(team)
    team.sync(1)
    bo.close()
    away = team.shared.with_name("unplugged")
    team.shared.rename(away)  # the USB stick is not in
    try:
        with pytest.raises(PassphraseChanged, match="cannot be read now") as refused:
            keys.unlock(bo.home, NEW)
        assert "\n" not in str(refused.value)
    finally:
        away.rename(team.shared)
    team.laptops[1] = keys.unlock(bo.home, NEW)


def test_the_passphrase_can_change_again_from_a_laptop_waiting_for_the_new_one(
        team: Team) -> None:
    _ada, bo, _cy = team.laptops
    assert bo.home is not None
    remove_cy(team)
    team.sync(1)
    bo.close()
    lines = keys.change_passphrase_everywhere(bo.home, NEW, "a third passphrase")
    assert any("shared folder" in line for line in lines)
    for passphrase in (PASSPHRASE, NEW):
        with pytest.raises(WrongPassphrase):
            keys.unlock(bo.home, passphrase)
    team.laptops[1] = keys.unlock(bo.home, "a third passphrase")
    ada = team.laptops[0]
    assert ada.home is not None
    ada.close()
    team.laptops[0] = keys.unlock(ada.home, "a third passphrase")  # through the header
    assert len(team.laptops[0].incidents()) == 3
