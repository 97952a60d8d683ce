"""Evidence files on this laptop: a screenshot, a photo of a badge, an e-mail as it arrived.

A piece of evidence has two halves. What it is (its name, size, type, who
added it, when, a note, the SHA-256 of its bytes) is an ``evidence`` entry in
the report's record, a change like any other (:mod:`careterm.actions.evidence`),
so it syncs with the notes and every laptop lists it at once. Its bytes are
a file of their own, kept here and carried through the shared folder apart
from the segments (:mod:`careterm.team.evidence`), so a 10 MB screenshot
never slows down the sync of notes, and a laptop that has not fetched a file
yet still has the report and knows the file exists.

Here: ``<home>/evidence/<id>.ct``, each sealed with this laptop's evidence
key, a random key kept in the store's (encrypted) meta record. It is not the
store key, so a re-key after a laptop is removed does not leave old evidence
unreadable, and a backup (which holds the meta) can open the evidence it
holds. The file's id is bound into the seal, so a file renamed to another id
does not open. Every write goes through :mod:`careterm.store.files`.

careterm never opens, renders or runs an evidence file: it only seals,
unseals and copies bytes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from careterm.errors import InvalidInput
from careterm.store.crypto import Unsealable, b64, new_key, seal, unb64, unseal
from careterm.store.files import atomic_write, create_new
from careterm.store.store import Store, StoreLocked

EVIDENCE_DIR = "evidence"
"""Folder of the home (and of a device's shared folder) holding evidence files."""
EVIDENCE_ID = re.compile(r"^[0-9a-f]{32}$")
"""What an evidence id looks like (a random 128-bit hex string)."""


def evidence_purpose(evidence_id: str) -> bytes:
    """What a sealed evidence file is bound to (its id), here and in the shared folder."""
    return b"careterm-evidence:" + evidence_id.encode()


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex: what the record says the file holds."""
    return hashlib.sha256(data).hexdigest()


def _key(store: Store) -> bytes:
    if store.is_locked:
        raise StoreLocked()
    held = store.meta.get("evidence_key")
    if held:
        return unb64(held, size=32)
    key = new_key()
    store.update_meta(evidence_key=b64(key))
    return unb64(store.meta["evidence_key"], size=32)


def _path(store: Store, evidence_id: str) -> Path:
    if store.home is None:
        raise InvalidInput("evidence needs a careterm store on disk")
    if not EVIDENCE_ID.match(evidence_id):
        raise InvalidInput(f"{evidence_id!r} is not an evidence id")
    return store.home / EVIDENCE_DIR / f"{evidence_id}.ct"


def has_file(store: Store, evidence_id: str) -> bool:
    """True when this laptop holds the bytes of ``evidence_id``."""
    return store.home is not None and _path(store, evidence_id).is_file()


def keep(store: Store, evidence_id: str, data: bytes) -> None:
    """Seal and keep ``data`` as ``evidence_id`` (replacing a damaged copy)."""
    path = _path(store, evidence_id)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    blob = seal(_key(store), data, evidence_purpose(evidence_id))
    try:
        create_new(path, blob)
    except FileExistsError:
        atomic_write(path, blob)


def read(store: Store, evidence_id: str) -> bytes | None:
    """The bytes of ``evidence_id``, or ``None`` when this laptop does not have them (yet).

    Raises :class:`InvalidInput` when the file is here but does not open (damaged).
    """
    path = _path(store, evidence_id)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InvalidInput(f"evidence file {path.name} could not be read: "
                           f"{exc.strerror or exc}") from None
    try:
        return unseal(_key(store), blob, evidence_purpose(evidence_id))
    except Unsealable:
        raise InvalidInput(f"evidence file {path.name} is damaged; the next sync fetches "
                           "it again from the laptop that added it") from None


def discard(store: Store, evidence_id: str) -> None:
    """Remove a damaged copy, so the next sync fetches it again."""
    path = _path(store, evidence_id)
    path.unlink(missing_ok=True)


def write_copy(data: bytes, destination: Path) -> Path:
    """Write a decrypted copy to ``destination`` (a file, or a folder to put ``name`` in),
    never over an existing file. Returns the path written."""
    try:
        create_new(destination, data, mode=0o600)
    except FileExistsError:
        raise InvalidInput(f"{destination} already exists; nothing was written (choose "
                           "another name)") from None
    except OSError as exc:
        raise InvalidInput(f"{destination} could not be written: {exc.strerror or exc}; "
                           "nothing was written") from None
    return destination
