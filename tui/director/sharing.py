"""The sharing graph: an edge from a producer team to each consumer team that
imported its indicators or got alerts from them, with the counts and the indicators."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from tui.director.overview import Edge, Overview
from tui.director.pane import Pane
from tui.widgets.tables import fill, selected_key


def edge_key(edge: Edge) -> str:
    return f"{edge.producer}>{edge.consumer}"


def indicator_list(edge: Edge, overview: Overview) -> str:
    """The edge's indicators by name, with the alerts each raised: ``scan (3), c2``."""
    parts = []
    for indicator_id, alerts in sorted(edge.indicators.items(), key=lambda kv: (-kv[1], kv[0])):
        name = overview.indicator_name(indicator_id)
        parts.append(f"{name} ({alerts})" if alerts else name)
    return ", ".join(parts)


class SharingPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.edges: dict[str, Edge] = {}

    def compose(self) -> ComposeResult:
        yield Static("Nobody has used another team's indicator yet.", id="sharing-status")
        table: DataTable = DataTable(id="sharing-table", cursor_type="row", zebra_stripes=True)
        table.add_column("producer", key="producer")
        table.add_column("→ consumer", key="consumer")
        table.add_column("imports", key="imports")
        table.add_column("alerts", key="alerts")
        table.add_column("indicators (alerts raised)", key="indicators")
        yield table
        yield Static("", id="edge-detail", classes="detail")

    @property
    def table(self) -> DataTable:
        return self.query_one("#sharing-table", DataTable)

    def redraw(self) -> None:
        """Draw the edges again from the overview (most alerts first)."""
        overview = self.console.overview
        edges = sorted(
            overview.edges.values(), key=lambda e: (-e.alerts, -e.imports, e.producer, e.consumer)
        )
        self.edges = {edge_key(e): e for e in edges}
        rows = [
            (
                edge_key(e),
                (e.producer, e.consumer, e.imports, e.alerts, indicator_list(e, overview)),
            )
            for e in edges
        ]
        fill(self.table, rows)
        if edges:
            producers = len({e.producer for e in edges})
            consumers = len({e.consumer for e in edges})
            alerts = sum(e.alerts for e in edges)
            self.query_one("#sharing-status", Static).update(
                f"{len(edges)} edge(s): {producers} team(s) helped {consumers};"
                f" {alerts} alert(s) raised by shared indicators"
            )
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        key = selected_key(self.table)
        edge = self.edges.get(key) if key else None
        if edge is None:
            return
        overview = self.console.overview
        lines = [
            f"{edge.producer} → {edge.consumer}: {edge.imports} import(s), {edge.alerts} alert(s)"
        ]
        for indicator_id, alerts in sorted(edge.indicators.items()):
            name = overview.indicator_name(indicator_id)
            lines.append(f"  {name} · {indicator_id} · {alerts} alert(s)")
        self.query_one("#edge-detail", Static).update("\n".join(lines))
