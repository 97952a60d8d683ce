"""TinyDB storages: the encrypted file storage careterm uses, and memory for tests.

TinyDB never sees PyNaCl: :class:`EncryptedStorage` turns TinyDB's dict into
JSON, seals it and writes it atomically; on read it authenticates and decrypts.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from tinydb.storages import MemoryStorage, Storage

from careterm.crypto import Unsealable, seal, unseal
from careterm.errors import StorageFailed, StoreDamaged

STORE_PURPOSE = b"careterm/store/v1"


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half.

    Temp file in the same folder, fsync, ``os.replace``, fsync the folder.
    Raises :class:`StorageFailed` (and leaves ``path`` untouched) when the disk refuses.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageFailed(path, exc.strerror or str(exc)) from exc
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class VersionedStorage(Storage):
    """A storage that counts how often its contents changed (for cheap refresh checks)."""

    version: int = 0


class EncryptedStorage(VersionedStorage):
    """A TinyDB storage that keeps the whole database sealed in one file.

    The decrypted data is cached and re-read only when the file on disk
    changes (another careterm process wrote it), so queries do not decrypt.
    """

    def __init__(self, path: str | os.PathLike[str], key: bytes,
                 purpose: bytes = STORE_PURPOSE) -> None:
        self.path = Path(path)
        self._key = key
        self._purpose = purpose
        self._cache: dict[str, Any] | None = None
        self._signature: tuple[int, int, int] | None = None
        self.version = 0

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def read(self) -> dict[str, Any] | None:
        """The database as a dict, or ``None`` when no file exists yet."""
        signature = self._stat()
        if signature is None:
            return None
        if signature == self._signature and self._cache is not None:
            return self._cache
        blob = self.path.read_bytes()
        try:
            data = json.loads(unseal(self._key, blob, self._purpose))
        except (Unsealable, ValueError) as exc:
            reason = "authentication failed" if blob else "empty file"
            raise StoreDamaged(self.path, reason) from exc
        if not isinstance(data, dict):
            raise StoreDamaged(self.path, "unexpected contents")
        self._cache, self._signature = data, signature
        self.version += 1
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Seal ``data`` and replace the file atomically."""
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "surrogatepass")
        try:
            atomic_write(self.path, seal(self._key, payload, self._purpose))
        except Exception:
            # TinyDB may have changed the cached dict in place before writing.
            self._cache, self._signature = None, None
            raise
        self._cache, self._signature = data, self._stat()
        self.version += 1

    def close(self) -> None:
        """Forget the decrypted data and the key."""
        self._cache = None
        self._key = b""


class CountingMemoryStorage(MemoryStorage, VersionedStorage):
    """TinyDB's memory storage, counting writes like :class:`EncryptedStorage`."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 0

    def write(self, data: dict[str, Any]) -> None:
        """Keep ``data`` in memory."""
        super().write(data)
        self.version += 1
