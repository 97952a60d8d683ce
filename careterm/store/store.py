"""The careterm store: an append-only log of changes in an encrypted TinyDB.

A *home* folder holds::

    careterm.key   the ways to this laptop's store key (JSON, no report data;
                   see careterm.store.keyfile)
    store.ct       the TinyDB database, a sealed snapshot (see EncryptedStorage)
    store.journal  sealed records appended since that snapshot
    draft.ct       the capture form being typed, sealed (see careterm.store.draft)
    sync-state.ct  what sync has published and merged, sealed (see careterm.team.sync)
    shared-folder  the path of the team's shared folder, in clear (see careterm.team.keys)
    lock           taken with flock() around every read-modify-write
    sync.lock      one sync at a time

Every one of them that holds data is written through :mod:`careterm.store.files`
(replaced atomically or appended to, and fsynced).

The database has two tables: ``changes`` (the change records of
:mod:`careterm.core.model`, never edited) and ``meta`` (this laptop's member,
device and team settings). Incidents are folded from changes, never stored.
:class:`ChangeMaker` stamps new changes with ids and clock stamps the store
hands out (:meth:`Store.next_change_id`, :meth:`Store.next_incident_id`,
:meth:`Store.clock_stamp`), kept ahead of everything stored.

Keys. Each laptop has a *store key* of its own: random, made when the store is
created and made again at every re-key, never the team's key. Its subkeys seal
``store.ct``, ``store.journal``, ``draft.ct`` and backups. The key file reaches
it two ways: wrapped under the passphrase (Argon2id), and sealed under the key
of the newest key epoch this laptop knows (epoch 0 is the team key), which is
how a passphrase changed on another laptop opens this one, through the shared
folder's header and keyring (:func:`careterm.team.keys.unlock`). The team key,
every epoch key and the signing seed live only inside the sealed meta record
(:attr:`Store.key` is the team key; :attr:`Store.store_key` the store key).

Re-keying (:meth:`Store.rekey`). A new key epoch means a laptop was removed
from the team, and the removing laptop changed the passphrase: the removed
member knows the old passphrase and the old epoch keys, and may copy this
laptop's home. So when sync learns a newer epoch, this laptop makes a new
store key, rewrites the snapshot (the journal folded in) and the draft under
it, seals it under the new epoch's key and **drops the passphrase wrapping**:
the running session goes on, and the next unlock takes only the new passphrase
(the old one is refused with a sentence saying why), through the shared
folder's header and keyring, which the removed member cannot open; that unlock
wraps the key under the new passphrase again. Backups made from then on are
sealed under the new key. A copy of the home taken after the re-key holds
nothing the old passphrase or an old epoch key opens. The laptop that removes
does the same with the new passphrase it was given (:meth:`Store.rekey` with a
``kek``). When the passphrase wrapping is already current for the new epoch
(bound into it: a passphrase taken from the header after the removal) and the
process holds its derived key, the new store key is wrapped under it again.

The order keeps every crash openable: the key file first gains a *link* (the
new key sealed under the old one), then the snapshot and the draft are
rewritten, then the key file is replaced. Links also let another careterm
process of this laptop, still holding the old key, follow the re-key; they
are dropped whenever the passphrase wraps the key again.

Locking (:meth:`Store.forget_secrets`, also :meth:`Store.close`) drops the
store key, the team key, the decrypted meta (epoch keys, signing seed) and
every folded report at once, without waiting for any lock; from then on every
use raises :class:`StoreLocked`.

Honest limits: Python cannot wipe memory, so forgetting drops every reference
careterm holds (copies the interpreter made may linger until reused); what a
laptop wrote after a removal but before its sync learnt of it is sealed under
the old key; a copy of the home taken *before* the re-key holds the old store
key and the signing seed, and with a copy of the shared folder that opens the
new epoch's key (keep laptops and their backups physically safe); while links
are kept (until the next unlock with the passphrase), a copy of the home and a
backup from before the re-key together open the new key; the first unlock after
a re-key needs the shared folder (its header and keyring); if careterm stops
in the middle of a re-key, the old passphrase still opens the laptop until the
next sync finishes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from tinydb import TinyDB
from tinydb.table import Table

from careterm.core import clock, ids
from careterm.core.erasure import ERASE_OP, ERASED_OP, Erasures
from careterm.core.hlc import HybridClock, parse_stamp
from careterm.core.model import Fold, Incident, TeamRecord
from careterm.core.settings import TeamSettings
from careterm.errors import (
    CaretermError,
    StoreDamaged,
    StoreExists,
    UnknownIncident,
    WrongPassphrase,
)
from careterm.store.crypto import (
    KDF_LIMITS,
    KEY_SIZE,
    KeyEnvelope,
    Unsealable,
    b64,
    new_key,
    seal,
    subkey,
    unb64,
    unseal,
)
from careterm.store.files import atomic_write
from careterm.store.keyfile import (
    BASE_EPOCH,
    KEY_FILE,
    Kek,
    KeyFile,
    Link,
    new_key_id,
    read_key_file,
    write_key_file,
)
from careterm.store.storage import CountingMemoryStorage, EncryptedStorage, VersionedStorage

SHARED_HINT_FILE = "shared-folder"
"""Where the team's shared folder is, in clear, so a passphrase changed on another
laptop can be picked up at unlock (before the store, which also records it, is open)."""


STORE_FILE = "store.ct"


LOCK_FILE = "lock"


DRAFT_FILE = "draft.ct"
"""The capture draft (:mod:`careterm.store.draft`), sealed under the store key."""


DRAFT_PURPOSE = b"careterm/draft/v1"


SEALED_FILES: dict[str, tuple[str, bytes]] = {DRAFT_FILE: ("draft", DRAFT_PURPOSE)}
"""Files of the home sealed under (a subkey of) the store key besides the database:
name → (subkey label, purpose). A re-key seals each again under the new key."""


TEAM_KEY_META = "team_key"
"""Meta field: the team key (epoch 0), base64, inside the sealed store only."""


EPOCHS_META = "sync_epochs"
"""Meta field the team layer keeps later key epochs in (:data:`careterm.team.sync.META_EPOCHS`);
read here only to know which epochs a new store's passphrase is current for."""



BULK_FOLD = 2_000
"""Folding this many changes at once pauses Python's cycle collector (see below)."""


@contextlib.contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause the cycle collector while a big batch is folded.

    Every object the fold makes survives it, so the collections that its
    allocations trigger find nothing to free and only walk an ever larger
    heap: about a third of a first full sync (20,000 changes) was spent so.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

class StoreLocked(CaretermError):
    """The store was locked (its keys forgotten), or re-keyed by another careterm."""

    def __init__(self, message: str = "the store is locked: unlock it with the team "
                 "passphrase to go on") -> None:
        super().__init__(message)


REKEYED_ELSEWHERE = ("another careterm on this laptop changed the store's key (a laptop was "
                     "removed from the team): lock and unlock with the team passphrase to go on")


class PassphraseChanged(WrongPassphrase):
    """This laptop learnt of a removal from the team, which changed the passphrase: the
    passphrase it was unlocked with before no longer opens it."""

    def __init__(self, detail: str = "") -> None:
        CaretermError.__init__(
            self, "the team passphrase was changed when a laptop was removed from the team, "
            "and this laptop has learnt of it: unlock with the new passphrase (the old one no "
            f"longer opens it){detail}")


DEFAULT_SETTINGS: dict[str, Any] = {
    "ack_target_minutes": 15,
    "lock_after_seconds": 300,
    "privacy_default": False,
}
"""This laptop's settings and their defaults (``ack_target_minutes`` is no longer read:
the targets are the team's, shared as change records, :meth:`Store.team_settings`)."""


def default_home() -> Path:
    """``$CARETERM_HOME`` or the platform's user data folder."""
    env = os.environ.get("CARETERM_HOME")
    if env:
        return Path(env)
    return Path(user_data_dir("careterm", appauthor=False))


def has_store(home: Path) -> bool:
    """True when ``home`` holds a careterm store."""
    return (home / KEY_FILE).exists()


def read_envelope(home: Path) -> KeyEnvelope:
    """The passphrase wrapping of the store key in ``home`` (what :meth:`Store.open_with_key`
    takes, unwrapped); :class:`PassphraseChanged` when a re-key dropped it."""
    envelope = read_key_file(home).passphrase
    if envelope is None:
        raise PassphraseChanged()
    return envelope


def read_team_envelope(home: Path) -> KeyEnvelope:
    """The team key wrapped under this laptop's passphrase: the envelope a new shared
    folder's header gets ('careterm init --shared')."""
    envelope = read_key_file(home).team
    if envelope is None:
        raise PassphraseChanged()
    return envelope


@contextlib.contextmanager
def home_lock(home: Path, name: str = LOCK_FILE) -> Iterator[None]:
    """Hold a lock file of the home exclusively (``flock``; released if the process dies)."""
    fd = os.open(home / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_shared_hint(home: Path, folder: Path) -> None:
    """Remember (in clear, it is only a path) where the team's shared folder is."""
    atomic_write(home / SHARED_HINT_FILE, str(folder).encode("utf-8", "surrogateescape"))


def read_shared_hint(home: Path) -> Path | None:
    """The shared folder recorded by :func:`write_shared_hint`, if any."""
    try:
        text = (home / SHARED_HINT_FILE).read_bytes().decode("utf-8", "surrogateescape")
    except OSError:
        return None
    return Path(text) if text.strip() else None


class Store:
    """An unlocked store: the change log, this device's identity and settings.

    Safe to use from several threads (one lock) and several processes
    (``flock`` on the home's lock file around every write).
    """

    def __init__(self, storage: VersionedStorage, *, home: Path | None = None,
                 store_key: bytes | None = None, key_id: str | None = None,
                 legacy: bool = False) -> None:
        self.home = home
        self._store_key = store_key
        self._key_id = key_id
        self._legacy = legacy  # a format 1 home: the team key is the store key
        self._older_keys: list[bytes] = []  # store keys this process held before a re-key
        self._team_key: bytes | None = None
        self._kek: Kek | None = None  # the passphrase's derived key, when this process has it
        self._closed = False
        self._storage = storage
        self._db = TinyDB(storage=lambda: storage)
        self._thread_lock = threading.RLock()
        self._start_fold()
        self._hlc = HybridClock()
        self._next_seq = 1
        self._next_counter = 1
        self._meta: dict[str, Any] = {}

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(cls, home: Path, passphrase: str, *, member: str, team: str = "",
               limits: str | None = None, envelope: KeyEnvelope | None = None,
               data_key: bytes | None = None, meta: dict[str, Any] | None = None) -> Store:
        """Create a new store in ``home`` (which must not hold one).

        ``data_key`` is the team key when joining a team (a new one is made
        otherwise); ``envelope``, the shared folder's wrapping of it, is not
        copied: the store key and the team key are wrapped under ``passphrase``
        at this laptop's own limits (``limits`` names other ones, for tests and
        benches).
        """
        del envelope  # accepted from callers that have it; this laptop wraps its own
        if has_store(home):
            raise StoreExists(home)
        home.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            home.chmod(0o700)
        team_key = data_key or new_key()
        store_key, key_id = new_key(), new_key_id()
        kek = Kek.new(passphrase, KDF_LIMITS[limits] if limits else None)
        epochs = set((meta or {}).get(EPOCHS_META) or {})
        store = cls._open(home, store_key, key_id, new=True)
        store._init_meta(member, team, {**(meta or {}), TEAM_KEY_META: b64(team_key)})
        # The key file goes last: until it exists the home holds no store. A team that
        # removed laptops gets its epoch sealing at the first sync (Store.rekey).
        write_key_file(home, KeyFile.build(
            store_key, key_id, kek=kek, team_key=team_key, passphrase_epochs=epochs,
            epoch=None if epochs else (BASE_EPOCH, team_key)))
        store._kek = kek
        return store

    @classmethod
    def open(cls, home: Path, passphrase: str) -> Store:
        """Unlock the store in ``home`` with ``passphrase``.

        :class:`~careterm.errors.WrongPassphrase` when it does not open it;
        :class:`PassphraseChanged` when this laptop learnt of a removal from the
        team since (only the new passphrase opens it, through the shared folder:
        :func:`careterm.team.keys.unlock`). A format 1 home gets a store key of
        its own here.
        """
        key_file = read_key_file(home)
        if key_file.passphrase is None:
            raise PassphraseChanged()
        kek = Kek(key_file.passphrase.derive(passphrase), key_file.passphrase)
        store_key = key_file.passphrase.unwrap_with(kek.key)
        store = cls._open(home, store_key, key_file.key_id, legacy=key_file.legacy)
        if key_file.legacy:
            store._set_passphrase(kek, key_file.passphrase_epochs)
        elif not store._key_file_holds(key_file, kek):
            store.close()
            raise StoreDamaged(home / KEY_FILE, "its other ways to the keys do not match")
        store._kek = kek
        return store

    def _key_file_holds(self, key_file: KeyFile, kek: Kek) -> bool:
        """Whether what the key file says besides the passphrase wrapping is what this
        store holds (the team key's wrapping, the epoch sealing): damage is refused at
        once, not at the next passphrase change or the next unlock through the folder."""
        if key_file.team is not None:
            try:
                if key_file.team.unwrap_with(kek.key) != self._team_key:
                    return False
            except WrongPassphrase:
                return False
        if key_file.epoch is None:
            return True
        keys = self._known_epoch_keys()
        if key_file.epoch not in keys:
            # An epoch this store holds no key of (yet): the file's label is only believed
            # when the passphrase wrapping, which binds its epochs, names it too.
            return key_file.epoch in key_file.passphrase_epochs
        # (After an interrupted re-key the file still seals the key the store came from.)
        return key_file.open_with_epochs(keys) in (self._store_key, *self._older_keys)

    def _known_epoch_keys(self) -> dict[str, bytes]:
        """Epoch keys in the meta (the team layer's entries: name → {"key": base64})."""
        keys: dict[str, bytes] = {}
        if self._team_key is not None:
            keys[BASE_EPOCH] = self._team_key
        entries = self._meta.get(EPOCHS_META)
        for name, entry in (entries.items() if isinstance(entries, dict) else ()):
            with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError):
                keys[name] = unb64(entry["key"], size=KEY_SIZE)
        return keys

    @classmethod
    def open_with_key(cls, home: Path, store_key: bytes) -> Store:
        """Open with an already unwrapped store key (after an unlock screen, or in benches)."""
        key_file = read_key_file(home)
        return cls._open(home, store_key, key_file.key_id, legacy=key_file.legacy)

    @classmethod
    def _open(cls, home: Path, store_key: bytes, key_id: str, *, legacy: bool = False,
              new: bool = False) -> Store:
        storage = EncryptedStorage(home / STORE_FILE, subkey(store_key, "store"))
        store = cls(storage, home=home, store_key=store_key, key_id=key_id, legacy=legacy)
        storage.rekeyed = store._follow_rekey
        if not new:
            store.refresh()
            if not store._meta:
                raise StoreDamaged(home / STORE_FILE, "no device record")
        return store

    @classmethod
    def restore(cls, home: Path, kek: Kek, meta: dict[str, Any],
                changes: list[dict[str, Any]], passphrase_epochs: Iterable[str]) -> Store:
        """A new store in ``home`` holding ``meta`` (with the team key) and ``changes``
        (a restored backup), with a store key of its own wrapped under ``kek``, the
        backup's passphrase, current for ``passphrase_epochs``."""
        if has_store(home):
            raise StoreExists(home)
        store_key, key_id = new_key(), new_key_id()
        store = cls._open(home, store_key, key_id, new=True)
        store.seed(meta, changes)
        if store.key is None:
            raise StoreDamaged(home / STORE_FILE, "no team key")
        epochs = set(meta.get(EPOCHS_META) or {})
        # The key file goes last: until it exists the home holds no store.
        write_key_file(home, KeyFile.build(
            store_key, key_id, kek=kek, team_key=store.key, passphrase_epochs=passphrase_epochs,
            epoch=None if epochs else (BASE_EPOCH, store.key)))
        store._kek = kek
        return store

    @classmethod
    def in_memory(cls, member: str = "Test Member", team: str = "Test Team",
                  tag: str | None = None) -> Store:
        """A store that lives only in memory (tests, previews)."""
        store = cls(CountingMemoryStorage())
        store._init_meta(member, team, {"device_tag": tag} if tag else {})
        return store

    def _init_meta(self, member: str, team: str, extra: dict[str, Any]) -> None:
        meta = {
            "member": member,
            "team": team,
            "team_id": ids.new_device_id(),
            "device_id": ids.new_device_id(),
            "device_tag": ids.new_device_tag(),
            "settings": dict(DEFAULT_SETTINGS),
            "created_at": clock.now().isoformat(),
        }
        meta.update({k: v for k, v in extra.items() if v is not None})
        with self.locked():
            self._table("meta").truncate()
            self._table("meta").insert(meta)
        self.refresh()

    # ------------------------------------------------------------- identity

    @property
    def key(self) -> bytes | None:
        """The team key (epoch 0; what the shared folder's header wraps), from the sealed
        meta; ``None`` for a store only in memory, and once locked."""
        return self._team_key

    @property
    def store_key(self) -> bytes | None:
        """This laptop's own store key; ``None`` in memory, and once locked."""
        return self._store_key

    @property
    def store_key_id(self) -> str | None:
        """The id of the store key (it names the key in the key file's links)."""
        return self._key_id

    @property
    def is_locked(self) -> bool:
        """True once :meth:`forget_secrets` (or :meth:`close`) ran."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise StoreLocked()

    @property
    def member(self) -> str:
        """The member using this laptop."""
        return self._meta.get("member", "")

    @property
    def device_id(self) -> str:
        """This laptop's device id."""
        self._check_open()
        return self._meta["device_id"]

    @property
    def device_tag(self) -> str:
        """The two-character prefix of ids captured on this laptop."""
        self._check_open()
        return self._meta["device_tag"]

    @property
    def meta(self) -> dict[str, Any]:
        """A copy of this laptop's meta record."""
        return json.loads(json.dumps(self._meta))

    def settings(self) -> dict[str, Any]:
        """Team settings merged over the defaults."""
        return {**DEFAULT_SETTINGS, **self._meta.get("settings", {})}

    def ack_target(self) -> timedelta:
        """The team's acknowledgement target (:meth:`team_settings`' ``ack``)."""
        return self.team_settings().ack

    def team_settings(self) -> TeamSettings:
        """The team's settings (stage targets, event dates, the critical alert), folded
        from the change records of the team record ``"~team"`` that sync shares."""
        return TeamSettings.from_values(self.team_record().values)

    def team_record(self) -> TeamRecord:
        """The folded team record (the live object: treat it as read-only)."""
        self.refresh()
        return self._fold.team

    def update_meta(self, **changes: Any) -> None:
        """Change fields of the meta record (``settings`` is merged, not replaced)."""
        with self.locked():
            self._update_meta_locked(changes)

    def _update_meta_locked(self, changes: dict[str, Any]) -> None:
        self.refresh()
        meta = self.meta
        if "settings" in changes:
            meta["settings"] = {**meta.get("settings", {}), **changes.pop("settings")}
        meta.update(changes)
        self._table("meta").truncate()
        self._table("meta").insert(meta)
        self.refresh()

    # --------------------------------------------------------------- reading

    def _table(self, name: str) -> Table:
        # A fresh Table each time: a cached one keeps a stale next-id counter
        # and would overwrite documents another process added meanwhile.
        return Table(self._db.storage, name, cache_size=0)

    def refresh(self) -> set[str]:
        """Fold changes that arrived since the last call (from this or another process).

        Returns the ids of incidents that changed.
        """
        with self._thread_lock:
            self._check_open()
            raw = self._storage.read() or {}
            if self._storage.version == self._folded_version:
                return set()
            meta_table = raw.get("meta") or {}
            self._meta = next(iter(meta_table.values()), {}) if meta_table else {}
            self._team_key = self._meta_team_key()
            changes_table = raw.get("changes") or {}
            if len(changes_table) < self._folded_count:
                # The file was replaced by an older one (a restore): fold from scratch.
                self._start_fold()
            new = list(islice(changes_table.values(), self._folded_count, None))
            self._folded_count = len(changes_table)
            self._folded_version = self._storage.version
            self._observe(new)
            with _collector_paused(len(new) >= BULK_FOLD):
                changed = self._fold.apply(new)
            if self._closed:
                # Locked while this read was under way (forget_secrets takes no lock):
                # what it just decrypted goes too.
                self._drop_secrets()
                raise StoreLocked()
            return changed

    def _start_fold(self) -> None:
        """Fold from nothing at the next :meth:`refresh`."""
        self._fold = Fold()
        self._folded_version = -1
        self._folded_count = 0
        self._own_top = 0

    def _meta_team_key(self) -> bytes | None:
        text = self._meta.get(TEAM_KEY_META)
        if text is None:
            # A format 1 home sealed its store with the team key itself.
            return self._store_key if self._legacy else None
        try:
            return unb64(text, size=KEY_SIZE)
        except ValueError as exc:
            raise StoreDamaged(self._storage_path(), "unreadable team key") from exc

    def _storage_path(self) -> Path | str:
        return self.home / STORE_FILE if self.home is not None else "the store"

    def _observe(self, changes: list[dict[str, Any]]) -> None:
        """Keep the clock, the change sequence and the id counter ahead of what is stored."""
        if not changes:
            return
        # Stamps are fixed-width strings, so the greatest string is the latest stamp.
        self._hlc.observe(max(change["hlc"] for change in changes))
        device = self._meta.get("device_id")
        own = [change["cid"] for change in changes if change["dev"] == device]
        if own:
            top = max(int(cid.rpartition(":")[2]) for cid in own)
            self._next_seq = max(self._next_seq, top + 1)
            self._own_top = max(self._own_top, top)
        tag = self._meta.get("device_tag", "")
        size = ids.TAG_LENGTH + ids.COUNTER_LENGTH
        for inc in {change["inc"] for change in changes}:
            if inc.startswith(tag) and len(inc) == size:
                with contextlib.suppress(ValueError):
                    counter = ids.decode(inc[ids.TAG_LENGTH:])
                    self._next_counter = max(self._next_counter, counter + 1)

    def next_incident_id(self) -> str:
        """A fresh id for an incident captured on this device (never handed out twice)."""
        with self._thread_lock:
            counter = self._next_counter
            self._next_counter += 1
        return ids.incident_id(self.device_tag, counter)

    def next_change_id(self) -> str:
        """A fresh id for a change made on this device (``<device id>:<sequence>``)."""
        with self._thread_lock:
            seq = self._next_seq
            self._next_seq += 1
        return f"{self.device_id}:{seq}"

    def clock_stamp(self) -> str:
        """A hybrid clock stamp later than every stamp this store has seen or made."""
        with self._thread_lock:
            return self._hlc.tick()

    def incidents(self) -> dict[str, Incident]:
        """All incidents by id (the live dict: treat it as read-only)."""
        self.refresh()
        return self._fold.incidents

    def get(self, incident_id: str) -> Incident:
        """One incident by id (forgiving case and look-alike letters)."""
        incidents = self.incidents()
        if incident_id in incidents:
            return incidents[incident_id]
        try:
            normal = ids.normalise(incident_id)
        except ValueError:
            raise UnknownIncident(incident_id) from None
        if normal in incidents:
            return incidents[normal]
        raise UnknownIncident(incident_id)

    def changes(self) -> list[dict[str, Any]]:
        """Every change record, in storage order."""
        with self._thread_lock:
            self._check_open()
            raw = self._storage.read() or {}
            return list((raw.get("changes") or {}).values())

    def change_count(self) -> int:
        """How many change records are stored."""
        with self._thread_lock:
            self._check_open()
            raw = self._storage.read() or {}
            return len(raw.get("changes") or {})

    def own_top(self) -> int:
        """The highest sequence number of this laptop's own stored changes (0: none)."""
        self.refresh()
        return self._own_top

    def erasures(self) -> Erasures:
        """Every erasure (and acknowledgement of one) the store holds (a copy)."""
        self.refresh()
        return self._fold.erasures.copy()

    def change_ids(self) -> set[str]:
        """Ids of every change folded so far."""
        self.refresh()
        return set(self._fold.seen)

    # --------------------------------------------------------------- writing

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this store exclusively: threads in this process and other processes."""
        with self._thread_lock:
            self._check_open()
            if self.home is None:
                yield
                return
            with home_lock(self.home):
                yield

    def transact(self, build: Callable[[ChangeMaker], None]) -> list[dict[str, Any]]:
        """Run ``build`` under the lock on the latest data and store what it made in one write.

        ``build`` gets a :class:`ChangeMaker`, may read ``store.incidents()``
        for the current state and raise to abort (then nothing is written).
        """
        with self.locked():
            self.refresh()
            maker = ChangeMaker(self)
            build(maker)
            if maker.changes:
                self._storage.append("changes", maker.changes)
                self.refresh()
            return maker.changes

    def add_foreign(self, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store changes that came from other devices (sync); skip ones already here."""
        with self.locked():
            self.refresh()
            seen = self._fold.seen
            fresh, batch_ids = [], set()
            for change in changes:
                if change["cid"] not in seen and change["cid"] not in batch_ids:
                    batch_ids.add(change["cid"])
                    fresh.append(change)
            # Erased values never come back: a change made by a laptop that had not
            # erased yet is stored scrubbed (careterm.core.erasure).
            erasures = self._fold.erasures
            erasures.learn_all(c for c in fresh if c["op"] in (ERASE_OP, ERASED_OP))
            if erasures:
                fresh = [erasures.scrub(change) for change in fresh]
            if fresh:
                self._storage.append("changes", fresh)
                self.refresh()
            return fresh

    def rewrite_changes(self, transform: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
        """Rewrite every stored change record through ``transform`` (an erasure scrubbing
        values, :mod:`careterm.core.erasure`): when any changed, the whole store is
        written anew (new snapshot, journal emptied) and folded again from scratch.
        Returns how many records changed."""
        with self.locked():
            raw = self._storage.read() or {}
            table = raw.get("changes") or {}
            rewritten = {}
            count = 0
            for doc_id, change in table.items():
                new = transform(change)
                if new is not change and new != change:
                    count += 1
                rewritten[doc_id] = new
            if not count:
                return 0
            data = {**raw, "changes": rewritten}
            if isinstance(self._storage, EncryptedStorage):
                self._storage.rewrite(data)
            else:
                self._storage.write(data)
            self._start_fold()
            self.refresh()
            return count

    def seed(self, meta: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        """Fill an empty store with a meta record and changes (restore), in one write each."""
        with self.locked():
            if self._table("meta").all() or self._table("changes").all():
                raise StoreExists(self.home or "this store")
            self._table("meta").insert(meta)
            self._storage.append("changes", changes)
            self.refresh()

    # ------------------------------------------------------------------ keys

    def file_keys(self, label: str) -> list[bytes]:
        """Keys of this laptop's file ``label`` (``"draft"``, ``"backup"``): the one to
        seal with first, then older ones this process held before a re-key (a file
        sealed under one of them, left by an interrupted re-key, still opens)."""
        with self._thread_lock:
            self.refresh()  # follows a re-key another careterm of this laptop made
            if self._store_key is None:
                raise StoreLocked()
            return [subkey(key, label) for key in (self._store_key, *self._older_keys[::-1])]

    def _follow_rekey(self, opens: Callable[[bytes], bool]) -> bytes | None:
        """The storage's key after another careterm of this laptop re-keyed the store
        (following the key file's links from the key held here); ``None`` when the
        store key did not change (the snapshot is damaged)."""
        if self.home is None or self._store_key is None or self._key_id is None:
            return None
        try:
            key_file = read_key_file(self.home)
        except CaretermError:
            return None
        for key_id, key in key_file.follow(self._key_id, self._store_key):
            storage_key = subkey(key, "store")
            if opens(storage_key):
                self._older_keys.append(self._store_key)
                self._store_key, self._key_id, self._legacy = key, key_id, False
                return storage_key
        if key_file.key_id != self._key_id:
            raise StoreLocked(REKEYED_ELSEWHERE)
        return None

    def rekey(self, epoch: str, keys: Mapping[str, bytes], *, kek: Kek | None = None) -> bool:
        """Seal this laptop's store under key epoch ``epoch``, the newest of ``keys`` (every
        epoch this laptop knows, by name, ``"0"`` the team key); re-key when needed.

        Without ``kek`` (a sync learnt the epoch): nothing when the store is already
        sealed under it, or when the key file names an epoch ``keys`` lacks (another
        careterm of this laptop learnt a newer one). Otherwise a new store key,
        sealed under the epoch; the passphrase wrapping is dropped (see the module
        docstring) unless it is already current for the epoch (the passphrase came
        from the header after the removal) and this process holds its derived key.
        With ``kek`` (:meth:`Kek.new` of the new passphrase: this laptop made the
        epoch, 'careterm revoke'): the new store key is wrapped under it. A format 1
        home is left until the next unlock with the passphrase. Returns True when
        the key file changed.
        """
        if self.home is None:
            return False
        if kek is None and read_key_file(self.home).epoch == epoch:
            return False  # every sync asks: answered without the lock
        with self.locked():
            self.refresh()
            key_file = read_key_file(self.home)
            epochs: Iterable[str] = keys
            if kek is None:
                if key_file.legacy or key_file.epoch == epoch:
                    return False
                if key_file.epoch is not None and key_file.epoch not in keys:
                    return False
                wrapping, held = key_file.passphrase, self._kek
                if (wrapping is not None and held is not None
                        and wrapping.salt == held.like.salt
                        and key_file.key_id == self._key_id
                        and epoch in key_file.passphrase_epochs):
                    kek, epochs = held, key_file.passphrase_epochs
            self._new_store_key(key_file, epoch=(epoch, keys[epoch]), kek=kek,
                                passphrase_epochs=epochs if kek is not None else ())
            return True

    def set_passphrase(self, passphrase: str) -> Kek:
        """Wrap the store key (and the team key) under ``passphrase`` at this laptop's limits,
        current for the key epochs the store knows ('careterm passphrase'); return the
        derived key, which may wrap the team key for the shared folder's header."""
        kek = Kek.new(passphrase)
        with self._thread_lock:
            self.refresh()
            epochs = set(self._meta.get(EPOCHS_META) or {})
        self._set_passphrase(kek, epochs)
        return kek

    def adopt_passphrase(self, passphrase: str, epochs: Iterable[str]) -> None:
        """Wrap the store key under ``passphrase``, taken from the shared folder's header
        (current for ``epochs``, the header's keyring), at this laptop's limits."""
        self._set_passphrase(Kek.new(passphrase), epochs)

    def _set_passphrase(self, kek: Kek, epochs: Iterable[str]) -> None:
        assert self.home is not None
        with self.locked():
            self.refresh()
            key_file = read_key_file(self.home)
            assert self._store_key is not None and self._team_key is not None
            # A format 1 home is sealed under the team key when no epoch was learnt yet.
            first = None if self._meta.get(EPOCHS_META) else (BASE_EPOCH, self._team_key)
            if self._legacy:
                # Still sealed with the team key: its first store key of its own.
                self._new_store_key(key_file, kek=kek, passphrase_epochs=epochs, epoch=first)
                return
            fresh = KeyFile.build(self._store_key, self._key_id or new_key_id(), kek=kek,
                                  team_key=self._team_key, passphrase_epochs=epochs,
                                  epoch=first if key_file.legacy else None)
            if key_file.key_id == self._key_id:
                # The epoch sealing stays; links go (see the module docstring).
                fresh = replace(fresh, epoch=key_file.epoch,
                                epoch_wrapped=key_file.epoch_wrapped)
            # (A format 1 file here: its move to format 2 was interrupted after the store
            # was re-keyed, and this process followed the link; it is finished now.)
            write_key_file(self.home, fresh)
            self._kek = kek

    def _new_store_key(self, key_file: KeyFile, *, epoch: tuple[str, bytes] | None,
                       kek: Kek | None, passphrase_epochs: Iterable[str]) -> None:
        """Re-key (under the lock): a new store key for the snapshot, the draft and the
        key file, in the order that keeps every crash openable."""
        assert self.home is not None and self._store_key is not None
        home, old_key, old_id = self.home, self._store_key, self._key_id or key_file.key_id
        legacy = self._legacy
        if legacy and TEAM_KEY_META not in self._meta:
            self._update_meta_locked({TEAM_KEY_META: b64(old_key)})
        team_key = self._team_key
        key, key_id = new_key(), new_key_id()
        link = Link.make(old_id, old_key, key_id, key)
        write_key_file(home, key_file.with_link(link))
        sealed = self._open_sealed_files()
        self._storage.rekey(subkey(key, "store"))
        self._older_keys.append(old_key)
        self._store_key, self._key_id, self._legacy = key, key_id, False
        for name, (label, purpose, plain) in sealed.items():
            atomic_write(home / name, seal(subkey(key, label), plain, purpose))
        # A link from a format 1 key (the team key, which a removed member has) is not kept.
        links = () if legacy else (*key_file.links, link)
        write_key_file(home, KeyFile.build(
            key, key_id, kek=kek, team_key=team_key, passphrase_epochs=passphrase_epochs,
            epoch=epoch, links=links, changed=kek is None))
        self._kek = kek

    def _open_sealed_files(self) -> dict[str, tuple[str, bytes, bytes]]:
        """The plaintexts of :data:`SEALED_FILES` (those there, and not damaged)."""
        assert self.home is not None and self._store_key is not None
        found = {}
        for name, (label, purpose) in SEALED_FILES.items():
            try:
                blob = (self.home / name).read_bytes()
            except OSError:
                continue
            for key in (self._store_key, *self._older_keys[::-1]):
                try:
                    found[name] = (label, purpose, unseal(subkey(key, label), blob, purpose))
                    break
                except Unsealable:
                    continue
        return found

    def forget_secrets(self) -> None:
        """Lock: drop the store key, the team key, the decrypted meta (epoch keys, signing
        seed) and every decrypted report from memory, at once.

        Never waits for a lock (a worker may be stuck holding one): call it after
        whatever must still be written (the capture draft). From then on every use
        of the store raises :class:`StoreLocked`; unlock by opening it again.
        """
        self._closed = True
        self._drop_secrets()

    def _drop_secrets(self) -> None:
        self._store_key = self._team_key = None
        self._kek = None
        self._older_keys = []
        self._meta = {}
        self._start_fold()
        self._storage.close()

    def close(self) -> None:
        """Done with the store: the same as :meth:`forget_secrets`."""
        self.forget_secrets()


class ChangeMaker:
    """Builds change records stamped with this device, member and clock."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.changes: list[dict[str, Any]] = []

    def new_incident_id(self) -> str:
        """A fresh id for an incident captured on this device."""
        return self._store.next_incident_id()

    def add(self, incident_id: str, op: str, data: dict[str, Any]) -> dict[str, Any]:
        """Record one change to ``incident_id``."""
        store = self._store
        change = {
            "cid": store.next_change_id(),
            "inc": incident_id,
            "op": op,
            "data": data,
            "hlc": store.clock_stamp(),
            "dev": store.device_id,
            "by": store.member,
            "at": clock.now().isoformat(),
        }
        self.changes.append(change)
        return change


def stamp_wall_ms(stamp: str) -> int:
    """The wall-clock part of a hybrid clock stamp."""
    return parse_stamp(stamp)[0]


def change_passphrase(home: Path, old: str, new: str) -> None:
    """Wrap the store key under a new passphrase on this laptop only (the store itself
    is not rewritten); :class:`~careterm.errors.WrongPassphrase` when ``old`` is wrong."""
    store = Store.open(home, old)
    try:
        store.set_passphrase(new)
    finally:
        store.close()


