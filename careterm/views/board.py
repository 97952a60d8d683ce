"""What the triage board shows: which reports, in which order, with which cells.

Pure logic for the board screen (no Textual here): the filter a lead sets,
the plain cell values of each row, the escalation of unacknowledged reports,
the "reporter still to be informed" flag, and how wide each column is at a
given terminal width. The screen only draws what this module returns.

In privacy mode the where and what cells go through the report's name mask
(:mod:`careterm.views.privacy`, the same mask as the incident view and the
handover): :class:`PrivateRows` turns rows into what privacy mode shows,
masking each report once per version. The member column names a team member,
not a party to the report, and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache

from careterm.core.casework import needs_informing
from careterm.core.model import Incident
from careterm.core.textsafe import visible
from careterm.core.triage import AckLevel, ack_level, board_order, format_age, waiting_for
from careterm.core.vocabulary import STATUSES, URGENCIES
from careterm.views.privacy import BULLET, MaskCache

COLUMNS = ("id", "urgency", "status", "ack", "age", "where", "what", "member")
"""Board columns, left to right."""
COLUMN_LABELS = {"id": "id", "urgency": "urgency", "status": "status", "ack": "ack",
                 "age": "age", "where": "where", "what": "what", "member": "member"}
ACK_SYMBOLS = {
    AckLevel.ACKNOWLEDGED: "✓",
    AckLevel.WAITING: "●",
    AckLevel.WARNING: "⚠",
    AckLevel.ALERT: "‼",
}
"""The symbol that says what the colour says, so colour is never the only signal."""
INFORM_TEXT = "✉ inform"
"""The acknowledgement cell of an acknowledged report whose resolution has not yet been
told to the reporter (the next thing the team owes them)."""
CELL_TEXT_LIMIT = 200
"""Longest text kept for a cell (a 1 MB statement is cut long before it is drawn)."""


@dataclass(frozen=True)
class FilterSpec:
    """The filter a lead has set on the board. The default shows every open report."""

    unacked_only: bool = False
    urgency: str | None = None
    status: str | None = None
    text: str = ""
    inform_only: bool = False
    """Only reports whose resolution is still to be told to the reporter."""

    @property
    def active(self) -> bool:
        """True when anything is filtered out."""
        return bool(self.unacked_only or self.inform_only or self.urgency or self.status
                    or self.text.strip())

    def describe(self) -> str:
        """The active filter in words (empty when none), e.g. ``unacknowledged · high``."""
        parts = []
        if self.unacked_only:
            parts.append("unacknowledged only")
        if self.inform_only:
            parts.append("reporter to be informed")
        if self.urgency:
            parts.append(f"urgency {self.urgency}")
        if self.status:
            parts.append(f"status {self.status}")
        if self.text.strip():
            parts.append(f"search “{visible(self.text.strip(), one_line=True)}”")
        return " · ".join(parts)

    def with_(self, **changes: object) -> FilterSpec:
        """A copy with some parts changed (validated)."""
        spec = replace(self, **changes)  # type: ignore[arg-type]
        if spec.urgency is not None and spec.urgency not in URGENCIES:
            raise ValueError(f"urgency {spec.urgency!r} is not one of {', '.join(URGENCIES)}")
        if spec.status is not None and spec.status not in STATUSES:
            raise ValueError(f"status {spec.status!r} is not one of {', '.join(STATUSES)}")
        return spec


def matches(incident: Incident, spec: FilterSpec) -> bool:
    """True when ``incident`` belongs on the board under ``spec``.

    Closed reports leave the board unless the lead filters for status closed.
    """
    if spec.status is not None:
        if incident.status != spec.status:
            return False
    elif not incident.is_open:
        return False
    if spec.unacked_only and incident.acknowledged:
        return False
    if spec.inform_only and not needs_informing(incident):
        return False
    if spec.urgency is not None and incident.urgency != spec.urgency:
        return False
    needle = spec.text.strip().casefold()
    if needle:
        haystack = " ".join(
            value for value in (incident.what, incident.who, incident.where, incident.id)
            if value
        ).casefold()
        if needle not in haystack:
            return False
    return True


def filter_incidents(incidents: Iterable[Incident], spec: FilterSpec) -> list[Incident]:
    """The incidents ``spec`` lets through, in board order."""
    return board_order(i for i in incidents if matches(i, spec))


@dataclass(frozen=True)
class AckCell:
    """The acknowledgement cell: its words and how loud it is."""

    text: str
    level: AckLevel
    inform: bool = False
    """True when the cell flags that the reporter is still to be informed."""


@lru_cache(maxsize=20_000)
def _minutes_text(minutes: int) -> str:
    return format_age(timedelta(minutes=minutes))


def age_text(delta: timedelta) -> str:
    """:func:`careterm.core.triage.format_age`, cached per minute (10,000 rows tick cheaply)."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return format_age(delta)
    return _minutes_text(seconds // 60)


def ack_cell(incident: Incident, now: datetime, target: timedelta,
             inform: bool | None = None) -> AckCell:
    """``✓ acked``, ``● unacked 3m``, ``⚠ unacked 17m``, ``‼ unacked 31m``, or
    ``✉ inform`` for an acknowledged report whose resolution the reporter has not
    been told yet. ``inform``: that flag when the caller already knows it.

    An unacknowledged report keeps its escalation (the more pressing of the two).
    """
    level = ack_level(incident, now, target)
    if incident.acknowledged:
        if needs_informing(incident) if inform is None else inform:
            return AckCell(INFORM_TEXT, AckLevel.ACKNOWLEDGED, inform=True)
        return AckCell(f"{ACK_SYMBOLS[AckLevel.ACKNOWLEDGED]} acked", AckLevel.ACKNOWLEDGED)
    if not incident.is_open:
        return AckCell("– closed", AckLevel.ACKNOWLEDGED)
    waited = age_text(waiting_for(incident, now))
    return AckCell(f"{ACK_SYMBOLS[level]} unacked {waited}", level)


def age_cell(incident: Incident, now: datetime) -> str:
    """Time since the report was taken (``?`` when unknown)."""
    if incident.created_at is None:
        return "?"
    return age_text(now - incident.created_at)


def cell_text(value: str | None, *, empty: str = "") -> str:
    """A user's text made safe and short enough for one table cell."""
    if not value:
        return empty
    value = value[:CELL_TEXT_LIMIT]
    if value.isascii() and value.isprintable():
        return value  # the common case, without visible()'s character-by-character pass
    return visible(value, one_line=True)


@dataclass(frozen=True)
class BoardRow:
    """One row of the board as plain values (the screen adds colour)."""

    id: str
    urgency: str
    status: str
    ack: AckCell
    age: str
    where: str
    what: str
    member: str

    def cells(self) -> tuple[str, ...]:
        """Cell texts in :data:`COLUMNS` order."""
        return (self.id, self.urgency, self.status, self.ack.text, self.age, self.where,
                self.what, self.member)


def where_text(incident: Incident) -> str:
    """The where cell: the place, or how it is missing."""
    if "where" in incident.marks:
        return f"({incident.marks['where']})"
    return cell_text(incident.where)


def private_cells(incident: Incident, masks: MaskCache) -> tuple[str, str]:
    """The where and what cells as privacy mode shows them: names and contacts the
    report knows are masked (before the text is cut to a cell's length)."""
    mask = masks(incident)
    where = where_text(incident)
    if not mask:
        return where, cell_text(incident.what)
    if "where" not in incident.marks:
        where = cell_text(mask(_head(incident.where)))
    return where, cell_text(mask(_head(incident.what)))


class PrivateRows:
    """Turns the board's rows into what privacy mode shows, masking each report's
    where and what once per version (a clock tick only looks them up)."""

    def __init__(self, masks: MaskCache | None = None) -> None:
        self.masks = masks if masks is not None else MaskCache()
        self._cells: dict[str, tuple[int, tuple[str, str]]] = {}

    def __call__(self, row: BoardRow, incident: Incident | None) -> BoardRow:
        """``row`` with where and what masked (hidden whole if the report is unknown)."""
        if incident is None:
            return replace(row, where=BULLET, what=BULLET)
        version = len(incident.changes)
        cached = self._cells.get(incident.id)
        if cached is None or cached[0] != version:
            cached = (version, private_cells(incident, self.masks))
            self._cells[incident.id] = cached
        where, what = cached[1]
        if where == row.where and what == row.what:
            return row
        return replace(row, where=where, what=what)

    def forget(self, keep: Iterable[str]) -> None:
        """Drop what was worked out for reports not in ``keep``."""
        wanted = set(keep)
        for inc_id in [key for key in self._cells if key not in wanted]:
            del self._cells[inc_id]
        self.masks.forget(wanted)

    def __len__(self) -> int:
        return len(self._cells)


def private_row(row: BoardRow, incident: Incident | None, masks: MaskCache) -> BoardRow:
    """``row`` as privacy mode shows it (see :class:`PrivateRows`, which caches)."""
    return PrivateRows(masks)(row, incident)


def _head(text: str | None) -> str:
    """Enough of a long text to fill a cell once masked (a 1 MB statement is not read)."""
    return (text or "")[:CELL_TEXT_LIMIT * 4]


def static_cells(incident: Incident) -> tuple[str, str, str, str, str, str]:
    """Cells that only change when the incident changes: id, urgency, status, where,
    what, member."""
    return (incident.id, incident.urgency, incident.status, where_text(incident),
            cell_text(incident.what), cell_text(incident.created_by))


def board_row(incident: Incident, now: datetime, target: timedelta) -> BoardRow:
    """The row for one incident at time ``now``."""
    inc_id, urgency, status, where, what, member = static_cells(incident)
    return BoardRow(inc_id, urgency, status, ack_cell(incident, now, target),
                    age_cell(incident, now), where, what, member)


def board_rows(incidents: Iterable[Incident], now: datetime, target: timedelta,
               spec: FilterSpec | None = None) -> list[BoardRow]:
    """Rows of the board, filtered and in board order."""
    return [board_row(i, now, target) for i in filter_incidents(incidents, spec or FilterSpec())]


@dataclass
class ColumnLayout:
    """Column widths (content cells, without padding) for a terminal width."""

    widths: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Sum of the widths."""
        return sum(self.widths.values())


FIXED_WIDTHS = {"id": 6, "urgency": 8, "status": 12, "ack": 16, "age": 6}
"""Longest forms: ``acknowledged``, ``‼ unacked 20h45m``, ``20h45m``."""


"""Columns whose content has a known longest form."""


FLEX_SHARES = {"where": 3, "what": 7, "member": 2}
FLEX_MINIMUM = {"where": 7, "what": 10, "member": 6}
FLEX_MAXIMUM = {"where": 30, "what": 200, "member": 18}


def column_layout(width: int, padding: int = 1) -> ColumnLayout:
    """Widths for a table ``width`` cells wide, with ``padding`` cells between columns.

    The fixed columns keep their size; where, what and member get their
    minimum, then share what is left (what gets the most). Below the
    minimums the table scrolls sideways.
    """
    fixed = sum(FIXED_WIDTHS.values())
    spare = width - fixed - padding * len(COLUMNS)
    flex = dict(FLEX_MINIMUM)
    extra = spare - sum(flex.values())
    if extra > 0:
        shares = sum(FLEX_SHARES.values())
        for name, share in FLEX_SHARES.items():
            flex[name] = min(FLEX_MAXIMUM[name], flex[name] + extra * share // shares)
        # Rounding and maximums leave a little over: it goes to "what".
        flex["what"] += spare - sum(flex.values())
    widths = {**FIXED_WIDTHS, **flex}
    return ColumnLayout({name: widths[name] for name in COLUMNS})


class BoardView:
    """The board's state between redraws: the filter, the order and cached cells.

    Sorting and filtering 10,000 reports happens only when reports or the
    filter change; a clock tick only recomputes the acknowledgement and age
    cells, which are the ones that move with time.
    """

    def __init__(self, spec: FilterSpec | None = None) -> None:
        self.spec = spec or FilterSpec()
        self._order: list[str] | None = None
        self._static: dict[str, tuple[int, tuple[str, str, str, str, str, str], bool]] = {}

    def set_filter(self, spec: FilterSpec) -> None:
        """Use another filter (the order is worked out again on the next :meth:`rows`)."""
        if spec != self.spec:
            self.spec = spec
            self._order = None

    def invalidate(self, changed: Iterable[str] | None = None) -> None:
        """Reports changed (``None``: maybe all of them)."""
        self._order = None
        if changed is None:
            self._static.clear()
        else:
            for inc_id in changed:
                self._static.pop(inc_id, None)

    def rows(self, incidents: dict[str, Incident], now: datetime,
             target: timedelta) -> list[BoardRow]:
        """The board's rows at ``now``."""
        if self._order is None:
            self._order = [i.id for i in filter_incidents(incidents.values(), self.spec)]
        rows = []
        for inc_id in self._order:
            incident = incidents.get(inc_id)
            if incident is None:
                continue
            version = len(incident.changes)
            cached = self._static.get(inc_id)
            if cached is None or cached[0] != version:
                cached = (version, static_cells(incident), needs_informing(incident))
                self._static[inc_id] = cached
            inc_id_cell, urgency, status, where, what, member = cached[1]
            rows.append(BoardRow(inc_id_cell, urgency, status,
                                 ack_cell(incident, now, target, inform=cached[2]),
                                 age_cell(incident, now), where, what, member))
        return rows
