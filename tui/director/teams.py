"""Every team at a glance: score (per category), detections, alerts, false positives,
shares, imports and responses; the highlighted team's detail below."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from range.api.models import BoardRow, Scoreboard, TeamInfo
from tui.director.overview import Overview
from tui.director.pane import Pane
from tui.widgets.tables import fill, selected_key

CATEGORIES = ("detection", "response", "sharing", "availability", "false-positive", "sitrep")
SHORT = {"false-positive": "fp pts", "availability": "avail"}
WIDE = 120
"""Columns from which the score's categories get columns of their own (narrower,
the highlighted team's are in the detail below)."""
COLUMNS = (
    ("team", "team"),
    ("score", "score"),
    ("detections", "detect"),
    ("alerts", "alerts"),
    ("fps", "FPs"),
    ("shares", "shares"),
    ("imports", "imports"),
    ("responses", "resp"),
)


class TeamsPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.teams: list[TeamInfo] = []
        self.board: dict[str, BoardRow] = {}
        self.wide: bool | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="teams-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="team-detail", classes="detail")

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= WIDE
        if wide != self.wide:
            self.wide = wide
            table = self.table
            table.clear(columns=True)
            for key, label in COLUMNS:
                table.add_column(label, key=key)
            for name in CATEGORIES if wide else ():
                table.add_column(SHORT.get(name, name), key=name)
            self.redraw()

    @property
    def table(self) -> DataTable:
        return self.query_one("#teams-table", DataTable)

    def show_teams(self, teams: list[TeamInfo]) -> None:
        self.teams = teams
        self.redraw()

    def show_board(self, board: Scoreboard) -> None:
        self.board = {row.team: row for row in board.teams}
        self.redraw()

    def redraw(self) -> None:
        """Draw the table again from the teams, the scoreboard and the overview
        (highest score first; the cursor stays on its team)."""
        table = self.table
        if self.wide is None:  # no columns before the first resize
            return
        overview = self.console.overview
        ranked = sorted(self.teams, key=lambda t: (-self._total(t.id), t.id))
        rows = []
        for team in ranked:
            activity = overview.team(team.id)
            row = self.board.get(team.id)
            sums = row.categories if row else {}
            cells = (
                team.id,
                f"{self._total(team.id):g}",
                len(activity.detections),
                activity.alerts,
                activity.false_positives,
                activity.shares,
                activity.imports,
                activity.responses,
                *(f"{sums.get(name, 0):g}" for name in CATEGORIES if self.wide),
            )
            rows.append((team.id, cells))
        fill(table, rows)
        self._show_detail()

    def _total(self, team: str) -> float:
        row = self.board.get(team)
        return row.total if row else 0.0

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        key = selected_key(self.table)
        team = next((t for t in self.teams if t.id == key), None)
        if team is None:
            return
        row = self.board.get(team.id)
        detail = team_detail(team, self.console.overview, row.categories if row else {})
        self.query_one("#team-detail", Static).update(detail)


def team_detail(team: TeamInfo, overview: Overview, categories: dict[str, float]) -> str:
    """Who the team is, its points per category, what it detected, who helped it and
    whom it helped."""
    activity = overview.team(team.id)
    points = ", ".join(f"{n} {categories[n]:g}" for n in CATEGORIES if categories.get(n))
    detected = ", ".join(sorted(activity.detections)) or "nothing yet"
    helped_by = [e.producer for e in overview.edges.values() if e.consumer == team.id]
    helped = [e.consumer for e in overview.edges.values() if e.producer == team.id]
    return (
        f"{team.id}: {team.name} ({team.country}) · detected: {detected}\n"
        f"points: {points or 'none yet'}\n"
        f"helped by: {', '.join(sorted(helped_by)) or 'nobody'}"
        f" · helped: {', '.join(sorted(helped)) or 'nobody'}"
    )
