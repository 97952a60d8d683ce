"""Adding evidence to a report, and taking a copy out of the encrypted store.

:func:`attach` reads a file the member chose (only a regular file, never
more than the team's limit plus one byte, so a huge or endless file is
refused without being read whole), keeps its bytes sealed on this laptop
(:mod:`careterm.store.evidence`) and records an ``evidence`` entry (name,
size, type, SHA-256, note) on the report in one change, which syncs like a
note. The bytes are stored before the entry, so a crash in between leaves an
unused sealed file, never an entry without its bytes on the laptop that
added it.

The name kept is the file's own name without any folder (``../../x`` keeps
``x``); it is the sender's text and is shown literally. The type is guessed
from the name (:mod:`mimetypes`): careterm never opens, renders or runs an
evidence file.

:func:`save_copy` writes a decrypted copy where the member asks, never over
an existing file, and says that the copy now lives outside the encrypted store.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from pathlib import Path, PurePath
from typing import Any

from careterm.core.evidence import EvidenceItem, evidence_items
from careterm.core.validate import clean_text
from careterm.errors import InvalidInput
from careterm.store import evidence as files
from careterm.store.store import Store

OUTSIDE_WARNING = ("this copy is not encrypted: it now lives outside careterm's store; "
                   "delete it when you no longer need it")


def limit_bytes(store: Store) -> int:
    """The team's size limit for one evidence file, in bytes."""
    return store.team_settings().evidence_limit_mb * 1024 * 1024


def safe_name(name: str) -> str:
    """The file's own name without folders or a leading dot-dot (kept as text otherwise)."""
    base = PurePath(name.replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "(unnamed)"


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, refusing one over ``limit`` (never reading it whole)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror or exc}; nothing was attached") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{path} is not a regular file; nothing was attached")
        if info.st_size > limit:
            raise InvalidInput(_too_big(path, info.st_size, limit))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InvalidInput(_too_big(path, total, limit))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(path: object, size: int, limit: int) -> str:
    return (f"{path} is larger than the team's evidence limit of "
            f"{limit / (1024 * 1024):g} MB; nothing was attached (a lead can raise it: "
            "careterm settings --evidence-limit MB)")


def evidence_record(data: bytes, name: str, note: str | None) -> dict[str, Any]:
    """The ``evidence`` entry for ``data`` (a fresh id; nothing stored yet)."""
    clean = safe_name(name)
    kind = mimetypes.guess_type(clean, strict=False)[0] or "application/octet-stream"
    return {"id": os.urandom(16).hex(),
            "name": clean, "size": len(data), "type": kind, "sha256": files.digest(data),
            "note": clean_text(note, "note")}


def attach_bytes(store: Store, incident_id: str, data: bytes, name: str,
                 note: str | None = None) -> EvidenceItem:
    """Keep ``data`` as evidence on the report; return the item as listed."""
    limit = limit_bytes(store)
    if len(data) > limit:
        raise InvalidInput(_too_big(name, len(data), limit))
    incident = store.get(incident_id)
    record = evidence_record(data, name, note)
    files.keep(store, record["id"], data)

    def build(maker: Any) -> None:
        maker.add(incident.id, "evidence", record)

    store.transact(build)
    return next(i for i in evidence_items(store.get(incident.id)) if i.id == record["id"])


def attach(store: Store, incident_id: str, path: Path, note: str | None = None
           ) -> EvidenceItem:
    """Keep the file at ``path`` as evidence on the report."""
    store.get(incident_id)  # an unknown report is named before the file is read
    data = read_file(path, limit_bytes(store))
    return attach_bytes(store, incident_id, data, path.name, note)


def item(store: Store, incident_id: str, number: int) -> EvidenceItem:
    """Evidence item ``number`` (1, 2, …) of the report."""
    items = evidence_items(store.get(incident_id))
    if not 1 <= number <= len(items):
        have = f"1 to {len(items)}" if items else "none"
        raise InvalidInput(f"evidence {number}: the report has {have}")
    return items[number - 1]


def evidence_bytes(store: Store, evidence: EvidenceItem) -> bytes:
    """The bytes of ``evidence``; refused (one line) when not fetched yet or not matching."""
    data = files.read(store, evidence.id)
    if data is None:
        raise InvalidInput(f"evidence {evidence.number} ({evidence.name}) is not on this "
                           "laptop yet: sync to fetch it from the laptop that added it")
    if files.digest(data) != evidence.sha256:
        files.discard(store, evidence.id)
        raise InvalidInput(f"evidence {evidence.number} does not match its record; the "
                           "copy was removed and the next sync fetches it again")
    return data


def save_copy(store: Store, incident_id: str, number: int, destination: Path) -> Path:
    """Write a decrypted copy of evidence ``number`` to ``destination`` (a folder gets the
    file's own name), never over an existing file. Returns the path written."""
    evidence = item(store, incident_id, number)
    data = evidence_bytes(store, evidence)
    if destination.is_dir():
        name = "".join(c if c.isprintable() else "_" for c in safe_name(evidence.name))
        destination = destination / name
    return files.write_copy(data, destination)
