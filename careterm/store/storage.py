"""TinyDB storages: the encrypted file storage careterm uses, and memory for tests.

TinyDB never sees PyNaCl: :class:`EncryptedStorage` turns TinyDB's dict into
JSON, seals it and writes it (snapshots replaced atomically, journal records
appended, both fsynced, through :mod:`careterm.store.files`); on read it
authenticates and decrypts.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import MemoryStorage, Storage

from careterm.errors import StoreDamaged
from careterm.store.crypto import Unsealable, seal, unseal
from careterm.store.files import append_at, atomic_write

STORE_PURPOSE = b"careterm/store/v1"


class VersionedStorage(Storage):
    """A storage that counts how often its contents changed (for cheap refresh checks),
    and adds documents to a table without TinyDB copying the whole database."""

    version: int = 0

    def append(self, name: str, docs: list[dict[str, Any]]) -> None:
        """Add ``docs`` to table ``name`` under the next document ids, in one write.

        What TinyDB's ``Table.insert_multiple`` does, but without converting every
        document id of the table twice: the change log grows by a few documents per
        save and per sync, and at 50,000 changes the conversion cost tens of
        milliseconds. This plain version writes the whole database; the encrypted
        storage writes only the new documents.
        """
        data = self.read() or {}
        table = data.get(name) or {}
        self.write({**data, name: {**table, **_numbered(docs, _top_id(table))}})


def _top_id(table: dict[str, Any]) -> int:
    """The highest document id in ``table`` (TinyDB's ids: integers as strings)."""
    return max((int(doc_id) for doc_id in table), default=0)


def _numbered(docs: list[dict[str, Any]], top: int) -> dict[str, dict[str, Any]]:
    """``docs`` (copied, as TinyDB copies what it inserts) under the ids after ``top``."""
    return {str(top + number): dict(doc) for number, doc in enumerate(docs, 1)}


Signature = tuple[int, int, int]


JOURNAL_MAGIC = b"CTJ1"


SNAPSHOT_ID_BYTES = 16


COMPACT_AT = 1 << 20
"""The journal is folded into a new snapshot once it is this big (and half the snapshot)."""


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class EncryptedStorage(VersionedStorage):
    """A TinyDB storage that keeps the database sealed in a snapshot and a journal.

    * ``store.ct``: a sealed snapshot of the whole database, with a random id.
    * ``store.journal``: sealed records written after that snapshot, each
      bound (as associated data) to the snapshot id and its position, so
      records cannot be moved, replayed or mixed with another snapshot.

    Tables named in ``append_only`` (the change log) only ever gain documents,
    so a write appends one record holding the new documents instead of
    rewriting everything: saving one change costs what the change costs, not
    what the history costs. Once the journal is large it is folded into a new
    snapshot (written atomically; the old journal then no longer matches and
    is ignored and reset).

    A crash while appending leaves a *short* last record: it was never
    confirmed, so it is ignored and cut off by the next write. A complete
    record or snapshot that fails authentication is damage: opening fails,
    naming the file, and nothing is written over it.

    The decrypted data is cached and re-read only when the files change
    (another careterm process wrote them); of a journal that only grew, only
    the new records are read.

    :meth:`rekey` writes the whole database as a new snapshot under another key
    (the store's key changed, :mod:`careterm.store.store`). A snapshot that
    another careterm process re-keyed does not open with the old key: then
    :attr:`rekeyed` is asked for the new one before the file counts as damaged.
    """

    def __init__(self, path: str | os.PathLike[str], key: bytes,
                 purpose: bytes = STORE_PURPOSE, append_only: tuple[str, ...] = ("changes",)
                 ) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_suffix(".journal")
        self._key = key
        self._purpose = purpose
        self._append_only = append_only
        # The app's worker threads and its main thread share one storage; reading
        # the journal incrementally must never interleave with a write.
        self._lock = threading.RLock()
        self.rekeyed: Callable[[Callable[[bytes], bool]], bytes | None] | None = None
        """Asked when the snapshot does not open with the key: given a test of a
        candidate key, it returns the key the snapshot was sealed under since (another
        careterm of this laptop re-keyed the store), or ``None`` (then it is damage)."""
        self._forget()
        self.version = 0

    def _forget(self) -> None:
        self._cache: dict[str, Any] | None = None
        self._top: dict[str, int] = {}  # append-only tables' highest document ids, known
        self._persisted: dict[str, dict[str, Any]] = {}
        self._snapshot_sig: Signature | None = None
        self._snapshot_id = b""
        self._snapshot_size = 0
        self._journal_sig: Signature | None = None
        self._journal_offset = 0  # bytes of valid journal read so far
        self._journal_index = 0  # records read so far

    # ------------------------------------------------------------------ reading

    def read(self) -> dict[str, Any] | None:
        """The database as a dict, or ``None`` when no store file exists yet."""
        with self._lock:
            return self._read_locked()

    def _read_locked(self) -> dict[str, Any] | None:
        snapshot_sig = _signature(self.path)
        if snapshot_sig is None:
            return None
        journal_sig = _signature(self.journal_path)
        if self._cache is not None and snapshot_sig == self._snapshot_sig:
            if journal_sig == self._journal_sig:
                return self._cache
            if journal_sig is not None and self._journal_sig is not None and (
                    journal_sig[0] == self._journal_sig[0]
                    and journal_sig[1] > self._journal_sig[1]):
                self._read_journal()  # it only grew: read the new records
                return self._cache
        self._read_snapshot()
        self._read_journal()
        return self._cache

    def _read_snapshot(self) -> None:
        self._forget()
        blob = self.path.read_bytes()
        try:
            try:
                plain = unseal(self._key, blob, self._purpose)
            except Unsealable:
                plain = self._unseal_rekeyed(blob)
            content = json.loads(plain)
            snapshot_id = bytes.fromhex(content["id"])
            data = content["data"]
        except (Unsealable, ValueError, KeyError, TypeError) as exc:
            reason = "authentication failed" if blob else "empty file"
            raise StoreDamaged(self.path, reason) from exc
        if not isinstance(data, dict) or len(snapshot_id) != SNAPSHOT_ID_BYTES:
            raise StoreDamaged(self.path, "unexpected contents")
        self._cache = data
        self._snapshot_id = snapshot_id
        self._snapshot_size = len(blob)
        self._snapshot_sig = _signature(self.path)
        self._remember_persisted()
        self.version += 1

    def _unseal_rekeyed(self, blob: bytes) -> bytes:
        """The snapshot, sealed under the key it was re-keyed to (:attr:`rekeyed`)."""
        if self.rekeyed is None or not blob:
            raise Unsealable("authentication failed")

        def opens(key: bytes) -> bool:
            try:
                unseal(key, blob, self._purpose)
            except Unsealable:
                return False
            return True

        key = self.rekeyed(opens)
        if key is None:
            raise Unsealable("authentication failed")
        self._key = key
        return unseal(key, blob, self._purpose)

    def _record_aad(self, index: int) -> bytes:
        return self._purpose + b"/journal/" + self._snapshot_id + b"/" + str(index).encode()

    def _read_journal(self) -> None:
        assert self._cache is not None
        try:
            with open(self.journal_path, "rb") as handle:
                self._journal_sig = _signature(self.journal_path)
                raw = handle.read()
        except FileNotFoundError:
            self._journal_sig = None
            return
        header = JOURNAL_MAGIC + self._snapshot_id
        if not raw.startswith(header):
            # Written for an older snapshot (compaction finished after it) or
            # never completed: nothing in it belongs to this snapshot.
            self._journal_offset = 0
            return
        offset = max(self._journal_offset, len(header))
        changed = False
        while offset < len(raw):
            if offset + 4 > len(raw):
                break  # a torn length: the last append never completed
            length = int.from_bytes(raw[offset:offset + 4], "big")
            end = offset + 4 + length
            if end > len(raw):
                break  # a torn record: the last append never completed
            try:
                record = json.loads(unseal(self._key, raw[offset + 4:end],
                                           self._record_aad(self._journal_index)))
            except (Unsealable, ValueError) as exc:
                raise StoreDamaged(self.journal_path, "authentication failed") from exc
            self._apply(record)
            self._journal_index += 1
            offset = end
            changed = True
        self._journal_offset = offset
        if changed:
            self._remember_persisted()
            self.version += 1

    def _apply(self, record: dict[str, Any]) -> None:
        assert self._cache is not None
        for name, table in (record.get("set") or {}).items():
            self._cache[name] = table
        for name, docs in (record.get("append") or {}).items():
            self._cache.setdefault(name, {}).update(docs)
            if name in self._top:
                self._top[name] = max(self._top[name], _top_id(docs))
        for name in record.get("set") or {}:
            self._top.pop(name, None)

    def _remember_persisted(self) -> None:
        """Shallow copies of what is on disk, to tell what a write adds."""
        assert self._cache is not None
        self._persisted = {name: dict(table) for name, table in self._cache.items()}

    # ------------------------------------------------------------------ writing

    def write(self, data: dict[str, Any]) -> None:
        """Persist ``data``: append what changed to the journal, or write a new snapshot."""
        with self._lock:
            self._write_locked(data)

    def _write_locked(self, data: dict[str, Any]) -> None:
        def persist() -> None:
            record = self._delta(data)
            payload = _dumps(record) if record else b""
            # A big batch (an import, a first sync) or a long journal: a new snapshot.
            if record is None or self._journal_offset + len(payload) > max(
                    COMPACT_AT, self._snapshot_size // 2):
                self._write_snapshot(data)
            elif record:
                self._append(payload)

        self._commit(data, persist)

    def _commit(self, data: dict[str, Any], persist: Callable[[], None]) -> None:
        """Run ``persist`` (which writes ``data``); then ``data`` is what is stored. On any
        failure the cache is dropped (TinyDB may have changed the cached dict in place
        before writing) and the error goes on."""
        try:
            persist()
        except Exception:
            self._forget()
            raise
        self._cache = data
        self._top = {}
        self._remember_persisted()
        self.version += 1

    def append(self, name: str, docs: list[dict[str, Any]]) -> None:
        """Add ``docs`` to the append-only table ``name``: one journal record holding just
        them (or a new snapshot when the journal is long), nothing else of the database
        copied or compared. On failure the cache is dropped and the error goes on, as
        with :meth:`write`."""
        with self._lock:
            data = self._read_locked()
            if (data is None or not self._snapshot_id or name not in self._append_only
                    or name not in data or name not in self._persisted):
                super().append(name, docs)  # the first documents: the whole write
                return
            table = data[name]
            top = self._top.get(name)
            if top is None:
                top = self._top[name] = _top_id(table)
            added = _numbered(docs, top)
            payload = _dumps({"append": {name: added}})
            try:
                table.update(added)
                if self._journal_offset + len(payload) > max(COMPACT_AT,
                                                             self._snapshot_size // 2):
                    self._write_snapshot(data)
                else:
                    self._append(payload)
            except Exception:
                self._forget()
                raise
            self._persisted[name].update(added)
            self._top[name] = top + len(added)
            self.version += 1

    def _delta(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """What ``data`` adds to what is on disk; ``None`` when only a snapshot will do."""
        if self._cache is None or not self._snapshot_id:
            return None
        record: dict[str, Any] = {}
        for name, table in data.items():
            old = self._persisted.get(name)
            if old is not None and name in self._append_only:
                if len(table) < len(old) or not old.keys() <= table.keys():
                    return None  # something was removed: rewrite everything
                added = {key: doc for key, doc in table.items() if key not in old}
                if added:
                    record.setdefault("append", {})[name] = added
            elif old != table:
                record.setdefault("set", {})[name] = table
        if set(self._persisted) - set(data):
            return None
        return record

    def _append(self, payload: bytes) -> None:
        blob = seal(self._key, payload, self._record_aad(self._journal_index))
        entry = len(blob).to_bytes(4, "big") + blob
        if self._journal_offset == 0:
            # A stale or empty journal: start it afresh, with this snapshot's header.
            start, data = 0, JOURNAL_MAGIC + self._snapshot_id + entry
        else:
            start, data = self._journal_offset, entry  # cutting a torn tail off
        append_at(self.journal_path, start, data)
        self._journal_offset = start + len(data)
        self._journal_index += 1
        self._journal_sig = _signature(self.journal_path)

    def _write_snapshot(self, data: dict[str, Any]) -> None:
        snapshot_id = os.urandom(SNAPSHOT_ID_BYTES)
        blob = seal(self._key, _dumps({"id": snapshot_id.hex(), "data": data}), self._purpose)
        atomic_write(self.path, blob)
        # The old journal now names an old snapshot, so it is ignored; empty it (no
        # fsync needed: should the emptying be lost, the journal is still ignored).
        with contextlib.suppress(OSError):
            os.truncate(self.journal_path, 0)
        self._snapshot_id = snapshot_id
        self._snapshot_size = len(blob)
        self._snapshot_sig = _signature(self.path)
        self._journal_offset = 0
        self._journal_index = 0
        self._journal_sig = _signature(self.journal_path)

    def rewrite(self, data: dict[str, Any]) -> None:
        """Replace the whole database by ``data`` (documents of the append-only tables
        edited: an erasure): a new snapshot, the journal emptied. What was written
        before is no longer in either file (file-system remnants aside)."""
        with self._lock:
            if self._read_locked() is None:
                raise StoreDamaged(self.path, "no store file")
            self._commit(data, lambda: self._write_snapshot(data))

    def rekey(self, key: bytes) -> None:
        """Seal the whole database under ``key`` from now on: a new snapshot (the journal
        folded in, then emptied). On failure the old key and files stay in use."""
        with self._lock:
            data = self._read_locked()
            if data is None:
                raise StoreDamaged(self.path, "no store file")
            old = self._key
            self._key = key
            try:
                self._write_snapshot(data)
            except Exception:
                self._key = old
                self._forget()
                raise
            self._remember_persisted()
            self.version += 1

    def close(self) -> None:
        """Forget the decrypted data and the key (without waiting for the lock: a lock
        screen must drop them even while a read is stuck)."""
        self._forget()
        self._key = b""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass")


class CountingMemoryStorage(MemoryStorage, VersionedStorage):
    """TinyDB's memory storage, counting writes like :class:`EncryptedStorage`."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 0

    def write(self, data: dict[str, Any]) -> None:
        """Keep ``data`` in memory."""
        super().write(data)
        self.version += 1

    def close(self) -> None:
        """Forget the data."""
        self.memory = None
