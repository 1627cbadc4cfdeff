"""What every pane of the team console shares: the way to its app's client, and
tables whose columns share the width they are given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from tui.widgets.tables import selected_key

if TYPE_CHECKING:
    from tui.team.app import TeamApp


class Pane(Vertical):
    """A tab of the console. Panes do no I/O: they ask :meth:`TeamApp.act` to run a
    client call in a worker and get the server's answer back on the UI thread."""

    @property
    def console(self) -> TeamApp:
        return cast("TeamApp", self.app)


@dataclass(frozen=True)
class Col:
    """A column of a :class:`FitTable`: at least ``least`` cells wide, and ``share``
    parts of whatever width is left over once every column has its least."""

    label: str
    key: str
    least: int
    share: int = 0
    wide: int = 0
    """Below this table width the column gets no cells (only its padding: put such
    columns last, where that is blank space at the edge)."""


class FitTable(DataTable[Any]):
    """A row-cursor table whose columns fill its width: each gets its least width and
    the rest is shared out by :attr:`Col.share` (at 80 columns nothing overflows, at
    160 the wide columns show more). Cells cut at their column's width."""

    def __init__(self, columns: tuple[Col, ...], **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self.spec = columns
        for col in columns:
            self.add_column(col.label, key=col.key, width=col.least)

    def add_row(self, *cells: Any, **kw: Any) -> Any:
        """A row whose text cells are shown as they are (a pattern's brackets are not
        markup)."""
        plain = (Text(c, no_wrap=True, end="") if isinstance(c, str) else c for c in cells)
        return super().add_row(*plain, **kw)

    def put_first(self, rows: Sequence[tuple[str, Sequence[Any]]], keep: int) -> None:
        """Put ``rows`` (key, cells; top first) above the rows there and keep at most
        ``keep`` rows, dropping from the bottom, as one change of the table: no sort
        and one re-render, however many rows. The cursor stays on the row it was on,
        unless that was the top row (it then shows the newest) or a dropped one.

        DataTable can only append a row or sort them all (each costs a render of
        every visible line): this appends, then renumbers its row order
        (``_row_locations``) once and drops the surplus rows itself."""
        if not rows:
            return
        top = self.row_count == 0 or self.cursor_row == 0
        before = selected_key(self)
        for key, cells in rows:
            self.add_row(*cells, key=key)
        old = [self._row_locations.get_key(i) for i in range(self.row_count)]
        order = old[-len(rows) :] + old[: -len(rows)]
        for key in order[keep:]:
            del self.rows[key]
            del self._data[key]
            self._new_rows.discard(key)
        self._row_locations = TwoWayDict({key: i for i, key in enumerate(order[:keep])})
        self._update_count += 1
        self._require_update_dimensions = True
        if top or before is None or RowKey(before) not in self.rows:
            row = 0
        else:
            row = self._row_locations.get(RowKey(before)) or 0
        self.cursor_coordinate = Coordinate(row, 0)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width)

    def fit(self, width: int) -> None:
        """Share ``width`` cells between the columns (less the cells' padding and the
        vertical scrollbar)."""
        shown = [col.wide <= width for col in self.spec]
        padding = 2 * self.cell_padding * len(self.spec)
        least = sum(c.least for c, s in zip(self.spec, shown, strict=True) if s)
        spare = max(0, width - 2 - padding - least)
        share = [c.share if s else 0 for c, s in zip(self.spec, shown, strict=True)]
        given = 0
        widths: list[int] = []
        for col, on, part in zip(self.spec, shown, share, strict=True):
            extra = spare * part // (sum(share) or 1)
            given += extra
            widths.append(col.least + extra if on else 0)
        last = max(range(len(self.spec)), key=lambda i: share[i])
        widths[last] += spare - given if any(share) else 0
        for col, w in zip(self.columns.values(), widths, strict=True):
            col.width = w
        # DataTable has no public way to re-measure its columns: clear its render
        # caches and ask for its dimensions again, as add_column does.
        self._clear_caches()
        self._require_update_dimensions = True
        self.refresh()
