"""The board's table: a virtualised DataTable updated row by row, never rebuilt per tick.

Cells are rich ``Text`` made from plain values, so user text is never read
as markup. Escalation shows as colour *and* as the symbol and words the core
puts in the acknowledgement cell (``⚠ unacked 17m``, ``‼ unacked 31m``); so
does a resolution still to be told to the reporter (``✉ inform``).

Privacy mode is the table's own business: it watches the app's ``privacy``
and, while it is on, shows every row through
:class:`careterm.views.board.PrivateRows` (names and contacts masked in where
and what, once per version of a report), so the screen gives it plain rows
either way and switching it redraws only the cells that change.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from careterm.core.triage import AckLevel
from careterm.tui.protocol import host
from careterm.views.board import COLUMN_LABELS, COLUMNS, BoardRow, PrivateRows, column_layout

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


REBUILD_THRESHOLD = 50
"""Removing more rows than this at once rebuilds the table (each removal is O(rows))."""


def row_cells(row: BoardRow) -> list[Text]:
    """The styled cells of one row (unacknowledged rows are bold throughout)."""
    unacked = row.ack.level is not AckLevel.ACKNOWLEDGED
    base = "bold" if unacked else ""
    cells = []
    for name, value in zip(COLUMNS, row.cells(), strict=True):
        style = base
        if name == "ack":
            style = INFORM_STYLE if row.ack.inform else ACK_STYLES[row.ack.level]
        elif name == "urgency":
            style = f"{base} {URGENCY_STYLES.get(value, '')}".strip()
        # One leading space separates the columns (cell padding 0 saves 8 columns at 80x24).
        cells.append(Text(" " + value, style=style, no_wrap=True, overflow="ellipsis", end=""))
    return cells


class BoardTable(DataTable):
    """Open reports, one row each, keyed by incident id."""

    DEFAULT_CSS = """
    BoardTable { scrollbar-size-vertical: 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=0,
                         **kwargs)  # type: ignore[arg-type]
        self._shown: dict[str, BoardRow] = {}
        self._order: list[str] = []
        self._widths: dict[str, int] = {}
        self._given: list[BoardRow] = []
        self._private = PrivateRows()

    # ------------------------------------------------------------ columns

    def _layout_width(self) -> int:
        width = self.size.width or self.app.size.width
        return max(40, width - 1)  # one cell for the vertical scrollbar

    def on_mount(self) -> None:
        """Add the columns sized for the current width."""
        layout = column_layout(self._layout_width(), padding=1)
        self._widths = {name: width + 1 for name, width in layout.widths.items()}
        for name in COLUMNS:
            self.add_column(Text(" " + COLUMN_LABELS[name], style="bold"), key=name,
                            width=self._widths[name])
        self.watch(self.app, "privacy", self._privacy_switched, init=False)

    def _privacy_switched(self) -> None:
        """Privacy mode went on or off: show the same rows masked, or plain again."""
        self.show_rows(self._given)

    def on_resize(self) -> None:
        """Share the new width between where, what and member."""
        if not self.columns:
            return
        layout = column_layout(self._layout_width(), padding=1)
        widths = {name: width + 1 for name, width in layout.widths.items()}
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
        """Make the table show exactly ``rows`` in that order, changing only what differs
        (masked first in privacy mode)."""
        self._given = rows
        app = host(self)
        if app.privacy:
            incidents = app.incidents
            rows = [self._private(row, incidents.get(row.id)) for row in rows]
            if len(self._private) > 2 * len(rows) + 100:
                self._private.forget(row.id for row in rows)
        selected = self.selected_id()
        wanted = {row.id: row for row in rows}
        removed = [key for key in self._shown if key not in wanted]
        if not self._shown or len(removed) > REBUILD_THRESHOLD:
            self._rebuild(rows)
        else:
            for key in removed:
                self.remove_row(key)
                del self._shown[key]
            for row in rows:
                old = self._shown.get(row.id)
                if old is None:
                    self.add_row(*row_cells(row), key=row.id)
                elif old != row:
                    self._update_row(old, row)
                self._shown[row.id] = row
            order = [row.id for row in rows]
            if order != self._order or removed:
                position = {key: index for index, key in enumerate(order)}
                self.sort("id", key=lambda cell: position[cell.plain.strip()])
            self._order = order
        if selected is not None and selected in self._shown:
            self.select_id(selected)

    def _rebuild(self, rows: list[BoardRow]) -> None:
        self.clear()
        self.add_rows_keyed(rows)

    def add_rows_keyed(self, rows: list[BoardRow]) -> None:
        """Add ``rows`` at the bottom (used to fill an empty table)."""
        for row in rows:
            self.add_row(*row_cells(row), key=row.id)
        self._shown = {row.id: row for row in rows}
        self._order = [row.id for row in rows]

    def _update_row(self, old: BoardRow, new: BoardRow) -> None:
        old_cells, new_cells = old.cells(), new.cells()
        loudness_changed = old.ack.level != new.ack.level
        styled = row_cells(new)
        row_key = RowKey(new.id)
        for index, name in enumerate(COLUMNS):
            if loudness_changed or old_cells[index] != new_cells[index]:
                self.update_cell(row_key, name, styled[index])

    def cell_text(self, incident_id: str, column: str) -> str:
        """The text shown in one cell (for tests and screen readers)."""
        return self.get_cell(incident_id, column).plain.strip()
