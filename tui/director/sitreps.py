"""Situation reports from the teams, those to score first, newest first; score the
highlighted one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from tui.director.overview import SitrepEntry
from tui.director.pane import Pane
from tui.team.cells import clock
from tui.widgets.tables import fill, selected_key


class SitrepsPane(Pane):
    BINDINGS = [Binding("ctrl+s", "score", "Score sitrep")]

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(id="sitrep-table", cursor_type="row", zebra_stripes=True)
        table.add_column("sitrep", key="sitrep")
        table.add_column("team", key="team")
        table.add_column("time", key="time", width=8)
        table.add_column("points", key="points", width=6)
        table.add_column("report", key="text")
        yield table
        yield Static("No situation reports yet.", id="sitrep-detail", classes="detail")
        with Horizontal(id="score-form"):
            yield Input(placeholder="points 0-100", id="sitrep-points", compact=True)
            yield Input(placeholder="comment (Enter scores)", id="sitrep-comment", compact=True)

    @property
    def table(self) -> DataTable:
        return self.query_one("#sitrep-table", DataTable)

    def redraw(self) -> None:
        sitreps = sorted(
            self.console.overview.sitreps.values(), key=lambda s: (s.points is not None, -s.time)
        )
        rows = []
        for s in sitreps:
            points = "" if s.points is None else f"{s.points:g}"
            first_line = s.text.splitlines()[0] if s.text else ""
            rows.append((s.sitrep_id, (s.sitrep_id, s.team, clock(s.time), points, first_line)))
        fill(self.table, rows)
        self._show_detail()

    def current(self) -> SitrepEntry | None:
        key = selected_key(self.table)
        return self.console.overview.sitreps.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        s = self.current()
        if s is None:
            return
        scored = "not scored" if s.points is None else f"scored {s.points:g}: {s.comment or '-'}"
        self.query_one("#sitrep-detail", Static).update(
            f"{s.sitrep_id} from {s.team} at {clock(s.time)} ({scored})\n{s.text}"
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_score()

    def action_score(self) -> None:
        sitrep = self.current()
        if sitrep is None:
            self.notify("no situation report to score", severity="warning")
            return
        text = self.query_one("#sitrep-points", Input).value.strip()
        try:
            points = float(text)
        except ValueError:
            self.notify(f"points {text!r} is not a number", severity="error")
            self.query_one("#sitrep-points", Input).focus()
            return
        comment = self.query_one("#sitrep-comment", Input).value.strip()
        self.console.act(
            f"score {sitrep.sitrep_id}",
            lambda c: c.score_sitrep(sitrep.sitrep_id, points, comment),
            lambda _: self.scored(sitrep.sitrep_id, points),
        )

    def scored(self, sitrep_id: str, points: float) -> None:
        for selector in ("#sitrep-points", "#sitrep-comment"):
            self.query_one(selector, Input).value = ""
        self.notify(f"{sitrep_id} scored {points:g}")
        self.table.focus()
