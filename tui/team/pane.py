"""What every pane of the team console shares: the way to its app's client."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.containers import Vertical
from textual.widgets import DataTable

if TYPE_CHECKING:
    from tui.team.app import TeamApp


class Pane(Vertical):
    """A tab of the console. Panes do no I/O: they ask :meth:`TeamApp.act` to run a
    client call in a worker and get the server's answer back on the UI thread."""

    @property
    def console(self) -> TeamApp:
        return cast("TeamApp", self.app)


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the table's cursor, or ``None`` when it is empty."""
    if table.row_count == 0:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return row_key.value
