"""The careterm store: an append-only log of changes in an encrypted TinyDB.

A *home* folder holds::

    careterm.key   the passphrase-wrapped data key (JSON, no report data)
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
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from tinydb import TinyDB
from tinydb.table import Table

from careterm.core import clock, ids
from careterm.core.hlc import HybridClock, parse_stamp
from careterm.core.model import Fold, Incident
from careterm.errors import NoStore, StoreDamaged, StoreExists, UnknownIncident
from careterm.store.crypto import KeyEnvelope, subkey
from careterm.store.files import atomic_write
from careterm.store.storage import CountingMemoryStorage, EncryptedStorage, VersionedStorage

KEY_FILE = "careterm.key"


SHARED_HINT_FILE = "shared-folder"
"""Where the team's shared folder is, in clear, so a passphrase changed on another
laptop can be picked up at unlock (before the store, which also records it, is open)."""


STORE_FILE = "store.ct"


LOCK_FILE = "lock"


FORMAT = 1


DEFAULT_SETTINGS: dict[str, Any] = {
    "ack_target_minutes": 15,
    "lock_after_seconds": 300,
    "privacy_default": False,
}
"""Team settings and their defaults."""


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
    """The key envelope of the store in ``home``."""
    path = home / KEY_FILE
    if not path.exists():
        raise NoStore(home)
    try:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        return KeyEnvelope.from_dict(data)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise StoreDamaged(path, "unreadable key file") from exc


def write_envelope(home: Path, envelope: KeyEnvelope) -> None:
    """Write the key envelope atomically."""
    atomic_write(home / KEY_FILE,
                 json.dumps({"format": FORMAT, **envelope.to_dict()}, indent=1).encode())


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
                 key: bytes | None = None) -> None:
        self.home = home
        self.key = key
        self._storage = storage
        self._db = TinyDB(storage=lambda: storage)
        self._thread_lock = threading.RLock()
        self._fold = Fold()
        self._folded_version = -1
        self._folded_count = 0
        self._hlc = HybridClock()
        self._next_seq = 1
        self._next_counter = 1
        self._meta: dict[str, Any] = {}

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(cls, home: Path, passphrase: str, *, member: str, team: str = "",
               limits: str | None = None, envelope: KeyEnvelope | None = None,
               data_key: bytes | None = None, meta: dict[str, Any] | None = None) -> Store:
        """Create a new store in ``home`` (which must not hold one)."""
        if has_store(home):
            raise StoreExists(home)
        home.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            home.chmod(0o700)
        if envelope is None:
            envelope, data_key = KeyEnvelope.create(passphrase, limits=limits)
        assert data_key is not None
        store = cls.open_with_key(home, data_key, _new=True)
        store._init_meta(member, team, meta or {})
        write_envelope(home, envelope)
        return store

    @classmethod
    def open(cls, home: Path, passphrase: str) -> Store:
        """Unlock the store in ``home`` with ``passphrase``."""
        data_key = read_envelope(home).unwrap(passphrase)
        return cls.open_with_key(home, data_key)

    @classmethod
    def open_with_key(cls, home: Path, data_key: bytes, *, _new: bool = False) -> Store:
        """Open with an already unwrapped data key (after an unlock screen, or in benches)."""
        if not _new and not has_store(home):
            raise NoStore(home)
        storage = EncryptedStorage(home / STORE_FILE, subkey(data_key, "store"))
        store = cls(storage, home=home, key=data_key)
        if not _new:
            store.refresh()
            if not store._meta:
                raise StoreDamaged(home / STORE_FILE, "no device record")
        return store

    @classmethod
    def in_memory(cls, member: str = "Test Member", team: str = "Test Team",
                  tag: str | None = None) -> Store:
        """A store that lives only in memory (tests, previews)."""
        store = cls(CountingMemoryStorage(), key=None)
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
    def member(self) -> str:
        """The member using this laptop."""
        return self._meta.get("member", "")

    @property
    def device_id(self) -> str:
        """This laptop's device id."""
        return self._meta["device_id"]

    @property
    def device_tag(self) -> str:
        """The two-character prefix of ids captured on this laptop."""
        return self._meta["device_tag"]

    @property
    def meta(self) -> dict[str, Any]:
        """A copy of this laptop's meta record."""
        return json.loads(json.dumps(self._meta))

    def settings(self) -> dict[str, Any]:
        """Team settings merged over the defaults."""
        return {**DEFAULT_SETTINGS, **self._meta.get("settings", {})}

    def ack_target(self) -> timedelta:
        """The team's acknowledgement target."""
        return timedelta(minutes=float(self.settings()["ack_target_minutes"]))

    def update_meta(self, **changes: Any) -> None:
        """Change fields of the meta record (``settings`` is merged, not replaced)."""
        with self.locked():
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
            raw = self._storage.read() or {}
            if self._storage.version == self._folded_version:
                return set()
            meta_table = raw.get("meta") or {}
            self._meta = next(iter(meta_table.values()), {}) if meta_table else {}
            changes_table = raw.get("changes") or {}
            if len(changes_table) < self._folded_count:
                # The file was replaced by an older one (a restore): fold from scratch.
                self._fold = Fold()
                self._folded_count = 0
            new = list(islice(changes_table.values(), self._folded_count, None))
            self._folded_count = len(changes_table)
            self._folded_version = self._storage.version
            self._observe(new)
            return self._fold.apply(new)

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
            raw = self._storage.read() or {}
            return list((raw.get("changes") or {}).values())

    def change_ids(self) -> set[str]:
        """Ids of every change folded so far."""
        self.refresh()
        return set(self._fold.seen)

    # --------------------------------------------------------------- writing

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this store exclusively: threads in this process and other processes."""
        with self._thread_lock:
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
                self._table("changes").insert_multiple(maker.changes)
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
            if fresh:
                self._table("changes").insert_multiple(fresh)
                self.refresh()
            return fresh

    def seed(self, meta: dict[str, Any], changes: list[dict[str, Any]]) -> None:
        """Fill an empty store with a meta record and changes (restore), in one write each."""
        with self.locked():
            if self._table("meta").all() or self._table("changes").all():
                raise StoreExists(self.home or "this store")
            self._table("meta").insert(meta)
            self._table("changes").insert_multiple(changes)
            self.refresh()

    def close(self) -> None:
        """Drop decrypted data and keys from memory."""
        with self._thread_lock:
            self._storage.close()
            self._fold = Fold()
            self.key = None


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
    """Re-wrap the data key under a new passphrase; the store itself is not rewritten."""
    envelope = read_envelope(home).rewrap(old, new)
    with home_lock(home):
        write_envelope(home, envelope)
