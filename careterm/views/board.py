"""What the triage board shows: which reports, in which order, with which cells.

Pure logic for the board screen (no Textual here): the filter a lead sets,
the plain cell values of each row, the stage cell (which stage of the
casework a report waits in and how late it is against the team's target for
that stage, :mod:`careterm.core.stages`), and how wide each column is at a
given terminal width. The screen only draws what this module returns.

The stage column keeps the old acknowledgement column's place, name in code
(``ack``) and width: ``● unacked 3m``, ``⚠ review 13h``, ``‼ info 7h``,
``● inform 2h``, ``✓ informed``, ``– closed`` (the time in the stage in whole
units, :func:`short_age`, so the cell stays whole at 80 and 60 columns). The
symbol says what the colour says. Every function taking the team's targets accepts the
:class:`~careterm.core.settings.TeamSettings` (or, as before, a timedelta: the
acknowledgement target, the other stages at their defaults).

In privacy mode the where and what cells go through the report's name mask
(:mod:`careterm.views.privacy`, the same mask as the incident view and the
handover): :class:`PrivateRows` turns rows into what privacy mode shows,
masking each report once per version. The member column names a team member,
not a party to the report, and stays.

At 10,000 reports the board is kept, not redrawn: :class:`BoardView` remembers
each row as it was last shown, works out again only the reports that changed
and the rows whose age or stage cell reads differently by now (each row's
next change is known from its creation time and its stage's start and target),
and hands the table those changes (:class:`RowChanges`) with the rows. The
header's overdue count is kept the same way: every open report's stage due
time in one sorted list, counted by bisection at each tick.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from careterm.core.casework import RECUSED_ROW, informed_records, needs_informing, owner
from careterm.core.model import Incident
from careterm.core.settings import TeamSettings
from careterm.core.stages import STAGE_WORDS, Stage, stage_level, stage_of
from careterm.core.textsafe import visible
from careterm.core.triage import (
    AckLevel,
    board_order,
    format_age,
    header_line,
    urgency_rank,
)
from careterm.core.validate import same_person_key
from careterm.core.vocabulary import STATUSES, URGENCIES
from careterm.views.privacy import BULLET, MaskCache

COLUMNS = ("id", "urgency", "status", "ack", "age", "where", "what", "owner", "member")
"""Board columns, left to right (``owner``: the member who owns the report, ``member``:
the one who took it)."""
COLUMN_LABELS = {"id": "id", "urgency": "urgency", "status": "status", "ack": "stage",
                 "age": "age", "where": "where", "what": "what", "owner": "owner",
                 "member": "member"}
ACK_SYMBOLS = {
    AckLevel.ACKNOWLEDGED: "✓",
    AckLevel.WAITING: "●",
    AckLevel.WARNING: "⚠",
    AckLevel.ALERT: "‼",
}
"""The symbol that says what the colour says, so colour is never the only signal."""
INFORM_TEXT = "● inform"
"""How the stage cell of a report whose resolution has not yet been told to the
reporter begins while within the target (the next thing the team owes them)."""

Targets = TeamSettings | timedelta
"""The team's targets as board functions take them."""


def as_settings(targets: Targets) -> TeamSettings:
    """The settings for ``targets`` (a timedelta is the acknowledgement target alone)."""
    if isinstance(targets, TeamSettings):
        return targets
    return TeamSettings(ack=targets)
CELL_TEXT_LIMIT = 200
"""Longest text kept for a cell (a 1 MB statement is cut long before it is drawn)."""


@dataclass(frozen=True)
class FilterSpec:
    """The filter a lead has set on the board. The default shows every open report;
    ``status="closed"`` shows the closed ones (off the board otherwise)."""

    unacked_only: bool = False
    urgency: str | None = None
    status: str | None = None
    text: str = ""
    inform_only: bool = False
    """Only reports whose resolution is still to be told to the reporter."""
    owner: str | None = None
    """Only reports this member owns (``m`` on the board: the member at this laptop)."""

    @property
    def closed_only(self) -> bool:
        """True when the board shows closed reports (and only those)."""
        return self.status == "closed"

    @property
    def active(self) -> bool:
        """True when anything is filtered out."""
        return bool(self.unacked_only or self.inform_only or self.urgency or self.status
                    or self.text.strip() or self.owner)

    def describe(self) -> str:
        """The active filter in words (empty when none), e.g. ``unacknowledged · high``."""
        parts = []
        if self.unacked_only:
            parts.append("unacknowledged only")
        if self.inform_only:
            parts.append("reporter to be informed")
        if self.owner:
            parts.append(f"owned by {visible(self.owner, one_line=True)}")
        if self.urgency:
            parts.append(f"urgency {self.urgency}")
        if self.status == "closed":
            parts.append("closed reports")
        elif self.status:
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
    if spec.owner and same_person_key(owner(incident) or "") != same_person_key(spec.owner):
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


_NO_STAGE = Stage("", datetime(1970, 1, 1, tzinfo=UTC), timedelta(0))
"""Marks "work the stage out" (a ``None`` stage is a report with no clock)."""


def ack_cell(incident: Incident, now: datetime, target: Targets,
             stage: Stage | None = _NO_STAGE) -> AckCell:
    """The stage cell: the stage's symbol, word and time in it (``● unacked 3m``,
    ``⚠ review 13h``, ``‼ info 13h``, ``● inform 2h``), or, with no clock,
    ``✓ informed``, ``✓ acked`` or ``– closed``. ``stage``: the report's stage
    (:func:`careterm.core.stages.stage_of`) when the caller already knows it.

    A critical report still unacknowledged is an alert from the first second.
    """
    if stage is _NO_STAGE:
        stage = stage_of(incident, as_settings(target))
    if stage is None:
        if not incident.is_open:
            return AckCell("– closed", AckLevel.ACKNOWLEDGED)
        done = "informed" if incident.status == "informed" or informed_records(incident) \
            else "acked"
        return AckCell(f"{ACK_SYMBOLS[AckLevel.ACKNOWLEDGED]} {done}", AckLevel.ACKNOWLEDGED)
    level = stage_level(incident, stage, now)
    text = f"{ACK_SYMBOLS[level]} {STAGE_WORDS[stage.name]} {short_age(stage.waited(now))}"
    return AckCell(text, level, inform=stage.name == "inform" and level is AckLevel.WAITING)


def short_age(delta: timedelta) -> str:
    """Time in a stage, short enough for a narrowed stage cell: ``45s``, ``12m``, ``13h``,
    ``2d`` (whole units, rounded down; the age column has the exact reading)."""
    return _short_seconds(max(0, int(delta.total_seconds())))


def _short_turns_at(seconds: int) -> int:
    """The time in a stage, in whole seconds, at which :func:`short_age` of ``seconds``
    next reads differently."""
    if seconds < 1:
        return 1
    for size in (86_400, 3_600, 60):
        if seconds >= size:
            return (seconds // size + 1) * size
    return seconds + 1


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
    owner: str = ""
    """The member who owns the report (``""``: nobody)."""

    def cells(self) -> tuple[str, ...]:
        """Cell texts in :data:`COLUMNS` order."""
        return (self.id, self.urgency, self.status, self.ack.text, self.age, self.where,
                self.what, self.owner, self.member)


def where_text(incident: Incident) -> str:
    """The where cell: the place, or how it is missing."""
    if "where" in incident.marks:
        return f"({incident.marks['where']})"
    return cell_text(incident.where)


def private_cells(incident: Incident, masks: MaskCache) -> tuple[str, str]:
    """The where and what cells as privacy mode shows them: names and contacts the
    report knows are masked (before the text is cut to a cell's length)."""
    if incident.recused:
        return "", RECUSED_ROW
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
        version = incident.version
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


def static_cells(incident: Incident) -> tuple[str, str, str, str, str, str, str]:
    """Cells that only change when the incident changes: id, urgency, status, where,
    what, member, owner."""
    if incident.recused:  # a stub: this laptop's member is recused from the report
        return (incident.id, incident.urgency, incident.status, "", RECUSED_ROW, "", "")
    return (incident.id, incident.urgency, incident.status, where_text(incident),
            cell_text(incident.what), cell_text(incident.created_by),
            cell_text(owner(incident)))


def board_row(incident: Incident, now: datetime, target: Targets) -> BoardRow:
    """The row for one incident at time ``now``."""
    inc_id, urgency, status, where, what, member, owned = static_cells(incident)
    return BoardRow(inc_id, urgency, status, ack_cell(incident, now, target),
                    age_cell(incident, now), where, what, member, owned)


def board_rows(incidents: Iterable[Incident], now: datetime, target: Targets,
               spec: FilterSpec | None = None) -> list[BoardRow]:
    """Rows of the board, filtered and in board order."""
    settings = as_settings(target)
    return [board_row(i, now, settings)
            for i in filter_incidents(incidents, spec or FilterSpec())]


@dataclass
class ColumnLayout:
    """Column widths (content cells, without padding) for a terminal width; a column of
    width 0 is not shown."""

    widths: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Sum of the widths."""
        return sum(self.widths.values())

    @property
    def shown(self) -> tuple[str, ...]:
        """The columns shown, left to right."""
        return tuple(name for name, width in self.widths.items() if width > 0)


FIXED_WIDTHS = {"id": 6, "urgency": 8, "status": 12, "ack": 16, "age": 6}
"""Columns whose content has a known longest form: ``acknowledged``, the stage cell
(``‼ unacked 20h``, 13, with room to spare), ``20h45m``."""


FLEX_SHARES = {"where": 3, "what": 6, "owner": 2, "member": 3}
FLEX_MINIMUM = {"where": 10, "what": 30, "owner": 11, "member": 11}
"""Below these a column says too little to be worth its room. "What happened" is the
cell a lead reads: it gets its minimum before where, owner and member are shown at all."""
FLEX_MAXIMUM = {"where": 30, "what": 200, "owner": 16, "member": 18}


NARROWING = (("member", 0), ("owner", 0), ("where", 0), ("ack", 13), ("status", 10),
             ("status", 0))
"""How a narrow board makes room for "what", one step at a time until the columns fit:
the member who took the report goes first, then its owner (``m`` still finds one's
own), then where; then the stage cell narrows to
its longest short form (``‼ unacked 20h``, ``⚠ review 13h``: its time is whole units);
then status narrows (only ``acknowled…`` is cut, and the stage cell says where it
stands) and goes. A width of 0 hides the column."""
WHAT_FLOOR = 10
""""What" never gets less than this (narrower still, the table scrolls sideways)."""


def column_layout(width: int, padding: int = 1) -> ColumnLayout:
    """Widths for a table ``width`` cells wide, with ``padding`` cells before each column
    shown (a column of width 0 is not shown and takes no cell).

    Wide enough, the fixed columns keep their size and where, what and member get
    their minimum, then share what is left (what gets the most). Narrower, the
    steps of :data:`NARROWING` are taken in turn until the columns fit: at 80
    columns the board shows id, urgency, status, ack, age and 30 characters of
    what happened; at 60, id, urgency, ack, age and what.
    """
    widths = {**FIXED_WIDTHS, **FLEX_MINIMUM}

    def spare() -> int:
        return width - sum(w + padding for w in widths.values() if w > 0)

    for name, narrower in NARROWING:
        if spare() >= 0:
            break
        widths[name] = narrower
    left = spare()
    if left < 0:
        widths["what"] = max(WHAT_FLOOR, widths["what"] + left)
    else:
        flex = [name for name in FLEX_SHARES if widths[name] > 0]
        shares = sum(FLEX_SHARES[name] for name in flex)
        for name in flex:
            widths[name] = min(FLEX_MAXIMUM[name],
                               widths[name] + left * FLEX_SHARES[name] // shares)
        # Rounding and maximums leave a little over: it goes to "what".
        widths["what"] += spare()
    return ColumnLayout({name: widths[name] for name in COLUMNS})


def board_key(incident: Incident) -> tuple[int, bool, float, str]:
    """Where ``incident`` goes on the board, as one comparable value: the key
    :func:`careterm.core.triage.board_order` sorts by (urgency, unacknowledged
    first, oldest first, id). The id makes it unique, so a report's place is
    found by bisection (``tests/views/test_board_view.py`` keeps the two equal)."""
    created = incident.created_at
    return (urgency_rank(incident.urgency), incident.acknowledged,
            created.timestamp() if created is not None else float("inf"), incident.id)


_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def _microseconds(moment: datetime) -> int:
    """``moment`` as whole microseconds since 1970 (exact, unlike a float timestamp)."""
    return (moment - (_EPOCH if moment.tzinfo is not None else _NAIVE_EPOCH)) // _MICROSECOND


def _age_turns_at(seconds: int) -> int:
    """The age, in whole seconds, at which an age of ``seconds`` next reads
    differently (:func:`age_text`: seconds below a minute, minutes below a day,
    then hours)."""
    if seconds < 1:
        return 1
    if seconds < 60:
        return seconds + 1
    if seconds < 86_400:
        return (seconds // 60 + 1) * 60
    return (seconds // 3_600 + 1) * 3_600


def _escalates(incident: Incident, stage: Stage | None) -> bool:
    """True when the report's escalation can still move with the clock."""
    if stage is None:
        return False
    return not (stage.name == "acknowledge" and incident.urgency == "critical")


class _Clock(NamedTuple):
    """A report's stage clock in microseconds since 1970: when it started, its target,
    and whether its escalation moves with the clock."""

    start: int
    target: int
    escalates: bool


def _stage_clock(incident: Incident, stage: Stage | None) -> _Clock | None:
    if stage is None:
        return None
    return _Clock(_microseconds(stage.since), stage.target // _MICROSECOND,
                  _escalates(incident, stage))


_ACK_CELLS: dict[str, AckCell] = {}
"""One cell object per reading of a clock's stage cell (its text says its level and
whether it flags informing): a tick compares and writes hundreds."""


_ALERT, _WARNING, _WAITING = AckLevel.ALERT, AckLevel.WARNING, AckLevel.WAITING
_SYMBOL = {level: ACK_SYMBOLS[level] for level in (_ALERT, _WARNING, _WAITING)}


def _clock_ack(stage: Stage, clock: _Clock, now: int) -> AckCell:
    """:func:`ack_cell` of a report in ``stage`` at ``now`` (microseconds since 1970), from
    its clock in whole microseconds (what a tick works out for hundreds of rows)."""
    waited = max(0, now - clock.start)
    if not clock.escalates:  # a critical report not acknowledged yet: an alert at once
        level = _ALERT
    elif waited > 2 * clock.target:
        level = _ALERT
    elif waited > clock.target:
        level = _WARNING
    else:
        level = _WAITING
    text = f"{_SYMBOL[level]} {STAGE_WORDS[stage.name]} {_short_seconds(waited // 1_000_000)}"
    cell = _ACK_CELLS.get(text)
    if cell is None:
        if len(_ACK_CELLS) >= 4_096:
            _ACK_CELLS.clear()
        cell = _ACK_CELLS[text] = AckCell(text, level, stage.name == "inform"
                                          and level is _WAITING)
    return cell


def _short_seconds(seconds: int) -> str:
    """:func:`short_age` of whole seconds (never negative)."""
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _due(created: int, now: int, clock: _Clock | None) -> int:
    """:func:`next_change` in microseconds since 1970."""
    due = created + _age_turns_at((now - created) // 1_000_000) * 1_000_000
    if clock is not None:
        start, target, escalates = clock
        waited = start + _short_turns_at((now - start) // 1_000_000) * 1_000_000
        due = min(due, waited)
        if escalates:
            for limit in (target, 2 * target):
                escalation = start + limit + 1  # waited > limit from here on
                if now < escalation < due:
                    due = escalation
    return due


def next_change(incident: Incident, now: datetime, target: Targets) -> datetime | None:
    """The first moment after ``now`` at which the report's clock cells (its age, and
    the time and escalation of its stage) may read differently; ``None`` when they
    never do (no creation time)."""
    created = incident.created_at
    if created is None:
        return None
    stage = stage_of(incident, as_settings(target))
    due = _due(_microseconds(created), _microseconds(now), _stage_clock(incident, stage))
    epoch = _EPOCH if created.tzinfo is not None else _NAIVE_EPOCH
    moment = epoch + timedelta(microseconds=due)
    return moment.astimezone(created.tzinfo) if created.tzinfo is not None else moment


@dataclass(frozen=True)
class RowChanges:
    """How one result of :meth:`BoardView.rows` differs from the one before it."""

    base: int
    """The :attr:`BoardRows.generation` these changes apply to."""
    rows: dict[str, BoardRow]
    """By id: the rows of the reports that changed (even when a row reads the same:
    masked in privacy mode, it may not) and the rows that read differently by now."""
    removed: frozenset[str]
    """Ids no longer on the board."""
    moved: bool
    """True when a row came, went or changed place (the order must be read again)."""


class BoardRows(list[BoardRow]):
    """The board's rows in order, numbered, with what changed since the view's
    previous rows (``changes`` is ``None`` when everything was worked out again)."""

    def __init__(self, rows: Iterable[BoardRow] = (), *, generation: int = 0,
                 changes: RowChanges | None = None) -> None:
        super().__init__(rows)
        self.generation = generation
        self.changes = changes


class BoardView:
    """The board's state between redraws: the filter, the order and each row as
    it was last shown, so that a redraw works out only what changed.

    * Filtering and sorting every report happens only when the filter, the
      team's settings (any stage's target) or everything changes (``invalidate()``).
    * A changed report (``invalidate(ids)``) is worked out again and, when its
      place in the board order changed, taken out and put back by bisection on
      :func:`board_key`; the others are not looked at.
    * A clock tick works out only the rows whose clock cells read differently by
      now: each row knows when that next happens (:func:`next_change`), kept in
      a heap, so a tick with no row due costs nothing whatever the board's size.

    :meth:`rows` returns :class:`BoardRows` with the :class:`RowChanges` since
    the previous call, which the table applies instead of comparing every row.
    A clock that went back is taken as a reason to work everything out again.
    """

    def __init__(self, spec: FilterSpec | None = None) -> None:
        self.spec = spec or FilterSpec()
        self._stale: set[str] | None = None
        """Ids of reports that changed since the last rows (``None``: maybe all)."""
        self._keys: list[tuple[int, bool, float, str]] = []
        """:func:`board_key` of every row, in board order."""
        self._rows: list[BoardRow] = []
        """The rows, in the same order."""
        self._key_of: dict[str, tuple[int, bool, float, str]] = {}
        self._static: dict[str, _Static] = {}
        """Per report, worked out once per version (see :class:`_Static`)."""
        self._due: list[tuple[int, str]] = []
        """Heap of (when a row's clock cells next change, in microseconds since 1970, its
        id); stale entries are skipped (:attr:`_due_at` says which one counts)."""
        self._due_at: dict[str, int] = {}
        self._now: datetime | None = None
        self._now_us = 0
        self._settings: TeamSettings | None = None
        self._generation = 0
        self._counted: dict[str, tuple[bool, bool, bool]] = {}
        """What each report adds to the header's counts (open, unacknowledged, critical)."""
        self._counts = [0, 0, 0]
        self._stage_due: dict[str, int] = {}
        """When each open report's stage target passes (microseconds since 1970)."""
        self._stage_dues: list[int] = []
        """The same moments, sorted: the overdue count is a bisection at each tick."""
        self.worked_out = 0
        """How many rows the last :meth:`rows` worked out (for tests and the bench)."""

    def set_filter(self, spec: FilterSpec) -> None:
        """Use another filter (the board is worked out again on the next :meth:`rows`)."""
        if spec != self.spec:
            self.spec = spec
            self._stale = None

    def invalidate(self, changed: Iterable[str] | None = None) -> None:
        """Reports changed (``None``: maybe all of them)."""
        if changed is None:
            self._stale = None
        elif self._stale is not None:
            self._stale.update(changed)

    def rows(self, incidents: dict[str, Incident], now: datetime,
             target: Targets) -> BoardRows:
        """The board's rows at ``now`` under the team's settings (``target``), with what
        changed since the previous call."""
        base, self._generation = self._generation, self._generation + 1
        self.worked_out = 0
        settings = as_settings(target)
        self._now_us = _microseconds(now)
        changes: RowChanges | None = None
        rebuild = settings != self._settings
        if rebuild:
            self._settings = settings
        settings = self._settings  # the same object while equal (rows cache by identity)
        assert settings is not None
        if self._stale is None or rebuild or self._now is None or now < self._now:
            self._build(incidents, now, settings)
        else:
            changed: dict[str, BoardRow] = {}
            removed: set[str] = set()
            try:
                moved = (self._place(incidents, now, settings, changed, removed)
                         if self._stale else False)
                self._run_clock(incidents, now, settings, changed)
                changes = RowChanges(base, changed, frozenset(removed), moved)
            except LookupError:  # a row not where it was put (a bug): start again
                self._build(incidents, now, settings)
        self._stale = set()
        self._now = now
        return BoardRows(self._rows, generation=self._generation, changes=changes)

    def counts(self) -> tuple[int, int, int]:
        """(open, unacknowledged, critical) among every report (filter or not), as
        :func:`careterm.core.triage.board_counts` counts them, as of the last
        :meth:`rows` (kept up to date with the reports that changed, never recounted
        on a tick)."""
        open_, unacked, critical = self._counts
        return open_, unacked, critical

    def overdue(self) -> int:
        """How many reports (filter or not) are past their stage's target as of the last
        :meth:`rows` (:func:`careterm.core.stages.overdue_count`)."""
        return bisect.bisect_left(self._stage_dues, self._now_us)

    def header(self) -> str:
        """The board's header line, as :func:`careterm.core.triage.board_header` words it,
        from :meth:`counts` and :meth:`overdue`."""
        return header_line(*self._counts, overdue=self.overdue())

    def _count(self, inc_id: str, incident: Incident | None) -> None:
        """Take the report's part in the counts out, and put its new part in."""
        before = self._counted.pop(inc_id, None)
        if before is not None:
            for index, counted in enumerate(before):
                self._counts[index] -= counted
        due = self._stage_due.pop(inc_id, None)
        if due is not None:
            del self._stage_dues[bisect.bisect_left(self._stage_dues, due)]
        if incident is None:
            return
        now = self._counted[inc_id] = _counted(incident)
        for index, counted in enumerate(now):
            self._counts[index] += counted
        due = self._due_of(incident)
        if due is not None:
            self._stage_due[inc_id] = due
            bisect.insort(self._stage_dues, due)

    def _due_of(self, incident: Incident) -> int | None:
        """When the report's stage target passes (``None``: closed, or no clock)."""
        if not incident.is_open:
            return None
        assert self._settings is not None
        cached = self._static.get(incident.id)
        if (cached is not None and cached.version == incident.version
                and cached.settings is self._settings):
            stage = cached.stage
        else:
            stage = stage_of(incident, self._settings)
        return None if stage is None else _microseconds(stage.due_at)

    # ------------------------------------------------------------ working rows out

    def _build(self, incidents: dict[str, Incident], now: datetime,
               target: TeamSettings) -> None:
        """Filter, sort and work out every row."""
        spec = self.spec
        self._counted = {inc_id: _counted(incident) for inc_id, incident in incidents.items()}
        self._counts = [sum(parts) for parts in zip(*self._counted.values(), strict=True)
                        ] if self._counted else [0, 0, 0]
        self._stage_due = {}
        for inc_id, incident in incidents.items():
            due = self._due_of(incident)
            if due is not None:
                self._stage_due[inc_id] = due
        self._stage_dues = sorted(self._stage_due.values())
        chosen = sorted(((board_key(incident), incident) for incident in incidents.values()
                         if matches(incident, spec)), key=_first)
        self._keys = [key for key, _ in chosen]
        self._key_of = {key[3]: key for key in self._keys}
        self._due, self._due_at = [], {}
        self._rows = [self._work_out(incident, now, target) for _, incident in chosen]
        heapq.heapify(self._due)
        if len(self._static) > 2 * len(self._rows) + 100:
            self._static = {inc_id: cached for inc_id, cached in self._static.items()
                            if inc_id in self._key_of}

    def _work_out(self, incident: Incident, now: datetime, target: TeamSettings) -> BoardRow:
        """One row at ``now`` (what only changes with the report is cached per version);
        its next change is scheduled."""
        self.worked_out += 1
        cached = self._static_of(incident, target)
        inc_id, urgency, status, where, what, member, owned = cached.cells
        self._schedule(inc_id, cached)
        return BoardRow(inc_id, urgency, status,
                        ack_cell(incident, now, target, stage=cached.stage),
                        age_cell(incident, now), where, what, member, owned)

    def _static_of(self, incident: Incident, settings: TeamSettings) -> _Static:
        version = incident.version
        cached = self._static.get(incident.id)
        if cached is None or cached.version != version or cached.settings is not settings:
            created = incident.created_at
            stage = stage_of(incident, settings)
            cached = _Static(version, static_cells(incident), stage,
                             None if created is None else _microseconds(created),
                             _stage_clock(incident, stage), settings)
            self._static[incident.id] = cached
        return cached

    def _schedule(self, inc_id: str, cached: _Static) -> None:
        if cached.created is None:
            self._due_at.pop(inc_id, None)
            return
        due = _due(cached.created, self._now_us, cached.clock)
        self._due_at[inc_id] = due
        heapq.heappush(self._due, (due, inc_id))

    def _index(self, key: tuple[int, bool, float, str]) -> int:
        index = bisect.bisect_left(self._keys, key)
        if index == len(self._keys) or self._keys[index] != key:
            raise LookupError(f"{key[3]} is not where the board put it")  # a bug
        return index

    def _place(self, incidents: dict[str, Incident], now: datetime, target: TeamSettings,
               changed: dict[str, BoardRow], removed: set[str]) -> bool:
        """Work out the changed reports again, moving the ones whose place changed;
        True when a row came, went or moved."""
        assert self._stale is not None
        moved = False
        for inc_id in sorted(self._stale):
            incident = incidents.get(inc_id)
            self._count(inc_id, incident)
            new_key = (board_key(incident) if incident is not None
                       and matches(incident, self.spec) else None)
            old_key = self._key_of.get(inc_id)
            if old_key is not None and old_key == new_key:
                assert incident is not None
                index = self._index(old_key)
                # Given even when it reads the same: privacy mode may mask it otherwise
                # (a name recorded since).
                self._rows[index] = changed[inc_id] = self._work_out(incident, now, target)
                continue
            if old_key is not None:
                index = self._index(old_key)
                del self._keys[index], self._rows[index], self._key_of[inc_id]
                self._due_at.pop(inc_id, None)
                moved = True
            if new_key is None:
                if old_key is not None:
                    removed.add(inc_id)
                continue
            assert incident is not None
            row = self._work_out(incident, now, target)
            index = bisect.bisect_left(self._keys, new_key)
            self._keys.insert(index, new_key)
            self._rows.insert(index, row)
            self._key_of[inc_id] = new_key
            changed[inc_id] = row
            moved = True
        return moved

    def _run_clock(self, incidents: dict[str, Incident], now: datetime, target: TeamSettings,
                   changed: dict[str, BoardRow]) -> None:
        """Work out the clock cells of the rows due by ``now``; keep those that read
        differently."""
        due, due_at, now_us = self._due, self._due_at, self._now_us
        while due and due[0][0] <= now_us:
            when, inc_id = heapq.heappop(due)
            if due_at.get(inc_id) != when:
                continue  # moved on since: a later entry counts
            del due_at[inc_id]
            key = self._key_of.get(inc_id)
            incident = incidents.get(inc_id)
            cached = self._static.get(inc_id)
            if key is None or incident is None or cached is None:
                continue
            self.worked_out += 1
            index = self._index(key)
            old = self._rows[index]
            if cached.stage is None or cached.clock is None:
                ack = old.ack  # no clock in it (worked out again when the report changes)
            else:
                ack = _clock_ack(cached.stage, cached.clock, now_us)
            age = (age_cell(incident, now) if cached.created is None
                   or now_us - cached.created < 60_000_000
                   else _minutes_text((now_us - cached.created) // 60_000_000))
            if age != old.age or ack != old.ack:
                self._rows[index] = changed[inc_id] = BoardRow(
                    old.id, old.urgency, old.status, ack, age, old.where, old.what, old.member,
                    old.owner)
            self._schedule(inc_id, cached)
        if len(due) > 2 * len(due_at) + 1_000:
            self._due = [(when, inc_id) for inc_id, when in due_at.items()]
            heapq.heapify(self._due)


class _Static(NamedTuple):
    """What a row needs that only changes with its report (worked out once per version)."""

    version: int
    cells: tuple[str, str, str, str, str, str, str]
    """:func:`static_cells`."""
    stage: Stage | None
    """The stage the report waits in (``None``: no clock)."""
    created: int | None
    """When the report was taken, in microseconds since 1970."""
    clock: _Clock | None
    """Its stage's clock (start, target, whether it escalates)."""
    settings: TeamSettings
    """The settings it was worked out under."""


def _counted(incident: Incident) -> tuple[bool, bool, bool]:
    """What one report adds to the counts: (open, unacknowledged, critical)."""
    is_open = incident.is_open
    return (is_open, is_open and not incident.acknowledged,
            is_open and incident.urgency == "critical")


def _first(pair: tuple[tuple[int, bool, float, str], Incident]) -> tuple[int, bool, float, str]:
    return pair[0]
