"""The score panel: the total, per category, the team's total over simulated time
(a :class:`~tui.chart.ScoreChart` of ``GET /api/scoreboard/history?team=...``) and
every explained score line."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from range.api.models import ScoreHistory, TeamScore
from tui.chart import ScoreChart
from tui.team.cells import clock
from tui.team.pane import Col, FitTable, Pane


class ScorePanel(Pane):
    DEFAULT_CSS = """
    ScorePanel #score-chart {
        height: 45%;
        min-height: 7;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Score: -", id="score-total")
        yield ScoreChart(id="score-chart", legend=False)
        yield FitTable(
            (
                Col("time", "time", 8),
                Col("points", "points", 6),
                Col("category", "category", 10, 1),
                Col("inject", "inject", 8, 1),
                Col("why", "why", 20, 6),
            ),
            id="score-table",
        )

    def show(self, score: TeamScore) -> None:
        """Read the team's score history, then show it with ``score`` (the chart and
        the lines change together, and agree)."""
        team = score.team
        self.console.act(
            "read score history",
            lambda client: client.score_history(team),
            partial(self.show_with_history, score),
            group="read-score-history",
            background=True,  # the status line tells of a lost connection
        )

    def show_with_history(self, score: TeamScore, history: ScoreHistory) -> None:
        parts = "  ".join(f"{k} {v:g}" for k, v in score.categories.items() if v)
        self.query_one("#score-total", Static).update(
            f"Score {score.total:g}" + (f"   ({parts})" if parts else "")
        )
        self.query_one(ScoreChart).show(history)
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
