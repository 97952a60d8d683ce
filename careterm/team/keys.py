"""Passphrase changes: re-wrap the data key here and in the team's shared folder.

The data key itself never changes with the passphrase, so nothing but the
small key envelopes are rewritten: this laptop's key file and the envelope in
the shared folder's header (the one file a passphrase change rewrites; only
this deliberate, rare command does, atomically). Other laptops keep working
with the key they have unlocked; at their next unlock the old passphrase
fails on their own key file, :func:`unlock` then tries the shared folder's
header, and if the new passphrase opens it (and that key opens their store)
their key file is re-wrapped too.

After a laptop was removed from the team, the new passphrase also gets a
keyring in the shared folder (:func:`careterm.team.keyring.write_keyring`), so
laptops joining with it receive every epoch key.

Honest limits: the data key stays the same, so anyone who knew the old
passphrase *and* kept a copy of an old key file or header can still read the
data; a passphrase change keeps out people who only knew the passphrase.
"""

from __future__ import annotations

from pathlib import Path

from careterm.errors import CaretermError, StoreDamaged, WrongPassphrase
from careterm.store.crypto import KeyEnvelope
from careterm.store.files import atomic_write
from careterm.store.store import (
    Store,
    change_passphrase,
    home_lock,
    read_envelope,
    read_shared_hint,
    write_envelope,
)
from careterm.team.keyring import write_keyring
from careterm.team.segments import HEADER_FILE, NotATeamFolder, TeamHeader


def rewrap_shared_header(store: Store, folder: Path, envelope: KeyEnvelope) -> None:
    """Replace the envelope in the shared folder's header (same team, same key check)."""
    header = TeamHeader.read(folder)
    if header is None or header.team_id != store.meta.get("team_id") or store.key is None \
            or not header.check_key(store.key):
        raise NotATeamFolder(f"{folder / HEADER_FILE} is not this team's header; "
                             "it was left as it is")
    updated = TeamHeader(header.team_id, envelope, header.key_check, header.team_info)
    atomic_write(folder / HEADER_FILE, updated.to_bytes())


def change_passphrase_everywhere(home: Path, old: str, new: str) -> list[str]:
    """Change the passphrase of the store in ``home`` and of its shared folder's header.

    Returns lines saying what was changed. Raises ``WrongPassphrase`` (and
    changes nothing) when ``old`` is wrong.
    """
    data_key = read_envelope(home).unwrap(old)
    change_passphrase(home, old, new)
    lines = ["passphrase changed on this laptop"]
    store = Store.open_with_key(home, data_key)
    try:
        shared = store.meta.get("shared_dir")
        if shared:
            try:
                rewrap_shared_header(store, Path(shared), read_envelope(home))
                write_keyring(store, new)  # epoch keys for later joiners (after a removal)
            except CaretermError as exc:
                lines.append(f"the shared folder was not changed: {exc}; run 'careterm "
                             "passphrase' again when it is reachable")
            else:
                lines.append(f"passphrase changed in the shared folder {shared}; other "
                             "laptops need the new passphrase from their next unlock")
    finally:
        store.close()
    return lines


def unlock(home: Path, passphrase: str) -> Store:
    """Open the store in ``home``, picking up a passphrase changed on another laptop."""
    try:
        return Store.open(home, passphrase)
    except WrongPassphrase:
        folder = read_shared_hint(home)
        if folder is None:
            raise
        try:
            header = TeamHeader.read(folder)
        except CaretermError:
            header = None
        if header is None:
            raise
        data_key = header.envelope.unwrap(passphrase)  # WrongPassphrase if it fails too
        try:
            store = Store.open_with_key(home, data_key)
        except StoreDamaged:
            raise WrongPassphrase() from None  # another team's key: not ours
        local = read_envelope(home)
        with home_lock(home):
            write_envelope(home, KeyEnvelope.wrap(passphrase, data_key, local.opslimit,
                                                  local.memlimit))
        return store
