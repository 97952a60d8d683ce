"""Writing bytes to disk: every file careterm writes is written here, safely, in one of three ways.

Each way writes the whole of the data or nothing a reader would use, and
fsyncs before it returns: once a call has returned, a power cut loses nothing
it wrote.

* :func:`atomic_write` *replaces* a file: the bytes go to a temp file in the
  same folder, which is fsynced and renamed over the old file
  (``os.replace``); then the folder is fsynced where the platform allows. A
  crash leaves the old file or the new one, never a mix. For the home's files
  (store snapshot, key file, capture draft, sync record, shared-folder hint),
  backups, and the shared folder's header when the passphrase changes.
* :func:`create_new` *creates* a file that must not exist yet and never
  overwrites one: temp file, fsync, then a hard link to the final name (or,
  where the file system has no hard links, a rename after checking the name
  is free), then the folder is fsynced where possible. For the shared folder,
  where every device only ever creates files (segments, registrations, key
  epochs, keyrings, the team header).
* :func:`append_at` *appends* to a log: it cuts the file at the end of what is
  known to be complete (dropping the torn tail of an append that never
  finished), writes there and fsyncs. For the store's journal.

Temp files are named ``.<name>.<pid>.tmp``: hidden, and ending in ``.tmp`` so
that a reader of the shared folder takes them for files still being copied;
a failed write removes its temp file.

Errors: :func:`atomic_write` and :func:`append_at` write this laptop's files
and raise :class:`~careterm.errors.StorageFailed` (one sentence naming the
file). :func:`create_new` raises ``OSError`` (``FileExistsError`` when the
name is taken), because its callers report the *shared folder* as
unreachable rather than this laptop's disk.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from careterm.errors import StorageFailed

PRIVATE_MODE = 0o600
"""Permissions of this laptop's files (only its user reads them)."""


def temp_path(path: Path) -> Path:
    """The temp file a write to ``path`` goes through first (hidden, ending in ``.tmp``)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_NEW_FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                   | getattr(os, "O_CLOEXEC", 0))
"""How :func:`create_new` opens its temp file: a new file, never an existing one nor
whatever a link planted under its name points to."""


def _write_synced(path: Path, data: bytes, mode: int,
                  flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> None:
    """Write ``data`` to a new (or emptied) ``path`` and fsync it."""
    fd = os.open(path, flags, mode)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new name in ``folder`` durable, where the platform allows it.

    Some file systems (network shares, FAT) refuse to open or fsync a folder;
    the file itself was fsynced already, so that is not an error.
    """
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never half.

    Temp file in the same folder, fsync, ``os.replace``, fsync the folder.
    Raises :class:`StorageFailed` (and leaves ``path`` untouched) when the disk refuses.
    """
    tmp = temp_path(path)
    try:
        _write_synced(tmp, data, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageFailed(path, exc.strerror or str(exc)) from exc
    fsync_folder(path.parent)


def create_new(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> None:
    """Create ``path`` holding ``data``, never overwriting an existing file.

    Written under a hidden temp name (which readers ignore), fsynced, then
    linked into place so the final name only ever shows a complete file.
    Raises ``FileExistsError`` when ``path`` already exists, ``OSError`` when
    the disk refuses; ``path`` is then left as it was.

    The shared folder is writable by others: the temp file is opened with
    ``O_EXCL | O_NOFOLLOW``, so a file or a link planted under its name is never
    written through (it is removed, the link itself and not what it points to,
    and the temp file made afresh), and the final name is linked, never opened.
    """
    tmp = temp_path(path)
    try:
        try:
            _write_synced(tmp, data, mode, _NEW_FILE_FLAGS)
        except FileExistsError:
            os.unlink(tmp)  # left by a crash of a process with the same id, or planted
            try:
                _write_synced(tmp, data, mode, _NEW_FILE_FLAGS)
            except FileExistsError:
                raise OSError(f"its temp file {tmp.name} keeps coming back") from None
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            # FAT USB sticks and some network shares have no hard links.
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    fsync_folder(path.parent)


def append_at(path: Path, offset: int, data: bytes, *, mode: int = PRIVATE_MODE) -> None:
    """Write ``data`` at ``offset`` of ``path``, after cutting off whatever follows ``offset``.

    ``offset`` is the end of what is known to be complete (0 starts the file
    afresh); anything after it is the torn tail of an append that never
    finished. The file (created if missing) is fsynced, and so is its folder
    when the file is new. A crash leaves the first ``offset`` bytes as they
    were, followed by some prefix of ``data``. Raises :class:`StorageFailed`
    when the disk refuses.
    """
    try:
        try:
            fd = os.open(path, os.O_RDWR)
            created = False
        except FileNotFoundError:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
            created = True
        try:
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageFailed(path, exc.strerror or str(exc)) from exc
    if created:
        fsync_folder(path.parent)
