"""The score chart: step lines from the history's points, round ticks, and a colour
per team that reads on the theme's background."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from range.api.models import HistoryPoint, ScoreHistory
from tui.chart import DARK_PALETTE, LIGHT_PALETTE, ScoreChart, nice_ticks, steps

START = 1_767_600_000.0
HISTORY = ScoreHistory(
    scenario="s",
    start=START,
    now=START + 600,
    duration=1200,
    teams=[
        {
            "team": "ee",
            "total": 30,
            "points": [{"time": START + 60, "total": 10}, {"time": START + 300, "total": 30}],
        },
        {"team": "lv", "total": -2, "points": [{"time": START + 120, "total": -2}]},
    ],
)


def test_steps_rise_at_each_point_and_run_on_to_now():
    points = [HistoryPoint(time=START + 60, total=10), HistoryPoint(time=START + 300, total=30)]
    xs, ys = steps(points, START, START + 600)
    assert list(zip(xs, ys, strict=True)) == [(0, 0), (1, 0), (1, 10), (5, 10), (5, 30), (10, 30)]
    assert steps([], START, START) == ([0.0, 0.0], [0.0, 0.0])


def test_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(-3, 44.5) == [-20, 0, 20, 40, 60]
    for low, high in [(0, 1234), (-50, 3), (0, 0.5), (0, 100)]:
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and len(ticks) <= 6


class Chart(App[None]):
    def compose(self) -> ComposeResult:
        yield ScoreChart(title="score")


def test_each_team_has_a_line_in_a_colour_for_the_theme():
    async def main() -> None:
        app = Chart()
        async with app.run_test(size=(80, 24)) as pilot:
            chart = app.query_one(ScoreChart)
            chart.show(HISTORY)
            await pilot.pause()
            assert chart.teams == ["ee", "lv"]
            assert [chart.color_of(t) for t in chart.teams] == list(DARK_PALETTE[:2])
            drawn = chart.render().plain
            assert "score" in drawn  # the title
            for tick in ("08:00", "08:05", "08:10", "08:15", "08:20"):  # the whole scenario
                assert tick in drawn
            app.theme = "textual-light"
            await pilot.pause()
            assert [chart.color_of(t) for t in chart.teams] == list(LIGHT_PALETTE[:2])
            colours = {
                span.style.color.triplet
                for span in chart.render().spans
                if span.style and span.style.color and span.style.color.triplet
            }
            assert {tuple(c) for c in colours} >= set(LIGHT_PALETTE[:2])

    asyncio.run(main())
