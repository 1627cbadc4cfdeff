"""The scoreboard app: the ranking with a column per score category and every team's
score over time, for a projector (on a tall screen, the totals in big digits too);
read-only, so any account may open it (partners too).

It polls the range API (``/exercise``, ``/scoreboard``, ``/scoreboard/history``)
every few seconds in a thread worker, since partners may not follow the event log,
and redraws only when the answer changed. When the server goes away the title line
says so and polling goes on until it is back.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from range.api.models import ExerciseView, Scoreboard, ScoreHistory
from tui.chart import ScoreChart
from tui.client import ConsoleClient
from tui.errors import ClientError, ConnectionLostError
from tui.scoreboard.podium import TALL, Podium
from tui.scoreboard.ranking import RankingTable
from tui.widgets.ui_calls import UiCalls, run_on_ui


@dataclass(frozen=True)
class Reading:
    """One poll: the exercise, the scoreboard and its history."""

    exercise: ExerciseView
    board: Scoreboard
    history: ScoreHistory


class ScoreboardApp(UiCalls, App[None]):
    CSS_PATH = "scoreboard.tcss"
    TITLE = "Grapevine scoreboard"
    BINDINGS = [
        Binding("f5", "poll", "Refresh"),
        Binding("f10", "toggle_theme", "Theme"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, client: ConsoleClient, *, every: float = 2.0) -> None:
        super().__init__()
        self.client = client
        self.every = every
        self.reading: Reading | None = None
        self.loaded = False
        """True once the first reading is on screen (tests wait for it)."""
        self.link = "connecting…"

    def compose(self) -> ComposeResult:
        yield Static("Grapevine scoreboard · connecting…", id="board-title")
        yield Podium(id="podium")
        yield RankingTable(id="ranking")
        yield ScoreChart(id="chart", legend=False)
        yield Footer()

    def on_ready(self) -> None:
        self.action_poll()
        self.set_interval(self.every, self.action_poll)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def watch_theme(self) -> None:
        """Team colours depend on the theme: draw the swatches again."""
        if self.reading is not None:
            self._draw(self.reading)

    def on_resize(self) -> None:
        self.query_one(Podium).display = self.size.height >= TALL
        if self.reading is not None:
            self._draw(self.reading)

    # -- reading -------------------------------------------------------------------------

    def action_poll(self) -> None:
        self.poll()

    @work(thread=True, exclusive=True, group="poll")
    def poll(self) -> None:
        """Read the exercise, the scoreboard and its history; show them if changed."""
        worker = get_current_worker()
        client = self.client
        try:
            reading = Reading(client.exercise(), client.scoreboard(), client.score_history())
        except ConnectionLostError as exc:
            self._from_thread(self.show_lost, exc.detail)
            return
        except ClientError as exc:
            self._from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        if not worker.is_cancelled:
            self._from_thread(self.show, reading)

    def _from_thread(self, callback, *args, **kw) -> None:  # noqa: ANN001
        run_on_ui(self, callback, *args, **kw)

    # -- showing ---------------------------------------------------------------------------

    def show_lost(self, reason: str) -> None:
        self.link = f"○ connection lost ({reason}); retrying every {self.every:g}s"
        self.query_one("#board-title").add_class("down")
        if self.reading is not None:
            self._title(self.reading.exercise)

    def show(self, reading: Reading) -> None:
        self.link = "● live"
        self.query_one("#board-title").remove_class("down")
        if reading != self.reading:
            self.reading = reading
            self._draw(reading)
        else:
            self._title(reading.exercise)
        self.loaded = True

    def _title(self, view: ExerciseView) -> None:
        clock = view.clock
        state = "paused" if clock.paused and view.status == "running" else view.status
        self.query_one("#board-title", Static).update(
            f"{view.title} · {state} · {clock.time[11:19]}"
            f" (+{clock.elapsed / 60:.0f}m of {clock.duration / 60:.0f}m) · {self.link}"
        )

    def _draw(self, reading: Reading) -> None:
        self._title(reading.exercise)
        chart = self.query_one(ScoreChart)
        chart.show(reading.history)
        names = {t.id: t.name for t in reading.exercise.teams}
        colors = {t.team: chart.color_of(t.team) for t in reading.history.teams}
        self.query_one(RankingTable).show(reading.board.teams, names, colors)
        self.query_one(Podium).show(reading.board.teams, names, colors)
