"""Sync between CARE laptops through a shared folder (Syncthing, Dropbox, a USB stick…).

There is no server. Each laptop (*device*) publishes its own new change
records as a new, signed, sealed file in its own folder of the shared folder
(layout in :mod:`careterm.team.segments`), and reads the files other devices made
since its last sync. Merging is :class:`careterm.core.model.Fold`, a CRDT:

* per field, the change with the greatest ``(hybrid clock stamp, device id,
  change id)`` wins; the losing values stay in the incident's history;
* notes and other timeline entries are only ever added (union);
* the earliest acknowledgement is kept;
* a change id seen before is ignored, so reading a file twice, or a conflict
  copy of it, adds nothing.

So any order, any repetition of files gives the same board on every laptop.

After a laptop was removed (:mod:`careterm.team.revoke`), files are sealed under
the key of the newest *key epoch* this laptop has. Each sync first lists
``epochs/`` (one directory listing; nothing is read when no epoch is new),
accepts an epoch whose key file for this device opens and whose record is
signed by its creator's pinned registration (never one made by a laptop
known to be removed), keeps its key in the store's meta, and publishes with
it from then on. While reading, the removed laptop's files are kept only
when their digest is among those its removal recorded, and a device that
registered, under a key the removed laptop has, after it was removed is
refused; both are named in the report with the reason, on every sync. A
file refused for want of a key is read again once a key is learnt.

A device's registration is the one the newest key epoch's signed record
pinned for it, when there is one (a laptop that joined after the removal has
no earlier sighting to go by); otherwise the first one seen. A folder copy
that differs from the recorded one is refused and named on every sync, and
files signed with its key fail their signature check.

Reading: the folder is someone else's input. Every read goes through
:mod:`careterm.team.folder`: only regular files, no link below the folder
followed (a device folder or a segment that is a link is named and skipped,
and this laptop's own folder replaced by a link is warned about and never
written through: its changes wait on the laptop), nothing that can block (a
FIFO is refused before it is opened), a size cap per kind of file, bounded
decompression and JSON. Every refusal names the file, is skipped, and never
stops the sync. A removed laptop's file is refused by its digest before
anything in it is decompressed. A change must speak for the laptop that
signed it: a change whose member (``by``, or ``created_by`` in its data)
is not the signing laptop's registered member is refused with its file.
The store is locked only to read its changes and to store what was merged,
never while the folder is read (a hung read must not stop capturing).

Nothing published may vanish unnoticed. Each segment names, signed and sealed
with its changes, the device's previous segment (number and digest) and the
numbers of its own earlier segments it *replaces*. Each laptop remembers,
per device, the highest number it merged and its digest, and the numbers a
chain named that never arrived. On every sync, until resolved, it warns
naming the laptop and the numbers: a gap (file 3 names file 2 as its
predecessor, and 2 is not there), a device folder put back to an older copy
(its newest file is below what was merged) or gone, and, once, a chain that
follows another file than the one merged (a restored or cloned laptop). The
later files are merged meanwhile. The writer resolves it: each sync it
checks its own folder against the files it remembers publishing (with the
numbers of the changes each held) and publishes the changes of every missing
one again in its next segment, which names them as replaced (change ids make
re-adding harmless). Honest limits: a file nobody read yet and that no later
file names is noticed only by its writer; a laptop whose store went back to
an older copy cannot republish changes it no longer has (it says so); a
planted file under a higher number can hide a rollback from the readers
(the writer still republishes).

Erasure (:mod:`careterm.team.erasure`). A laptop holding an erasure it has not
carried out in the folder yet (its sync record lists those it has) scrubs its home,
records an ``erased`` change, and *compacts*: its next segment holds every change it
ever published, as scrubbed now, and names every earlier file of its own as
replaced, which are then deleted. Readers take that as they take a republished
file: no gap is warned about. This happens before publishing, and again after
merging when the erasure arrived with this sync.

What this laptop has published and read is kept in ``sync-state.ct`` in the
home (sealed with the team key): per device, the sequence numbers already
merged and the head of its chain; for this laptop, each file it published
(its digest and the numbers of the changes it held). A sync lists the device
folders and reads only files not merged yet, so a sync with nothing new
reads no segment bodies and writes nothing.
The state is saved only after the merged changes are stored, so a crash in
between just reads those files again next time (adding nothing twice).
Every file, in the home or the shared folder, is written by
:mod:`careterm.store.files` (state replaced atomically, shared files only
ever created; all fsynced).

The rest of :mod:`careterm.team` builds on this module's public names only:
:func:`sync_lock` (one writer to the folder at a time), :func:`signing_key_of`,
:func:`team_header`, :func:`epochs_of`, :func:`remember_epochs` and
:func:`epoch_names` (revoke, keyrings), and :class:`FolderView`, the read-only
view of the team's laptops with their pinned registrations
(:mod:`careterm.team.devices`), what this laptop merged from each, and what a
sync would find now without storing anything (:mod:`careterm.team.doctor`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.signing

from careterm.core import clock, ids
from careterm.core.textsafe import visible
from careterm.core.vocabulary import TEAM_RECORD
from careterm.errors import CaretermError, InvalidInput, StoreExists
from careterm.store.crypto import Unsealable, seal, subkey, unseal
from careterm.store.files import atomic_write, create_new, fsync_folder
from careterm.store.store import (
    Store,
    StoreLocked,
    has_store,
    home_lock,
    read_team_envelope,
    write_shared_hint,
)
from careterm.team import erasure
from careterm.team.evidence import exchange as exchange_evidence
from careterm.team.folder import (
    EPOCH_KEY_CAP,
    EPOCH_RECORD_CAP,
    HEADER_CAP,
    KEYRING_CAP,
    REGISTRATION_CAP,
    SEGMENT_CAP,
    Entry,
    FileMissing,
    ReadFailed,
    UnsafeFile,
    list_dir,
    read_regular,
    stat_regular,
)
from careterm.team.segments import (
    BASE_EPOCH,
    DEVICE_ID,
    DEVICES_DIR,
    EPOCH_RECORD_FILE,
    EPOCHS_DIR,
    HEADER_FILE,
    KEYRINGS_DIR,
    REGISTRATION_FILE,
    SHARED_FILE_MODE,
    BadFile,
    EpochRecord,
    Epochs,
    NotATeamFolder,
    Registration,
    Segment,
    SyncFolderUnavailable,
    SyncProblem,
    TeamHeader,
    b64,
    borrowed_name,
    build_segment,
    epoch_number,
    epoch_order,
    is_temp_name,
    keyring_name,
    open_epoch_key,
    open_epoch_record,
    open_keyring,
    open_registration_at,
    open_segment,
    parse_epoch_name,
    parse_segment_name,
    seal_registration,
    segment_name,
    unb64,
)
from careterm.team.stations import pick_up as pick_up_station_reports

__all__ = [
    "FolderView", "NotATeamFolder", "PeerStatus", "SyncFolderUnavailable",
    "SyncNotConfigured", "SyncProblem", "SyncReport", "epoch_names", "epochs_of",
    "init_shared", "join", "remember_epochs", "shared_folder", "signing_key_of", "sync",
    "sync_lock", "team_header",
]


STATE_FILE = "sync-state.ct"


SYNC_LOCK_FILE = "sync.lock"


STATE_FORMAT = 1


READER_VERSION = 1
"""Bumped when this code learns to read files it used to refuse (they are retried).
A refused file is also read again when this laptop learns a key epoch."""


META_SHARED_DIR = "shared_dir"


META_SIGNING_KEY = "sync_signing_key"


META_EPOCHS = "sync_epochs"
"""Store meta: every key epoch this laptop knows (id → key and record)."""


class SyncNotConfigured(InvalidInput):
    """This laptop has no shared folder yet."""

    def __init__(self) -> None:
        super().__init__("this laptop has no shared folder: set one up with "
                         "'careterm init --shared DIR' or 'careterm join --shared DIR'")


@dataclass
class PeerStatus:
    """Another laptop seen in the shared folder."""

    device_id: str
    member: str
    tag: str
    last_wrote: datetime | None
    files: int


@dataclass
class SyncReport:
    """What one sync did, for the command line and the status bar."""

    published_changes: int = 0
    published_file: str | None = None
    republished: list[int] = field(default_factory=list)
    """Numbers of this laptop's own files found missing from the folder, whose changes
    it published again (in :attr:`published_file`)."""
    republished_changes: int = 0
    compacted: list[int] = field(default_factory=list)
    """Numbers of this laptop's own files rewritten into :attr:`published_file` and
    deleted, to carry out an erasure (:mod:`careterm.team.erasure`)."""
    erasures: int = 0
    """Erasures this laptop carried out by this sync."""
    received_changes: int = 0
    new_reports: dict[str, list[str]] = field(default_factory=dict)
    """member → ids of reports that were new to this laptop."""
    updated_reports: dict[str, list[str]] = field(default_factory=dict)
    """member → ids of reports this laptop had and that member changed."""
    settings_changed_by: list[str] = field(default_factory=list)
    """Members whose change of the team's settings arrived (no report: counted apart)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(file, reason) for files that could not be used this time."""
    in_transit: int = 0
    """Temp files of sync services (still being copied), left for a later sync."""
    warnings: list[str] = field(default_factory=list)
    new_epochs: list[EpochRecord] = field(default_factory=list)
    """Key epochs learnt by this sync (a laptop was removed from the team)."""
    peers: list[PeerStatus] = field(default_factory=list)
    files_read: int = 0
    bytes_read: int = 0
    evidence_published: int = 0
    evidence_fetched: int = 0
    evidence_waiting: int = 0
    """Evidence files announced by another laptop and not in the shared folder yet."""
    finished_at: datetime | None = None

    @property
    def changed_ids(self) -> set[str]:
        """Ids of every report that changed on this laptop."""
        return {i for ids_ in (*self.new_reports.values(), *self.updated_reports.values())
                for i in ids_}

    @property
    def problems(self) -> bool:
        """True when a file was skipped or something needs a person's attention."""
        return bool(self.skipped or self.warnings)

    def lines(self) -> list[str]:
        """A short summary for people, one finding per line (safe to print)."""
        out: list[str] = []
        for record in self.new_epochs:
            out.append(f"{record.by_member or 'a team member'} removed "
                       f"{record.removed_member or 'a'}'s laptop (tag {record.removed_tag}) "
                       "from the team: this laptop now writes with the new key")
        if self.published_changes:
            out.append(f"sent {_count(self.published_changes, 'change')}")
        if self.erasures:
            out.append(f"carried out {_count(self.erasures, 'erasure')}: this laptop's "
                       f"store scrubbed and its {_count(len(self.compacted), 'file')} in the "
                       "shared folder rewritten without the erased values")
        if self.republished:
            out.append(f"this laptop's {_files(self.republished)} missing from the shared "
                       "folder (deleted, or an older copy of the folder put back): published "
                       f"{_count(self.republished_changes, 'change')} again")
        for member, ids_ in sorted(self.new_reports.items()):
            out.append(f"{_count(len(ids_), 'new report')} from {member or 'someone'}: "
                       f"{_id_list(ids_)}")
        for member, ids_ in sorted(self.updated_reports.items()):
            out.append(f"{_count(len(ids_), 'report')} updated by {member or 'someone'}: "
                       f"{_id_list(ids_)}")
        if self.settings_changed_by:
            out.append(f"team settings changed by {', '.join(self.settings_changed_by)} "
                       "(careterm settings shows them)")
        if self.evidence_published:
            out.append(f"sent {_count(self.evidence_published, 'evidence file')}")
        if self.evidence_fetched:
            out.append(f"received {_count(self.evidence_fetched, 'evidence file')}")
        if self.evidence_waiting:
            out.append(f"{_count(self.evidence_waiting, 'evidence file')} announced and not "
                       "in the shared folder yet; fetched by a later sync")
        for name, reason in self.skipped:
            out.append(f"skipped {name}: {reason}")
        if self.in_transit:
            out.append(f"{_count(self.in_transit, 'file')} still being copied by the sync "
                       "service; left for the next sync")
        out.extend(f"warning: {w}" for w in self.warnings)
        if not (self.published_changes or self.received_changes or out):
            out.append("up to date: nothing new")
        return [visible(line, one_line=True) for line in out]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _numbered(numbers: list[int], limit: int = 6) -> str:
    """``file 3`` / ``files 2, 4 and 5`` (for one-line messages)."""
    if len(numbers) == 1:
        return f"file {numbers[0]}"
    shown = [str(n) for n in numbers[:limit]]
    if len(numbers) > limit:
        return f"files {', '.join(shown)} and {len(numbers) - limit} more"
    return f"files {', '.join(shown[:-1])} and {shown[-1]}"


def _files(numbers: list[int]) -> str:
    """``file 3 was`` / ``files 2, 4 and 5 were``."""
    return f"{_numbered(numbers)} {'was' if len(numbers) == 1 else 'were'}"


def _id_list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _ranges(numbers: set[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def _merged(ranges: list[list[int]]) -> list[list[int]]:
    """``ranges`` (inclusive ``[lo, hi]``) sorted, overlapping or touching ones joined."""
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def _unranges(ranges: list[list[int]]) -> set[int]:
    return {n for lo, hi in ranges for n in range(int(lo), int(hi) + 1)}


@dataclass
class _DeviceState:
    seqs: set[int] = field(default_factory=set)
    """Sequence numbers whose canonical file has been merged."""
    names: set[str] = field(default_factory=set)
    """Other file names (conflict copies) that have been merged."""
    reg: dict[str, Any] | None = None
    """The registration first seen for the device (pinned: a replaced one is refused)."""
    reg_stat: list[int] | None = None
    reg_epoch: str = BASE_EPOCH
    """The key epoch the pinned registration was sealed in."""
    top: int = 0
    """The highest number of the device's files merged here (the head of its chain)."""
    top_digest: str | None = None
    """The digest of file :attr:`top` (``None`` when it was merged before the chain)."""
    missing: dict[int, int] = field(default_factory=dict)
    """Files the device's chain says it wrote, not found in its folder: number → the
    number of the file that names it as its predecessor. Warned about every sync."""

    def chain_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"top": self.top} if self.top else {}
        if self.top_digest:
            out["top_digest"] = self.top_digest
        if self.missing:
            out["missing"] = {str(n): after for n, after in sorted(self.missing.items())}
        return out

    def load_chain(self, entry: dict[str, Any]) -> None:
        self.top = int(entry.get("top", max(self.seqs, default=0)))
        digest = entry.get("top_digest")
        self.top_digest = digest if isinstance(digest, str) else None
        self.missing = {int(n): int(after) for n, after in (entry.get("missing") or {}).items()}


class _State:
    """What this laptop has published to and merged from the shared folder."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.published_seq: int = int(data.get("published_seq", 0))
        self.published_change_seq: int = int(data.get("published_change_seq", 0))
        self.store_count: int = int(data.get("store_count", 0))
        self.devices: dict[str, _DeviceState] = {}
        for dev, entry in (data.get("devices") or {}).items():
            self.devices[dev] = _DeviceState(_unranges(entry.get("seqs", [])),
                                             set(entry.get("names", [])),
                                             entry.get("reg"), entry.get("reg_stat"),
                                             str(entry.get("reg_epoch", BASE_EPOCH)))
        for dev, entry in (data.get("devices") or {}).items():
            self.devices[dev].load_chain(entry)
        self.failed: dict[str, list[Any]] = dict(data.get("failed") or {})
        self.published_digest: str | None = data.get("published_digest")
        self.own: dict[int, tuple[str | None, list[list[int]]]] = {
            int(seq): (digest, [[int(lo), int(hi)] for lo, hi in ranges])
            for seq, digest, ranges in data.get("own") or []}
        """This laptop's files in the folder: number → (digest, ranges of the numbers of
        its own changes each holds), to publish them again should one go missing."""
        self.own_unknown = "own" not in data and self.published_seq > 0
        self.erased: set[str] = {str(cid) for cid in data.get("erased") or []}
        """Erasures this laptop carried out in the shared folder (:mod:`careterm.team.erasure`)."""
        """Published before files were remembered one by one: see :meth:`remember_own`."""
        self.dirty = False

    def remember_own(self, device_id: str) -> None:
        """Remember the files this laptop published before its files were remembered one
        by one: each may hold any change it had published then."""
        if not self.own_unknown:
            return
        ranges = [[1, self.published_change_seq]] if self.published_change_seq else []
        for seq in {*self.device(device_id).seqs, self.published_seq}:
            self.own.setdefault(seq, (None, ranges))
        self.own_unknown = False
        self.dirty = True

    def device(self, device_id: str) -> _DeviceState:
        if device_id not in self.devices:
            self.devices[device_id] = _DeviceState()
        return self.devices[device_id]

    def forget_merged(self) -> None:
        """Read everything again (the local store went back to an older copy)."""
        for entry in self.devices.values():
            entry.seqs.clear()
            entry.names.clear()
        self.failed.clear()
        self.dirty = True

    def to_dict(self, team_id: str, device_id: str) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT, "team": team_id, "device": device_id,
            "published_seq": self.published_seq,
            "published_change_seq": self.published_change_seq,
            "store_count": self.store_count,
            "devices": {dev: {"seqs": _ranges(e.seqs), "names": sorted(e.names),
                              "reg": e.reg, "reg_stat": e.reg_stat,
                              **({"reg_epoch": e.reg_epoch} if e.reg_epoch != BASE_EPOCH
                                 else {}),
                              **e.chain_dict()}
                        for dev, e in self.devices.items()},
            "failed": self.failed,
            **({"published_digest": self.published_digest} if self.published_digest else {}),
            **({"erased": sorted(self.erased)} if self.erased else {}),
            **({} if self.own_unknown else {"own": [[seq, digest, ranges] for seq, (
                digest, ranges) in sorted(self.own.items())]}),
        }


def _state_purpose(team_id: str, device_id: str) -> bytes:
    return f"careterm/sync-state/v1|{team_id}|{device_id}".encode()


def _load_state(home: Path, key: bytes, team_id: str, device_id: str) -> tuple[_State, bool]:
    """The saved state, and False when a saved one could not be read (start over)."""
    path = home / STATE_FILE
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return _State({}), True
    except OSError:
        return _State({}), False
    try:
        data = json.loads(unseal(subkey(key, "sync-state"), blob,
                                 _state_purpose(team_id, device_id)))
        if data.get("format") != STATE_FORMAT:
            raise ValueError("format")
        return _State(data), True
    except (Unsealable, ValueError, TypeError, AttributeError, KeyError):
        return _State({}), False


def _save_state(home: Path, key: bytes, team_id: str, device_id: str, state: _State) -> None:
    """Replace the state file (atomically and fsynced, like every file careterm writes)."""
    body = json.dumps(state.to_dict(team_id, device_id), separators=(",", ":")).encode()
    blob = seal(subkey(key, "sync-state"), body, _state_purpose(team_id, device_id))
    atomic_write(home / STATE_FILE, blob)


def sync_lock(home: Path) -> contextlib.AbstractContextManager[None]:
    """One sync at a time per home (the TUI's worker and a CLI ``sync`` may overlap).

    Whatever else writes to the shared folder for this laptop (a revocation)
    holds it too.
    """
    return home_lock(home, SYNC_LOCK_FILE)


def shared_folder(store: Store) -> Path | None:
    """The shared folder this laptop syncs with, or ``None`` when it has none."""
    value = store.meta.get(META_SHARED_DIR)
    return Path(value) if value else None


def _folder_error(folder: Path, exc: OSError) -> SyncFolderUnavailable:
    return SyncFolderUnavailable(folder, exc.strerror or str(exc))


def _refused(folder: Path, rel: str, exc: UnsafeFile) -> SyncFolderUnavailable:
    """A folder every sync needs (``devices``, ``epochs``) that could not be listed."""
    return SyncFolderUnavailable(folder, f"{rel}: {exc.reason}")


def _why(exc: UnsafeFile) -> str:
    """Why a file of the shared folder was skipped, for the report."""
    return f"{exc.reason}; will retry" if exc.retry else exc.reason


def _cap_for(name: str) -> int:
    """The size cap of a file of the shared folder, by its kind (its name)."""
    if name.endswith(".seg"):
        return SEGMENT_CAP
    if name == REGISTRATION_FILE:
        return REGISTRATION_CAP
    if name == EPOCH_RECORD_FILE:
        return EPOCH_RECORD_CAP
    if name.endswith(".key"):
        return EPOCH_KEY_CAP
    if name.endswith(".ring"):
        return KEYRING_CAP
    return HEADER_CAP


def _there(path: Path, root: Path) -> bool:
    """Whether anything is at ``path`` (below ``root``), nothing followed."""
    try:
        stat_regular(path, root=root)
    except FileMissing:
        return False
    except UnsafeFile:
        return True
    return True


def signing_key_of(store: Store) -> nacl.signing.SigningKey:
    """This laptop's key for signing what it writes to the shared folder."""
    seed = store.meta.get(META_SIGNING_KEY)
    if not seed:
        raise SyncNotConfigured()
    return nacl.signing.SigningKey(unb64(seed))


def _registration_of(store: Store, signing_key: nacl.signing.SigningKey) -> Registration:
    return Registration(store.device_id, store.member, store.device_tag,
                        bytes(signing_key.verify_key))


def _register(folder: Path, epochs: Epochs, team_id: str, reg: Registration,
              signing_key: nacl.signing.SigningKey) -> None:
    """Create this device's folder and registration unless they exist.

    A new registration is sealed under the newest key epoch this laptop has.
    """
    device_dir = folder / DEVICES_DIR / reg.device_id
    try:
        device_dir.mkdir(parents=True, exist_ok=True)
        path = device_dir / REGISTRATION_FILE
        if not path.exists():
            epoch = epochs.current
            with contextlib.suppress(FileExistsError):
                create_new(path, seal_registration(epochs.keys[epoch], team_id, reg, epoch,
                                                   signing_key=signing_key),
                           mode=SHARED_FILE_MODE)
    except OSError as exc:
        raise _folder_error(folder, exc) from exc


def remember_epochs(store: Store, epochs: Epochs) -> None:
    """Keep every key epoch of ``epochs`` in the store's meta (they survive restarts)."""
    store.update_meta(**{META_EPOCHS: epochs.entries()})


def epochs_of(store: Store) -> Epochs:
    """The key epochs this laptop knows (epoch 0 is the team key)."""
    key = _need_key(store)
    try:
        return Epochs(key, store.meta.get(META_EPOCHS))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CaretermError("this laptop's record of team keys is damaged; restore a "
                            "backup or join the team again") from exc


def _need_key(store: Store) -> bytes:
    if store.key is None or store.home is None:
        raise CaretermError("sync needs a store saved on disk")
    return store.key


def init_shared(store: Store, shared_dir: Path) -> None:
    """Make ``shared_dir`` this team's shared folder and register this laptop in it.

    Writes the team header (unless the folder already has this team's),
    registers this device, and remembers the folder and the device's signing
    key in the store. A folder that belongs to another team is refused and
    left untouched; a header is never overwritten.
    """
    key = _need_key(store)
    assert store.home is not None
    folder = Path(shared_dir).expanduser().absolute()
    team_id = store.meta["team_id"]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(folder, exc) from exc
    header = TeamHeader.read(folder)
    if header is not None and header.team_id != team_id:
        raise NotATeamFolder(f"{folder} is already the shared folder of another careterm "
                             "team; it was left as it is. Choose an empty folder, or join "
                             "that team with 'careterm join'")
    if header is None:
        header = TeamHeader.build(team_id, read_team_envelope(store.home), key,
                                  store.meta.get("team", ""))
        try:
            create_new(folder / HEADER_FILE, header.to_bytes(), mode=SHARED_FILE_MODE)
        except FileExistsError:
            # Another laptop set the folder up at the same moment: check it again.
            return init_shared(store, shared_dir)
        except OSError as exc:
            raise _folder_error(folder, exc) from exc
    elif not header.check_key(key):
        raise NotATeamFolder(f"{folder / HEADER_FILE} does not match this store's key "
                             "(damaged, or tampered with); it was left as it is")
    seed = store.meta.get(META_SIGNING_KEY)
    signing_key = (nacl.signing.SigningKey(unb64(seed)) if seed
                   else nacl.signing.SigningKey.generate())
    _register(folder, epochs_of(store), team_id, _registration_of(store, signing_key),
              signing_key)
    store.update_meta(**{META_SHARED_DIR: str(folder),
                         META_SIGNING_KEY: b64(bytes(signing_key))})
    write_shared_hint(store.home, folder)


def _registered(folder: Path, keys: dict[str, bytes], team_id: str) -> list[Registration]:
    """Every readable registration in the folder."""
    found = []
    try:
        entries = list_dir(folder / DEVICES_DIR, root=folder)
    except FileMissing:
        return []
    except UnsafeFile as exc:
        raise _refused(folder, DEVICES_DIR, exc) from None
    for entry in entries:
        if not entry.is_dir or not DEVICE_ID.match(entry.name):
            continue
        try:
            blob = read_regular(folder / DEVICES_DIR / entry.name / REGISTRATION_FILE,
                                root=folder, limit=REGISTRATION_CAP)
            found.append(open_registration_at(keys, team_id, entry.name, blob)[0])
        except (UnsafeFile, BadFile):
            continue
    return found


def join(home: Path, shared_dir: Path, member: str, passphrase: str) -> Store:
    """Create this laptop's store for the team whose shared folder is ``shared_dir``.

    The key comes from the folder's header and the team passphrase; a wrong
    passphrase raises :class:`~careterm.errors.WrongPassphrase` and writes
    nothing at all. Returns the new store, registered in the folder; the
    team's reports arrive with the first :func:`sync`.
    """
    folder = Path(shared_dir).expanduser().absolute()
    if has_store(home):
        raise StoreExists(home)
    header, key, entries = _open_team(folder, passphrase)
    epochs = Epochs(key, entries)
    taken = registered_tags(folder, epochs, header.team_id)
    signing_key = nacl.signing.SigningKey.generate()
    meta: dict[str, Any] = {"team_id": header.team_id, "device_tag": ids.new_device_tag(taken),
                            META_SHARED_DIR: str(folder),
                            META_SIGNING_KEY: b64(bytes(signing_key))}
    if entries:
        meta[META_EPOCHS] = entries
    # The key file wraps at this laptop's own limits, never the header's.
    store = Store.create(home, passphrase, member=member, team=header.team_name(key),
                         data_key=key, meta=meta)
    write_shared_hint(home, folder)
    with contextlib.suppress(SyncFolderUnavailable):
        # The folder went away just now: the first sync registers this laptop instead.
        _register(folder, epochs, header.team_id, _registration_of(store, signing_key),
                  signing_key)
    return store


def _open_team(folder: Path, passphrase: str) -> tuple[TeamHeader, bytes, dict[str, Any]]:
    """The folder's header, the team key and the epoch keys (``{}`` when none), from the
    team passphrase; :class:`~careterm.errors.WrongPassphrase` or :class:`NotATeamFolder`
    before anything is written."""
    header = TeamHeader.read(folder)
    if header is None:
        raise NotATeamFolder(f"{folder} holds no careterm team ({HEADER_FILE} is missing); "
                             "set it up with 'careterm init --shared' on a laptop of the team")
    header.check_stretching(folder)
    kek = header.envelope.derive(passphrase)
    key = header.envelope.unwrap_with(kek)  # also authenticates the limits and newest epoch
    if not header.check_key(key):
        raise NotATeamFolder(f"{folder / HEADER_FILE} failed its key check (damaged or "
                             "tampered with); nothing was written")
    return header, key, _joining_keyring(folder, header, kek)


def open_team(shared_dir: Path, passphrase: str) -> tuple[str, str, Epochs]:
    """(team id, team name, every key epoch) of the team whose folder is ``shared_dir``,
    from the team passphrase, without a store (setting up an intake station)."""
    folder = Path(shared_dir).expanduser().absolute()
    header, key, entries = _open_team(folder, passphrase)
    return header.team_id, header.team_name(key), Epochs(key, entries)


def registered_tags(folder: Path, epochs: Epochs, team_id: str) -> set[str]:
    """The tags of every laptop registered in the folder."""
    return {reg.tag for reg in _registered(folder, epochs.keys, team_id)}


def epoch_names(folder: Path) -> list[str]:
    """The key epochs in the folder (after epoch 0), oldest first."""
    try:
        names = [entry.name for entry in list_dir(folder / EPOCHS_DIR, root=folder)]
    except FileMissing:
        return []
    except UnsafeFile as exc:
        raise _refused(folder, EPOCHS_DIR, exc) from None
    return sorted((n for n in names if parse_epoch_name(n)), key=epoch_order)


def _joining_keyring(folder: Path, header: TeamHeader, kek: bytes) -> dict[str, Any]:
    """Every epoch key, for a laptop joining a team that removed laptops (else ``{}``).

    The keyring is sealed under the passphrase of the current header, which a
    removed laptop does not know; without it, joining is refused (a laptop that
    could not read the team's newer files, nor be trusted by the others, would
    only confuse). The header binds the team's newest epoch to its wrapped key
    (checked by the unwrap before this is called), so deleting ``epochs/`` and
    ``keyrings/`` cannot make a joiner fall back to a key a removed laptop has.
    """
    try:
        newest = header.newest_epoch()
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NotATeamFolder(f"{folder / HEADER_FILE} names the team's newest key in a way "
                             "careterm cannot read (written by a newer careterm?); nothing "
                             "was written") from None
    needed = newest not in (None, BASE_EPOCH)
    if not needed and not epoch_names(folder):
        return {}
    path = folder / KEYRINGS_DIR / keyring_name(header.envelope)
    entries = None
    problem = "is not there"
    try:
        blob = read_regular(path, root=folder, limit=KEYRING_CAP)
        entries = open_keyring(kek, header.team_id, header.envelope, blob)
    except UnsafeFile as exc:
        if not isinstance(exc, FileMissing):
            problem = f"was not read: {exc.reason}"
    except BadFile as exc:
        problem = f"cannot be used: {exc}"
    if newest is not None and needed and (entries is None or newest not in entries):
        if entries is not None:
            problem = "does not hold it"
        raise NotATeamFolder(
            f"the team's newest key (epoch {epoch_number(newest)}) is missing from the shared "
            f"folder ({KEYRINGS_DIR}/{path.name} {problem}); ask a team member to run "
            "'careterm passphrase' or 'careterm revoke' again; nothing was written")
    if entries is not None:
        return entries
    raise NotATeamFolder("this team removed a laptop, and the keys of the files written "
                         f"since are not in {folder / KEYRINGS_DIR} for this passphrase "
                         "(not arrived yet, or the passphrase was changed by an older "
                         "careterm): ask a team member to run 'careterm revoke' or "
                         "'careterm passphrase' again; nothing was written")


class _Sync:
    """One run of :func:`sync` (its state lives only for the call)."""

    def __init__(self, store: Store, folder: Path, key: bytes, team_id: str,
                 signing_key: nacl.signing.SigningKey, state: _State,
                 epochs: Epochs | None = None) -> None:
        self.store = store
        self.folder = folder
        self.devices_dir = folder / DEVICES_DIR
        self.key = key
        self.epochs = epochs or Epochs(key, None)
        self.team_id = team_id
        self.me = store.device_id
        self.signing_key = signing_key
        self.state = state
        self.report = SyncReport()
        self.collected: list[dict[str, Any]] = []
        self.erasing: list[str] = []
        """Erasures being carried out by this run (:mod:`careterm.team.erasure`)."""

    @property
    def mark(self) -> list[int]:
        """What a cached failure was judged with: read again when this changes."""
        return [READER_VERSION, self.epochs.mark]

    # -- key epochs

    def discover_epochs(self, *, remember: bool = True) -> None:
        """Learn key epochs made by other laptops since the last sync (a few stats if none).

        ``remember=False`` (:meth:`FolderView.check`) uses them for this run only."""
        learnt = False
        for name in epoch_names(self.folder):
            if name not in self.epochs.keys:
                learnt = self._consider_epoch(name) or learnt
        if learnt and remember:
            remember_epochs(self.store, self.epochs)
        for record in self.epochs.removed_with_current_key():
            self.report.warnings.append(
                f"{record.removed_member}'s removed laptop (tag {record.removed_tag}) was "
                "given the newest key by a removal made at the same time on another laptop: "
                f"run 'careterm revoke {record.removed_tag}' again on one laptop")

    def _consider_epoch(self, name: str) -> bool:
        """Accept epoch ``name`` if this laptop was given its key; True when accepted."""
        creator = name.partition("-")[2]
        rel = f"{EPOCHS_DIR}/{name}"
        removal = self.epochs.removal(creator)
        if removal is not None:
            self.report.warnings.append(
                f"ignored the new team key {rel}: it was made by {removal.removed_member}'s "
                "laptop, which was removed from the team")
            return False
        if creator != self.me and self.distrust(creator):
            self.report.warnings.append(f"ignored the new team key {rel}: it was made by a "
                                        "laptop whose registration is refused")
            return False
        epoch_dir = self.folder / EPOCHS_DIR / name
        key_path = epoch_dir / f"{self.me}.key"
        record_path = epoch_dir / EPOCH_RECORD_FILE
        if not _there(key_path, self.folder):
            if _there(record_path, self.folder):
                self.report.warnings.append(
                    f"this laptop was not given the key of epoch {epoch_number(name)} "
                    f"({rel}): if it was removed from the team, files written since cannot "
                    "be read here and what it writes is refused by the others")
            return False  # else still arriving
        reg = self.registration(creator, False) if creator != self.me else \
            _registration_of(self.store, self.signing_key)
        if reg is None:
            self.report.skipped.append((rel, "made by a laptop whose registration has not "
                                             "arrived yet; left for the next sync"))
            return False
        try:
            key_st = stat_regular(key_path, root=self.folder, limit=EPOCH_KEY_CAP)
            record_st = stat_regular(record_path, root=self.folder, limit=EPOCH_RECORD_CAP)
        except FileMissing:
            return False  # the record is still arriving
        except UnsafeFile as exc:
            self.report.skipped.append((rel, _why(exc)))
            return False
        stat = [key_st.st_size + record_st.st_size, key_st.st_mtime_ns + record_st.st_mtime_ns]
        failed = self.state.failed.get(rel)
        if failed and failed[:2] == stat and failed[3:] == self.mark:
            self.report.skipped.append((rel, failed[2]))
            return False
        try:
            key_blob = self._read_bytes(key_path, rel, None)
            record_blob = self._read_bytes(record_path, rel, None)
            if key_blob is None or record_blob is None:
                return False
            key = open_epoch_key(self.signing_key, self.team_id, name, self.me, key_blob,
                                 reg.verify_key)
            record = open_epoch_record(key, self.team_id, name, record_blob, reg.verify_key)
            if self.me not in record.recipients or record.removed == self.me:
                raise BadFile("its record does not list this laptop (damaged?)")
        except BadFile as exc:
            self._failed(rel, stat, str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a file must never stop a sync
            self._failed(rel, stat, f"unreadable ({type(exc).__name__})")
            return False
        self.state.failed.pop(rel, None)
        self.epochs.add(record, key)
        self.report.new_epochs.append(record)
        self.state.dirty = True
        return True

    # -- publishing

    def own_folder(self) -> list[Entry] | None:
        """The entries of this laptop's own folder (``[]`` when it is not made yet), or
        ``None`` when it must not be written to: something else (a link to elsewhere, a
        file) took its place. That is warned about, naming the folder, every sync:
        nothing is written through it, and this laptop's changes wait on it."""
        rel = f"{DEVICES_DIR}/{self.me}"
        try:
            return list_dir(self.devices_dir / self.me, root=self.folder)
        except FileMissing:
            return []
        except ReadFailed as exc:
            raise _refused(self.folder, rel, exc) from None
        except UnsafeFile as exc:
            self.report.warnings.append(
                f"this laptop's own folder {rel} in the shared folder was not used "
                f"({exc.reason}): nothing was published or written there, and this "
                "laptop's changes wait on it. Remove what took the folder's place; the next "
                "sync makes the folder again and publishes everything anew")
            return None

    def publish(self, changes: list[dict[str, Any]], listing: list[Entry], *,
                compact: bool = False, own_top: int | None = None) -> None:
        """Write this device's changes not published yet, and again those of its own
        files gone from its folder (``listing``), as one new segment.

        The segment is chained to this device's previous one (its number and digest)
        and names the files it replaces, so the other laptops can tell a file was lost
        and that it came back.

        ``compact`` (an erasure, :mod:`careterm.team.erasure`): every one of this
        laptop's files is replaced, present or not: the new segment holds all their
        changes as the store has them now (scrubbed) and names them all as replaced,
        and once it is written the old files are deleted.

        ``own_top``: the highest number of this laptop's own changes, when the caller
        knows it: with nothing new and none of its files gone, nothing is parsed.
        """
        state, me = self.state, self.me
        state.remember_own(me)
        seqs: list[int] = []
        here: set[int] = set()
        for item in listing:
            parsed = parse_segment_name(item.name)
            if parsed:
                seqs.append(parsed[0])
                if parsed[1] and item.is_file:
                    here.add(parsed[0])
        if (not compact and own_top is not None and own_top <= state.published_change_seq
                and all(seq in here for seq in state.own)):
            return  # nothing new to send, nothing of this laptop's missing (the usual sync)
        own: list[dict[str, Any]] = []
        redo: list[dict[str, Any]] = []
        numbers = [(int(change["cid"].rpartition(":")[2]), change) for change in changes
                   if change["dev"] == me]
        top = max([state.published_change_seq, *(n for n, _ in numbers)])
        gone = sorted(seq for seq in state.own if compact or seq not in here)
        replaces, redo_ranges = self._republishable(gone, top)
        for number, change in numbers:
            if number > state.published_change_seq:
                own.append(change)
            elif redo_ranges and any(lo <= number <= hi for lo, hi in redo_ranges):
                redo.append(change)
        if not own and not replaces:
            return
        my_dir = self.devices_dir / me
        self._clean_own_temp_files(my_dir, [item.name for item in listing])
        seq = max([state.published_seq, *seqs]) + 1
        epoch = self.epochs.current
        prev = (state.published_seq, state.published_digest) if state.published_seq else None
        while True:
            blob, digest = build_segment(
                self.epochs.keys[epoch], self.signing_key, self.team_id, me, seq, redo + own,
                clock.now().isoformat(), epoch, prev=prev, replaces=replaces)
            try:
                create_new(my_dir / segment_name(seq), blob, mode=SHARED_FILE_MODE)
                break
            except FileExistsError:
                seq += 1  # a file of this slot arrived meanwhile (a cloned laptop?)
            except OSError as exc:
                raise _folder_error(self.folder, exc) from exc
        ranges = _merged([*redo_ranges, *([[state.published_change_seq + 1, top]] if own else [])])
        for number in replaces:
            del state.own[number]
        state.own[seq] = (digest, ranges)
        state.published_seq, state.published_digest = seq, digest
        state.published_change_seq = top
        state.device(me).seqs.add(seq)
        state.dirty = True
        self.report.published_changes += len(own)
        if compact:
            self.report.compacted = sorted({*self.report.compacted, *replaces})
            for item in listing:
                if parse_segment_name(item.name) and item.name != segment_name(seq):
                    with contextlib.suppress(OSError):
                        (my_dir / item.name).unlink()
            fsync_folder(my_dir)
        else:
            self.report.republished = replaces
            self.report.republished_changes = len(redo)
        self.report.published_file = f"{DEVICES_DIR}/{me}/{segment_name(seq)}"

    def _republishable(self, gone: list[int], top: int) -> tuple[list[int], list[list[int]]]:
        """Of this laptop's files ``gone`` from its folder, those whose changes it still
        has (all numbered up to ``top``) and the ranges of those changes' numbers. The
        others (the store went back to an older copy since) are warned about, once."""
        replaces: list[int] = []
        ranges: list[list[int]] = []
        lost: list[int] = []
        for seq in gone:
            held = self.state.own[seq][1]
            if all(hi <= top for _, hi in held):
                replaces.append(seq)
                ranges.extend(held)
            else:
                lost.append(seq)
        if lost:
            for seq in lost:
                del self.state.own[seq]
            self.state.dirty = True
            self.report.warnings.append(
                f"this laptop's {_files(lost)} missing from the shared folder, and this "
                "laptop no longer has all their changes (its store went back to an older "
                "copy): laptops that read them before keep them")
        return replaces, ranges

    @staticmethod
    def _clean_own_temp_files(my_dir: Path, names: list[str]) -> None:
        # Left by a crash mid-write; only this device writes here and the sync lock is held.
        for name in names:
            if name.startswith(".") and name.endswith(".tmp") and ".seg." in name:
                with contextlib.suppress(OSError):
                    (my_dir / name).unlink()

    # -- reading

    def read_all(self) -> None:
        """Read every device's files not merged yet (device folders only: a link or
        anything else in a device folder's place is named and not followed)."""
        try:
            entries = list_dir(self.devices_dir, root=self.folder)
        except UnsafeFile as exc:
            raise _refused(self.folder, DEVICES_DIR, exc) from None
        seen: set[str] = set()
        for item in entries:
            if not DEVICE_ID.match(item.name):
                continue
            seen.add(item.name)
            if item.is_dir:
                self.read_device(item.name)
            elif item.name != self.me:  # this laptop's own: warned about by own_folder()
                self.report.skipped.append((f"{DEVICES_DIR}/{item.name}",
                                            item.problem("folder") or "not a folder"))
        self._check_gone_devices(seen)

    def _check_gone_devices(self, seen: set[str]) -> None:
        """Warn about laptops whose whole folder left the shared folder after this laptop
        read some of their files (a removed laptop's may go)."""
        for device_id, entry in self.state.devices.items():
            if (device_id in seen or device_id == self.me or not entry.top
                    or self.epochs.removal(device_id) is not None or self.distrust(device_id)):
                continue
            self.report.warnings.append(
                f"the folder of {self._who(device_id, entry)} is gone from the shared "
                f"folder: this laptop had read its files up to file {entry.top}. Files it "
                "published may be missing on laptops that had not read them; they come "
                "back when that laptop syncs again")

    @staticmethod
    def _who(device_id: str, entry: _DeviceState, reg: Registration | None = None) -> str:
        member = reg.member if reg is not None else (entry.reg or {}).get("member")
        return f"{member or 'an unnamed member'}'s laptop (device {device_id[:8]})"

    def _rel(self, device_id: str, name: str) -> str:
        return f"{DEVICES_DIR}/{device_id}/{name}"

    def registration(self, device_id: str, has_files: bool) -> Registration | None:
        """The device's registration: the one the newest key epoch recorded, else the
        first one seen (pinned from the first sighting)."""
        if device_id == self.me:
            return _registration_of(self.store, self.signing_key)
        pinned = self.epochs.pinned(device_id)
        if pinned is not None:
            return self._recorded_registration(device_id, *pinned)
        entry = self.state.device(device_id)
        path = self.devices_dir / device_id / REGISTRATION_FILE
        rel = self._rel(device_id, REGISTRATION_FILE)
        try:
            st = stat_regular(path, root=self.folder, limit=REGISTRATION_CAP)
            stat = [st.st_size, st.st_mtime_ns]
        except FileMissing:
            stat = None
        except UnsafeFile as exc:
            self.report.skipped.append((rel, _why(exc)))
            stat = None
        if entry.reg is not None and (stat is None or stat == entry.reg_stat):
            return Registration.from_dict(entry.reg)
        if stat is None:
            if has_files and entry.reg is None:
                self.report.skipped.append(
                    (f"{DEVICES_DIR}/{device_id}", "its registration has not arrived yet; "
                     "its files are left for the next sync"))
            return None
        failed = self.state.failed.get(rel)
        if failed and failed[:2] == stat and failed[3:] == self.mark:
            self.report.skipped.append((rel, failed[2]))  # unchanged since: not read again
            return Registration.from_dict(entry.reg) if entry.reg else None
        blob = self._read_bytes(path, rel, stat)
        if blob is None:
            return Registration.from_dict(entry.reg) if entry.reg else None
        try:
            reg, reg_epoch = open_registration_at(self.epochs.keys, self.team_id, device_id,
                                                  blob)
        except BadFile as exc:
            self._failed(rel, stat, str(exc))
            return Registration.from_dict(entry.reg) if entry.reg else None
        self.state.failed.pop(rel, None)
        if entry.reg is not None and Registration.from_dict(entry.reg) != reg:
            self.report.warnings.append(
                f"the registration of device {device_id[:8]} ({entry.reg.get('member')}) was "
                "replaced in the shared folder; careterm keeps trusting the key it first saw")
            entry.reg_stat = stat
            self.state.dirty = True
            return Registration.from_dict(entry.reg)
        if entry.reg is None and reg.tag == self.store.device_tag:
            self.report.warnings.append(
                f"{reg.member}'s laptop (device {device_id[:8]}) uses the same id prefix "
                f"{reg.tag} as this laptop: reports captured on both may share ids. "
                "Let one of you join again with a new home")
        entry.reg, entry.reg_stat, entry.reg_epoch = reg.to_dict(), stat, reg_epoch
        self.state.dirty = True
        return reg

    def _recorded_registration(self, device_id: str, reg: Registration,
                               record: EpochRecord) -> Registration:
        """``reg``, which a key epoch's signed record pinned for ``device_id``: the
        folder's copy is only compared with it (once per change of the file), and a
        different one is refused and named on every sync."""
        entry = self.state.device(device_id)
        recorded = reg.to_dict()
        if entry.reg != recorded:
            if entry.reg is not None:
                self.report.warnings.append(
                    f"the registration of device {device_id[:8]} ({entry.reg.get('member')}) "
                    f"this laptop trusted differs from the one {record.by_member}'s laptop "
                    f"recorded at key epoch {epoch_number(record.epoch)} ({record.day}); "
                    "careterm trusts the recorded one from now on")
            entry.reg, entry.reg_stat = recorded, None
            self.state.dirty = True
        path = self.devices_dir / device_id / REGISTRATION_FILE
        rel = self._rel(device_id, REGISTRATION_FILE)
        try:
            st = stat_regular(path, root=self.folder, limit=REGISTRATION_CAP)
        except FileMissing:
            return reg  # the recorded one is enough
        except UnsafeFile as exc:
            self.report.skipped.append((rel, _why(exc)))
            return reg
        stat = [st.st_size, st.st_mtime_ns]
        if stat == entry.reg_stat:
            return reg
        failed = self.state.failed.get(rel)
        if failed and failed[:2] == stat and failed[3:] == self.mark:
            self.report.skipped.append((rel, failed[2]))  # unchanged since: not read again
            return reg
        blob = self._read_bytes(path, rel, stat)
        if blob is None:
            return reg
        try:
            found = open_registration_at(self.epochs.keys, self.team_id, device_id, blob)[0]
            if found != reg:
                raise BadFile(
                    f"does not match the registration {record.by_member}'s laptop recorded "
                    f"for device {device_id[:8]} ({reg.member}, tag {reg.tag}) at key epoch "
                    f"{epoch_number(record.epoch)} ({record.day}): replaced in the shared "
                    "folder? careterm keeps the recorded one, and files signed with another "
                    "key are refused")
        except BadFile as exc:
            self._failed(rel, stat, str(exc))
            return reg
        self.state.failed.pop(rel, None)
        entry.reg_stat = stat
        self.state.dirty = True
        return reg

    def _read_bytes(self, path: Path, rel: str, stat: list[int] | None,
                    limit: int | None = None) -> bytes | None:
        """The bytes of a file of the shared folder, or ``None`` (named in the report
        unless it is simply not there): only a regular file, no link followed, at most
        ``limit`` (by default the cap of its kind) bytes; never blocks."""
        try:
            blob = read_regular(path, root=self.folder, limit=limit or _cap_for(path.name))
        except FileMissing:
            return None
        except UnsafeFile as exc:
            self.report.skipped.append((rel, _why(exc)))
            return None
        self.report.files_read += 1
        self.report.bytes_read += len(blob)
        return blob

    def _failed(self, rel: str, stat: list[int], reason: str) -> None:
        self.report.skipped.append((rel, reason))
        record = [stat[0], stat[1], reason, *self.mark]
        if self.state.failed.get(rel) != record:
            self.state.failed[rel] = record
            self.state.dirty = True

    def read_device(self, device_id: str) -> None:
        """Read the new files of one device folder (regular files only: anything else
        under a segment's name is named and skipped), then check its chain."""
        device_dir = self.devices_dir / device_id
        try:
            listing = list_dir(device_dir, root=self.folder)
        except FileMissing:
            return
        except UnsafeFile as exc:
            self.report.skipped.append((f"{DEVICES_DIR}/{device_id}", _why(exc)))
            return
        names = [item.name for item in listing]
        entry = self.state.device(device_id)
        files: list[tuple[int, str, bool]] = []
        pending: list[tuple[int, str, bool]] = []
        merged_seqs, merged_names = entry.seqs, entry.names
        for item in listing:
            name = item.name
            parsed = parse_segment_name(name)
            if parsed is None:
                if is_temp_name(name):
                    self.report.in_transit += 1
                continue
            seq, canonical = parsed
            if not item.is_file:  # a FIFO, a link to /dev/zero…: never opened
                self.report.skipped.append((self._rel(device_id, name),
                                            item.problem() or "not a regular file"))
                continue
            files.append((seq, name, canonical))
            if not (seq in merged_seqs if canonical else name in merged_names):
                pending.append((seq, name, canonical))
        pending.sort()
        if self.state.failed:
            self._forget_failures_of_gone_files(device_id, names)
        reg = self.registration(device_id, bool(files))
        if reg is not None and device_id != self.me:
            distrust = self.distrust(device_id)
            if distrust:
                self.report.skipped.append((f"{DEVICES_DIR}/{device_id}", distrust))
                return
            self.report.peers.append(
                self._peer(device_id, reg, device_dir, max(files) if files else None, len(files)))
        if reg is None:
            return
        removal = self.epochs.removal(device_id)
        read: list[tuple[Segment, bool]] = []
        if pending:
            opened: dict[int, dict[str, str]] = {}  # seq → digest → file name
            for seq, name, canonical in pending:
                segment = self._open(device_id, device_dir, seq, name, reg, removal)
                if segment is None:
                    continue
                self.collected.extend(segment.changes)
                opened.setdefault(seq, {}).setdefault(segment.digest, name)
                read.append((segment, canonical))
                if canonical:
                    entry.seqs.add(seq)
                else:
                    entry.names.add(name)
                self.state.dirty = True
            self._check_duplicate_claims(device_id, device_dir, reg, files, pending, opened)
        if device_id == self.me:
            self._remember_read_back(read)
        elif removal is None:
            self._check_chain(device_id, reg, entry, files, read)

    def _remember_read_back(self, read: list[tuple[Segment, bool]]) -> None:
        """Remember this laptop's own files read back from the folder (its sync record
        was lost, or its store went back to an older copy) as files it published: each
        is published again should it go missing, and the next one chains to the newest."""
        state = self.state
        for segment, canonical in read:
            if not canonical or segment.seq in state.own:
                continue
            prefix = self.me + ":"
            numbers = {int(c["cid"][len(prefix):]) for c in segment.changes
                       if c["cid"].startswith(prefix)}
            state.own[segment.seq] = (segment.digest, _ranges(numbers))
            if segment.seq > state.published_seq:
                state.published_seq, state.published_digest = segment.seq, segment.digest
            state.dirty = True

    def _check_chain(self, device_id: str, reg: Registration, entry: _DeviceState,
                     files: list[tuple[int, str, bool]], read: list[tuple[Segment, bool]]
                     ) -> None:
        """Warn, naming the laptop and the numbers, when files it published are not in its
        folder: one its chain names but that never arrived (deleted before this laptop
        read it), or its folder gone back to an older copy. Every sync, until the files
        come back or their writer publishes their changes again; the files that are
        there are merged meanwhile (a gap never blocks)."""
        who = self._who(device_id, entry, reg)
        copies = {parsed[0] for parsed in map(parse_segment_name, entry.names) if parsed}
        if read:
            here = {seq for seq, _, _ in files}
            digests = {entry.top: entry.top_digest} if entry.top else {}
            for segment, _ in read:
                digests.setdefault(segment.seq, segment.digest)
                for number in segment.replaces:  # its changes came again in this file
                    entry.seqs.add(number)
            for segment, _ in sorted(read, key=lambda item: item[0].seq):
                if segment.prev is None:
                    continue
                number, digest = segment.prev
                known = digests.get(number)
                if digest and known and known != digest:
                    self.report.warnings.append(
                        f"file {segment.seq} of {who} follows a file {number} other than the "
                        "one this laptop read: was that laptop restored from a backup, or "
                        "cloned? Both were merged; a change id found in both was kept once")
                elif number not in entry.seqs and number not in here and number not in copies:
                    entry.missing.setdefault(number, segment.seq)
            for segment, canonical in read:
                if canonical and segment.seq > entry.top:
                    entry.top, entry.top_digest = segment.seq, segment.digest
        if entry.missing:
            for number in [n for n in entry.missing if n in entry.seqs or n in copies]:
                del entry.missing[number]
                self.state.dirty = True
        if entry.missing:
            numbers = sorted(entry.missing)
            after = sorted({entry.missing[n] for n in numbers})
            one = len(numbers) == 1
            self.report.warnings.append(
                f"{_numbered(numbers)} of {who} {'is' if one else 'are'} missing from the "
                f"shared folder, though {_numbered(after)}, written after "
                f"{'it' if one else 'them'}, arrived (deleted, or still being copied): "
                f"the changes {'it' if one else 'they'} held are not on this laptop. That "
                "laptop publishes them again at its next sync")
        newest = max((seq for seq, name, canonical in files
                      if (seq in entry.seqs if canonical else name in entry.names)), default=0)
        if entry.top > newest:
            self.report.warnings.append(
                f"the folder of {who} went back to an older copy: this laptop read its files "
                f"up to file {entry.top}, the newest there now is "
                f"{f'file {newest}' if newest else 'none'}. Files it published since may be "
                "missing on laptops that had not read them; that laptop publishes them "
                "again at its next sync")

    def _forget_failures_of_gone_files(self, device_id: str, names: list[str]) -> None:
        prefix = self._rel(device_id, "")
        present = set(names)
        gone = [rel for rel in self.state.failed
                if rel.startswith(prefix) and rel[len(prefix):] not in present]
        for rel in gone:
            del self.state.failed[rel]
            self.state.dirty = True

    def distrust(self, device_id: str) -> str | None:
        """Why every file of ``device_id`` is refused, or ``None`` when it is trusted.

        A device first registered, under a key a removed laptop still has, after
        that laptop was removed (and unknown to the laptop that removed it) may
        be the removed laptop in disguise.
        """
        entry = self.state.devices.get(device_id)
        if entry is None or entry.reg is None or self.epochs.pinned(device_id) is not None:
            return None  # a registration a key epoch's signed record pinned is trusted
        record = self.epochs.forgeable(device_id, entry.reg_epoch)
        if record is None:
            return None
        return (f"registered with a key {record.removed_member}'s removed laptop still has, "
                f"and unknown when that laptop was removed ({record.day}): refused. "
                "If it is a team laptop, it should join again with the new passphrase")

    def _open(self, device_id: str, device_dir: Path, seq: int, name: str,
              reg: Registration, removal: EpochRecord | None = None) -> Segment | None:
        rel = self._rel(device_id, name)
        path = device_dir / name
        try:
            st = stat_regular(path, root=self.folder, limit=SEGMENT_CAP)
        except FileMissing:
            return None
        except UnsafeFile as exc:
            self.report.skipped.append((rel, _why(exc)))
            return None
        stat = [st.st_size, st.st_mtime_ns]
        failed = self.state.failed.get(rel)
        if failed and failed[:2] == stat and failed[3:] == self.mark:
            self.report.skipped.append((rel, failed[2]))  # unchanged since: not read again
            return None
        blob = self._read_bytes(path, rel, stat, SEGMENT_CAP)
        if blob is None:
            return None
        try:
            segment = open_segment(self.epochs.keys, self.team_id, device_id, seq, blob,
                                   reg.verify_key, check_digest=_removal_check(removal, seq))
            claimed = borrowed_name(segment.changes, reg.member)
            if claimed is not None:
                raise BadFile(f"a change claims to be by {claimed} but was signed by "
                              f"{reg.member or 'an unnamed member'}'s laptop: refused")
        except BadFile as exc:
            self._failed(rel, stat, str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - a file must never stop a sync
            self._failed(rel, stat, f"unreadable ({type(exc).__name__})")
            return None
        if self.state.failed.pop(rel, None) is not None:
            self.state.dirty = True
        return segment

    def _check_duplicate_claims(self, device_id: str, device_dir: Path, reg: Registration,
                                files: list[tuple[int, str, bool]],
                                pending: list[tuple[int, str, bool]],
                                opened: dict[int, dict[str, str]]) -> None:
        """Warn when two different valid files claim the same device and sequence."""
        pending_names = {name for _, name, _ in pending}
        for seq, digests in opened.items():
            # Files of this slot merged by an earlier sync: read them again to compare.
            for other_seq, name, _ in files:
                if other_seq != seq or name in pending_names or len(digests) > 1:
                    continue
                segment = self._open(device_id, device_dir, seq, name, reg)
                if segment is not None:
                    digests.setdefault(segment.digest, name)
            if len(digests) > 1:
                names = " and ".join(sorted(digests.values()))
                who = "this laptop" if device_id == self.me else f"{reg.member}'s laptop"
                self.report.warnings.append(
                    f"two different files claim to be file {seq} of {who} (device "
                    f"{device_id[:8]}): {names}. Was a laptop cloned or restored from a "
                    "backup? Both were merged; a change id found in both was kept once")

    def _peer(self, device_id: str, reg: Registration, device_dir: Path,
              newest: tuple[int, str, bool] | None, count: int) -> PeerStatus:
        last = _modified(device_dir / newest[1], self.folder) if newest is not None else None
        return PeerStatus(device_id, reg.member, reg.tag, last, count)

    # -- merging

    def merge(self) -> None:
        """Store the changes read (once each) and say which reports they touched."""
        if not self.collected:
            return
        store = self.store
        touched = {c["inc"] for c in self.collected}
        with store.locked():
            current = store.incidents()
            existed = {inc for inc in touched if inc in current}
        fresh = store.add_foreign(self.collected)
        self.report.received_changes = len(fresh)
        new: dict[str, set[str]] = {}
        updated: dict[str, set[str]] = {}
        with store.locked():
            current = store.incidents()
            for change in fresh:
                inc = change["inc"]
                if inc == TEAM_RECORD:
                    # The team's settings: no report, counted apart.
                    who = change.get("by", "") or "someone"
                    if who not in self.report.settings_changed_by:
                        self.report.settings_changed_by.append(who)
                    continue
                if inc in existed:
                    updated.setdefault(change.get("by", ""), set()).add(inc)
                else:
                    # A new report is "from" whoever captured it, whoever added to it since.
                    created_by = current[inc].created_by if inc in current else None
                    new.setdefault(created_by or change.get("by", ""), set()).add(inc)
        self.report.new_reports = {m: sorted(incs) for m, incs in new.items()}
        self.report.updated_reports = {m: sorted(incs) for m, incs in updated.items()}


def _modified(path: Path, root: Path) -> datetime | None:
    """When the file ``path`` (below ``root``) was last written (local time), or ``None``
    when it cannot be told (not there, not a regular file, a link…)."""
    try:
        return datetime.fromtimestamp(stat_regular(path, root=root).st_mtime).astimezone()
    except (UnsafeFile, OSError, ValueError, OverflowError):
        return None


def _removal_check(removal: EpochRecord | None, seq: int) -> Callable[[str], None] | None:
    """For a removed laptop's file: refuse it by its digest, before anything in it is
    decompressed or parsed, unless its removal recorded it (it had shared it)."""
    if removal is None:
        return None

    def check(digest: str) -> None:
        if digest in removal.digests:
            return
        who = f"{removal.removed_member}'s laptop"
        if seq > removal.max_seq:
            raise BadFile(f"written after {who} was removed from the team "
                          f"({removal.day}): refused")
        raise BadFile(f"not one of the files {who} had shared when it was removed "
                      f"from the team ({removal.day}): refused")

    return check


def _carry_out_erasures(run: _Sync, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Carry out, on this laptop's home, the erasures not carried out in the folder yet
    (:mod:`careterm.team.erasure`); return the changes as stored now."""
    run.erasing = erasure.pending(run.store, run.state.erased)
    if not run.erasing:
        return changes
    erasure.carry_out(run.store, run.erasing)
    with run.store.locked():
        return run.store.changes()


def _erasures_done(run: _Sync, folder: Path) -> None:
    """After the compacting publish: delete this laptop's shared evidence files no report
    announces any more, and remember the erasures as carried out."""
    if not run.erasing:
        return
    erasure.delete_unannounced_evidence(run.store, folder)
    erasure.delete_erased_station_files(run.store, folder, run.erasing)
    run.state.erased.update(run.erasing)
    run.state.dirty = True
    run.report.erasures += len(run.erasing)
    run.erasing = []


def team_header(folder: Path, team_id: str) -> TeamHeader:
    """The header of the team's shared folder; :class:`NotATeamFolder` when it is not there."""
    header = TeamHeader.read(folder)
    if header is None:
        raise NotATeamFolder(
            f"{folder} holds no careterm team header ({HEADER_FILE}): is the right "
            "folder mounted? Nothing was synced and local data is untouched")
    if header.team_id != team_id:
        raise NotATeamFolder(f"{folder} belongs to another careterm team; nothing was "
                             "synced and local data is untouched")
    return header


def sync(store: Store) -> SyncReport:
    """Publish this laptop's new changes, merge every other laptop's, and report.

    Raises :class:`SyncNotConfigured` without a shared folder,
    :class:`SyncFolderUnavailable` when it is missing or unreadable and
    :class:`NotATeamFolder` when it holds another team's header; local data
    is untouched then. Files that cannot be used are skipped and named in the
    report, never fatal. Safe to call from a worker thread, and cheap when
    nothing changed (it lists folders and reads no segment).
    """
    key = _need_key(store)
    assert store.home is not None
    folder = shared_folder(store)
    if folder is None:
        raise SyncNotConfigured()
    signing_key = signing_key_of(store)
    team_id = store.meta["team_id"]
    with sync_lock(store.home):
        team_header(folder, team_id)
        state, readable = _load_state(store.home, key, team_id, store.device_id)
        with store.locked():
            changes = store.changes()
            own_top = store.own_top()
        run = _Sync(store, folder, key, team_id, signing_key, state, epochs_of(store))
        if len(changes) < state.store_count or own_top < state.published_change_seq:
            # The store went back to an older copy (a restored backup): merge everything
            # again, this laptop's own files included, and publish what it has made since
            # (both add nothing twice).
            state.forget_merged()
            state.published_change_seq = min(state.published_change_seq, own_top)
            run.report.warnings.append(
                "this laptop's store is older than what it already shared (restored from a "
                "backup?); its shared changes were read back from the folder")
        if not readable:
            state.dirty = True
            run.report.warnings.append("this laptop's sync record was unreadable; the shared "
                                       "folder was read again from the start")
        run.discover_epochs()
        # A newer key epoch re-keys this laptop's store (issue 10; see careterm.store.store).
        store.rekey(run.epochs.current, run.epochs.keys)
        listing = run.own_folder()  # never write through a link planted in its place
        if listing is not None:
            _register(folder, run.epochs, team_id, _registration_of(store, signing_key),
                      signing_key)
            changes = _carry_out_erasures(run, changes)
            run.publish(changes, listing, compact=bool(run.erasing), own_top=own_top)
            _erasures_done(run, folder)
        run.read_all()  # the store is not locked while the folder is read
        run.merge()
        if listing is not None:
            # Erasures that arrived with this sync are carried out at once.
            changes = _carry_out_erasures(run, changes)
            if run.erasing:
                listing = run.own_folder()
                if listing is not None:
                    run.publish(changes, listing, compact=True)
                    _erasures_done(run, folder)
        # Evidence files travel apart from the segments (careterm.team.evidence).
        carried = exchange_evidence(
            store, folder, team_id=team_id, epochs=run.epochs, signing_key=signing_key,
            registration=lambda dev: run.registration(dev, True),
            may_write=listing is not None)
        run.report.evidence_published += carried.published
        run.report.evidence_fetched += carried.fetched
        run.report.evidence_waiting = carried.waiting
        run.report.skipped.extend(carried.skipped)
        # Reports from write-only intake stations (careterm.team.stations).
        picked = pick_up_station_reports(store, folder, team_id=team_id, epochs=run.epochs)
        for name, refs in picked.new.items():
            run.report.new_reports.setdefault(f"{name} (intake station)", []).extend(refs)
        run.report.skipped.extend(picked.skipped)
        count = store.change_count()
        if count != state.store_count:
            state.store_count = count
            state.dirty = True
        if store.is_locked:
            # Locked while the folder was read: nothing more is written with the old key.
            raise StoreLocked()
        if state.dirty:
            _save_state(store.home, key, team_id, store.device_id, state)
    run.report.finished_at = clock.now()
    return run.report


class FolderView:
    """The team's laptops as this laptop trusts them, read from the shared folder.

    For listing and choosing laptops (:mod:`careterm.team.devices`): a
    registration is pinned as a sync pins it (the first one seen is kept),
    removals and refused registrations are judged as a sync judges them, and
    nothing is written, not even this laptop's sync record. Raises like
    :func:`sync` when there is no shared folder or it is unreachable.
    """

    def __init__(self, store: Store) -> None:
        key = _need_key(store)
        assert store.home is not None
        folder = shared_folder(store)
        if folder is None:
            raise SyncNotConfigured()
        team_id = store.meta["team_id"]
        team_header(folder, team_id)
        state, _ = _load_state(store.home, key, team_id, store.device_id)
        self.folder = folder
        self.me = store.device_id
        self._run = _Sync(store, folder, key, team_id, signing_key_of(store), state,
                          epochs_of(store))

    def merged(self, device_id: str) -> frozenset[int]:
        """The numbers of the device's files whose changes this laptop has merged (a file
        it published again counts as merged), as its sync record says."""
        entry = self._run.state.devices.get(device_id)
        return frozenset(entry.seqs) if entry is not None else frozenset()

    def check(self) -> SyncReport:
        """What a sync would find in the folder now, storing and writing nothing.

        Reads and checks, as a sync does, every file not merged yet (with the key
        epochs this laptop was given since, kept for this call only) and reports
        what would be skipped and why, files still being copied and every warning
        about the folder (gaps, older copies, this laptop's own folder). Nothing
        is published, merged or saved, not even this laptop's sync record; this
        view's own record is left as it was read.
        """
        run = self._run
        assert run.store.home is not None
        state, readable = _load_state(run.store.home, run.key, run.team_id, self.me)
        probe = _Sync(run.store, self.folder, run.key, run.team_id, run.signing_key, state,
                      epochs_of(run.store))
        if not readable:
            probe.report.warnings.append("this laptop's sync record is unreadable; the next "
                                         "sync reads the shared folder again from the start")
        probe.discover_epochs(remember=False)
        probe.own_folder()
        probe.read_all()
        return probe.report

    def device_ids(self) -> list[str]:
        """Every device folder in the shared folder, and this laptop's even without one."""
        try:
            names = [e.name for e in list_dir(self._run.devices_dir, root=self.folder)
                     if e.is_dir]
        except FileMissing:
            names = []
        except UnsafeFile as exc:
            raise _refused(self.folder, DEVICES_DIR, exc) from None
        if self.me not in names:
            names.append(self.me)
        return [name for name in names if DEVICE_ID.match(name)]

    def registration(self, device_id: str) -> Registration | None:
        """The device's registration (the pinned one), or ``None`` when none can be read."""
        return self._run.registration(device_id, False)

    def published(self, device_id: str) -> tuple[int, datetime | None]:
        """How many files the device has published, and when it wrote the newest."""
        device_dir = self._run.devices_dir / device_id
        try:
            seqs = [p[0] for p in (parse_segment_name(e.name)
                                   for e in list_dir(device_dir, root=self.folder) if e.is_file)
                    if p and p[1]]
        except UnsafeFile:
            seqs = []
        if not seqs:
            return 0, None
        return len(seqs), _modified(device_dir / segment_name(max(seqs)), self.folder)

    def removal(self, device_id: str) -> EpochRecord | None:
        """The record of the device's removal from the team, if it was removed."""
        return self._run.epochs.removal(device_id)

    def distrust(self, device_id: str) -> str | None:
        """Why every file of the device is refused (a registration a removed laptop may
        have forged), or ``None`` when it is trusted."""
        return self._run.distrust(device_id)
