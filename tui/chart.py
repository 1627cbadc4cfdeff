"""A score-over-time chart (textual-plotext): one line per team over simulated time.

:class:`ScoreChart` shows a :class:`~range.api.models.ScoreHistory` (``GET
/api/scoreboard/history``): each team's running total as a step line from the
scenario's start (0 points) to the simulated time now, on an x axis that spans the
whole scenario (so the chart does not rescale as the exercise runs) labelled with the
simulated clock. Lines are drawn with block characters in colours chosen for the
theme's background (a colour-blind-safe palette, lighter on dark themes), and a team
keeps its colour as the ranking changes (:func:`team_color`, by the order of the
history's teams, which is the scenario's). The widget does no I/O: an app reads the
history through its client and calls :meth:`ScoreChart.show`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from textual_plotext import PlotextPlot

from range.api.models import HistoryPoint, ScoreHistory

# Okabe and Ito's colour-blind-safe palette without yellow and black (which vanish on
# one background or the other), darker for light themes and lighter for dark ones.
LIGHT_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 94, 158),
    (196, 84, 0),
    (0, 128, 92),
    (170, 68, 140),
    (70, 130, 180),
    (160, 110, 0),
    (90, 90, 90),
)
DARK_PALETTE: tuple[tuple[int, int, int], ...] = (
    (86, 180, 233),
    (230, 159, 0),
    (0, 200, 150),
    (220, 140, 190),
    (150, 170, 255),
    (240, 228, 66),
    (200, 200, 200),
)
TICKS = 6
"""The most clock labels the x axis gets."""


def team_color(index: int, *, dark: bool) -> tuple[int, int, int]:
    """The RGB colour of the ``index``-th team's line on a dark or light background."""
    palette = DARK_PALETTE if dark else LIGHT_PALETTE
    return palette[index % len(palette)]


def steps(
    points: Sequence[HistoryPoint], start: float, now: float
) -> tuple[list[float], list[float]]:
    """A running total as a step line in minutes since ``start``: flat from (0, 0)
    until each change, up or down at the change, and flat again until ``now``."""
    xs, ys = [0.0], [0.0]
    total = 0.0
    for point in points:
        minute = (point.time - start) / 60
        xs += [minute, minute]
        ys += [total, point.total]
        total = point.total
    end = max((now - start) / 60, xs[-1])
    xs.append(end)
    ys.append(total)
    return xs, ys


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering
    ``low``..``high``, at most ``most`` of them."""
    span = max(high - low, 1e-9)
    magnitude = 10 ** math.floor(math.log10(span))
    for step in (magnitude / 10 * f for f in (1, 2, 5, 10, 20, 50, 100)):
        first = math.floor(low / step) * step
        count = math.ceil((high - first) / step) + 1
        if count <= most:
            return [round(first + i * step, 6) for i in range(count)]
    return [low, high]


def _clock(t: float, *, seconds: bool = False) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S" if seconds else "%H:%M")


class ScoreChart(PlotextPlot):
    """Every team's total over simulated time (see the module docstring)."""

    DEFAULT_CSS = """
    ScoreChart {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(
        self,
        *,
        title: str = "",
        legend: bool = True,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.legend = legend
        self.history: ScoreHistory | None = None
        self.teams: list[str] = []
        """The teams drawn, in colour order (tests read it)."""

    def show(self, history: ScoreHistory) -> None:
        """Draw ``history`` (every team in it, in its order)."""
        self.history = history
        self.teams = [t.team for t in history.teams]
        self.refresh()

    def color_of(self, team: str) -> tuple[int, int, int]:
        """The colour ``team``'s line has in the current theme."""
        index = self.teams.index(team) if team in self.teams else 0
        return team_color(index, dark=self.app.current_theme.dark)

    def render(self):  # noqa: ANN201 (Textual's RenderResult)
        self._draw()
        return super().render()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.title(self.title)
        history = self.history
        if history is None:
            return
        dark = self.app.current_theme.dark
        start = history.start
        span = max(history.duration, history.now - start, 60.0) / 60
        low, high = 0.0, 10.0
        for i, team in enumerate(history.teams):
            xs, ys = steps(team.points, start, history.now)
            low, high = min(low, *ys), max(high, *ys)
            label = team.team if self.legend else None
            plt.plot(xs, ys, color=team_color(i, dark=dark), marker="hd", label=label)
        yticks = nice_ticks(low, high, most=6 if self.size.height >= 12 else 4)
        plt.ylim(yticks[0], yticks[-1])
        plt.yticks(yticks, [f"{y:g}" for y in yticks])
        xticks = nice_ticks(0, span, most=TICKS)
        plt.xlim(0, xticks[-1])
        labels = [_clock(start + minute * 60) for minute in xticks]
        if len(set(labels)) < len(labels):  # a short scenario: show the seconds
            labels = [_clock(start + minute * 60, seconds=True) for minute in xticks]
        plt.xticks(xticks, labels)
