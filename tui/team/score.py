"""The score panel: the total, per category, and every explained score line.
(A score-over-time chart is for later.)"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from range.api.models import TeamScore
from tui.team.cells import clock
from tui.team.pane import Pane


class ScorePanel(Pane):
    def compose(self) -> ComposeResult:
        yield Static("Score: -", id="score-total")
        table: DataTable = DataTable(id="score-table", cursor_type="row", zebra_stripes=True)
        table.add_column("time", key="time", width=8)
        table.add_column("points", key="points", width=7)
        table.add_column("category", key="category", width=12)
        table.add_column("inject", key="inject", width=10)
        table.add_column("why", key="why", width=100)
        yield table

    def show(self, score: TeamScore) -> None:
        parts = "  ".join(f"{k} {v:g}" for k, v in score.categories.items() if v)
        self.query_one("#score-total", Static).update(
            f"Score {score.total:g}" + (f"   ({parts})" if parts else "")
        )
        table = self.query_one("#score-table", DataTable)
        table.clear()
        for i, line in enumerate(score.lines):
            table.add_row(
                clock(line.time),
                f"{line.points:+g}",
                line.category,
                line.inject or "",
                line.why,
                key=str(i),
            )
