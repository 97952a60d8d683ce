"""Encrypted backup and restore: one file, the same passphrase, verified before use.

A backup file is one JSON line of header (format and the passphrase-wrapped
data key, exactly as in the home's key file) followed by the whole store,
sealed with a key derived from the data key, written atomically (fsynced, by
:mod:`careterm.store.files`). Nothing in it is readable without the team
passphrase.

Restore never loses data: into an empty home it recreates the store; into a
home with the same team key it *merges* the backup's changes (a change
already present is skipped), so restoring twice or restoring an old backup
adds nothing twice and removes nothing; a home with another key is refused
unless asked to move the old store aside (renamed, never deleted).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.signing

from careterm.core import clock, ids
from careterm.errors import CaretermError, InvalidInput, StoreDamaged
from careterm.store.crypto import KeyEnvelope, Unsealable, seal, subkey, unseal
from careterm.store.files import atomic_write
from careterm.store.store import Store, has_store, home_lock, read_envelope, write_envelope

MAGIC = "careterm-backup"


PURPOSE = b"careterm/backup/v1"


CHANGE_KEYS = {"cid", "inc", "op", "data", "hlc", "dev", "by", "at"}


def write_backup(store: Store, path: Path) -> int:
    """Write a backup of ``store`` to ``path`` (atomically); return the number of changes."""
    if store.home is None or store.key is None:
        raise InvalidInput("only a store on disk can be backed up")
    with store.locked():
        store.refresh()
        payload = {"meta": store.meta, "changes": store.changes(),
                   "taken_at": clock.now().isoformat()}
        envelope = read_envelope(store.home)
    header = {"format": MAGIC, "version": 1, **envelope.to_dict()}
    blob = seal(subkey(store.key, "backup"),
                json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass"), PURPOSE)
    atomic_write(path, json.dumps(header).encode() + b"\n" + blob)
    return len(payload["changes"])


@dataclass
class Backup:
    """A backup file that has been decrypted and checked."""

    envelope: KeyEnvelope
    data_key: bytes
    meta: dict[str, Any]
    changes: list[dict[str, Any]]


def read_backup(path: Path, passphrase: str) -> Backup:
    """Open and verify a backup; raise a clear error if it is not one or is damaged."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    head, sep, blob = raw.partition(b"\n")
    try:
        header = json.loads(head) if sep else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != MAGIC:
        raise InvalidInput(f"{path} is not a careterm backup")
    try:
        envelope = KeyEnvelope.from_dict(header)
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreDamaged(path, "unreadable header") from exc
    data_key = envelope.unwrap(passphrase)
    try:
        payload = json.loads(unseal(subkey(data_key, "backup"), blob, PURPOSE))
    except (Unsealable, ValueError) as exc:
        raise StoreDamaged(path, "authentication failed") from exc
    changes = payload.get("changes") if isinstance(payload, dict) else None
    meta = payload.get("meta") if isinstance(payload, dict) else None
    if not isinstance(changes, list) or not isinstance(meta, dict) or not all(
            isinstance(c, dict) and CHANGE_KEYS <= set(c) for c in changes):
        raise StoreDamaged(path, "unexpected contents")
    return Backup(envelope, data_key, meta, changes)


@dataclass
class RestoreResult:
    """What a restore did."""

    created: bool
    added: int
    moved_aside: Path | None = None


def restore_backup(home: Path, path: Path, passphrase: str, *,
                   replace: bool = False) -> RestoreResult:
    """Restore ``path`` into ``home``; verified completely before anything is changed."""
    backup = read_backup(path, passphrase)
    moved: Path | None = None
    if has_store(home):
        current_key: bytes | None
        try:
            current_key = read_envelope(home).unwrap(passphrase)
        except CaretermError:
            current_key = None
        if current_key == backup.data_key:
            store = Store.open_with_key(home, current_key)
            added = store.add_foreign(backup.changes)
            return RestoreResult(created=False, added=len(added))
        if not replace:
            raise InvalidInput(
                f"{home} holds another team's store (or one with another passphrase); "
                "nothing was changed. Use --replace to move it aside and restore.")
        moved = _move_aside(home)
    home.mkdir(parents=True, exist_ok=True)
    store = Store.open_with_key(home, backup.data_key, _new=True)
    store.seed(as_new_device(backup.meta, backup.changes), backup.changes)
    # The key file goes last: until it exists the home holds no store.
    write_envelope(home, backup.envelope)
    return RestoreResult(created=True, added=len(backup.changes), moved_aside=moved)


def as_new_device(meta: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The meta record for a restored store, which acts as a new device.

    The backup may be older than what its laptop went on to write and share;
    continuing under the old device id and id prefix would reuse change ids and
    incident ids already used since. A new device id, a prefix no incident
    uses yet, and a new signing key for the shared folder avoid that; the
    next sync registers the device.
    """
    used_tags = {change["inc"][:ids.TAG_LENGTH] for change in changes}
    fresh = dict(meta)
    fresh["device_id"] = ids.new_device_id()
    fresh["device_tag"] = ids.new_device_tag(used_tags | {meta.get("device_tag", "")})
    fresh["restored_from_device"] = meta.get("device_id")
    if "sync_signing_key" in fresh:
        fresh["sync_signing_key"] = base64.b64encode(
            bytes(nacl.signing.SigningKey.generate())).decode("ascii")
    return fresh


def _move_aside(home: Path) -> Path:
    """Rename the current store files so nothing is lost; return the folder they went to."""
    aside = home / f"before-restore-{clock.now():%Y%m%d-%H%M%S}"
    aside.mkdir()
    with home_lock(home):
        # Everything of the old store: snapshot, journal, key, draft, sync state.
        for path in home.iterdir():
            if path.is_file() and not path.name.endswith("lock"):
                os.replace(path, aside / path.name)
    return aside
