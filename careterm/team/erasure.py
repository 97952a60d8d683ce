"""Erasure in the shared folder: each laptop rewrites its own files, and says it did.

An erasure (:mod:`careterm.core.erasure`) reaches every laptop as a change. At each
sync (:func:`careterm.team.sync.sync`) a laptop that holds an erasure it has not
carried out yet (its sync record lists those it has, ``erased``):

1. scrubs its home (:func:`careterm.store.compact.scrub_home`: store, evidence, draft);
2. records an ``erased`` change naming the erasure (the acknowledgement
   ``careterm erase --status`` and ``careterm doctor`` read);
3. *compacts its own segments*: publishes one new segment holding every change it
   ever published, now scrubbed, plus the acknowledgement, which names all its
   earlier files as *replaced* (the chain's ``replaces``, so no reader warns of a
   gap), then deletes those files, and deletes its own shared evidence files no
   report announces any more (:func:`delete_unannounced_evidence`).

A laptop only ever rewrites its own folder: the others' files are theirs to
compact, which they do at their next sync. Until then a laptop that has not synced
keeps its copy, and its files in the shared folder still hold the values; the
status names it (:func:`status`). Changes it made meanwhile are scrubbed by every
laptop that receives them (:meth:`careterm.store.store.Store.add_foreign`).

:func:`readable_folder` decrypts every file of the shared folder this laptop has a
key for (every segment of every laptop, every evidence file, the registrations),
for ``careterm erase --verify``.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nacl.exceptions
import nacl.public

from careterm.core.erasure import ERASED_OP, Erasure, Erasures, describe
from careterm.core.textsafe import visible
from careterm.core.whentext import describe_when
from careterm.store.compact import scrub_home
from careterm.store.crypto import Unsealable, subkey, unseal
from careterm.store.evidence import EVIDENCE_DIR, EVIDENCE_ID
from careterm.store.station import REPORT_MAGIC, REPORT_SUFFIX, STATION_TAG_PREFIX, STATIONS_DIR
from careterm.store.store import Store
from careterm.team.evidence import EVIDENCE_MAGIC
from careterm.team.segments import DEVICES_DIR, SEGMENT_MAGIC, parse_segment_name
from careterm.team.stations import intake_private_key

STATE_KEY = "erased"
"""Key of the sync record listing the erasures this laptop carried out in the folder."""


def pending(store: Store, done: set[str]) -> list[str]:
    """Ids of the erasures the store holds that this laptop has not carried out in the
    shared folder yet (``done``: those it has)."""
    return sorted(cid for cid in store.erasures().by_cid if cid not in done)


def carry_out(store: Store, erasures: list[str]) -> None:
    """Scrub the home for every erasure, and record an ``erased`` change for each that
    this laptop has not acknowledged yet (published by the compaction that follows)."""
    scrub_home(store)
    known = store.erasures()
    me = store.device_id
    missing = [cid for cid in erasures if (cid, me) not in known.acks]
    if not missing:
        return

    def build(maker: object) -> None:
        for cid in missing:
            erasure = known.by_cid[cid]
            maker.add(erasure.inc, ERASED_OP, {"erasure": cid})  # type: ignore[attr-defined]

    store.transact(build)  # type: ignore[arg-type]


def delete_unannounced_evidence(store: Store, folder: Path) -> int:
    """Delete this laptop's evidence files in the shared folder that no report announces
    any more (their entry was erased); return how many."""
    target = folder / DEVICES_DIR / store.device_id / EVIDENCE_DIR
    announced = {entry.data.get("id") for incident in store.incidents().values()
                 for entry in incident.entries.get("evidence", ())}
    deleted = 0
    try:
        names = [p.name for p in target.iterdir()]
    except OSError:
        return 0
    for name in names:
        stem = name.removesuffix(".ct")
        if name.endswith(".ct") and EVIDENCE_ID.match(stem) and stem not in announced:
            with contextlib.suppress(OSError):
                (target / name).unlink()
                deleted += 1
    return deleted


def delete_erased_station_files(store: Store, folder: Path, erasures: list[str]) -> int:
    """Delete the intake-station file each erased report was picked up from (its id is
    the station's reference: ``stations/<station>/<ref>.rep``); return how many. Any CARE
    laptop may: the report lives on in the team's segments, scrubbed."""
    known = store.erasures()
    refs = {known.by_cid[cid].inc for cid in erasures if cid in known.by_cid}
    deleted = 0
    stations = folder / STATIONS_DIR
    for ref in sorted(r for r in refs if r.startswith(STATION_TAG_PREFIX)):
        try:
            folders = [p for p in stations.iterdir() if p.is_dir() and not p.is_symlink()]
        except OSError:
            return deleted
        for station_folder in folders:
            path = station_folder / f"{ref}{REPORT_SUFFIX}"
            if path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
                    deleted += 1
    return deleted


# ------------------------------------------------------------------------- status

@dataclass(frozen=True)
class LaptopStatus:
    """Whether one laptop carried out one erasure."""

    device_id: str
    member: str
    erased: bool
    last_wrote: datetime | None
    """When the laptop last wrote to the shared folder (``None``: never, or unknown)."""


@dataclass(frozen=True)
class ErasureStatus:
    """One erasure and where it has been carried out."""

    erasure: Erasure
    laptops: list[LaptopStatus]

    @property
    def everywhere(self) -> bool:
        return all(laptop.erased for laptop in self.laptops)


def status(store: Store, laptops: dict[str, tuple[str, datetime | None]]) -> list[ErasureStatus]:
    """Per erasure the store holds, per laptop of ``laptops`` (device id → (member,
    when it last wrote to the folder)), whether it has erased. This laptop counts
    once it has acknowledged (its sync carried the erasure out in the folder)."""
    known: Erasures = store.erasures()
    out = []
    for erasure in sorted(known.by_cid.values(), key=lambda e: (e.hlc, e.cid)):
        rows = [LaptopStatus(dev, member, (erasure.cid, dev) in known.acks, last)
                for dev, (member, last) in sorted(laptops.items(), key=lambda i: i[1][0])]
        out.append(ErasureStatus(erasure, rows))
    return out


def status_lines(store: Store, laptops: dict[str, tuple[str, datetime | None]],
                 now: datetime) -> list[str]:
    """``careterm erase --status`` as lines (the app's "Erasure status" screen shows the
    same): each erasure (report, what, by whom, when), then per laptop of ``laptops``
    whether it has erased, naming those that have not synced since. Control characters
    replaced; an indented line is a laptop."""
    found = status(store, laptops)
    if not found:
        return ["no erasure recorded"]
    lines = []
    for item in found:
        erasure = item.erasure
        at = datetime.fromisoformat(erasure.at) if erasure.at else None
        lines.append(visible(f"{erasure.inc}: {describe(erasure)}, by "
                             f"{erasure.by or 'someone'}, {_moment(at, now)}", one_line=True))
        for laptop in item.laptops:
            who = f"{laptop.member or 'an unnamed member'}'s laptop"
            if laptop.device_id == store.device_id:
                who += " (this laptop)"
            if laptop.erased:
                state = "erased"
            elif laptop.last_wrote is None:
                state = "not yet: it has not synced since it joined"
            elif at is not None and laptop.last_wrote < at:
                state = (f"not yet: it has not synced since the erasure (last "
                         f"{_moment(laptop.last_wrote, now)})")
            else:
                state = "not yet: it erases at its next sync"
            lines.append(visible(f"  {who}: {state}", one_line=True))
    return lines


def _moment(at: datetime | None, now: datetime) -> str:
    """As :func:`careterm.views.detail.moment` says it (the team layer cannot import views)."""
    return describe_when(at, now) if at else "(time unknown)"


# --------------------------------------------------------------------- reading back

def readable_folder(folder: Path, keys: dict[str, bytes], team_id: str) -> list[tuple[str, str]]:
    """(file, decrypted text) for every file below ``folder``: segments and evidence
    files opened with whichever of ``keys`` (epoch → key) opens them, every other
    file as it is. A file that does not open is searched as it is."""
    found: list[tuple[str, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = str(path.relative_to(folder))
        try:
            blob = path.read_bytes()
        except OSError:
            continue
        parts = path.relative_to(folder).parts
        text = None
        if len(parts) == 3 and parts[0] == DEVICES_DIR and parse_segment_name(path.name):
            text = _open_segment(blob, keys, team_id, parts[1], parse_segment_name(path.name))
        elif len(parts) == 4 and parts[0] == DEVICES_DIR and parts[2] == EVIDENCE_DIR:
            text = _open_evidence(blob, keys, team_id, parts[1], path.name.removesuffix(".ct"))
        elif len(parts) == 3 and parts[0] == STATIONS_DIR and path.suffix == REPORT_SUFFIX:
            text = _open_station_report(blob, keys)
        found.append((rel, text if text is not None else blob.decode("utf-8", "replace")))
    return found


def _open_station_report(blob: bytes, keys: dict[str, bytes]) -> str | None:
    """An intake station's report as the CARE laptops read it (signature not checked:
    only its text is searched)."""
    if not blob.startswith(REPORT_MAGIC):
        return None
    for key in keys.values():
        try:
            box = nacl.public.SealedBox(nacl.public.PrivateKey(intake_private_key(key)))
            signed = box.decrypt(blob[len(REPORT_MAGIC):])
        except (nacl.exceptions.CryptoError, ValueError):
            continue
        return signed[64:].decode("utf-8", "replace")
    return None


def _hint(blob: bytes, magic: bytes) -> tuple[dict, bytes] | None:
    newline = blob.find(b"\n", len(magic), len(magic) + 600)
    if not blob.startswith(magic) or newline < 0:
        return None
    try:
        hint = json.loads(blob[len(magic):newline])
    except ValueError:
        return None
    return (hint, blob[newline + 1:]) if isinstance(hint, dict) else None


def _open_segment(blob: bytes, keys: dict[str, bytes], team_id: str, device_id: str,
                  parsed: tuple[int, bool] | None) -> str | None:
    found = _hint(blob, SEGMENT_MAGIC)
    if found is None or parsed is None:
        return None
    hint, body = found
    epoch = str(hint.get("epoch", "0"))
    seq = hint.get("seq", parsed[0])
    key = keys.get(epoch)
    if key is None:
        return None
    aad = "|".join(["careterm/segment/v1", team_id, device_id, str(seq)]
                   + ([] if epoch == "0" else [f"epoch={epoch}"])).encode()
    try:
        signed = unseal(subkey(key, "segments"), body, aad)
        return zlib.decompress(signed[64:]).decode("utf-8", "replace")
    except (Unsealable, zlib.error):
        return None


def _open_evidence(blob: bytes, keys: dict[str, bytes], team_id: str, device_id: str,
                   evidence_id: str) -> str | None:
    found = _hint(blob, EVIDENCE_MAGIC)
    if found is None:
        return None
    hint, body = found
    epoch = str(hint.get("epoch", "0"))
    key = keys.get(epoch)
    if key is None:
        return None
    aad = json.dumps(["evidence", team_id, epoch, device_id, evidence_id]).encode()
    try:
        return unseal(subkey(key, "evidence"), body, aad)[64:].decode("utf-8", "replace")
    except Unsealable:
        return None


def readable_sync_state(store: Store) -> list[tuple[str, str]]:
    """(file, decrypted text) of this laptop's sync record (``sync-state.ct``)."""
    home, key = store.home, store.key
    if home is None or key is None:
        return []
    path = home / "sync-state.ct"
    try:
        blob = path.read_bytes()
    except OSError:
        return []
    purpose = f"careterm/sync-state/v1|{store.meta['team_id']}|{store.device_id}".encode()
    try:
        return [(path.name, unseal(subkey(key, "sync-state"), blob, purpose).decode(
            "utf-8", "replace"))]
    except Unsealable:
        return [(path.name, blob.decode("utf-8", "replace"))]
