"""Filling a DataTable from a list of rows without flicker."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.widgets import DataTable

Row = tuple[str, Sequence[object]]
"""A row's key and its cells."""


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the table's cursor, or ``None`` when it is empty."""
    if table.row_count == 0:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return row_key.value


def fill(table: DataTable, rows: Sequence[Row]) -> bool:
    """Show ``rows`` in ``table``, the cursor staying on the row it was on; a table
    already showing exactly these rows is left alone (no redraw, no jumping column
    widths). Returns whether it changed."""
    shown = [(str(key.value), [str(c) for c in table.get_row(key)]) for key in list(table.rows)]
    wanted = [(key, [str(c) for c in cells]) for key, cells in rows]
    if shown == wanted:
        return False
    current = selected_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    _measure(table, [cells for _, cells in wanted])
    keys = [key for key, _ in rows]
    if current in keys:
        table.move_cursor(row=keys.index(current))
    return True


def _measure(table: DataTable, rows: list[list[str]]) -> None:
    """Size auto-width columns to their cells now. A table measures new rows only
    when it is next idle, and rows it draws before that keep the header's widths in
    its render cache, truncated, until something else changes."""
    for index, column in enumerate(table.ordered_columns):
        if column.auto_width:
            widest = max((cell_len(row[index]) for row in rows if index < len(row)), default=0)
            column.content_width = max(column.content_width, widest)
