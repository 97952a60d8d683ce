"""Watching the store's files and the shared folder, so an arrival shows at once.

A report saved by another careterm on this laptop lands in the store's files;
one saved on another laptop lands in the shared folder as a new segment file
in that laptop's device folder. :class:`ChangeWatcher` looks at both every
``interval`` seconds (0.1 by default) in a thread of its own, and says which
changed; the app then re-reads the store or syncs, and only then. Nothing is
read when nothing changed: a look is a handful of ``lstat`` calls.

What is compared (size, modification time in nanoseconds, and inode):

* the store's snapshot and journal (``store.ct`` and ``store.journal`` in the
  home, see :mod:`careterm.store.storage`): a save appends to the journal or
  replaces the snapshot;
* in the shared folder (:mod:`careterm.team.segments`): the team header, the
  ``epochs``, ``devices`` and ``stations`` folders, each other laptop's device
  folder and its ``evidence`` folder (:mod:`careterm.team.evidence`), and each
  intake station's folder (:mod:`careterm.team.stations`).
  Files there are only ever created (a temp name, then linked into place), so a
  new segment changes its device folder's modification time. The list of
  device folders is read again only when ``devices`` itself changed (through
  :func:`careterm.team.folder.list_dir`: no link followed, entries capped).
  This laptop's own device folder is left out: its own publishing is no news.

A folder may gain a second file within the same tick of the file system's
clock without its time moving; so a folder changed less than
:data:`RACY_SECONDS` ago is listed at each look and its names compared, until
its time is older (a few listings of one folder, only after a change; no sync
is started for nothing). A folder that vanishes or comes back (an unplugged
share) is a change too: the sync that follows says so on the status bar.

Why polling: the standard library has no file-change notification (inotify,
FSEvents and ReadDirectoryChangesW each need a dependency or ctypes), network
shares often deliver none, and a few ``lstat`` calls ten times a second cost
nothing measurable. The app keeps a slow periodic sync as well, for shares
whose folder times lag (some network file systems cache them).

The thread never touches a widget or the store: it only calls ``notify`` (the
app posts itself a message, which Textual allows from any thread), never holds
a lock, and a look that hangs (a stalled network mount) holds up nothing but
the next look. The app pauses it while locked and stops it when it ends.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from careterm.store.evidence import EVIDENCE_DIR
from careterm.store.station import STATIONS_DIR
from careterm.store.store import STORE_FILE
from careterm.team.folder import FileMissing, UnsafeFile, list_dir
from careterm.team.segments import DEVICE_ID, DEVICES_DIR, EPOCHS_DIR, HEADER_FILE

WATCH_SECONDS = 0.1
"""How often the store's files and the shared folder are looked at."""


RACY_SECONDS = 2.0
"""File systems keep times in ticks (a few milliseconds; two seconds on a FAT-formatted
USB stick): a second file created in a folder within the same tick leaves the folder's
time as it was. So a folder whose time is less than this old is listed at each look,
and its names compared, until it is older (a few listings, only after a change)."""


MAX_NAMES = 20_000
"""A folder listed for its names holds at most this many (more: left to the periodic
sync; a device folder holds one file per save of one laptop)."""


MAX_DEVICES = 1_000
"""Device folders watched at most (a team has a few laptops; a folder stuffed with
thousands of names is someone else's doing, and the periodic sync still reads it)."""


Stat = tuple[int, int, int] | None
"""(inode, size, modification time in ns) of a path, ``None`` when it cannot be seen."""


@dataclass
class FilesChanged(Message):
    """The watcher saw the store's files (``store``) or the shared folder (``folder``)
    change (posted by the app to itself from the watcher's thread)."""

    store: bool
    folder: bool


@dataclass(frozen=True)
class WatchPlan:
    """What to watch: the store's files, the shared folder, this laptop's device id."""

    store_files: tuple[Path, ...] = ()
    folder: Path | None = None
    own_device: str = ""


def store_files(home: Path | None) -> tuple[Path, ...]:
    """The files a save writes in ``home``: the snapshot and its journal (the journal's
    name is the one :class:`careterm.store.storage.VersionedStorage` gives it)."""
    if home is None:
        return ()
    snapshot = home / STORE_FILE
    return snapshot, snapshot.with_suffix(".journal")


def _stat(path: Path) -> Stat:
    try:
        st = os.stat(path, follow_symlinks=False)
    except (OSError, ValueError):
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class ChangeWatcher:
    """Looks at the store's files and the shared folder every ``interval`` seconds in a
    thread of its own; calls ``notify(store_changed, folder_changed)`` (from that thread)
    when either changed. The first look after :meth:`watch` counts as a change of both
    (whatever arrived while nobody looked is read then)."""

    def __init__(self, interval: float, notify: Callable[[bool, bool], None]) -> None:
        self.interval = interval
        self._notify = notify
        self._plan: WatchPlan | None = None
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen_plan: WatchPlan | None = None
        self._store_seen: tuple[Stat, ...] | None = None
        self._folder_seen: tuple[Stat, ...] | None = None
        self._names: dict[Path, frozenset[str] | None] = {}
        self._devices_stat: tuple[Stat, Stat] | None = None
        self._devices: list[Path] = []
        self.looks = 0
        """How many looks were taken (for tests and the bench)."""
        self.failed = False
        """True once the thread stopped on an error."""

    # ------------------------------------------------------------ control (main thread)

    def watch(self, plan: WatchPlan) -> None:
        """Watch what ``plan`` names from now on (starts the thread the first time;
        a plan with nothing to watch, a store only in memory, starts none)."""
        if not plan.store_files and plan.folder is None:
            self._plan = None
            return
        self._plan = plan
        if self._thread is None and not self._stopped.is_set():
            self._thread = threading.Thread(target=self._run, name="careterm-watch",
                                            daemon=True)
            self._thread.start()
        self._wake.set()

    def pause(self) -> None:
        """Look at nothing until :meth:`watch` is called again (the app is locked)."""
        self._plan = None

    def stop(self) -> None:
        """End the thread (it is not waited for: a look may hang on a dead share)."""
        self._plan = None
        self._stopped.set()
        self._wake.set()

    # ------------------------------------------------------------ the thread

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                store_changed, folder_changed = self.look()
                if (store_changed or folder_changed) and not self._stopped.is_set():
                    self._notify(store_changed, folder_changed)
            except Exception:
                # The app's event loop is gone (RuntimeError), or a bug: stop watching
                # quietly (never a traceback on the desk's screen); the app's periodic
                # sync still brings what arrives.
                self.failed = True
                return
            self._wake.wait(self.interval)
            self._wake.clear()

    def look(self) -> tuple[bool, bool]:
        """One look: (the store's files changed, the shared folder changed)."""
        plan = self._plan
        if plan is None:
            self._seen_plan = None
            return False, False
        self.looks += 1
        first = plan != self._seen_plan
        self._seen_plan = plan
        store_now = tuple(_stat(path) for path in plan.store_files)
        store_changed = first or store_now != self._store_seen
        self._store_seen = store_now
        folder_changed = False
        if plan.folder is not None:
            folder_changed = self._look_at_folder(plan, first)
        return store_changed, folder_changed

    def _look_at_folder(self, plan: WatchPlan, first: bool) -> bool:
        """True when the shared folder changed since the last look."""
        assert plan.folder is not None
        looked_at = time.time_ns()
        paths, now = self._folder_state(plan.folder, plan.own_device, fresh=first)
        changed = first or now != self._folder_seen
        self._folder_seen = now
        # Folders changed lately: their names are compared too (see RACY_SECONDS).
        racy = (looked_at - int(RACY_SECONDS * 1e9), looked_at + int(RACY_SECONDS * 1e9))
        names = {path: self._names_in(plan.folder, path)
                 for path, stat in zip(paths[1:], now[1:], strict=True)  # [0]: the header
                 if stat is not None and racy[0] < stat[2] <= racy[1]}
        if not changed:
            changed = any(self._names.get(path, listed) != listed
                          for path, listed in names.items())
        self._names = names
        return changed

    def _folder_state(self, folder: Path, own: str, *, fresh: bool
                      ) -> tuple[list[Path], tuple[Stat, ...]]:
        """The header, ``epochs``, ``devices`` and each other device folder, with their
        stats."""
        devices_dir = folder / DEVICES_DIR
        stations_dir = folder / STATIONS_DIR
        devices_stat = _stat(devices_dir), _stat(stations_dir)
        if fresh or devices_stat != self._devices_stat:
            self._devices_stat = devices_stat
            self._devices = [devices_dir / name
                             for name in self._device_names(folder, devices_dir, own)]
            self._devices += [path / EVIDENCE_DIR for path in self._devices]
            self._devices += [stations_dir / name
                              for name in self._device_names(folder, stations_dir, "")]
        paths = [folder / HEADER_FILE, folder / EPOCHS_DIR, devices_dir, stations_dir,
                 *self._devices]
        return paths, (_stat(paths[0]), _stat(paths[1]), *devices_stat,
                       *(_stat(path) for path in paths[4:]))

    @staticmethod
    def _device_names(folder: Path, devices_dir: Path, own: str) -> list[str]:
        with contextlib.suppress(FileMissing, UnsafeFile, OSError):
            names = [entry.name for entry in list_dir(devices_dir, root=folder)
                     if entry.is_dir and entry.name != own and DEVICE_ID.match(entry.name)]
            return names[:MAX_DEVICES]
        return []

    @staticmethod
    def _names_in(folder: Path, path: Path) -> frozenset[str] | None:
        """The names in folder ``path`` (``None`` when it cannot be listed safely)."""
        with contextlib.suppress(FileMissing, UnsafeFile, OSError):
            return frozenset(entry.name for entry in list_dir(path, root=folder,
                                                              max_entries=MAX_NAMES))
        return None
