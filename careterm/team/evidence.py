"""Carrying evidence files between the team's laptops, apart from the segments.

A piece of evidence is announced by an ``evidence`` entry in a segment (it
names the file's id, size and SHA-256); its bytes travel as a file of their
own, ``devices/<device>/evidence/<id>.ct``, written once by the laptop that
added it. So notes never wait behind a 10 MB screenshot, and a laptop that
has not fetched a file yet still has the report, its notes and the entry.

Each sync, after the changes are merged (:func:`careterm.team.sync.sync`):

* **publish**: every piece of evidence this laptop added whose file is not
  in its own folder yet is sealed under the newest key epoch and signed with
  this laptop's signing key, and created there (never overwritten). Nothing
  is written when this laptop's own folder is not safe to write (a link
  planted in its place: the sync already warns).
* **fetch**: every piece of evidence another laptop added and this one lacks
  is read from *that laptop's* folder, as untrusted input: only a regular
  file, never more than the size its entry announced plus the sealing
  overhead; the file's hint must name this team, that laptop and that id;
  it must open under a key epoch this laptop has, carry that laptop's
  signature (its pinned registration), and hold exactly the bytes the entry
  announced (size and SHA-256). Then it is kept sealed on this laptop
  (:mod:`careterm.store.evidence`). A file that fails is named in the sync
  report and tried again when it changes; one not there yet is counted as
  waiting.

A file's bytes can only come from the laptop whose signed change announced
them, so a planted or swapped file is refused, and a laptop removed from the
team cannot publish new evidence under the new key epoch.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nacl.exceptions
import nacl.signing

from careterm.core.evidence import EvidenceItem, evidence_items
from careterm.core.model import Incident
from careterm.store import evidence as local
from careterm.store.crypto import Unsealable, seal, subkey, unseal
from careterm.store.files import create_new
from careterm.store.store import Store
from careterm.team.folder import FileMissing, UnsafeFile, list_dir, loads_json, read_regular
from careterm.team.segments import DEVICES_DIR, Epochs, Registration, is_epoch

EVIDENCE_MAGIC = b"CTEVID1\n"
OVERHEAD = 64 * 1024
"""Room for the hint, the seal and the signature around an evidence file's bytes."""


@dataclass
class EvidenceReport:
    """What one exchange did."""

    published: int = 0
    fetched: int = 0
    waiting: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _aad(team_id: str, epoch: str, device_id: str, evidence_id: str) -> bytes:
    return json.dumps(["evidence", team_id, epoch, device_id, evidence_id]).encode()


def build_file(data: bytes, *, key: bytes, epoch: str, signing_key: nacl.signing.SigningKey,
               team_id: str, device_id: str, evidence_id: str) -> bytes:
    """The shared-folder file carrying ``data`` (signed by the device, sealed for the team)."""
    hint = json.dumps({"team": team_id, "dev": device_id, "id": evidence_id,
                       "epoch": epoch}).encode()
    signed = bytes(signing_key.sign(data))
    return (EVIDENCE_MAGIC + hint + b"\n"
            + seal(subkey(key, "evidence"), signed, _aad(team_id, epoch, device_id, evidence_id)))


def open_file(blob: bytes, *, keys: dict[str, bytes], verify_key: bytes, team_id: str,
              item: EvidenceItem) -> bytes:
    """The bytes of a shared evidence file; ``ValueError`` (the reason) when unusable."""
    if not blob.startswith(EVIDENCE_MAGIC):
        raise ValueError("not a careterm evidence file")
    newline = blob.find(b"\n", len(EVIDENCE_MAGIC), len(EVIDENCE_MAGIC) + 400)
    if newline < 0:
        raise ValueError("damaged file header")
    try:
        hint = loads_json(blob[len(EVIDENCE_MAGIC):newline])
        claimed = (str(hint["team"]), str(hint["dev"]), str(hint["id"]))
        epoch = hint["epoch"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("damaged file header") from None
    if claimed[0] != team_id:
        raise ValueError("belongs to another careterm team")
    if claimed[1:] != (item.dev, item.id) or not is_epoch(epoch):
        raise ValueError("renamed or replayed: it is not the file its entry announced")
    key = keys.get(epoch)
    if key is None:
        raise ValueError("sealed under a key this laptop does not have yet")
    try:
        signed = unseal(subkey(key, "evidence"), blob[newline + 1:],
                        _aad(team_id, epoch, item.dev, item.id))
    except Unsealable:
        raise ValueError("failed authentication: damaged, tampered with or incomplete") \
            from None
    try:
        data = nacl.signing.VerifyKey(verify_key).verify(signed[64:], signed[:64])
    except (nacl.exceptions.BadSignatureError, ValueError):
        raise ValueError("signature does not match the laptop that announced it") from None
    if len(data) != item.size or local.digest(data) != item.sha256:
        raise ValueError("does not hold the bytes its entry announced")
    return data


def _items(incidents: Iterable[Incident]) -> list[EvidenceItem]:
    return [item for incident in incidents if "evidence" in incident.entries
            for item in evidence_items(incident)]


def _own_evidence_dir(folder: Path, me: str) -> Path | None:
    """This laptop's evidence folder in the shared folder, made if missing; ``None`` when
    something that is not a plain folder took its (or its parent's) place."""
    own = folder / DEVICES_DIR / me
    target = own / local.EVIDENCE_DIR
    for path in (own, target):
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            try:
                os.mkdir(path, 0o700)
            except OSError:
                return None
            continue
        except OSError:
            return None
        if not stat.S_ISDIR(info.st_mode):
            return None
    return target


def exchange(store: Store, folder: Path, *, team_id: str, epochs: Epochs,
             signing_key: nacl.signing.SigningKey,
             registration: Callable[[str], Registration | None],
             may_write: bool) -> EvidenceReport:
    """Publish this laptop's evidence files and fetch the others' (see the module notes).
    Never raises for a file of the folder: each problem is named in the report."""
    report = EvidenceReport()
    me = store.device_id
    items = _items(store.incidents().values())
    if not items:
        return report
    mine = [i for i in items if i.dev == me]
    if mine and may_write:
        _publish(store, folder, mine, team_id, epochs, signing_key, report)
    for item in items:
        if item.dev == me or local.has_file(store, item.id):
            continue
        _fetch(store, folder, item, team_id, epochs, registration, report)
    return report


def _publish(store: Store, folder: Path, mine: list[EvidenceItem], team_id: str,
             epochs: Epochs, signing_key: nacl.signing.SigningKey,
             report: EvidenceReport) -> None:
    target = _own_evidence_dir(folder, store.device_id)
    if target is None:
        return
    try:
        present = {entry.name for entry in list_dir(target, root=folder)}
    except UnsafeFile:
        return
    epoch = epochs.current
    for item in mine:
        name = f"{item.id}.ct"
        if name in present:
            continue
        data = local.read(store, item.id) if local.has_file(store, item.id) else None
        if data is None:
            continue  # added on this laptop by an older copy of the store: nothing to send
        blob = build_file(data, key=epochs.keys[epoch], epoch=epoch, signing_key=signing_key,
                          team_id=team_id, device_id=store.device_id, evidence_id=item.id)
        try:
            create_new(target / name, blob, mode=0o644)
        except FileExistsError:
            continue
        except OSError as exc:
            report.skipped.append((f"{DEVICES_DIR}/{store.device_id}/evidence/{name}",
                                   f"could not be written: {exc.strerror or exc}"))
            return
        report.published += 1


def _fetch(store: Store, folder: Path, item: EvidenceItem, team_id: str, epochs: Epochs,
           registration: Callable[[str], Registration | None],
           report: EvidenceReport) -> None:
    rel = f"{DEVICES_DIR}/{item.dev}/{local.EVIDENCE_DIR}/{item.id}.ct"
    try:
        blob = read_regular(folder / rel, root=folder, limit=item.size + OVERHEAD)
    except FileMissing:
        report.waiting += 1
        return
    except UnsafeFile as exc:
        report.skipped.append((rel, exc.reason))
        return
    reg = registration(item.dev)
    if reg is None:
        report.skipped.append((rel, "its laptop's registration cannot be read"))
        return
    try:
        data = open_file(blob, keys=epochs.keys, verify_key=reg.verify_key, team_id=team_id,
                         item=item)
    except ValueError as exc:
        report.skipped.append((rel, str(exc)))
        return
    local.keep(store, item.id, data)
    report.fetched += 1
