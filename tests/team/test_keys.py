"""Passphrase changes reach the shared folder and the other laptops."""

from __future__ import annotations

from pathlib import Path

import pytest

from careterm.actions import incidents
from careterm.errors import WrongPassphrase
from careterm.store.store import Store
from careterm.team import keys, sync
from tests.support import PASSPHRASE

NEW = "a brand new team passphrase"


@pytest.fixture
def two_laptops(tmp_path: Path, frozen_clock) -> tuple[Path, Path, Path]:
    shared = tmp_path / "shared"
    ada = Store.create(tmp_path / "ada", PASSPHRASE, member="Ada Example")
    sync.init_shared(ada, shared)
    inc = incidents.capture(ada, "Report before the change").id
    sync.sync(ada)
    bo = sync.join(tmp_path / "bo", shared, "Bo Sample", PASSPHRASE)
    sync.sync(bo)
    assert inc in bo.incidents()
    ada.close()
    bo.close()
    return tmp_path / "ada", tmp_path / "bo", shared


class TestPassphraseChange:
    """One laptop changes it; the others pick it up at their next unlock."""

    def test_change_everywhere(self, two_laptops, tmp_path: Path) -> None:
        ada, bo, shared = two_laptops
        lines = keys.change_passphrase_everywhere(ada, PASSPHRASE, NEW)
        assert any("shared folder" in line for line in lines)
        with pytest.raises(WrongPassphrase):
            keys.unlock(ada, PASSPHRASE)
        assert keys.unlock(ada, NEW).member == "Ada Example"
        # Bo's laptop still has the old wrapping until Bo unlocks with the new passphrase.
        reopened = keys.unlock(bo, NEW)
        assert reopened.member == "Bo Sample" and len(reopened.incidents()) == 1
        reopened.close()
        with pytest.raises(WrongPassphrase):
            keys.unlock(bo, PASSPHRASE)  # Bo's key file was re-wrapped as well
        # A laptop joining later needs the new passphrase.
        with pytest.raises(WrongPassphrase):
            sync.join(tmp_path / "cy-old", shared, "Cy Placeholder", PASSPHRASE)
        assert not (tmp_path / "cy-old").exists()
        cy = sync.join(tmp_path / "cy", shared, "Cy Placeholder", NEW)
        sync.sync(cy)
        assert len(cy.incidents()) == 1

    def test_wrong_old_passphrase_changes_nothing(self, two_laptops) -> None:
        ada, _, shared = two_laptops
        before = {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()}
        key_file = (ada / "careterm.key").read_bytes()
        with pytest.raises(WrongPassphrase):
            keys.change_passphrase_everywhere(ada, "not it", NEW)
        assert (ada / "careterm.key").read_bytes() == key_file
        assert {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()} == before

    def test_a_passphrase_that_opens_nothing_is_still_wrong(self, two_laptops) -> None:
        _, bo, _ = two_laptops
        with pytest.raises(WrongPassphrase):
            keys.unlock(bo, "guess")


def test_a_passphrase_change_rewrites_no_data(two_laptops) -> None:
    ada, _, _ = two_laptops
    store_bytes = (ada / "store.ct").read_bytes()
    keys.change_passphrase_everywhere(ada, PASSPHRASE, NEW)
    assert (ada / "store.ct").read_bytes() == store_bytes
    with pytest.raises(WrongPassphrase):
        Store.open(ada, PASSPHRASE)
    Store.open(ada, NEW).close()


def test_a_laptop_picking_up_the_new_passphrase_keeps_its_own_store_key(two_laptops) -> None:
    ada, bo, _ = two_laptops
    before = Store.open(bo, PASSPHRASE)
    key = before.store_key
    before.close()
    keys.change_passphrase_everywhere(ada, PASSPHRASE, NEW)
    after = keys.unlock(bo, NEW)
    assert after.store_key == key  # a passphrase change is not a removal: no re-key
    after.close()
