"""The one safe-write module: every helper fsyncs, and a failed write leaves the old file."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import careterm
from careterm.errors import StorageFailed
from careterm.store import files

OLD = b"the old contents, which must survive"
NEW = b"new contents " * 1000


class Disk:
    """Records fsyncs, renames and links (in order), and can make one call fail."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, Any]] = []
        self.fail: str | None = None
        self.hits = 0
        self._monkeypatch = monkeypatch
        for name in ("open", "write", "fsync", "replace", "link", "ftruncate"):
            monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))

    def _wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name == self.fail:
                self.hits += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if name == "fsync":
                st = os.fstat(args[0])
                self.events.append(("fsync", (st.st_ino, stat.S_ISDIR(st.st_mode))))
            elif name in ("replace", "link"):
                self.events.append((name, Path(args[1])))
            return real(*args, **kwargs)
        return call

    def fsynced_file(self, path: Path) -> int:
        """Index of the fsync of the file now at ``path`` (-1 when it was never fsynced)."""
        wanted = (path.stat().st_ino, False)
        return next((i for i, e in enumerate(self.events) if e == ("fsync", wanted)), -1)

    def fsynced_folder(self, folder: Path) -> int:
        """Index of the last fsync of ``folder`` (-1 when it was never fsynced)."""
        wanted = ("fsync", (folder.stat().st_ino, True))
        found = [i for i, e in enumerate(self.events) if e == wanted]
        return found[-1] if found else -1

    def index(self, name: str, path: Path) -> int:
        return self.events.index((name, path))


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    yield Disk(monkeypatch)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


class TestAtomicWrite:
    """Replacing a file: the old one or the new one, never half, and fsynced."""

    def test_replaces_the_file_privately(self, tmp_path: Path) -> None:
        path = tmp_path / "store.ct"
        path.write_bytes(OLD)
        files.atomic_write(path, NEW)
        assert path.read_bytes() == NEW
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert leftovers(tmp_path) == []

    def test_fsyncs_the_file_before_the_rename_and_the_folder_after(self, tmp_path: Path,
                                                                   disk: Disk) -> None:
        path = tmp_path / "store.ct"
        path.write_bytes(OLD)
        files.atomic_write(path, NEW)
        renamed = disk.index("replace", path)
        assert 0 <= disk.fsynced_file(path) < renamed
        assert disk.fsynced_folder(tmp_path) > renamed

    @pytest.mark.parametrize("point", ["open", "write", "fsync", "replace"])
    def test_a_failed_write_leaves_the_old_file(self, tmp_path: Path, disk: Disk,
                                                point: str) -> None:
        path = tmp_path / "store.ct"
        path.write_bytes(OLD)
        disk.fail = point
        with pytest.raises(StorageFailed, match=re.escape(str(path))) as caught:
            files.atomic_write(path, NEW)
        assert disk.hits, f"os.{point} was never called"
        assert "nothing was changed" in str(caught.value)
        disk.fail = None
        assert path.read_bytes() == OLD
        assert leftovers(tmp_path) == []


class TestCreateNew:
    """Creating a file that must not exist: complete under its name, never an overwrite."""

    def test_creates_with_the_mode_asked(self, tmp_path: Path) -> None:
        path = tmp_path / "1.seg"
        files.create_new(path, NEW, mode=0o644)
        assert path.read_bytes() == NEW
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        assert leftovers(tmp_path) == []

    def test_never_overwrites(self, tmp_path: Path) -> None:
        path = tmp_path / "1.seg"
        path.write_bytes(OLD)
        with pytest.raises(FileExistsError):
            files.create_new(path, NEW)
        assert path.read_bytes() == OLD
        assert leftovers(tmp_path) == []

    def test_fsyncs_the_file_before_linking_it_and_the_folder_after(self, tmp_path: Path,
                                                                    disk: Disk) -> None:
        path = tmp_path / "1.seg"
        files.create_new(path, NEW)
        linked = disk.index("link", path)
        assert 0 <= disk.fsynced_file(path) < linked
        assert disk.fsynced_folder(tmp_path) > linked

    @pytest.mark.parametrize("point", ["open", "write", "fsync"])
    def test_a_failed_write_creates_nothing(self, tmp_path: Path, disk: Disk,
                                            point: str) -> None:
        path = tmp_path / "1.seg"
        disk.fail = point
        with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
            files.create_new(path, NEW)
        assert disk.hits, f"os.{point} was never called"
        disk.fail = None
        assert not path.exists()
        assert leftovers(tmp_path) == []

    def test_without_hard_links_it_renames_after_checking(self, tmp_path: Path,
                                                          disk: Disk) -> None:
        disk.fail = "link"  # a FAT USB stick
        path = tmp_path / "1.seg"
        files.create_new(path, NEW)
        assert disk.hits
        assert path.read_bytes() == NEW
        assert 0 <= disk.fsynced_file(path) < disk.index("replace", path)
        taken = tmp_path / "2.seg"
        taken.write_bytes(OLD)
        with pytest.raises(FileExistsError):
            files.create_new(taken, NEW)
        assert taken.read_bytes() == OLD
        assert leftovers(tmp_path) == []


class TestAppendAt:
    """Appending to a log: the complete part stays, a torn tail is cut, and it is fsynced."""

    def test_appends_after_the_complete_part_and_cuts_a_torn_tail(self, tmp_path: Path
                                                                  ) -> None:
        path = tmp_path / "store.journal"
        files.append_at(path, 0, b"HEAD" + b"one")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.write_bytes(path.read_bytes() + b"torn")  # an append that never completed
        files.append_at(path, 7, b"two")
        assert path.read_bytes() == b"HEADonetwo"
        files.append_at(path, 0, b"HEAD")  # start afresh
        assert path.read_bytes() == b"HEAD"

    def test_fsyncs_the_file_and_the_folder_of_a_new_one(self, tmp_path: Path,
                                                         disk: Disk) -> None:
        path = tmp_path / "store.journal"
        files.append_at(path, 0, OLD)
        assert disk.fsynced_file(path) >= 0
        assert disk.fsynced_folder(tmp_path) > disk.fsynced_file(path)
        disk.events.clear()
        files.append_at(path, len(OLD), NEW)
        assert disk.fsynced_file(path) >= 0
        assert path.read_bytes() == OLD + NEW

    @pytest.mark.parametrize("point", ["open", "ftruncate", "write", "fsync"])
    def test_a_failed_append_leaves_the_complete_part(self, tmp_path: Path, disk: Disk,
                                                      point: str) -> None:
        path = tmp_path / "store.journal"
        path.write_bytes(OLD)
        disk.fail = point
        with pytest.raises(StorageFailed, match=re.escape(str(path))):
            files.append_at(path, len(OLD), NEW)
        assert disk.hits, f"os.{point} was never called"
        disk.fail = None
        assert path.read_bytes()[:len(OLD)] == OLD
        assert leftovers(tmp_path) == []


# Writing calls no module of the store or the team may make itself.
WRITES = re.compile(r"\bos\.(write|fsync|replace|link|ftruncate)\(|\.write_(bytes|text)\(|"
                    r"\bopen\([^)]*[\"'][wax]")
ALLOWED = {("backup.py", "os.replace("): "moves a whole store aside; writes no bytes"}


def test_every_write_in_the_store_and_the_team_goes_through_files() -> None:
    root = Path(careterm.__file__).parent
    found = []
    for package in ("store", "team"):
        for path in sorted((root / package).glob("*.py")):
            if path.name == "files.py":
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                match = WRITES.search(line)
                if match and (path.name, match.group(0)) not in ALLOWED:
                    found.append(f"{package}/{path.name}:{number}: {line.strip()}")
    assert found == []
