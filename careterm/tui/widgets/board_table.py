"""The board's table: a virtualised DataTable kept up to date cell by cell, never rebuilt.

Cells are rich ``Text`` made from plain values, so user text is never read
as markup. Escalation shows as colour *and* as the symbol and words the core
puts in the acknowledgement cell (``⚠ unacked 17m``, ``‼ unacked 31m``); so
does a resolution still to be told to the reporter (``✉ inform``).

Privacy mode is the table's own business: it watches the app's ``privacy``
and, while it is on, shows every row through
:class:`careterm.views.board.PrivateRows` (names and contacts masked in where
and what, once per version of a report), so the screen gives it plain rows
either way and switching it redraws only the cells that change.

Keeping up at 10,000 reports. The rows come from
:class:`careterm.views.board.BoardView` with what changed since the rows the
table shows (:class:`~careterm.views.board.RowChanges`): a clock tick writes
only the cells whose text changed, an arrival adds or updates only its row.
Rows given any other way (a plain list, privacy switched) are compared one
by one, unchanged row objects by identity. DataTable (Textual 8.2.8, pinned)
has no way to insert a row at an index, so a new or moved row is added at the
bottom and the row order is then set from the board's order in one pass: the
``_row_locations`` map that :meth:`DataTable.sort` itself replaces, built
from the ids in order (about 2 ms at 10,000 rows, against 13 ms for ``sort``
with a key and 12 ms for each ``remove_row``, which renumbers every row in
Python). DataTable also works out the order of all rows and their line offsets
again after every cell update (about 10 ms at 10,000 rows, on the next paint);
here both are cached until rows come, go or move. These lean on DataTable's
internals (``_data``, ``rows``, ``_row_locations``, ``_update_count``): check
them again whenever Textual is upgraded; ``tests/tui/test_app_board.py``
checks the order, the cells and the cursor after arrivals, moves and removals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, Row, RowDoesNotExist, RowKey

from careterm.core.triage import AckLevel
from careterm.tui.protocol import host
from careterm.views.board import (
    COLUMN_LABELS,
    COLUMNS,
    BoardRow,
    BoardRows,
    PrivateRows,
    RowChanges,
    column_layout,
)

ACK_STYLES = {
    AckLevel.ACKNOWLEDGED: "dim",
    AckLevel.WAITING: "bold",
    AckLevel.WARNING: "bold black on #ffb000",
    AckLevel.ALERT: "bold white on #c01c28",
}


INFORM_STYLE = "bold #5fd7ff"
"""The ``✉ inform`` flag: the reporter is still to be told the resolution."""


URGENCY_STYLES = {"critical": "bold #ff5f5f", "high": "bold #ffb000", "medium": "",
                  "low": "dim"}


def _base_style(row: BoardRow) -> str:
    """Unacknowledged rows are bold throughout."""
    return "" if row.ack.level is AckLevel.ACKNOWLEDGED else "bold"


def styled_cell(row: BoardRow, name: str, value: str, base: str) -> Text:
    """One styled cell of ``row`` (``base``: the row's own style)."""
    style = base
    if name == "ack":
        style = INFORM_STYLE if row.ack.inform else ACK_STYLES[row.ack.level]
    elif name == "urgency":
        style = f"{base} {URGENCY_STYLES.get(value, '')}".strip()
    if name in SHARED_CELLS:
        return _shared_cell(value, style)
    return _cell(value, style)


SHARED_CELLS = frozenset({"urgency", "status", "ack", "age"})
"""Columns of a few short values (``3h05m``, ``● unacked 12m``): one cell object serves
every row showing the same text in the same style (a tick writes thousands)."""


def _cell(value: str, style: str) -> Text:
    # One leading space separates the columns (cell padding 0 saves 8 columns at 80x24).
    return Text(" " + value, style=style, no_wrap=True, overflow="ellipsis", end="")


_shared_cell = lru_cache(maxsize=4_096)(_cell)
"""Rendering never changes a cell's ``Text``, so equal cells can be one object."""


def row_cells(row: BoardRow) -> list[Text]:
    """The styled cells of one row (unacknowledged rows are bold throughout)."""
    base = _base_style(row)
    return [styled_cell(row, name, value, base)
            for name, value in zip(COLUMNS, row.cells(), strict=True)]


class _OneLinePerRow(Sequence[tuple[RowKey, int]]):
    """DataTable's list of (row, line within the row) for each line of the table body,
    for rows all one line high: line ``n`` is the first line of row ``n``."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(row.key, 0) for row in self._rows[index]]
        return self._rows[index].key, 0

    def clear(self) -> None:
        """DataTable.clear() empties the list it caches; here there is nothing to empty
        (the view is dropped with the rows)."""


class BoardTable(DataTable):
    """Open reports, one row each, keyed by incident id."""

    DEFAULT_CSS = """
    BoardTable { scrollbar-size-vertical: 1; }
    """

    # Caches of :attr:`ordered_rows` and :attr:`_y_offsets` (class-level: DataTable's
    # own __init__ reads both before this class's runs).
    _ordered: tuple[object, int, list[Row]] | None = None
    _offsets: tuple[object, int, Sequence[tuple[RowKey, int]]] | None = None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=0,
                         **kwargs)  # type: ignore[arg-type]
        self._shown: dict[str, BoardRow] = {}
        """Each row as shown (masked in privacy mode), by id."""
        self._order: list[str] = []
        self._row_keys: dict[str, RowKey] = {}
        self._widths: dict[str, int] = {}
        self._given: list[BoardRow] = []
        self._generation: int | None = None
        """The :class:`BoardRows` shown, by number (changes since it can be applied)."""
        self._masked = False
        """Whether the rows shown are masked (privacy mode)."""
        self._private = PrivateRows()
        self._column_keys = {name: ColumnKey(name) for name in COLUMNS}

    # ------------------------------------------------------------ columns

    def _layout_width(self) -> int:
        width = self.size.width or self.app.size.width
        return max(40, width - 1)  # one cell for the vertical scrollbar

    def on_mount(self) -> None:
        """Add the columns sized for the current width."""
        layout = column_layout(self._layout_width(), padding=1)
        self._widths = {name: width + 1 if width else 0 for name, width in layout.widths.items()}
        for name in COLUMNS:
            self.add_column(Text(" " + COLUMN_LABELS[name], style="bold"), key=name,
                            width=self._widths[name])
        self.watch(self.app, "privacy", self._privacy_switched, init=False)

    def _privacy_switched(self) -> None:
        """Privacy mode went on or off: show the same rows masked, or plain again."""
        self._show_all(self._given)

    def on_resize(self) -> None:
        """Share the new width between where, what, owner and member."""
        if not self.columns:
            return
        layout = column_layout(self._layout_width(), padding=1)
        widths = {name: width + 1 if width else 0 for name, width in layout.widths.items()}
        if widths == self._widths:
            return
        self._widths = widths
        for name, width in self._widths.items():
            self.columns[ColumnKey(name)].width = width
        # Column widths are cached with the rendered rows.
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh(layout=True)

    def _update_dimensions(self, new_rows: object) -> None:
        """Only the scrollable size changes when rows come and go.

        DataTable measures every cell of every new row to size auto-width
        columns and auto-height rows; the board has neither (fixed widths,
        one line per row), so that pass (a third of the start-up time with
        2,000 reports) is skipped.
        """
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width,
                                 self._total_row_height + header)

    # ------------------------------------------------- row order, cached

    @property
    def ordered_rows(self) -> list[Row]:
        """The rows as they appear on screen, worked out again only when rows came,
        went or moved (DataTable does it after every cell update)."""
        locations, count = self._row_locations, self.row_count
        cached = self._ordered
        if cached is None or cached[0] is not locations or cached[1] != count:
            rows, key_at = self.rows, locations.get_key
            cached = (locations, count, [rows[key_at(index)] for index in range(count)])
            self._ordered = cached
        return cached[2]

    @property
    def _y_offsets(self) -> Sequence[tuple[RowKey, int]]:
        """For each line of the table body: its row and the line within the row,
        cached like :attr:`ordered_rows` (every board row is one line high: a view of
        the rows, not one more object per row)."""
        locations, count = self._row_locations, self.row_count
        cached = self._offsets
        if cached is None or cached[0] is not locations or cached[1] != count:
            ordered = self.ordered_rows
            offsets: Sequence[tuple[RowKey, int]]
            if all(row.height == 1 for row in ordered):
                offsets = _OneLinePerRow(ordered)
            else:
                offsets = [(row.key, y) for row in ordered for y in range(row.height)]
            cached = (locations, count, offsets)
            self._offsets = cached
        return cached[2]

    def clear(self, columns: bool = False) -> BoardTable:
        """Remove every row (and the columns too with ``columns``)."""
        super().clear(columns)
        self._shown, self._order, self._row_keys = {}, [], {}
        self._ordered = self._offsets = None
        return self

    # --------------------------------------------------------------- rows

    @property
    def shown_ids(self) -> list[str]:
        """Incident ids in the order they are shown."""
        return list(self._order)

    def selected_id(self) -> str | None:
        """The id of the row under the cursor, if any."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select_id(self, incident_id: str) -> bool:
        """Move the cursor to ``incident_id``; False when it is not shown."""
        if incident_id not in self._shown:
            return False
        self.move_cursor(row=self.get_row_index(incident_id), animate=False)
        return True

    def show_rows(self, rows: list[BoardRow]) -> None:
        """Make the table show exactly ``rows`` in that order (masked first in privacy mode).

        :class:`BoardRows` that follow the ones shown bring what changed since:
        only that is applied. Anything else is compared with what is shown.
        """
        changes = rows.changes if isinstance(rows, BoardRows) else None
        if (changes is not None and self._shown and changes.base == self._generation
                and self._masked == host(self).privacy):
            self._apply(rows, changes)
        else:
            self._show_all(rows)

    def _show_all(self, rows: list[BoardRow]) -> None:
        """Compare every row given with the one shown; change only what differs."""
        self._given = rows
        self._generation = rows.generation if isinstance(rows, BoardRows) else None
        app = host(self)
        self._masked = app.privacy
        if app.privacy:
            incidents = app.incidents
            rows = [self._private(row, incidents.get(row.id)) for row in rows]
            if len(self._private) > 2 * len(rows) + 100:
                self._private.forget(row.id for row in rows)
        if not self._shown:
            self._fill(rows)
            return
        selected = self.selected_id()
        wanted = {row.id for row in rows}
        self._remove([inc_id for inc_id in self._shown if inc_id not in wanted])
        self._put(rows)
        order = [row.id for row in rows]
        if order != self._order:
            self._reorder(order)
        if selected is not None:
            self._keep_cursor_on(selected)

    def _apply(self, rows: BoardRows, changes: RowChanges) -> None:
        """Apply what changed since the rows shown (``rows`` gives the new order)."""
        self._given = rows
        self._generation = rows.generation
        selected = self.selected_id() if changes.moved else None
        self._remove(changes.removed)
        changed: Iterable[BoardRow] = changes.rows.values()
        app = host(self)
        if app.privacy:
            incidents = app.incidents
            changed = [self._private(row, incidents.get(row.id)) for row in changed]
        self._put(changed)
        if changes.moved:
            order = [row.id for row in rows]
            if order != self._order:  # (a row that only went leaves the order as it is)
                self._reorder(order)
            if selected is not None:
                self._keep_cursor_on(selected)

    def _keep_cursor_on(self, incident_id: str) -> None:
        """The cursor follows its report when rows came, went or moved around it."""
        if incident_id in self._shown:
            index = self.get_row_index(incident_id)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)

    def _fill(self, rows: list[BoardRow]) -> None:
        """Fill the empty table with ``rows``."""
        self.clear()
        for row in rows:
            self._row_keys[row.id] = self.add_row(*row_cells(row), key=row.id)
        self._shown = {row.id: row for row in rows}
        self._order = [row.id for row in rows]

    def _put(self, rows: Iterable[BoardRow]) -> None:
        """Add the rows not shown yet (at the bottom: :meth:`_reorder` places them) and
        write the cells that read differently in the others (one refresh for all: what
        :meth:`DataTable.update_cell` does for each, without a refresh each)."""
        shown, data, row_keys = self._shown, self._data, self._row_keys
        written = False
        for row in rows:
            old = shown.get(row.id)
            if old is None:
                row_keys[row.id] = self.add_row(*row_cells(row), key=row.id)
            elif old is not row:
                cells = self._changed_cells(old, row)
                if cells:
                    row_key = row_keys[row.id]
                    row_data = data.get(row_key)
                    if row_data is None:  # cannot happen (the rows shown are the rows kept)
                        raise RowDoesNotExist(f"no row {row.id!r} to write")
                    for column, value in cells:
                        row_data[self._column_keys[column]] = value
                    written = True
            shown[row.id] = row
        if written:
            self._update_count += 1
            self.refresh()

    @staticmethod
    def _changed_cells(old: BoardRow, new: BoardRow) -> list[tuple[str, Text]]:
        """The cells of ``new`` that differ from ``old`` (every cell when the row's own
        style changed: it was acknowledged)."""
        base = _base_style(new)
        if (new.urgency == old.urgency and new.status == old.status
                and new.where == old.where and new.what == old.what
                and new.member == old.member and new.owner == old.owner
                and base == _base_style(old)):
            # The clock's way: only the age and the acknowledgement cell may differ.
            cells = []
            if new.ack != old.ack:
                cells.append(("ack", styled_cell(new, "ack", new.ack.text, base)))
            if new.age != old.age:
                cells.append(("age", styled_cell(new, "age", new.age, base)))
            return cells
        restyled = base != _base_style(old)
        louder = old.ack != new.ack
        return [(name, styled_cell(new, name, value, base))
                for name, value, before in zip(COLUMNS, new.cells(), old.cells(), strict=True)
                if value != before or restyled or (louder and name == "ack")]

    def _remove(self, ids: Iterable[str]) -> None:
        """Take rows out; the others are numbered again at once (a row added next goes
        at the bottom of a table without gaps)."""
        gone = False
        for inc_id in ids:
            row_key = self._row_keys.pop(inc_id, None)
            self._shown.pop(inc_id, None)
            if row_key is None:
                continue
            gone = True
            for column_key in self._data.pop(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            self.rows.pop(row_key, None)
            self._new_rows.discard(row_key)
        if gone:
            self._require_update_dimensions = True
            self.check_idle()
            self._reorder([inc_id for inc_id in self._order if inc_id in self._row_keys])
            # The cursor (and the mouse's hover) stays inside the shorter table.
            self.cursor_coordinate = self.cursor_coordinate  # clamped; else nothing happens
            hover = self.hover_coordinate
            if hover.row >= self.row_count:
                self.hover_coordinate = Coordinate(max(0, self.row_count - 1), hover.column)

    def _reorder(self, order: list[str]) -> None:
        """Show the rows in ``order`` (exactly the rows there are): what DataTable.sort
        does, from the board's order instead of by comparing cells."""
        row_keys = self._row_keys
        keys = [row_keys[inc_id] for inc_id in order]
        self._row_locations = TwoWayDict(dict(zip(keys, range(len(keys)), strict=True)))
        self._order = order
        self._update_count += 1
        self.refresh()

    def cell_text(self, incident_id: str, column: str) -> str:
        """The text shown in one cell (for tests and screen readers)."""
        return self.get_cell(incident_id, column).plain.strip()
