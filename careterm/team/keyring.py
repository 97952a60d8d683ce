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
  fingerprint, so laptops joining with that passphrase get the whole history.
  :func:`write_keyring` writes one for the current header when it lacks one
  (after ``careterm passphrase`` in a team that removed a laptop).

Used by :mod:`careterm.team.revoke` and :mod:`careterm.team.keys`; it imports
neither.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from careterm.errors import WrongPassphrase
from careterm.store.crypto import KeyEnvelope, derive_key, new_key
from careterm.store.files import create_new
from careterm.store.store import Store
from careterm.team import sync
from careterm.team.segments import (
    EPOCH_RECORD_FILE,
    EPOCHS_DIR,
    KEYRINGS_DIR,
    SHARED_FILE_MODE,
    EpochRecord,
    SyncFolderUnavailable,
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


def new_envelope(passphrase: str, data_key: bytes, opslimit: int, memlimit: int
                 ) -> tuple[KeyEnvelope, bytes]:
    """A new envelope of ``data_key`` under ``passphrase``, and its key-encryption key
    (which seals the keyring of a header holding that envelope)."""
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    kek = derive_key(passphrase, salt, opslimit, memlimit)
    wrapped = bytes(nacl.secret.SecretBox(kek).encrypt(data_key))
    return KeyEnvelope(salt, opslimit, memlimit, wrapped), kek


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


def write_keyring(store: Store, passphrase: str) -> bool:
    """Write the keyring for the shared folder's current header, if it lacks one.

    For a passphrase change after a removal (``careterm passphrase``): laptops
    joining with the new passphrase need every epoch key. Returns True when a
    keyring was written; raises :class:`WrongPassphrase` when ``passphrase``
    does not open the header.
    """
    folder = sync.shared_folder(store)
    epochs = sync.epochs_of(store)
    if folder is None or len(epochs.keys) == 1:
        return False
    header = sync.team_header(folder, store.meta["team_id"])
    kek = header.envelope.derive(passphrase)
    if header.envelope.unwrap_with(kek) != store.key:
        raise WrongPassphrase()
    if (folder / KEYRINGS_DIR / keyring_name(header.envelope)).exists():
        return False
    create_keyring(folder, kek, header.team_id, header.envelope, epochs.entries(),
                   exist_ok=True)
    return True
