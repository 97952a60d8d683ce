"""Reading a report's evidence list: what was attached, by whom, when, and with what note.

Each piece of evidence is an ``evidence`` entry of the report's record (an
add-only list op, see :mod:`careterm.actions.evidence` for how one is added
and :mod:`careterm.store.evidence` for where its bytes live). The entry says
what the file is; the bytes travel apart. Everything here is read from the
record: the file's name is the sender's text (shown literally, never used as
a path), its type is guessed from that name when it was added, never from
opening it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from careterm.core.model import Incident


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as the record describes it."""

    number: int
    """1, 2, … in the order added (what ``careterm evidence ID N`` takes)."""
    id: str
    name: str
    size: int
    type: str
    sha256: str
    note: str | None
    by: str
    at: datetime | None
    dev: str
    """The laptop that added it (whose shared folder carries the bytes)."""


def evidence_items(incident: Incident) -> list[EvidenceItem]:
    """The report's evidence in the order it was added (the same on every laptop)."""
    items = []
    for entry in incident.entries.get("evidence", ()):
        data = entry.data
        evidence_id = data.get("id")
        if not isinstance(evidence_id, str):
            continue
        size = data.get("size")
        items.append(EvidenceItem(
            number=len(items) + 1, id=evidence_id, name=str(data.get("name") or "(unnamed)"),
            size=size if isinstance(size, int) and size >= 0 else 0,
            type=str(data.get("type") or "application/octet-stream"),
            sha256=str(data.get("sha256") or ""), note=data.get("note") or None,
            by=entry.by, at=entry.at, dev=entry.key[1]))
    return items


def size_words(size: int) -> str:
    """``512 bytes``, ``14 KB``, ``3.2 MB``."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"
