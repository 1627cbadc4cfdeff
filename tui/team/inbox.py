"""The shared inbox: indicators other CERTs and partners published that this team
may read over TAXII (TLP, producer, and how often the teams whose Sightings the team
may read have seen each); deploy one with one key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.client import SharedIndicator
from tui.team.pane import Col, FitTable, Pane
from tui.widgets.tables import selected_key


class SharedInbox(Pane):
    BINDINGS = [
        Binding("d", "deploy", "Deploy"),
        Binding("ctrl+r", "refresh_shared", "Refresh"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.shared: dict[str, SharedIndicator] = {}

    def compose(self) -> ComposeResult:
        yield FitTable(
            (
                Col("shared", "created", 8),
                Col("producer", "producer", 8),
                Col("TLP", "tlp", 10),
                Col("state", "state", 8),
                Col("seen", "seen", 4),
                Col("name", "name", 8, 1),
                Col("pattern", "pattern", 8, 4),
            ),
            id="inbox-table",
        )
        yield Static("Nothing shared with you yet.", id="inbox-status", markup=False)

    @property
    def table(self) -> DataTable:
        return self.query_one("#inbox-table", DataTable)

    def show(self, shared: list[SharedIndicator], deployed: set[str]) -> None:
        table = self.table
        was = selected_key(table)
        table.clear()
        self.shared = {s.indicator_id: s for s in shared}
        for s in reversed(shared):
            table.add_row(
                s.created[11:19],
                s.producer,
                s.tlp,
                "deployed" if s.indicator_id in deployed else "",
                str(s.sightings) if s.sightings else "",
                s.name,
                s.pattern,
                key=s.indicator_id,
            )
        if was in self.shared:
            table.move_cursor(row=table.get_row_index(was), animate=False)
        self._describe()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe()

    def _describe(self) -> None:
        status = self.query_one("#inbox-status", Static)
        key = selected_key(self.table)
        s = self.shared.get(key) if key else None
        if s is None:
            status.update("Nothing shared with you yet.")
            return
        seen = (
            f"sighted {s.sightings} time(s) by {', '.join(s.sighted_by)}"
            if s.sightings
            else "no sightings yet"
        )
        status.update(
            f"{len(self.shared)} shared · {s.name or s.indicator_id} from {s.producer},"
            f" {s.tlp}, {seen} · d deploys it"
        )

    def action_deploy(self) -> None:
        key = selected_key(self.table)
        if key is None:
            return
        self.console.act(
            f"deploy shared {key}",
            lambda c: c.import_indicator(key),
            lambda _: self.console.refresh_part("indicators"),
        )

    def action_refresh_shared(self) -> None:
        self.console.refresh_part("shared")
