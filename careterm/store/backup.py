"""Encrypted backup and restore: one file, the same passphrase, verified before use.

A backup file is one JSON line of header (format, and this laptop's store key
wrapped under the passphrase exactly as in the home's key file) followed by the
whole store, sealed with a subkey of the store key, written atomically (fsynced,
by :mod:`careterm.store.files`). Nothing in it is readable without the team
passphrase the laptop was unlocked with. After a re-key (a laptop was removed
from the team, see :mod:`careterm.store.store`) backups are sealed under the new
store key and wrapped under the new passphrase: the removed member's old
passphrase opens none of them (until the laptop is unlocked with the new
passphrase, making a backup is refused with a sentence saying so).

Version 1 backups (before each laptop had a store key of its own: the header
wrapped the team key, which sealed the store) are still read.

Restore never loses data: into an empty home it recreates the store (with a
store key of its own); into a home of the same team (the same team key) it
*merges* the backup's changes (a change already present is skipped), so
restoring twice or restoring an old backup adds nothing twice and removes
nothing; a home of another team, or that this passphrase does not open, is
refused unless asked to move the old store aside (renamed, never deleted).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.signing

from careterm.core import clock, ids
from careterm.errors import CaretermError, InvalidInput, StoreDamaged
from careterm.store import evidence
from careterm.store.compact import remember_backup
from careterm.store.crypto import KeyEnvelope, Unsealable, seal, subkey, unseal
from careterm.store.files import atomic_write
from careterm.store.keyfile import STORE_BOUND, Kek, KeyFile, read_key_file
from careterm.store.store import (
    TEAM_KEY_META,
    Store,
    has_store,
    home_lock,
    write_shared_hint,
)

MAGIC = "careterm-backup"


VERSION = 2


PURPOSE = b"careterm/backup/v2"


V1_PURPOSE = b"careterm/backup/v1"


CHANGE_KEYS = {"cid", "inc", "op", "data", "hlc", "dev", "by", "at"}


SHARED_DIR_META = "shared_dir"
"""Meta field of the team's shared folder (:data:`careterm.team.sync.META_SHARED_DIR`)."""


def write_backup(store: Store, path: Path) -> int:
    """Write a backup of ``store`` to ``path`` (atomically); return the number of changes."""
    if store.home is None or store.store_key is None:
        raise InvalidInput("only a store on disk can be backed up")
    with store.locked():
        store.refresh()
        payload = {"meta": store.meta, "changes": store.changes(),
                   "taken_at": clock.now().isoformat(), "evidence": _evidence_of(store)}
        key_file = read_key_file(store.home)
        key = store.file_keys("backup")[0]
        if key_file.passphrase is None or key_file.key_id != store.store_key_id:
            raise InvalidInput(
                "this laptop learnt that a laptop was removed from the team, which changed "
                "the team passphrase: lock and unlock with the new passphrase before making a "
                "backup; nothing was written")
    header = {"format": MAGIC, "version": VERSION, "key": key_file.passphrase.to_dict()}
    blob = seal(key, json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                PURPOSE)
    atomic_write(path, json.dumps(header).encode() + b"\n" + blob)
    # Remembered (in the sealed meta), so an erasure can warn that this backup still
    # holds what it erased (careterm.store.compact).
    remember_backup(store, path, datetime.fromisoformat(payload["taken_at"]))
    return len(payload["changes"])


def _evidence_of(store: Store) -> dict[str, str]:
    """Every evidence file this laptop holds, by id (base64; the whole payload is sealed)."""
    held: dict[str, str] = {}
    folder = store.home / evidence.EVIDENCE_DIR if store.home is not None else None
    if folder is None or not folder.is_dir():
        return held
    for path in sorted(folder.glob("*.ct")):
        data = evidence.read(store, path.stem) if evidence.EVIDENCE_ID.match(path.stem) else None
        if data is not None:
            held[path.stem] = base64.b64encode(data).decode("ascii")
    return held


def _keep_evidence(store: Store, held: dict[str, bytes]) -> None:
    for evidence_id, data in held.items():
        if not evidence.has_file(store, evidence_id):
            evidence.keep(store, evidence_id, data)


@dataclass
class Backup:
    """A backup file that has been decrypted and checked."""

    kek: Kek
    """The key derived from the passphrase (it wraps the restored store's keys too)."""
    team_key: bytes
    meta: dict[str, Any]
    changes: list[dict[str, Any]]
    passphrase_epochs: frozenset[str]
    """The key epochs the passphrase was current for when the backup was made."""
    evidence: dict[str, bytes] = field(default_factory=dict)
    """Evidence files the laptop held, by id (none in backups made before evidence)."""


def read_backup(path: Path, passphrase: str) -> Backup:
    """Open and verify a backup; raise a clear error if it is not one or is damaged."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    head, sep, blob = raw.partition(b"\n")
    try:
        header = json.loads(head) if sep else None
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict) or header.get("format") != MAGIC:
        raise InvalidInput(f"{path} is not a careterm backup")
    version = header.get("version")
    try:
        if version == 1:
            envelope = KeyEnvelope.from_dict(header)
        elif version == VERSION:
            envelope = KeyEnvelope.from_dict(header["key"])
            if not envelope.bound.startswith(STORE_BOUND):
                raise ValueError("not a store key wrapping")
        else:
            raise InvalidInput(f"{path} was written by a newer careterm; update careterm to "
                               "restore it")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreDamaged(path, "unreadable header") from exc
    kek = Kek(envelope.derive(passphrase), envelope)
    key = envelope.unwrap_with(kek.key)
    try:
        payload = json.loads(unseal(subkey(key, "backup"), blob,
                                    PURPOSE if version == VERSION else V1_PURPOSE))
    except (Unsealable, ValueError, RecursionError) as exc:
        raise StoreDamaged(path, "authentication failed") from exc
    changes = payload.get("changes") if isinstance(payload, dict) else None
    meta = payload.get("meta") if isinstance(payload, dict) else None
    if not isinstance(changes, list) or not isinstance(meta, dict) or not all(
            isinstance(c, dict) and CHANGE_KEYS <= set(c) for c in changes):
        raise StoreDamaged(path, "unexpected contents")
    if version == 1:
        # The team key sealed the store itself; the passphrase may predate any removal.
        team_key, epochs = key, frozenset({"0"})
        meta = {**meta, TEAM_KEY_META: base64.b64encode(key).decode("ascii")}
    else:
        try:
            team_key = base64.b64decode(meta[TEAM_KEY_META], validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreDamaged(path, "unexpected contents") from exc
        epochs = KeyFile("backup", envelope).passphrase_epochs
    held = payload.get("evidence") or {}
    try:
        files = {k: base64.b64decode(v, validate=True) for k, v in held.items()
                 if evidence.EVIDENCE_ID.match(k)}
    except (AttributeError, TypeError, ValueError) as exc:
        raise StoreDamaged(path, "unexpected contents") from exc
    return Backup(kek, team_key, meta, changes, epochs, files)


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
        current: Store | None
        try:
            current = Store.open(home, passphrase)
        except CaretermError:
            current = None
        if current is not None:
            try:
                if (current.key == backup.team_key
                        and current.meta.get("team_id") == backup.meta.get("team_id")):
                    added = current.add_foreign(backup.changes)
                    _keep_evidence(current, backup.evidence)
                    return RestoreResult(created=False, added=len(added))
            finally:
                current.close()
        if not replace:
            raise InvalidInput(
                f"{home} holds another team's store (or one with another passphrase); "
                "nothing was changed. Use --replace to move it aside and restore.")
        moved = _move_aside(home)
    home.mkdir(parents=True, exist_ok=True)
    store = Store.restore(home, backup.kek, as_new_device(backup.meta, backup.changes),
                          backup.changes, backup.passphrase_epochs)
    try:
        _keep_evidence(store, backup.evidence)
    finally:
        store.close()
    shared = backup.meta.get(SHARED_DIR_META)
    if isinstance(shared, str) and shared:
        # The way to a passphrase changed meanwhile (careterm.team.keys.unlock).
        write_shared_hint(home, Path(shared))
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
