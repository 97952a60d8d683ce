"""Every read of the shared folder, which anyone with write access to it can fill.

The shared folder is untrusted input: a sync service, a network share or a USB
stick lets anyone who can write to it plant files. A FIFO named like a segment
would block a plain ``read_bytes()`` forever, a link to ``/dev/zero`` would read
until memory runs out, and deeply nested JSON would raise ``RecursionError``.
So careterm reads the folder only through this module, which makes each of
those a refusal with a short reason (:class:`UnsafeFile`); the caller names the
file and skips it ("skipped devices/…/3.seg: not a regular file (a FIFO)").

Rules, and how they are kept:

* **Only regular files, no links followed below the folder.** A path is walked
  from the shared folder one component at a time with ``O_NOFOLLOW |
  O_DIRECTORY`` on directory descriptors (``openat``), so a link anywhere below
  the folder (``devices/<id>`` → elsewhere, ``3.seg`` → ``/dev/zero``) is refused,
  not followed, and cannot be swapped in between a check and the open. The
  folder itself may be a link (the person chose it). careterm never makes links,
  so refusing every one costs nothing. A path that is not below the folder at
  all (``..``) is refused too.
* **Nothing blocks.** Files are opened with ``O_NONBLOCK`` (opening a FIFO never
  waits for a writer) after an ``lstat`` found a regular file, and the open
  descriptor is checked again with ``fstat`` (the name may have been replaced
  meanwhile): FIFOs, devices, sockets and folders are refused before any read.
* **Bounded memory.** Each kind of file has a size cap (below); a file larger
  than its cap is refused before reading, and at most cap + 1 bytes are ever
  read (a file that grows while read is refused). Decompression stops at
  :data:`DECOMPRESSED_CAP` and at :data:`MAX_RATIO` times the compressed size
  (:func:`bounded_decompress`). A directory listing stops at
  :data:`MAX_ENTRIES`.
* **JSON cannot recurse or explode.** :func:`loads_json` first measures, in
  linear time and mostly at C speed (``bytes.replace``, ``split``, ``translate``),
  the nesting depth and the number of values outside strings, and refuses more than
  ``max_depth`` / ``max_items`` before ``json.loads`` sees the text; any error
  left (``ValueError``, ``RecursionError``, bad UTF-8) becomes
  :class:`UnsafeContent`. Measuring costs about a quarter of parsing (a segment's
  payload is measured and parsed on every laptop that reads it).
* **Never a stray exception.** Every ``OSError`` becomes :class:`ReadFailed`
  (with its ``strerror``; try again later) or :class:`FileMissing` (not there,
  or not arrived yet). All are :class:`UnsafeFile`.

The caps are far above what careterm writes and small enough to hold in memory.
A writer producing files near a cap must split them: a file over its cap is
refused on every other laptop.

Honest limits: a regular file on a hung network mount can still block a read
(no timeout without threads); hard links are not detected (the contents are
authenticated anyway, and the size cap holds). POSIX only, like the store lock.

A pure utility: standard library only, no careterm types, so any layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import operator
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, count
from typing import Any

__all__ = [
    "DECOMPRESSED_CAP", "EPOCH_KEY_CAP", "EPOCH_RECORD_CAP", "HEADER_CAP", "KEYRING_CAP",
    "MAX_ENTRIES", "MAX_JSON_DEPTH", "MAX_JSON_ITEMS", "MAX_RATIO", "REGISTRATION_CAP",
    "SEGMENT_CAP", "Entry", "FileMissing", "ReadFailed", "UnsafeContent", "UnsafeFile",
    "bounded_decompress", "list_dir", "loads_json", "read_regular", "size_text",
    "stat_regular",
]

KiB = 1024
MiB = 1024 * KiB

HEADER_CAP = 256 * KiB
"""``careterm-team.json``: clear JSON of a key envelope and two small sealed values
(about 1 KiB; the team's name is its only free text)."""

REGISTRATION_CAP = 256 * KiB
"""``devices/<id>/device.reg``: a member name, an id tag and a key (well under 1 KiB)."""

EPOCH_KEY_CAP = 64 * KiB
"""``epochs/<n>-<id>/<device>.key``: one sealed, signed 32-byte key (about 300 bytes)."""

EPOCH_RECORD_CAP = 16 * MiB
"""``epochs/<n>-<id>/epoch.rec``: lists a digest (about 30 bytes) for every file the
removed laptop had shared: up to :data:`MAX_ENTRIES` of them is about 3 MiB."""

KEYRING_CAP = 16 * MiB
"""``keyrings/<fingerprint>.ring``: every epoch's key and record (a few records)."""

DECOMPRESSED_CAP = 64 * MiB
"""A segment's decompressed payload, and :func:`loads_json`'s default size cap.
About 250,000 changes of ordinary size: years of a busy team's work in one file.
JSON costs up to ~25 times its size in Python objects; with :data:`MAX_JSON_ITEMS`
parsing one payload holds under about 1 GiB whatever it contains."""

SEGMENT_CAP = DECOMPRESSED_CAP + 1 * MiB
"""``devices/<id>/<seq>.seg``: the compressed payload (never larger than the payload)
plus its clear hint, signature and seal."""

MAX_RATIO = 250
"""Decompressed size allowed per compressed byte, above :data:`RATIO_FLOOR`.
careterm compresses segments at zlib level 1, whose best ratio is about 230 (a
run of one byte); a crafted stream reaches about 1030. If the writer's level is
ever raised, raise this too."""

RATIO_FLOOR = 4 * MiB
"""Output always allowed whatever the ratio (small payloads of long runs are fine)."""

MAX_ENTRIES = 100_000
"""Entries read from one directory listing. A laptop writes one segment per sync
that has something new: this is years of constant use."""

MAX_JSON_DEPTH = 32
"""Nesting allowed in JSON read from the folder (careterm's files nest 5 deep)."""

MAX_JSON_ITEMS = 8_000_000
"""Values (keys included) allowed in one JSON document: above the ~5 million a
:data:`DECOMPRESSED_CAP` payload of the smallest changes holds, and at most about
500 MiB of Python objects."""

_CHUNK = 1 * MiB

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NONBLOCK | os.O_CLOEXEC  # may be a link

_NOFOLLOW_ERRNOS = frozenset(getattr(errno, name) for name in ("ELOOP", "EMLINK", "EFTYPE")
                             if hasattr(errno, name))
"""What ``O_NOFOLLOW`` gives for a link: ``ELOOP`` on Linux and macOS, ``EMLINK`` on
FreeBSD, ``EFTYPE`` on NetBSD."""


class UnsafeFile(Exception):
    """A file (or folder) of the shared folder that was not read or not used.

    ``str(exc)`` and :attr:`reason` are a short reason for people, without the
    file's name (the caller adds it): "not a regular file (a FIFO)". :attr:`retry`
    is False when the file itself was judged (refuse it until it changes).
    """

    retry = False

    def __init__(self, reason: str, path: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


class FileMissing(UnsafeFile):
    """Not there: deleted, or not arrived yet."""

    retry = True


class ReadFailed(UnsafeFile):
    """The disk refused (permissions, I/O error…): may work next time."""

    retry = True


class UnsafeContent(UnsafeFile, ValueError):
    """Contents refused by :func:`loads_json` or :func:`bounded_decompress`.

    Also a ``ValueError``, like the errors of ``json.loads``, so code that handles
    those already handles this.
    """


def size_text(n: int) -> str:
    """``n`` bytes for people: ``64 KiB``, ``16 MiB``, ``1,000 bytes``."""
    for unit, name in ((MiB, "MiB"), (KiB, "KiB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit:,} {name}"
    return f"{n:,} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "unknown"


def _problem(kind: str, wanted: str) -> str | None:
    """Why an entry of ``kind`` is not used where a ``wanted`` ("file"/"folder") is."""
    if kind == wanted:
        return None
    if kind == "link":
        return "a link, not followed"
    article = "an" if kind == "unknown" else "a"
    noun = "a regular file" if wanted == "file" else "a folder"
    what = "unknown kind of file" if kind == "unknown" else kind
    return f"not {noun} ({article} {what})"


def _os_error(exc: OSError, path: object) -> UnsafeFile:
    if isinstance(exc, FileNotFoundError):
        return FileMissing("not found", path)
    return ReadFailed(f"could not be read ({exc.strerror or exc})", path)


def _split(path: str | os.PathLike[str], root: str | os.PathLike[str]
           ) -> tuple[str, list[str]]:
    """The absolute root and the components of ``path`` below it."""
    top = os.path.abspath(root)
    rel = os.path.relpath(os.path.abspath(path), top)
    parts = [] if rel == os.curdir else rel.split(os.sep)
    if parts and parts[0] == os.pardir:
        raise UnsafeFile("outside the shared folder", path)
    return top, parts


def _refusal(dir_fd: int, name: str, exc: OSError, wanted: str, path: object,
             where: str | None) -> UnsafeFile:
    """The error for a failed no-follow open of ``name``: says why when it is a link or
    the wrong kind of file. ``where`` (its path in the folder) is named when ``name``
    is not the file asked for but a folder on its way."""
    if exc.errno in _NOFOLLOW_ERRNOS or exc.errno == errno.ENOTDIR:
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as again:
            return _os_error(again, path)
        problem = _problem(_kind(st.st_mode), wanted)
        if problem:
            return UnsafeFile(f"{where} is {problem}" if where else problem, path)
    return _os_error(exc, path)


@contextlib.contextmanager
def _folder_fd(top: str, parts: list[str], path: object, *, last_is_target: bool
               ) -> Iterator[int]:
    """A descriptor of the folder ``top/parts…``, no link below ``top`` followed."""
    try:
        fd = os.open(top, _ROOT_FLAGS)
    except OSError as exc:
        raise _os_error(exc, path) from None
    try:
        for i, part in enumerate(parts):
            target = last_is_target and i == len(parts) - 1
            try:
                sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                where = None if target else "/".join(parts[:i + 1])
                raise _refusal(fd, part, exc, "folder", path, where) from None
            os.close(fd)
            fd = sub
        yield fd
    finally:
        os.close(fd)


def _check_file(st: os.stat_result, limit: int | None, path: object) -> None:
    problem = _problem(_kind(st.st_mode), "file")
    if problem:
        raise UnsafeFile(problem, path)
    if limit is not None and st.st_size > limit:
        raise UnsafeFile(f"larger than {size_text(limit)}", path)


def stat_regular(path: str | os.PathLike[str], *, root: str | os.PathLike[str],
                 limit: int | None = None) -> os.stat_result:
    """The ``lstat`` of the regular file ``path`` below ``root``, following no link.

    Raises :class:`UnsafeFile` like :func:`read_regular` (without reading).
    """
    top, parts = _split(path, root)
    if not parts:
        raise UnsafeFile(_problem("folder", "file") or "", path)
    with _folder_fd(top, parts[:-1], path, last_is_target=False) as dir_fd:
        try:
            st = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            raise _os_error(exc, path) from None
    _check_file(st, limit, path)
    return st


def read_regular(path: str | os.PathLike[str], *, root: str | os.PathLike[str],
                 limit: int) -> bytes:
    """The contents of the regular file ``path``, which must be below ``root``.

    ``limit`` is the cap for this kind of file (``SEGMENT_CAP``…). Refused with
    :class:`UnsafeFile`: a path outside ``root``, a link anywhere below
    ``root``, anything but a regular file (FIFO, device, socket, folder), a file
    larger than ``limit`` (before reading; at most ``limit + 1`` bytes are read).
    Never blocks on a FIFO. ``root`` itself may be a link.
    """
    top, parts = _split(path, root)
    if not parts:
        raise UnsafeFile(_problem("folder", "file") or "", path)
    name = parts[-1]
    with _folder_fd(top, parts[:-1], path, last_is_target=False) as dir_fd:
        try:
            # Refuse a FIFO or a device before even opening it…
            _check_file(os.stat(name, dir_fd=dir_fd, follow_symlinks=False), limit, path)
            fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise _refusal(dir_fd, name, exc, "file", path, None) from None
    try:
        st = os.fstat(fd)
        _check_file(st, limit, path)  # …and again: the name may have been replaced.
        os.set_blocking(fd, True)
        return _read_at_most(fd, limit, st.st_size, path)
    except OSError as exc:
        raise _os_error(exc, path) from None
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int, size: int, path: object) -> bytes:
    chunks: list[bytes] = []
    total = 0
    want = limit + 1
    step = min(want, size + 1)  # the whole file and its end in one read, usually
    while total < want:
        piece = os.read(fd, min(want - total, step))
        if not piece:
            break
        chunks.append(piece)
        total += len(piece)
        step = _CHUNK
    if total > limit:
        raise UnsafeFile(f"larger than {size_text(limit)} (it grew while being read)", path)
    return b"".join(chunks)


@dataclass(frozen=True)
class Entry:
    """One entry of a folder listing, as it is (links not followed)."""

    name: str
    kind: str
    """``file`` (regular), ``folder``, ``link``, ``FIFO``, ``device``, ``socket``
    or ``unknown``."""

    @property
    def is_file(self) -> bool:
        """A regular file (not a link to one)."""
        return self.kind == "file"

    @property
    def is_dir(self) -> bool:
        """A folder (not a link to one)."""
        return self.kind == "folder"

    def problem(self, wanted: str = "file") -> str | None:
        """Why it is not used where a ``wanted`` (``file``/``folder``) is, else ``None``."""
        return _problem(self.kind, wanted)


def _entry_kind(entry: os.DirEntry[str]) -> str | None:
    try:
        if entry.is_symlink():
            return "link"
        if entry.is_dir(follow_symlinks=False):
            return "folder"
        if entry.is_file(follow_symlinks=False):
            return "file"
        return _kind(entry.stat(follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return None  # deleted while listed
    except OSError:
        return "unknown"


def list_dir(path: str | os.PathLike[str], *, root: str | os.PathLike[str],
             max_entries: int = MAX_ENTRIES) -> list[Entry]:
    """The entries of folder ``path`` (``root`` itself or below it), sorted by name.

    Nothing is followed: a link shows as kind ``link`` (use :attr:`Entry.is_dir`
    and :attr:`Entry.is_file`, never a name alone). Raises :class:`UnsafeFile`
    when ``path`` or a folder on its way is a link or not a folder, or it holds
    more than ``max_entries`` entries; :class:`FileMissing` when it is not there.
    """
    top, parts = _split(path, root)
    entries: list[Entry] = []
    with _folder_fd(top, parts, path, last_is_target=True) as fd:
        try:
            with os.scandir(fd) as listing:
                for item in listing:
                    kind = _entry_kind(item)
                    if kind is None:
                        continue
                    if len(entries) >= max_entries:
                        raise UnsafeFile(f"holds more than {max_entries:,} entries", path)
                    entries.append(Entry(item.name, kind))
        except OSError as exc:
            raise _os_error(exc, path) from None
    entries.sort(key=lambda e: e.name)
    return entries


def bounded_decompress(data: bytes, limit: int = DECOMPRESSED_CAP, *,
                       ratio: int | None = MAX_RATIO) -> bytes:
    """``zlib.decompress(data)``, refusing output over ``limit`` bytes, or over
    ``ratio`` times ``len(data)`` when that is more than :data:`RATIO_FLOOR`.

    Never holds more than the allowed output plus one byte. Raises
    :class:`UnsafeContent` (a ``ValueError``) for a bomb, a damaged or a
    truncated stream.
    """
    cap = limit
    if ratio is not None:
        cap = min(limit, max(RATIO_FLOOR, len(data) * ratio))
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise UnsafeContent("damaged compressed data") from None
    if len(out) > cap:
        if cap < limit:
            raise UnsafeContent(f"expands more than {ratio} times when decompressed "
                                "(a compression bomb?)")
        raise UnsafeContent(f"larger than {size_text(limit)} once decompressed")
    if not inflater.eof:
        raise UnsafeContent("incomplete compressed data")
    return out


_NOT_PUNCTUATION = bytes(sorted(set(range(256)) - set(b'"[]{},:')))
_ONE_KIND = bytes.maketrans(b"[{]}", b"(())")
_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_SCAN_CHUNK = 1 * MiB


def _without_strings(marks: bytes) -> bytes:
    """``marks`` (JSON punctuation and quotes only) without its strings.

    Once escapes are gone, quotes delimit strings: of the pieces between quotes,
    every other one is outside. Chunk by chunk (each ends outside a string), so
    the pieces never take more than a few MiB whatever the input.
    """
    pieces = []
    start = 0
    while start < len(marks):
        end = start + _SCAN_CHUNK
        if marks.count(b'"', start, end) % 2:  # the chunk ends inside a string
            close = marks.find(b'"', end)
            end = len(marks) if close < 0 else close + 1
        pieces.append(b"".join(marks[start:end].split(b'"')[::2]))
        start = end
    return b"".join(pieces)


def _depth(brackets: bytes, max_depth: int) -> int:
    """The deepest nesting of ``brackets`` (only ``[]{}``, those outside strings), exact;
    ``max_depth`` + 1 or more when deeper than ``max_depth``.

    Balanced brackets (valid JSON) lose exactly one level each time every innermost
    pair goes (``()`` removed, at C speed, after mapping both kinds to one: the depth
    of a prefix only counts openings and closings): the number of rounds until none
    is left is the depth, a few rounds for careterm's files. Anything unbalanced,
    or deeper, is measured bracket by bracket.
    """
    level = brackets.translate(_ONE_KIND)
    for depth in range(max_depth + 1):
        if not level:
            return depth
        shorter = level.replace(b"()", b"")
        if len(shorter) == len(level):
            break  # unbalanced: invalid JSON
        level = shorter
    steps = brackets.translate(_STEP)  # "[" "{" → 2, "]" "}" → 0
    # Depth after the k-th bracket = opened - closed = (sum of steps so far) - k.
    return max(map(operator.sub, accumulate(steps), count(1)), default=0)


def _shape(raw: bytes, max_items: int = MAX_JSON_ITEMS, max_depth: int = MAX_JSON_DEPTH
           ) -> tuple[int, int]:
    """The deepest nesting of JSON ``raw`` (UTF-8; exact up to ``max_depth`` + 1), and
    an upper bound of its number of values (keys included), from the brackets, commas
    and colons outside strings.

    Linear, mostly at C speed, without recursion, in memory about the size of
    ``raw``. Exact depth for valid JSON; for invalid JSON it never counts less
    than ``json.loads`` meets before its error (both read the same up to there).
    The count of values takes the commas and colons inside strings too when that
    stays within ``max_items`` (the usual case: cheaper), else only those outside.
    """
    # Escaped backslashes, then escaped quotes: left to right, as JSON pairs escapes (a
    # run of backslashes pairs from its start), so the quotes left delimit strings.
    if b"\\" in raw:  # (a fast byte search: most texts hold no escape at all)
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = raw.translate(None, _NOT_PUNCTUATION)
    del raw
    # Which marks are inside a string depends on the quotes alone. Two quotes in a row
    # enclose nothing: dropping them changes the side of no other mark (and most strings
    # go once their commas and colons are gone).
    brackets = _without_strings(marks.translate(None, b",:").replace(b'""', b""))
    opened = brackets.count(b"[") + brackets.count(b"{")
    items = marks.count(b",") + marks.count(b":") + opened + 1
    if items > max_items:  # count only the commas and colons outside strings
        outside = _without_strings(marks.replace(b'""', b""))
        items = outside.count(b",") + outside.count(b":") + opened + 1
    del marks
    return _depth(brackets, max_depth), items


def loads_json(data: bytes | bytearray | str, *, max_depth: int = MAX_JSON_DEPTH,
               max_bytes: int = DECOMPRESSED_CAP, max_items: int = MAX_JSON_ITEMS) -> Any:
    """``json.loads(data)`` for untrusted input: never ``RecursionError``, bounded work.

    Refuses, with :class:`UnsafeContent` (a ``ValueError``), data over
    ``max_bytes``, nested more than ``max_depth`` deep or holding more than
    ``max_items`` values, and anything ``json.loads`` would refuse (bad JSON,
    bad UTF-8). Accepts what ``json.loads`` accepts otherwise, with the same result.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
    elif isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    else:
        raise UnsafeContent("not text")
    if len(raw) > max_bytes:
        raise UnsafeContent(f"larger than {size_text(max_bytes)}")
    try:
        encoding = json.detect_encoding(raw)
        if encoding not in ("utf-8", "utf-8-sig"):  # UTF-16/32: measure it as UTF-8
            raw = raw.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
        depth, items = _shape(raw, max_items, max_depth)
        del raw
        if depth > max_depth:
            raise UnsafeContent(f"nested more than {max_depth} deep")
        if items > max_items:
            raise UnsafeContent(f"holds more than {max_items:,} values")
        return json.loads(data)
    except UnsafeContent:
        raise
    except UnicodeError:
        raise UnsafeContent("not valid text (bad UTF-8)") from None
    except RecursionError:  # only with a max_depth near Python's recursion limit
        raise UnsafeContent("nested too deeply") from None
    except (ValueError, TypeError):
        raise UnsafeContent("not valid JSON") from None
