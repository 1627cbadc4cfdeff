"""Snapshots of the scoreboard at 80x24 and 160x48, dark and light.

Deterministic: the tiny scenario's simulated clock is stepped to its end before the
scoreboard opens, the server's address is not shown, and the shot is taken once the
ranking and the chart show the final scores.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.range.api.conftest import RangeHarness
from tests.tui.conftest import until
from tui.chart import ScoreChart
from tui.scoreboard.app import ScoreboardApp
from tui.scoreboard.ranking import RankingTable

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def finished(scored: RangeHarness) -> RangeHarness:
    scored.step(240)
    return scored


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_scoreboard(size, theme, finished, client_for, snap_compare):
    app = ScoreboardApp(client_for("partner"), every=60)

    async def run_before(pilot: Pilot) -> None:
        app.theme = theme
        await until(pilot, lambda: app.loaded, "the scoreboard to load")
        await until(pilot, lambda: app.query_one(RankingTable).row_count == 2, "the ranking")
        await until(pilot, lambda: len(app.query_one(ScoreChart).teams) == 2, "the chart")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
