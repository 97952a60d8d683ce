"""Erasure: what an ``erase`` change says, and how it scrubs the changes of a report.

careterm keeps every value a field ever held. After the event (or when a reporter asks)
a member may *erase* fields of a report: ``careterm erase ID --fields reporter,who``
(or ``--all``). The erasure is a change like any other, so it syncs::

    {"op": "erase", "inc": "7K0001", "data": {"fields": ["reporter", "who"],
     "reason": "the reporter asked"}, ...}

It says who erased, when, why and which fields, never the values. Every laptop that
holds it *scrubs* the report's changes: in each change the erasure covers, the values
of the erased fields are replaced by :data:`ERASED` (a list by ``[ERASED]``; an
evidence entry loses its id, name and note, so its file is neither kept nor fetched).
The stored change records themselves are rewritten (:mod:`careterm.store.store`), the
laptop's own segments in the shared folder are compacted (:mod:`careterm.team.erasure`),
and the laptop then records that it did with an ``erased`` change naming the erasure
(``{"op": "erased", "data": {"erasure": "<cid of the erase change>"}}``), which is
what ``careterm erase --status`` reads.

Which changes an erasure covers. A change made by a laptop that did not know of the
erasure yet is covered: every change of the report, except those made *after* their
laptop knew of it (change numbers grow per laptop): by the erasing laptop after the
erase change, by another laptop after its ``erased`` change. So a note written the
day after, knowingly, stays; a note an offline laptop wrote with the name in it,
arriving a week later, is scrubbed on arrival. (Were such a late change to arrive
*before* the ``erased`` change of its laptop, it is scrubbed too: erasure errs on the
side of erasing.)

The fields (:data:`ERASABLE`): ``reporter``, ``contact``, ``who``, ``what``,
``where``, ``when_text``, ``relayed_by`` (set fields), ``notes`` (the text of every
note), ``conversations`` (with whom, and the notes of each conversation), ``review``
(who acted badly, what happened, the reasoning) and ``evidence`` (the files and
their names and notes). ``--all`` is all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from careterm.errors import InvalidInput

ERASED = "[erased]"
"""What an erased value reads as, everywhere."""

ERASE_OP = "erase"
ERASED_OP = "erased"

ERASABLE = ("reporter", "contact", "who", "what", "where", "when_text", "relayed_by",
            "notes", "conversations", "review", "evidence")
"""Every field an erasure may name, in the order shown; ``--all`` is every one."""

ERASABLE_LABELS = {
    "reporter": "reporter", "contact": "contact", "who": "who", "what": "what happened",
    "where": "where", "when_text": "when (as told)", "relayed_by": "relayed by",
    "notes": "notes", "conversations": "conversations", "review": "review",
    "evidence": "evidence",
}

_SET_KEYS: dict[str, tuple[str, ...]] = {
    "reporter": ("reporter",), "contact": ("contact",), "who": ("who",), "what": ("what",),
    "where": ("where",), "when_text": ("when_text",), "relayed_by": ("relayed_by",),
    "review": ("review_actors", "review_finding", "review_reason"),
}
"""Erasable field → the keys of ``set`` changes it covers."""

_ENTRY_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "notes": ("note", ("text",)),
    "conversations": ("conversation", ("with", "notes")),
    "evidence": ("evidence", ("name", "note")),
}
"""Erasable field → (the add-only op it covers, the keys of that op's data)."""

MAX_REASON = 500


def parse_fields(text: str | None, everything: bool) -> tuple[str, ...]:
    """The fields named by ``--fields a,b`` or ``--all`` (exactly one of them), in
    :data:`ERASABLE` order; :class:`InvalidInput` with one sentence otherwise."""
    if everything and text:
        raise InvalidInput("erase: give --fields or --all, not both")
    if everything:
        return ERASABLE
    if not text or not text.strip():
        raise InvalidInput("erase: name the fields to erase with --fields reporter,who,... "
                           "or erase every personal field with --all")
    names = {part.strip().lower().replace("-", "_") for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(ERASABLE))
    if unknown:
        raise InvalidInput(f"erase: {unknown[0]!r} is not a field that can be erased "
                           f"(one of {', '.join(ERASABLE)})")
    return tuple(name for name in ERASABLE if name in names)


def check_reason(reason: str | None) -> str:
    """The reason, trimmed; :class:`InvalidInput` when missing or too long."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("erase: say why with --reason TEXT (it is kept with the erasure)")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"erase: the reason is longer than {MAX_REASON} characters")
    return text


def erase_data(fields: Iterable[str], reason: str) -> dict[str, Any]:
    """The data of an ``erase`` change."""
    return {"fields": list(fields), "reason": reason}


@dataclass(frozen=True)
class Erasure:
    """One ``erase`` change, read."""

    cid: str
    inc: str
    dev: str
    seq: int
    fields: tuple[str, ...]
    reason: str
    by: str
    at: str | None
    hlc: str


def _seq(change: dict[str, Any]) -> int:
    try:
        return int(str(change["cid"]).rpartition(":")[2])
    except ValueError:
        return 0


def read_erasure(change: dict[str, Any]) -> Erasure | None:
    """The erasure ``change`` makes, or ``None`` when it is none (or unreadable)."""
    if change.get("op") != ERASE_OP:
        return None
    data = change.get("data") or {}
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, list):
        return None
    known = tuple(name for name in ERASABLE if name in fields)
    if not known:
        return None
    return Erasure(change["cid"], change["inc"], change["dev"], _seq(change), known,
                   str(data.get("reason") or ""), str(change.get("by") or ""),
                   change.get("at"), change["hlc"])


def ack_of(change: dict[str, Any]) -> str | None:
    """The erasure (its change id) an ``erased`` change says its laptop carried out."""
    if change.get("op") != ERASED_OP:
        return None
    data = change.get("data") or {}
    value = data.get("erasure") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


class Erasures:
    """The erasures and acknowledgements known, and the scrubbing they call for.

    Fed change by change (:meth:`learn`); :meth:`scrub` gives a change as it must be
    kept.
    """

    def __init__(self) -> None:
        self.by_incident: dict[str, list[Erasure]] = {}
        self.by_cid: dict[str, Erasure] = {}
        self.acks: dict[tuple[str, str], int] = {}
        """(erasure cid, device id) → the number of that device's ``erased`` change."""

    def learn(self, change: dict[str, Any]) -> Erasure | None:
        """Note ``change`` if it is an erasure (returned) or an acknowledgement of one."""
        erasure = read_erasure(change)
        if erasure is not None:
            if erasure.cid not in self.by_cid:
                self.by_cid[erasure.cid] = erasure
                self.by_incident.setdefault(erasure.inc, []).append(erasure)
            return erasure
        target = ack_of(change)
        if target is not None:
            key = (target, change["dev"])
            seq = _seq(change)
            if key not in self.acks or seq < self.acks[key]:
                self.acks[key] = seq
        return None

    def copy(self) -> Erasures:
        """A copy to read while these go on learning."""
        other = Erasures()
        other.by_incident = {inc: list(found) for inc, found in self.by_incident.items()}
        other.by_cid = dict(self.by_cid)
        other.acks = dict(self.acks)
        return other

    def learn_all(self, changes: Iterable[dict[str, Any]]) -> None:
        for change in changes:
            self.learn(change)

    def __bool__(self) -> bool:
        return bool(self.by_cid)

    def covers(self, erasure: Erasure, change: dict[str, Any]) -> bool:
        """Whether ``erasure`` covers ``change`` (made without knowing of it)."""
        if change.get("op") in (ERASE_OP, ERASED_OP) or change.get("inc") != erasure.inc:
            return False
        dev, seq = change.get("dev"), _seq(change)
        if dev == erasure.dev:
            return seq < erasure.seq
        acked = self.acks.get((erasure.cid, str(dev)))
        return acked is None or seq < acked

    def fields_for(self, change: dict[str, Any]) -> set[str]:
        """Every field the known erasures erase in ``change``."""
        fields: set[str] = set()
        for erasure in self.by_incident.get(change.get("inc", ""), ()):
            if self.covers(erasure, change):
                fields.update(erasure.fields)
        return fields

    def scrub(self, change: dict[str, Any]) -> dict[str, Any]:
        """``change`` with the values the known erasures cover replaced (a new dict), or
        ``change`` itself when nothing in it is erased."""
        if change.get("inc") not in self.by_incident:
            return change
        fields = self.fields_for(change)
        return scrub_change(change, fields) if fields else change

    def evidence_ids(self, change: dict[str, Any]) -> list[str]:
        """Ids of the evidence files ``change`` announces that an erasure covers."""
        if change.get("op") != "evidence" or "evidence" not in self.fields_for(change):
            return []
        evidence_id = (change.get("data") or {}).get("id")
        return [evidence_id] if isinstance(evidence_id, str) else []


def _erased_like(value: Any) -> Any:
    if isinstance(value, list):
        return [ERASED] if value else []
    if value is None or value == "":
        return value
    return ERASED


def scrub_change(change: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``change`` with the values of ``fields`` replaced by :data:`ERASED` (a new dict when
    anything changed, else ``change`` itself)."""
    data = change.get("data")
    if not isinstance(data, dict):
        return change
    op = change.get("op")
    keys: set[str] = set()
    names = set(fields)
    if op == "set":
        for name in names:
            keys.update(_SET_KEYS.get(name, ()))
    else:
        for name in names:
            entry = _ENTRY_KEYS.get(name)
            if entry is not None and entry[0] == op:
                keys.update(entry[1])
    new_data = dict(data)
    changed = False
    for key in keys:
        if key in new_data and new_data[key] != _erased_like(new_data[key]):
            new_data[key] = _erased_like(new_data[key])
            changed = True
    if op == "evidence" and "evidence" in names and new_data.get("id") is not None:
        new_data["id"] = None  # no file: neither kept, fetched nor published
        new_data["erased"] = True
        changed = True
    if not changed:
        return change
    return {**change, "data": new_data}


def erased_texts(original: dict[str, Any], scrubbed: dict[str, Any]) -> list[str]:
    """The text values ``scrubbed`` no longer holds (to look for them in drafts)."""
    before, after = original.get("data") or {}, scrubbed.get("data") or {}
    found: list[str] = []
    for key, value in before.items():
        if after.get(key) == value:
            continue
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, str) and item.strip() and item != ERASED:
                found.append(item)
    return found


def occurs(text: str, blob: str) -> bool:
    """Whether ``text`` occurs in ``blob`` (case-insensitive), as written or JSON-escaped."""
    needle = text.casefold()
    haystack = blob.casefold()
    if needle in haystack:
        return True
    escaped = json.dumps(text)[1:-1].casefold()
    ascii_escaped = json.dumps(text, ensure_ascii=True)[1:-1].casefold()
    return escaped in haystack or ascii_escaped in haystack


def describe(erasure: Erasure) -> str:
    """``erased reporter, who (the reporter asked)``: the timeline's words."""
    names = ", ".join(ERASABLE_LABELS.get(name, name) for name in erasure.fields)
    return f"erased {names}" + (f" ({erasure.reason})" if erasure.reason else "")
