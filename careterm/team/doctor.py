"""``careterm doctor``: the state of the shared folder, in plain words.

One call, :func:`diagnose`, looks at the shared folder from this laptop and
returns a :class:`Diagnosis`: which sync service seems to carry the folder,
whether it is reachable and writable, each laptop of the team (its member,
when it last wrote, what this laptop has merged from it), the files a sync
would skip and why, conflict copies, and laptops whose clock is more than a
minute ahead of this one. :meth:`Diagnosis.lines` says it for people (the
command line, the app's screen), :meth:`Diagnosis.to_dict` for scripts
(``--json``); :attr:`Diagnosis.ok` is the exit status (:meth:`Diagnosis.summary`
the one line when it is not).

Pure reading: nothing is written anywhere, not even this laptop's sync
record. Files in the shared folder are read only through
:mod:`careterm.team.folder` (no link followed, nothing that blocks, caps);
what a sync would skip comes from :meth:`careterm.team.sync.FolderView.check`,
which reads and checks the files not merged yet exactly as a sync does and
stores nothing. The sync engine names each skipped file with a reason for
people; :func:`classify` sorts those reasons into kinds (temp, partial,
damaged, another team, refused after a removal…) by their wording, so a
changed message in :mod:`careterm.team.sync` or :mod:`careterm.team.segments`
must be mirrored in :data:`_KIND_RULES` (the tests make every kind once).

How each thing is told:

* **The service.** Markers in the folder or the nearest folder above it that
  has one: Syncthing's ``.stfolder`` (with ``.stignore``, whose patterns are
  checked against careterm's file names, and ``.stversions``), Dropbox's
  ``.dropbox`` / ``.dropbox.cache``, Nextcloud's (and ownCloud's) sync journal
  ``.sync_*.db`` and ``.nextcloudsync.log``. The kind of file system
  (``/proc/self/mounts``, Linux only) tells a network share (NFS, SMB, SSHFS,
  WebDAV…) and a FAT, exFAT or NTFS drive (a USB stick, most likely).
* **Temp files and conflict copies** by their names, in the folders careterm
  uses (its root, ``devices/*``, ``epochs/*``, ``keyrings``). A temp file is
  normal while a transfer runs; one unchanged for :data:`STALE_TEMP` (by this
  laptop's clock and the time the file last changed here) is a stalled
  transfer. Conflict copies are harmless to the reports (each change is kept
  once; two *different* files for one slot are a sync warning of their own)
  and only noted.
* **Clocks.** A sync service that copies a file (Syncthing, Dropbox,
  Nextcloud) keeps the writer's modification time, while the file's status
  change time here is this laptop's clock when it arrived, which is never
  before it was written. So ``mtime - ctime`` of another laptop's newest files
  is a lower bound of how far its clock is ahead of this one's; over
  :data:`CLOCK_TOLERANCE` it is reported. Honest limits: a laptop whose clock
  is *behind* is seen by that laptop's doctor, not this one's (run it on each
  laptop); on a USB stick or a network share every time stamp comes from one
  clock, and nothing is seen; a file whose time was set by hand can raise it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from careterm.core import clock
from careterm.core.textsafe import visible
from careterm.core.whentext import describe_when_relative
from careterm.store.store import Store
from careterm.team.devices import DeviceInfo, team_devices
from careterm.team.erasure import status as erasure_status
from careterm.team.folder import (
    UnsafeFile,
    list_dir,
    read_regular,
    stat_regular,
)
from careterm.team.segments import (
    DEVICE_ID,
    DEVICES_DIR,
    EPOCH_RECORD_FILE,
    EPOCHS_DIR,
    HEADER_FILE,
    KEYRINGS_DIR,
    REGISTRATION_FILE,
    SyncFolderUnavailable,
    SyncProblem,
    is_temp_name,
    parse_segment_name,
    segment_name,
)
from careterm.team.sync import FolderView, SyncReport, shared_folder

__all__ = [
    "CLOCK_TOLERANCE", "KIND_WORDS", "NOTE", "OK", "PROBLEM", "STALE_TEMP", "ClockGap",
    "Diagnosis", "Finding", "Laptop", "Service", "SkippedFile", "classify", "detect_services",
    "diagnose", "hidden_by_stignore", "is_conflict_name", "mount_of",
]

OK, NOTE, PROBLEM = "ok", "note", "problem"
"""How much a finding matters: all is well, worth knowing, needs a person."""

CLOCK_TOLERANCE = timedelta(minutes=1)
"""A clock this much ahead of this laptop's, or less, is not reported."""

STALE_TEMP = timedelta(minutes=15)
"""A sync service's temp file unchanged this long is a stalled transfer."""

LOW_SPACE = 16 * 1024 * 1024
"""Free space under this in the shared folder is a problem (a segment may not fit)."""

NEWEST_FILES = 5
"""Newest files of each laptop whose times are compared with this laptop's clock."""

STIGNORE_CAP = 256 * 1024
"""``.stignore`` is read up to this size."""

_LISTING_CAP = 20_000
"""Entries looked at in each folder above the shared folder (for Nextcloud's journal)."""

NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "davfs", "fuse.davfs",
    "fuse.rclone", "afs", "ceph", "glusterfs", "fuse.glusterfs", "fuse.gvfsd-fuse"})
REMOVABLE_FILE_SYSTEMS = frozenset({
    "vfat", "msdos", "exfat", "fuse.exfat", "fuseblk", "ntfs", "ntfs3", "hfsplus"})

KIND_WORDS = {
    "temp": "still being written by the sync service",
    "stalled": "a transfer that stalled: the sync service stopped writing it",
    "partial": "not complete yet (still arriving)",
    "damaged": "damaged, forged or tampered with",
    "foreign": "from another careterm team",
    "removed": "refused: from a laptop removed from the team",
    "unsafe": "not a plain file, or far too large: never opened",
    "unreadable": "could not be read (permissions or a disk error)",
    "no-key": "written with a team key this laptop was not given",
    "newer": "written by a newer careterm",
}
"""Each kind of skipped file, in plain words."""

_PASSING_KINDS = frozenset({"temp", "partial"})
"""Kinds that are normal while files are being copied (notes, not problems)."""

_KIND_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foreign", ("another careterm team",)),
    ("removed", ("removed",)),
    ("newer", ("newer careterm",)),
    ("no-key", ("team key this laptop was not given",)),
    ("partial", ("still arriving", "not arrived yet", "incomplete file", "empty file")),
    ("unreadable", ("could not be read",)),
    ("unsafe", ("not a regular file", "not a folder", "a link", "larger than", "expands more",
                "outside the shared folder", "entries")),
)
"""Words of a sync's reasons (first rule that matches) → kind; anything else is damaged."""

_CONFLICT = re.compile(r"\.sync-conflict-\d{8}-\d{6}|conflicted copy|_conflict-\d{8}-\d{6}",
                       re.IGNORECASE)


def classify(reason: str) -> str:
    """The kind (a key of :data:`KIND_WORDS`) of a sync's reason for skipping a file."""
    text = reason.lower()
    for kind, words in _KIND_RULES:
        if any(word in text for word in words):
            return kind
    return "damaged"


def is_conflict_name(name: str) -> bool:
    """A sync service's conflict copy (or a copy like ``5 (1).seg``) of a careterm file."""
    parsed = parse_segment_name(name)
    if parsed is not None and not parsed[1]:
        return True
    return bool(_CONFLICT.search(name))


@dataclass(frozen=True)
class Finding:
    """One thing the doctor says."""

    topic: str
    """``folder``, ``service``, ``laptops``, ``files``, ``conflicts`` or ``clocks``."""
    level: str
    """:data:`OK`, :data:`NOTE` or :data:`PROBLEM`."""
    text: str
    """A sentence for people."""
    short: str = ""
    """A few words for the one-line summary (problems)."""


@dataclass
class Service:
    """A sync service (or kind of disk) that seems to carry the folder."""

    name: str
    """``Syncthing``, ``Dropbox``, ``Nextcloud``, ``a network share``, ``a removable drive``."""
    where: Path
    """The folder holding its marker, or the mount point."""
    evidence: str
    """What gave it away, for people."""


@dataclass
class Laptop:
    """One laptop of the team as this laptop sees it."""

    device_id: str
    member: str
    tag: str
    this_laptop: bool
    status: str
    last_wrote: datetime | None
    files: int
    """Its files in the shared folder now (conflict copies not counted)."""
    merged: int
    """Of :attr:`files`, those this laptop has merged."""
    removed: bool = False
    refused: bool = False

    @property
    def waiting(self) -> int:
        """Its files in the folder this laptop has not merged yet."""
        return 0 if self.this_laptop else max(0, self.files - self.merged)


@dataclass(frozen=True)
class SkippedFile:
    """A file of the shared folder a sync would not use now."""

    name: str
    """Its path in the shared folder."""
    kind: str
    """A key of :data:`KIND_WORDS`."""
    reason: str
    """The sync's own reason, or the doctor's."""


@dataclass(frozen=True)
class ClockGap:
    """A laptop whose clock is ahead of this laptop's by at least :attr:`seconds`."""

    device_id: str
    member: str
    seconds: float


@dataclass
class Diagnosis:
    """Everything :func:`diagnose` found. Safe to print through :meth:`lines`."""

    folder: Path | None
    checked_at: datetime
    reachable: bool = False
    writable: bool = False
    free_bytes: int | None = None
    services: list[Service] = field(default_factory=list)
    laptops: list[Laptop] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    clocks: list[ClockGap] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, topic: str, level: str, text: str, short: str = "") -> None:
        """Record a finding."""
        self.findings.append(Finding(topic, level, text, short or text))

    @property
    def problems(self) -> list[Finding]:
        """The findings a person should act on."""
        return [f for f in self.findings if f.level == PROBLEM]

    @property
    def ok(self) -> bool:
        """True when all is well (exit code 0)."""
        return not self.problems

    def summary(self) -> str:
        """One line: ``all is well: …`` or ``2 problems: …; …``."""
        problems = self.problems
        if not problems:
            others = sum(1 for laptop in self.laptops if not laptop.this_laptop)
            carried = f"carried by {self.services[0].name}, " if self.services else ""
            arriving = (f"{_count(len(self.skipped), 'file')} still arriving" if self.skipped
                        else "nothing skipped")
            return visible(f"all is well: {carried}{_count(others, 'other laptop')}, "
                           f"{arriving}", one_line=True)
        shown = [p.short for p in problems[:3]]
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        return visible(f"{_count(len(problems), 'problem')}: {'; '.join(shown)}{more}",
                       one_line=True)

    def lines(self) -> list[str]:
        """The whole diagnosis for people, one line each (safe to print)."""
        out: list[str] = []
        out.append(f"shared folder: {self.folder if self.folder else 'none set up'}")
        if self.folder is not None and self.reachable:
            state = "reachable and writable" if self.writable else "reachable, NOT writable"
            space = f"; {_size(self.free_bytes)} free" if self.free_bytes is not None else ""
            out.append(f"  {state}{space}")
        out.extend(self._topic_lines("folder"))
        if self.services:
            first, *others = self.services
            out.append(f"carried by: {first.name} ({first.evidence})")
            out.extend(f"  also: {s.name} ({s.evidence})" for s in others)
        elif self.folder is not None:
            out.append("carried by: no sync service recognised")
        out.extend(self._topic_lines("service"))
        if self.laptops:
            out.append("laptops:")
            out.extend(f"  {_laptop_line(laptop, self.checked_at)}" for laptop in self.laptops)
        out.extend(self._topic_lines("laptops"))
        if self.reachable:
            out.append("files skipped: none" if not self.skipped else "files skipped:")
            out.extend(f"  {s.name}: {KIND_WORDS.get(s.kind, s.kind)} ({s.reason})"
                       for s in self.skipped)
            out.extend(self._topic_lines("files"))
            out.append("conflict copies: none" if not self.conflicts else "conflict copies:")
            out.extend(f"  {name}" for name in self.conflicts)
            out.extend(self._topic_lines("conflicts"))
            out.append("clocks:" if self.clocks else "clocks: no laptop's clock seen more "
                       "than a minute ahead of this one's")
            out.extend(self._topic_lines("clocks"))
        if self.ok:
            out.append(self.summary())
        return [visible(line, one_line=True) for line in out]

    def _topic_lines(self, topic: str) -> list[str]:
        marks = {PROBLEM: "problem", NOTE: "note", OK: "ok"}
        return [f"  {marks[f.level]}: {f.text}" for f in self.findings if f.topic == topic]

    def to_dict(self) -> dict[str, Any]:
        """The diagnosis as JSON-ready data (``careterm doctor --json``)."""
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "checked_at": self.checked_at.isoformat(),
            "folder": str(self.folder) if self.folder is not None else None,
            "reachable": self.reachable,
            "writable": self.writable,
            "free_bytes": self.free_bytes,
            "services": [{"name": s.name, "where": str(s.where), "evidence": s.evidence}
                         for s in self.services],
            "laptops": [{
                "device_id": laptop.device_id, "member": laptop.member, "tag": laptop.tag,
                "this_laptop": laptop.this_laptop, "status": laptop.status,
                "last_wrote": laptop.last_wrote.isoformat() if laptop.last_wrote else None,
                "files": laptop.files, "merged": laptop.merged, "waiting": laptop.waiting,
                "removed": laptop.removed, "refused": laptop.refused,
            } for laptop in self.laptops],
            "skipped": [{"file": s.name, "kind": s.kind, "reason": s.reason}
                        for s in self.skipped],
            "conflicts": list(self.conflicts),
            "clocks": [{"device_id": c.device_id, "member": c.member,
                        "ahead_seconds": round(c.seconds)} for c in self.clocks],
            "findings": [{"topic": f.topic, "level": f.level, "text": f.text}
                         for f in self.findings],
        }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit, name in ((1024 ** 3, "GiB"), (1024 ** 2, "MiB"), (1024, "KiB")):
        if n >= unit:
            return f"{n / unit:.1f} {name}"
    return f"{n} bytes"


def _duration(seconds: float) -> str:
    """``75 seconds``, ``5 minutes``, ``3 hours``, ``2 days`` (rounded down)."""
    whole = int(seconds)
    if whole < 120:
        return f"{whole} seconds"
    if whole < 2 * 3600:
        return f"{whole // 60} minutes"
    if whole < 2 * 86400:
        return f"{whole // 3600} hours"
    return f"{whole // 86400} days"


def _who(member: str, tag: str) -> str:
    return f"{member or 'an unnamed member'}'s laptop (tag {tag})"


def _laptop_line(laptop: Laptop, now: datetime) -> str:
    wrote = (f"last wrote {describe_when_relative(laptop.last_wrote, now)}"
             if laptop.last_wrote else "has not written yet")
    files = _count(laptop.files, "file")
    head = f"{laptop.member or 'an unnamed member'} (tag {laptop.tag}"
    if laptop.this_laptop:
        return f"{head}, this laptop): {files} in the folder, {wrote}"
    head += f", {laptop.status})" if laptop.status != "member" else ")"
    if not laptop.files:
        merged = "nothing to merge"
    elif laptop.waiting:
        merged = (f"{laptop.merged} of them merged on this laptop, {laptop.waiting} "
                  "waiting for the next sync")
    else:
        merged = "all merged on this laptop"
    return f"{head}: {files}, {wrote}; {merged}"


# ---------------------------------------------------------------- the service


def _there(folder: Path, name: str) -> bool:
    """Whether ``folder`` (the shared folder or one above it) holds ``name``, not followed."""
    try:
        os.lstat(folder / name)
    except (OSError, ValueError):
        return False
    return True


def _journals(folder: Path) -> list[str]:
    """Nextcloud's and ownCloud's sync journals in ``folder`` (``.sync_<hash>.db``)."""
    found: list[str] = []
    try:
        with os.scandir(folder) as listing:
            for n, entry in enumerate(listing):
                if n >= _LISTING_CAP:
                    break
                if entry.name.startswith((".sync_", "._sync_")) and entry.name.endswith(".db"):
                    found.append(entry.name)
    except OSError:
        return []
    return sorted(found)


def _marker_services(folder: Path) -> list[Service]:
    """The sync services whose markers are in ``folder`` itself."""
    found: list[Service] = []
    if _there(folder, ".stfolder"):
        found.append(Service("Syncthing", folder, f".stfolder in {folder}"))
    dropbox = [name for name in (".dropbox", ".dropbox.cache") if _there(folder, name)]
    if dropbox:
        found.append(Service("Dropbox", folder, f"{dropbox[0]} in {folder}"))
    journal = [name for name in (".nextcloudsync.log", ".owncloudsync.log")
               if _there(folder, name)] or _journals(folder)
    if journal:
        found.append(Service("Nextcloud", folder, f"{journal[0]} in {folder}"))
    return found


def _unescape_mount(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), text)


def mount_of(path: Path, mounts: str | None = None) -> tuple[str, str] | None:
    """``(mount point, file system type)`` of the mount holding ``path`` (Linux), or
    ``None`` when it cannot be told. ``mounts`` is the text of ``/proc/self/mounts``."""
    if mounts is None:
        try:
            with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
                mounts = handle.read(4 * 1024 * 1024)
        except OSError:
            return None
    real = os.path.realpath(path)
    best: tuple[str, str] | None = None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point, kind = _unescape_mount(parts[1]), parts[2]
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, kind)
    return best


def detect_services(folder: Path, mounts: str | None = None) -> list[Service]:
    """The sync services whose markers are in ``folder`` or the nearest folder above it
    with one, then what the kind of disk tells (a network share, a removable drive)."""
    found: list[Service] = []
    real = Path(os.path.realpath(folder))
    for place in (real, *real.parents):
        found = _marker_services(place)
        if found:
            break
    mount = mount_of(real, mounts)
    if mount is not None:
        point, kind = mount
        if kind in NETWORK_FILE_SYSTEMS:
            found.append(Service("a network share", Path(point), f"{kind} mounted at {point}"))
        elif kind in REMOVABLE_FILE_SYSTEMS:
            found.append(Service("a removable drive", Path(point),
                                 f"{kind} mounted at {point}: a USB stick?"))
    return found


# ---------------------------------------------------------------- .stignore


def _glob_regex(pattern: str) -> str:
    """A Syncthing ignore glob as a regular expression (``*`` and ``?`` stay within
    a folder, ``**`` crosses folders, ``[…]`` and ``{a,b}`` as in Syncthing)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[" and pattern.find("]", i + 2) > 0:
            end = pattern.find("]", i + 2)
            body = pattern[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        elif ch == "{" and pattern.find("}", i) > 0:
            end = pattern.find("}", i)
            choices = pattern[i + 1:end].split(",")
            out.append("(?:" + "|".join(_glob_regex(c) for c in choices) + ")")
            i = end + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _ignore_rules(text: str) -> tuple[list[tuple[bool, re.Pattern[str], str]], list[str]]:
    """``.stignore``'s patterns in order as (ignores, regex, line), and the lines not
    checked (``#include`` and the like)."""
    rules: list[tuple[bool, re.Pattern[str], str]] = []
    unchecked: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("#"):
            unchecked.append(line)
            continue
        pattern, ignores, flags = line, True, 0
        while True:
            if pattern.startswith("!"):
                ignores, pattern = False, pattern[1:]
            elif pattern.startswith("(?i)"):
                flags, pattern = re.IGNORECASE, pattern[4:]
            elif pattern.startswith("(?d)"):
                pattern = pattern[4:]
            else:
                break
        pattern = pattern.rstrip("/") or pattern
        if pattern.startswith("/"):
            bodies = [pattern[1:]]
        elif pattern.startswith("**/"):
            bodies = [pattern, pattern[3:]]
        else:
            bodies = [pattern, "**/" + pattern]
        forms = [form for body in bodies for form in (body, body + "/**")]
        try:
            regex = re.compile("(?:" + "|".join(_glob_regex(f) for f in forms) + ")", flags)
        except re.error:
            unchecked.append(line)
            continue
        rules.append((ignores, regex, line))
    return rules, unchecked


def _careterm_paths(device_id: str) -> list[str]:
    """One of each kind of file careterm keeps in the shared folder."""
    return [HEADER_FILE, f"{DEVICES_DIR}/{device_id}/{REGISTRATION_FILE}",
            f"{DEVICES_DIR}/{device_id}/{segment_name(1)}",
            f"{EPOCHS_DIR}/1-{device_id}/{EPOCH_RECORD_FILE}",
            f"{EPOCHS_DIR}/1-{device_id}/{device_id}.key",
            f"{KEYRINGS_DIR}/0123456789abcdef0123456789abcdef.ring"]


def hidden_by_stignore(text: str, prefix: str, device_id: str
                       ) -> tuple[list[tuple[str, str]], list[str]]:
    """Which of careterm's files the ``.stignore`` ``text`` hides, as (pattern, file)
    pairs, and the lines it could not check. ``prefix`` is the shared folder's path
    below the Syncthing folder (``""`` when they are the same). The first pattern
    that matches decides, as in Syncthing; a pattern that hides a folder hides
    everything in it."""
    rules, unchecked = _ignore_rules(text)
    hidden: list[tuple[str, str]] = []
    seen: set[str] = set()
    for rel in _careterm_paths(device_id):
        path = f"{prefix}/{rel}" if prefix else rel
        for ignores, regex, line in rules:
            if regex.fullmatch(path):
                if ignores and line not in seen:
                    seen.add(line)
                    hidden.append((line, rel))
                break
    return hidden, unchecked


def _check_syncthing(diagnosis: Diagnosis, service: Service, folder: Path,
                     device_id: str) -> None:
    root = service.where
    try:
        prefix = Path(os.path.realpath(folder)).relative_to(root).as_posix()
    except ValueError:
        return
    prefix = "" if prefix == "." else prefix
    if _there(root, ".stignore"):
        try:
            text = read_regular(root / ".stignore", root=root, limit=STIGNORE_CAP
                                ).decode("utf-8", "replace")
        except UnsafeFile as exc:
            diagnosis.add("service", NOTE, f".stignore in {root} was not read ({exc.reason})")
            text = ""
        hidden, unchecked = hidden_by_stignore(text, prefix, device_id)
        for line, rel in hidden:
            diagnosis.add("service", PROBLEM,
                          f"the .stignore pattern {line!r} in {root} hides careterm's files "
                          f"(such as {rel}): Syncthing does not carry them. Remove it",
                          f".stignore pattern {line!r} hides careterm's files")
        if unchecked:
            diagnosis.add("service", NOTE,
                          f".stignore lines not checked: {', '.join(unchecked[:3])}")
        if not hidden:
            diagnosis.add("service", OK, ".stignore hides none of careterm's files")
    if _there(root, ".stversions"):
        diagnosis.add("service", NOTE,
                      "file versioning is on (.stversions): harmless, careterm never edits "
                      "a file, so old versions only hold files someone deleted")


_SERVICE_NOTES = {
    "Dropbox": "Dropbox keeps a conflicted copy when two laptops write one file; careterm "
               "never does, and reads any copy once. Keep the folder available offline "
               "(not online-only) on every laptop",
    "Nextcloud": "keep this folder's files on the device (virtual files off) on every laptop",
    "a network share": "a share that hangs can still stall a read; careterm never holds the "
                       "store's lock while it reads the folder",
    "a removable drive": "eject the drive before pulling it out: a file cut short is "
                         "skipped on every other laptop",
}


# ---------------------------------------------------------------- the folder


@dataclass
class _Scan:
    """What the folders careterm uses hold, by name."""

    temps: list[tuple[str, Path]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    seqs: dict[str, list[int]] = field(default_factory=dict)
    """device id → the numbers of its files (canonical names) in its folder."""


def _scan(folder: Path) -> _Scan:
    found = _Scan()

    def look(rel: str, *, device: str | None = None) -> list[str]:
        try:
            entries = list_dir(folder / rel if rel else folder, root=folder)
        except UnsafeFile:
            return []
        subfolders = []
        for entry in entries:
            name = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir:
                subfolders.append(entry.name)
            elif is_temp_name(entry.name):
                found.temps.append((name, folder / name))
            elif is_conflict_name(entry.name):
                found.conflicts.append(name)
            elif device is not None and entry.is_file:
                parsed = parse_segment_name(entry.name)
                if parsed is not None:
                    found.seqs.setdefault(device, []).append(parsed[0])
        return subfolders

    look("")
    for name in look(DEVICES_DIR):
        if DEVICE_ID.match(name):
            found.seqs.setdefault(name, [])
            look(f"{DEVICES_DIR}/{name}", device=name)
    for name in look(EPOCHS_DIR):
        look(f"{EPOCHS_DIR}/{name}")
    look(KEYRINGS_DIR)
    return found


def _check_writable(diagnosis: Diagnosis, folder: Path, device_id: str) -> None:
    own = folder / DEVICES_DIR / device_id
    target = own if own.is_dir() else folder
    try:
        st = os.statvfs(folder)
    except OSError as exc:
        diagnosis.add("folder", PROBLEM, f"the folder's disk could not be asked about "
                      f"({exc.strerror or exc})", "the shared folder's disk does not answer")
        return
    diagnosis.free_bytes = st.f_bavail * st.f_frsize
    if st.f_flag & os.ST_RDONLY:
        diagnosis.add("folder", PROBLEM, "the shared folder is on a disk mounted read-only: "
                      "this laptop cannot publish its changes", "the shared folder is read-only")
    elif not os.access(target, os.W_OK | os.X_OK):
        diagnosis.add("folder", PROBLEM, f"this account may not write in {target}: this "
                      "laptop cannot publish its changes", "the shared folder is not writable")
    else:
        diagnosis.writable = True
    if diagnosis.free_bytes < LOW_SPACE:
        diagnosis.add("folder", PROBLEM, f"the shared folder's disk is almost full "
                      f"({_size(diagnosis.free_bytes)} free)", "the shared folder's disk is full")


def _temp_files(diagnosis: Diagnosis, scan: _Scan, folder: Path, now: datetime) -> None:
    stalled = 0
    for name, path in scan.temps:
        try:
            st = stat_regular(path, root=folder)
            changed = datetime.fromtimestamp(max(st.st_mtime, st.st_ctime)).astimezone()
        except (UnsafeFile, OSError, ValueError, OverflowError):
            continue  # gone meanwhile: the transfer finished
        age = now - changed
        if age > STALE_TEMP:
            stalled += 1
            diagnosis.skipped.append(SkippedFile(
                name, "stalled", f"unchanged for {_duration(age.total_seconds())}"))
        else:
            diagnosis.skipped.append(SkippedFile(name, "temp", "read once it is complete"))
    if stalled:
        diagnosis.add("files", PROBLEM,
                      f"{_count(stalled, 'transfer')} stopped halfway (temp files unchanged "
                      f"for over {_duration(STALE_TEMP.total_seconds())}): is the laptop "
                      "that wrote the file online, and its sync service running?",
                      f"{_count(stalled, 'stalled transfer')}")
    elif scan.temps:
        diagnosis.add("files", NOTE, f"{_count(len(scan.temps), 'file')} still being copied "
                      "by the sync service; the next sync after it finishes reads them")


def _skipped_files(diagnosis: Diagnosis, report: SyncReport) -> None:
    kinds: dict[str, int] = {}
    for name, reason in report.skipped:
        kind = classify(reason)
        diagnosis.skipped.append(SkippedFile(name, kind, reason))
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, n in sorted(kinds.items()):
        if kind in _PASSING_KINDS:
            diagnosis.add("files", NOTE, f"{_count(n, 'file')} {KIND_WORDS[kind]}: read again "
                          "at the next sync")
        else:
            diagnosis.add("files", PROBLEM, f"{_count(n, 'file')} skipped: {KIND_WORDS[kind]}",
                          f"{_count(n, 'file')} skipped ({KIND_WORDS[kind].split(':')[0]})")
    for warning in report.warnings:
        diagnosis.add("laptops", PROBLEM, warning, warning.split(":")[0])


def _clock_gaps(folder: Path, scan: _Scan, laptops: list[Laptop]) -> list[ClockGap]:
    gaps: list[ClockGap] = []
    for laptop in laptops:
        if laptop.this_laptop:
            continue
        device_dir = folder / DEVICES_DIR / laptop.device_id
        names = [segment_name(seq) for seq in sorted(scan.seqs.get(laptop.device_id, []))
                 [-NEWEST_FILES:]]
        ahead = None
        for name in [REGISTRATION_FILE, *names]:
            try:
                st = stat_regular(device_dir / name, root=folder)
            except UnsafeFile:
                continue
            gap = st.st_mtime - st.st_ctime
            ahead = gap if ahead is None else max(ahead, gap)
        if ahead is not None and ahead > CLOCK_TOLERANCE.total_seconds():
            gaps.append(ClockGap(laptop.device_id, laptop.member, ahead))
    return gaps


def _laptops(devices: list[DeviceInfo], view: FolderView, scan: _Scan) -> list[Laptop]:
    found = []
    for device in sorted(devices, key=lambda d: not d.this_laptop):  # this laptop first
        seqs = set(scan.seqs.get(device.device_id, []))
        merged = len(seqs & view.merged(device.device_id))
        found.append(Laptop(device.device_id, device.member, device.tag, device.this_laptop,
                            device.status, device.last_wrote, len(seqs), merged,
                            device.removal is not None, bool(device.refused)))
    return found


def _erasures(diagnosis: Diagnosis, store: Store) -> None:
    """A note per erasure some laptop has not carried out yet, naming the laptops and
    when each last wrote to the folder (:mod:`careterm.team.erasure`)."""
    laptops = {laptop.device_id: (laptop.member, laptop.last_wrote)
               for laptop in diagnosis.laptops if not (laptop.removed or laptop.refused)}
    for item in erasure_status(store, laptops):
        late = [laptop for laptop in item.laptops if not laptop.erased]
        if not late:
            continue
        names = "; ".join(
            f"{laptop.member or 'a'}'s laptop ("
            + (f"last wrote {describe_when_relative(laptop.last_wrote, diagnosis.checked_at)}"
               if laptop.last_wrote else "has not written to the folder")
            + ")" for laptop in late)
        diagnosis.add("laptops", NOTE, f"the erasure of report {item.erasure.inc} is not "
                      f"carried out yet on {names}: each does it at its next sync "
                      "('careterm erase --status')")


def diagnose(store: Store) -> Diagnosis:
    """The state of this laptop's shared folder (reads only: nothing is written).

    Never raises for the folder's sake: a missing folder, another team's, an
    unreadable one are findings. Needs the unlocked store (its key, its sync
    record).
    """
    now = clock.now()
    folder = shared_folder(store)
    diagnosis = Diagnosis(folder, now)
    if folder is None:
        diagnosis.add("folder", PROBLEM, "this laptop has no shared folder: set one up with "
                      "'careterm init --shared DIR' or 'careterm join --shared DIR'",
                      "no shared folder set up")
        return diagnosis
    diagnosis.services = detect_services(folder)
    try:
        view = FolderView(store)
    except SyncProblem as exc:
        diagnosis.add("folder", PROBLEM, str(exc), "the shared folder is not reachable"
                      if isinstance(exc, SyncFolderUnavailable)
                      else "not this team's shared folder")
        return diagnosis
    diagnosis.reachable = True
    _check_writable(diagnosis, folder, store.device_id)
    for service in diagnosis.services:
        if service.name == "Syncthing":
            _check_syncthing(diagnosis, service, folder, store.device_id)
        elif service.name in _SERVICE_NOTES:
            diagnosis.add("service", NOTE, _SERVICE_NOTES[service.name])
    if not diagnosis.services:
        diagnosis.add("service", NOTE, "no sync service's marker found in the folder or above "
                      "it: a plain folder, or a service careterm does not know. Another "
                      "laptop only sees what that service carries")
    scan = _scan(folder)
    try:
        diagnosis.laptops = _laptops(team_devices(store), view, scan)
        report = view.check()
    except SyncProblem as exc:
        diagnosis.add("folder", PROBLEM, str(exc), "the shared folder could not be read")
        return diagnosis
    others = [laptop for laptop in diagnosis.laptops if not laptop.this_laptop]
    if not others:
        diagnosis.add("laptops", NOTE, "no other laptop has joined the team in this folder "
                      "yet (or its registration has not arrived)")
    _erasures(diagnosis, store)
    waiting = sum(laptop.waiting for laptop in others)
    if waiting:
        diagnosis.add("laptops", NOTE, f"{_count(waiting, 'file')} of other laptops not "
                      "merged on this laptop yet: the next sync merges them")
    _temp_files(diagnosis, scan, folder, now)
    _skipped_files(diagnosis, report)
    diagnosis.conflicts = sorted(scan.conflicts)
    if scan.conflicts:
        diagnosis.add("conflicts", NOTE,
                      f"{len(scan.conflicts)} conflict "
                      f"{'copy' if len(scan.conflicts) == 1 else 'copies'}: harmless to the "
                      "reports (careterm reads each and keeps every change once). Two "
                      "laptops wrote one file: a laptop copied from another, or "
                      "set up twice at the same moment")
    diagnosis.clocks = _clock_gaps(folder, scan, diagnosis.laptops)
    for gap in diagnosis.clocks:
        who = _who(gap.member, next(laptop.tag for laptop in diagnosis.laptops
                                    if laptop.device_id == gap.device_id))
        diagnosis.add("clocks", PROBLEM,
                      f"the clock of {who} is at least {_duration(gap.seconds)} ahead of this "
                      "laptop's (its files arrived here dated later than this laptop's time "
                      "of arrival): set both clocks to the network time. The board stays "
                      "right, but times written on that laptop look wrong",
                      f"a clock {_duration(gap.seconds)} ahead on {gap.member or 'a'}'s laptop")
    return diagnosis
