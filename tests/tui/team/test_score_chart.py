"""The team console's score tab draws the team's own total over simulated time from
``GET /api/scoreboard/history?team=...``, and follows it as the score changes."""

from __future__ import annotations

import asyncio

from tests.range.api.conftest import RangeHarness, ok
from tests.tui.conftest import until
from tui.chart import ScoreChart
from tui.team.app import TeamApp

PATTERN = "[ipv4-addr:value = '203.0.113.66']"


def test_score_tab_charts_the_teams_own_history(started: RangeHarness, client_for):
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)
    started.step(60)

    def history() -> dict:
        return ok(started.get("ee-analyst", "/scoreboard/history", team="ee"))

    async def main() -> None:
        app = TeamApp(client_for("ee-analyst"), poll_wait=0.2)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")
            await pilot.press("f6")
            chart = app.query_one("#score-chart", ScoreChart)
            await until(pilot, lambda: chart.history is not None, "the chart")
            assert chart.display and chart.region.height >= 7
            assert chart.teams == ["ee"]
            assert chart.history.model_dump() == history()
            first = chart.history.teams[0].total
            assert first > 0

            started.step(240)  # ee detects the brute force too
            await until(pilot, lambda: chart.history.model_dump() == history(), "the new history")
            assert chart.history.teams[0].total > first
            total = ok(started.get("ee-analyst", "/teams/ee/score"))["total"]
            assert chart.history.teams[0].total == total

    asyncio.run(main())
