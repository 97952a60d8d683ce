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

What this laptop has published and read is kept in ``sync-state.ct`` in the
home (sealed with the team key): per device, the sequence numbers already
merged. A sync lists the device folders and reads only files not merged
yet, so a sync with nothing new reads no segment bodies and writes nothing.
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
(:mod:`careterm.team.devices`).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nacl.signing

from careterm.core import clock, ids
from careterm.core.textsafe import visible
from careterm.errors import CaretermError, InvalidInput, StoreExists
from careterm.store.crypto import Unsealable, seal, subkey, unseal
from careterm.store.files import atomic_write, create_new
from careterm.store.store import Store, has_store, home_lock, read_envelope, write_shared_hint
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
    write_segment,
)

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
    received_changes: int = 0
    new_reports: dict[str, list[str]] = field(default_factory=dict)
    """member → ids of reports that were new to this laptop."""
    updated_reports: dict[str, list[str]] = field(default_factory=dict)
    """member → ids of reports this laptop had and that member changed."""
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
        for member, ids_ in sorted(self.new_reports.items()):
            out.append(f"{_count(len(ids_), 'new report')} from {member or 'someone'}: "
                       f"{_id_list(ids_)}")
        for member, ids_ in sorted(self.updated_reports.items()):
            out.append(f"{_count(len(ids_), 'report')} updated by {member or 'someone'}: "
                       f"{_id_list(ids_)}")
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
        self.failed: dict[str, list[Any]] = dict(data.get("failed") or {})
        self.dirty = False

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
                                 else {})}
                        for dev, e in self.devices.items()},
            "failed": self.failed,
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


def signing_key_of(store: Store) -> nacl.signing.SigningKey:
    """This laptop's key for signing what it writes to the shared folder."""
    seed = store.meta.get(META_SIGNING_KEY)
    if not seed:
        raise SyncNotConfigured()
    return nacl.signing.SigningKey(unb64(seed))


def _registration_of(store: Store, signing_key: nacl.signing.SigningKey) -> Registration:
    return Registration(store.device_id, store.member, store.device_tag,
                        bytes(signing_key.verify_key))


def _register(folder: Path, epochs: Epochs, team_id: str, reg: Registration) -> None:
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
                create_new(path, seal_registration(epochs.keys[epoch], team_id, reg, epoch),
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
        header = TeamHeader.build(team_id, read_envelope(store.home), key,
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
    _register(folder, epochs_of(store), team_id, _registration_of(store, signing_key))
    store.update_meta(**{META_SHARED_DIR: str(folder),
                         META_SIGNING_KEY: b64(bytes(signing_key))})
    write_shared_hint(store.home, folder)


def _registered(folder: Path, keys: dict[str, bytes], team_id: str) -> list[Registration]:
    """Every readable registration in the folder."""
    found = []
    try:
        entries = list(os.scandir(folder / DEVICES_DIR))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _folder_error(folder, exc) from exc
    for entry in entries:
        if not DEVICE_ID.match(entry.name):
            continue
        try:
            blob = (Path(entry.path) / REGISTRATION_FILE).read_bytes()
            found.append(open_registration_at(keys, team_id, entry.name, blob)[0])
        except (OSError, BadFile):
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
    header = TeamHeader.read(folder)
    if header is None:
        raise NotATeamFolder(f"{folder} holds no careterm team ({HEADER_FILE} is missing); "
                             "set it up with 'careterm init --shared' on a laptop of the team")
    if has_store(home):
        raise StoreExists(home)
    kek = header.envelope.derive(passphrase)
    key = header.envelope.unwrap_with(kek)
    if not header.check_key(key):
        raise NotATeamFolder(f"{folder / HEADER_FILE} failed its key check (damaged or "
                             "tampered with); nothing was written")
    entries = _joining_keyring(folder, header, kek)
    epochs = Epochs(key, entries)
    taken = {reg.tag for reg in _registered(folder, epochs.keys, header.team_id)}
    signing_key = nacl.signing.SigningKey.generate()
    meta: dict[str, Any] = {"team_id": header.team_id, "device_tag": ids.new_device_tag(taken),
                            META_SHARED_DIR: str(folder),
                            META_SIGNING_KEY: b64(bytes(signing_key))}
    if entries:
        meta[META_EPOCHS] = entries
    store = Store.create(home, passphrase, member=member, team=header.team_name(key),
                         envelope=header.envelope, data_key=key, meta=meta)
    write_shared_hint(home, folder)
    with contextlib.suppress(SyncFolderUnavailable):
        # The folder went away just now: the first sync registers this laptop instead.
        _register(folder, epochs, header.team_id, _registration_of(store, signing_key))
    return store


def epoch_names(folder: Path) -> list[str]:
    """The key epochs in the folder (after epoch 0), oldest first."""
    try:
        names = os.listdir(folder / EPOCHS_DIR)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _folder_error(folder, exc) from exc
    return sorted((n for n in names if parse_epoch_name(n)), key=epoch_order)


def _joining_keyring(folder: Path, header: TeamHeader, kek: bytes) -> dict[str, Any]:
    """Every epoch key, for a laptop joining a team that removed laptops (else ``{}``).

    The keyring is sealed under the passphrase of the current header, which a
    removed laptop does not know; without it, joining is refused (a laptop that
    could not read the team's newer files, nor be trusted by the others, would
    only confuse).
    """
    if not epoch_names(folder):
        return {}
    path = folder / KEYRINGS_DIR / keyring_name(header.envelope)
    try:
        blob = path.read_bytes()
    except OSError:
        blob = None
    if blob is not None:
        try:
            return open_keyring(kek, header.team_id, header.envelope, blob)
        except BadFile:
            pass
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

    @property
    def mark(self) -> list[int]:
        """What a cached failure was judged with: read again when this changes."""
        return [READER_VERSION, self.epochs.mark]

    # -- key epochs

    def discover_epochs(self) -> None:
        """Learn key epochs made by other laptops since the last sync (a few stats if none)."""
        learnt = False
        for name in epoch_names(self.folder):
            if name not in self.epochs.keys:
                learnt = self._consider_epoch(name) or learnt
        if learnt:
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
        if not key_path.exists():
            if record_path.exists():
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
            key_st, record_st = key_path.stat(), record_path.stat()
        except OSError:
            return False  # the record is still arriving
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

    def publish(self, changes: list[dict[str, Any]]) -> None:
        """Write this device's changes not published yet as one new segment."""
        state, me = self.state, self.me
        own: list[dict[str, Any]] = []
        top = state.published_change_seq
        for change in changes:
            if change["dev"] == me:
                number = int(change["cid"].rpartition(":")[2])
                if number > state.published_change_seq:
                    own.append(change)
                    top = max(top, number)
        if not own:
            return
        my_dir = self.devices_dir / me
        try:
            names = os.listdir(my_dir)
        except OSError as exc:
            raise _folder_error(self.folder, exc) from exc
        self._clean_own_temp_files(my_dir, names)
        seqs = [p[0] for p in map(parse_segment_name, names) if p]
        seq = max([state.published_seq, *seqs]) + 1
        epoch = self.epochs.current
        while True:
            blob = write_segment(self.epochs.keys[epoch], self.signing_key, self.team_id, me,
                                 seq, own, clock.now().isoformat(), epoch)
            try:
                create_new(my_dir / segment_name(seq), blob, mode=SHARED_FILE_MODE)
                break
            except FileExistsError:
                seq += 1  # a file of this slot arrived meanwhile (a cloned laptop?)
            except OSError as exc:
                raise _folder_error(self.folder, exc) from exc
        state.published_seq = seq
        state.published_change_seq = top
        state.device(me).seqs.add(seq)
        state.dirty = True
        self.report.published_changes = len(own)
        self.report.published_file = f"{DEVICES_DIR}/{me}/{segment_name(seq)}"

    @staticmethod
    def _clean_own_temp_files(my_dir: Path, names: list[str]) -> None:
        # Left by a crash mid-write; only this device writes here and the sync lock is held.
        for name in names:
            if name.startswith(".") and name.endswith(".tmp") and ".seg." in name:
                with contextlib.suppress(OSError):
                    (my_dir / name).unlink()

    # -- reading

    def read_all(self) -> None:
        """Read every device's files not merged yet."""
        try:
            entries = sorted(e.name for e in os.scandir(self.devices_dir) if e.is_dir())
        except OSError as exc:
            raise _folder_error(self.folder, exc) from exc
        for device_id in entries:
            if DEVICE_ID.match(device_id):
                self.read_device(device_id)

    def _rel(self, device_id: str, name: str) -> str:
        return f"{DEVICES_DIR}/{device_id}/{name}"

    def registration(self, device_id: str, has_files: bool) -> Registration | None:
        """The device's registration: pinned from the first sighting."""
        if device_id == self.me:
            return _registration_of(self.store, self.signing_key)
        entry = self.state.device(device_id)
        path = self.devices_dir / device_id / REGISTRATION_FILE
        rel = self._rel(device_id, REGISTRATION_FILE)
        try:
            st = path.stat()
            stat = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            stat = None
        except OSError as exc:
            self.report.skipped.append((rel, f"could not be read ({exc.strerror}); will retry"))
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

    def _read_bytes(self, path: Path, rel: str, stat: list[int] | None) -> bytes | None:
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.report.skipped.append((rel, f"could not be read ({exc.strerror}); will retry"))
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
        """Read the new files of one device folder."""
        device_dir = self.devices_dir / device_id
        try:
            names = os.listdir(device_dir)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.report.skipped.append((f"{DEVICES_DIR}/{device_id}",
                                        f"could not be listed ({exc.strerror}); will retry"))
            return
        entry = self.state.device(device_id)
        files: list[tuple[int, str, bool]] = []
        pending: list[tuple[int, str, bool]] = []
        merged_seqs, merged_names = entry.seqs, entry.names
        for name in names:
            parsed = parse_segment_name(name)
            if parsed is None:
                if is_temp_name(name):
                    self.report.in_transit += 1
                continue
            seq, canonical = parsed
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
        if not pending or reg is None:
            return
        removal = self.epochs.removal(device_id)
        opened: dict[int, dict[str, str]] = {}  # seq → digest → file name
        for seq, name, canonical in pending:
            segment = self._open(device_id, device_dir, seq, name, reg, removal)
            if segment is None:
                continue
            self.collected.extend(segment.changes)
            opened.setdefault(seq, {}).setdefault(segment.digest, name)
            if canonical:
                entry.seqs.add(seq)
            else:
                entry.names.add(name)
            self.state.dirty = True
        self._check_duplicate_claims(device_id, device_dir, reg, files, pending, opened)

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
        if entry is None or entry.reg is None:
            return None
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
            st = path.stat()
        except OSError:
            return None
        stat = [st.st_size, st.st_mtime_ns]
        failed = self.state.failed.get(rel)
        if failed and failed[:2] == stat and failed[3:] == self.mark:
            self.report.skipped.append((rel, failed[2]))  # unchanged since: not read again
            return None
        blob = self._read_bytes(path, rel, stat)
        if blob is None:
            return None
        try:
            segment = open_segment(self.epochs.keys, self.team_id, device_id, seq, blob,
                                   reg.verify_key)
            if removal is not None and segment.digest not in removal.digests:
                who = f"{removal.removed_member}'s laptop"
                if seq > removal.max_seq:
                    raise BadFile(f"written after {who} was removed from the team "
                                  f"({removal.day}): refused")
                raise BadFile(f"not one of the files {who} had shared when it was removed "
                              f"from the team ({removal.day}): refused")
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

    @staticmethod
    def _peer(device_id: str, reg: Registration, device_dir: Path,
              newest: tuple[int, str, bool] | None, count: int) -> PeerStatus:
        last = _modified(device_dir / newest[1]) if newest is not None else None
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
                if inc in existed:
                    updated.setdefault(change.get("by", ""), set()).add(inc)
                else:
                    # A new report is "from" whoever captured it, whoever added to it since.
                    created_by = current[inc].created_by if inc in current else None
                    new.setdefault(created_by or change.get("by", ""), set()).add(inc)
        self.report.new_reports = {m: sorted(incs) for m, incs in new.items()}
        self.report.updated_reports = {m: sorted(incs) for m, incs in updated.items()}


def _modified(path: Path) -> datetime | None:
    """When ``path`` was last written (local time), or ``None`` when it cannot be told."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except OSError:
        return None


def _own_top(changes: list[dict[str, Any]], device_id: str) -> int:
    """The highest change number this device has in ``changes``."""
    prefix = device_id + ":"
    return max((int(c["cid"][len(prefix):]) for c in changes if c["dev"] == device_id
                and c["cid"].startswith(prefix)), default=0)


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
        run = _Sync(store, folder, key, team_id, signing_key, state, epochs_of(store))
        me = store.device_id
        mine = [change for change in changes if change["dev"] == me]
        own_top = _own_top(mine, me)
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
        _register(folder, run.epochs, team_id, _registration_of(store, signing_key))
        run.publish(mine)
        run.read_all()
        run.merge()
        if run.report.received_changes or len(changes) != state.store_count:
            state.store_count = len(store.changes())
            state.dirty = True
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

    def device_ids(self) -> list[str]:
        """Every device folder in the shared folder, and this laptop's even without one."""
        try:
            names = sorted(e.name for e in os.scandir(self._run.devices_dir) if e.is_dir())
        except FileNotFoundError:
            names = []
        except OSError as exc:
            raise _folder_error(self.folder, exc) from exc
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
            seqs = [p[0] for p in map(parse_segment_name, os.listdir(device_dir)) if p and p[1]]
        except OSError:
            seqs = []
        if not seqs:
            return 0, None
        return len(seqs), _modified(device_dir / segment_name(max(seqs)))

    def removal(self, device_id: str) -> EpochRecord | None:
        """The record of the device's removal from the team, if it was removed."""
        return self._run.epochs.removal(device_id)

    def distrust(self, device_id: str) -> str | None:
        """Why every file of the device is refused (a registration a removed laptop may
        have forged), or ``None`` when it is trusted."""
        return self._run.distrust(device_id)
