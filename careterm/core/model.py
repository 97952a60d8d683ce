"""The incident model: what a report holds, and how it is built from changes.

careterm never stores an incident as a document that is overwritten. Every
capture, edit, acknowledgement and note is a *change* record::

    {"cid": "<device>:<seq>", "inc": "7K0001", "op": "set",
     "data": {"where": "Room B"}, "hlc": "<stamp>", "dev": "<device>",
     "by": "Ada", "at": "<ISO time on the author's laptop>"}

An :class:`Incident` is the fold of its changes. The fold is a CRDT, so the
same set of changes gives the same incident on every laptop, in any order:

* ``set``: per field, the change with the greatest ``(hlc, dev, cid)`` wins;
  losing values stay in :attr:`Incident.history`.
* ``note`` (and the other list ops named in :data:`LIST_OPS`): only ever
  added; two people writing notes never overwrite each other.
* ``ack``: the earliest acknowledgement is kept; once given it stays given.
* ``erase``: the values of the fields it names are scrubbed from every change of
  the report it covers, whenever that change arrives (:mod:`careterm.core.erasure`);
  ``erase`` and ``erased`` are kept as add-only entries for the timeline.

Changes to the reserved record :data:`~careterm.core.vocabulary.TEAM_RECORD`
(``"~team"``: the team's settings) fold the same way (``set``, last writer
wins per key, history kept) into :attr:`Fold.team`, a :class:`TeamRecord`,
and never into :attr:`Fold.incidents`: the settings are no report, so no list,
board, export or count ever sees them.

"Not asked" and "unknown" are different facts. A capture answer nobody gave is
``None`` (:meth:`Incident.missing` says ``empty``); ``unknown`` is what the
reporter said (``ongoing`` has it as an answer of its own, every optional field
as a mark). Older careterm recorded ``ongoing: "unknown"`` for every report
where nobody chose an answer; such changes still read as ``unknown``, as they
always did, since nothing recorded tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any

from careterm.core.erasure import ERASE_OP, ERASED_OP, Erasures
from careterm.core.vocabulary import LIST_OPS, OPTIONAL_FIELDS, TEAM_RECORD

_CHANGE_KEY = itemgetter("hlc", "dev", "cid")


def change_key(change: dict[str, Any]) -> tuple[str, str, str]:
    """The total order of changes: hybrid clock, then device, then change id."""
    return _CHANGE_KEY(change)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Note:
    """A note in an incident's record."""

    author: str
    at: datetime
    text: str
    cid: str


@dataclass(frozen=True)
class Entry:
    """An entry of an add-only list (a conflict declared, a conversation held, …)."""

    op: str
    by: str
    at: datetime | None
    data: dict[str, Any]
    cid: str
    key: tuple[str, str, str]


@dataclass(frozen=True)
class FieldValue:
    """One value a field has held, with who set it and when."""

    value: Any
    by: str
    at: datetime
    dev: str
    key: tuple[str, str, str]


@dataclass
class Incident:
    """An incident as folded from its changes. Build it with :class:`Fold`."""

    id: str
    what: str = ""
    who: str | None = None
    when: datetime | None = None
    when_text: str | None = None
    where: str | None = None
    ongoing: str | None = None
    """``yes``, ``no``, ``unknown`` (the reporter's answer, or the ``unknown`` mark), or
    ``None``: not asked, or the reporter declined (then :attr:`marks` says so)."""
    contact: str | None = None
    reporter: str | None = None
    source: str | None = None
    urgency: str = "medium"
    status: str = "new"
    created_at: datetime | None = None
    created_by: str | None = None
    created_dev: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_via: str | None = None
    support: dict[str, str] = field(default_factory=dict)
    marks: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    recused: bool = False
    """True for the stub that stands in for a report this laptop's member is recused from
    (:func:`careterm.core.casework.screen_recused`): only id, status, urgency and the
    capture and acknowledgement times are kept."""
    stub_version: int = 0
    """A stub's :attr:`version`: the number of changes of the report it stands in for."""
    _history: tuple[list[dict[str, Any]], int, dict[str, list[FieldValue]]] | None = field(
        default=None, repr=False, compare=False)

    @property
    def version(self) -> int:
        """Goes up with every change of the report (a recused stub, which keeps no
        changes, still moves with its report): faces redraw what changed by it."""
        return self.stub_version if self.recused else len(self.changes)

    @property
    def acknowledged(self) -> bool:
        """True once anyone has acknowledged the report."""
        return self.acknowledged_at is not None

    @property
    def is_open(self) -> bool:
        """True until the report is closed."""
        return self.status != "closed"

    @property
    def history(self) -> dict[str, list[FieldValue]]:
        """Every value each field has held, in change order (the last one is current).

        Worked out from :attr:`changes` when asked, so folding thousands of
        reports does not build it for every one; then kept until the changes move on
        (the board's stage clock asks for it at every draw). The fold only appends
        to :attr:`changes` or replaces the list (an erasure scrubbing it), so the
        list and its length tell. Treat the result as read-only.
        """
        cached = self._history
        changes = self.changes
        if cached is None or cached[0] is not changes or cached[1] != len(changes):
            cached = self._history = (changes, len(changes), set_history(changes))
        return cached[2]

    def missing(self) -> dict[str, str]:
        """Capture fields with no answer: field → ``empty`` (not asked, or cleared),
        ``unknown`` (the reporter does not know) or ``declined``."""
        result: dict[str, str] = {}
        for name in OPTIONAL_FIELDS:
            if name in self.marks:
                result[name] = self.marks[name]
            elif getattr(self, name) in (None, ""):
                result[name] = "empty"
            elif name == "ongoing" and self.ongoing == "unknown":
                result[name] = "unknown"
        return result



_SET_ATTRIBUTES = frozenset({
    "what", "who", "when_text", "where", "ongoing", "contact", "reporter", "source",
    "urgency", "status", "created_by",
})


def set_history(changes: list[dict[str, Any]]) -> dict[str, list[FieldValue]]:
    """Every value each field has held in the ``set`` changes of ``changes`` (in the order
    given: the last one is current)."""
    result: dict[str, list[FieldValue]] = {}
    for change in changes:
        if change["op"] != "set":
            continue
        at = _parse_time(change.get("at"))
        key = change_key(change)
        for name, value in (change.get("data") or {}).items():
            result.setdefault(name, []).append(
                FieldValue(value, change.get("by", ""), at, change["dev"], key))
    return result


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class TeamRecord:
    """The team's settings record (``"~team"``), folded: per key the winning value
    (last writer wins), and every change kept for the history."""

    values: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    version: int = 0
    """Grows with every change folded (a face compares it to know the settings moved)."""
    _keys: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def apply(self, change: dict[str, Any]) -> None:
        """Fold one change of the team record (only ``set`` has a meaning)."""
        self.changes.append(change)
        self.version += 1
        if change["op"] != "set":
            return  # an op from a newer careterm: kept, not guessed at
        key = change_key(change)
        for name, value in (change.get("data") or {}).items():
            current = self._keys.get(name)
            if current is None or key > current:
                self._keys[name] = key
                self.values[name] = value

    @property
    def history(self) -> dict[str, list[FieldValue]]:
        """Every value each setting has held, in change order (the last one is current)."""
        return set_history(sorted(self.changes, key=change_key))


_ENTRY_KEY = attrgetter("key")


class Fold:
    """Folds change records into incidents, incrementally and idempotently.

    Changes may arrive in any order and more than once (sync); a change id
    seen before is ignored, so applying the same batch twice changes nothing.
    """

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.seen: set[str] = set()
        self._winners: dict[str, dict[str, tuple[tuple[str, str, str], Any]]] = {}
        self._ack_key: dict[str, tuple[str, str, str]] = {}
        self.team = TeamRecord()
        """The team's settings record (never one of :attr:`incidents`)."""
        self.erasures = Erasures()
        """The erasures folded so far (:mod:`careterm.core.erasure`): a change they cover
        is folded scrubbed, whenever it arrives, so no value erased comes back."""

    def apply(self, changes: list[dict[str, Any]] | Any) -> set[str]:
        """Apply changes; return the ids of incidents that changed (the team record is
        none: :attr:`TeamRecord.version` says when it did)."""
        touched: set[str] = set()
        rescrub: set[str] = set()
        seen, erasures = self.seen, self.erasures
        erased_reports = erasures.by_incident
        apply_one = self._apply_one
        for change in changes:
            cid = change["cid"]
            if cid in seen:
                continue
            seen.add(cid)
            inc_id = change["inc"]
            if inc_id == TEAM_RECORD:
                self.team.apply(change)
                continue
            if change["op"] in (ERASE_OP, ERASED_OP) and erasures.learn(change) is not None:
                rescrub.add(inc_id)
            if inc_id in erased_reports:
                change = erasures.scrub(change)
            apply_one(change)
            touched.add(inc_id)
        for inc_id in rescrub:
            self._rescrub(self.incidents[inc_id])
        for inc_id in touched:
            self._materialise(self.incidents[inc_id])
        return touched

    def _rescrub(self, incident: Incident) -> None:
        """Fold ``incident`` again from its changes scrubbed by the erasures known now."""
        scrubbed = [self.erasures.scrub(change) for change in incident.changes]
        if all(new is old for new, old in zip(scrubbed, incident.changes, strict=True)):
            return
        self._winners.pop(incident.id, None)
        self._ack_key.pop(incident.id, None)
        incident.acknowledged_at = incident.acknowledged_by = incident.acknowledged_via = None
        incident.entries = {}
        incident.changes = []
        for change in scrubbed:
            self._apply_one(change)

    def _apply_one(self, change: dict[str, Any]) -> None:
        inc_id = change["inc"]
        incident = self.incidents.get(inc_id)
        if incident is None:
            incident = self.incidents[inc_id] = Incident(id=inc_id)
        incident.changes.append(change)
        key = _CHANGE_KEY(change)
        op = change["op"]
        data = change.get("data") or {}
        if op == "set":
            winners = self._winners.get(inc_id)
            if winners is None:
                winners = self._winners[inc_id] = {}
            for name, value in data.items():
                current = winners.get(name)
                if current is None or key > current[0]:
                    winners[name] = (key, value)
        elif op == "ack":
            if inc_id not in self._ack_key or key < self._ack_key[inc_id]:
                self._ack_key[inc_id] = key
                incident.acknowledged_at = _parse_time(change.get("at"))
                incident.acknowledged_by = change.get("by")
                incident.acknowledged_via = data.get("via")
        elif op in LIST_OPS:
            incident.entries.setdefault(op, []).append(Entry(
                op, change.get("by", ""), _parse_time(change.get("at")), data, change["cid"], key))
        # Unknown ops come from a newer careterm on another laptop: keep the
        # change (it syncs on) but do not guess at its meaning.

    def _materialise(self, incident: Incident) -> None:
        """Recompute the incident's fields from the winning values."""
        if len(incident.changes) > 1:
            incident.changes.sort(key=_CHANGE_KEY)
        for entries in incident.entries.values():
            entries.sort(key=_ENTRY_KEY)
        incident.notes = [Note(e.by, e.at, e.data.get("text", ""), e.cid)
                          for e in incident.entries.get("note", ())]
        incident.marks = {}
        incident.support = {}
        incident.extra = {}
        for name, (_key, value) in self._winners.get(incident.id, {}).items():
            if type(value) is dict and "mark" in value:
                incident.marks[name] = value["mark"]
                value = None
            if name in _SET_ATTRIBUTES:
                setattr(incident, name, value)
            elif name in ("when", "created_at"):
                setattr(incident, name, _parse_time(value))
            elif name.startswith("support_"):
                if value:
                    incident.support[name.removeprefix("support_")] = value
            else:
                # Fields added by casework (category, review_*, …) and by newer versions.
                incident.extra[name] = value
        if incident.acknowledged and incident.status == "new":
            incident.status = "acknowledged"
        if incident.marks.get("ongoing") == "unknown":
            incident.ongoing = "unknown"  # the mark and the answer say the same


def fold(changes: list[dict[str, Any]]) -> dict[str, Incident]:
    """Fold a list of changes into incidents keyed by id."""
    folder = Fold()
    folder.apply(changes)
    return folder.incidents
