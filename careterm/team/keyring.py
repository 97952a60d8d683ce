"""Key epochs and keyrings: writing them into the team's shared folder.

Why they exist and when they are made is told in :mod:`careterm.team.revoke`;
their formats are in :mod:`careterm.team.segments`; :mod:`careterm.team.sync`
reads them. This module writes them, each as a new file that is never
overwritten (:func:`careterm.store.files.create_new`):

* a key epoch: one ``epochs/<epoch>/<device-id>.key`` per device given the
  key, then the signed ``epoch.rec`` last (an epoch counts once its record is
  there);
* a keyring, ``keyrings/<fingerprint>.ring``: every epoch key, sealed under
  a key derived from the passphrase of the header whose envelope has that
  fingerprint, so laptops joining with that passphrase get the whole history;
* the team header for a new passphrase (:func:`write_header`, for ``careterm
  revoke`` and ``careterm passphrase``): the team key wrapped at *this
  laptop's* Argon2id limits (never the old header's: anyone with the folder can
  edit those), binding the team's newest key epoch to the wrapped key, with the
  keyring written first. A laptop joining later refuses a folder whose keyring
  lacks that epoch, so deleting ``epochs/`` and ``keyrings/`` cannot make it
  fall back to a key a removed laptop has. A header written by an older
  careterm binds no epoch; the next ``careterm passphrase`` replaces it.

Used by :mod:`careterm.team.revoke` and :mod:`careterm.team.keys`; it imports
neither.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.signing

from careterm.store.crypto import KeyEnvelope, new_key
from careterm.store.files import atomic_write, create_new
from careterm.store.keyfile import Kek
from careterm.store.store import Store
from careterm.team import sync
from careterm.team.segments import (
    EPOCH_RECORD_FILE,
    EPOCHS_DIR,
    HEADER_FILE,
    KEYRINGS_DIR,
    SHARED_FILE_MODE,
    EpochRecord,
    NotATeamFolder,
    SyncFolderUnavailable,
    TeamHeader,
    header_bound,
    keyring_name,
    seal_epoch_key,
    seal_epoch_record,
    seal_keyring,
)


def _folder_write(folder: Path, action: str, write: Callable[[], object]) -> None:
    try:
        write()
    except FileExistsError:
        raise
    except OSError as exc:
        raise SyncFolderUnavailable(folder, f"{action}: {exc.strerror or exc}") from exc


def write_epoch(folder: Path, signing_key: nacl.signing.SigningKey, team_id: str,
                record: EpochRecord, verify_keys: dict[str, bytes]) -> bytes:
    """Create the key epoch ``record`` describes in ``folder``; return its new key.

    ``verify_keys`` holds the registered key of every recipient the record
    names. Raises :class:`SyncFolderUnavailable` when the folder refuses a
    write, ``FileExistsError`` when a file of the epoch is there already.
    """
    epoch_key = new_key()
    epoch_dir = folder / EPOCHS_DIR / record.epoch
    _folder_write(folder, "making the new key epoch",
                  lambda: epoch_dir.mkdir(parents=True, exist_ok=True))
    # Key files first, the record last: an epoch counts once its record is there.
    for device_id in record.recipients:
        blob = seal_epoch_key(signing_key, team_id, record.epoch, device_id,
                              verify_keys[device_id], epoch_key)
        _folder_write(folder, "writing a key file",
                      lambda path=epoch_dir / f"{device_id}.key", blob=blob:
                      create_new(path, blob, mode=SHARED_FILE_MODE))
    sealed = seal_epoch_record(epoch_key, signing_key, team_id, record)
    _folder_write(folder, "writing the epoch record",
                  lambda: create_new(epoch_dir / EPOCH_RECORD_FILE, sealed,
                                     mode=SHARED_FILE_MODE))
    return epoch_key


def create_keyring(folder: Path, kek: bytes, team_id: str, envelope: KeyEnvelope,
                   entries: dict[str, dict[str, Any]], *, exist_ok: bool = False) -> None:
    """Create the keyring, holding ``entries``, for the header holding ``envelope``.

    ``kek`` is that envelope's key-encryption key. Raises
    :class:`SyncFolderUnavailable` when the folder refuses, and
    ``FileExistsError`` when the keyring is there already, unless ``exist_ok``
    (written meanwhile by another laptop: it is left as it is).
    """
    ring = seal_keyring(kek, team_id, envelope, entries)
    ring_dir = folder / KEYRINGS_DIR
    _folder_write(folder, "writing the keyring", lambda: ring_dir.mkdir(exist_ok=True))
    with contextlib.suppress(*((FileExistsError,) if exist_ok else ())):
        _folder_write(folder, "writing the keyring",
                      lambda: create_new(ring_dir / keyring_name(envelope), ring,
                                         mode=SHARED_FILE_MODE))


def write_header(store: Store, folder: Path, kek: Kek) -> KeyEnvelope:
    """Make the passphrase ``kek`` was derived from the one that joins the team, in the
    shared folder ``folder``.

    ``kek`` comes from :meth:`Kek.new` on this laptop (its own Argon2id limits; it
    may wrap this laptop's store key too). The team key is wrapped under it,
    binding the newest key epoch this laptop knows; when the team has removed a
    laptop, the keyring for the new envelope is created first, then the header is
    replaced (atomically). Returns the new envelope. Raises
    :class:`NotATeamFolder` when the folder's header is not this team's (left as
    it is) and :class:`SyncFolderUnavailable` when the folder refuses a write.
    """
    team_id = store.meta["team_id"]
    header = sync.team_header(folder, team_id)
    if store.key is None or not header.check_key(store.key):
        raise NotATeamFolder(f"{folder / HEADER_FILE} is not this team's header; "
                             "it was left as it is")
    epochs = sync.epochs_of(store)
    envelope = kek.wrap(store.key, header_bound(epochs.current))
    if len(epochs.keys) > 1:
        create_keyring(folder, kek.key, team_id, envelope, epochs.entries())
    updated = TeamHeader(header.team_id, envelope, header.key_check, header.team_info)
    _folder_write(folder, "writing the team header",
                  lambda: atomic_write(folder / HEADER_FILE, updated.to_bytes()))
    return envelope

