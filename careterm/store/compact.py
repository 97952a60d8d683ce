"""Carrying out erasures on this laptop's home, and reading back every byte of it.

:func:`scrub_home` applies every erasure the store holds (:mod:`careterm.core.erasure`)
to the home:

* the store: every stored change record the erasures cover is rewritten with the
  erased values replaced (:meth:`careterm.store.store.Store.rewrite_changes`): a new
  snapshot, written atomically through :mod:`careterm.store.files`, and the journal
  emptied, so neither file holds the old records any more;
* the evidence files of erased evidence (``<home>/evidence/<id>.ct``) are deleted;
* the capture draft: the form and every kept draft holding an erased value are
  dropped (:func:`careterm.store.draft.scrub_draft`).

It is idempotent: a second call finds nothing to do. The shared folder is the team
layer's part (:mod:`careterm.team.erasure`).

:func:`readable_home` decrypts every file of the home this laptop can open (snapshot,
each journal record, draft, evidence; any other file as it is) for
``careterm erase --verify``. Honest limit: careterm replaces and deletes files, it
cannot shred what the file system or a flash disk kept of their old blocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from careterm.store import draft, evidence
from careterm.store.crypto import Unsealable, subkey, unseal
from careterm.store.storage import JOURNAL_MAGIC, SNAPSHOT_ID_BYTES, STORE_PURPOSE
from careterm.store.store import DRAFT_FILE, DRAFT_PURPOSE, STORE_FILE, Store

BACKUPS_META = "backups"
"""Meta field: the backups ``careterm backup`` wrote, ``[{"at": ISO time, "path": …}]``."""


@dataclass
class Scrubbed:
    """What :func:`scrub_home` did."""

    changes: int = 0
    """Stored change records rewritten."""
    evidence: list[str] = field(default_factory=list)
    """Ids of evidence files deleted from the home."""
    drafts: int = 0
    """Drafts (the form, kept ones) dropped because they held an erased value."""


def scrub_home(store: Store) -> Scrubbed:
    """Apply every erasure the store holds to the store, the evidence and the draft."""
    done = Scrubbed()
    known = store.erasures()
    if not known:
        return done
    texts: list[str] = []
    doomed: list[str] = []

    def transform(change: dict[str, Any]) -> dict[str, Any]:
        doomed.extend(known.evidence_ids(change))
        new = known.scrub(change)
        if new is not change:
            from_data = change.get("data") or {}
            to_data = new.get("data") or {}
            for key, value in from_data.items():
                if to_data.get(key) != value:
                    texts.extend(_texts(value))
        return new

    done.changes = store.rewrite_changes(transform)
    for evidence_id in dict.fromkeys(doomed):
        if evidence.EVIDENCE_ID.match(evidence_id) and evidence.has_file(store, evidence_id):
            evidence.discard(store, evidence_id)
            done.evidence.append(evidence_id)
    if texts:
        done.drafts = draft.scrub_draft(store, texts)
    return done


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and len(item.strip()) >= 2]


def remember_backup(store: Store, path: Path, at: datetime) -> None:
    """Remember that a backup was written (for the warning after an erasure)."""
    backups = [b for b in store.meta.get(BACKUPS_META) or [] if isinstance(b, dict)]
    backups.append({"at": at.isoformat(), "path": str(path)})
    store.update_meta(**{BACKUPS_META: backups[-200:]})


def backups_before(store: Store, moment: datetime) -> list[tuple[datetime, str]]:
    """The backups written up to ``moment`` (oldest first): they still hold what was
    erased since."""
    found = []
    for entry in store.meta.get(BACKUPS_META) or []:
        try:
            at = datetime.fromisoformat(entry["at"])
        except (KeyError, TypeError, ValueError):
            continue
        if at <= moment:
            found.append((at, str(entry.get("path", ""))))
    return sorted(found)


# --------------------------------------------------------------------- reading back

def readable_home(store: Store) -> list[tuple[str, str]]:
    """(file, decrypted text) for every file of the home this laptop can read: the
    snapshot, each journal record, the draft, every evidence file; other files as
    they are (in clear or not). A file that does not open is listed as it is."""
    home = store.home
    if home is None or store.store_key is None:
        return []
    found: list[tuple[str, str]] = []
    store_key = subkey(store.store_key, "store")
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        rel = str(path.relative_to(home))
        try:
            blob = path.read_bytes()
        except OSError:
            continue
        if path.name == STORE_FILE:
            found.append((rel, _open(store_key, blob, STORE_PURPOSE)))
        elif path.name == "store.journal":
            found.extend((rel, text) for text in _journal(store_key, blob))
        elif path.name == DRAFT_FILE:
            found.append((rel, _open(store.file_keys("draft")[0], blob, DRAFT_PURPOSE)))
        elif path.parent.name == evidence.EVIDENCE_DIR and path.suffix == ".ct":
            data = None
            try:
                data = evidence.read(store, path.stem)
            except Exception:  # noqa: BLE001 - a damaged file is searched as it is
                data = None
            found.append((rel, (data if data is not None else blob).decode("utf-8", "replace")))
        else:
            found.append((rel, blob.decode("utf-8", "replace")))
    return found


def _open(key: bytes, blob: bytes, purpose: bytes) -> str:
    try:
        return unseal(key, blob, purpose).decode("utf-8", "surrogatepass")
    except (Unsealable, UnicodeDecodeError):
        return blob.decode("utf-8", "replace")


def _journal(key: bytes, raw: bytes) -> list[str]:
    """Every record of a journal (whatever snapshot it was written for), decrypted."""
    if not raw:
        return []
    if not raw.startswith(JOURNAL_MAGIC) or len(raw) < len(JOURNAL_MAGIC) + SNAPSHOT_ID_BYTES:
        return [raw.decode("utf-8", "replace")]
    snapshot_id = raw[len(JOURNAL_MAGIC):len(JOURNAL_MAGIC) + SNAPSHOT_ID_BYTES]
    offset = len(JOURNAL_MAGIC) + SNAPSHOT_ID_BYTES
    out: list[str] = []
    index = 0
    while offset + 4 <= len(raw):
        length = int.from_bytes(raw[offset:offset + 4], "big")
        end = offset + 4 + length
        record = raw[offset + 4:end]
        aad = STORE_PURPOSE + b"/journal/" + snapshot_id + b"/" + str(index).encode()
        out.append(_open(key, record, aad))
        offset, index = end, index + 1
    if offset < len(raw):
        out.append(raw[offset:].decode("utf-8", "replace"))
    return out


def json_text(value: Any) -> str:
    """``value`` as the JSON careterm writes (for searching it)."""
    return json.dumps(value, ensure_ascii=False)
